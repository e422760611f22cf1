// What the console's report and drift pages read: the roll-out report and the drift report of
// leafwise/monitor (the same functions as `leafwise report` and `leafwise drift`), over the
// prediction store's database. A version whose training statistics cannot be read is named,
// not allowed to hide the others.
import {
  type DriftReport,
  driftReport,
  parseDuration,
  type RolloutReport,
  rolloutReport,
  type TrainingStatsLookup,
  type VersionDrift,
  versionsInWindow,
  windowStart,
} from '../monitor/index.ts'
import type { SqlClient } from '../registry/index.ts'
import { HttpError } from './errors.ts'

/** Where the console's monitoring pages read from. */
export interface ConsoleMonitoring {
  /** The database holding `ml_predictions` (usually the registry's own client). */
  client: SqlClient
  /** Training statistics for drift (a package's normalizer.json); without them, no drift. */
  trainingStats?: TrainingStatsLookup
}

/** The windows offered on the pages (any duration works in the query string). */
export const WINDOWS = ['1h', '6h', '1d', '7d', '30d'] as const

/** The `since` of a page's query: a duration such as `1d`, else 400 naming it. */
export function windowOf(text: string | undefined, fallback: string): string {
  const value = (text ?? '').trim() || fallback
  try {
    parseDuration(value)
  } catch (error) {
    throw new HttpError(400, 'INVALID_REQUEST', `since: ${(error as Error).message}`)
  }
  return value
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** The store could not be read (not migrated, unreachable): 503 with the database's words. */
function unavailable(error: unknown): never {
  throw new HttpError(
    503,
    'PREDICTION_STORE_UNAVAILABLE',
    `cannot read the prediction store: ${message(error)}`,
  )
}

/**
 * The roll-out report of `name`, without its drift column: drift is the costly part (a scan
 * of every feature of every analysis, per version) and has its own page, so the report stays
 * fast and links there.
 */
export async function loadReport(
  monitoring: ConsoleMonitoring,
  name: string,
  since: string,
): Promise<RolloutReport> {
  try {
    return await rolloutReport(monitoring.client, name, { since: windowStart(since) })
  } catch (error) {
    unavailable(error)
  }
}

/** The drift report of `name`, version by version: one without statistics is listed in `failed`. */
export async function loadDrift(
  monitoring: ConsoleMonitoring,
  name: string,
  since: string,
): Promise<{ report: DriftReport; failed: { modelVersion: string; message: string }[] }> {
  const start = windowStart(since)
  const stats = monitoring.trainingStats
  const failed: { modelVersion: string; message: string }[] = []
  const versions: VersionDrift[] = []
  let thresholds: DriftReport['thresholds'] | undefined
  let present: { modelVersion: string }[]
  try {
    present = await versionsInWindow(monitoring.client, name, start)
  } catch (error) {
    unavailable(error)
  }
  for (const { modelVersion } of present) {
    if (!stats) {
      failed.push({
        modelVersion,
        message: 'no training statistics: the app was given neither `source` nor `trainingStats`',
      })
      continue
    }
    try {
      const one = await driftReport(monitoring.client, name, stats, {
        since: start,
        versions: [modelVersion],
      })
      thresholds = one.thresholds
      versions.push(...one.versions)
    } catch (error) {
      if ((error as { code?: string }).code !== 'DRIFT_UNAVAILABLE') unavailable(error)
      failed.push({ modelVersion, message: message(error) })
    }
  }
  // No version measured: the thresholds are the report's defaults (asked of it, not repeated).
  thresholds ??= (await driftReport(monitoring.client, name, unreachable, { since: start, versions: [] }))
    .thresholds
  return {
    report: { modelName: name, since: start.toISOString(), thresholds, versions },
    failed,
  }
}

const unreachable: TrainingStatsLookup = () => Promise.reject(new Error('no version to look up'))
