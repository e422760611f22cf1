// Live metrics in Prometheus' text exposition format (version 0.0.4): analyses and their
// latency, votes per model, version, role and signal, HTTP requests, the agreement of every
// shadow or canary version with the deployed one, and per-feature drift (z-shift of an
// exponentially weighted live mean against normalizer.json).
//
// Written here rather than with prom-client: prom-client loads Node built-ins (cluster, v8,
// perf_hooks, fs) when imported, and this layer runs on every runtime (workerd included).
// The format is small: `# HELP`, `# TYPE`, then `name{label="value"} number` lines.
import type { Analysis, ModelSet, Vote } from '../ensemble/index.ts'
import type { FeatureInput } from '../package/index.ts'

/** Latency buckets, in seconds. */
export const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
]

/** Options of `createMetrics`. */
export interface MetricsOptions {
  /** Analyses the drift mean reaches back over (the EWMA's span; default 1000). */
  driftSpan?: number
  /** Prefix of every metric name (default `leafwise_`). */
  prefix?: string
}

/** The metrics of a process: feed it analyses and requests, scrape `text()`. */
export interface Metrics {
  /** An `onAnalysis` listener (combine with a prediction store through `allListeners`). */
  readonly record: (analysis: Analysis, input: FeatureInput, set: ModelSet) => void
  /** Counts one HTTP request. */
  countRequest(method: string, route: string, status: number, seconds?: number): void
  /** The exposition text. */
  text(): string
  /** The Content-Type of `text()`. */
  readonly contentType: string
}

/** Escapes a label value (backslash, double quote, newline). */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

function labels(pairs: Record<string, string>): string {
  const keys = Object.keys(pairs)
  return keys.length ? `{${keys.map((k) => `${k}="${escapeLabel(pairs[k])}"`).join(',')}}` : ''
}

function number(x: number): string {
  return Number.isNaN(x) ? 'NaN' : x === Infinity ? '+Inf' : x === -Infinity ? '-Inf' : String(x)
}

interface Histogram {
  labels: Record<string, string>
  buckets: number[]
  sum: number
  count: number
}

interface FeatureState {
  labels: Record<string, string>
  mean: number
  std: number
  live: number
  n: number
}

/** Calls every listener in turn (a store and metrics on one ensemble). */
export function allListeners(
  ...listeners: ((analysis: Analysis, input: FeatureInput, set: ModelSet) => void)[]
): (analysis: Analysis, input: FeatureInput, set: ModelSet) => void {
  return (analysis, input, set) => {
    for (const listener of listeners) listener(analysis, input, set)
  }
}

/** Creates the metrics of this process. */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const prefix = options.prefix ?? 'leafwise_'
  const span = options.driftSpan ?? 1000
  const counters = new Map<string, Map<string, { labels: Record<string, string>; value: number }>>()
  const latency = new Map<string, Histogram>()
  const requestLatency = new Map<string, Histogram>()
  const agreement = new Map<string, { labels: Record<string, string>; compared: number; agreed: number }>()
  const drift = new WeakMap<
    ModelSet,
    {
      deployed: Set<string>
      members: { id: string; name: string; version: string; features: FeatureState[] }[]
    }
  >()
  const driftByKey = new Map<string, FeatureState>()

  function add(name: string, pairs: Record<string, string>, by = 1): void {
    let family = counters.get(name)
    if (!family) {
      family = new Map()
      counters.set(name, family)
    }
    const key = labels(pairs)
    const entry = family.get(key)
    if (entry) entry.value += by
    else family.set(key, { labels: pairs, value: by })
  }

  function observe(into: Map<string, Histogram>, pairs: Record<string, string>, seconds: number): void {
    const key = labels(pairs)
    let h = into.get(key)
    if (!h) {
      h = { labels: pairs, buckets: LATENCY_BUCKETS.map(() => 0), sum: 0, count: 0 }
      into.set(key, h)
    }
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) if (seconds <= LATENCY_BUCKETS[i]) h.buckets[i]++
    h.sum += seconds
    h.count++
  }

  function driftOf(set: ModelSet) {
    let state = drift.get(set)
    if (!state) {
      state = {
        deployed: new Set(set.deployed.map((m) => m.package.id)),
        members: [...set.deployed, ...set.shadow].map((m) => {
          const n = m.package.normalizer
          const features: FeatureState[] = []
          n.featureNames.forEach((feature, i) => {
            if (n.passThrough[i]) return
            const pairs = { model: m.record.modelName, version: m.record.modelVersion, feature }
            const key = labels(pairs)
            // One state per model version and feature, kept across reloads of the set.
            let f = driftByKey.get(key)
            if (!f) {
              f = { labels: pairs, mean: n.mean[i], std: n.std[i], live: 0, n: 0 }
              driftByKey.set(key, f)
            }
            features.push(f)
          })
          return { id: m.package.id, name: m.record.modelName, version: m.record.modelVersion, features }
        }),
      }
      drift.set(set, state)
    }
    return state
  }

  const voteLabels = (vote: Vote, role: string) => ({
    model: vote.modelName,
    version: vote.modelVersion,
    role,
    signal: vote.signal,
  })

  const record = (analysis: Analysis, input: FeatureInput, set: ModelSet): void => {
    try {
      const tier = analysis.tier
      add('analyses_total', { tier })
      observe(latency, { tier }, analysis.latencyMs / 1000)
      for (const vote of analysis.votes) add('votes_total', voteLabels(vote, vote.role ?? 'deployed'))
      for (const vote of analysis.shadowVotes) add('votes_total', voteLabels(vote, 'shadow'))
      // Agreement of every other version of a name with its deployed version (a deployed
      // version runs in shadow for a key routed to a canary: it is still the reference).
      const deployed = driftOf(set).deployed
      const all = analysis.shadowVotes.length ? [...analysis.votes, ...analysis.shadowVotes] : []
      for (const vote of all) {
        if (deployed.has(`${vote.modelName}/${vote.modelVersion}`)) continue
        const ref = all.find(
          (v) => v.modelName === vote.modelName && deployed.has(`${v.modelName}/${v.modelVersion}`),
        )
        if (!ref) continue
        const key = `${vote.modelName}/${vote.modelVersion}`
        let a = agreement.get(key)
        if (!a) {
          a = { labels: { model: vote.modelName, version: vote.modelVersion }, compared: 0, agreed: 0 }
          agreement.set(key, a)
        }
        a.compared++
        if (ref.signal === vote.signal) a.agreed++
      }
      for (const error of analysis.errors)
        add('vote_errors_total', { model: error.modelName, version: error.modelVersion })
      if (ArrayBuffer.isView(input) || Array.isArray(input)) return
      const get =
        input instanceof Map
          ? (name: string) => input.get(name)
          : (name: string) => (input as Record<string, number | null | undefined>)[name]
      for (const member of driftOf(set).members) {
        for (const f of member.features) {
          const x = get(f.labels.feature)
          if (typeof x !== 'number' || !Number.isFinite(x)) continue
          f.n++
          f.live += (x - f.live) / Math.min(f.n, span)
        }
      }
    } catch {
      // Metrics never fail an analysis.
    }
  }

  function family(out: string[], name: string, type: string, help: string): void {
    out.push(`# HELP ${prefix}${name} ${help}`, `# TYPE ${prefix}${name} ${type}`)
  }

  function histogram(out: string[], name: string, help: string, into: Map<string, Histogram>): void {
    if (into.size === 0) return
    family(out, name, 'histogram', help)
    for (const h of into.values()) {
      LATENCY_BUCKETS.forEach((le, i) => {
        out.push(`${prefix}${name}_bucket${labels({ ...h.labels, le: String(le) })} ${h.buckets[i]}`)
      })
      out.push(`${prefix}${name}_bucket${labels({ ...h.labels, le: '+Inf' })} ${h.count}`)
      out.push(`${prefix}${name}_sum${labels(h.labels)} ${number(h.sum)}`)
      out.push(`${prefix}${name}_count${labels(h.labels)} ${h.count}`)
    }
  }

  const help: Record<string, string> = {
    analyses_total: 'Analyses answered, by tier.',
    votes_total: 'Votes cast, by model, version, role (deployed, canary, shadow) and signal.',
    vote_errors_total: 'Models that failed on a record.',
    http_requests_total: 'HTTP requests, by method, route and status.',
  }

  return {
    record,
    contentType: 'text/plain; version=0.0.4; charset=utf-8',
    countRequest(method, route, status, seconds) {
      add('http_requests_total', { method, route, status: String(status) })
      if (seconds !== undefined) observe(requestLatency, { method, route }, seconds)
    },
    text() {
      const out: string[] = []
      for (const name of ['analyses_total', 'votes_total', 'vote_errors_total', 'http_requests_total']) {
        const entries = counters.get(name)
        if (!entries) continue
        family(out, name, 'counter', help[name])
        for (const e of entries.values()) out.push(`${prefix}${name}${labels(e.labels)} ${number(e.value)}`)
      }
      histogram(out, 'analysis_latency_seconds', 'Time of one analysis (all models), by tier.', latency)
      histogram(out, 'http_request_duration_seconds', 'Time to answer an HTTP request.', requestLatency)
      if (agreement.size) {
        family(
          out,
          'agreement_ratio',
          'gauge',
          "Share of analyses where a shadow or canary version gave the deployed version's signal.",
        )
        for (const a of agreement.values())
          out.push(`${prefix}agreement_ratio${labels(a.labels)} ${number(a.agreed / a.compared)}`)
        family(out, 'agreement_compared_total', 'counter', 'Analyses compared for agreement_ratio.')
        for (const a of agreement.values())
          out.push(`${prefix}agreement_compared_total${labels(a.labels)} ${a.compared}`)
      }
      const seen = [...driftByKey.values()].filter((f) => f.n > 0)
      if (seen.length) {
        family(
          out,
          'feature_drift_z',
          'gauge',
          `(live mean - training mean) / training std of a model's feature; live mean weighted over about the last ${span} analyses.`,
        )
        for (const f of seen)
          out.push(`${prefix}feature_drift_z${labels(f.labels)} ${number((f.live - f.mean) / f.std)}`)
      }
      return `${out.join('\n')}\n`
    },
  }
}
