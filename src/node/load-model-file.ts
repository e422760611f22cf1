// One model.txt from disk: big files are parsed on worker threads (parallel-load.ts),
// others (and files the parallel load cannot split) streamed through the core parser.
import { createReadStream } from 'node:fs'
import { loadModel, Model, type ParseOptions } from '../lightgbm/index.ts'
import { type ParallelLoadOptions, parseModelFileParallel } from './parallel-load.ts'

/** Options of loadModelFile. */
export interface LoadModelFileOptions extends ParseOptions, ParallelLoadOptions {}

/**
 * Parses a model.txt from disk without holding the whole file in memory. Files of
 * `minBytes` (32 MiB) and more are parsed by `threads` worker threads at once, as
 * LightGBM does. The path is the `source` of parse errors unless `options.source` says
 * otherwise.
 */
export async function loadModelFile(path: string, options: LoadModelFileOptions = {}): Promise<Model> {
  const parallel = await parseModelFileParallel(path, options)
  if (typeof parallel !== 'string') return new Model(parallel)
  const stream = createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>
  return loadModel(stream, { source: path, ...options })
}
