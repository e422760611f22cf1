// Categorical features in packages: the normalizer never z-scores them (before, a
// categorical feature listed in normalizer.json was z-scored into a wrong category), and a
// model saved from a pandas DataFrame takes its category labels: each maps to LightGBM's
// code as LightGBM's Python package maps it, an unseen label to NaN (missing).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadPackage, memorySource, PackageError, pandasCategories, parseModel } from '../../src/index.ts'
import { Normalizer } from '../../src/package/index.ts'
import { bits, compatJson, compatText } from '../support/compat.ts'
import { modelsRoot } from './helpers.ts'

const pandasText = compatText('pandas', 'model.txt')
const pandasModel = parseModel(pandasText)
const expected = compatJson<{
  records: Record<string, number | string | null>[]
  raw: number[]
  predict: number[]
}>('pandas', 'expected.json')
/** z-score entries for every feature: identity for the numeric ones, a real shift for the categorical ones. */
const entries = new Map([
  ['x0', { mean: 0, std: 1 }],
  ['color', { mean: 2, std: 3 }],
  ['x2', { mean: 0, std: 1 }],
  ['size', { mean: 1.5, std: 0.5 }],
])

/** The pandas model as a package `pandas-demo/v1.0.0` in memory (price-prediction's metadata, 4 features). */
async function loadPandasPackage() {
  const metadata = JSON.parse(readFileSync(join(modelsRoot, 'price-prediction/v1.0.0/metadata.json'), 'utf8'))
  const files = {
    'pandas-demo/v1.0.0/model.txt': pandasText,
    'pandas-demo/v1.0.0/normalizer.json': JSON.stringify(Object.fromEntries(entries)),
    'pandas-demo/v1.0.0/metadata.json': JSON.stringify({
      ...metadata,
      model_version: 'v1.0.0',
      num_features: 4,
      feature_names: pandasModel.featureNames,
    }),
  }
  return loadPackage(memorySource(files), 'pandas-demo', 'v1.0.0')
}

describe('pandas categories of a model saved from a DataFrame', () => {
  it('pairs each category list with a categorical feature, in feature order', () => {
    const { byFeature, problem } = pandasCategories(pandasModel.info)
    expect(problem).toBeUndefined()
    expect(pandasModel.featureNames).toEqual(['x0', 'color', 'x2', 'size'])
    expect([...byFeature.keys()]).toEqual([1, 3])
    expect([...byFeature.get(1)!]).toEqual([
      ['blue', 0],
      ['green', 1],
      ['red', 2],
      ['violet', 3],
    ])
  })

  it('records with labels predict what LightGBM predicts for the DataFrame (unseen labels and None included)', () => {
    const { byFeature } = pandasCategories(pandasModel.info)
    const normalizer = new Normalizer(pandasModel.featureNames, entries, 'pandas', {
      categorical: pandasModel.info.categoricalFeatures,
      labels: byFeature,
    })
    const rows = normalizer.normalizeMany(expected.records)
    expect(bits(pandasModel.predictRaw(rows))).toEqual(bits(expected.raw))
    expect(bits(pandasModel.predict(rows))).toEqual(bits(expected.predict))
    // The unseen labels ('black', 'XXL') and None are missing values.
    const unseen = normalizer.normalize({ x0: 0.1, color: 'black', x2: 0.5, size: 'M' })
    expect(unseen[1]).toBeNaN()
    expect(unseen[3]).toBe(1)
  })

  it('a package loaded from files takes labels and predicts as LightGBM', async () => {
    const pkg = await loadPandasPackage()
    const raw = pkg.predictMany(expected.records, { raw: true })
    expect(bits(raw)).toEqual(bits(expected.raw))
    expect(bits(pkg.predict(expected.records[0], { raw: true }))).toEqual(bits(expected.raw.slice(0, 1)))
  })

  it('a label for a numeric feature is a PackageError naming the feature', () => {
    const normalizer = new Normalizer(pandasModel.featureNames, entries, 'pandas', {
      categorical: pandasModel.info.categoricalFeatures,
      labels: pandasCategories(pandasModel.info).byFeature,
    })
    expect(() => normalizer.normalize({ x0: 'high', color: 'red', x2: 0, size: 'M' })).toThrow(PackageError)
    expect(() => normalizer.normalize({ x0: 'high', color: 'red', x2: 0, size: 'M' })).toThrow(
      /feature 'x0' must be a number, null or absent but is string "high" \(a label is taken only for a pandas categorical feature/,
    )
  })

  it('lists that do not pair with the categorical features: labels are refused with the reason', () => {
    // One categorical feature less than the pandas lists (as with an ordered categorical).
    const info = { ...pandasModel.info, categoricalFeatures: [1] }
    const { byFeature, problem } = pandasCategories(info)
    expect(byFeature.size).toBe(0)
    expect(problem).toMatch(/lists 2 categorical columns but the model has 1 categorical features/)
    const normalizer = new Normalizer(pandasModel.featureNames, entries, 'pandas', {
      categorical: [1],
      labelProblem: problem,
    })
    expect(() => normalizer.normalize({ x0: 0, color: 'red', x2: 0, size: 2 })).toThrow(/cannot be paired/)
    // Codes still work.
    expect(normalizer.normalize({ x0: 0, color: 2, x2: 0, size: 2 })[1]).toBe(2)
  })
})

describe('the normalizer never z-scores a categorical feature', () => {
  it('a categorical feature listed in normalizer.json passes through unchanged', () => {
    const normalizer = new Normalizer(pandasModel.featureNames, entries, 'pandas', {
      categorical: pandasModel.info.categoricalFeatures,
    })
    const row = normalizer.normalize({ x0: 1, color: 3, x2: 2, size: 4 })
    expect(Array.from(row)).toEqual([1, 3, 2, 4])
    // Without the model's categorical features the same entries would z-score the codes.
    const blind = new Normalizer(pandasModel.featureNames, entries)
    expect(Array.from(blind.normalize({ x0: 1, color: 3, x2: 2, size: 4 }))).toEqual([
      1,
      (3 - 2) / 3,
      2,
      (4 - 1.5) / 0.5,
    ])
  })

  it('loadPackage gives the normalizer the model categorical features', async () => {
    const pkg = await loadPandasPackage()
    expect(Array.from(pkg.normalize({ x0: 1, color: 3, x2: 2, size: 4 }))).toEqual([1, 3, 2, 4])
    expect(Array.from(pkg.normalizer.passThrough)).toEqual([0, 1, 0, 1])
  })
})
