// A slow, independent LightGBM evaluator for the tests. It reads model.txt the naive way
// (split into lines, split on spaces, Number()) into one object per tree and walks each
// tree recursively, following the rules in ../shared/fixtures/lightgbm/README.md
// ("LightGBM behaviour the fixtures pin down") and LightGBM's Tree::Predict
// (include/LightGBM/tree.h). It shares no code with src/lightgbm on purpose: the fuzz
// and property tests compare the two, so a bug would have to be made twice to hide.
//
// It is strict: anything it does not understand is refused with a ReferenceRefusal
// whose `reason` is a short stable tag, so the tests can tell parser leniencies apart.

/** The reference evaluator refused a model; `reason` is a stable tag. */
export class ReferenceRefusal extends Error {
  constructor(
    readonly reason: string,
    detail = '',
  ) {
    super(detail ? `${reason}: ${detail}` : reason)
  }
}

export interface ReferenceTree {
  numLeaves: number
  numCat: number
  splitFeature: number[]
  threshold: number[]
  decisionType: number[]
  leftChild: number[]
  rightChild: number[]
  leafValue: number[]
  catBoundaries: number[]
  catThreshold: number[]
  isLinear: boolean
  leafConst: number[]
  leafFeatures: number[][]
  leafCoeff: number[][]
}

export interface ReferenceModel {
  numClass: number
  numTreePerIteration: number
  numFeatures: number
  objective: string
  averageOutput: boolean
  trees: ReferenceTree[]
}

const ZERO_THRESHOLD = 1.0000000180025095e-35 // kZeroThreshold = 1e-35f widened to double
const INT_PATTERN = /^[+-]?[0-9]+$/
const FLOAT_PATTERN = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/

function refuse(reason: string, detail = ''): never {
  throw new ReferenceRefusal(reason, detail)
}

function toInt(token: string, what: string): number {
  if (!INT_PATTERN.test(token)) refuse('bad-integer', `${what}: '${token.slice(0, 30)}'`)
  const value = Number(token)
  if (value < -2147483648 || value > 2147483647) refuse('integer-range', `${what}: ${token.slice(0, 30)}`)
  return value
}

function toCount(token: string, what: string): number {
  if (!INT_PATTERN.test(token)) refuse('bad-integer', `${what}: '${token.slice(0, 30)}'`)
  const value = Number(token)
  if (!Number.isSafeInteger(value)) refuse('integer-range', what)
  return value
}

function toDouble(token: string, what: string): number {
  const lower = token.toLowerCase()
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Infinity
  if (lower === '-inf' || lower === '-infinity') return -Infinity
  if (lower === 'nan' || lower === '-nan' || lower === 'na' || lower === 'null') return Number.NaN
  if (!FLOAT_PATTERN.test(token)) refuse('bad-double', `${what}: '${token.slice(0, 30)}'`)
  return Number(token)
}

function tokens(value: string): string[] {
  return value.split(/[ \t]+/).filter((t) => t !== '')
}

/** Parses model text into plain objects; throws ReferenceRefusal for anything unclear. */
export function referenceParse(input: string | Uint8Array): ReferenceModel {
  let text = typeof input === 'string' ? input : new TextDecoder().decode(input)
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  const lines = text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line))
  let i = 0
  const header = new Map<string, string>()
  let sawTree = false
  let averageOutput = false
  for (; i < lines.length; i++) {
    const line = lines[i]
    if (line.startsWith('Tree=')) break
    if (line === '') continue
    if (line === 'tree') sawTree = true
    else if (line === 'average_output') averageOutput = true
    else {
      const eq = line.indexOf('=')
      if (eq < 0) refuse('header-line', line.slice(0, 40))
      const key = line.slice(0, eq)
      if (header.has(key)) refuse('header-duplicate', key)
      header.set(key, line.slice(eq + 1))
    }
  }
  if (i === lines.length) refuse('no-trees')
  if (!sawTree && !header.has('version')) refuse('not-a-model')
  if (!header.has('feature_infos')) refuse('no-feature-infos')
  const headerInt = (key: string, fallback?: number): number => {
    const value = header.get(key)
    if (value === undefined) {
      if (fallback === undefined) refuse('header-missing', key)
      return fallback
    }
    return toInt(value.trim(), key)
  }
  const numClass = headerInt('num_class')
  const numTreePerIteration = headerInt('num_tree_per_iteration', numClass)
  const maxFeatureIdx = headerInt('max_feature_idx')
  headerInt('label_index', 0)
  if (numClass < 1 || numTreePerIteration < 1 || maxFeatureIdx < 0) refuse('header-range')
  const numFeatures = maxFeatureIdx + 1
  const names = header.get('feature_names')
  if (names !== undefined && names.split(' ').length !== numFeatures) refuse('feature-names-count')
  if (header.get('feature_infos')!.split(' ').length !== numFeatures) refuse('feature-infos-count')
  const objective = (header.get('objective') ?? '').trim()
  checkObjective(objective, numClass)
  const sizes = header.get('tree_sizes')
  const words = (value: string) => (value.trim() === '' ? [] : value.trim().split(/\s+/))
  const treeSizes = sizes === undefined ? undefined : words(sizes).map((t) => toCount(t, 'tree_sizes'))
  if (header.has('monotone_constraints'))
    words(header.get('monotone_constraints')!).map((t) => toInt(t, 'mc'))

  // Trees: `Tree=N` then key=value lines until a blank line or the next block.
  const trees: ReferenceTree[] = []
  let sawEnd = false
  while (i < lines.length) {
    const line = lines[i]
    if (line === '') {
      i++
      continue
    }
    if (line.startsWith('end of trees')) {
      sawEnd = true
      break
    }
    if (
      line.startsWith('feature_importances:') ||
      line.startsWith('feature importances:') ||
      line.startsWith('parameters:') ||
      line.startsWith('pandas_categorical:')
    ) {
      sawEnd = true
      break
    }
    if (!line.startsWith('Tree=')) refuse('expected-tree', line.slice(0, 40))
    if (line !== `Tree=${trees.length}` && Number(line.slice(5)) !== trees.length) refuse('tree-number')
    if (!INT_PATTERN.test(line.slice(5))) refuse('tree-number')
    i++
    const fields = new Map<string, string>()
    for (; i < lines.length; i++) {
      const row = lines[i]
      // A block runs to the next marker; blank lines inside it are skipped.
      if (row === '') continue
      if (row.startsWith('Tree=') || row.startsWith('end of trees')) break
      if (
        row.startsWith('feature_importances:') ||
        row.startsWith('feature importances:') ||
        row.startsWith('parameters:') ||
        row.startsWith('pandas_categorical:')
      )
        break
      const eq = row.indexOf('=')
      if (eq < 0) refuse('tree-line', row.slice(0, 40))
      const key = row.slice(0, eq)
      if (fields.has(key)) refuse('tree-duplicate-key', key)
      fields.set(key, row.slice(eq + 1))
    }
    trees.push(buildTree(fields, numFeatures))
  }
  if (!sawEnd) refuse('no-end-of-trees')
  // The trailer must be closed properly when it has a parameters section.
  // Lines between 'parameters:' and 'end of parameters' are free text.
  let inParameters = false
  for (const line of lines.slice(i)) {
    if (inParameters) inParameters = line !== 'end of parameters'
    else if (line === 'parameters:') inParameters = true
    else if (line.startsWith('Tree=')) refuse('tree-after-end')
  }
  // Before 2.2.0 LightGBM wrote neither 'end of trees' nor 'end of parameters'; its loader
  // reads parameters to the end of the file. Only a file with 'end of trees' (2.2.0+) must close them.
  if (inParameters && lines.slice(i).some((line) => line.startsWith('end of trees')))
    refuse('open-parameters')
  if (treeSizes && treeSizes.length !== trees.length) refuse('tree-sizes-count')
  if (trees.length % numTreePerIteration !== 0) refuse('tree-count')
  return { numClass, numTreePerIteration, numFeatures, objective, averageOutput, trees }
}

const OBJECTIVES = new Set([
  'regression',
  'regression_l1',
  'huber',
  'fair',
  'poisson',
  'quantile',
  'mape',
  'gamma',
  'tweedie',
  'binary',
  'multiclass',
  'multiclassova',
  'cross_entropy',
  'cross_entropy_lambda',
  'lambdarank',
  'rank_xendcg',
])

function objectiveParameter(objective: string, key: string): string | undefined {
  for (const token of tokens(objective).slice(1)) {
    const colon = token.indexOf(':')
    if (colon < 0 ? token === key : token.slice(0, colon) === key)
      return colon < 0 ? 'true' : token.slice(colon + 1)
  }
  return undefined
}

function checkObjective(objective: string, numClass: number): void {
  if (objective === '') return
  const name = tokens(objective)[0]
  if (!OBJECTIVES.has(name)) refuse('objective', name)
  const sigmoid = objectiveParameter(objective, 'sigmoid')
  if (sigmoid !== undefined && !(Number(sigmoid) > 0 && Number(sigmoid) < Infinity))
    refuse('objective-sigmoid')
  const classes = objectiveParameter(objective, 'num_class')
  if (classes !== undefined && !(Number.isInteger(Number(classes)) && Number(classes) >= 1))
    refuse('objective-num-class')
  if ((name === 'multiclass' || name === 'multiclassova') && Number(classes ?? 1) !== numClass)
    refuse('objective-num-class')
}

function buildTree(fields: Map<string, string>, numFeatures: number): ReferenceTree {
  const get = (key: string): string => {
    const value = fields.get(key)
    if (value === undefined) refuse('tree-missing-key', key)
    return value
  }
  const ints = (key: string) => tokens(get(key)).map((t) => toInt(t, key))
  const doubles = (key: string) => tokens(get(key)).map((t) => toDouble(t, key))
  const numLeaves = toInt(get('num_leaves').trim(), 'num_leaves')
  const numCat = toInt(get('num_cat').trim(), 'num_cat')
  if (numLeaves < 1) refuse('num-leaves')
  if (numCat < 0) refuse('num-cat')
  const nodes = numLeaves - 1
  const listOf = <T>(key: string, read: (key: string) => T[], length: number): T[] => {
    if (length === 0 && !fields.has(key)) return []
    const values = read(key)
    if (values.length !== length) refuse('length', key)
    return values
  }
  const splitFeature = listOf('split_feature', ints, nodes)
  const threshold = listOf('threshold', doubles, nodes)
  const decisionType = listOf('decision_type', ints, nodes)
  const leftChild = listOf('left_child', ints, nodes)
  const rightChild = listOf('right_child', ints, nodes)
  const leafValue = listOf('leaf_value', doubles, numLeaves)
  // Counts are optional for prediction but must be well formed when present.
  for (const key of ['leaf_count', 'internal_count']) {
    if (!fields.has(key)) continue
    const values = tokens(fields.get(key)!).map((t) => toCount(t, key))
    if (values.length !== 0 && values.length !== (key === 'leaf_count' ? numLeaves : nodes))
      refuse('length', key)
    if (values.some((v) => v < 0)) refuse('negative-count', key)
  }
  let catBoundaries: number[] = []
  let catThreshold: number[] = []
  if (numCat > 0) {
    catBoundaries = listOf('cat_boundaries', ints, numCat + 1)
    catThreshold = tokens(get('cat_threshold')).map((t) => toCount(t, 'cat_threshold'))
    if (catBoundaries[0] !== 0 || catBoundaries[numCat] !== catThreshold.length) refuse('cat-boundaries')
    for (let k = 1; k <= numCat; k++) if (catBoundaries[k] < catBoundaries[k - 1]) refuse('cat-boundaries')
    if (catThreshold.some((w) => w > 4294967295)) refuse('cat-word')
  }
  for (let n = 0; n < nodes; n++) {
    if (splitFeature[n] < 0 || splitFeature[n] >= numFeatures) refuse('split-feature')
    const dt = decisionType[n]
    if (dt < 0 || dt > 15 || dt >> 2 === 3) refuse('decision-type')
    if (dt & 1) {
      const index = threshold[n]
      if (!Number.isInteger(index) || index < 0 || index >= numCat) refuse('cat-index')
    }
  }
  const isLinear = fields.has('is_linear') ? toInt(get('is_linear').trim(), 'is_linear') : 0
  if (isLinear !== 0 && isLinear !== 1) refuse('is-linear')
  let leafConst: number[] = []
  const leafFeatures: number[][] = []
  const leafCoeff: number[][] = []
  if (isLinear === 1) {
    leafConst = listOf('leaf_const', doubles, numLeaves)
    const counts = listOf('num_features', ints, numLeaves)
    const features = fields.has('leaf_features') ? ints('leaf_features') : []
    const coeffs = fields.has('leaf_coeff') ? doubles('leaf_coeff') : []
    const total = counts.reduce((a, b) => a + b, 0)
    if (counts.some((c) => c < 0) || features.length !== total || coeffs.length !== total)
      refuse('linear-lengths')
    let at = 0
    for (const count of counts) {
      leafFeatures.push(features.slice(at, at + count))
      leafCoeff.push(coeffs.slice(at, at + count))
      at += count
    }
    if (features.some((f) => f < 0 || f >= numFeatures)) refuse('linear-feature')
  }
  const tree: ReferenceTree = {
    numLeaves,
    numCat,
    splitFeature,
    threshold,
    decisionType,
    leftChild,
    rightChild,
    leafValue,
    catBoundaries,
    catThreshold,
    isLinear: isLinear === 1,
    leafConst,
    leafFeatures,
    leafCoeff,
  }
  checkShape(tree)
  return tree
}

/** Every child index in range, no node reached twice (so no cycle), every leaf reachable. */
function checkShape(tree: ReferenceTree): void {
  const nodes = tree.numLeaves - 1
  if (nodes === 0) return
  const seenNodes = new Set<number>()
  const seenLeaves = new Set<number>()
  const visit = (node: number, depth: number): void => {
    if (depth > tree.numLeaves) refuse('tree-depth')
    if (seenNodes.has(node)) refuse('tree-shape', 'node reached twice')
    seenNodes.add(node)
    for (const child of [tree.leftChild[node], tree.rightChild[node]]) {
      if (child >= 0) {
        if (child >= nodes) refuse('child-range')
        visit(child, depth + 1)
      } else {
        const leaf = -child - 1
        if (leaf >= tree.numLeaves) refuse('child-range')
        if (seenLeaves.has(leaf)) refuse('tree-shape', 'leaf reached twice')
        seenLeaves.add(leaf)
      }
    }
  }
  visit(0, 0)
  if (seenNodes.size !== nodes || seenLeaves.size !== tree.numLeaves) refuse('tree-unreachable')
}

// ---- prediction -------------------------------------------------------------------

/** The C API drops |x| <= kZeroThreshold (the feature is then 0.0); NaN is kept. */
function apiValue(x: number): number {
  return Math.abs(x) <= ZERO_THRESHOLD ? 0 : x
}

function goesLeft(tree: ReferenceTree, node: number, input: number): boolean {
  const dt = tree.decisionType[node]
  if (dt & 1) {
    // Tree::CategoricalDecision.
    if (Number.isNaN(input)) return false
    let category = Math.trunc(input)
    if (category < -2147483648 || category > 2147483647) category = -2147483648 // cvttsd2si
    if (category < 0) return false
    const index = tree.threshold[node]
    const from = tree.catBoundaries[index]
    const to = tree.catBoundaries[index + 1]
    const word = Math.floor(category / 32)
    if (word >= to - from) return false
    return Math.floor(tree.catThreshold[from + word] / 2 ** (category % 32)) % 2 === 1
  }
  // Tree::NumericalDecision.
  const missingType = (dt >> 2) & 3
  const defaultLeft = (dt & 2) !== 0
  let x = input
  if (Number.isNaN(x) && missingType !== 2) x = 0
  if (missingType === 1 && x >= -ZERO_THRESHOLD && x <= ZERO_THRESHOLD) return defaultLeft
  if (missingType === 2 && Number.isNaN(x)) return defaultLeft
  return x <= tree.threshold[node]
}

function leafOf(tree: ReferenceTree, row: number[], node: number): number {
  if (tree.numLeaves === 1) return 0
  const child = goesLeft(tree, node, row[tree.splitFeature[node]])
    ? tree.leftChild[node]
    : tree.rightChild[node]
  return child < 0 ? -child - 1 : leafOf(tree, row, child)
}

function treeOutput(tree: ReferenceTree, row: number[]): number {
  const leaf = leafOf(tree, row, 0)
  if (!tree.isLinear) return tree.leafValue[leaf]
  let output = tree.leafConst[leaf]
  const features = tree.leafFeatures[leaf]
  for (let k = 0; k < features.length; k++) {
    const x = row[features[k]]
    if (Number.isNaN(x)) return tree.leafValue[leaf]
    output += tree.leafCoeff[leaf][k] * x
  }
  return output
}

/** Iterations [start, start + count) as GBDT::InitPredict clips them. */
export function referenceWindow(
  model: ReferenceModel,
  startIteration = 0,
  numIteration = -1,
): [number, number] {
  const total = model.trees.length / model.numTreePerIteration
  const start = Math.min(Math.max(startIteration, 0), total)
  const count = numIteration > 0 ? Math.min(numIteration, total - start) : total - start
  return [start, count]
}

/** Raw scores of one row: `numTreePerIteration` values (the un-averaged sum). */
export function referenceRaw(
  model: ReferenceModel,
  input: ArrayLike<number>,
  startIteration = 0,
  numIteration = -1,
): number[] {
  const row = Array.from(input, apiValue)
  const k = model.numTreePerIteration
  const [start, count] = referenceWindow(model, startIteration, numIteration)
  const out = new Array<number>(k).fill(0)
  for (let t = start * k; t < (start + count) * k; t++) out[t % k] += treeOutput(model.trees[t], row)
  return out
}

/** Leaf index per tree of the window for one row. */
export function referenceLeaves(
  model: ReferenceModel,
  input: ArrayLike<number>,
  startIteration = 0,
  numIteration = -1,
): number[] {
  const row = Array.from(input, apiValue)
  const k = model.numTreePerIteration
  const [start, count] = referenceWindow(model, startIteration, numIteration)
  const out: number[] = []
  for (let t = start * k; t < (start + count) * k; t++) out.push(leafOf(model.trees[t], row, 0))
  return out
}

/** Transformed prediction of one row (ObjectiveFunction::ConvertOutput). */
export function referencePredict(
  model: ReferenceModel,
  input: ArrayLike<number>,
  startIteration = 0,
  numIteration = -1,
): number[] {
  const raw = referenceRaw(model, input, startIteration, numIteration)
  const [, count] = referenceWindow(model, startIteration, numIteration)
  const values = model.averageOutput ? raw.map((r) => r / count) : raw
  const name = tokens(model.objective)[0] ?? ''
  const sigmoid = Number(objectiveParameter(model.objective, 'sigmoid') ?? 1)
  const logistic = (s: number, r: number) => 1 / (1 + Math.exp(-s * r))
  switch (name) {
    case 'binary':
    case 'multiclassova':
      return values.map((r) => logistic(sigmoid, r))
    case 'cross_entropy':
      return values.map((r) => logistic(1, r))
    case 'cross_entropy_lambda':
      return values.map((r) => Math.log1p(Math.exp(r)))
    case 'poisson':
    case 'gamma':
    case 'tweedie':
      return values.map((r) => Math.exp(r))
    case 'multiclass': {
      const max = Math.max(...values)
      const exps = values.map((r) => Math.exp(r - max))
      let sum = 0
      for (const e of exps) sum += e
      return exps.map((e) => e / sum)
    }
    default:
      if (objectiveParameter(model.objective, 'sqrt') === 'true')
        return values.map((r) => (r > 0 ? 1 : r < 0 ? -1 : 0) * r * r) // Common::Sign(x) * x * x
      return values
  }
}
