// The prediction log as a file: one JSON line per analysis, appended (guide, "Support":
// `logs/ml-predictions.log`). Lines are buffered and written in order by one append stream.
import { createWriteStream, mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { PredictionLogEntry, PredictionSink } from '../ensemble/index.ts'

/** The log file the guide names, relative to the working directory. */
export const DEFAULT_PREDICTION_LOG = 'logs/ml-predictions.log'

/** A file prediction log: `write` never blocks; `close` flushes. */
export interface FilePredictionLog extends PredictionSink {
  readonly path: string
  /** Entries written so far. */
  readonly count: number
  /** Resolves once everything written so far is on disk. */
  flush(): Promise<void>
  close(): Promise<void>
}

/**
 * Appends one JSON line per analysis to `path` (default `logs/ml-predictions.log`), creating
 * its directory. A write error is reported once to `onError` (default: stderr) and never
 * reaches the analysis.
 */
export function filePredictionLog(
  path: string = DEFAULT_PREDICTION_LOG,
  options: { onError?: (error: Error) => void } = {},
): FilePredictionLog {
  const full = resolve(path)
  mkdirSync(dirname(full), { recursive: true })
  const stream = createWriteStream(full, { flags: 'a' })
  let count = 0
  let failed = false
  stream.on('error', (error) => {
    if (failed) return
    failed = true
    ;(options.onError ?? ((e) => process.stderr.write(`prediction log ${full}: ${e.message}\n`)))(error)
  })
  const flush = () =>
    new Promise<void>((done) => {
      if (failed || stream.destroyed) return done()
      stream.write('', () => done())
    })
  return {
    path: full,
    get count() {
      return count
    },
    write(entry: PredictionLogEntry) {
      if (failed) return
      count++
      stream.write(`${JSON.stringify(entry)}\n`)
    },
    flush,
    async close() {
      if (stream.closed || stream.destroyed) return
      await new Promise<void>((done) => stream.end(() => done()))
    },
  }
}
