// The prediction store's rows, in two steps. On the request path an analysis is packed:
// its numbers copied into one growing Float64Array (no object kept, nothing formatted), its
// few strings beside them, model names and versions as ids. Off the request path a batch
// of packed rows becomes the two JSON texts of the INSERT (`BatchEncoder`), on this thread
// or in a worker (leafwise/node's `createRowEncoderWorker`): a packed batch is a typed
// array and an array of strings, which a worker receives without any formatting work.
import type { Analysis, Vote } from '../ensemble/index.ts'
import { SIGNALS } from '../ensemble/index.ts'
import { namesHashHex, type VoteRole, valuesHash } from './rows.ts'

/** A feature layout as the encoder needs it: the JSON keys (`"name":`) and the names' hash. */
export interface PackedLayout {
  keys: readonly string[]
  seed: number
}

/**
 * Rows packed for encoding (see the layout in `PackedQueue.push`): what an encoder receives,
 * on this thread or posted to a worker. `prefixes` and `layouts` are the whole intern tables
 * (small: one entry per model version and role, one per model set).
 */
export interface PackedBatch {
  /** The rows' numbers, back to back. */
  nums: Float64Array
  /** Rows in the batch. */
  count: number
  /** Three a row: request key, tier, errors as JSON (null: none). */
  strs: (string | null)[]
  /** The writer's tag, the first part of every prediction_uid. */
  tag: string
  /** `{"n":name,"v":version,"r":role,"s":` by vote id. */
  prefixes: readonly string[]
  layouts: readonly PackedLayout[]
}

/** A batch as the two parameters of the store's INSERT: its rows, and its distinct feature records. */
export interface EncodedBatch {
  rows: string
  features: string
}

/**
 * Each distinct record of the batch once, latest use first in `last_seen`; then every row.
 * A record is sent with every batch that uses it (ON CONFLICT keeps one copy), so a row
 * never depends on an earlier batch having been written.
 */
export const INSERT_PREDICTIONS_SQL = `WITH f AS (
    INSERT INTO ml_prediction_features (record_hash, features, last_seen)
    SELECT f.h, f.f, to_timestamp(f.t / 1000.0) FROM jsonb_to_recordset($2::text::jsonb) AS f(h text, f jsonb, t float8)
    ON CONFLICT (record_hash) DO UPDATE SET last_seen = GREATEST(ml_prediction_features.last_seen, EXCLUDED.last_seen))
  INSERT INTO ml_predictions (prediction_uid, predicted_at, request_key, record_hash, tier,
    generation, latency_ms, consensus, votes, errors)
  SELECT r.uid, to_timestamp(r.at / 1000.0), r.key, r.hash, r.tier, r.gen, r.ms, r.consensus, r.votes, r.errors
  FROM jsonb_to_recordset($1::text::jsonb) AS r(uid text, at float8, key text, hash text, tier text, gen int,
    ms float8, consensus jsonb, votes jsonb, errors jsonb)
  ON CONFLICT (prediction_uid) DO NOTHING`

/** Turns packed rows into the INSERT's texts: `BatchEncoder` here, or a worker doing the same. */
export interface RowEncoder {
  encode(batch: PackedBatch): EncodedBatch | Promise<EncodedBatch>
  /**
   * When present, the store hands each batch here instead of encoding it and running the
   * INSERT itself: an encoder with its own connection to the database (leafwise/node's worker
   * given a PostgreSQL URL) writes it. A database error rejects with the driver's code (the
   * store retries as it would its own write); anything else rejects with `EncoderFailure`.
   */
  write?(batch: PackedBatch): Promise<void>
  /** Frees what the encoder holds (a worker). */
  close?(): void | Promise<void>
}

/** An encoder that could not do its work (a worker gone): the store does the batch itself. */
export class EncoderFailure extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'EncoderFailure'
  }
}

/** A signal's index in SIGNALS (0 BEARISH, 1 NEUTRAL, 2 BULLISH). */
const signalIndex = (s: string) => (s === SIGNALS[0] ? 0 : s === SIGNALS[2] ? 2 : 1)

/**
 * The queue of packed rows: appended on the request path, taken in batches by the writer.
 * A row's numbers: uid counter, time (epoch ms), generation, latency ms, layout id (-1: no
 * named features), consensus signal (-1: none), its confidence, score and three
 * probabilities, the number of votes; per vote its prefix id, signal, confidence, three
 * probabilities, weight, number of outputs and the outputs; then the number of feature
 * values (-1: none) and the values.
 */
export class PackedQueue {
  private buf = new Float64Array(1 << 14)
  private end = 0
  /** Where each row starts in `buf`, from `head` on. */
  private starts: number[] = []
  private strs: (string | null)[] = []
  private head = 0
  readonly prefixes: string[] = []
  /** Prefix ids by model name, then version, then role (no key string made per vote). */
  private readonly prefixIds = new Map<string, Map<string, Partial<Record<VoteRole, number>>>>()
  readonly layouts: PackedLayout[] = []
  private readonly layoutIds = new WeakMap<PackedLayout, number>()
  /** Layouts with the same names share an id (a reloaded model set brings a new object). */
  private readonly layoutByNames = new Map<string, number>()

  /** Rows queued. */
  get length(): number {
    return this.starts.length - this.head
  }

  private room(n: number): void {
    if (this.end + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.end + n) size *= 2
    const next = new Float64Array(size)
    next.set(this.buf.subarray(0, this.end))
    this.buf = next
  }

  private prefixId(vote: Vote, role: VoteRole): number {
    let versions = this.prefixIds.get(vote.modelName)
    if (!versions) {
      versions = new Map()
      this.prefixIds.set(vote.modelName, versions)
    }
    let roles = versions.get(vote.modelVersion)
    if (!roles) {
      roles = {}
      versions.set(vote.modelVersion, roles)
    }
    let id = roles[role]
    if (id === undefined) {
      id = this.prefixes.length
      this.prefixes.push(
        `{"n":${JSON.stringify(vote.modelName)},"v":${JSON.stringify(vote.modelVersion)},"r":"${role}","s":`,
      )
      roles[role] = id
    }
    return id
  }

  private layoutId(layout: PackedLayout): number {
    let id = this.layoutIds.get(layout)
    if (id === undefined) {
      const names = layout.keys.join('')
      id = this.layoutByNames.get(names)
      if (id === undefined) {
        id = this.layouts.length
        this.layouts.push({ keys: layout.keys, seed: layout.seed })
        this.layoutByNames.set(names, id)
      }
      this.layoutIds.set(layout, id)
    }
    return id
  }

  private vote(at: number, vote: Vote, role: VoteRole): number {
    const b = this.buf
    const p = vote.probabilities
    b[at] = this.prefixId(vote, role)
    b[at + 1] = signalIndex(vote.signal)
    b[at + 2] = vote.confidence
    b[at + 3] = p.BEARISH
    b[at + 4] = p.NEUTRAL
    b[at + 5] = p.BULLISH
    b[at + 6] = vote.weight
    const out = vote.prediction
    b[at + 7] = out.length
    for (let i = 0; i < out.length; i++) b[at + 8 + i] = out[i]
    return at + 8 + out.length
  }

  /**
   * Appends one analysis. `values` are the features used in `layout`'s order (NaN: missing),
   * undefined when the input carried no names; `fill` writes them (so they are copied
   * straight into the queue).
   */
  push(
    counter: number,
    time: number,
    a: Analysis,
    layout: PackedLayout,
    numValues: number,
    fill: ((into: Float64Array, at: number) => void) | undefined,
  ): void {
    let size = 13 + numValues
    for (const v of a.votes) size += 8 + v.prediction.length
    for (const v of a.shadowVotes) size += 8 + v.prediction.length
    this.room(size)
    const b = this.buf
    const start = this.end
    b[start] = counter
    b[start + 1] = time
    b[start + 2] = a.generation
    b[start + 3] = a.latencyMs
    b[start + 4] = this.layoutId(layout)
    const c = a.consensus
    if (c) {
      b[start + 5] = signalIndex(c.signal)
      b[start + 6] = c.confidence
      b[start + 7] = c.score
      b[start + 8] = c.probabilities.BEARISH
      b[start + 9] = c.probabilities.NEUTRAL
      b[start + 10] = c.probabilities.BULLISH
    } else b[start + 5] = -1
    b[start + 11] = a.votes.length + a.shadowVotes.length
    let at = start + 12
    for (const vote of a.votes) at = this.vote(at, vote, vote.role ?? 'deployed')
    for (const vote of a.shadowVotes) at = this.vote(at, vote, 'shadow')
    if (fill) {
      b[at] = numValues
      fill(b, at + 1)
      at += 1 + numValues
    } else b[at++] = -1
    this.end = at
    this.starts.push(start)
    this.strs.push(
      a.id ?? null,
      a.tier ?? null,
      a.errors.length
        ? JSON.stringify(a.errors.map((e) => ({ n: e.modelName, v: e.modelVersion, m: e.message })))
        : null,
    )
  }

  /** A copy of the first `n` queued rows (they stay queued until `advance`). */
  take(n: number, tag: string): PackedBatch {
    const count = Math.min(n, this.length)
    const from = this.starts[this.head]
    const to = this.head + count < this.starts.length ? this.starts[this.head + count] : this.end
    return {
      nums: count ? this.buf.slice(from, to) : new Float64Array(0),
      count,
      strs: this.strs.slice(this.head * 3, (this.head + count) * 3),
      tag,
      prefixes: this.prefixes,
      layouts: this.layouts,
    }
  }

  /** Forgets the first `n` queued rows (written, or dropped). */
  advance(n: number): void {
    this.head += Math.min(n, this.length)
    if (this.head === this.starts.length) {
      this.head = 0
      this.end = 0
      this.starts = []
      this.strs = []
    } else if (this.head > 4096 && this.head * 2 > this.starts.length) {
      const from = this.starts[this.head]
      this.buf.copyWithin(0, from, this.end)
      this.end -= from
      this.starts = this.starts.slice(this.head).map((s) => s - from)
      this.strs = this.strs.slice(this.head * 3)
      this.head = 0
    }
  }
}

/** A value JSON can carry: NaN and infinities become null. */
const num = (x: number) => (Number.isFinite(x) ? String(x) : 'null')
const str = (x: string | null) => (x === null ? 'null' : JSON.stringify(x))

/** How many feature texts an encoder remembers by record hash (then it starts over). */
const FEATURE_MEMO = 4096

/** A layout's state in one encoder: the values last formatted and their text. */
interface LayoutState {
  last: Float64Array
  lastText: string[]
}

/**
 * Packed rows to the INSERT's JSON texts, exactly as the rows read back (rows.ts'
 * `StoredVote` for votes). Keeps, across batches, the text of records met again (by record
 * hash) and of each feature's last value, so a record analyzed again is not formatted again.
 */
export class BatchEncoder implements RowEncoder {
  private memo = new Map<string, string>()
  private seen = new Set<string>()
  private readonly states: LayoutState[] = []

  private state(id: number, layout: PackedLayout): LayoutState {
    let s = this.states[id]
    if (!s || s.last.length !== layout.keys.length) {
      s = {
        last: new Float64Array(layout.keys.length).fill(Number.NaN),
        lastText: layout.keys.map(() => 'null'),
      }
      this.states[id] = s
    }
    return s
  }

  /** `{"name":value,...}` of a row's features; a value equal to the feature's last one reuses its text. */
  private featuresJson(nums: Float64Array, at: number, layoutId: number, layout: PackedLayout): string {
    const { last, lastText } = this.state(layoutId, layout)
    const keys = layout.keys
    const parts = new Array<string>(keys.length)
    for (let i = 0; i < keys.length; i++) {
      const v = nums[at + i]
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

  encode(batch: PackedBatch): EncodedBatch {
    const { nums, strs, prefixes, layouts } = batch
    const rows = new Array<string>(batch.count)
    /** Per distinct record hash: where its values start (-1: none), its layout and latest time. */
    const distinct = new Map<string, { at: number; layout: number; time: number }>()
    let at = 0
    for (let r = 0; r < batch.count; r++) {
      const start = at
      const time = nums[at + 1]
      const layoutId = nums[at + 4]
      const layout = layouts[layoutId]
      let consensus = 'null'
      const cs = nums[at + 5]
      if (cs >= 0) {
        const bear = num(nums[at + 8])
        const neut = num(nums[at + 9])
        const bull = num(nums[at + 10])
        const c = nums[at + 6]
        const conf =
          c === nums[at + 10] ? bull : c === nums[at + 9] ? neut : c === nums[at + 8] ? bear : num(c)
        consensus = `{"s":"${SIGNALS[cs]}","c":${conf},"score":${num(nums[at + 7])},"p":[${bear},${neut},${bull}]}`
      }
      const numVotes = nums[at + 11]
      let votes = '['
      at += 12
      for (let v = 0; v < numVotes; v++) {
        const pb = nums[at + 3]
        const pn = nums[at + 4]
        const pu = nums[at + 5]
        const bear = num(pb)
        const neut = num(pn)
        const bull = num(pu)
        // The confidence is one of the probabilities, and a classifier's output repeats them.
        const numOut = nums[at + 7]
        let o = ''
        for (let i = 0; i < numOut; i++) {
          const x = nums[at + 8 + i]
          o += (i ? ',' : '') + (x === pb ? bear : x === pn ? neut : x === pu ? bull : num(x))
        }
        const c = nums[at + 2]
        const conf = c === pb ? bear : c === pn ? neut : c === pu ? bull : num(c)
        votes += `${v ? ',' : ''}${prefixes[nums[at]]}"${SIGNALS[nums[at + 1]]}","c":${conf},"p":[${bear},${neut},${bull}],"o":[${o}],"w":${num(nums[at + 6])}}`
        at += 8 + numOut
      }
      votes += ']'
      const numValues = nums[at]
      let hash: string
      let values = -1
      if (numValues >= 0) {
        values = at + 1
        hash = valuesHash(layout.seed, nums.subarray(values, values + numValues))
        at += 1 + numValues
      } else {
        // Values without names (already in one model's order): the names' hash, record `{}`.
        hash = namesHashHex(layout.seed)
        at += 1
      }
      const known = distinct.get(hash)
      if (known === undefined || known.time < time) distinct.set(hash, { at: values, layout: layoutId, time })
      const s = r * 3
      rows[r] =
        `{"uid":"${batch.tag}-${nums[start].toString(36).padStart(8, '0')}","at":${time},"key":${str(strs[s])},"hash":"${hash}","tier":${str(strs[s + 1])},"gen":${num(nums[start + 2])},"ms":${num(nums[start + 3])},"consensus":${consensus},"votes":${votes},"errors":${strs[s + 2] ?? 'null'}}`
    }
    const features: string[] = []
    // In hash order: concurrent writers lock the records in one order.
    for (const hash of [...distinct.keys()].sort()) {
      const d = distinct.get(hash)!
      let text = this.memo.get(hash)
      if (text === undefined) {
        text = d.at < 0 ? '{}' : this.featuresJson(nums, d.at, d.layout, layouts[d.layout])
        // Kept from a record's second batch on: a stream of new records keeps no text.
        if (this.seen.has(hash)) {
          if (this.memo.size >= FEATURE_MEMO) this.memo = new Map()
          this.memo.set(hash, text)
        } else {
          if (this.seen.size >= 16 * FEATURE_MEMO) this.seen = new Set()
          this.seen.add(hash)
        }
      }
      features.push(`{"h":"${hash}","t":${d.time},"f":${text}}`)
    }
    return { rows: `[${rows.join(',')}]`, features: `[${features.join(',')}]` }
  }
}
