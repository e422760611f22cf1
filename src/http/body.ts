// Reading a request body with a size limit, from the web-standard Request: refused by its
// Content-Length when declared, and cut off while streaming when not.
import { HttpError } from './errors.ts'

/** The body of `request` as text; 413 PAYLOAD_TOO_LARGE past `limit` bytes. */
export async function readBody(request: Request, limit: number): Promise<string> {
  const declared = Number(request.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > limit) {
    throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `request body is ${declared} bytes; the limit is ${limit}`)
  }
  if (!request.body) return ''
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > limit) {
        reader.cancel().catch(() => {})
        throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `request body exceeds ${limit} bytes`)
      }
      chunks.push(value)
    }
  } catch (error) {
    if (error instanceof HttpError) throw error
    throw new HttpError(400, 'BAD_REQUEST', `cannot read the request: ${(error as Error).message}`)
  }
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return new TextDecoder().decode(bytes)
}

/** A form body (`application/x-www-form-urlencoded`) read within `limit` bytes. */
export async function readForm(request: Request, limit: number): Promise<URLSearchParams> {
  return new URLSearchParams(await readBody(request, limit))
}
