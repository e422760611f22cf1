// The prediction store: every analysis of an ensemble written to `ml_predictions` on the
// registry's own database, through the registry's SqlClient (no second pool). The
// ensemble's `onAnalysis` hook only queues (a copy of the features used and the analysis);
// rows are built as JSON text and inserted in batches by a timer, off the request path:
// one statement a batch, its rows in one parameter and each distinct feature record of the
// batch once in another (ml_prediction_features, keyed by the record hash). A batch that
// fails because the database is away stays queued and is written once it is back; rows are
// dropped only when the queue is full, and then counted.
import type { Analysis, ModelSet, Vote } from '../ensemble/index.ts'
import type { FeatureInput } from '../package/index.ts'
import type { SqlClient } from '../registry/index.ts'
import { errorCode, isUnavailableError } from '../registry/internal.ts'
import { parseDuration } from './duration.ts'
import { namesHash, namesHashHex, type VoteRole, valuesHash } from './rows.ts'

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
  /** Time spent building rows and their JSON, in ms (work on this thread besides the driver's). */
  encodeMs: number
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

interface Pending {
  uid: string
  time: number
  analysis: Analysis
  layout: FeatureLayout
  values: Float64Array | undefined
}

/** The features a set's models read: names, their JSON keys, and a hash of the names. */
interface FeatureLayout {
  names: readonly string[]
  keys: readonly string[]
  seed: number
  /** The values last formatted and their text (see `featuresJson`). */
  last: Float64Array
  lastText: string[]
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
    layout = {
      names,
      keys: names.map((n) => `${JSON.stringify(n)}:`),
      seed: namesHash(names),
      last: new Float64Array(names.length).fill(Number.NaN),
      lastText: names.map(() => 'null'),
    }
    layoutOf.set(set, layout)
  }
  return layout
}

function copyValues(input: FeatureInput, names: readonly string[]): Float64Array | undefined {
  // Values already in one model's order carry no names: nothing to store for drift.
  if (ArrayBuffer.isView(input) || Array.isArray(input)) return undefined
  const out = new Float64Array(names.length)
  if (input instanceof Map) {
    for (let i = 0; i < names.length; i++) {
      const v = input.get(names[i])
      out[i] = typeof v === 'number' ? v : Number.NaN
    }
  } else {
    const record = input as Record<string, number | null | undefined>
    for (let i = 0; i < names.length; i++) {
      const v = record[names[i]]
      out[i] = typeof v === 'number' ? v : Number.NaN
    }
  }
  return out
}

function randomTag(): string {
  const bytes = new Uint8Array(6)
  globalThis.crypto.getRandomValues(bytes)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

/** How many feature texts a store remembers by record hash (then it starts over). */
const FEATURE_MEMO = 4096

/** A value JSON can carry: NaN and infinities become null. */
const num = (x: number) => (Number.isFinite(x) ? String(x) : 'null')
const str = (x: string | null | undefined) => (x === null || x === undefined ? 'null' : JSON.stringify(x))

/**
 * `{"name":value,...}` of the features used, built as text (NaN is null). A value equal to
 * the same feature's in the record formatted before (a market-wide feature shared by every
 * symbol of a day) reuses its text.
 */
function featuresJson(p: Pending): string {
  const values = p.values
  if (!values) return '{}'
  const { keys, last, lastText } = p.layout
  const parts = new Array<string>(keys.length)
  for (let i = 0; i < keys.length; i++) {
    const v = values[i]
    let value: string
    if (v === last[i]) value = lastText[i]
    else {
      value = Number.isFinite(v) ? String(v) : 'null'
      last[i] = v
      lastText[i] = value
    }
    parts[i] = keys[i] + value
  }
  return `{${parts.join(',')}}`
}

/** `{"n":name,"v":version,"r":role,"s":` of a vote, kept per name, version and role. */
const votePrefixes = new Map<string, string>()

function votePrefix(vote: Vote, role: VoteRole): string {
  const key = `${role}\u0000${vote.modelName}\u0000${vote.modelVersion}`
  let prefix = votePrefixes.get(key)
  if (prefix === undefined) {
    prefix = `{"n":${JSON.stringify(vote.modelName)},"v":${JSON.stringify(vote.modelVersion)},"r":"${role}","s":`
    if (votePrefixes.size < 10_000) votePrefixes.set(key, prefix)
  }
  return prefix
}

/**
 * A vote as `StoredVote` JSON (rows.ts), built as text. The confidence is one of the
 * probabilities, and a classifier's output repeats them: their text is reused, not made again.
 */
function voteJson(vote: Vote, role: VoteRole): string {
  const p = vote.probabilities
  const bear = num(p.BEARISH)
  const neut = num(p.NEUTRAL)
  const bull = num(p.BULLISH)
  const text = (x: number) =>
    x === p.BEARISH ? bear : x === p.NEUTRAL ? neut : x === p.BULLISH ? bull : num(x)
  let o = ''
  for (let i = 0; i < vote.prediction.length; i++) o += (i ? ',' : '') + text(vote.prediction[i])
  return `${votePrefix(vote, role)}"${vote.signal}","c":${text(vote.confidence)},"p":[${bear},${neut},${bull}],"o":[${o}],"w":${num(vote.weight)}}`
}

function votesJson(a: Analysis): string {
  let text = '['
  for (const vote of a.votes) text += (text.length > 1 ? ',' : '') + voteJson(vote, vote.role ?? 'deployed')
  for (const vote of a.shadowVotes) text += (text.length > 1 ? ',' : '') + voteJson(vote, 'shadow')
  return `${text}]`
}

/** One row of ml_predictions as JSON (the names of `insertSql`'s record). */
function rowJson(p: Pending, hash: string): string {
  const a = p.analysis
  const c = a.consensus
  let consensus = 'null'
  if (c) {
    const p = c.probabilities
    const bear = num(p.BEARISH)
    const neut = num(p.NEUTRAL)
    const bull = num(p.BULLISH)
    const conf =
      c.confidence === p.BULLISH
        ? bull
        : c.confidence === p.NEUTRAL
          ? neut
          : c.confidence === p.BEARISH
            ? bear
            : num(c.confidence)
    consensus = `{"s":"${c.signal}","c":${conf},"score":${num(c.score)},"p":[${bear},${neut},${bull}]}`
  }
  const errors = a.errors.length
    ? JSON.stringify(a.errors.map((e) => ({ n: e.modelName, v: e.modelVersion, m: e.message })))
    : 'null'
  return `{"uid":"${p.uid}","at":${p.time},"key":${str(a.id)},"hash":"${hash}","tier":${str(a.tier)},"gen":${num(a.generation)},"ms":${num(a.latencyMs)},"consensus":${consensus},"votes":${votesJson(a)},"errors":${errors}}`
}

/** A batch as the two parameters of `insertSql`: its rows, and its distinct feature records. */
interface EncodedBatch {
  rows: string
  features: string
}

/**
 * Each distinct record of the batch once, latest use first in `last_seen`; then every row.
 * A record is sent with every batch that uses it (ON CONFLICT keeps one copy), so a row
 * never depends on an earlier batch having been written.
 */
const insertSql = `WITH f AS (
    INSERT INTO ml_prediction_features (record_hash, features, last_seen)
    SELECT f.h, f.f, to_timestamp(f.t / 1000.0) FROM jsonb_to_recordset($2::text::jsonb) AS f(h text, f jsonb, t float8)
    ON CONFLICT (record_hash) DO UPDATE SET last_seen = GREATEST(ml_prediction_features.last_seen, EXCLUDED.last_seen))
  INSERT INTO ml_predictions (prediction_uid, predicted_at, request_key, record_hash, tier,
    generation, latency_ms, consensus, votes, errors)
  SELECT r.uid, to_timestamp(r.at / 1000.0), r.key, r.hash, r.tier, r.gen, r.ms, r.consensus, r.votes, r.errors
  FROM jsonb_to_recordset($1::text::jsonb) AS r(uid text, at float8, key text, hash text, tier text, gen int,
    ms float8, consensus jsonb, votes jsonb, errors jsonb)
  ON CONFLICT (prediction_uid) DO NOTHING`

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
  let queue: Pending[] = []
  let head = 0
  const stats = {
    accepted: 0,
    written: 0,
    dropped: 0,
    failedWrites: 0,
    encodeMs: 0,
    lastError: undefined as string | undefined,
  }
  let writing: Promise<void> | undefined
  let retryAt = 0
  let retryMs = firstRetryMs
  let lastPrune = 0
  let closed = false
  let soon: ReturnType<typeof setTimeout> | undefined

  const queued = () => queue.length - head

  const timer = setInterval(() => void writeAll(), intervalMs)
  ;(timer as { unref?: () => void }).unref?.()

  function compact(): void {
    if (head > 4096 && head * 2 > queue.length) {
      queue = queue.slice(head)
      head = 0
    }
  }

  const record = (analysis: Analysis, input: FeatureInput, set: ModelSet): void => {
    if (closed) {
      stats.accepted++
      stats.dropped++
      return
    }
    stats.accepted++
    try {
      const layout = featuresUsed(set)
      queue.push({
        // Fixed width, so one writer's uids rise in the unique index (appended at its right edge).
        uid: `${tag}-${(counter++).toString(36).padStart(8, '0')}`,
        time: now(),
        analysis,
        layout,
        values: copyValues(input, layout.names),
      })
      if (queued() > maxQueued) {
        head++
        stats.dropped++
        compact()
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

  /** Feature JSON by record hash: a record analyzed again is not formatted again. */
  let memo = new Map<string, string>()
  /** Record hashes met in earlier batches (their text is kept once they come again). */
  let seen = new Set<string>()

  function encodeBatch(batch: readonly Pending[]): EncodedBatch {
    const rows = new Array<string>(batch.length)
    const distinct = new Map<string, Pending>()
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i]
      const hash = p.values ? valuesHash(p.layout.seed, p.values) : namesHashHex(p.layout.seed)
      const seen = distinct.get(hash)
      if (seen === undefined || seen.time < p.time) distinct.set(hash, p)
      rows[i] = rowJson(p, hash)
    }
    const features: string[] = []
    // In hash order: concurrent writers lock the records in one order.
    for (const hash of [...distinct.keys()].sort()) {
      const p = distinct.get(hash)!
      let text = memo.get(hash)
      if (text === undefined) {
        text = featuresJson(p)
        // Kept from a record's second batch on: a stream of new records keeps no text.
        if (seen.has(hash)) {
          if (memo.size >= FEATURE_MEMO) memo = new Map()
          memo.set(hash, text)
        } else {
          if (seen.size >= 16 * FEATURE_MEMO) seen = new Set()
          seen.add(hash)
        }
      }
      features.push(`{"h":"${hash}","t":${p.time},"f":${text}}`)
    }
    return { rows: `[${rows.join(',')}]`, features: `[${features.join(',')}]` }
  }

  async function writeBatch(): Promise<boolean> {
    const batch = queue.slice(head, head + batchSize)
    try {
      const started = performance.now()
      const encoded = encodeBatch(batch)
      stats.encodeMs += performance.now() - started
      await client.query(insertSql, [encoded.rows, encoded.features])
      stats.written += batch.length
      head += batch.length
      compact()
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
        for (const item of batch) {
          try {
            const one = encodeBatch([item])
            await client.query(insertSql, [one.rows, one.features])
            stats.written++
          } catch {
            stats.dropped++
          }
          head++
        }
        compact()
        return true
      }
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
      head = queue.length
      return snapshot()
    },
  }
}
