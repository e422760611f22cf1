// Loading a model.txt for a CLI command: from disk (big files on worker threads, others
// streamed), errors naming the file, and a progress line on a terminal for big files.
import { statSync } from 'node:fs'
import type { Model } from '../lightgbm/index.ts'
import { loadModelFile } from '../node/index.ts'
import { requireFile } from './files.ts'
import { type CliIO, UsageError } from './io.ts'
import { createProgress } from './progress.ts'

/** Files from this size on show "loading ..." on a terminal while they parse. */
const SHOW_LOAD_BYTES = 8 * 1024 * 1024

/**
 * Loads `path` with loadModelFile; returns the model, file size and parse time. `flag`
 * names the option the path came from in error messages (`--model`).
 */
export async function readModelFile(
  path: string,
  options: { io?: CliIO; flag?: string; shown?: string } = {},
): Promise<{ model: Model; bytes: number; seconds: number }> {
  requireFile(path, options.flag, options.shown)
  const stat = statSync(path)
  const progress = options.io && stat.size >= SHOW_LOAD_BYTES ? createProgress(options.io) : undefined
  progress?.update(`loading ${path} (${(stat.size / 1e6).toFixed(0)} MB) ...`, true)
  const started = performance.now()
  try {
    const model = await loadModelFile(path)
    return { model, bytes: stat.size, seconds: (performance.now() - started) / 1000 }
  } finally {
    progress?.clear()
  }
}

/** An integer flag value, or undefined when absent. */
export function intOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n)) throw new UsageError(`--${name} must be an integer, got '${value}'`)
  return n
}
