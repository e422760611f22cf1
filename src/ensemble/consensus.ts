// The weighted soft vote: the average of the deployed models' signal vectors, weighted by
// each model's weight (DESIGN.md, "Ensemble").
import type { ModelRecord } from '../registry/index.ts'
import { argmaxSignal, type Signal, type SignalProbabilities, toProbabilities } from './signals.ts'

/** The ensemble's answer. */
export interface Consensus {
  /** argmax of `probabilities` (ties go to NEUTRAL). */
  signal: Signal
  /** The probability of `signal`. */
  confidence: number
  /** round(50 + 50 * (P(BULLISH) - P(BEARISH))), 0..100: 50 is no direction. */
  score: number
  /** The weighted average of the votes' probabilities. */
  probabilities: SignalProbabilities
}

/** One input of `consensusOf`: a probability vector and its weight. */
export interface WeightedVector {
  probabilities: ArrayLike<number> | SignalProbabilities
  weight: number
}

/** The score of a probability vector: round(50 + 50 * (P(BULLISH) - P(BEARISH))), clamped to 0..100. */
export function scoreOf(bearish: number, bullish: number): number {
  const score = Math.round(50 + 50 * (bullish - bearish))
  return Math.max(0, Math.min(100, score))
}

function vectorOf(p: WeightedVector['probabilities']): ArrayLike<number> {
  if ('BEARISH' in p) return [p.BEARISH, p.NEUTRAL, p.BULLISH]
  return p as ArrayLike<number>
}

/**
 * The weighted soft vote of `votes`, or null when there is nothing to count (no votes, or
 * every weight 0). Weights must be finite and >= 0.
 */
export function consensusOf(votes: readonly WeightedVector[]): Consensus | null {
  let bear = 0
  let neutral = 0
  let bull = 0
  let total = 0
  for (const vote of votes) {
    const w = vote.weight
    if (!(w > 0)) continue
    const p = vectorOf(vote.probabilities)
    bear += w * p[0]
    neutral += w * p[1]
    bull += w * p[2]
    total += w
  }
  if (total === 0) return null
  const mixed = [bear / total, neutral / total, bull / total]
  const signal = argmaxSignal(mixed)
  return {
    signal,
    confidence: signal === 'BEARISH' ? mixed[0] : signal === 'BULLISH' ? mixed[2] : mixed[1],
    score: scoreOf(mixed[0], mixed[2]),
    probabilities: toProbabilities(mixed),
  }
}

/** Weight overrides, keyed by model name (`early-signal`) or name and version (`early-signal/v1.0.0`). */
export type WeightOverrides = Readonly<Record<string, number>>

/** Options of `weightOf`. */
export interface WeightOptions {
  /** Overrides by name or name/version; name/version wins. */
  weights?: WeightOverrides
  /** Weight of a model with no validation score (default 0.5, the accuracy of a coin). */
  defaultWeight?: number
}

/**
 * A model's weight: the override for `name/version`, else for `name`, else its validation
 * score, else `defaultWeight`. Throws for a negative or non-finite result.
 */
export function weightOf(
  model: Pick<ModelRecord, 'modelName' | 'modelVersion' | 'validationScore'>,
  options: WeightOptions = {},
): number {
  const overrides = options.weights ?? {}
  const own = (key: string) => (Object.hasOwn(overrides, key) ? overrides[key] : undefined)
  const byVersion = own(`${model.modelName}/${model.modelVersion}`)
  const byName = own(model.modelName)
  const weight = byVersion ?? byName ?? model.validationScore ?? options.defaultWeight ?? 0.5
  if (!(Number.isFinite(weight) && weight >= 0)) {
    throw new RangeError(
      `weight of ${model.modelName}/${model.modelVersion} must be a finite number >= 0, got ${weight}`,
    )
  }
  return weight
}
