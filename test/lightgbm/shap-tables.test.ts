// The SHAP kernel's three ways to a leaf's shares (src/lightgbm/shap.ts): the per-leaf
// tables, the polynomial (leaves beyond the tables' bounds, a forest's first rows) and the
// polynomial fed by each node's decision (paths of more than `maskBits` distinct
// features, 30 by default). Each must give LightGBM's pred_contrib within 1e-12 on the
// reference zoo, whatever the bounds. Paths of more than 30 features, which no fixture
// has, are held against the replay of LightGBM's own arithmetic (test/support/shap-exact.ts)
// on generated chain-shaped trees.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseModel } from '../../src/index.ts'
import { DEFAULT_SHAP_LIMITS, predictContribKernel, type ShapTableLimits } from '../../src/lightgbm/shap.ts'
import { flatRows, sharedZooCases } from '../support/fixtures.ts'
import { predictContribExactKernel } from '../support/shap-exact.ts'
import { skipShared } from '../support/shared.ts'

const tolerance = 1e-12

function worstDeviation(actual: Float64Array, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length)
  let worst = 0
  for (let i = 0; i < expected.length; i++) {
    const d =
      actual[i] === expected[i] ? 0 : Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i]))
    if (!(d <= worst)) worst = d
  }
  return worst
}

const settings: [string, ShapTableLimits][] = [
  ['polynomial only', { ...DEFAULT_SHAP_LIMITS, maxTableFeatures: 0 }],
  ['tables from the first row', { ...DEFAULT_SHAP_LIMITS, minRows: 0 }],
  [
    'tables within 4 KiB (the shortest paths only)',
    { ...DEFAULT_SHAP_LIMITS, minRows: 0, maxTableBytes: 4096 },
  ],
  ['tables up to 4 features', { ...DEFAULT_SHAP_LIMITS, minRows: 0, maxTableFeatures: 4 }],
  ['decisions instead of the mask past 3 features', { ...DEFAULT_SHAP_LIMITS, minRows: 0, maskBits: 3 }],
]

describe.skipIf(skipShared)('SHAP kernel bounds: LightGBM reference zoo', () => {
  const cases = sharedZooCases().filter((c) => c.expected().contrib !== null)
  for (const [name, limits] of settings) {
    it(`${name}: every case within 1e-12 of pred_contrib`, () => {
      for (const zooCase of cases) {
        const e = zooCase.expected()
        const model = parseModel(readFileSync(zooCase.modelPath))
        const rows = flatRows(e.X, e.num_features)
        const out = new Float64Array(e.num_rows * (e.num_features + 1) * e.num_class)
        // Twice: the first call may run before the tables exist (minRows), the second after.
        for (let round = 0; round < 2; round++) {
          predictContribKernel(
            model.forest,
            rows,
            e.num_rows,
            e.num_features,
            e.num_class,
            0,
            model.numTrees,
            out,
            limits,
          )
          expect(
            worstDeviation(out, (e.contrib as number[][]).flat()),
            `${zooCase.name} round ${round}`,
          ).toBeLessThanOrEqual(tolerance)
        }
      }
    })
  }
})

/**
 * A regression model of chain-shaped trees: tree k splits node i on feature features[k][i]
 * (threshold 0, left to a leaf, right to the next node; the last node's right child a leaf).
 * Counts shrink down the chain. Returned as model text.
 */
function chainModel(numFeatures: number, features: number[][]): string {
  const trees = features.map((split, k) => {
    const n = split.length
    const internalCount: number[] = []
    const leafCount: number[] = []
    let count = 1_000_000
    for (let i = 0; i < n; i++) {
      internalCount.push(count)
      const leaf = Math.max(1, Math.floor(count * (0.02 + (0.08 * ((i * 7 + k) % 5)) / 5)))
      leafCount.push(leaf)
      count -= leaf
    }
    leafCount.push(count)
    const leafValue = Array.from({ length: n + 1 }, (_, i) => ((i * 37 + k * 11) % 19) / 7 - 1.3)
    return [
      `Tree=${k}`,
      `num_leaves=${n + 1}`,
      'num_cat=0',
      `split_feature=${split.join(' ')}`,
      `split_gain=${split.map(() => 1).join(' ')}`,
      `threshold=${split.map((_, i) => (i % 3) / 10).join(' ')}`,
      `decision_type=${split.map((_, i) => (i % 2 === 0 ? 2 : 10)).join(' ')}`,
      `left_child=${split.map((_, i) => -(i + 1)).join(' ')}`,
      `right_child=${split.map((_, i) => (i + 1 < n ? i + 1 : -(n + 1))).join(' ')}`,
      `leaf_value=${leafValue.join(' ')}`,
      `leaf_weight=${leafCount.join(' ')}`,
      `leaf_count=${leafCount.join(' ')}`,
      `internal_value=${split.map(() => 0).join(' ')}`,
      `internal_weight=${internalCount.join(' ')}`,
      `internal_count=${internalCount.join(' ')}`,
      'is_linear=0',
      'shrinkage=1',
      '',
      '',
    ].join('\n')
  })
  const names = Array.from({ length: numFeatures }, (_, i) => `f${i}`)
  return [
    'tree',
    'version=v4',
    'num_class=1',
    'num_tree_per_iteration=1',
    'label_index=0',
    `max_feature_idx=${numFeatures - 1}`,
    'objective=regression',
    `feature_names=${names.join(' ')}`,
    `feature_infos=${names.map(() => '[-1:1]').join(' ')}`,
    '',
    ...trees,
    'end of trees',
    '',
  ].join('\n')
}

describe('SHAP kernel: paths of more than 30 distinct features', () => {
  const numFeatures = 40
  // Tree 0: 36 distinct features in a row. Tree 1: 44 nodes over 33 features, some met twice.
  const model = parseModel(
    chainModel(numFeatures, [
      Array.from({ length: 36 }, (_, i) => i),
      Array.from({ length: 44 }, (_, i) => (i * 5) % 33),
    ]),
  )
  // Rows that mostly go right (deep into the chains), some left, some NaN and zero.
  const numRows = 80
  const rows = new Float64Array(numRows * numFeatures)
  let state = 7
  for (let i = 0; i < rows.length; i++) {
    state = (state * 1103515245 + 12345) % 2147483648
    const u = state / 2147483648
    rows[i] = u < 0.02 ? Number.NaN : u < 0.04 ? 0 : u < 0.1 ? -0.5 : 0.5 + u
  }

  it('agrees with the replay of LightGBM as closely as the replay sums to the raw score, under every bound', () => {
    const block = numFeatures + 1
    const exact = new Float64Array(numRows * block)
    predictContribExactKernel(model.forest, rows, numRows, numFeatures, 1, 0, model.numTrees, exact)
    expect(model.forest.treeDepth[0]).toBe(36)
    const raw = model.predictRaw(rows)
    const sumDeviation = (contrib: Float64Array): number => {
      let worst = 0
      for (let r = 0; r < numRows; r++) {
        let sum = 0
        for (let j = 0; j < block; j++) sum += contrib[r * block + j]
        worst = Math.max(worst, Math.abs(sum - raw[r]) / Math.max(1, Math.abs(raw[r])))
      }
      return worst
    }
    // Shapley weights over 36 features span 1 / (36 C(35, 17)) ~ 6e-12 to 1 / 36: LightGBM's
    // own arithmetic sums to the raw score only within about 1e-7 here, and so can ours.
    const replayError = sumDeviation(exact)
    expect(replayError).toBeGreaterThan(0)
    expect(replayError).toBeLessThan(1e-6)
    let reference: Float64Array | undefined
    for (const [name, limits] of [['default', DEFAULT_SHAP_LIMITS] as const, ...settings]) {
      const out = new Float64Array(exact.length)
      for (let round = 0; round < 2; round++) {
        predictContribKernel(model.forest, rows, numRows, numFeatures, 1, 0, model.numTrees, out, limits)
        expect(worstDeviation(out, exact), `${name} round ${round}`).toBeLessThanOrEqual(replayError)
        expect(sumDeviation(out), `${name} round ${round}`).toBeLessThanOrEqual(replayError)
      }
      // Leaves past the mask read each node's decision: the same cold sets, the same doubles
      // as the polynomial fed by the mask.
      if (name === 'polynomial only') reference = out.slice()
      if (name === 'decisions instead of the mask past 3 features') {
        const polynomialOnly = new Float64Array(exact.length)
        const limits = { ...DEFAULT_SHAP_LIMITS, maxTableFeatures: 0, maskBits: 3 }
        predictContribKernel(
          model.forest,
          rows,
          numRows,
          numFeatures,
          1,
          0,
          model.numTrees,
          polynomialOnly,
          limits,
        )
        expect(Array.from(polynomialOnly)).toEqual(Array.from(reference as Float64Array))
      }
    }
  })

  it('on a chain of 24 features (mask and tables), within 1e-12 of the replay', () => {
    const short = parseModel(chainModel(numFeatures, [Array.from({ length: 24 }, (_, i) => i)]))
    const exact = new Float64Array(numRows * (numFeatures + 1))
    predictContribExactKernel(short.forest, rows, numRows, numFeatures, 1, 0, 1, exact)
    for (const [name, limits] of [['default', DEFAULT_SHAP_LIMITS] as const, ...settings]) {
      const out = new Float64Array(exact.length)
      predictContribKernel(short.forest, rows, numRows, numFeatures, 1, 0, 1, out, {
        ...limits,
        maxTableFeatures: 28,
      })
      expect(worstDeviation(out, exact), name).toBeLessThanOrEqual(tolerance)
    }
  })
})
