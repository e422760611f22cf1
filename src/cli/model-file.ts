// Loading a model.txt for a CLI command: from disk (big files on worker threads, others
// streamed), errors naming the file.
import { existsSync, statSync } from 'node:fs'
import { LeafwiseError } from '../errors.ts'
import type { Model } from '../lightgbm/index.ts'
import { loadModelFile } from '../node/load-model-file.ts'
import { UsageError } from './io.ts'

/** Loads `path` with loadModelFile; returns the model, file size and parse time. */
export async function readModelFile(path: string): Promise<{ model: Model; bytes: number; seconds: number }> {
  if (!existsSync(path)) throw new LeafwiseError('MODEL_FILE_MISSING', `${path}: no such file`)
  const stat = statSync(path)
  if (!stat.isFile()) throw new LeafwiseError('MODEL_FILE_MISSING', `${path}: not a file`)
  const started = performance.now()
  const model = await loadModelFile(path)
  return { model, bytes: stat.size, seconds: (performance.now() - started) / 1000 }
}

/** An integer flag value, or undefined when absent. */
export function intOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n)) throw new UsageError(`--${name} must be an integer, got '${value}'`)
  return n
}
