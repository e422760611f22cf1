// pandas categoricals. A model trained on a pandas DataFrame carries a
// `pandas_categorical:` line: for each column of category dtype, in DataFrame column order,
// the list of its categories. LightGBM's Python package (basic.py, _data_from_pandas)
// feeds a category to LightGBM as its position in that list (`cat.codes`) and a value that
// is not in the list (an unseen label) or missing as NaN (code -1 replaced by NaN).
//
// The model file does not say which feature each list belongs to. With
// `categorical_feature='auto'` (the default) the category-dtype columns are exactly the
// model's categorical features, in feature order; leafwise pairs the lists with those
// features when their counts agree. Otherwise (ordered categoricals, or an explicit
// categorical_feature list) the pairing is unknown and labels are refused.

import type { ModelInfo } from './header.ts'

/** Labels of each pandas categorical feature: feature index -> (label -> LightGBM's code). */
export interface PandasCategories {
  /** Feature index -> its labels, each mapped to its position in the category list. */
  byFeature: ReadonlyMap<number, ReadonlyMap<string, number>>
  /** Why labels cannot be mapped (lists and categorical features do not pair up), else undefined. */
  problem?: string
}

/**
 * The pandas category labels of a model (`info.pandasCategorical`): string labels only (a
 * number in a record is LightGBM's input value, the code itself). Empty when the model has
 * no pandas categories.
 */
export function pandasCategories(info: ModelInfo): PandasCategories {
  const lists = info.pandasCategorical
  if (!lists || lists.length === 0) return { byFeature: new Map() }
  const features = info.categoricalFeatures
  if (lists.length !== features.length) {
    return {
      byFeature: new Map(),
      problem: `pandas_categorical lists ${lists.length} categorical columns but the model has ${features.length} categorical features, so labels cannot be paired with features (give category codes instead)`,
    }
  }
  const byFeature = new Map<number, Map<string, number>>()
  lists.forEach((labels, j) => {
    const codes = new Map<string, number>()
    labels.forEach((label, code) => {
      if (typeof label === 'string' && !codes.has(label)) codes.set(label, code)
    })
    byFeature.set(features[j], codes)
  })
  return { byFeature }
}

/**
 * LightGBM's input value for a label of pandas categorical feature `codes`: its position
 * in the category list, NaN (missing) for a label the model never saw, as LightGBM's
 * Python package does.
 */
export function pandasCode(codes: ReadonlyMap<string, number>, label: string): number {
  return codes.get(label) ?? Number.NaN
}
