// The kernel's node layout, built once per forest on first use: every tree laid out in
// preorder, leaves included, 16 bytes a node in one buffer, so a walk reads one cache
// line for a node and the left child is always the next node:
//   f64 [2n]     threshold (internal), leaf value (leaf), bitset index (categorical)
//   i32 [4n + 2] node word (internal, below), or 0 (leaf)
//   i32 [4n + 3] the right child's packed index (internal), or n itself (leaf)
// Node word: bit 0 set (internal), bit 1 set for the slow kinds, bits 2-5 the node kind
// byte of a slow node, bits 6 and up the offset of its input in a doubled row (below).
// A leaf's word and right child make a step from it go nowhere: the kernel walks several
// rows through a tree in step until all are at leaves, with no branch on the comparison.
//
// Plain nodes (decision.ts `plainComparison`: the two comparison kinds, and the zero-aware
// nodes equal to one) read a doubled row: input 2f with NaN made +Infinity, input 2f + 1
// with NaN made -Infinity. A node whose NaN goes right reads 2f, one whose NaN goes left
// 2f + 1, so `x > threshold` alone decides (for thresholds below +Infinity). The one-row
// walk over the caller's rows (slow kinds, linear leaves) reads feature `offset >> 1` and
// bit 0 of the offset as "NaN goes left". Categorical nodes keep their bitset range in `catRange`
// (pairs), indexed by the f64 slot.

import { NodeKind, plainComparison } from './decision.ts'
import { PredictionError } from './errors.ts'
import type { Forest } from './forest.ts'

export interface PackedForest {
  /** Per tree: packed index of its root. */
  root: Int32Array
  /** Per tree: 1 if every node is plain and decided by `x > threshold` on doubled rows. */
  plain: Uint8Array
  /** Node thresholds / leaf values (stride 2 over the shared buffer). */
  f64: Float64Array
  /** Node words (stride 4 over the shared buffer). */
  i32: Int32Array
  /** Per packed node: the global leaf of a leaf (other nodes: 0). */
  leaf: Int32Array
  /** Categorical bitset ranges: [catStart, catEnd) of split k at 2k, 2k+1. */
  catRange: Int32Array
}

/** Node word bits. */
const INTERNAL = 1
const SLOW = 2
const KIND_SHIFT = 2
const OFFSET_SHIFT = 6
/** Features beyond this cannot be packed (the offset field has 25 bits). */
const MAX_FEATURES = 1 << 24

const packedForests = new WeakMap<Forest, PackedForest>()

/** Has the packed layout of `forest` been built (so the portable kernel no longer pays for it)? */
export function hasPacked(forest: Forest): boolean {
  return packedForests.has(forest)
}

/** The packed layout of `forest`, built on first use and cached. */
export function packedOf(forest: Forest): PackedForest {
  let packed = packedForests.get(forest)
  if (!packed) {
    packed = packForest(forest)
    packedForests.set(forest, packed)
  }
  return packed
}

function packForest(forest: Forest): PackedForest {
  const total = forest.splitFeature.length + forest.leafValue.length
  const buffer = new ArrayBuffer(total * 16)
  const f64 = new Float64Array(buffer)
  const i32 = new Int32Array(buffer)
  const leaf = new Int32Array(total)
  const root = new Int32Array(forest.numTrees)
  const plain = new Uint8Array(forest.numTrees)
  let categorical = 0
  for (let n = 0; n < forest.nodeKind.length; n++)
    if (forest.nodeKind[n] === NodeKind.Categorical) categorical++
  const catRange = new Int32Array(categorical * 2)
  let nextCat = 0
  // Preorder with an explicit task stack: "visit a source node" or "the right child of
  // packed slot s starts here" (pushed between the two subtrees).
  const taskKind: number[] = []
  const taskValue: number[] = []
  let next = 0
  for (let t = 0; t < forest.numTrees; t++) {
    root[t] = next
    let allPlain = 1
    taskKind.push(0)
    taskValue.push(forest.treeRoot[t])
    while (taskKind.length > 0) {
      const kindOfTask = taskKind.pop() as number
      const value = taskValue.pop() as number
      if (kindOfTask === 1) {
        i32[value * 4 + 3] = next
        continue
      }
      const slot = next++
      if (value < 0) {
        f64[slot * 2] = forest.leafValue[~value]
        i32[slot * 4 + 3] = slot
        leaf[slot] = ~value
        continue
      }
      const feature = forest.splitFeature[value]
      if (feature >= MAX_FEATURES) throw new PredictionError(`tree ${t}: feature ${feature} is beyond 2^24`)
      const kind = forest.nodeKind[value]
      const comparison = plainComparison(kind, forest.threshold[value])
      if (comparison) {
        // `x > threshold` with NaN made +Infinity sends NaN right only below +Infinity.
        if (!comparison[0] && !(comparison[1] < Infinity)) allPlain = 0
        f64[slot * 2] = comparison[1]
        i32[slot * 4 + 2] = (((feature << 1) | (comparison[0] ? 1 : 0)) << OFFSET_SHIFT) | INTERNAL
      } else {
        allPlain = 0
        i32[slot * 4 + 2] = ((feature << 1) << OFFSET_SHIFT) | (kind << KIND_SHIFT) | SLOW | INTERNAL
        if (kind === NodeKind.Categorical) {
          catRange[nextCat * 2] = forest.catStart[value]
          catRange[nextCat * 2 + 1] = forest.catEnd[value]
          f64[slot * 2] = nextCat++
        } else {
          f64[slot * 2] = forest.threshold[value]
        }
      }
      taskKind.push(0, 1, 0)
      taskValue.push(forest.rightChild[value], slot, forest.leftChild[value])
    }
    plain[t] = allPlain
  }
  return { root, plain, f64, i32, leaf, catRange }
}
