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

/** Checks values of the dump, naming their JSON path in a ModelParseError. */
class DumpReader {
  constructor(private readonly source: string | undefined) {}

  fail(path: string, message: string, tree?: number): never {
    throw new ModelParseError(`JSON dump ${path}: ${message}`, { tree, key: path, source: this.source })
  }

  object(value: unknown, path: string, tree?: number): Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      this.fail(path, 'expected an object', tree)
    return value as Json
  }

  number(value: unknown, path: string, tree?: number): number {
    if (typeof value !== 'number')
      this.fail(path, `expected a number, found ${JSON.stringify(value)?.slice(0, 40)}`, tree)
    return value
  }

  integer(value: unknown, path: string, tree?: number): number {
    const n = this.number(value, path, tree)
    if (!Number.isInteger(n) || n < 0 || n > 2147483647)
      this.fail(path, `expected an integer >= 0, found ${n}`, tree)
    return n
  }

  numbers(value: unknown, path: string, tree?: number): number[] {
    if (!Array.isArray(value)) this.fail(path, 'expected a list of numbers', tree)
    return value.map((x, i) => this.number(x, `${path}[${i}]`, tree))
  }

  /** Text that goes into a model.txt line: one line, and no spaces when `word`. */
  text(value: unknown, path: string, word: boolean): string {
    if (typeof value !== 'string' || (word ? /[\s]/ : /[\r\n]/).test(value) || value === '')
      this.fail(path, `expected ${word ? 'a name without white space' : 'one line of text'}`)
    return value
  }
}

/** A double as text that reads back to the same double (-0 kept). */
const num = (x: number): string => (Object.is(x, -0) ? '-0' : String(x))
const join = (values: readonly number[]) => values.map(num).join(' ')

/** The model.txt lines of tree `t` of the dump. */
function treeLines(reader: DumpReader, info: Json, t: number): string[] {
  const path = `tree_info[${t}]`
  const numLeaves = reader.integer(info.num_leaves, `${path}.num_leaves`, t)
  // Plain arrays filled by split_index / leaf_index: memory follows the JSON, never a
  // num_leaves it claims. Every index is checked to be present once below.
  const splitFeature: number[] = []
  const threshold: number[] = []
  const decisionType: number[] = []
  const left: number[] = []
  const right: number[] = []
  const internalCount: number[] = []
  const leafValue: number[] = []
  const leafCount: number[] = []
  const leafConst: number[] = []
  const leafFeatures: number[][] = []
  const leafCoeffs: number[][] = []
  const catBoundaries = [0]
  const catWords: number[] = []
  let splits = 0
  let leaves = 0
  let linear = false

  // Returns the child code (split index, or ~leaf); children are queued on an explicit
  // stack, so a deep (or hostile) tree never overflows the call stack.
  const stack: { node: unknown; at: string; parent: number; side: number }[] = []
  const visit = (value: unknown, at: string): number => {
    const node = reader.object(value, at, t)
    if ('split_index' in node) {
      const s = reader.integer(node.split_index, `${at}.split_index`, t)
      if (s >= numLeaves - 1 || splitFeature[s] !== undefined)
        reader.fail(`${at}.split_index`, `${s} is out of range or repeated`, t)
      splits++
      splitFeature[s] = reader.integer(node.split_feature, `${at}.split_feature`, t)
      const missing = ['None', 'Zero', 'NaN'].indexOf(node.missing_type as string)
      if (missing < 0) reader.fail(`${at}.missing_type`, 'expected None, Zero or NaN', t)
      let kind = (node.default_left === true ? 2 : 0) | (missing << 2)
      if (node.decision_type === '==') {
        kind |= 1
        const text = node.threshold
        if (typeof text !== 'string' || !/^[0-9]{1,9}(\|\|[0-9]{1,9})*$/.test(text))
          reader.fail(`${at}.threshold`, 'expected categories such as "1||3"', t)
        const categories = text.split('||').map(Number)
        // 2^22 words at most (categories below 2^27): beyond any real model, a bound on memory.
        const max = Math.max(...categories)
        if (max >= 2 ** 27) reader.fail(`${at}.threshold`, `category ${max} is too large`, t)
        const words = new Array<number>((max >>> 5) + 1).fill(0)
        for (const c of categories) words[c >>> 5] = (words[c >>> 5] | (1 << (c & 31))) >>> 0
        threshold[s] = catBoundaries.length - 1
        catWords.push(...words)
        catBoundaries.push(catWords.length)
      } else {
        if (node.decision_type !== '<=') reader.fail(`${at}.decision_type`, 'expected "<=" or "=="', t)
        threshold[s] = reader.number(node.threshold, `${at}.threshold`, t)
      }
      decisionType[s] = kind
      internalCount[s] = reader.integer(node.internal_count ?? 0, `${at}.internal_count`, t)
      stack.push({ node: node.left_child, at: `${at}.left_child`, parent: s, side: 0 })
      stack.push({ node: node.right_child, at: `${at}.right_child`, parent: s, side: 1 })
      return s
    }
    const l = reader.integer(node.leaf_index ?? 0, `${at}.leaf_index`, t)
    if (l >= numLeaves || leafValue[l] !== undefined)
      reader.fail(`${at}.leaf_index`, `${l} is out of range or repeated`, t)
    leaves++
    leafValue[l] = reader.number(node.leaf_value, `${at}.leaf_value`, t)
    leafCount[l] = reader.integer(node.leaf_count ?? 0, `${at}.leaf_count`, t)
    leafConst[l] = 0
    leafFeatures[l] = []
    leafCoeffs[l] = []
    if ('leaf_const' in node) {
      linear = true
      leafConst[l] = reader.number(node.leaf_const, `${at}.leaf_const`, t)
      leafFeatures[l] = reader.numbers(node.leaf_features ?? [], `${at}.leaf_features`, t)
      leafCoeffs[l] = reader.numbers(node.leaf_coeff ?? [], `${at}.leaf_coeff`, t)
    }
    return ~l
  }

  const root = visit(info.tree_structure, `${path}.tree_structure`)
  if (root > 0) reader.fail(`${path}.tree_structure`, 'the root is not split 0', t)
  while (stack.length > 0) {
    const { node, at, parent, side } = stack.pop()!
    ;(side === 0 ? left : right)[parent] = visit(node, at)
  }
  if (splits !== numLeaves - 1 || leaves !== numLeaves)
    reader.fail(
      `${path}.tree_structure`,
      `holds ${splits} splits and ${leaves} leaves, not num_leaves = ${numLeaves}`,
      t,
    )

  const lines = [`Tree=${t}`, `num_leaves=${numLeaves}`, `num_cat=${catBoundaries.length - 1}`]
  if (splits > 0) {
    lines.push(
      `split_feature=${splitFeature.join(' ')}`,
      `threshold=${join(threshold)}`,
      `decision_type=${decisionType.join(' ')}`,
      `left_child=${left.join(' ')}`,
      `right_child=${right.join(' ')}`,
      `internal_count=${internalCount.join(' ')}`,
    )
  }
  lines.push(`leaf_value=${join(leafValue)}`, `leaf_count=${leafCount.join(' ')}`)
  if (catWords.length > 0)
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
  lines.push(`shrinkage=${num(reader.number(info.shrinkage ?? 1, `${path}.shrinkage`, t))}`, '')
  return lines
}

/**
 * The model.txt text of a parsed JSON dump (`Booster.dump_model()`): header, trees,
 * importances and the pandas line. Throws ModelParseError naming the JSON path (and tree)
 * of anything that is not a dump; the text parser then validates the model itself.
 */
export function modelTextFromJsonDump(dump: unknown, source?: string): string {
  const reader: DumpReader = new DumpReader(source)
  const root = reader.object(dump, '(top level)')
  if (!('tree_info' in root) || !('max_feature_idx' in root))
    throw new ModelParseError(
      "not a LightGBM text model or JSON dump: JSON without 'tree_info' and 'max_feature_idx' (Booster.dump_model() writes both)",
      { source },
    )
  const names = root.feature_names
  if (!Array.isArray(names)) reader.fail('feature_names', 'expected a list of names')
  const featureNames = names.map((name, i) => reader.text(name, `feature_names[${i}]`, true))
  const infos = reader.object(root.feature_infos ?? {}, 'feature_infos')
  const featureInfos = featureNames.map((name) => {
    if (infos[name] === undefined) return 'none'
    const info = reader.object(infos[name], `feature_infos.${name}`)
    const values = reader.numbers(info.values ?? [], `feature_infos.${name}.values`)
    if (values.length > 0) return join(values).replaceAll(' ', ':')
    return `[${num(reader.number(info.min_value, `feature_infos.${name}.min_value`))}:${num(reader.number(info.max_value, `feature_infos.${name}.max_value`))}]`
  })
  const header = [
    'tree',
    `version=${reader.text(root.version ?? 'v4', 'version', true)}`,
    `num_class=${reader.integer(root.num_class, 'num_class')}`,
    `num_tree_per_iteration=${reader.integer(root.num_tree_per_iteration ?? root.num_class, 'num_tree_per_iteration')}`,
    `label_index=${reader.integer(root.label_index ?? 0, 'label_index')}`,
    `max_feature_idx=${reader.integer(root.max_feature_idx, 'max_feature_idx')}`,
  ]
  if (root.objective !== undefined)
    header.push(`objective=${reader.text(root.objective, 'objective', false)}`)
  if (root.average_output === true) header.push('average_output')
  header.push(`feature_names=${featureNames.join(' ')}`)
  const monotone = reader.numbers(root.monotone_constraints ?? [], 'monotone_constraints')
  if (monotone.length > 0) header.push(`monotone_constraints=${join(monotone)}`)
  header.push(`feature_infos=${featureInfos.join(' ')}`, '')

  const trees = root.tree_info
  if (!Array.isArray(trees)) reader.fail('tree_info', 'expected a list of trees')
  const body = trees.flatMap((tree, t) => treeLines(reader, reader.object(tree, `tree_info[${t}]`, t), t))
  body.push('end of trees', '', 'feature_importances:')
  const importances = reader.object(root.feature_importances ?? {}, 'feature_importances')
  for (const name of Object.keys(importances)) {
    const value = reader.number(importances[name], `feature_importances.${name}`)
    body.push(`${reader.text(name, `feature_importances.${name}`, true)}=${num(value)}`)
  }
  body.push('')
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
      `not a LightGBM text model or JSON dump: ${(error as Error).message}`,
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
