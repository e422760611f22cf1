// The portable prediction kernel: walks the flat forest for row-major float64 rows.
// Hot loops copy the arrays into locals, keep integers integers, and leave the rare
// node kinds (zero-aware numeric, categorical) and linear leaves to small helpers.
// Each output value is summed tree by tree in LightGBM's order (GBDT::PredictRaw), so
// raw scores are bit-identical.

import { kZeroThreshold, slowGoesLeft } from './decision.ts'
import { type Forest, TREE_LINEAR } from './forest.ts'

/** The global leaf that row `base` reaches in tree `tree`. */
export function leafOf(forest: Forest, tree: number, rows: Float64Array, base: number): number {
  let node = forest.treeRoot[tree]
  const splitFeature = forest.splitFeature
  const threshold = forest.threshold
  const nodeKind = forest.nodeKind
  const leftChild = forest.leftChild
  const rightChild = forest.rightChild
  while (node >= 0) {
    const x = rows[base + splitFeature[node]]
    const kind = nodeKind[node]
    if (kind === 0) {
      node = x <= threshold[node] ? leftChild[node] : rightChild[node]
    } else if (kind === 1) {
      node = x > threshold[node] ? rightChild[node] : leftChild[node]
    } else {
      node = slowGoesLeft(
        kind,
        x,
        threshold[node],
        forest.catWords,
        forest.catStart[node],
        forest.catEnd[node],
      )
        ? leftChild[node]
        : rightChild[node]
    }
  }
  return ~node
}

/**
 * Tree::Predict for a linear tree's leaf: leaf_const + sum of coeff * x in file order;
 * a NaN among the leaf's features gives the plain leaf value. Inputs with
 * |x| <= kZeroThreshold are 0.0, as the C API passes them.
 */
export function linearLeafValue(forest: Forest, leaf: number, rows: Float64Array, base: number): number {
  let output = forest.leafConst[leaf]
  const end = forest.linearOffset[leaf + 1]
  for (let k = forest.linearOffset[leaf]; k < end; k++) {
    let x = rows[base + forest.linearFeature[k]]
    if (x !== x) return forest.leafValue[leaf]
    if (x <= kZeroThreshold && x >= -kZeroThreshold) x = 0
    output += forest.linearCoeff[k] * x
  }
  return output
}

/**
 * Raw scores of `numRows` rows for trees [treeStart, treeEnd): `out[r * width + t % width]`
 * accumulates tree t's output, starting from 0.
 */
export function predictRawKernel(
  forest: Forest,
  rows: Float64Array,
  numRows: number,
  numFeatures: number,
  width: number,
  treeStart: number,
  treeEnd: number,
  out: Float64Array,
): void {
  out.fill(0, 0, numRows * width)
  const treeRoot = forest.treeRoot
  const treeFlags = forest.treeFlags
  const splitFeature = forest.splitFeature
  const threshold = forest.threshold
  const nodeKind = forest.nodeKind
  const leftChild = forest.leftChild
  const rightChild = forest.rightChild
  const leafValue = forest.leafValue
  const catWords = forest.catWords
  const catStart = forest.catStart
  const catEnd = forest.catEnd
  for (let r = 0; r < numRows; r++) {
    const base = r * numFeatures
    const outBase = r * width
    let klass = treeStart % width
    for (let t = treeStart; t < treeEnd; t++) {
      let node = treeRoot[t]
      while (node >= 0) {
        const x = rows[base + splitFeature[node]]
        const kind = nodeKind[node]
        if (kind === 0) {
          node = x <= threshold[node] ? leftChild[node] : rightChild[node]
        } else if (kind === 1) {
          node = x > threshold[node] ? rightChild[node] : leftChild[node]
        } else {
          node = slowGoesLeft(kind, x, threshold[node], catWords, catStart[node], catEnd[node])
            ? leftChild[node]
            : rightChild[node]
        }
      }
      const leaf = ~node
      out[outBase + klass] +=
        (treeFlags[t] & TREE_LINEAR) === 0 ? leafValue[leaf] : linearLeafValue(forest, leaf, rows, base)
      if (++klass === width) klass = 0
    }
  }
}

/** Leaf indices (0-based within each tree) of `numRows` rows for trees [treeStart, treeEnd). */
export function predictLeafKernel(
  forest: Forest,
  rows: Float64Array,
  numRows: number,
  numFeatures: number,
  treeStart: number,
  treeEnd: number,
  out: Int32Array,
): void {
  const perRow = treeEnd - treeStart
  const treeLeafOffset = forest.treeLeafOffset
  for (let r = 0; r < numRows; r++) {
    const base = r * numFeatures
    const outBase = r * perRow
    for (let t = treeStart; t < treeEnd; t++) {
      out[outBase + t - treeStart] = leafOf(forest, t, rows, base) - treeLeafOffset[t]
    }
  }
}
