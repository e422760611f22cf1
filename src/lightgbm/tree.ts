// Closing a tree block: its scratch arrays (tree-lines.ts) are checked as LightGBM's
// Tree::Tree (src/io/tree.cpp) would, then appended to the forest with global node and
// leaf numbers. Errors carry their location (tree-lines.ts `at`) as values.

import type { ForestBuilder } from './builder.ts'
import { decodeNodeKind, isValidDecisionType, NodeKind } from './decision.ts'
import { fail } from './errors.ts'
import { TREE_CATEGORICAL, TREE_LINEAR, TREE_SLOW_NODES } from './forest.ts'
import type { ModelInfo } from './header.ts'
import { checkStructure } from './structure.ts'
import type { TreeScratch } from './tree-lines.ts'

/** Bytes of trees the header announces (tree_sizes) and bytes read so far: the size estimate. */
export interface TreeBytes {
  total: number
  seen: number
}

/** Validates the scratch tree and appends it to the forest. */
export function closeTree(
  tree: TreeScratch,
  b: ForestBuilder,
  info: ModelInfo,
  bytes: TreeBytes,
  atEndOfFile: boolean,
): void {
  const truncatedNote = atEndOfFile ? ' (the file ends inside this tree: truncated)' : ''
  if (tree.numLeaves < 0) fail(`the tree has no num_leaves line${truncatedNote}`, tree.atStart('num_leaves'))
  if (tree.numCat < 0) {
    if (tree.legacyKey) {
      fail(
        `the tree has '${tree.legacyKey}' and no num_cat: a LightGBM 2.0.x layout that LightGBM 4.x refuses ("Tree model should contain num_cat field"); re-save the model with LightGBM >= 2.1`,
        tree.at(tree.legacyKey),
      )
    }
    fail(`the tree has no num_cat line${truncatedNote}`, tree.atStart('num_cat'))
  }
  const numLeaves = tree.numLeaves
  const numNodes = numLeaves - 1
  requireLength(tree, 'split_feature', numNodes, true, truncatedNote)
  requireLength(tree, 'threshold', numNodes, true, truncatedNote)
  requireLength(tree, 'decision_type', numNodes, true, truncatedNote)
  requireLength(tree, 'left_child', numNodes, true, truncatedNote)
  requireLength(tree, 'right_child', numNodes, true, truncatedNote)
  requireLength(tree, 'leaf_value', numLeaves, true, truncatedNote)
  const hasLeafCount = requireLength(tree, 'leaf_count', numLeaves, false, truncatedNote)
  const hasInternalCount = requireLength(tree, 'internal_count', numNodes, false, truncatedNote)

  const nodeBase = b.splitFeature.length
  const leafBase = b.leafValue.length
  // Size estimate from tree_sizes (bytes per node so far), so big models size the
  // arrays once. 10% slack: capacity never written is not resident memory.
  let estimatedNodes = 0
  let estimatedLeaves = 0
  if (bytes.total > 0 && bytes.seen > 0) {
    const scale = (bytes.total / bytes.seen) * 1.1
    estimatedNodes = Math.ceil((nodeBase + numNodes) * scale)
    estimatedLeaves = Math.ceil((leafBase + numLeaves) * scale)
  }
  if (tree.numCat > 0) b.startCategorical(estimatedNodes)
  b.reserveFor(numNodes, numLeaves, estimatedNodes, estimatedLeaves)

  const catWordBase = tree.numCat > 0 ? appendCategorical(tree, b, truncatedNote) : 0
  let treeFlags = appendNodes(tree, b, info, nodeBase, catWordBase, hasInternalCount)

  // Structure: every node and leaf reached exactly once from the root, no cycle, no
  // index out of range. Then the kernel can never loop or read out of bounds.
  const left = tree.ints.get('left_child')!
  const right = tree.ints.get('right_child')!
  const depth = checkStructure(tree, left, right, numNodes, numLeaves)
  for (let i = 0; i < numNodes; i++) {
    const l = left[i]
    const r = right[i]
    b.leftChild.data[nodeBase + i] = l >= 0 ? nodeBase + l : ~(leafBase + ~l)
    b.rightChild.data[nodeBase + i] = r >= 0 ? nodeBase + r : ~(leafBase + ~r)
  }
  b.splitFeature.length += numNodes
  b.threshold.length += numNodes
  b.decisionType.length += numNodes
  b.nodeKind.length += numNodes
  b.internalCount.length += numNodes
  if (b.catRanges) {
    b.catStart.length += numNodes
    b.catEnd.length += numNodes
  }
  b.leftChild.length += numNodes
  b.rightChild.length += numNodes

  if (tree.isLinear === 1) b.startLinear()
  const leafValue = tree.doubles.get('leaf_value')!
  const leafCount = hasLeafCount ? tree.ints.get('leaf_count')! : undefined
  for (let i = 0; i < numLeaves; i++) {
    b.leafValue.data[leafBase + i] = leafValue[i]
    b.leafCount.data[leafBase + i] = leafCount ? leafCount[i] : 0
  }
  b.leafValue.length += numLeaves
  b.leafCount.length += numLeaves

  if (tree.isLinear === 1) {
    treeFlags |= TREE_LINEAR
    appendLinearLeaves(tree, b, info, truncatedNote)
  } else if (b.anyLinear) {
    b.linearOffset.ensure(numLeaves, b.leafValue.data.length)
    b.leafConst.ensure(numLeaves, b.leafValue.data.length)
    for (let i = 0; i < numLeaves; i++) {
      b.linearOffset.data[b.linearOffset.length++] = b.linearFeature.length
      b.leafConst.data[b.leafConst.length++] = 0
    }
  }

  b.treeRoot.ensure(1, 0)
  b.treeRoot.data[b.treeRoot.length++] = numNodes > 0 ? nodeBase : ~leafBase
  b.treeNodeOffset.ensure(1, 0)
  b.treeNodeOffset.data[b.treeNodeOffset.length++] = nodeBase
  b.treeLeafOffset.ensure(1, 0)
  b.treeLeafOffset.data[b.treeLeafOffset.length++] = leafBase
  b.treeFlags.ensure(1, 0)
  b.treeFlags.data[b.treeFlags.length++] = treeFlags
  b.treeDepth.ensure(1, 0)
  b.treeDepth.data[b.treeDepth.length++] = depth
  b.treeShrinkage.ensure(1, 0)
  b.treeShrinkage.data[b.treeShrinkage.length++] = tree.shrinkage
}

/**
 * Checks that `key` holds `expected` values; false when an optional key is absent (or
 * written empty).
 */
function requireLength(
  tree: TreeScratch,
  key: string,
  expected: number,
  required: boolean,
  truncatedNote: string,
): boolean {
  const n = tree.counts.get(key)
  if (n === undefined) {
    if (required && expected > 0) fail(`the tree has no '${key}' line${truncatedNote}`, tree.atStart(key))
    return false
  }
  // Optional keys written empty (leaf_count= of a hand-made one-leaf tree) are absent.
  if (n === 0 && !required) return false
  if (n !== expected) {
    fail(
      `'${key}' holds ${n} values but num_leaves=${tree.numLeaves} needs ${expected}${truncatedNote}`,
      tree.at(key),
    )
  }
  return true
}

/** Checks the tree's categorical bitsets and appends their words; returns the first word's index. */
function appendCategorical(tree: TreeScratch, b: ForestBuilder, truncatedNote: string): number {
  requireLength(tree, 'cat_boundaries', tree.numCat + 1, true, truncatedNote)
  const catBoundaries = tree.ints.get('cat_boundaries')!
  const words = tree.counts.get('cat_threshold')
  if (words === undefined)
    fail(
      `the tree has num_cat=${tree.numCat} but no 'cat_threshold' line${truncatedNote}`,
      tree.at('num_cat'),
    )
  if (catBoundaries[0] !== 0) fail('cat_boundaries must start at 0', tree.at('cat_boundaries'))
  for (let i = 1; i <= tree.numCat; i++) {
    if (catBoundaries[i] < catBoundaries[i - 1])
      fail('cat_boundaries must not decrease', tree.at('cat_boundaries'))
  }
  if (catBoundaries[tree.numCat] !== words) {
    fail(
      `cat_boundaries ends at ${catBoundaries[tree.numCat]} but cat_threshold holds ${words} words`,
      tree.at('cat_threshold'),
    )
  }
  const catThreshold = tree.wides.get('cat_threshold')!
  const catWordBase = b.catWords.length
  b.catWords.ensure(words, 0)
  for (let i = 0; i < words; i++) {
    const w = catThreshold[i]
    if (w < 0 || w > 4294967295)
      fail(`cat_threshold word ${w} is outside 0..2^32-1`, tree.at('cat_threshold'))
    b.catWords.data[catWordBase + i] = w
  }
  b.catWords.length += words
  return catWordBase
}

/**
 * Checks every internal node (feature, decision type, categorical index), writes its
 * per-node arrays from `nodeBase` (lengths are advanced by the caller) and returns the
 * tree's flags.
 */
function appendNodes(
  tree: TreeScratch,
  b: ForestBuilder,
  info: ModelInfo,
  nodeBase: number,
  catWordBase: number,
  hasInternalCount: boolean,
): number {
  const numNodes = tree.numLeaves - 1
  const numFeatures = info.maxFeatureIdx + 1
  const splitFeature = tree.ints.get('split_feature')!
  const threshold = tree.doubles.get('threshold')!
  const decisionType = tree.ints.get('decision_type')!
  const catBoundaries = tree.numCat > 0 ? tree.ints.get('cat_boundaries')! : undefined
  const internalCount = hasInternalCount ? tree.ints.get('internal_count')! : undefined
  const catRanges = b.catRanges
  let treeFlags = 0
  for (let i = 0; i < numNodes; i++) {
    const feature = splitFeature[i]
    if (feature < 0 || feature >= numFeatures) {
      fail(
        `split_feature ${feature} at node ${i} is outside 0..${numFeatures - 1} (max_feature_idx=${info.maxFeatureIdx})`,
        tree.at('split_feature'),
      )
    }
    const dt = decisionType[i]
    if (!isValidDecisionType(dt))
      fail(
        `decision_type ${dt} at node ${i} has unknown bits (valid: 0-11 without missing type 3)`,
        tree.at('decision_type'),
      )
    const t = threshold[i]
    const kind = decodeNodeKind(dt, t)
    const g = nodeBase + i
    b.splitFeature.data[g] = feature
    b.threshold.data[g] = t
    b.decisionType.data[g] = dt
    b.nodeKind.data[g] = kind
    b.internalCount.data[g] = internalCount ? internalCount[i] : 0
    if (catRanges) {
      b.catStart.data[g] = 0
      b.catEnd.data[g] = 0
    }
    if (kind === NodeKind.Categorical) {
      const catIndex = t
      if (!catBoundaries || !Number.isInteger(catIndex) || catIndex < 0 || catIndex >= tree.numCat) {
        fail(
          `categorical node ${i} has threshold ${t}, not an index below num_cat=${Math.max(tree.numCat, 0)}`,
          tree.at('threshold'),
        )
      }
      b.catStart.data[g] = catWordBase + catBoundaries[catIndex]
      b.catEnd.data[g] = catWordBase + catBoundaries[catIndex + 1]
      b.anyCategorical = true
      treeFlags |= TREE_CATEGORICAL | TREE_SLOW_NODES
    } else if (kind > NodeKind.LeftIfNotGreater) {
      treeFlags |= TREE_SLOW_NODES
    }
  }
  return treeFlags
}

/** Checks the tree's linear leaves (linear_tree=true) and appends their terms. */
function appendLinearLeaves(
  tree: TreeScratch,
  b: ForestBuilder,
  info: ModelInfo,
  truncatedNote: string,
): void {
  const numLeaves = tree.numLeaves
  const numFeatures = info.maxFeatureIdx + 1
  const count = (key: string) => tree.counts.get(key)
  requireLength(tree, 'leaf_const', numLeaves, true, truncatedNote)
  requireLength(tree, 'num_features', numLeaves, true, truncatedNote)
  const perLeaf = tree.ints.get('num_features')!
  let terms = 0
  for (let i = 0; i < numLeaves; i++) {
    if (perLeaf[i] < 0) fail(`num_features of leaf ${i} is negative`, tree.at('num_features'))
    terms += perLeaf[i]
  }
  const features = count('leaf_features') ?? 0
  const coeffs = count('leaf_coeff') ?? 0
  if (features !== terms)
    fail(
      `leaf_features holds ${features} entries but num_features adds up to ${terms}`,
      tree.at('leaf_features'),
    )
  if (coeffs !== terms)
    fail(`leaf_coeff holds ${coeffs} entries but num_features adds up to ${terms}`, tree.at('leaf_coeff'))
  const leafConst = tree.doubles.get('leaf_const')!
  const linearFeatures = tree.ints.get('leaf_features')
  const linearCoeffs = tree.doubles.get('leaf_coeff')
  b.linearFeature.ensure(terms, 0)
  b.linearCoeff.ensure(terms, 0)
  b.linearOffset.ensure(numLeaves, b.leafValue.data.length)
  b.leafConst.ensure(numLeaves, b.leafValue.data.length)
  let term = 0
  for (let i = 0; i < numLeaves; i++) {
    b.linearOffset.data[b.linearOffset.length++] = b.linearFeature.length + term
    b.leafConst.data[b.leafConst.length++] = leafConst[i]
    for (let k = 0; k < perLeaf[i]; k++, term++) {
      const feature = linearFeatures![term]
      if (feature < 0 || feature >= numFeatures)
        fail(`leaf_features entry ${feature} is outside 0..${numFeatures - 1}`, tree.at('leaf_features'))
      b.linearFeature.data[b.linearFeature.length + term] = feature
      b.linearCoeff.data[b.linearCoeff.length + term] = linearCoeffs![term]
    }
  }
  b.linearFeature.length += terms
  b.linearCoeff.length += terms
}
