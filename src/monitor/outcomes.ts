// Outcomes: realized labels, recorded by key and time, joined to the stored prediction of the
// same key nearest in time (within `matchWithin`) when read. Live accuracy (classification)
// or error (regression) per model version over a window, beside the validation score.

import { CLASS_SIGNALS, type Signal } from '../ensemble/index.ts'
import { LeafwiseError } from '../errors.ts'
import type { SqlClient } from '../registry/index.ts'
import { parseDuration, windowStart } from './duration.ts'
import { jsonValue, type StoredVote } from './rows.ts'

/** A realized label: a class or signal name (`UP`, `BULLISH`, ...) or a realized return. */
export type Actual = string | number

/** One outcome to record. */
export interface Outcome {
  key: string
  time: Date | string | number
  actual: Actual
}

/** The neutral band a realized return is read through (the ensemble's regression band). */
export const DEFAULT_OUTCOME_BAND = 0.005

/**
 * The signal an outcome stands for: a class name through the ensemble's class map (`UP` ->
 * BULLISH, `DOWN` -> BEARISH, `NEUTRAL`, or a signal name), `NOT_UP` as NEUTRAL; a number is a
 * realized return, BULLISH above `band`, BEARISH below `-band`, else NEUTRAL.
 */
export function actualSignal(actual: Actual, band = DEFAULT_OUTCOME_BAND): Signal | undefined {
  if (typeof actual === 'number') {
    if (!Number.isFinite(actual)) return undefined
    return actual > band ? 'BULLISH' : actual < -band ? 'BEARISH' : 'NEUTRAL'
  }
  const name = actual.trim().toUpperCase()
  if (name === 'NOT_UP') return 'NEUTRAL'
  return (CLASS_SIGNALS as Record<string, Signal | undefined>)[name]
}

function toIso(time: Outcome['time'], index: number): string {
  const date = time instanceof Date ? time : new Date(time)
  if (Number.isNaN(date.getTime()))
    throw new LeafwiseError(
      'INVALID_INPUT',
      `outcome ${index + 1}: cannot read the time ${JSON.stringify(time)}`,
    )
  return date.toISOString()
}

/**
 * Records outcomes (one INSERT); an outcome of the same key and time replaces the earlier
 * one. Resolves to the number recorded. Throws `INVALID_INPUT` naming the bad outcome.
 */
export async function recordOutcomes(client: SqlClient, outcomes: readonly Outcome[]): Promise<number> {
  const rows = outcomes.map((o, i) => {
    if (typeof o.key !== 'string' || o.key === '')
      throw new LeafwiseError('INVALID_INPUT', `outcome ${i + 1}: the key must be a non-empty string`)
    const label = typeof o.actual === 'string' ? o.actual.trim() : null
    const value = typeof o.actual === 'number' ? o.actual : null
    if (label === null && !(value !== null && Number.isFinite(value)))
      throw new LeafwiseError(
        'INVALID_INPUT',
        `outcome ${i + 1} (${o.key}): actual must be a label or a finite number`,
      )
    if (label !== null && actualSignal(label) === undefined)
      throw new LeafwiseError(
        'INVALID_INPUT',
        `outcome ${i + 1} (${o.key}): unknown label ${JSON.stringify(label)} (expected UP, DOWN, NEUTRAL, NOT_UP, BULLISH, BEARISH or a number)`,
      )
    return { key: o.key, at: toIso(o.time, i), label, value }
  })
  if (rows.length === 0) return 0
  await client.query(
    `INSERT INTO ml_outcomes (outcome_key, observed_at, actual_label, actual_value)
     SELECT r.key, r.at, r.label, r.value
     FROM jsonb_to_recordset($1::text::jsonb) AS r(key text, at timestamptz, label text, value float8)
     ON CONFLICT (outcome_key, observed_at) DO UPDATE
       SET actual_label = EXCLUDED.actual_label, actual_value = EXCLUDED.actual_value, recorded_at = NOW()`,
    [JSON.stringify(rows)],
  )
  return rows.length
}

/** Records one outcome: the realized `actual` for the prediction of `key` made nearest `time`. */
export function recordOutcome(
  client: SqlClient,
  key: string,
  time: Outcome['time'],
  actual: Actual,
): Promise<number> {
  return recordOutcomes(client, [{ key, time, actual }])
}

/** An outcome joined to the votes of its prediction. */
export interface JoinedOutcome {
  key: string
  time: Date
  actual: Actual
  votes: StoredVote[]
}

/** Options of the outcome queries. */
export interface OutcomeWindow {
  /** Start of the window (outcome times): a duration back from now (`'7d'`) or a Date. Default 7 days. */
  since?: string | number | Date
  /** How far apart an outcome and its prediction may be (default `'1d'`). */
  matchWithin?: string | number
  /** Only this model's votes. */
  modelName?: string
}

/** Outcomes of the window, each with the votes of the prediction of its key nearest in time. */
export async function joinedOutcomes(
  client: SqlClient,
  options: OutcomeWindow = {},
): Promise<JoinedOutcome[]> {
  const since = windowStart(options.since ?? '7d').toISOString()
  const within = `${parseDuration(options.matchWithin ?? '1d') / 1000} seconds`
  const rows = await client.query<{
    outcome_key: string
    observed_at: Date | string
    actual_label: string | null
    actual_value: number | null
    votes: unknown
  }>(
    `SELECT o.outcome_key, o.observed_at, o.actual_label, o.actual_value, p.votes
     FROM ml_outcomes o
     CROSS JOIN LATERAL (
       SELECT votes FROM ml_predictions p
       WHERE p.request_key = o.outcome_key
         AND p.predicted_at BETWEEN o.observed_at - $2::interval AND o.observed_at + $2::interval
       ORDER BY abs(extract(epoch FROM p.predicted_at - o.observed_at)), p.prediction_id DESC
       LIMIT 1) p
     WHERE o.observed_at >= $1::timestamptz
     ORDER BY o.observed_at, o.outcome_id`,
    [since, within],
  )
  return rows.map((row) => {
    const votes = jsonValue<StoredVote[]>(row.votes)
    return {
      key: row.outcome_key,
      time: new Date(row.observed_at),
      actual: row.actual_label ?? Number(row.actual_value),
      votes: options.modelName === undefined ? votes : votes.filter((v) => v.n === options.modelName),
    }
  })
}

/** Live accuracy of one model version. */
export interface VersionAccuracy {
  modelName: string
  modelVersion: string
  /** Outcomes joined to a prediction this version voted on (or shadowed). */
  outcomes: number
  /** Of those, how many the version's signal got right. */
  correct: number
  /** correct / outcomes (null without outcomes). */
  accuracy: number | null
  /** Regression versions with numeric outcomes: mean absolute and root mean squared error of the output. */
  meanAbsoluteError?: number
  rootMeanSquaredError?: number
  /** The registry's validation score, to compare with. */
  validationScore: number | null
}

/**
 * Whether a vote got an outcome right: a binary model (one output, a classification) is right
 * when it says BULLISH exactly when the outcome is BULLISH; the others when their signal is
 * the outcome's.
 */
export function voteIsCorrect(vote: StoredVote, actual: Signal, objective: string | undefined): boolean {
  if (objective === 'direction_classification' && vote.o.length === 1)
    return (vote.s === 'BULLISH') === (actual === 'BULLISH')
  return vote.s === actual
}

/** Live accuracy (and error, for regression) per model version over a window. */
export async function liveAccuracy(
  client: SqlClient,
  options: OutcomeWindow & { band?: number } = {},
): Promise<VersionAccuracy[]> {
  const joined = await joinedOutcomes(client, options)
  const models = await client.query<{
    model_name: string
    model_version: string
    objective: string
    validation_score: string | number | null
  }>('SELECT model_name, model_version, objective, validation_score FROM ml_models')
  const info = new Map(models.map((m) => [`${m.model_name}/${m.model_version}`, m]))
  const byVersion = new Map<
    string,
    { n: number; correct: number; abs: number; sq: number; numeric: number }
  >()
  for (const outcome of joined) {
    const signal = actualSignal(outcome.actual, options.band)
    if (signal === undefined) continue
    for (const vote of outcome.votes) {
      const id = `${vote.n}/${vote.v}`
      const objective = info.get(id)?.objective
      const acc = byVersion.get(id) ?? { n: 0, correct: 0, abs: 0, sq: 0, numeric: 0 }
      acc.n++
      if (voteIsCorrect(vote, signal, objective)) acc.correct++
      if (objective === 'price_prediction' && typeof outcome.actual === 'number' && vote.o[0] !== null) {
        const error = (vote.o[0] as number) - outcome.actual
        acc.abs += Math.abs(error)
        acc.sq += error * error
        acc.numeric++
      }
      byVersion.set(id, acc)
    }
  }
  return [...byVersion.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, acc]) => {
      const [modelName, modelVersion] = id.split('/')
      const score = info.get(id)?.validation_score
      return {
        modelName,
        modelVersion,
        outcomes: acc.n,
        correct: acc.correct,
        accuracy: acc.n ? acc.correct / acc.n : null,
        ...(acc.numeric
          ? {
              meanAbsoluteError: acc.abs / acc.numeric,
              rootMeanSquaredError: Math.sqrt(acc.sq / acc.numeric),
            }
          : {}),
        validationScore: score === null || score === undefined ? null : Number(score),
      }
    })
}
