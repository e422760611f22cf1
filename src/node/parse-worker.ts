// One part of a parallel model load (parallel-load.ts): parses the header, then the
// trees in bytes [start, end) of the file, straight into the shared forest storage.
import { closeSync, openSync, readSync } from 'node:fs'
import { parentPort, workerData } from 'node:worker_threads'
import { ModelParser } from '../lightgbm/parse.ts'

const READ_BYTES = 1 << 20

function run(): unknown {
  const { path, header, start, end, closeTrees, part } = workerData
  const parser = new ModelParser({ source: path }, part)
  parser.push(header)
  const fd = openSync(path, 'r')
  try {
    for (let at = start; at < end; ) {
      const chunk = new Uint8Array(Math.min(READ_BYTES, end - at))
      const read = readSync(fd, chunk, 0, chunk.length, at)
      if (read === 0) throw new Error(`${path} ended at byte ${at}, before byte ${end}`)
      parser.push(read === chunk.length ? chunk : chunk.subarray(0, read))
      at += read
    }
  } finally {
    closeSync(fd)
  }
  if (closeTrees) parser.push(new TextEncoder().encode('end of trees\n'))
  return { ok: true, ...parser.finishPart() }
}

let reply: unknown
try {
  reply = run()
} catch (error) {
  reply = { ok: false, message: error instanceof Error ? error.message : String(error) }
}
parentPort?.postMessage(reply)
