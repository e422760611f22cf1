// SHAP contributions (LightGBM's pred_contrib), computed from what does not depend on the row.
//
// LightGBM's Tree::TreeSHAP (src/io/tree.cpp) walks every node for every row, growing and
// unwinding a "unique path" of (feature, zero fraction, one fraction) and its path weights.
// Two facts make most of that work row-independent:
//   * the unique path reaching a leaf (its features and zero fractions, the products of
//     child count / node count over the splits on each feature) depends only on the tree;
//   * a one fraction is 1 when the row follows the leaf's path at every split on that
//     feature, else 0.
// So each leaf's path is built once per forest, and for a row the leaf's value splits into
// Shapley shares with the hot features H (one fraction 1) and cold features C:
//   share(p) = v * (o_p - z_p) * prod_{C \ p} z * sum_k w(|H \ p| - k) * e_k(z over H \ p)
// where e_k are elementary symmetric polynomials and w(s) = s! (d - 1 - s)! / d!. One
// polynomial per leaf, deflated by (1 + z_p t) for each hot p: O(d + |H|^2) multiply-adds
// per leaf, no division, against LightGBM's O(d^2) divisions per leaf plus path upkeep at
// every node. The sums are the same Shapley values LightGBM computes, rounded differently:
// the tests hold every value within 1e-12 of LightGBM's (in practice a few ulp) and against
// an exact replay of LightGBM's arithmetic (test/support/shap-exact.ts, built on contribLoop).

import { forestGoesLeft } from './decision.ts'
import { PredictionError } from './errors.ts'
import { type Forest, TREE_LINEAR } from './forest.ts'

/** Per forest: every leaf's unique path, the Shapley weights and the work buffers. */
class LeafPaths {
  /** Per tree: Tree::ExpectedValue(). */
  readonly expectedValue: Float64Array
  /** Per global leaf (+1): range of its path elements in elementFeature / elementZero. */
  readonly elementStart: Int32Array
  readonly elementFeature: Int32Array
  readonly elementZero: Float64Array
  /** Row length of `weights`: the longest unique path + 1. */
  readonly stride: number
  /** weights[d * stride + s] = s! (d - 1 - s)! / d!, the Shapley weight of a coalition of s among d. */
  readonly weights: Float64Array
  /** Per feature: how many splits on the current walk the row does not follow (0 = hot). */
  readonly coldCount: Int32Array
  // Per-leaf work buffers, `stride` long: the leaf's path, hot features first, then cold.
  readonly zeroBuffer: Float64Array
  readonly featureBuffer: Int32Array
  readonly polynomial: Float64Array
  readonly suffix: Float64Array

  readonly forest: Forest
  // Per call: the row being explained and the output block of the current tree.
  rows: Float64Array = new Float64Array(0)
  rowBase = 0
  out: Float64Array = new Float64Array(0)
  outBase = 0

  constructor(forest: Forest) {
    this.forest = forest
    this.expectedValue = treeExpectedValues(forest)
    const { internalCount, leafCount, leftChild, rightChild, splitFeature } = forest
    const numLeaves = forest.leafValue.length
    const starts = new Int32Array(numLeaves + 1)
    const features: number[] = []
    const zeros: number[] = []
    const pathsByLeaf: { features: number[]; zeros: number[] }[] = new Array(numLeaves)
    let longest = 0

    // The unique path as Tree::TreeSHAP builds it: a feature met again is taken out and put
    // back at the end with its zero fraction multiplied by the new split's.
    const walk = (node: number, pathFeatures: number[], pathZeros: number[]): void => {
      if (node < 0) {
        pathsByLeaf[~node] = { features: pathFeatures, zeros: pathZeros }
        if (pathFeatures.length > longest) longest = pathFeatures.length
        return
      }
      const feature = splitFeature[node]
      const count = internalCount[node]
      let incomingZero = 1
      let baseFeatures = pathFeatures
      let baseZeros = pathZeros
      const at = pathFeatures.indexOf(feature)
      if (at >= 0) {
        incomingZero = pathZeros[at]
        baseFeatures = pathFeatures.filter((_, i) => i !== at)
        baseZeros = pathZeros.filter((_, i) => i !== at)
      }
      for (const child of [leftChild[node], rightChild[node]]) {
        const zeroFraction = (child >= 0 ? internalCount[child] : leafCount[~child]) / count
        walk(child, [...baseFeatures, feature], [...baseZeros, zeroFraction * incomingZero])
      }
    }
    let maxFeature = -1
    for (let node = 0; node < splitFeature.length; node++) {
      if (splitFeature[node] > maxFeature) maxFeature = splitFeature[node]
    }
    for (let t = 0; t < forest.numTrees; t++) {
      const root = forest.treeRoot[t]
      if (root >= 0) walk(root, [], [])
    }
    for (let leaf = 0; leaf < numLeaves; leaf++) {
      starts[leaf] = features.length
      const path = pathsByLeaf[leaf]
      if (path === undefined) continue
      features.push(...path.features)
      zeros.push(...path.zeros)
    }
    starts[numLeaves] = features.length
    this.elementStart = starts
    this.elementFeature = Int32Array.from(features)
    this.elementZero = Float64Array.from(zeros)

    const stride = longest + 1
    this.stride = stride
    this.weights = new Float64Array(stride * stride)
    for (let d = 1; d < stride; d++) {
      // s! (d - 1 - s)! / d! = 1 / (d * C(d - 1, s)); C(d - 1, s) is exact in a double here.
      let binomial = 1
      for (let s = 0; s < d; s++) {
        this.weights[d * stride + s] = 1 / (d * binomial)
        binomial = (binomial * (d - 1 - s)) / (s + 1)
      }
    }
    this.coldCount = new Int32Array(maxFeature + 1)
    this.zeroBuffer = new Float64Array(stride)
    this.featureBuffer = new Int32Array(stride)
    this.polynomial = new Float64Array(stride + 1)
    this.suffix = new Float64Array(stride + 1)
  }
}

/** Tree::ExpectedValue of every tree: leaves in index order, (leaf_count / root count) * value. */
export function treeExpectedValues(forest: Forest): Float64Array {
  const { internalCount, leafCount, leafValue, treeLeafOffset } = forest
  const expectedValue = new Float64Array(forest.numTrees)
  for (let t = 0; t < forest.numTrees; t++) {
    const root = forest.treeRoot[t]
    if (root < 0) {
      expectedValue[t] = leafValue[~root]
      continue
    }
    const totalCount = internalCount[root]
    let expected = 0.0
    for (let leaf = treeLeafOffset[t]; leaf < treeLeafOffset[t + 1]; leaf++) {
      expected += (leafCount[leaf] / totalCount) * leafValue[leaf]
    }
    expectedValue[t] = expected
  }
  return expectedValue
}

/** LightGBM does not define SHAP for linear trees: a typed error instead of numbers. */
export function refuseLinearTrees(forest: Forest, treeStart: number, treeEnd: number): void {
  for (let t = treeStart; t < treeEnd; t++) {
    if ((forest.treeFlags[t] & TREE_LINEAR) !== 0) {
      throw new PredictionError(
        `SHAP contributions are not defined for linear trees (tree ${t}); LightGBM refuses them too`,
      )
    }
  }
}

/** What a SHAP kernel keeps per forest and contribLoop points at the current row and output. */
export interface ContribState {
  rows: Float64Array
  out: Float64Array
  rowBase: number
  outBase: number
  readonly expectedValue: Float64Array
}

const EMPTY = new Float64Array(0)

/**
 * GBDT::PredictContrib over `numRows` rows and trees [treeStart, treeEnd): `out` gets,
 * per row, `width` blocks of `numFeatures + 1` values (class k's block at
 * `k * (numFeatures + 1)`, the last value of a block the expected value); tree t adds to
 * class `t % width`, its expected value first, then `visit(state, root)` adds its
 * contributions when it has a split. No `average_output` division: as in LightGBM, the
 * contributions sum to the un-averaged raw score. Throws `PredictionError` for linear
 * trees (LightGBM refuses them).
 */
export function contribLoop<S extends ContribState>(
  forest: Forest,
  stateOf: (forest: Forest) => S,
  visit: (state: S, root: number) => void,
  rows: Float64Array,
  numRows: number,
  numFeatures: number,
  width: number,
  treeStart: number,
  treeEnd: number,
  out: Float64Array,
): void {
  refuseLinearTrees(forest, treeStart, treeEnd)
  const block = numFeatures + 1
  const rowWidth = block * width
  out.fill(0, 0, numRows * rowWidth)
  if (treeEnd <= treeStart) return
  const state = stateOf(forest)
  state.rows = rows
  state.out = out
  const treeRoot = forest.treeRoot
  const expected = state.expectedValue
  try {
    for (let r = 0; r < numRows; r++) {
      state.rowBase = r * numFeatures
      const rowOut = r * rowWidth
      let klass = treeStart % width
      for (let t = treeStart; t < treeEnd; t++) {
        const outBase = rowOut + klass * block
        // Tree::PredictContrib: the expected value first, then the recursion (if any split).
        out[outBase + numFeatures] += expected[t]
        const root = treeRoot[t]
        if (root >= 0) {
          state.outBase = outBase
          visit(state, root)
        }
        if (++klass === width) klass = 0
      }
    }
  } finally {
    // Do not keep the caller's buffers alive through the per-forest cache.
    state.rows = EMPTY
    state.out = EMPTY
  }
}

const leafPathsByForest = new WeakMap<Forest, LeafPaths>()

function leafPathsOf(forest: Forest): LeafPaths {
  let paths = leafPathsByForest.get(forest)
  if (paths === undefined) {
    paths = new LeafPaths(forest)
    leafPathsByForest.set(forest, paths)
  }
  return paths
}

/**
 * SHAP contributions of `numRows` rows for trees [treeStart, treeEnd), laid out as
 * GBDT::PredictContrib (see contribLoop). The per-forest tables are
 * built on the first call and cached; rows allocate nothing.
 */
export function predictContribKernel(
  forest: Forest,
  rows: Float64Array,
  numRows: number,
  numFeatures: number,
  width: number,
  treeStart: number,
  treeEnd: number,
  out: Float64Array,
): void {
  contribLoop(forest, leafPathsOf, visit, rows, numRows, numFeatures, width, treeStart, treeEnd, out)
}

/** Walks the tree below `node`, marking per feature whether the row follows the walk's splits. */
function visit(paths: LeafPaths, node: number): void {
  if (node < 0) {
    leafShares(paths, ~node)
    return
  }
  const forest = paths.forest
  const feature = forest.splitFeature[node]
  const x = paths.rows[paths.rowBase + feature]
  const goesLeft = forestGoesLeft(forest, node, x)
  visit(paths, goesLeft ? forest.leftChild[node] : forest.rightChild[node])
  paths.coldCount[feature]++
  visit(paths, goesLeft ? forest.rightChild[node] : forest.leftChild[node])
  paths.coldCount[feature]--
}

/** Adds one leaf's Shapley shares for the current row to the output block. */
function leafShares(paths: LeafPaths, leaf: number): void {
  const start = paths.elementStart[leaf]
  const end = paths.elementStart[leaf + 1]
  const elementFeature = paths.elementFeature
  const elementZero = paths.elementZero
  const coldCount = paths.coldCount
  const zeroBuffer = paths.zeroBuffer
  const featureBuffer = paths.featureBuffer
  const polynomial = paths.polynomial
  const suffix = paths.suffix
  const weights = paths.weights
  const out = paths.out
  const outBase = paths.outBase
  const value = paths.forest.leafValue[leaf]

  // Split the path into hot and cold features without a branch (which a random row
  // would mispredict half the time): hot ones fill the buffers from the front, cold from the back.
  const length = end - start
  let hot = 0
  let cold = 0
  for (let j = start; j < end; j++) {
    const feature = elementFeature[j]
    const isCold = -coldCount[feature] >>> 31
    const at = isCold === 0 ? hot : length - 1 - cold
    zeroBuffer[at] = elementZero[j]
    featureBuffer[at] = feature
    hot += 1 - isCold
    cold += isCold
  }
  const weightBase = length * paths.stride

  // e_k over the hot zero fractions: coefficients of prod (1 + z t).
  polynomial[0] = 1
  for (let i = 0; i < hot; i++) {
    const z = zeroBuffer[i]
    polynomial[i + 1] = z * polynomial[i]
    for (let k = i; k >= 1; k--) polynomial[k] += z * polynomial[k - 1]
  }

  // Products of the cold zero fractions, leaving one out via prefix * suffix.
  // (cold features sit at hot .. length - 1 of the buffers)
  suffix[cold] = 1
  for (let i = cold - 1; i >= 0; i--) suffix[i] = suffix[i + 1] * zeroBuffer[hot + i]
  const coldProduct = suffix[0]

  if (cold > 0) {
    // A cold feature p leaves H whole: one weighted sum serves every cold p.
    let hotSum = 0
    for (let k = 0; k <= hot; k++) hotSum += weights[weightBase + hot - k] * polynomial[k]
    let prefix = 1
    for (let i = 0; i < cold; i++) {
      const z = zeroBuffer[hot + i]
      out[outBase + featureBuffer[hot + i]] -= value * z * (prefix * suffix[i + 1] * hotSum)
      prefix *= z
    }
  }

  // A hot feature p: deflate the polynomial by (1 + z_p t), e'_k = e_k - z_p e'_(k-1).
  const top = hot - 1
  for (let p = 0; p < hot; p++) {
    const z = zeroBuffer[p]
    let deflated = 1
    let sum = weights[weightBase + top]
    for (let k = 1; k <= top; k++) {
      deflated = polynomial[k] - z * deflated
      sum += weights[weightBase + top - k] * deflated
    }
    out[outBase + featureBuffer[p]] += value * (1 - z) * (coldProduct * sum)
  }
}
