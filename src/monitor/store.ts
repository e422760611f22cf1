// The prediction store: every analysis of an ensemble written to `ml_predictions` on the
// registry's own database, through the registry's SqlClient (no second pool). The
// ensemble's `onAnalysis` hook only packs the analysis and the features used into a typed
// array (pack.ts); a timer hands batches to the encoder, which builds the rows as JSON text
// (here, or on a worker thread that may also write them), and inserts them off the request
// path: one statement a batch, its rows in one parameter and each distinct feature record of
// the batch once in another (ml_prediction_features, keyed by the record hash). A batch that
// fails because the database is away stays queued and is written once it is back; rows are
// dropped only when the queue is full, and then counted.
import type { Analysis, ModelSet } from '../ensemble/index.ts'
import type { FeatureInput } from '../package/index.ts'
import type { SqlClient } from '../registry/index.ts'
import { errorCode, isUnavailableError } from '../registry/internal.ts'
import { parseDuration } from './duration.ts'
import {
  BatchEncoder,
  type EncodedBatch,
  EncoderFailure,
  INSERT_PREDICTIONS_SQL,
  type PackedBatch,
  type PackedLayout,
  PackedQueue,
  type RowEncoder,
} from './pack.ts'
import { namesHash } from './rows.ts'

/** Options of `createPredictionStore`. */
export interface PredictionStoreOptions {
  /** Rows per INSERT (default 500). */
  batchSize?: number
  /** How often queued rows are written (default 1000 ms). A full batch is written at once. */
  flushIntervalMs?: number
  /** Most rows kept queued while the database is away; older ones are dropped and counted (default 100 000). */
  maxQueued?: number
  /** Delete predictions (and outcomes) older than this, e.g. `'30d'`; checked once an hour. Default: keep all. */
  retention?: string | number
  /** First wait before retrying a failed write (default 500 ms; doubles up to 30 s). */
  retryMs?: number
  /**
   * Turns queued rows into the INSERT's text (default: on this thread, off the request path).
   * leafwise/node's `createRowEncoderWorker()` does it on a worker thread; the store closes it.
   */
  encoder?: RowEncoder
  /** Told of every failed write (default: nothing; see `stats().lastError`). */
  onError?: (error: unknown) => void
  /** The clock, in ms since the epoch (tests). */
  now?: () => number
}

/** What the store has done so far. */
export interface PredictionStoreStats {
  /** Analyses handed to the store. */
  accepted: number
  /** Rows written (or found already written after a retry). */
  written: number
  /** Rows waiting to be written. */
  queued: number
  /** Rows given up: the queue overflowed, or the database refused the row itself. */
  dropped: number
  /** Writes that failed (each is retried unless its rows were dropped). */
  failedWrites: number
  /** Time spent building rows and their JSON on this thread, in ms (besides the driver's work). */
  encodeMs: number
  /** Batches the `encoder` option failed to encode (a worker gone), encoded on this thread instead. */
  encoderFailures: number
  /** The last write error, if any. */
  lastError?: string
}

/** The store: hand `record` to the ensemble (`onAnalysis: store.record`). */
export interface PredictionStore {
  /** Queues one analysis; never throws, never waits. */
  readonly record: (analysis: Analysis, input: FeatureInput, set: ModelSet) => void
  /** Writes everything queued now; resolves when the queue is empty or a write failed. */
  flush(): Promise<PredictionStoreStats>
  /** Deletes rows older than the retention (or `olderThan`); resolves to the number deleted. */
  prune(olderThan?: string | number): Promise<number>
  stats(): PredictionStoreStats
  /** Stops the timer and writes what is queued (trying for up to `timeoutMs`, default 10 s). */
  close(timeoutMs?: number): Promise<PredictionStoreStats>
}

/** The features a set's models read: names, their JSON keys, and a hash of the names. */
interface FeatureLayout extends PackedLayout {
  names: readonly string[]
}

const layoutOf = new WeakMap<ModelSet, FeatureLayout>()

/** The union of the features the set's models read, in first-seen order (cached per set). */
function featuresUsed(set: ModelSet): FeatureLayout {
  let layout = layoutOf.get(set)
  if (!layout) {
    const seen = new Set<string>()
    for (const member of [...set.deployed, ...set.shadow])
      for (const name of member.package.featureNames) seen.add(name)
    const names = [...seen]
    layout = { names, keys: names.map((n) => `${JSON.stringify(n)}:`), seed: namesHash(names) }
    layoutOf.set(set, layout)
  }
  return layout
}

/** Writes the features used into the queue (NaN: missing); undefined for values without names. */
function valuesFiller(
  input: FeatureInput,
  names: readonly string[],
): ((into: Float64Array, at: number) => void) | undefined {
  // Values already in one model's order carry no names: nothing to store for drift.
  if (ArrayBuffer.isView(input) || Array.isArray(input)) return undefined
  if (input instanceof Map)
    return (into, at) => {
      for (let i = 0; i < names.length; i++) {
        const v = input.get(names[i])
        into[at + i] = typeof v === 'number' ? v : Number.NaN
      }
    }
  const record = input as Record<string, number | null | undefined>
  return (into, at) => {
    for (let i = 0; i < names.length; i++) {
      const v = record[names[i]]
      into[at + i] = typeof v === 'number' ? v : Number.NaN
    }
  }
}

function randomTag(): string {
  const bytes = new Uint8Array(6)
  globalThis.crypto.getRandomValues(bytes)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

/** A row the database refuses for what it holds (not for being away): retrying cannot help. */
function isRowProblem(error: unknown): boolean {
  const code = errorCode(error)
  return code !== undefined && /^(22|23)/.test(code)
}

/**
 * Creates the prediction store over the registry's `client` (the tables come with
 * `registry.migrate()`, migration 010). Pass `store.record` as the ensemble's `onAnalysis`;
 * call `close()` before closing the client.
 */
export function createPredictionStore(
  client: SqlClient,
  options: PredictionStoreOptions = {},
): PredictionStore {
  const batchSize = Math.max(1, options.batchSize ?? 500)
  const intervalMs = options.flushIntervalMs ?? 1000
  const maxQueued = Math.max(batchSize, options.maxQueued ?? 100_000)
  const retentionMs = options.retention === undefined ? undefined : parseDuration(options.retention)
  const firstRetryMs = options.retryMs ?? 500
  const now = options.now ?? Date.now
  const tag = randomTag()
  let counter = 0
  const queue = new PackedQueue()
  const encoder: RowEncoder = options.encoder ?? new BatchEncoder()
  /** Used when `encoder` fails (a worker gone): rows are never lost to the encoder. */
  let fallback: BatchEncoder | undefined
  const stats = {
    accepted: 0,
    written: 0,
    dropped: 0,
    failedWrites: 0,
    encodeMs: 0,
    encoderFailures: 0,
    lastError: undefined as string | undefined,
  }
  let writing: Promise<void> | undefined
  /** Rows of the batch being written; overflow meanwhile drops the oldest rows after them. */
  let inFlight = 0
  let dropAfterWrite = 0
  let retryAt = 0
  let retryMs = firstRetryMs
  let lastPrune = 0
  let closed = false
  let soon: ReturnType<typeof setTimeout> | undefined

  const queued = () => queue.length - dropAfterWrite

  const timer = setInterval(() => void writeAll(), intervalMs)
  ;(timer as { unref?: () => void }).unref?.()

  const record = (analysis: Analysis, input: FeatureInput, set: ModelSet): void => {
    if (closed) {
      stats.accepted++
      stats.dropped++
      return
    }
    stats.accepted++
    try {
      const layout = featuresUsed(set)
      const fill = valuesFiller(input, layout.names)
      queue.push(counter++, now(), analysis, layout, fill ? layout.names.length : -1, fill)
      if (queued() > maxQueued) {
        stats.dropped++
        if (inFlight) dropAfterWrite++
        else queue.advance(1)
      }
      if (queued() >= batchSize && !soon && !writing) {
        soon = setTimeout(() => {
          soon = undefined
          void writeAll()
        }, 0)
      }
    } catch {
      stats.dropped++
    }
  }

  /** Failures of `encoder` in a row; from the third on, rows are encoded here. */
  let encoderFailures = 0

  /** `call`'s synchronous part, timed as this thread's encoding work; undefined if it threw. */
  function handOver<T>(call: () => T): T | undefined {
    const started = performance.now()
    try {
      return call()
    } catch {
      return undefined
    } finally {
      stats.encodeMs += performance.now() - started
    }
  }

  /** The batch encoded on this thread (after three failures of `encoder`, or after one now). */
  function encodeHere(batch: PackedBatch, failed: boolean): EncodedBatch {
    if (failed) {
      encoderFailures++
      stats.encoderFailures++
    }
    fallback ??= new BatchEncoder()
    const started = performance.now()
    const encoded = fallback.encode(batch)
    stats.encodeMs += performance.now() - started
    return encoded
  }

  async function encode(batch: PackedBatch): Promise<EncodedBatch> {
    if (encoderFailures >= 3) return encodeHere(batch, false)
    const pending = handOver(() => encoder.encode(batch))
    if (pending === undefined) return encodeHere(batch, true)
    try {
      const encoded = await pending
      encoderFailures = 0
      return encoded
    } catch {
      return encodeHere(batch, true)
    }
  }

  /**
   * Writes a batch: through the encoder's own connection when it has one (`write`), else
   * encoded (there or here) and inserted through `client`. An encoder that fails, rather than
   * the database, leaves the batch to this thread.
   */
  async function insert(batch: PackedBatch): Promise<void> {
    if (encoder.write && encoderFailures < 3) {
      const pending = handOver(() => encoder.write?.(batch))
      try {
        if (pending) {
          await pending
          encoderFailures = 0
          return
        }
      } catch (error) {
        if (!(error instanceof EncoderFailure)) throw error
      }
      const encoded = encodeHere(batch, true)
      await client.query(INSERT_PREDICTIONS_SQL, [encoded.rows, encoded.features])
      return
    }
    const encoded = await encode(batch)
    await client.query(INSERT_PREDICTIONS_SQL, [encoded.rows, encoded.features])
  }

  /** Forgets the rows just written (or given up) and those dropped meanwhile. */
  function settle(rows: number): void {
    queue.advance(rows + dropAfterWrite)
    inFlight = 0
    dropAfterWrite = 0
  }

  async function writeBatch(): Promise<boolean> {
    const batch = queue.take(batchSize, tag)
    inFlight = batch.count
    try {
      await insert(batch)
      stats.written += batch.count
      settle(batch.count)
      retryMs = firstRetryMs
      return true
    } catch (error) {
      stats.failedWrites++
      stats.lastError = error instanceof Error ? error.message : String(error)
      try {
        options.onError?.(error)
      } catch {}
      if (isRowProblem(error) && !isUnavailableError(error)) {
        // Written one by one, so only the refused rows are lost (and counted).
        for (let i = 0; i < batch.count; i++) {
          try {
            await insert(queue.take(1, tag))
            stats.written++
          } catch {
            stats.dropped++
          }
          queue.advance(1)
          inFlight--
        }
        settle(0)
        return true
      }
      settle(0)
      retryAt = now() + retryMs
      retryMs = Math.min(retryMs * 2, 30_000)
      return false
    }
  }

  async function pruneIfDue(): Promise<void> {
    if (retentionMs === undefined || now() - lastPrune < 3_600_000) return
    lastPrune = now()
    await prune(retentionMs).catch(() => {})
  }

  function writeAll(force = false): Promise<void> {
    if (writing) return writing
    if (!force && now() < retryAt) return Promise.resolve()
    writing = (async () => {
      try {
        while (queued() > 0) if (!(await writeBatch())) break
        if (queued() === 0) await pruneIfDue()
      } finally {
        writing = undefined
      }
    })()
    return writing
  }

  async function prune(olderThan?: string | number): Promise<number> {
    const ms = olderThan === undefined ? retentionMs : parseDuration(olderThan)
    if (ms === undefined) return 0
    const cutoff = new Date(now() - ms).toISOString()
    const rows = await client.query<{ n: number }>(
      `WITH gone AS (DELETE FROM ml_predictions WHERE predicted_at < $1::timestamptz RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [cutoff],
    )
    await client.query('DELETE FROM ml_outcomes WHERE observed_at < $1::timestamptz', [cutoff])
    // A record goes once no prediction uses it. last_seen < cutoff is checked again on a
    // record a concurrent batch is using (its upsert locks and moves last_seen), so such a
    // record stays.
    await client.query(
      `DELETE FROM ml_prediction_features f WHERE f.last_seen < $1::timestamptz
       AND NOT EXISTS (SELECT 1 FROM ml_predictions p WHERE p.record_hash = f.record_hash)`,
      [cutoff],
    )
    return rows[0]?.n ?? 0
  }

  const snapshot = (): PredictionStoreStats => ({
    accepted: stats.accepted,
    written: stats.written,
    queued: queued(),
    dropped: stats.dropped,
    failedWrites: stats.failedWrites,
    encodeMs: stats.encodeMs,
    encoderFailures: stats.encoderFailures,
    ...(stats.lastError === undefined ? {} : { lastError: stats.lastError }),
  })

  return {
    record,
    async flush() {
      if (writing) await writing
      await writeAll(true)
      return snapshot()
    },
    prune,
    stats: snapshot,
    async close(timeoutMs = 10_000) {
      closed = true
      clearInterval(timer)
      if (soon) clearTimeout(soon)
      const deadline = Date.now() + timeoutMs
      if (writing) await writing
      while (queued() > 0 && Date.now() < deadline) {
        await writeAll(true)
        if (queued() > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(retryMs, 1000)))
      }
      // What could not be written is lost now: count it.
      stats.dropped += queued()
      settle(queue.length)
      await encoder.close?.()
      return snapshot()
    },
  }
}
