// The compiled kernel's helpers as source text, for code that runs apart from this
// library: the standalone modules of `leafwise compile` (aot.ts) and the worker threads
// of leafwise/node's parallel batches. They take the leaf tables as typed arrays named
// DATA_NAMES. (In this process the JIT calls the kernels' own functions instead.)

import type { Forest } from './forest.ts'

/** Names of the typed arrays the generated code reads (constants in AOT modules, shared arrays in workers). */
export const DATA_NAMES = [
  'leafValue',
  'catWords',
  'leafConst',
  'linearOffset',
  'linearFeature',
  'linearCoeff',
] as const

/** The Forest array behind each data name. */
export function dataOf(forest: Forest): Record<(typeof DATA_NAMES)[number], ArrayLike<number>> {
  return {
    leafValue: forest.leafValue,
    catWords: forest.catWords,
    leafConst: forest.leafConst,
    linearOffset: forest.linearOffset,
    linearFeature: forest.linearFeature,
    linearCoeff: forest.linearCoeff,
  }
}

// decision.ts slowGoesLeft (as zeroAware and categorical) and kernel.ts linearLeafValue.
export const PRELUDE = `const ZERO_THRESHOLD = 1.0000000180025095e-35
function zeroAware(x, threshold, kind) {
  if (x !== x) return (kind & 4) !== 0
  if (x <= ZERO_THRESHOLD && x >= -ZERO_THRESHOLD) return (kind & 8) !== 0
  return x <= threshold
}
function categorical(x, start, end) {
  if (!(x > -2147483649 && x < 2147483648)) return false
  const category = x | 0
  if (category < 0) return false
  const word = start + (category >>> 5)
  if (word >= end) return false
  return ((catWords[word] >>> (category & 31)) & 1) === 1
}
function linearLeaf(leaf, rows, base) {
  let output = leafConst[leaf]
  const end = linearOffset[leaf + 1]
  for (let k = linearOffset[leaf]; k < end; k++) {
    let x = rows[base + linearFeature[k]]
    if (x !== x) return leafValue[leaf]
    if (x <= ZERO_THRESHOLD && x >= -ZERO_THRESHOLD) x = 0
    output += linearCoeff[k] * x
  }
  return output
}
`
