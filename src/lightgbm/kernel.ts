// The portable prediction kernel: walks the flat forest for row-major float64 rows.
// Trees of plain comparisons walk six rows in step without branching on a comparison
// (walkSix); the rare node kinds (categorical, zero-missing) and linear leaves take the
// one-row walk with small helpers. Hot loops copy the arrays into locals.
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

/**
 * Rows walked together through one tree before moving to the next: as many as fit in
 * BLOCK_BYTES of doubled rows (at least 64). A tree's nodes stay in L1 while it walks the
 * whole block, the block's rows stay in L2 across the trees, and each tree is fetched
 * once per block.
 */
const BLOCK_BYTES = 256 << 10

/** Rows per block for rows of `numFeatures` doubles. */
export function blockRowsFor(numFeatures: number): number {
  return Math.max(64, (BLOCK_BYTES / 16 / numFeatures) | 0)
}

/** The doubled rows of the current block (packed.ts), grown as needed and reused. */
let doubled = new Float64Array(0)

/**
 * Copies rows [from, to) into `doubled` as doubled rows: input 2f with NaN made
 * +Infinity, input 2f + 1 with NaN made -Infinity (packed.ts).
 */
function doubleRows(rows: Float64Array, numFeatures: number, from: number, to: number): Float64Array {
  const size = (to - from) * numFeatures * 2
  if (doubled.length < size) doubled = new Float64Array(size)
  const d = doubled
  const end = to * numFeatures
  for (let i = from * numFeatures, j = 0; i < end; i++, j += 2) {
    const x = rows[i]
    if (x === x) {
      d[j] = x
      d[j + 1] = x
    } else {
      d[j] = Infinity
      d[j + 1] = -Infinity
    }
  }
  return d
}

/**
 * Raw scores of `numRows` rows for trees [treeStart, treeEnd): `out[r * width + t % width]`
 * accumulates tree t's output, starting from 0. Rows go in blocks, each block tree by
 * tree, so a tree's nodes stay in cache across the block; every output still sums its
 * trees in order. Trees of plain nodes walk six rows at a time (walkSix); the others,
 * and the last rows of a block, walk one row at a time (walk).
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
  blockRows = blockRowsFor(numFeatures),
  /** Add to the sums already in `out` (of the trees before treeStart) instead of starting from 0. */
  accumulate = false,
): void {
  if (!accumulate) out.fill(0, 0, numRows * width)
  const packed = packedOf(forest)
  const root = packed.root
  const plain = packed.plain
  const f64 = packed.f64
  const i32 = packed.i32
  const catRange = packed.catRange
  const catWords = forest.catWords
  const leaf = packed.leaf
  const treeFlags = forest.treeFlags
  const stride = numFeatures * 2
  for (let blockStart = 0; blockStart < numRows; blockStart += blockRows) {
    const blockEnd = Math.min(numRows, blockStart + blockRows)
    // Rows [blockStart, sixEnd) walk six at a time through plain trees.
    const sixEnd = blockEnd - ((blockEnd - blockStart) % 6)
    const d = doubleRows(rows, numFeatures, blockStart, sixEnd)
    let klass = treeStart % width
    for (let t = treeStart; t < treeEnd; t++) {
      const start = root[t]
      const linear = (treeFlags[t] & TREE_LINEAR) !== 0
      let r = blockStart
      if (!linear && plain[t] === 1 && sixEnd > r) {
        walkSix(start, d, stride, r, sixEnd, f64, i32, out, width, klass)
        r = sixEnd
      }
      for (; r < blockEnd; r++) {
        const base = r * numFeatures
        const n = walk(start, rows, base, f64, i32, catRange, catWords)
        out[r * width + klass] += linear ? linearLeafValue(forest, leaf[n], rows, base) : f64[n << 1]
      }
      if (++klass === width) klass = 0
    }
  }
}

/**
 * Walks rows [from, to) (a multiple of 6, doubled rows of the block starting at row
 * `from`) through the plain tree at packed node `start`, six rows in step, adding each
 * leaf value to `out[r * width + klass]`. A step is branch-free: `x > threshold` picks the
 * right child or the next node, and a leaf steps to itself, so the six walks run until
 * all six are at leaves and their loads overlap instead of waiting for a mispredicted
 * branch each.
 */
function walkSix(
  start: number,
  d: Float64Array,
  stride: number,
  from: number,
  to: number,
  f64: Float64Array,
  i32: Int32Array,
  out: Float64Array,
  width: number,
  klass: number,
): void {
  const word = i32[(start << 2) + 2]
  // Word bits (packed.ts): 1 internal, offset from bit 6.
  for (let r = from, b0 = 0; r < to; r += 6, b0 += stride * 6) {
    const b1 = b0 + stride
    const b2 = b1 + stride
    const b3 = b2 + stride
    const b4 = b3 + stride
    const b5 = b4 + stride
    let n0 = start
    let n1 = start
    let n2 = start
    let n3 = start
    let n4 = start
    let n5 = start
    let w0 = word
    let w1 = word
    let w2 = word
    let w3 = word
    let w4 = word
    let w5 = word
    while (((w0 | w1 | w2 | w3 | w4 | w5) & 1) !== 0) {
      const g0 = +(d[b0 + (w0 >> 6)] > f64[n0 << 1])
      const g1 = +(d[b1 + (w1 >> 6)] > f64[n1 << 1])
      const g2 = +(d[b2 + (w2 >> 6)] > f64[n2 << 1])
      const g3 = +(d[b3 + (w3 >> 6)] > f64[n3 << 1])
      const g4 = +(d[b4 + (w4 >> 6)] > f64[n4 << 1])
      const g5 = +(d[b5 + (w5 >> 6)] > f64[n5 << 1])
      const l0 = n0 + (w0 & 1)
      const l1 = n1 + (w1 & 1)
      const l2 = n2 + (w2 & 1)
      const l3 = n3 + (w3 & 1)
      const l4 = n4 + (w4 & 1)
      const l5 = n5 + (w5 & 1)
      n0 = l0 ^ ((l0 ^ i32[(n0 << 2) + 3]) & -g0)
      n1 = l1 ^ ((l1 ^ i32[(n1 << 2) + 3]) & -g1)
      n2 = l2 ^ ((l2 ^ i32[(n2 << 2) + 3]) & -g2)
      n3 = l3 ^ ((l3 ^ i32[(n3 << 2) + 3]) & -g3)
      n4 = l4 ^ ((l4 ^ i32[(n4 << 2) + 3]) & -g4)
      n5 = l5 ^ ((l5 ^ i32[(n5 << 2) + 3]) & -g5)
      w0 = i32[(n0 << 2) + 2]
      w1 = i32[(n1 << 2) + 2]
      w2 = i32[(n2 << 2) + 2]
      w3 = i32[(n3 << 2) + 2]
      w4 = i32[(n4 << 2) + 2]
      w5 = i32[(n5 << 2) + 2]
    }
    const o = r * width + klass
    out[o] += f64[n0 << 1]
    out[o + width] += f64[n1 << 1]
    out[o + 2 * width] += f64[n2 << 1]
    out[o + 3 * width] += f64[n3 << 1]
    out[o + 4 * width] += f64[n4 << 1]
    out[o + 5 * width] += f64[n5 << 1]
  }
}

/**
 * Walks one tree from packed node `start` for the (plain, not doubled) row at `base`;
 * returns the packed leaf. Plain nodes share one comparison (`x <= t` goes left whatever
 * the NaN side) and read the NaN side only when that comparison fails and `x > t` fails
 * too: a node costs one unpredictable branch, not two.
 */
export function walk(
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
  // Word bits (packed.ts): 1 internal, 2 slow, kind byte from bit 2, offset from bit 6
  // (feature from bit 7, bit 6 "NaN goes left").
  while ((word & 1) !== 0) {
    const x = rows[base + (word >> 7)]
    const t = f64[n << 1]
    if ((word & 2) !== 0) n = slowStep(n, (word >> 2) & 15, x, f64, i32, catRange, catWords)
    else if (x <= t) n = n + 1
    else if (x > t || (word & 64) === 0) n = i32[(n << 2) + 3]
    else n = n + 1 // NaN at a node whose NaN goes left
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
  blockRows = blockRowsFor(numFeatures),
): void {
  const perRow = treeEnd - treeStart
  const treeLeafOffset = forest.treeLeafOffset
  const packed = packedOf(forest)
  const root = packed.root
  const f64 = packed.f64
  const i32 = packed.i32
  const catRange = packed.catRange
  const catWords = forest.catWords
  const leaf = packed.leaf
  for (let blockStart = 0; blockStart < numRows; blockStart += blockRows) {
    const blockEnd = Math.min(numRows, blockStart + blockRows)
    for (let t = treeStart; t < treeEnd; t++) {
      const start = root[t]
      const leafOffset = treeLeafOffset[t]
      for (let r = blockStart; r < blockEnd; r++) {
        const base = r * numFeatures
        const n = walk(start, rows, base, f64, i32, catRange, catWords)
        out[r * perRow + t - treeStart] = leaf[n] - leafOffset
      }
    }
  }
}
