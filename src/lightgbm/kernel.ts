// The portable prediction kernel: walks the flat forest for row-major float64 rows.
// Hot loops copy the arrays into locals, keep integers integers, and leave the rare
// node kinds (zero-aware numeric, categorical) and linear leaves to small helpers.
// Each output value is summed tree by tree in LightGBM's order (GBDT::PredictRaw), so
// raw scores are bit-identical.

import { kZeroThreshold, NodeKind, slowGoesLeft } from './decision.ts'
import { type Forest, TREE_LINEAR } from './forest.ts'
import { packedOf } from './packed.ts'

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

/** Rows walked together through one tree before moving to the next (cache reuse). */
const BLOCK_ROWS = 64

/**
 * Raw scores of `numRows` rows for trees [treeStart, treeEnd): `out[r * width + t % width]`
 * accumulates tree t's output, starting from 0. Rows go in blocks, each block tree by
 * tree, so a tree's nodes stay in cache across the block; every output still sums its
 * trees in order.
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
  const packed = packedOf(forest)
  const root = packed.root
  const f64 = packed.f64
  const i32 = packed.i32
  const catRange = packed.catRange
  const catWords = forest.catWords
  const treeFlags = forest.treeFlags
  for (let blockStart = 0; blockStart < numRows; blockStart += BLOCK_ROWS) {
    const blockEnd = Math.min(numRows, blockStart + BLOCK_ROWS)
    let klass = treeStart % width
    for (let t = treeStart; t < treeEnd; t++) {
      const start = root[t]
      const linear = (treeFlags[t] & TREE_LINEAR) !== 0
      for (let r = blockStart; r < blockEnd; r++) {
        const base = r * numFeatures
        const n = walk(start, rows, base, f64, i32, catRange, catWords)
        out[r * width + klass] += linear
          ? linearLeafValue(forest, ~i32[(n << 2) + 2], rows, base)
          : f64[n << 1]
      }
      if (++klass === width) klass = 0
    }
  }
}

/** Walks one tree from packed node `start` for the row at `base`; returns the packed leaf. */
function walk(
  start: number,
  rows: Float64Array,
  base: number,
  f64: Float64Array,
  i32: Int32Array,
  catRange: Int32Array,
  catWords: Uint32Array,
): number {
  let n = start
  let word = i32[(n << 2) + 2]
  while (word >= 0) {
    const x = rows[base + (word >> 4)]
    const kind = word & 15
    if (kind === 0) n = x <= f64[n << 1] ? n + 1 : i32[(n << 2) + 3]
    else if (kind === 1) n = x > f64[n << 1] ? i32[(n << 2) + 3] : n + 1
    else n = slowStep(n, kind, x, f64, i32, catRange, catWords)
    word = i32[(n << 2) + 2]
  }
  return n
}

/** One step from a slow node (zero-aware numeric or categorical): the next packed node. */
function slowStep(
  n: number,
  kind: number,
  x: number,
  f64: Float64Array,
  i32: Int32Array,
  catRange: Int32Array,
  catWords: Uint32Array,
): number {
  let left: boolean
  if ((kind & 3) === NodeKind.Categorical) {
    const k = f64[n << 1] * 2
    left = slowGoesLeft(kind, x, 0, catWords, catRange[k], catRange[k + 1])
  } else {
    left = slowGoesLeft(kind, x, f64[n << 1], catWords, 0, 0)
  }
  return left ? n + 1 : i32[(n << 2) + 3]
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
  const packed = packedOf(forest)
  const root = packed.root
  const f64 = packed.f64
  const i32 = packed.i32
  const catRange = packed.catRange
  const catWords = forest.catWords
  for (let blockStart = 0; blockStart < numRows; blockStart += BLOCK_ROWS) {
    const blockEnd = Math.min(numRows, blockStart + BLOCK_ROWS)
    for (let t = treeStart; t < treeEnd; t++) {
      const start = root[t]
      const leafOffset = treeLeafOffset[t]
      for (let r = blockStart; r < blockEnd; r++) {
        const base = r * numFeatures
        const n = walk(start, rows, base, f64, i32, catRange, catWords)
        out[r * perRow + t - treeStart] = ~i32[(n << 2) + 2] - leafOffset
      }
    }
  }
}
