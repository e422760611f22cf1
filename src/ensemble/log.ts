// The prediction log: one entry per analysis, written to an injected sink (a file in
// leafwise/node, anything else elsewhere). docs/ensemble.md, "Prediction log".
import type { FeatureInput } from '../package/index.ts'
import type { Analysis } from './ensemble.ts'
import type { Signal } from './signals.ts'

/** One line of the prediction log. */
export interface PredictionLogEntry {
  /** ISO time of the analysis. */
  time: string
  /** Caller's label of the record (a symbol), when given. */
  id?: string
  tier: string
  generation: number
  /** `inputHash` of the record: 16 hex digits, equal for equal records. */
  inputHash: string
  latencyMs: number
  consensus: { signal: Signal; confidence: number; score: number } | null
  votes: { model: string; signal: Signal; confidence: number; weight: number }[]
  shadow: { model: string; signal: Signal; confidence: number }[]
  /** Models that could not predict this record. */
  errors?: { model: string; message: string }[]
}

/** Where log entries go. `write` must not throw; a slow sink should buffer. */
export interface PredictionSink {
  write(entry: PredictionLogEntry): void
  /** Flushes and closes (optional). */
  close?(): Promise<void>
}

/** A sink that keeps entries in memory (tests, short scripts). */
export function memorySink(): PredictionSink & { entries: PredictionLogEntry[] } {
  const entries: PredictionLogEntry[] = []
  return {
    entries,
    write(entry) {
      entries.push(entry)
    },
  }
}

/** A sink that hands each entry as one JSON line to `writeLine` (console, a stream, a queue). */
export function lineSink(writeLine: (line: string) => void): PredictionSink {
  return {
    write(entry) {
      writeLine(`${JSON.stringify(entry)}\n`)
    },
  }
}

function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    // NaN and undefined both mean missing: hash them as null.
    return typeof value === 'number' && !Number.isFinite(value)
      ? Number.isNaN(value)
        ? 'null'
        : String(value)
      : JSON.stringify(value ?? null)
  }
  if (value instanceof Map) return canonical(Object.fromEntries(value))
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    return `[${Array.from(value as ArrayLike<unknown>, canonical).join(',')}]`
  }
  const record = value as Record<string, unknown>
  const keys = Object.keys(record).sort()
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(record[k])}`).join(',')}}`
}

/**
 * A stable hash of a record: two 32-bit FNV-1a hashes (offset bases 0x811c9dc5 and
 * 0x050c5d1f) over the UTF-16 code units of its canonical JSON (sorted keys; NaN, null and
 * undefined alike), as 16 hex digits. It tells equal inputs from different ones in the log;
 * it is not a cryptographic hash.
 */
export function inputHash(record: unknown): string {
  const text = canonical(record)
  let a = 0x811c9dc5
  let b = 0x050c5d1f
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    a = Math.imul(a ^ unit, 0x01000193)
    b = Math.imul(b ^ unit, 0x01000193)
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0')
}

/** The log entry of one analysis (no feature values: the record's hash only). */
export function logEntryOf(analysis: Analysis, record: FeatureInput): PredictionLogEntry {
  const c = analysis.consensus
  return {
    time: new Date().toISOString(),
    ...(analysis.id === undefined ? {} : { id: analysis.id }),
    tier: analysis.tier,
    generation: analysis.generation,
    inputHash: inputHash(record),
    latencyMs: Math.round(analysis.latencyMs * 1000) / 1000,
    consensus: c ? { signal: c.signal, confidence: c.confidence, score: c.score } : null,
    votes: analysis.votes.map((v) => ({
      model: `${v.modelName}/${v.modelVersion}`,
      signal: v.signal,
      confidence: v.confidence,
      weight: v.weight,
    })),
    shadow: analysis.shadowVotes.map((v) => ({
      model: `${v.modelName}/${v.modelVersion}`,
      signal: v.signal,
      confidence: v.confidence,
    })),
    ...(analysis.errors.length
      ? {
          errors: analysis.errors.map((e) => ({
            model: `${e.modelName}/${e.modelVersion}`,
            message: e.message,
          })),
        }
      : {}),
  }
}
