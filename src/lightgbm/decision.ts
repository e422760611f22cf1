// The one module that knows LightGBM's decision_type bits (include/LightGBM/tree.h:
// kCategoricalMask = 1, kDefaultLeftMask = 2, missing type in bits 2-3: 0 None,
// 1 Zero, 2 NaN). The bits are decoded once, at load, into a node kind the kernel
// switches on.

import type { Forest } from './forest.ts'

/** kZeroThreshold of LightGBM (1e-35f), as the double it widens to. */
export const kZeroThreshold = 1.0000000180025095e-35

export const CATEGORICAL_MASK = 1
export const DEFAULT_LEFT_MASK = 2

export const MissingType = { None: 0, Zero: 1, NaN: 2 } as const

/**
 * Node kinds. The C API turns every input with |x| <= kZeroThreshold into 0.0 and
 * NumericalDecision then sends NaN and (for missing type Zero) zero to fixed sides.
 * For most nodes those sides agree with a plain comparison, so two cheap kinds cover
 * them; the rest take the exact slow path.
 */
export const NodeKind = {
  /** left iff x <= threshold; NaN and tiny inputs go where that comparison sends them. */
  LeftIfLessEqual: 0,
  /** left iff !(x > threshold): as above but NaN goes left. */
  LeftIfNotGreater: 1,
  /** NaN and |x| <= kZeroThreshold go to fixed sides (flags below), others compare. */
  ZeroAware: 2,
  /** categorical bitset split. */
  Categorical: 3,
} as const

/** Flag bits stored above the kind (bits 0-1) of a ZeroAware node. */
export const NAN_LEFT = 4
export const ZERO_LEFT = 8

/** Is `decisionType` a value LightGBM can write? (bits above 3 unused; missing type 3 undefined) */
export function isValidDecisionType(decisionType: number): boolean {
  return decisionType >= 0 && decisionType <= 15 && decisionType >> 2 !== 3
}

/** Decodes one split's decision_type and threshold into the kernel's node kind byte. */
export function decodeNodeKind(decisionType: number, threshold: number): number {
  if (decisionType & CATEGORICAL_MASK) return NodeKind.Categorical
  const missingType = (decisionType >> 2) & 3
  const defaultLeft = (decisionType & DEFAULT_LEFT_MASK) !== 0
  // Tree::NumericalDecision: NaN becomes 0.0 unless the missing type is NaN; then
  // (Zero and IsZero(x)) or (NaN and isnan(x)) take the default side.
  const zeroGoesLeft = missingType === MissingType.Zero ? defaultLeft : 0 <= threshold
  const nanGoesLeft = missingType === MissingType.None ? 0 <= threshold : defaultLeft
  // Would a plain comparison send every |x| <= kZeroThreshold where 0.0 goes?
  const tinyAgrees = threshold >= kZeroThreshold || threshold < -kZeroThreshold
  if (missingType !== MissingType.Zero && tinyAgrees) {
    return nanGoesLeft ? NodeKind.LeftIfNotGreater : NodeKind.LeftIfLessEqual
  }
  return NodeKind.ZeroAware | (nanGoesLeft ? NAN_LEFT : 0) | (zeroGoesLeft ? ZERO_LEFT : 0)
}

/**
 * Exact decision for the slow kinds (ZeroAware, Categorical): true = left.
 * `catWords[catStart..catEnd)` is the split's bitset (categorical only).
 */
export function slowGoesLeft(
  kind: number,
  x: number,
  threshold: number,
  catWords: Uint32Array,
  catStart: number,
  catEnd: number,
): boolean {
  if ((kind & 3) === NodeKind.Categorical) {
    // Tree::CategoricalDecision: NaN goes right; (int)x truncates toward zero and any
    // x outside int32 becomes INT_MIN on x86-64 (negative, so right); negative goes right.
    if (!(x > -2147483649 && x < 2147483648)) return false
    const category = x | 0
    if (category < 0) return false
    const word = catStart + (category >>> 5)
    if (word >= catEnd) return false
    return ((catWords[word] >>> (category & 31)) & 1) === 1
  }
  if (x !== x) return (kind & NAN_LEFT) !== 0
  if (x <= kZeroThreshold && x >= -kZeroThreshold) return (kind & ZERO_LEFT) !== 0
  return x <= threshold
}

/** The largest double below -kZeroThreshold. */
const BELOW_MINUS_ZERO_THRESHOLD = -1.0000000180025096e-35

/**
 * A plain comparison equal to node kind `kind` with threshold `threshold` on every input:
 * `[nanLeft, t]` meaning "left iff x <= t, NaN left iff nanLeft", or undefined where none
 * exists (categorical; zero-aware where the inputs sent to the zero side do not border
 * the comparison's side). Most zero-aware nodes come from thresholds within
 * kZeroThreshold of 0 (LightGBM puts a split between a feature's zeros and its other
 * values there), whose zero side does border it.
 */
export function plainComparison(kind: number, threshold: number): [boolean, number] | undefined {
  if (kind === NodeKind.LeftIfLessEqual) return [false, threshold]
  if (kind === NodeKind.LeftIfNotGreater) return [true, threshold]
  if ((kind & 3) !== NodeKind.ZeroAware) return undefined
  const nanLeft = (kind & NAN_LEFT) !== 0
  if ((kind & ZERO_LEFT) !== 0) {
    // Left: x <= threshold, and |x| <= kZeroThreshold: one half-line iff they touch.
    if (!(threshold >= -kZeroThreshold)) return undefined
    return [nanLeft, Math.max(threshold, kZeroThreshold)]
  }
  // Left: x <= threshold but not |x| <= kZeroThreshold.
  if (threshold < -kZeroThreshold) return [nanLeft, threshold]
  if (threshold <= kZeroThreshold) return [nanLeft, BELOW_MINUS_ZERO_THRESHOLD]
  return undefined
}

/** Tree::Decision for internal node `node` of the forest's own arrays: true = left. */
export function forestGoesLeft(forest: Forest, node: number, x: number): boolean {
  const kind = forest.nodeKind[node]
  if (kind === NodeKind.LeftIfLessEqual) return x <= forest.threshold[node]
  if (kind === NodeKind.LeftIfNotGreater) return !(x > forest.threshold[node])
  return slowGoesLeft(
    kind,
    x,
    forest.threshold[node],
    forest.catWords,
    forest.catStart[node],
    forest.catEnd[node],
  )
}
