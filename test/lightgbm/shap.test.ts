// SHAP contributions (predictContrib) against every `contrib` output LightGBM wrote for the
// reference zoo, the committed fixtures and the public corpus: every value within 1e-12
// (absolute or relative, whichever is larger), and each class block summing to the raw score.
// The exact kernel (LightGBM's own order of operations) must give the very same doubles.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { type Model, PredictionError, parseModel } from '../../src/index.ts'
import { predictContribKernel } from '../../src/lightgbm/shap.ts'
import {
  type ExpectedCase,
  flatRows,
  ownZooCases,
  sharedZooCases,
  type ZooCase,
} from '../support/fixtures.ts'
import { predictContribExactKernel } from '../support/shap-exact.ts'
import { sharedPath, skipShared } from '../support/shared.ts'

const tolerance = 1e-12

/** |a - b| / max(1, |b|): absolute below 1, relative above. */
function deviation(actual: number, expected: number): number {
  if (actual === expected) return 0
  return Math.abs(actual - expected) / Math.max(1, Math.abs(expected))
}

/** Worst deviation of `actual` from `expected` (flattened), and how many are the same double. */
function compare(expected: number[], actual: Float64Array): { worst: number; identical: number; at: number } {
  expect(actual.length).toBe(expected.length)
  let worst = 0
  let identical = 0
  let at = -1
  expected.forEach((value, i) => {
    if (actual[i] === value) identical++
    const d = deviation(actual[i], value)
    if (!(d <= worst)) {
      worst = d
      at = i
    }
  })
  return { worst, identical, at }
}

/** Per row and class: the block of contributions (features + expected value) against the raw score. */
function worstSumDeviation(model: Model, contrib: Float64Array, raw: Float64Array, numRows: number): number {
  const block = model.numFeatures + 1
  const width = model.numClass
  let worst = 0
  for (let r = 0; r < numRows; r++) {
    for (let k = 0; k < width; k++) {
      let sum = 0
      const base = (r * width + k) * block
      for (let j = 0; j < block; j++) sum += contrib[base + j]
      const d = deviation(sum, raw[r * width + k])
      if (!(d <= worst)) worst = d
    }
  }
  return worst
}

function checkContribCase(zooCase: ZooCase): void {
  const e: ExpectedCase = zooCase.expected()
  const model = parseModel(readFileSync(zooCase.modelPath), { source: zooCase.modelPath })
  const rows = flatRows(e.X, e.num_features)
  if (e.contrib === null) {
    // LightGBM refuses SHAP for linear trees; so do we, with a typed error.
    expect(e.contrib_error).toMatch(/linear/)
    expect(() => model.predictContrib(rows)).toThrow(/linear trees/)
    return
  }
  const contrib = model.predictContrib(rows)
  const result = compare(e.contrib.flat(), contrib)
  expect(result.worst, `worst at value #${result.at}`).toBeLessThanOrEqual(tolerance)

  // The exact kernel replays LightGBM's arithmetic: every value is the same double.
  const exact = new Float64Array(contrib.length)
  const w = model.window()
  predictContribExactKernel(
    model.forest,
    rows,
    e.num_rows,
    e.num_features,
    e.num_class,
    w.treeStart,
    w.treeEnd,
    exact,
  )
  expect(compare(e.contrib.flat(), exact).identical).toBe(e.contrib.flat().length)

  // Each class block sums to the raw score (the un-averaged sum for average_output models).
  const raw = model.predictRaw(rows)
  expect(worstSumDeviation(model, contrib, raw, e.num_rows)).toBeLessThanOrEqual(tolerance)

  // Iteration windows: the contributions of [s, s + k) sum to that window's raw score.
  for (const w of e.num_iteration_cases) {
    const options = { startIteration: w.start_iteration, numIteration: w.num_iteration }
    const windowContrib = model.predictContrib(rows, undefined, options)
    const windowRaw = model.predictRaw(rows, undefined, options)
    expect(
      worstSumDeviation(model, windowContrib, windowRaw, e.num_rows),
      JSON.stringify(options),
    ).toBeLessThanOrEqual(tolerance)
  }
}

describe.skipIf(skipShared)(
  'SHAP contributions: LightGBM reference zoo (../shared/fixtures/lightgbm)',
  () => {
    const cases = sharedZooCases()
    it('has cases with contributions', () => {
      expect(cases.filter((c) => c.expected().contrib !== null).length).toBeGreaterThanOrEqual(39)
    })
    for (const zooCase of cases) {
      it(`${zooCase.name}: contributions equal LightGBM's pred_contrib and sum to the raw score`, () =>
        checkContribCase(zooCase))
    }
  },
)

describe('SHAP contributions: committed fixtures (test/fixtures/lightgbm)', () => {
  const cases = ownZooCases()
  for (const zooCase of cases) {
    it(`${zooCase.name}: contributions equal LightGBM's pred_contrib and sum to the raw score`, () =>
      checkContribCase(zooCase))
  }

  it('reuses the caller output buffer and overwrites what it held', () => {
    const zooCase = cases.find((c) => c.name === 'multiclass') as ZooCase
    const e = zooCase.expected()
    const model = parseModel(readFileSync(zooCase.modelPath))
    const rows = flatRows(e.X, e.num_features)
    const size = e.num_rows * (e.num_features + 1) * e.num_class
    const out = new Float64Array(size + 3).fill(7)
    const returned = model.predictContrib(rows, out)
    expect(returned).toBe(out)
    expect(Array.from(out.subarray(0, size))).toEqual(Array.from(model.predictContrib(rows)))
    expect(Array.from(out.subarray(size))).toEqual([7, 7, 7])
    expect(() => model.predictContrib(rows, new Float64Array(size - 1))).toThrow(/output buffer/)
  })

  it('an empty window gives all zeros', () => {
    const zooCase = cases.find((c) => c.name === 'binary') as ZooCase
    const e = zooCase.expected()
    const model = parseModel(readFileSync(zooCase.modelPath))
    const rows = flatRows(e.X.slice(0, 3), e.num_features)
    const out = model.predictContrib(rows, undefined, { startIteration: model.numIterations })
    expect(out.every((v) => v === 0)).toBe(true)
  })

  it('linear trees: one typed error (PredictionError) from the model and from the kernel, never numbers', () => {
    const zooCase = cases.find((c) => c.name === 'linear-tree') as ZooCase
    const e = zooCase.expected()
    const model = parseModel(readFileSync(zooCase.modelPath))
    const rows = flatRows(e.X.slice(0, 2), e.num_features)
    expect(() => model.predictContrib(rows)).toThrow(PredictionError)
    expect(() => model.predictContrib(rows)).toThrow(/SHAP contributions are not defined for linear trees/)
    const out = new Float64Array(2 * (e.num_features + 1))
    for (const kernel of [predictContribKernel, predictContribExactKernel]) {
      const call = () => kernel(model.forest, rows, 2, e.num_features, 1, 0, model.numTrees, out)
      expect(call).toThrow(PredictionError)
    }
  })
})

describe.skipIf(skipShared)('SHAP contributions: public corpus', () => {
  it("ankane_regression_v4: equals the pred_contrib of lightgbm-ruby's tests", () => {
    const dir = sharedPath('fixtures', 'public', 'ankane_regression_v4')
    const model = parseModel(readFileSync(join(dir, 'model.txt')))
    const expected = JSON.parse(readFileSync(join(dir, 'expected_from_tests.json'), 'utf8')) as {
      inputs: number[][]
      pred_contrib: number[][]
      raw_score: number[]
    }
    const rows = Float64Array.from(expected.inputs.flat())
    const contrib = model.predictContrib(rows)
    expect(compare(expected.pred_contrib.flat(), contrib).worst).toBeLessThanOrEqual(tolerance)
    const raw = model.predictRaw(rows)
    expect(worstSumDeviation(model, contrib, raw, expected.inputs.length)).toBeLessThanOrEqual(tolerance)
  })
})
