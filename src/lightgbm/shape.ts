// Row width: LightGBM's shape check. Python's Booster.predict refuses data whose number of
// columns differs from the model's features unless `predict_disable_shape_check=true`;
// then LightGBM's Predictor copies the columns it has into a buffer of the model's width
// that starts at 0.0 (src/application/predictor.hpp, CopyToPredictBuffer): a missing
// trailing feature is 0.0 (not NaN) and extra columns are ignored.

import { PredictionError } from './errors.ts'

/** Row-width options of PredictOptions. */
export interface ShapeOptions {
  /**
   * Values per row in a flat `rows` array (default: the model's `numFeatures`). A batch
   * whose length is not a multiple of it is always refused.
   */
  rowWidth?: number
  /**
   * As LightGBM's `predict_disable_shape_check`: predict rows whose width differs from the
   * model's features (missing trailing features are 0.0, extra values are ignored).
   * Default false: such rows are a PredictionError.
   */
  predictDisableShapeCheck?: boolean
}

function shapeMessage(width: number, numFeatures: number, subject: string): string {
  return `${subject} ${width} values but the model has ${numFeatures} features (LightGBM's shape check; set predictDisableShapeCheck to predict anyway: missing trailing features are 0.0, extra values are ignored)`
}

/** Refuses a row width other than the model's unless the shape check is disabled. */
export function checkRowWidth(
  width: number,
  numFeatures: number,
  options: ShapeOptions | undefined,
  subject = 'each row holds',
): void {
  if (width !== numFeatures && !options?.predictDisableShapeCheck)
    throw new PredictionError(shapeMessage(width, numFeatures, subject))
}

/**
 * Rows in the model's width: `data` itself when `width` is the model's, else a copy in which
 * each row keeps its first min(width, numFeatures) values and the rest are 0.0.
 */
export function toModelWidth(
  data: Float64Array,
  numRows: number,
  width: number,
  numFeatures: number,
): Float64Array {
  if (width === numFeatures) return data
  const out = new Float64Array(numRows * numFeatures)
  const copied = Math.min(width, numFeatures)
  for (let r = 0; r < numRows; r++) {
    const from = r * width
    out.set(data.subarray(from, from + copied), r * numFeatures)
  }
  return out
}

/** A flat batch checked and laid out in the model's width. */
export function flatRowsOf(
  data: Float64Array,
  numFeatures: number,
  options: ShapeOptions | undefined,
): { data: Float64Array; numRows: number } {
  const width = options?.rowWidth ?? numFeatures
  if (!Number.isInteger(width) || width < 1)
    throw new PredictionError(`rowWidth must be an integer >= 1, found ${width}`)
  if (data.length % width !== 0) {
    const what = options?.rowWidth === undefined ? "the model's" : 'rowWidth ='
    throw new PredictionError(
      `rows hold ${data.length} values, not a multiple of ${what} ${width}${options?.rowWidth === undefined ? ' features' : ''}`,
    )
  }
  checkRowWidth(width, numFeatures, options)
  const numRows = data.length / width
  return { data: toModelWidth(data, numRows, width, numFeatures), numRows }
}
