// Reading a stream of byte chunks the same way on every runtime. Like src/errors.ts and
// src/names.ts it imports nothing, so every layer may use it: the LightGBM core (a model
// file as a stream) and the registry (a package file checked against its hash).

/** The chunks of a ReadableStream or an AsyncIterable, as an AsyncIterable. */
export async function* chunksOf(
  input: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
): AsyncIterable<Uint8Array> {
  if (Symbol.asyncIterator in input) {
    yield* input as AsyncIterable<Uint8Array>
    return
  }
  const reader = (input as ReadableStream<Uint8Array>).getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      yield value
    }
  } finally {
    reader.releaseLock()
  }
}
