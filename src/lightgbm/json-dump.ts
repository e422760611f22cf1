// LightGBM's JSON dump (Booster.dump_model(), GBDT::DumpModel in
// src/boosting/gbdt_model_text.cpp with Tree::ToJSON / NodeToJSON in src/io/tree.cpp),
// read back into the model.txt layout, which the text parser then validates and loads.
//
// What the dump keeps, and so what is exact: numbers are printed with 17 significant
// digits (std::setprecision(digits10 + 2)), which reads back to the same double, so leaf
// values, linear coefficients and thresholds are those of model.txt bit for bit, and
// split_index / leaf_index give LightGBM's node and leaf numbers. What it loses:
// - thresholds go through Common::AvoidInf: a threshold of +-inf (or beyond +-1e300) is
//   printed as +-1e300, so rows with a value beyond +-1e300 at such a node may take the
//   other branch (every other input predicts exactly as model.txt);
// - categorical splits are printed as their category list ("1||3||5"): the bitset is
//   rebuilt in as few 32-bit words as hold the largest category, which decides every
//   input as the original bitset does;
// - tree_sizes, the parameters section and split gains / internal values are not needed.

import { ModelParseError } from './errors.ts'
import { type ParsedModel, type ParseOptions, parseModelData } from './parse.ts'

const MISSING_TYPES: Record<string, number> = { None: 0, Zero: 1, NaN: 2 }

/** True when `input` (after a byte order mark and white space) starts with `{`: a JSON dump. */
export function looksLikeJsonDump(input: Uint8Array | string): boolean {
  if (typeof input === 'string') return /^\uFEFF?\s*\{/.test(input.slice(0, 64))
  let i = input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf ? 3 : 0
  while (
    i < input.length &&
    (input[i] === 0x20 || input[i] === 0x09 || input[i] === 0x0a || input[i] === 0x0d)
  )
    i++
  return input[i] === 0x7b
}

type Json = Record<string, unknown>

class DumpReader {
  constructor(private readonly source: string | undefined) {}

  fail(path: string, message: string, tree?: number): never {
    throw new ModelParseError(`JSON dump ${path}: ${message}`, { tree, key: path, source: this.source })
  }

  object(value: unknown, path: string, tree?: number): Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      this.fail(path, `expected an object, found ${describe(value)}`, tree)
    return value as Json
  }

  number(value: unknown, path: string, tree?: number): number {
    if (typeof value !== 'number') this.fail(path, `expected a number, found ${describe(value)}`, tree)
    return value
  }

  integer(value: unknown, path: string, tree?: number, min = 0): number {
    const n = this.number(value, path, tree)
    if (!Number.isInteger(n) || n < min || n > 2147483647)
      this.fail(path, `expected an integer >= ${min}, found ${n}`, tree)
    return n
  }

  numbers(value: unknown, path: string, tree?: number): number[] {
    if (!Array.isArray(value)) this.fail(path, `expected a list of numbers, found ${describe(value)}`, tree)
    return value.map((x, i) => this.number(x, `${path}[${i}]`, tree))
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing'
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 40 ? `${text.slice(0, 40)}...` : text
}

/** A double as text that reads back to the same double (-0 kept). */
function num(x: number): string {
  return Object.is(x, -0) ? '-0' : String(x)
}

const join = (values: ArrayLike<number>) => Array.from(values, num).join(' ')

/** The model.txt lines of one tree of the dump. */
function treeLines(reader: DumpReader, info: Json, t: number, numFeatures: number): string[] {
  const path = `tree_info[${t}]`
  const numLeaves = reader.integer(info.num_leaves, `${path}.num_leaves`, t, 1)
  const numNodes = numLeaves - 1
  const splitFeature = new Int32Array(numNodes)
  const threshold = new Float64Array(numNodes)
  const decisionType = new Int32Array(numNodes)
  const left = new Int32Array(numNodes)
  const right = new Int32Array(numNodes)
  const internalCount = new Int32Array(numNodes)
  const leafValue = new Float64Array(numLeaves)
  const leafCount = new Int32Array(numLeaves)
  const leafConst = new Float64Array(numLeaves)
  const leafFeatures: number[][] = Array.from({ length: numLeaves }, () => [])
  const leafCoeffs: number[][] = Array.from({ length: numLeaves }, () => [])
  const seenNode = new Uint8Array(numNodes)
  const seenLeaf = new Uint8Array(numLeaves)
  const catBoundaries = [0]
  const catWords: number[] = []
  let linear = false

  // Returns the child code (node index, or ~leaf) of `node`; children are queued.
  const stack: { node: unknown; path: string; parent: number; side: 0 | 1 }[] = []
  const visit = (value: unknown, at: string): number => {
    const node = reader.object(value, at, t)
    if ('split_index' in node) {
      const s = reader.integer(node.split_index, `${at}.split_index`, t)
      if (s >= numNodes) reader.fail(`${at}.split_index`, `${s} is not below num_leaves - 1 = ${numNodes}`, t)
      if (seenNode[s]) reader.fail(`${at}.split_index`, `split ${s} appears twice`, t)
      seenNode[s] = 1
      const feature = reader.integer(node.split_feature, `${at}.split_feature`, t)
      if (feature >= numFeatures)
        reader.fail(`${at}.split_feature`, `${feature} is not below ${numFeatures} features`, t)
      splitFeature[s] = feature
      const missing = MISSING_TYPES[String(node.missing_type)]
      if (missing === undefined)
        reader.fail(
          `${at}.missing_type`,
          `expected None, Zero or NaN, found ${describe(node.missing_type)}`,
          t,
        )
      let kind = (node.default_left === true ? 2 : 0) | (missing << 2)
      if (node.decision_type === '==') {
        kind |= 1
        const text = node.threshold
        if (typeof text !== 'string' || !/^[0-9]+(\|\|[0-9]+)*$/.test(text))
          reader.fail(`${at}.threshold`, `expected categories such as "1||3", found ${describe(text)}`, t)
        const categories = text.split('||').map(Number)
        const max = Math.max(...categories)
        // 2^22 words (categories below 2^27): far beyond any real model, and a bound on memory.
        if (max >= 2 ** 27)
          reader.fail(`${at}.threshold`, `category ${max} is too large (at most 2^27 - 1)`, t)
        const words = new Array<number>(Math.floor(max / 32) + 1).fill(0)
        for (const c of categories) words[c >>> 5] = (words[c >>> 5] | (1 << (c & 31))) >>> 0
        threshold[s] = catBoundaries.length - 1
        catWords.push(...words)
        catBoundaries.push(catWords.length)
      } else if (node.decision_type === '<=') {
        threshold[s] = reader.number(node.threshold, `${at}.threshold`, t)
      } else {
        reader.fail(`${at}.decision_type`, `expected "<=" or "==", found ${describe(node.decision_type)}`, t)
      }
      decisionType[s] = kind
      internalCount[s] =
        node.internal_count === undefined ? 0 : reader.integer(node.internal_count, `${at}.internal_count`, t)
      stack.push({ node: node.left_child, path: `${at}.left_child`, parent: s, side: 0 })
      stack.push({ node: node.right_child, path: `${at}.right_child`, parent: s, side: 1 })
      return s
    }
    const l =
      numLeaves === 1 && node.leaf_index === undefined
        ? 0
        : reader.integer(node.leaf_index, `${at}.leaf_index`, t)
    if (l >= numLeaves) reader.fail(`${at}.leaf_index`, `${l} is not below num_leaves = ${numLeaves}`, t)
    if (seenLeaf[l]) reader.fail(`${at}.leaf_index`, `leaf ${l} appears twice`, t)
    seenLeaf[l] = 1
    leafValue[l] = reader.number(node.leaf_value, `${at}.leaf_value`, t)
    leafCount[l] = node.leaf_count === undefined ? 0 : reader.integer(node.leaf_count, `${at}.leaf_count`, t)
    if ('leaf_const' in node) {
      linear = true
      leafConst[l] = reader.number(node.leaf_const, `${at}.leaf_const`, t)
      leafFeatures[l] = reader.numbers(node.leaf_features ?? [], `${at}.leaf_features`, t)
      leafCoeffs[l] = reader.numbers(node.leaf_coeff ?? [], `${at}.leaf_coeff`, t)
      if (leafFeatures[l].length !== leafCoeffs[l].length)
        reader.fail(`${at}.leaf_coeff`, 'leaf_features and leaf_coeff differ in length', t)
    }
    return ~l
  }

  // An explicit stack: a deep (or hostile) tree never overflows the call stack.
  const root = visit(info.tree_structure, `${path}.tree_structure`)
  if (numNodes > 0 && root !== 0) reader.fail(`${path}.tree_structure`, 'the root is not split 0', t)
  if (numNodes === 0 && root >= 0)
    reader.fail(`${path}.tree_structure`, 'num_leaves is 1 but the root is a split', t)
  while (stack.length > 0) {
    const { node, path: at, parent, side } = stack.pop()!
    const child = visit(node, at)
    ;(side === 0 ? left : right)[parent] = child
  }
  const unused = seenNode.indexOf(0) >= 0 || seenLeaf.indexOf(0) >= 0
  if (unused)
    reader.fail(`${path}.tree_structure`, `does not hold all ${numNodes} splits and ${numLeaves} leaves`, t)

  const shrinkage = info.shrinkage === undefined ? 1 : reader.number(info.shrinkage, `${path}.shrinkage`, t)
  const lines = [`Tree=${t}`, `num_leaves=${numLeaves}`, `num_cat=${catBoundaries.length - 1}`]
  if (numNodes > 0) {
    lines.push(
      `split_feature=${join(splitFeature)}`,
      `threshold=${join(threshold)}`,
      `decision_type=${join(decisionType)}`,
      `left_child=${join(left)}`,
      `right_child=${join(right)}`,
    )
  }
  lines.push(`leaf_value=${join(leafValue)}`, `leaf_count=${join(leafCount)}`)
  if (numNodes > 0) lines.push(`internal_count=${join(internalCount)}`)
  if (catBoundaries.length > 1)
    lines.push(`cat_boundaries=${catBoundaries.join(' ')}`, `cat_threshold=${catWords.join(' ')}`)
  if (linear) {
    lines.push(
      'is_linear=1',
      `leaf_const=${join(leafConst)}`,
      `num_features=${leafFeatures.map((f) => f.length).join(' ')}`,
      `leaf_features=${leafFeatures.flat().join(' ')}`,
      `leaf_coeff=${join(leafCoeffs.flat())}`,
    )
  }
  lines.push(`shrinkage=${num(shrinkage)}`, '')
  return lines
}

/**
 * The model.txt text of a parsed JSON dump (`Booster.dump_model()`): header, trees,
 * importances and the pandas line. Throws ModelParseError naming the JSON path (and tree)
 * of anything that is not a dump.
 */
export function modelTextFromJsonDump(dump: unknown, source?: string): string {
  const reader: DumpReader = new DumpReader(source)
  const root = reader.object(dump, '(top level)')
  const numClass = reader.integer(root.num_class, 'num_class', undefined, 1)
  const maxFeatureIdx = reader.integer(root.max_feature_idx, 'max_feature_idx')
  const numFeatures = maxFeatureIdx + 1
  const names = root.feature_names
  if (!Array.isArray(names) || names.length !== numFeatures || names.some((n) => typeof n !== 'string'))
    reader.fail('feature_names', `expected ${numFeatures} names (max_feature_idx + 1)`)
  const infos = reader.object(root.feature_infos ?? {}, 'feature_infos')
  const featureInfos = (names as string[]).map((name) => {
    const entry = infos[name]
    if (entry === undefined) return 'none'
    const info = reader.object(entry, `feature_infos.${name}`)
    const values = Array.isArray(info.values)
      ? reader.numbers(info.values, `feature_infos.${name}.values`)
      : []
    if (values.length > 0) return values.join(':')
    const min = reader.number(info.min_value, `feature_infos.${name}.min_value`)
    const max = reader.number(info.max_value, `feature_infos.${name}.max_value`)
    return `[${num(min)}:${num(max)}]`
  })
  const header = ['tree', `version=${typeof root.version === 'string' ? root.version : 'v4'}`]
  header.push(`num_class=${numClass}`)
  if (root.num_tree_per_iteration !== undefined)
    header.push(
      `num_tree_per_iteration=${reader.integer(root.num_tree_per_iteration, 'num_tree_per_iteration', undefined, 1)}`,
    )
  header.push(
    `label_index=${root.label_index === undefined ? 0 : reader.integer(root.label_index, 'label_index')}`,
  )
  header.push(`max_feature_idx=${maxFeatureIdx}`)
  if (root.objective !== undefined) {
    if (typeof root.objective !== 'string')
      reader.fail('objective', `expected text, found ${describe(root.objective)}`)
    header.push(`objective=${root.objective}`)
  }
  if (root.average_output === true) header.push('average_output')
  header.push(`feature_names=${(names as string[]).join(' ')}`)
  const monotone =
    root.monotone_constraints === undefined
      ? []
      : reader.numbers(root.monotone_constraints, 'monotone_constraints')
  if (monotone.length > 0) header.push(`monotone_constraints=${monotone.join(' ')}`)
  header.push(`feature_infos=${featureInfos.join(' ')}`, '')

  const trees = root.tree_info
  if (!Array.isArray(trees)) reader.fail('tree_info', `expected a list of trees, found ${describe(trees)}`)
  const body: string[] = []
  trees.forEach((tree, t) => {
    body.push(...treeLines(reader, reader.object(tree, `tree_info[${t}]`, t), t, numFeatures))
  })
  body.push('end of trees', '')
  if (root.feature_importances !== undefined) {
    const importances = reader.object(root.feature_importances, 'feature_importances')
    body.push('feature_importances:')
    for (const [name, value] of Object.entries(importances))
      body.push(`${name}=${num(reader.number(value, `feature_importances.${name}`))}`)
    body.push('')
  }
  if ('pandas_categorical' in root)
    body.push(`pandas_categorical:${JSON.stringify(root.pandas_categorical ?? null)}`)
  return `${header.join('\n')}\n${body.join('\n')}\n`
}

/** Parses the text of a JSON dump; a syntax error is a ModelParseError. */
export function parseJsonDumpText(text: string, source?: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new ModelParseError(
      `not a LightGBM JSON dump: ${(error as Error).message}`,
      { source },
      { cause: error },
    )
  }
}

/**
 * A JSON dump (text or bytes) parsed into a model: converted to the model.txt layout and
 * read by the text parser, which validates it. Errors name the JSON path, or the tree and
 * key (lines of the converted text would mean nothing to the caller).
 */
export function parseJsonDump(input: Uint8Array | string, options: ParseOptions = {}): ParsedModel {
  const text = typeof input === 'string' ? input : new TextDecoder('utf-8').decode(input)
  const modelText = modelTextFromJsonDump(parseJsonDumpText(text, options.source), options.source)
  try {
    return parseModelData(modelText)
  } catch (error) {
    if (!(error instanceof ModelParseError)) throw error
    const reason = error.message.slice(error.message.lastIndexOf(': ') + 2)
    throw new ModelParseError(
      `JSON dump: ${reason}`,
      { tree: error.tree, key: error.key, source: options.source },
      { cause: error },
    )
  }
}

/**
 * Reads `chunks` far enough to tell a JSON dump from a model.txt: a dump is gathered and
 * returned whole as `json`; otherwise `chunks` are handed back unread in `rest`.
 */
export async function sniffJsonDump(
  chunks: AsyncIterable<Uint8Array>,
): Promise<{ json?: Uint8Array; rest: AsyncIterable<Uint8Array> }> {
  const iterator = chunks[Symbol.asyncIterator]()
  const head: Uint8Array[] = []
  let first = await iterator.next()
  while (!first.done && first.value.length === 0) first = await iterator.next()
  if (first.done) return { rest: (async function* () {})() }
  head.push(first.value)
  if (!looksLikeJsonDump(first.value)) {
    const rest = (async function* () {
      yield* head
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value
    })()
    return { rest }
  }
  let total = first.value.length
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    head.push(next.value)
    total += next.value.length
  }
  const json = new Uint8Array(total)
  let offset = 0
  for (const part of head) {
    json.set(part, offset)
    offset += part.length
  }
  return { json, rest: (async function* () {})() }
}
