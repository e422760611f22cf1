// The kernel's node layout, built once per forest on first use: every tree laid out in
// preorder, leaves included, 16 bytes a node in one buffer, so a walk reads one cache
// line for a node and the left child is always the next node:
//   f64 [2n]     threshold (internal), leaf value (leaf), bitset index (categorical)
//   i32 [4n + 2] feature << 4 | node kind byte (internal), or ~leaf (global leaf, < 0)
//   i32 [4n + 3] the right child's packed index (internal)
// Categorical nodes keep their bitset range in `catRange` (pairs), indexed by the f64 slot.

import { NodeKind } from './decision.ts'
import type { Forest } from './forest.ts'

export interface PackedForest {
  /** Per tree: packed index of its root. */
  root: Int32Array
  /** Node thresholds / leaf values (stride 2 over the shared buffer). */
  f64: Float64Array
  /** Node words (stride 4 over the shared buffer). */
  i32: Int32Array
  /** Categorical bitset ranges: [catStart, catEnd) of split k at 2k, 2k+1. */
  catRange: Int32Array
}

const packedForests = new WeakMap<Forest, PackedForest>()

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
  const root = new Int32Array(forest.numTrees)
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
        i32[slot * 4 + 2] = value
        continue
      }
      const kind = forest.nodeKind[value]
      i32[slot * 4 + 2] = (forest.splitFeature[value] << 4) | kind
      if (kind === NodeKind.Categorical) {
        catRange[nextCat * 2] = forest.catStart[value]
        catRange[nextCat * 2 + 1] = forest.catEnd[value]
        f64[slot * 2] = nextCat++
      } else {
        f64[slot * 2] = forest.threshold[value]
      }
      taskKind.push(0, 1, 0)
      taskValue.push(forest.rightChild[value], slot, forest.leftChild[value])
    }
  }
  return { root, f64, i32, catRange }
}
