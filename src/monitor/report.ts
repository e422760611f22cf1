// The shadow and canary report of one model name: for each version that served or
// shadowed in a window, how it agrees with the deployed version on the same analyses (a
// signal confusion matrix, the mean |difference| of probabilities), its live accuracy where
// outcomes exist, latency percentiles, and the features flagged by drift. The evidence to
// read before `leafwise promote`.
import { SIGNALS, type Signal } from '../ensemble/index.ts'
import type { SqlClient } from '../registry/index.ts'
import { type DriftOptions, driftReport, type TrainingStatsLookup } from './drift.ts'
import { windowStart } from './duration.ts'
import { liveAccuracy, type VersionAccuracy } from './outcomes.ts'
import { jsonValue, type StoredVote } from './rows.ts'

/** Options of `rolloutReport`. */
export interface ReportOptions {
  /** Start of the window: a duration back from now (`'7d'`) or a Date. Default 7 days. */
  since?: string | number | Date
  /** The version to compare with (default: the one deployed in the registry now). */
  deployedVersion?: string
  /** How far apart an outcome and its prediction may be (default `'1d'`). */
  matchWithin?: string | number
  /** Training statistics for the drift section (left out without it). */
  trainingStats?: TrainingStatsLookup
  /** Drift thresholds. */
  drift?: Omit<DriftOptions, 'since' | 'versions'>
}

/** Agreement of a version with the deployed one. */
export interface Agreement {
  /** Analyses where both voted (or shadowed). */
  compared: number
  /** Of those, how many gave the same signal. */
  agreed: number
  rate: number | null
  /** Mean over analyses and the three signals of |P(version) - P(deployed)|. */
  meanAbsProbabilityDiff: number | null
  /** confusion[deployed signal][version signal] = count. */
  confusion: Record<Signal, Record<Signal, number>>
}

/** One version's part of the report. */
export interface VersionReport {
  modelVersion: string
  /** Registry status now. */
  status: string | null
  validationScore: number | null
  /** Analyses it voted in (deployed or canary) and those it shadowed. */
  served: number
  canary: number
  shadowed: number
  /** Latency of the analyses it took part in, ms. */
  latencyMs: { p50: number; p90: number; p95: number; p99: number } | null
  /** Against the deployed version (absent for the deployed version itself). */
  agreement?: Agreement
  /** Live accuracy from outcomes (absent without outcomes). */
  live?: VersionAccuracy
  /** Features flagged by drift (absent without training statistics). */
  driftFlagged?: string[]
}

/** The report of one model name. */
export interface RolloutReport {
  modelName: string
  since: string
  deployedVersion: string | null
  analyses: number
  versions: VersionReport[]
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[index]
}

function emptyConfusion(): Record<Signal, Record<Signal, number>> {
  const row = () => ({ BEARISH: 0, NEUTRAL: 0, BULLISH: 0 })
  return { BEARISH: row(), NEUTRAL: row(), BULLISH: row() }
}

/** The shadow / canary report of `modelName` over a window. */
export async function rolloutReport(
  client: SqlClient,
  modelName: string,
  options: ReportOptions = {},
): Promise<RolloutReport> {
  const since = windowStart(options.since ?? '7d')
  const models = await client.query<{
    model_version: string
    status: string | null
    validation_score: unknown
  }>('SELECT model_version, status, validation_score FROM ml_models WHERE model_name = $1', [modelName])
  const statusOf = new Map(models.map((m) => [m.model_version, m]))
  const deployedVersion =
    options.deployedVersion ??
    models.find((m) => (m.status ?? 'deployed') === 'deployed')?.model_version ??
    null
  const rows = await client.query<{ id: string | number; ms: number | null; vote: unknown }>(
    `SELECT p.prediction_id AS id, p.latency_ms AS ms, e.value AS vote
     FROM ml_predictions p CROSS JOIN LATERAL jsonb_array_elements(p.votes) e
     WHERE p.predicted_at >= $1::timestamptz AND e.value->>'n' = $2
     ORDER BY p.prediction_id`,
    [since.toISOString(), modelName],
  )
  const byAnalysis = new Map<string, { ms: number | null; votes: Map<string, StoredVote> }>()
  for (const row of rows) {
    const id = String(row.id)
    const entry = byAnalysis.get(id) ?? { ms: row.ms === null ? null : Number(row.ms), votes: new Map() }
    const vote = jsonValue<StoredVote>(row.vote)
    entry.votes.set(vote.v, vote)
    byAnalysis.set(id, entry)
  }
  const acc = new Map<
    string,
    { served: number; canary: number; shadowed: number; ms: number[]; agreement: Agreement; diff: number }
  >()
  for (const { ms, votes } of byAnalysis.values()) {
    const reference = deployedVersion === null ? undefined : votes.get(deployedVersion)
    for (const vote of votes.values()) {
      let a = acc.get(vote.v)
      if (!a) {
        a = {
          served: 0,
          canary: 0,
          shadowed: 0,
          ms: [],
          diff: 0,
          agreement: {
            compared: 0,
            agreed: 0,
            rate: null,
            meanAbsProbabilityDiff: null,
            confusion: emptyConfusion(),
          },
        }
        acc.set(vote.v, a)
      }
      if (vote.r === 'shadow') a.shadowed++
      else if (vote.r === 'canary') a.canary++
      else a.served++
      if (ms !== null && Number.isFinite(ms)) a.ms.push(ms)
      if (reference && vote.v !== deployedVersion) {
        a.agreement.compared++
        if (reference.s === vote.s) a.agreement.agreed++
        a.agreement.confusion[reference.s][vote.s]++
        let d = 0
        for (let k = 0; k < 3; k++) d += Math.abs((vote.p[k] ?? Number.NaN) - (reference.p[k] ?? Number.NaN))
        a.diff += d / 3
      }
    }
  }
  const live = await liveAccuracy(client, { since, matchWithin: options.matchWithin, modelName })
  const drift = options.trainingStats
    ? await driftReport(client, modelName, options.trainingStats, { ...options.drift, since })
    : undefined
  const versions: VersionReport[] = [...acc.entries()]
    .sort(([a], [b]) => (a === deployedVersion ? -1 : b === deployedVersion ? 1 : a < b ? -1 : 1))
    .map(([version, a]) => {
      const sorted = [...a.ms].sort((x, y) => x - y)
      const row = statusOf.get(version)
      const score = row?.validation_score
      const liveRow = live.find((l) => l.modelVersion === version)
      const driftRow = drift?.versions.find((d) => d.modelVersion === version)
      const agreement =
        version === deployedVersion || a.agreement.compared === 0
          ? undefined
          : {
              ...a.agreement,
              rate: a.agreement.agreed / a.agreement.compared,
              meanAbsProbabilityDiff: a.diff / a.agreement.compared,
            }
      return {
        modelVersion: version,
        status: row ? (row.status ?? 'deployed') : null,
        validationScore: score === null || score === undefined ? null : Number(score),
        served: a.served,
        canary: a.canary,
        shadowed: a.shadowed,
        latencyMs: sorted.length
          ? {
              p50: percentile(sorted, 0.5),
              p90: percentile(sorted, 0.9),
              p95: percentile(sorted, 0.95),
              p99: percentile(sorted, 0.99),
            }
          : null,
        ...(agreement ? { agreement } : {}),
        ...(liveRow ? { live: liveRow } : {}),
        ...(driftRow ? { driftFlagged: driftRow.flagged } : {}),
      }
    })
  return { modelName, since: since.toISOString(), deployedVersion, analyses: byAnalysis.size, versions }
}

/** The signals in report order (rows and columns of the confusion matrix). */
export const REPORT_SIGNALS: readonly Signal[] = SIGNALS
