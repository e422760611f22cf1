// What the console's report and drift pages read: the roll-out report and the drift report of
// leafwise/monitor (the same functions as `leafwise report` and `leafwise drift`), over the
// prediction store's database. A version whose training statistics cannot be read is named,
// not allowed to hide the others.
import {
  type DriftReport,
  driftReport,
  type RolloutReport,
  rolloutReport,
  type TrainingStats,
  type TrainingStatsLookup,
} from '../monitor/index.ts'
import { parseDuration, versionsInWindow, windowStart } from '../monitor/internal.ts'
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
  const lookup = monitoring.trainingStats
  let present: { modelVersion: string }[]
  try {
    present = await versionsInWindow(monitoring.client, name, start)
  } catch (error) {
    unavailable(error)
  }
  // Each version's statistics first: one that cannot be read is named and left out.
  const failed: { modelVersion: string; message: string }[] = []
  const stats = new Map<string, TrainingStats>()
  for (const { modelVersion } of present) {
    if (!lookup) {
      failed.push({ modelVersion, message: NO_STATS })
      continue
    }
    try {
      stats.set(modelVersion, await lookup(name, modelVersion))
    } catch (error) {
      failed.push({
        modelVersion,
        message: `no training statistics for ${name}/${modelVersion}: ${message(error)}`,
      })
    }
  }
  try {
    // One report over the others (with none, it still gives its thresholds).
    const report = await driftReport(monitoring.client, name, async (_n, version) => stats.get(version)!, {
      since: start,
      versions: [...stats.keys()],
    })
    return { report, failed }
  } catch (error) {
    unavailable(error)
  }
}

const NO_STATS = 'no training statistics: the app was given neither `source` nor `trainingStats`'
