// Why a model voted as it did: the features with the largest SHAP contributions (the core's
// `explainRow`, TreeSHAP) to the output behind its vote.
import { explainRow } from '../lightgbm/index.ts'
import type { FeatureInput, ModelPackage } from '../package/index.ts'
import type { Signal } from './signals.ts'

/** One feature's part in a vote. */
export interface FeatureContribution {
  feature: string
  /** The raw value the caller gave (null when missing). */
  value: number | null
  /**
   * SHAP contribution in the model's raw units: log-odds of the class behind the vote
   * (multiclass), of the positive class (binary), or of the predicted return (regression).
   */
  contribution: number
}

function rawValue(input: FeatureInput, name: string, index: number): number | null {
  let value: number | null | undefined
  if (ArrayBuffer.isView(input) || Array.isArray(input)) value = (input as ArrayLike<number>)[index]
  else if (input instanceof Map) value = input.get(name)
  else value = (input as Record<string, number | null | undefined>)[name]
  return value === undefined || value === null || Number.isNaN(value) ? null : value
}

/**
 * The `top` features with the largest |SHAP contribution| to output `outputIndex` (see
 * `outputIndexOf`), largest first; features contributing exactly 0 are left out. Computed by
 * the core's `explainRow` on `row` (the input as the package normalized it for the vote: it
 * is not normalized twice), reported with the caller's raw values.
 */
export function topFeatures(
  pkg: ModelPackage,
  input: FeatureInput,
  row: Float64Array,
  outputIndex: number,
  top: number,
): FeatureContribution[] {
  const names = pkg.featureNames
  const featureValues = names.map((name, i) => rawValue(input, name, i))
  const explanation = explainRow(pkg.model, row, { top, featureValues })[outputIndex]
  return explanation.contributions.map((c) => ({
    feature: c.feature,
    value: c.value,
    contribution: c.contribution,
  }))
}

/** The output index behind a vote: the most probable class mapping to `signal`, or 0. */
export function outputIndexOf(
  pkg: ModelPackage,
  output: ArrayLike<number>,
  signal: Signal,
  classSignal: (name: string) => Signal | undefined,
): number {
  if (pkg.task !== 'multiclass') return 0
  let best = -1
  for (let i = 0; i < pkg.classes.length; i++) {
    if (classSignal(pkg.classes[i]) !== signal) continue
    if (best < 0 || output[i] > output[best]) best = i
  }
  // A signal no class maps to (cannot happen for a vote's argmax): the class of highest probability.
  if (best < 0) {
    best = 0
    for (let i = 1; i < pkg.numOutputs; i++) if (output[i] > output[best]) best = i
  }
  return best
}
