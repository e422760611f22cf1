// One model.txt from disk, streamed through the core parser.
import { createReadStream } from 'node:fs'
import { loadModel, type Model, type ParseOptions } from '../lightgbm/index.ts'

/**
 * Parses a model.txt from disk without holding the whole file in memory. The path is the
 * `source` of parse errors unless `options.source` says otherwise.
 */
export async function loadModelFile(path: string, options: ParseOptions = {}): Promise<Model> {
  const stream = createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>
  return loadModel(stream, { source: path, ...options })
}
