// One part of a parallel model load (parallel-load.ts): parses the header, then the
// trees in bytes [start, end) of the file, straight into the shared forest storage.
import { closeSync, openSync, readSync } from 'node:fs'
import { parentPort, workerData } from 'node:worker_threads'
import { parseModelPart } from '../lightgbm/internal.ts'

const READ_BYTES = 1 << 20

/** The bytes [start, end) of the file at `path`, in chunks of at most READ_BYTES. */
function* fileChunks(path: string, start: number, end: number): Generator<Uint8Array> {
  const fd = openSync(path, 'r')
  try {
    for (let at = start; at < end; ) {
      const chunk = new Uint8Array(Math.min(READ_BYTES, end - at))
      const read = readSync(fd, chunk, 0, chunk.length, at)
      if (read === 0) throw new Error(`${path} ended at byte ${at}, before byte ${end}`)
      yield read === chunk.length ? chunk : chunk.subarray(0, read)
      at += read
    }
  } finally {
    closeSync(fd)
  }
}

function run(): unknown {
  const { path, header, start, end, closeTrees, part } = workerData
  const chunks = fileChunks(path, start, end)
  return { ok: true, ...parseModelPart({ ...part, header, chunks, endsTrees: closeTrees }, { source: path }) }
}

let reply: unknown
try {
  reply = run()
} catch (error) {
  reply = { ok: false, message: error instanceof Error ? error.message : String(error) }
}
parentPort?.postMessage(reply)
