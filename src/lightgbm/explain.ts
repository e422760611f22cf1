// Explaining one prediction: the features with the largest SHAP contributions, per class,
// with their names and the values the caller gave (raw units when the row was normalized).

import { PredictionError } from './errors.ts'
import type { Model, PredictOptions } from './model.ts'

/** One feature's part in a class's raw score. */
export interface ExplainedFeature {
  /** Feature name (the model's `feature_names`). */
  feature: string
  /** Column of the feature in the model's rows. */
  index: number
  /** The input value: from `featureValues` when given (e.g. before normalization), else the row's; null when missing. */
  value: number | null
  /** The value the model saw (the row's), NaN when missing. */
  modelValue: number
  /** SHAP contribution, in raw-score units (log-odds for binary / multiclass). */
  contribution: number
}

/** The explanation of one class (one raw score) of a row. */
export interface ClassExplanation {
  /** Output index: the class for multiclass models, 0 otherwise. */
  classIndex: number
  /** The expected value (LightGBM's bias term): the raw score before any feature is known. */
  expectedValue: number
  /** expectedValue plus every contribution: the raw score (un-averaged for average_output models). */
  rawScore: number
  /** The top features by |contribution|, largest first; exact zeros are left out. */
  contributions: ExplainedFeature[]
  /** Sum of the contributions not listed (so the parts add up to rawScore). */
  otherContribution: number
}

/** What to explain and how much of it. */
export interface ExplainOptions extends PredictOptions {
  /** How many features per class (default 5; `Infinity` for all). */
  top?: number
  /** Values to report per feature instead of the row's, e.g. the raw values before a z-score normalizer. */
  featureValues?: ArrayLike<number | null | undefined>
}

const buffers = new WeakMap<Model, Float64Array>()

/**
 * SHAP explanation of one row (model feature order, NaN = missing): per class, the expected
 * value and the `top` features with the largest absolute contribution, with names and values.
 */
export function explainRow(
  model: Model,
  row: ArrayLike<number>,
  options: ExplainOptions = {},
): ClassExplanation[] {
  const numFeatures = model.numFeatures
  if (row.length !== numFeatures) {
    throw new PredictionError(`the row holds ${row.length} values but the model has ${numFeatures} features`)
  }
  const featureValues = options.featureValues
  if (featureValues !== undefined && featureValues.length !== numFeatures) {
    throw new PredictionError(
      `featureValues holds ${featureValues.length} values but the model has ${numFeatures} features`,
    )
  }
  const top = options.top ?? 5
  if (!(top >= 0)) throw new PredictionError(`top must be a non-negative number, got ${top}`)

  const block = numFeatures + 1
  const size = block * model.numClass
  let contrib = buffers.get(model)
  if (contrib === undefined || contrib.length !== size) {
    contrib = new Float64Array(size)
    buffers.set(model, contrib)
  }
  const input = row instanceof Float64Array ? row : Float64Array.from(row)
  model.predictContrib(input, contrib, options)

  const names = model.featureNames
  const explanations: ClassExplanation[] = []
  for (let k = 0; k < model.numClass; k++) {
    const base = k * block
    const order: number[] = []
    let rawScore = 0
    for (let j = 0; j < numFeatures; j++) {
      rawScore += contrib[base + j]
      if (contrib[base + j] !== 0) order.push(j)
    }
    const expectedValue = contrib[base + numFeatures]
    rawScore += expectedValue
    // Largest |contribution| first; equal ones keep feature order (the sort is stable).
    order.sort((a, b) => Math.abs(contrib[base + b]) - Math.abs(contrib[base + a]))
    const shown = order.slice(0, Math.min(order.length, top))
    let otherContribution = 0
    for (let i = shown.length; i < order.length; i++) otherContribution += contrib[base + order[i]]
    explanations.push({
      classIndex: k,
      expectedValue,
      rawScore,
      contributions: shown.map((j) => {
        const given = featureValues === undefined ? input[j] : featureValues[j]
        return {
          feature: names[j] ?? `Column_${j}`,
          index: j,
          value: given === null || given === undefined || Number.isNaN(given) ? null : given,
          modelValue: input[j],
          contribution: contrib[base + j],
        }
      }),
      otherContribution,
    })
  }
  return explanations
}
