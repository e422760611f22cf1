// TreeSHAP contributions in exactly LightGBM's order of operations (src/io/tree.cpp:
// Tree::TreeSHAP, ExtendPath, UnwindPath, UnwoundPathSum, ExpectedValue; tree.h:
// Tree::PredictContrib; gbdt.cpp: GBDT::PredictContrib), so every value is the same
// double LightGBM computes. src/lightgbm/shap.ts holds the production kernel; this one is
// the test reference: every value it gives must be the very double LightGBM wrote
// (test/lightgbm/shap.test.ts), and it shares shap.ts's loop over rows and trees.
//
// Row-independent values are computed once per forest: each tree's expected value, each
// node's zero fractions (child count / node count), the path buffers (sized by the
// deepest tree) and the (d - i) / (d + 1) ratios that UnwoundPathSum divides by.

import { forestGoesLeft } from '../../src/lightgbm/decision.ts'
import type { Forest } from '../../src/lightgbm/index.ts'
import { contribLoop, treeExpectedValues } from '../../src/lightgbm/shap.ts'

/** Row-independent tables and reusable buffers for one forest. */
class ShapWorkspace {
  /** Per tree: Tree::ExpectedValue(). */
  readonly expectedValue: Float64Array
  /** Per internal node: data_count(left) / data_count(node), data_count(right) / data_count(node). */
  readonly leftZeroFraction: Float64Array
  readonly rightZeroFraction: Float64Array
  /** Longest path in elements (max depth + 1); ratio rows are this long. */
  readonly maxPathLength: number
  /** ratio[d * maxPathLength + i] = (d - i) / (d + 1), as UnwoundPathSum computes it. */
  readonly ratio: Float64Array
  /** The unique paths of the recursion, LightGBM's triangular PathElement array as columns. */
  readonly pathFeature: Int32Array
  readonly pathZero: Float64Array
  readonly pathOne: Float64Array
  readonly pathWeight: Float64Array

  // Per call: the row and the output block being filled (set before each tree).
  forest: Forest
  rows: Float64Array = new Float64Array(0)
  rowBase = 0
  out: Float64Array = new Float64Array(0)
  outBase = 0

  constructor(forest: Forest) {
    this.forest = forest
    const numTrees = forest.numTrees
    const nodeCount = forest.splitFeature.length
    const { internalCount, leafCount, leftChild, rightChild } = forest

    this.expectedValue = treeExpectedValues(forest)

    this.leftZeroFraction = new Float64Array(nodeCount)
    this.rightZeroFraction = new Float64Array(nodeCount)
    for (let node = 0; node < nodeCount; node++) {
      const w = internalCount[node]
      const left = leftChild[node]
      const right = rightChild[node]
      this.leftZeroFraction[node] = (left >= 0 ? internalCount[left] : leafCount[~left]) / w
      this.rightZeroFraction[node] = (right >= 0 ? internalCount[right] : leafCount[~right]) / w
    }

    let maxDepth = 0
    for (let t = 0; t < numTrees; t++) if (forest.treeDepth[t] > maxDepth) maxDepth = forest.treeDepth[t]
    const length = maxDepth + 1
    this.maxPathLength = length
    this.ratio = new Float64Array(length * length)
    for (let d = 0; d < length; d++) {
      for (let i = 0; i < d; i++) this.ratio[d * length + i] = (d - i) / (d + 1)
    }
    // Tree::PredictContrib: max_path_len * (max_path_len + 1) / 2 elements.
    const size = (length * (length + 1)) / 2
    this.pathFeature = new Int32Array(size)
    this.pathZero = new Float64Array(size)
    this.pathOne = new Float64Array(size)
    this.pathWeight = new Float64Array(size)
  }
}

const workspaces = new WeakMap<Forest, ShapWorkspace>()

function workspaceOf(forest: Forest): ShapWorkspace {
  let workspace = workspaces.get(forest)
  if (workspace === undefined) {
    workspace = new ShapWorkspace(forest)
    workspaces.set(forest, workspace)
  }
  return workspace
}

/**
 * SHAP contributions with LightGBM's own arithmetic, each value the same double LightGBM
 * computes; slower than `predictContribKernel` (shap.ts), same layout (see contribLoop).
 */
export function predictContribExactKernel(
  forest: Forest,
  rows: Float64Array,
  numRows: number,
  numFeatures: number,
  width: number,
  treeStart: number,
  treeEnd: number,
  out: Float64Array,
): void {
  contribLoop(forest, workspaceOf, visitExact, rows, numRows, numFeatures, width, treeStart, treeEnd, out)
}

const visitExact = (ws: ShapWorkspace, root: number) => treeShap(ws, root, 0, 0, 1, 1, -1)

/**
 * Tree::TreeSHAP for one node. The unique path of this call starts at `parentOffset +
 * uniqueDepth` in the path columns; the parent's path (uniqueDepth elements) is copied
 * there, then extended with the parent's split.
 */
function treeShap(
  ws: ShapWorkspace,
  node: number,
  depth: number,
  parentOffset: number,
  parentZeroFraction: number,
  parentOneFraction: number,
  parentFeature: number,
): void {
  const pathFeature = ws.pathFeature
  const pathZero = ws.pathZero
  const pathOne = ws.pathOne
  const pathWeight = ws.pathWeight
  const offset = parentOffset + depth
  let uniqueDepth = depth

  // Copy the parent's path.
  for (let i = 0; i < uniqueDepth; i++) {
    pathFeature[offset + i] = pathFeature[parentOffset + i]
    pathZero[offset + i] = pathZero[parentOffset + i]
    pathOne[offset + i] = pathOne[parentOffset + i]
    pathWeight[offset + i] = pathWeight[parentOffset + i]
  }

  // ExtendPath.
  pathFeature[offset + uniqueDepth] = parentFeature
  pathZero[offset + uniqueDepth] = parentZeroFraction
  pathOne[offset + uniqueDepth] = parentOneFraction
  pathWeight[offset + uniqueDepth] = uniqueDepth === 0 ? 1 : 0
  const extendDenominator = uniqueDepth + 1
  for (let i = uniqueDepth - 1; i >= 0; i--) {
    const weight = pathWeight[offset + i]
    pathWeight[offset + i + 1] += (parentOneFraction * weight * (i + 1)) / extendDenominator
    pathWeight[offset + i] = (parentZeroFraction * weight * (uniqueDepth - i)) / extendDenominator
  }

  if (node < 0) {
    leafContributions(ws, ~node, offset, uniqueDepth)
    return
  }

  // Internal node: the hot child is where the row goes (Tree::Decision).
  const forest = ws.forest
  const feature = forest.splitFeature[node]
  const x = ws.rows[ws.rowBase + feature]
  const goesLeft = forestGoesLeft(forest, node, x)
  const hotIndex = goesLeft ? forest.leftChild[node] : forest.rightChild[node]
  const coldIndex = goesLeft ? forest.rightChild[node] : forest.leftChild[node]
  const hotZeroFraction = goesLeft ? ws.leftZeroFraction[node] : ws.rightZeroFraction[node]
  const coldZeroFraction = goesLeft ? ws.rightZeroFraction[node] : ws.leftZeroFraction[node]
  let incomingZeroFraction = 1
  let incomingOneFraction = 1

  // A feature already on the path: undo that split so it can be redone here.
  let pathIndex = 0
  for (; pathIndex <= uniqueDepth; pathIndex++) {
    if (pathFeature[offset + pathIndex] === feature) break
  }
  if (pathIndex !== uniqueDepth + 1) {
    incomingZeroFraction = pathZero[offset + pathIndex]
    incomingOneFraction = pathOne[offset + pathIndex]
    unwindPath(ws, offset, uniqueDepth, pathIndex)
    uniqueDepth -= 1
  }

  treeShap(
    ws,
    hotIndex,
    uniqueDepth + 1,
    offset,
    hotZeroFraction * incomingZeroFraction,
    incomingOneFraction,
    feature,
  )
  treeShap(ws, coldIndex, uniqueDepth + 1, offset, coldZeroFraction * incomingZeroFraction, 0, feature)
}

/** Tree::UnwindPath: removes element `pathIndex` from the path at `offset`. */
function unwindPath(ws: ShapWorkspace, offset: number, uniqueDepth: number, pathIndex: number): void {
  const pathFeature = ws.pathFeature
  const pathZero = ws.pathZero
  const pathOne = ws.pathOne
  const pathWeight = ws.pathWeight
  const oneFraction = pathOne[offset + pathIndex]
  const zeroFraction = pathZero[offset + pathIndex]
  let nextOnePortion = pathWeight[offset + uniqueDepth]
  const denominator = uniqueDepth + 1
  for (let i = uniqueDepth - 1; i >= 0; i--) {
    if (oneFraction !== 0) {
      const previous = pathWeight[offset + i]
      const weight = (nextOnePortion * denominator) / ((i + 1) * oneFraction)
      pathWeight[offset + i] = weight
      nextOnePortion = previous - (weight * zeroFraction * (uniqueDepth - i)) / denominator
    } else {
      pathWeight[offset + i] = (pathWeight[offset + i] * denominator) / (zeroFraction * (uniqueDepth - i))
    }
  }
  for (let i = pathIndex; i < uniqueDepth; i++) {
    pathFeature[offset + i] = pathFeature[offset + i + 1]
    pathZero[offset + i] = pathZero[offset + i + 1]
    pathOne[offset + i] = pathOne[offset + i + 1]
  }
}

/** The leaf case of Tree::TreeSHAP: each path element's UnwoundPathSum times its share of the leaf value. */
function leafContributions(ws: ShapWorkspace, leaf: number, offset: number, uniqueDepth: number): void {
  const pathFeature = ws.pathFeature
  const pathZero = ws.pathZero
  const pathOne = ws.pathOne
  const pathWeight = ws.pathWeight
  const ratio = ws.ratio
  const ratioBase = uniqueDepth * ws.maxPathLength
  const denominator = uniqueDepth + 1
  const value = ws.forest.leafValue[leaf]
  const out = ws.out
  const outBase = ws.outBase
  const lastWeight = pathWeight[offset + uniqueDepth]
  for (let p = 1; p <= uniqueDepth; p++) {
    // UnwoundPathSum(unique_path, unique_depth, p).
    const oneFraction = pathOne[offset + p]
    const zeroFraction = pathZero[offset + p]
    let total = 0
    if (oneFraction !== 0) {
      let nextOnePortion = lastWeight
      for (let i = uniqueDepth - 1; i >= 0; i--) {
        const tmp = (nextOnePortion * denominator) / ((i + 1) * oneFraction)
        total += tmp
        nextOnePortion = pathWeight[offset + i] - tmp * zeroFraction * ratio[ratioBase + i]
      }
    } else {
      for (let i = uniqueDepth - 1; i >= 0; i--) {
        total += pathWeight[offset + i] / zeroFraction / ratio[ratioBase + i]
      }
    }
    out[outBase + pathFeature[offset + p]] += total * (oneFraction - zeroFraction) * value
  }
}
