// SHAP contributions (LightGBM's pred_contrib), computed from what does not depend on the row.
//
// LightGBM's Tree::TreeSHAP (src/io/tree.cpp) walks every node for every row, growing and
// unwinding a "unique path" of (feature, zero fraction, one fraction) and its path weights.
// Two facts make most of that work row-independent:
//   * the unique path reaching a leaf (its features and zero fractions, the products of
//     child count / node count over the splits on each feature) depends only on the tree;
//   * a one fraction is 1 when the row follows the leaf's path at every split on that
//     feature ("hot"), else 0 ("cold").
// For a leaf of value v whose path has d features F, with hot features H and cold C,
// feature p's Shapley share is
//   hot p:   v (1 - z_p) * Z_C * Psi(H \ p)        cold p:   -v * Z_C * Psi(H)
// where Z_C is the product of the cold zero fractions and
//   Psi(S) = sum_{U in S} w(|U|) prod_{S \ U} z = sum_k w(|S| - k) e_k(z over S),
// w(s) = s! (d - 1 - s)! / d!, e_k the elementary symmetric polynomials.
//
// Psi depends only on the leaf and the set of hot features, so (Fast TreeSHAP v2, Yang 2021)
// each leaf with at most `maxTableFeatures` path features gets a table of v * Psi(F \ M)
// for every cold set M (2^d doubles, built once per forest within `maxTableBytes`). A row
// then costs, per tree, one decision per node (each node passes its children the bit
// mask of the leaf features the row has left the path on) and, per leaf, two passes over
// its d features with one table look-up each: O(L d) instead of TreeSHAP's O(L d^2)
// with divisions. Leaves beyond the bound use the polynomial itself: e_k over H, deflated
// by (1 + z_p t) for each hot p, O(d + |H|^2) multiply-adds and no division.
//
// All rows of a block go through one tree before the next, so a tree's tables stay in
// cache; each row's values still add up tree by tree in LightGBM's order. The sums are
// the same Shapley values LightGBM computes, rounded differently: the tests hold every
// value within 1e-12 of LightGBM's (in practice a few ulp) and against an exact replay of
// LightGBM's arithmetic (test/support/shap-exact.ts, built on contribLoop).

import { forestGoesLeft, NodeKind } from './decision.ts'
import { PredictionError } from './errors.ts'
import { type Forest, TREE_LINEAR } from './forest.ts'

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

/** Bounds of the per-leaf tables (Fast TreeSHAP v2); leaves beyond them use the polynomial. */
export interface ShapTableLimits {
  /** Leaves whose path has more distinct features than this get no table (at most 30). */
  maxTableFeatures: number
  /** Memory of all the forest's tables together; the leaves with the fewest features first. */
  maxTableBytes: number
  /** Tables are built once the forest has explained this many rows (building costs about 2^d / d rows). */
  minRows: number
  /**
   * Paths of more distinct features than this (at most 30, the int32 cold-set mask) read
   * each node's decision instead of the mask; lower only to test that way.
   */
  maskBits: number
}

export const DEFAULT_SHAP_LIMITS: Readonly<ShapTableLimits> = {
  maxTableFeatures: 16,
  maxTableBytes: 64 * 1024 * 1024,
  minRows: 32,
  maskBits: 30,
}

/** Rows per block: every tree walks all of a block's rows, node by node, before the next tree. */
const ROW_BLOCK = 64

/**
 * Per forest: every tree's nodes in preorder with what the walk needs, every leaf's path
 * features and zero fractions, the tables and the per-block scratch.
 */
class ShapPlan {
  readonly forest: Forest
  readonly limits: ShapTableLimits
  readonly maskBits: number
  readonly expectedValue: Float64Array
  // Per position p of the preorder (tree t's nodes at [treeNodeOffset[t], treeNodeOffset[t + 1])):
  readonly posNode: Int32Array
  readonly posFeature: Int32Array
  readonly posThreshold: Float64Array
  readonly posKind: Uint8Array
  /** 1 << (index of the node's feature among the path features met so far), 0 past maskBits. */
  readonly posBit: Int32Array
  /** The children's slots in the tree's mask block: a node's own position in the tree, a leaf's nodes + leaf. */
  readonly posLeft: Int32Array
  readonly posRight: Int32Array
  /** Per leaf: its path features in elementFeature / elementZero / sharePair, in first-met order. */
  readonly elementStart: Int32Array
  readonly elementCount: Int32Array
  readonly elementFeature: Int32Array
  readonly elementZero: Float64Array
  /** Per path element j, indexed by 2j + (1 if cold): the factor of its share, [(1 - z_j) / z_j, -1]. */
  readonly sharePair: Float64Array
  /** Per leaf: where its table starts in `table`, or -1 (no table: the polynomial). */
  readonly tableStart: Int32Array
  readonly tableLength: number
  table: Float64Array = new Float64Array(0)
  tablesBuilt = false
  rowsSeen = 0
  /**
   * Leaves with more than maskBits path features: from ancestorStart[leaf], how many nodes
   * their path has, then per node a triple: the node, the element it splits on, 1 if the
   * path goes left.
   */
  readonly ancestorStart: Int32Array
  readonly ancestors: Int32Array
  /** Row length of `weights`: the longest path in distinct features + 1. */
  readonly stride: number
  /** weights[d * stride + s] = s! (d - 1 - s)! / d!, the Shapley weight of a coalition of s among d. */
  readonly weights: Float64Array
  // Per block scratch: masks[slot * ROW_BLOCK + r].
  readonly masks: Int32Array
  readonly cold: Int32Array
  readonly zeroBuffer: Float64Array
  readonly featureBuffer: Int32Array
  readonly polynomial: Float64Array
  readonly suffix: Float64Array

  constructor(forest: Forest, limits: ShapTableLimits) {
    this.forest = forest
    this.limits = limits
    const maskBits = Math.max(0, Math.min(30, limits.maskBits))
    this.maskBits = maskBits
    this.expectedValue = treeExpectedValues(forest)
    const { internalCount, leafCount, leftChild, rightChild, splitFeature, treeNodeOffset, treeLeafOffset } =
      forest
    const numNodes = splitFeature.length
    const numLeaves = forest.leafValue.length
    this.posNode = new Int32Array(numNodes)
    this.posFeature = new Int32Array(numNodes)
    this.posThreshold = new Float64Array(numNodes)
    this.posKind = new Uint8Array(numNodes)
    this.posBit = new Int32Array(numNodes)
    this.posLeft = new Int32Array(numNodes)
    this.posRight = new Int32Array(numNodes)
    this.elementStart = new Int32Array(numLeaves)
    this.elementCount = new Int32Array(numLeaves)
    this.ancestorStart = new Int32Array(numLeaves)
    let maxDepth = 0
    let maxSlots = 1
    for (let t = 0; t < forest.numTrees; t++) {
      maxDepth = Math.max(maxDepth, forest.treeDepth[t])
      const slots = treeNodeOffset[t + 1] - treeNodeOffset[t] + treeLeafOffset[t + 1] - treeLeafOffset[t]
      maxSlots = Math.max(maxSlots, slots)
    }
    // The walk's path: distinct features in first-met order with their zero fractions so
    // far (a feature met again multiplies its own), and the nodes and sides taken.
    const pathFeature = new Int32Array(maxDepth + 1)
    const pathZero = new Float64Array(maxDepth + 1)
    const pathNode = new Int32Array(maxDepth + 1)
    const pathLeft = new Uint8Array(maxDepth + 1)
    const features: number[] = []
    const zeros: number[] = []
    const ancestors: number[] = []
    let longest = 0
    let next = 0
    let treeFirst = 0
    let treeLeaf = 0
    let treeNodes = 0
    const walk = (node: number, distinct: number, depth: number): void => {
      const pos = next++
      this.posNode[pos] = node
      const feature = splitFeature[node]
      this.posFeature[pos] = feature
      this.posThreshold[pos] = forest.threshold[node]
      this.posKind[pos] = forest.nodeKind[node]
      let at = 0
      while (at < distinct && pathFeature[at] !== feature) at++
      this.posBit[pos] = at < maskBits ? 1 << at : 0
      pathNode[depth] = node
      const count = internalCount[node]
      for (let side = 1; side >= 0; side--) {
        const child = side === 1 ? leftChild[node] : rightChild[node]
        const zero = (child >= 0 ? internalCount[child] : leafCount[~child]) / count
        pathLeft[depth] = side
        const saved = pathZero[at]
        pathFeature[at] = feature
        pathZero[at] = at === distinct ? zero : saved * zero
        const childDistinct = at === distinct ? distinct + 1 : distinct
        const slot = child >= 0 ? next - treeFirst : treeNodes + ~child - treeLeaf
        if (side === 1) this.posLeft[pos] = slot
        else this.posRight[pos] = slot
        if (child >= 0) {
          walk(child, childDistinct, depth + 1)
        } else {
          const leaf = ~child
          this.elementStart[leaf] = features.length
          this.elementCount[leaf] = childDistinct
          for (let j = 0; j < childDistinct; j++) {
            features.push(pathFeature[j])
            zeros.push(pathZero[j])
          }
          if (childDistinct > longest) longest = childDistinct
          this.ancestorStart[leaf] = ancestors.length
          if (childDistinct > maskBits) {
            ancestors.push(depth + 1)
            for (let k = 0; k <= depth; k++) {
              let element = 0
              while (pathFeature[element] !== splitFeature[pathNode[k]]) element++
              ancestors.push(pathNode[k], element, pathLeft[k])
            }
          }
        }
        pathZero[at] = saved
      }
    }
    for (let t = 0; t < forest.numTrees; t++) {
      const root = forest.treeRoot[t]
      next = treeNodeOffset[t]
      treeFirst = next
      treeLeaf = treeLeafOffset[t]
      treeNodes = treeNodeOffset[t + 1] - treeNodeOffset[t]
      if (root >= 0) walk(root, 0, 0)
    }
    this.ancestors = Int32Array.from(ancestors)

    this.elementFeature = Int32Array.from(features)
    this.elementZero = Float64Array.from(zeros)
    this.sharePair = new Float64Array(2 * zeros.length)
    for (let j = 0; j < zeros.length; j++) {
      this.sharePair[2 * j] = (1 - zeros[j]) / zeros[j]
      this.sharePair[2 * j + 1] = -1
    }

    // Which leaves get a table: those with the fewest features first, within both bounds;
    // a leaf with a zero fraction of 0 (a child no training row reached) keeps the polynomial.
    const byLength: number[] = new Array(longest + 1).fill(0)
    const tableable = (leaf: number): boolean => {
      for (let j = this.elementStart[leaf]; j < this.elementStart[leaf] + this.elementCount[leaf]; j++) {
        if (!(zeros[j] > 0)) return false
      }
      return true
    }
    for (let leaf = 0; leaf < numLeaves; leaf++) {
      if (this.elementCount[leaf] > 0 && tableable(leaf)) byLength[this.elementCount[leaf]]++
    }
    let budget = Math.floor(limits.maxTableBytes / 8)
    let tableFeatures = 0
    for (let d = 1; d <= Math.min(longest, limits.maxTableFeatures, maskBits); d++) {
      const need = byLength[d] * 2 ** d
      if (need > budget) break
      budget -= need
      tableFeatures = d
    }
    this.tableStart = new Int32Array(numLeaves).fill(-1)
    let tableLength = 0
    for (let leaf = 0; leaf < numLeaves; leaf++) {
      const d = this.elementCount[leaf]
      if (d > 0 && d <= tableFeatures && tableable(leaf)) {
        this.tableStart[leaf] = tableLength
        tableLength += 2 ** d
      }
    }
    this.tableLength = tableLength

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
    this.masks = new Int32Array(maxSlots * ROW_BLOCK)
    this.cold = new Int32Array(stride)
    this.zeroBuffer = new Float64Array(stride)
    this.featureBuffer = new Int32Array(stride)
    this.polynomial = new Float64Array(stride + 1)
    this.suffix = new Float64Array(stride + 1)
  }

  /**
   * Fills every table: at tableStart + M, for each cold set M (bit b: the leaf's b-th path
   * feature), v * Z_M * Psi(F \ M), Z_M the product of the cold zero fractions (M = 0 unused).
   * A cold feature's share is minus that entry; a hot p's, (1 - z_p) / z_p times the entry of M + p.
   */
  buildTables(): void {
    const table = new Float64Array(this.tableLength)
    const { elementStart, elementCount, elementZero, tableStart, weights, stride } = this
    const leafValue = this.forest.leafValue
    // polynomials[level * stride + k]: e_k over the hot zero fractions among elements < level.
    const polynomials = new Float64Array(stride * (stride + 1))
    for (let leaf = 0; leaf < tableStart.length; leaf++) {
      const base = tableStart[leaf]
      if (base < 0) continue
      const leafTable = table.subarray(base, base + 2 ** elementCount[leaf])
      const zeros = elementZero.subarray(elementStart[leaf], elementStart[leaf] + elementCount[leaf])
      polynomials[0] = 1
      fillTable(
        leafTable,
        zeros,
        weights.subarray(elementCount[leaf] * stride),
        polynomials,
        stride,
        leafValue[leaf],
        0,
        0,
        0,
        1,
      )
    }
    this.table = table
    this.tablesBuilt = true
  }
}

/**
 * One leaf's table below `level` (elements before it decided: `coldMask`, `hot` of them hot,
 * the product of the cold ones' zero fractions `coldProduct`, their polynomial at
 * polynomials[level * stride]): table[M] = value * Z_M * sum_k w(hot - k) e_k for each
 * completion M. The last element is decided in place, without a call.
 */
function fillTable(
  table: Float64Array,
  zeros: Float64Array,
  w: Float64Array,
  polynomials: Float64Array,
  stride: number,
  value: number,
  level: number,
  coldMask: number,
  hot: number,
  coldProduct: number,
): void {
  const at = level * stride
  const z = zeros[level]
  if (level === zeros.length - 1) {
    // Cold: the polynomial as it is; hot: times (1 + z t), term by term as above.
    let cold = 0
    for (let k = 0; k <= hot; k++) cold += w[hot - k] * polynomials[at + k]
    table[coldMask | (1 << level)] = value * (coldProduct * z) * cold
    if (coldMask === 0) return
    let hotSum = w[hot + 1] * polynomials[at]
    for (let k = 1; k <= hot; k++)
      hotSum += w[hot + 1 - k] * (polynomials[at + k] + z * polynomials[at + k - 1])
    hotSum += w[0] * (z * polynomials[at + hot])
    table[coldMask] = value * coldProduct * hotSum
    return
  }
  const next = at + stride
  // Cold: the polynomial passes unchanged, Z_M takes z.
  for (let k = 0; k <= hot; k++) polynomials[next + k] = polynomials[at + k]
  fillTable(
    table,
    zeros,
    w,
    polynomials,
    stride,
    value,
    level + 1,
    coldMask | (1 << level),
    hot,
    coldProduct * z,
  )
  // Hot: the polynomial times (1 + z t).
  polynomials[next] = polynomials[at]
  for (let k = 1; k <= hot; k++) polynomials[next + k] = polynomials[at + k] + z * polynomials[at + k - 1]
  polynomials[next + hot + 1] = z * polynomials[at + hot]
  fillTable(table, zeros, w, polynomials, stride, value, level + 1, coldMask, hot + 1, coldProduct)
}

const plansByForest = new WeakMap<Forest, ShapPlan>()

function planOf(forest: Forest, limits: ShapTableLimits): ShapPlan {
  let plan = plansByForest.get(forest)
  // Other bounds (tests) build another plan.
  if (plan?.limits !== limits) {
    plan = new ShapPlan(forest, limits)
    plansByForest.set(forest, plan)
  }
  return plan
}

/**
 * SHAP contributions of `numRows` rows for trees [treeStart, treeEnd), laid out as
 * GBDT::PredictContrib (see contribLoop). The per-forest paths are built on the first
 * call and cached, the tables (`limits`) once the forest has explained `minRows` rows;
 * rows allocate nothing.
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
  limits: ShapTableLimits = DEFAULT_SHAP_LIMITS,
): void {
  refuseLinearTrees(forest, treeStart, treeEnd)
  const block = numFeatures + 1
  const rowWidth = block * width
  out.fill(0, 0, numRows * rowWidth)
  if (treeEnd <= treeStart || numRows === 0) return
  const plan = planOf(forest, limits)
  plan.rowsSeen += numRows
  if (!plan.tablesBuilt && plan.rowsSeen >= limits.minRows) plan.buildTables()
  for (let first = 0; first < numRows; first += ROW_BLOCK) {
    const count = Math.min(numRows - first, ROW_BLOCK)
    let klass = treeStart % width
    for (let t = treeStart; t < treeEnd; t++) {
      const expected = plan.expectedValue[t]
      const outBase = first * rowWidth + klass * block
      // Tree::PredictContrib: the expected value first, then the recursion (if any split).
      for (let r = 0, o = outBase + numFeatures; r < count; r++, o += rowWidth) out[o] += expected
      if (forest.treeRoot[t] >= 0) {
        walkBlock(plan, t, rows, first * numFeatures, count, numFeatures)
        leafShares(plan, t, count, out, outBase, rowWidth, rows, first * numFeatures, numFeatures)
      }
      if (++klass === width) klass = 0
    }
  }
}

/**
 * Tree t over `count` rows, node by node: each node passes its children, per row, the set
 * of the leaf's path features on which the row has left the path (masks[slot * ROW_BLOCK + r]).
 */
function walkBlock(
  plan: ShapPlan,
  t: number,
  rows: Float64Array,
  rowBase: number,
  count: number,
  numFeatures: number,
): void {
  const forest = plan.forest
  const { posNode, posFeature, posThreshold, posKind, posBit, posLeft, posRight, masks } = plan
  const first = forest.treeNodeOffset[t]
  const end = forest.treeNodeOffset[t + 1]
  for (let r = 0; r < count; r++) masks[r] = 0
  for (let pos = first; pos < end; pos++) {
    const threshold = posThreshold[pos]
    const kind = posKind[pos]
    const bit = posBit[pos]
    const from = (pos - first) * ROW_BLOCK
    const leftTo = posLeft[pos] * ROW_BLOCK
    const rightTo = posRight[pos] * ROW_BLOCK
    let at = rowBase + posFeature[pos]
    if (kind <= NodeKind.LeftIfNotGreater) {
      // `+(x <= t)` compiles to no branch (a random row would mispredict one half the
      // time); kind 1 also sends NaN left.
      for (let r = 0; r < count; r++, at += numFeatures) {
        const x = rows[at]
        const left = +(x <= threshold) | (kind & +(x !== x))
        const m = masks[from + r]
        masks[leftTo + r] = m | (bit & (left - 1))
        masks[rightTo + r] = m | (bit & -left)
      }
    } else {
      const node = posNode[pos]
      for (let r = 0; r < count; r++, at += numFeatures) {
        const left = +forestGoesLeft(forest, node, rows[at])
        const m = masks[from + r]
        masks[leftTo + r] = m | (bit & (left - 1))
        masks[rightTo + r] = m | (bit & -left)
      }
    }
  }
}

/** Adds every leaf's shares of tree t for the block's rows. */
function leafShares(
  plan: ShapPlan,
  t: number,
  count: number,
  out: Float64Array,
  outBase: number,
  rowWidth: number,
  rows: Float64Array,
  rowBase: number,
  numFeatures: number,
): void {
  const forest = plan.forest
  const { elementStart, elementCount, elementFeature, sharePair, tableStart, table, masks } = plan
  const leafFirst = forest.treeLeafOffset[t]
  const leafEnd = forest.treeLeafOffset[t + 1]
  const nodes = forest.treeNodeOffset[t + 1] - forest.treeNodeOffset[t]
  for (let leaf = leafFirst; leaf < leafEnd; leaf++) {
    const from = (nodes + leaf - leafFirst) * ROW_BLOCK
    const base = plan.tablesBuilt ? tableStart[leaf] : -1
    if (base < 0) {
      for (let r = 0, o = outBase; r < count; r++, o += rowWidth) {
        polynomialShares(plan, leaf, masks[from + r], rows, rowBase + r * numFeatures, out, o)
      }
      continue
    }
    const start = elementStart[leaf]
    const end = start + elementCount[leaf]
    let j = start
    let b = 0
    // Two path features a pass over the rows (each row's mask read once for both).
    for (; j + 1 < end; j += 2, b += 2) {
      const bit = 1 << b
      const bit2 = bit << 1
      const pair = 2 * j
      const o2 = elementFeature[j + 1] - elementFeature[j]
      for (let r = 0, o = outBase + elementFeature[j]; r < count; r++, o += rowWidth) {
        const m = masks[from + r]
        out[o] += sharePair[pair + ((m >>> b) & 1)] * table[base + (m | bit)]
        out[o + o2] += sharePair[pair + 2 + ((m >>> (b + 1)) & 1)] * table[base + (m | bit2)]
      }
    }
    if (j < end) {
      const bit = 1 << b
      const pair = 2 * j
      for (let r = 0, o = outBase + elementFeature[j]; r < count; r++, o += rowWidth) {
        const m = masks[from + r]
        out[o] += sharePair[pair + ((m >>> b) & 1)] * table[base + (m | bit)]
      }
    }
  }
}

/** Adds one leaf's Shapley shares for one row from its polynomial (leaves without a table). */
function polynomialShares(
  plan: ShapPlan,
  leaf: number,
  coldMask: number,
  rows: Float64Array,
  rowBase: number,
  out: Float64Array,
  outBase: number,
): void {
  const start = plan.elementStart[leaf]
  const length = plan.elementCount[leaf]
  const { elementFeature, elementZero, cold, zeroBuffer, featureBuffer, polynomial, suffix, weights } = plan
  const value = plan.forest.leafValue[leaf]
  if (length <= plan.maskBits) {
    for (let j = 0; j < length; j++) cold[j] = (coldMask >>> j) & 1
  } else {
    // Past the mask: each node of the path decides again.
    const { ancestors, forest } = plan
    const at = plan.ancestorStart[leaf]
    for (let j = 0; j < length; j++) cold[j] = 0
    for (let a = at + 1; a < at + 1 + 3 * ancestors[at]; a += 3) {
      const node = ancestors[a]
      cold[ancestors[a + 1]] |=
        +forestGoesLeft(forest, node, rows[rowBase + forest.splitFeature[node]]) ^ ancestors[a + 2]
    }
  }

  // Split the path into hot and cold features without a branch (which a random row
  // would mispredict half the time): hot ones fill the buffers from the front, cold from the back.
  let hot = 0
  let coldCount = 0
  for (let j = 0; j < length; j++) {
    const isCold = cold[j]
    const at = isCold === 0 ? hot : length - 1 - coldCount
    zeroBuffer[at] = elementZero[start + j]
    featureBuffer[at] = elementFeature[start + j]
    hot += 1 - isCold
    coldCount += isCold
  }
  const weightBase = length * plan.stride

  // e_k over the hot zero fractions: coefficients of prod (1 + z t).
  polynomial[0] = 1
  for (let i = 0; i < hot; i++) {
    const z = zeroBuffer[i]
    polynomial[i + 1] = z * polynomial[i]
    for (let k = i; k >= 1; k--) polynomial[k] += z * polynomial[k - 1]
  }

  // Products of the cold zero fractions, leaving one out via prefix * suffix.
  // (cold features sit at hot .. length - 1 of the buffers)
  suffix[coldCount] = 1
  for (let i = coldCount - 1; i >= 0; i--) suffix[i] = suffix[i + 1] * zeroBuffer[hot + i]
  const coldProduct = suffix[0]

  if (coldCount > 0) {
    // A cold feature p leaves H whole: one weighted sum serves every cold p.
    let hotSum = 0
    for (let k = 0; k <= hot; k++) hotSum += weights[weightBase + hot - k] * polynomial[k]
    let prefix = 1
    for (let i = 0; i < coldCount; i++) {
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
