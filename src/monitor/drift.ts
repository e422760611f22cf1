// Drift: per model version and feature, the live values of a window against the training
// statistics in the model's normalizer.json (mean and std). Two measures:
// - z-shift: (live mean - training mean) / training std; spread: live std / training std;
// - PSI (population stability index) over ten bins that hold 10 % each of a normal
//   distribution with the training mean and std: sum (live - expected) ln(live / expected).
// Both are computed in SQL (one query per version), so the rows never leave the database.
import { LeafwiseError } from '../errors.ts'
import type { SqlClient } from '../registry/index.ts'
import { windowStart } from './duration.ts'

/** The training statistics drift compares with (a package's `normalizer`). */
export interface TrainingStats {
  readonly featureNames: readonly string[]
  readonly mean: ArrayLike<number>
  readonly std: ArrayLike<number>
  /** 1 for features without statistics (categorical): left out. */
  readonly passThrough?: ArrayLike<number>
}

/** Looks up a version's training statistics (e.g. from its package's normalizer). */
export type TrainingStatsLookup = (modelName: string, modelVersion: string) => Promise<TrainingStats>

/** Options of `driftReport`. */
export interface DriftOptions {
  /** Start of the window: a duration back from now (`'1d'`) or a Date. Default 1 day. */
  since?: string | number | Date
  /** Flag a feature whose |z-shift| exceeds this (default 0.5 training std). */
  zThreshold?: number
  /**
   * Also flag a feature whose PSI exceeds this (0.25 is the usual "significant shift").
   * Default: PSI is reported but flags nothing, because its expected bins come from a normal
   * distribution with the training mean and std (all normalizer.json keeps), and a skewed or
   * bounded feature (a ratio, a count) is far from normal without having drifted.
   */
  psiThreshold?: number
  /** Fewer live values than this flag nothing (default 50). */
  minCount?: number
  /** Only these versions (default: every version with predictions in the window). */
  versions?: readonly string[]
}

/** Drift of one feature of one version. */
export interface FeatureDrift {
  feature: string
  /** Live values in the window (missing ones are not counted). */
  count: number
  trainingMean: number
  trainingStd: number
  liveMean: number
  liveStd: number
  /** (live mean - training mean) / training std. */
  zShift: number
  /** live std / training std. */
  spread: number
  psi: number
  flagged: boolean
}

/** Drift of one version. */
export interface VersionDrift {
  modelName: string
  modelVersion: string
  /** Predictions in the window this version took part in. */
  predictions: number
  features: FeatureDrift[]
  /** Names of the flagged features. */
  flagged: string[]
}

/** The drift report of one model name. */
export interface DriftReport {
  modelName: string
  since: string
  /** `psi` is null when PSI flags nothing. */
  thresholds: { zShift: number; psi: number | null; minCount: number }
  versions: VersionDrift[]
}

/** Upper edges of the ten equal-probability bins of a standard normal (its deciles). */
export const NORMAL_DECILES = [
  -1.2815515655446004, -0.8416212335729143, -0.5244005127080407, -0.2533471031357997, 0, 0.2533471031357997,
  0.5244005127080407, 0.8416212335729143, 1.2815515655446004,
]

/** PSI of bin counts against equal expected shares; empty bins count as 0.01 % (no infinity). */
export function populationStabilityIndex(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0)
  if (total === 0) return 0
  const expected = 1 / counts.length
  let psi = 0
  for (const count of counts) {
    const actual = Math.max(count / total, 1e-4)
    psi += (actual - expected) * Math.log(actual / expected)
  }
  return psi
}

/** Versions of `modelName` with predictions in the window, and how many each. */
export async function versionsInWindow(
  client: SqlClient,
  modelName: string,
  since: Date,
): Promise<{ modelVersion: string; predictions: number }[]> {
  const rows = await client.query<{ v: string; n: number }>(
    `SELECT e.value->>'v' AS v, count(*)::int AS n
     FROM ml_predictions p CROSS JOIN LATERAL jsonb_array_elements(p.votes) e
     WHERE p.predicted_at >= $1::timestamptz AND e.value->>'n' = $2
     GROUP BY 1 ORDER BY 1`,
    [since.toISOString(), modelName],
  )
  return rows.map((r) => ({ modelVersion: r.v, predictions: r.n }))
}

/** Drift of every version of `modelName` that served or shadowed in the window. */
export async function driftReport(
  client: SqlClient,
  modelName: string,
  statsOf: TrainingStatsLookup,
  options: DriftOptions = {},
): Promise<DriftReport> {
  const since = windowStart(options.since ?? '1d')
  const zThreshold = options.zThreshold ?? 0.5
  const psiThreshold = options.psiThreshold ?? Number.POSITIVE_INFINITY
  const minCount = options.minCount ?? 50
  const versions = (await versionsInWindow(client, modelName, since)).filter(
    (v) => !options.versions || options.versions.includes(v.modelVersion),
  )
  const out: VersionDrift[] = []
  for (const { modelVersion, predictions } of versions) {
    let stats: TrainingStats
    try {
      stats = await statsOf(modelName, modelVersion)
    } catch (error) {
      throw new LeafwiseError(
        'DRIFT_UNAVAILABLE',
        `no training statistics for ${modelName}/${modelVersion}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      )
    }
    const training = stats.featureNames
      .map((f, i) => ({ f, m: stats.mean[i], sd: stats.std[i] }))
      .filter((s, i) => !stats.passThrough?.[i] && Number.isFinite(s.m) && s.sd > 0)
    const rows = await client.query<{ feature: string; bin: number; n: number; sz: number; szz: number }>(
      `WITH s AS (SELECT * FROM jsonb_to_recordset($3::text::jsonb) AS s(f text, m float8, sd float8)),
       z AS (
         SELECT s.f, ((x.value::text)::float8 - s.m) / s.sd AS z
         FROM ml_predictions p
         JOIN ml_prediction_features pf ON pf.record_hash = p.record_hash
         CROSS JOIN LATERAL jsonb_each(pf.features) x
         JOIN s ON s.f = x.key
         WHERE p.predicted_at >= $1::timestamptz AND p.votes @> $2::text::jsonb AND jsonb_typeof(x.value) = 'number')
       SELECT f AS feature, width_bucket(z, $4::float8[]) AS bin, count(*)::int AS n, sum(z) AS sz, sum(z * z) AS szz
       FROM z GROUP BY f, bin`,
      [
        since.toISOString(),
        JSON.stringify([{ n: modelName, v: modelVersion }]),
        JSON.stringify(training),
        `{${NORMAL_DECILES.join(',')}}`,
      ],
    )
    const acc = new Map<string, { bins: number[]; n: number; sz: number; szz: number }>()
    for (const row of rows) {
      const a = acc.get(row.feature) ?? {
        bins: new Array(NORMAL_DECILES.length + 1).fill(0),
        n: 0,
        sz: 0,
        szz: 0,
      }
      a.bins[Number(row.bin)] += row.n
      a.n += row.n
      a.sz += Number(row.sz)
      a.szz += Number(row.szz)
      acc.set(row.feature, a)
    }
    const features: FeatureDrift[] = training.map(({ f, m, sd }) => {
      const a = acc.get(f)
      const n = a?.n ?? 0
      const zShift = n ? a!.sz / n : 0
      const spread = n > 1 ? Math.sqrt(Math.max(0, (a!.szz - n * zShift * zShift) / (n - 1))) : 0
      const psi = a ? populationStabilityIndex(a.bins) : 0
      return {
        feature: f,
        count: n,
        trainingMean: m,
        trainingStd: sd,
        liveMean: m + zShift * sd,
        liveStd: spread * sd,
        zShift,
        spread,
        psi,
        flagged: n >= minCount && (Math.abs(zShift) > zThreshold || psi > psiThreshold),
      }
    })
    out.push({
      modelName,
      modelVersion,
      predictions,
      features,
      flagged: features.filter((f) => f.flagged).map((f) => f.feature),
    })
  }
  return {
    modelName,
    since: since.toISOString(),
    thresholds: { zShift: zThreshold, psi: Number.isFinite(psiThreshold) ? psiThreshold : null, minCount },
    versions: out,
  }
}
