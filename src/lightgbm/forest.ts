// One structure of typed arrays for a whole forest: every tree's nodes and leaves are
// concatenated, so the kernel walks flat arrays with no object per node.

/** The forest's flat arrays. Node and leaf numbers are global (all trees concatenated). */
export interface Forest {
  numTrees: number
  /** Per tree: global node index of its root, or `~leaf` (global) for a single-leaf tree. */
  treeRoot: Int32Array
  /** Per tree (+1): first global internal node of tree t; nodes of t are [t, t+1). */
  treeNodeOffset: Int32Array
  /** Per tree (+1): first global leaf of tree t. */
  treeLeafOffset: Int32Array
  /** Per tree: TREE_LINEAR | TREE_CATEGORICAL | TREE_SLOW_NODES. */
  treeFlags: Uint8Array
  /** Per tree: the longest root-to-leaf path, counted in internal nodes. */
  treeDepth: Int32Array
  /** Per tree: LightGBM's `shrinkage` (informational). */
  treeShrinkage: Float64Array

  /** Per internal node: feature index. */
  splitFeature: Int32Array
  /** Per internal node: numeric threshold (categorical nodes: the cat_boundaries index, as written). */
  threshold: Float64Array
  /** Per internal node: decision_type as written in the file. */
  decisionType: Uint8Array
  /** Per internal node: kernel node kind (decision.ts). */
  nodeKind: Uint8Array
  /** Per internal node: child, >= 0 a global node, < 0 `~leaf` with a global leaf. */
  leftChild: Int32Array
  rightChild: Int32Array
  /** Per internal node: training rows through it (internal_count, an int in LightGBM), used by TreeSHAP. */
  internalCount: Int32Array
  /** Per internal node (categorical models only, else empty): word range of its bitset in catWords. */
  catStart: Int32Array
  catEnd: Int32Array
  /** All categorical bitsets (cat_threshold words). */
  catWords: Uint32Array

  /** Per leaf: output value. */
  leafValue: Float64Array
  /** Per leaf: training rows (leaf_count, an int in LightGBM), used by TreeSHAP. */
  leafCount: Int32Array

  /** Linear leaves (empty unless some tree is linear): per leaf constant. */
  leafConst: Float64Array
  /** Per leaf (+1): range of its terms in linearFeature / linearCoeff. */
  linearOffset: Int32Array
  linearFeature: Int32Array
  linearCoeff: Float64Array
}

export const TREE_LINEAR = 1
export const TREE_CATEGORICAL = 2
/** The tree has nodes of a slow kind (ZeroAware or Categorical). */
export const TREE_SLOW_NODES = 4

/**
 * Arrays a forest of numeric, non-linear trees is built from in parts (per tree, per
 * node and per leaf arrays; the others stay empty).
 */
export type ForestPartStorage = Pick<
  Forest,
  | 'treeRoot'
  | 'treeNodeOffset'
  | 'treeLeafOffset'
  | 'treeFlags'
  | 'treeDepth'
  | 'treeShrinkage'
  | 'splitFeature'
  | 'threshold'
  | 'decisionType'
  | 'nodeKind'
  | 'leftChild'
  | 'rightChild'
  | 'internalCount'
  | 'leafValue'
  | 'leafCount'
>

/** What numbers an array of a forest built in parts: per tree, per internal node or per leaf. */
export type PartUnit = 'tree' | 'node' | 'leaf'
type PartArrayType = { new (buffer: ArrayBufferLike): unknown; BYTES_PER_ELEMENT: number }

/**
 * The layout of a forest built in parts: each part array's unit and element type. The one
 * definition of the layout outside the Forest interface; a part starting at tree t writes
 * each array from t's first tree, node or leaf (`partStarts`).
 */
export const PART_ARRAYS: Readonly<Record<keyof ForestPartStorage, readonly [PartUnit, PartArrayType]>> = {
  treeRoot: ['tree', Int32Array],
  treeNodeOffset: ['tree', Int32Array],
  treeLeafOffset: ['tree', Int32Array],
  treeFlags: ['tree', Uint8Array],
  treeDepth: ['tree', Int32Array],
  treeShrinkage: ['tree', Float64Array],
  splitFeature: ['node', Int32Array],
  threshold: ['node', Float64Array],
  decisionType: ['node', Uint8Array],
  nodeKind: ['node', Uint8Array],
  leftChild: ['node', Int32Array],
  rightChild: ['node', Int32Array],
  internalCount: ['node', Int32Array],
  leafValue: ['leaf', Float64Array],
  leafCount: ['leaf', Int32Array],
}
const PART_NAMES = Object.keys(PART_ARRAYS) as (keyof ForestPartStorage)[]

/**
 * Storage for a forest built in parts, sized exactly: per tree arrays of numTrees + 1, per
 * node and per leaf arrays of the totals, each on a buffer from `allocate` (for parts
 * parsed on other threads, a SharedArrayBuffer).
 */
export function partStorage(
  numTrees: number,
  nodes: number,
  leaves: number,
  allocate: (bytes: number) => ArrayBufferLike,
): ForestPartStorage {
  const sizes: Record<PartUnit, number> = { tree: numTrees + 1, node: nodes, leaf: leaves }
  const storage: Record<string, unknown> = {}
  for (const name of PART_NAMES) {
    const [unit, type] = PART_ARRAYS[name]
    storage[name] = new type(allocate(sizes[unit] * type.BYTES_PER_ELEMENT))
  }
  return storage as unknown as ForestPartStorage
}

/** Where a part whose first tree, node and leaf are `bases` starts writing each array. */
export function partStarts(bases: Record<PartUnit, number>): Record<keyof ForestPartStorage, number> {
  const starts = {} as Record<keyof ForestPartStorage, number>
  for (const name of PART_NAMES) starts[name] = bases[PART_ARRAYS[name][0]]
  return starts
}

/** The Forest over a part storage every part has filled (numeric, non-linear trees). */
export function forestOfParts(storage: ForestPartStorage, numTrees: number): Forest {
  storage.treeNodeOffset[numTrees] = storage.splitFeature.length
  storage.treeLeafOffset[numTrees] = storage.leafValue.length
  return {
    ...storage,
    numTrees,
    treeRoot: storage.treeRoot.subarray(0, numTrees),
    treeFlags: storage.treeFlags.subarray(0, numTrees),
    treeDepth: storage.treeDepth.subarray(0, numTrees),
    treeShrinkage: storage.treeShrinkage.subarray(0, numTrees),
    catStart: new Int32Array(0),
    catEnd: new Int32Array(0),
    catWords: new Uint32Array(0),
    leafConst: new Float64Array(0),
    linearOffset: new Int32Array(0),
    linearFeature: new Int32Array(0),
    linearCoeff: new Float64Array(0),
  }
}

/** A forest's shape at a glance (`leafwise inspect`). */
export interface ForestShape {
  /** Leaves of the largest tree. */
  maxLeaves: number
  /** Internal nodes on the longest root-to-leaf path of any tree. */
  maxDepth: number
  /** Trees with a categorical split. */
  categoricalTrees: number
  /** Trees with linear leaves. */
  linearTrees: number
}

/** The forest's shape: largest and deepest tree, trees with categorical splits or linear leaves. */
export function forestShape(forest: Forest): ForestShape {
  let maxLeaves = 0
  let maxDepth = 0
  let categoricalTrees = 0
  let linearTrees = 0
  for (let t = 0; t < forest.numTrees; t++) {
    const leaves = forest.treeLeafOffset[t + 1] - forest.treeLeafOffset[t]
    if (leaves > maxLeaves) maxLeaves = leaves
    if (forest.treeDepth[t] > maxDepth) maxDepth = forest.treeDepth[t]
    if (forest.treeFlags[t] & TREE_CATEGORICAL) categoricalTrees++
    if (forest.treeFlags[t] & TREE_LINEAR) linearTrees++
  }
  return { maxLeaves, maxDepth, categoricalTrees, linearTrees }
}
