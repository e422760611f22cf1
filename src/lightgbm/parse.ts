// The parser: turns the lines of a model.txt into a Forest plus the header facts.
// It is a push state machine (header -> trees -> trailer) fed line by line by
// LineSplitter, so a stream of chunks is parsed without the file ever being one string.
// Rules follow LightGBM's GBDT::LoadModelFromString (src/boosting/gbdt_model_text.cpp)
// and Tree::Tree(const char*, size_t*) (src/io/tree.cpp).

import { decodeNodeKind, isValidDecisionType, NodeKind } from './decision.ts'
import { ModelParseError } from './errors.ts'
import {
  type Forest,
  ForestBuilder,
  type ForestPartStorage,
  TREE_CATEGORICAL,
  TREE_LINEAR,
  TREE_SLOW_NODES,
} from './forest.ts'
import { LineSplitter } from './lines.ts'
import { readDoubles, readIntegers, TokenError } from './numbers.ts'
import { type Objective, parseObjective } from './objective.ts'
import { isOpenParametersEnd } from './old-layout.ts'

/** Header and trailer facts of a model file. */
export interface ModelInfo {
  /** `version=` line (`v2`, `v3`, `v4`), or undefined for files without one. */
  version?: string
  numClass: number
  numTreePerIteration: number
  labelIndex: number
  maxFeatureIdx: number
  objective: Objective
  averageOutput: boolean
  featureNames: string[]
  /** `feature_infos=` entries: `[min:max]`, `none`, or `:`-joined categories. */
  featureInfos: string[]
  /** Indices of features whose feature_infos is a category list. */
  categoricalFeatures: number[]
  monotoneConstraints?: number[]
  treeSizes?: number[]
  /** Other header `key=value` lines, verbatim. */
  headerExtra: Record<string, string>
  /** `feature_importances:` (or `feature importances:`) entries, in file order. */
  featureImportances: { name: string; value: number }[]
  /** `[key: value]` lines of the parameters section, values as free text. */
  parameters: Record<string, string>
  /** The `pandas_categorical:` line's JSON text, when present. */
  pandasCategoricalText?: string
  /**
   * Category labels of each pandas categorical column (`pandas_categorical:` as JSON),
   * or null when the line is absent, `null`, or not a list of lists.
   */
  pandasCategorical: unknown[][] | null
}

enum Section {
  Header,
  Trees,
  Trailer,
  Importances,
  Parameters,
  Done,
}

// ignoreBOM keeps a U+FEFF inside the file as text: only the file's first bytes may be a BOM
// (LineSplitter drops that one); a BOM before a header key must not make the key valid.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true })

function latin1(bytes: Uint8Array, start: number, end: number): string {
  let text = ''
  for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i])
  return text
}

function startsWith(bytes: Uint8Array, start: number, end: number, prefix: string): boolean {
  if (end - start < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (bytes[start + i] !== prefix.charCodeAt(i)) return false
  return true
}

const newInts = (n: number) => new Int32Array(n)
const newDoubles = (n: number) => new Float64Array(n)

/** Per-tree scratch: typed arrays reused from tree to tree. */
class TreeScratch {
  index = -1
  startLine = 0
  numLeaves = -1
  numCat = -1
  isLinear = 0
  shrinkage = 1
  legacyKey: string | undefined
  lastKey: string | undefined
  seen = new Set<string>()
  lineOf = new Map<string, number>()
  counts = new Map<string, number>()
  ints = new Map<string, Int32Array>()
  wides = new Map<string, Float64Array>()
  doubles = new Map<string, Float64Array>()

  reset(index: number, line: number): void {
    this.index = index
    this.startLine = line
    this.numLeaves = -1
    this.numCat = -1
    this.isLinear = 0
    this.shrinkage = 1
    this.legacyKey = undefined
    this.lastKey = undefined
    this.seen.clear()
    this.lineOf.clear()
    this.counts.clear()
  }

  /** The reusable buffer of `key` in `map`, grown to hold `capacity` values. */
  buffer<T extends Int32Array | Float64Array>(
    map: Map<string, T>,
    make: (n: number) => T,
    key: string,
    capacity: number,
  ): T {
    let buffer = map.get(key)
    if (!buffer || buffer.length < capacity) {
      buffer = make(Math.max(capacity, 64))
      map.set(key, buffer)
    }
    return buffer
  }
}

const INT_KEYS = new Set([
  'split_feature',
  'decision_type',
  'left_child',
  'right_child',
  'cat_boundaries',
  'num_features',
  'leaf_features',
  // int in LightGBM (Tree::leaf_count_, internal_count_): int32, range-checked.
  'leaf_count',
  'internal_count',
])
// cat_threshold words are uint32: read wide, then checked.
const WIDE_KEYS = new Set(['cat_threshold'])
const DOUBLE_KEYS = new Set(['threshold', 'leaf_value', 'leaf_const', 'leaf_coeff'])
// Written by LightGBM but not needed to predict or explain: skipped without parsing.
const SKIPPED_KEYS = new Set(['split_gain', 'leaf_weight', 'internal_value', 'internal_weight'])

/** What the parser yields: the forest and the model's facts. */
export interface ParsedModel {
  forest: Forest
  info: ModelInfo
}

/** Options of parseModel / loadModel. */
export interface ParseOptions {
  /** A name for the model's source (file path, URL), used in error messages. */
  source?: string
}

/**
 * A parser filling one part of a forest built by several parsers at once (leafwise/node's
 * parallel load): it reads the header, then trees from `starts.treeRoot` on, writing each
 * storage array from its start index (global tree, node and leaf numbers); `finishPart`
 * ends it.
 */
export interface PartOptions {
  storage: ForestPartStorage
  starts: Record<keyof ForestPartStorage, number>
}

/** Push parser; feed bytes with `push`, then call `finish`. */
export class ModelParser {
  private readonly splitter: LineSplitter
  private section = Section.Header
  private readonly header = new Map<string, { value: string; line: number }>()
  private sawTreeLine = false
  private averageOutput = false
  private info: ModelInfo | undefined
  private readonly builder = new ForestBuilder()
  private readonly tree = new TreeScratch()
  private inTree = false
  private treeBytesTotal = 0
  private treeBytesSeen = 0
  private readonly importances: { name: string; value: number }[] = []
  private readonly parameters: Record<string, string> = Object.create(null)
  private pandasCategoricalText: string | undefined
  /** The file has an 'end of trees' line (LightGBM >= 2.2.0 writes one). */
  private sawEndOfTrees = false
  private readonly source: string | undefined

  constructor(options: ParseOptions = {}, part?: PartOptions) {
    this.source = options.source
    if (part) this.builder.attach(part.storage, part.starts)
    this.splitter = new LineSplitter((bytes, start, end, line) => this.line(bytes, start, end, line))
  }

  private fail(message: string, location: { line?: number; tree?: number; key?: string } = {}): never {
    throw new ModelParseError(message, { ...location, source: this.source })
  }

  push(chunk: Uint8Array): void {
    this.splitter.push(chunk)
  }

  finish(): ParsedModel {
    const lines = this.splitter.end()
    if (this.section === Section.Header) {
      if (lines === 0) this.fail('the model is empty')
      this.fail("no 'Tree=' block found: not a LightGBM text model, or a file cut inside its header", {
        line: lines,
      })
    }
    if (this.section === Section.Trees) {
      const announced = this.info?.treeSizes
        ? `; the header announces ${this.info.treeSizes.length} trees (tree_sizes)`
        : ''
      if (this.inTree) {
        const lastKey = this.tree.lastKey ? ` (in its ${this.tree.lastKey} line)` : ''
        const prefix = `the file is truncated: it ends inside Tree=${this.tree.index}${lastKey}, before 'end of trees'${announced}`
        try {
          this.closeTree(true)
        } catch (error) {
          if (!(error instanceof ModelParseError)) throw error
          const reason = error.message.slice(error.message.lastIndexOf(': ') + 2)
          throw new ModelParseError(`${prefix}; ${reason}`, {
            line: error.line,
            tree: error.tree,
            key: error.key,
            source: this.source,
          })
        }
        this.fail(prefix, { line: lines, tree: this.tree.index })
      }
      this.fail(
        `the file is truncated: it ends after Tree=${this.tree.index}, before 'end of trees'${announced}`,
        { line: lines },
      )
    }
    // Files written before LightGBM 2.2.0 have neither closing line: their parameters run
    // to the end of the file, as LightGBM's loader allows (old-layout.ts).
    if (this.section === Section.Parameters && this.sawEndOfTrees) {
      this.fail("the parameters section has no 'end of parameters' line: truncated", { line: lines })
    }
    const info = this.completeInfo()
    const forest = this.builder.finish()
    if (info.treeSizes && info.treeSizes.length !== forest.numTrees) {
      this.fail(`tree_sizes lists ${info.treeSizes.length} trees but the file holds ${forest.numTrees}`, {
        line: this.header.get('tree_sizes')?.line,
        key: 'tree_sizes',
      })
    }
    if (forest.numTrees % info.numTreePerIteration !== 0) {
      this.fail(
        `${forest.numTrees} trees is not a multiple of num_tree_per_iteration=${info.numTreePerIteration}`,
        {
          key: 'num_tree_per_iteration',
        },
      )
    }
    return { forest, info }
  }

  /**
   * Ends a part (see PartOptions): its trees are in the storage; returns where it stopped
   * (trees, nodes and leaves: the next part's bases) and the model facts read so far.
   */
  finishPart(): { trees: number; nodes: number; leaves: number; info: ModelInfo } {
    this.splitter.end()
    if (
      this.section === Section.Trees ||
      (this.section === Section.Parameters && this.sawEndOfTrees) ||
      !this.info
    )
      this.fail('unfinished part')
    const info = this.completeInfo()
    const b = this.builder
    return { trees: b.treeRoot.length, nodes: b.splitFeature.length, leaves: b.leafValue.length, info }
  }

  /** The header's facts with the trailer's (importances, parameters, pandas categories). */
  private completeInfo(): ModelInfo {
    const info = this.info!
    info.featureImportances = this.importances
    info.parameters = this.parameters
    info.pandasCategoricalText = this.pandasCategoricalText
    info.pandasCategorical = parsePandasCategorical(this.pandasCategoricalText)
    return info
  }

  private line(bytes: Uint8Array, start: number, end: number, line: number): void {
    if (this.section === Section.Header) this.headerLine(bytes, start, end, line)
    else if (this.section === Section.Trees) this.treeLine(bytes, start, end, line)
    else this.trailerLine(bytes, start, end, line)
  }

  // ---- header --------------------------------------------------------------------

  private headerLine(bytes: Uint8Array, start: number, end: number, line: number): void {
    if (start === end) return
    if (startsWith(bytes, start, end, 'Tree=')) {
      this.info = this.buildInfo(line)
      this.section = Section.Trees
      this.treeLine(bytes, start, end, line)
      return
    }
    const text = utf8.decode(bytes.subarray(start, end))
    if (text === 'tree') {
      this.sawTreeLine = true
      return
    }
    if (text === 'average_output') {
      this.averageOutput = true
      return
    }
    if (text === 'end of trees') this.fail("'end of trees' before any Tree= block", { line })
    const eq = text.indexOf('=')
    if (eq < 0) this.fail(`expected a 'key=value' header line, found '${text.slice(0, 60)}'`, { line })
    const key = text.slice(0, eq)
    if (this.header.has(key)) this.fail(`header key '${key}' appears twice`, { line, key })
    this.header.set(key, { value: text.slice(eq + 1), line })
  }

  private headerInt(key: string, required: boolean, fallback: number, min: number): number {
    const entry = this.header.get(key)
    if (!entry) {
      if (required) this.fail(`the header has no '${key}' line`, { key })
      return fallback
    }
    // Decimal digits only: Number() would also take '0x10', '1e3' or '1e-400' (= 0).
    const value = /^\s*[+-]?[0-9]{1,10}\s*$/.test(entry.value) ? Number(entry.value) : Number.NaN
    if (!Number.isInteger(value) || value < min || value > 2147483647) {
      this.fail(`'${key}' must be an integer >= ${min}, found '${entry.value.slice(0, 40)}'`, {
        line: entry.line,
        key,
      })
    }
    return value
  }

  private buildInfo(firstTreeLine: number): ModelInfo {
    const version = this.header.get('version')?.value
    if (!this.sawTreeLine && version === undefined) {
      this.fail("not a LightGBM text model: it starts with neither 'tree' nor a 'version=' line", { line: 1 })
    }
    if (!this.header.has('feature_infos')) {
      // LightGBM 4.x refuses these too ("Model file doesn't contain feature_infos").
      this.fail(
        "the header has no 'feature_infos' line: a pre-2.0.4 model layout, which LightGBM 4.x refuses as well; re-save the model with LightGBM >= 2.1",
        { key: 'feature_infos', line: firstTreeLine },
      )
    }
    const numClass = this.headerInt('num_class', true, 1, 1)
    const numTreePerIteration = this.headerInt('num_tree_per_iteration', false, numClass, 1)
    const labelIndex = this.headerInt('label_index', false, 0, 0)
    const maxFeatureIdx = this.headerInt('max_feature_idx', true, 0, 0)
    const numFeatures = maxFeatureIdx + 1
    const objectiveEntry = this.header.get('objective')
    const objective = parseObjective(objectiveEntry?.value)
    if (typeof objective === 'string') this.fail(objective, { line: objectiveEntry?.line, key: 'objective' })
    if (
      (objective.name === 'multiclass' || objective.name === 'multiclassova') &&
      objective.numClass !== numClass
    ) {
      this.fail(`objective says num_class:${objective.numClass} but the header says num_class=${numClass}`, {
        line: objectiveEntry?.line,
        key: 'objective',
      })
    }
    // feature_infos first: its length bounds max_feature_idx before any array is sized by it.
    const infosEntry = this.header.get('feature_infos')!
    const featureInfos = infosEntry.value.split(' ')
    if (featureInfos.length !== numFeatures) {
      this.fail(
        `feature_infos lists ${featureInfos.length} entries but the model has ${numFeatures} features`,
        {
          line: infosEntry.line,
          key: 'feature_infos',
        },
      )
    }
    const namesEntry = this.header.get('feature_names')
    let featureNames: string[]
    if (namesEntry) {
      featureNames = namesEntry.value.split(' ')
      if (featureNames.length !== numFeatures) {
        this.fail(
          `feature_names lists ${featureNames.length} names but max_feature_idx=${maxFeatureIdx} means ${numFeatures}`,
          {
            line: namesEntry.line,
            key: 'feature_names',
          },
        )
      }
    } else {
      featureNames = Array.from({ length: numFeatures }, (_, i) => `Column_${i}`)
    }
    const categoricalFeatures: number[] = []
    featureInfos.forEach((entry, i) => {
      if (entry !== 'none' && !entry.startsWith('[')) categoricalFeatures.push(i)
    })
    const intList = (key: string): number[] | undefined => {
      const entry = this.header.get(key)
      if (!entry) return undefined
      const tokens = entry.value.trim() === '' ? [] : entry.value.trim().split(/\s+/)
      const values = tokens.map((t) => (/^[+-]?[0-9]{1,15}$/.test(t) ? Number(t) : Number.NaN))
      const bad = values.findIndex((v) => !Number.isInteger(v))
      if (bad >= 0)
        this.fail(`'${key}' holds a non-integer entry at position ${bad + 1}`, { line: entry.line, key })
      return values
    }
    const treeSizes = intList('tree_sizes')
    if (treeSizes) {
      for (const size of treeSizes) {
        if (size < 0)
          this.fail('tree_sizes holds a negative size', {
            line: this.header.get('tree_sizes')?.line,
            key: 'tree_sizes',
          })
        this.treeBytesTotal += size
      }
    }
    const monotoneConstraints = intList('monotone_constraints')
    // LightGBM writes -1, 0 or 1 per feature; anything outside int32 is not a constraint.
    if (monotoneConstraints?.some((v) => v < -2147483648 || v > 2147483647))
      this.fail('monotone_constraints holds a value outside the int32 range', {
        line: this.header.get('monotone_constraints')?.line,
        key: 'monotone_constraints',
      })
    const known = new Set([
      'version',
      'num_class',
      'num_tree_per_iteration',
      'label_index',
      'max_feature_idx',
      'objective',
      'feature_names',
      'feature_infos',
      'tree_sizes',
      'monotone_constraints',
    ])
    const headerExtra: Record<string, string> = Object.create(null)
    for (const [key, { value }] of this.header) if (!known.has(key)) headerExtra[key] = value
    return {
      version,
      numClass,
      numTreePerIteration,
      labelIndex,
      maxFeatureIdx,
      objective,
      averageOutput: this.averageOutput,
      featureNames,
      featureInfos,
      categoricalFeatures,
      monotoneConstraints,
      treeSizes,
      headerExtra,
      featureImportances: [],
      parameters: {},
      pandasCategorical: null,
    }
  }

  // ---- trees ---------------------------------------------------------------------

  private treeLine(bytes: Uint8Array, start: number, end: number, line: number): void {
    if (start === end) return
    this.treeBytesSeen += end - start + 1
    if (startsWith(bytes, start, end, 'Tree=')) {
      if (this.inTree) this.closeTree(false)
      const text = latin1(bytes, start + 5, end)
      const index = Number(text)
      const expected = this.builder.treeRoot.length
      if (!Number.isInteger(index) || text === '')
        this.fail(`'Tree=${text.slice(0, 20)}' is not a tree number`, { line })
      if (index !== expected)
        this.fail(`found Tree=${index} where Tree=${expected} was expected`, { line, tree: index })
      this.tree.reset(index, line)
      this.inTree = true
      return
    }
    if (startsWith(bytes, start, end, 'end of trees')) {
      if (this.inTree) this.closeTree(false)
      this.sawEndOfTrees = true
      this.inTree = false
      this.section = Section.Trailer
      return
    }
    if (this.isTrailerHeader(bytes, start, end)) {
      // Old files (LightGBM 2.0.x) have no 'end of trees' line.
      if (this.inTree) this.closeTree(false)
      this.inTree = false
      this.section = Section.Trailer
      this.trailerLine(bytes, start, end, line)
      return
    }
    if (!this.inTree)
      this.fail(
        `expected 'Tree=' or 'end of trees', found '${latin1(bytes, start, Math.min(end, start + 40))}'`,
        { line },
      )
    let eq = start
    while (eq < end && bytes[eq] !== 61) eq++
    if (eq === end)
      this.fail(`expected 'key=value' in Tree=${this.tree.index}`, { line, tree: this.tree.index })
    const key = latin1(bytes, start, eq)
    const tree = this.tree
    if (tree.seen.has(key))
      this.fail(`key '${key}' appears twice in the tree`, { line, tree: tree.index, key })
    tree.seen.add(key)
    tree.lastKey = key
    tree.lineOf.set(key, line)
    const valueStart = eq + 1
    try {
      if (SKIPPED_KEYS.has(key)) return
      if (INT_KEYS.has(key)) {
        const buffer = tree.buffer(tree.ints, newInts, key, ((end - valueStart) >> 1) + 1)
        tree.counts.set(key, readIntegers(bytes, valueStart, end, buffer))
      } else if (WIDE_KEYS.has(key)) {
        const buffer = tree.buffer(tree.wides, newDoubles, key, ((end - valueStart) >> 1) + 1)
        tree.counts.set(key, readIntegers(bytes, valueStart, end, buffer))
      } else if (DOUBLE_KEYS.has(key)) {
        const buffer = tree.buffer(tree.doubles, newDoubles, key, ((end - valueStart) >> 1) + 1)
        tree.counts.set(key, readDoubles(bytes, valueStart, end, buffer))
      } else if (key === 'num_leaves' || key === 'num_cat' || key === 'is_linear') {
        const scalar = new Int32Array(2)
        const n = readIntegers(bytes, valueStart, end, scalar)
        if (n !== 1) this.fail(`'${key}' must hold one integer`, { line, tree: tree.index, key })
        const value = scalar[0]
        if (key === 'num_leaves') {
          if (value < 1) this.fail(`num_leaves must be >= 1, found ${value}`, { line, tree: tree.index, key })
          tree.numLeaves = value
        } else if (key === 'num_cat') {
          if (value < 0) this.fail(`num_cat must be >= 0, found ${value}`, { line, tree: tree.index, key })
          tree.numCat = value
        } else {
          if (value !== 0 && value !== 1)
            this.fail(`is_linear must be 0 or 1, found ${value}`, { line, tree: tree.index, key })
          tree.isLinear = value
        }
      } else if (key === 'shrinkage') {
        const scalar = new Float64Array(2)
        if (readDoubles(bytes, valueStart, end, scalar) === 1) tree.shrinkage = scalar[0]
      } else if (key === 'has_categorical' || key === 'leaf_parent') {
        tree.legacyKey = key
      }
    } catch (error) {
      if (error instanceof TokenError) this.fail(`${error.message}`, { line, tree: tree.index, key })
      throw error
    }
  }

  private isTrailerHeader(bytes: Uint8Array, start: number, end: number): boolean {
    return (
      startsWith(bytes, start, end, 'feature_importances:') ||
      startsWith(bytes, start, end, 'feature importances:') ||
      startsWith(bytes, start, end, 'parameters:') ||
      startsWith(bytes, start, end, 'pandas_categorical:')
    )
  }

  /** Validates the scratch tree and appends it to the forest. */
  private closeTree(atEndOfFile: boolean): void {
    const tree = this.tree
    const treeIndex = tree.index
    const info = this.info!
    const numFeatures = info.maxFeatureIdx + 1
    const at = (key: string) => ({ line: tree.lineOf.get(key) ?? tree.startLine, tree: treeIndex, key })
    const truncatedNote = atEndOfFile ? ' (the file ends inside this tree: truncated)' : ''
    if (tree.numLeaves < 0)
      this.fail(`the tree has no num_leaves line${truncatedNote}`, {
        line: tree.startLine,
        tree: treeIndex,
        key: 'num_leaves',
      })
    if (tree.numCat < 0) {
      if (tree.legacyKey) {
        this.fail(
          `the tree has '${tree.legacyKey}' and no num_cat: a LightGBM 2.0.x layout that LightGBM 4.x refuses ("Tree model should contain num_cat field"); re-save the model with LightGBM >= 2.1`,
          at(tree.legacyKey),
        )
      }
      this.fail(`the tree has no num_cat line${truncatedNote}`, {
        line: tree.startLine,
        tree: treeIndex,
        key: 'num_cat',
      })
    }
    const numLeaves = tree.numLeaves
    const numNodes = numLeaves - 1
    const count = (key: string) => tree.counts.get(key)
    const requireLength = (key: string, expected: number, required: boolean) => {
      const n = count(key)
      if (n === undefined) {
        if (required && expected > 0)
          this.fail(`the tree has no '${key}' line${truncatedNote}`, {
            line: tree.startLine,
            tree: treeIndex,
            key,
          })
        return false
      }
      // Optional keys written empty (leaf_count= of a hand-made one-leaf tree) are absent.
      if (n === 0 && !required) return false
      if (n !== expected) {
        this.fail(
          `'${key}' holds ${n} values but num_leaves=${numLeaves} needs ${expected}${truncatedNote}`,
          at(key),
        )
      }
      return true
    }
    requireLength('split_feature', numNodes, true)
    requireLength('threshold', numNodes, true)
    requireLength('decision_type', numNodes, true)
    requireLength('left_child', numNodes, true)
    requireLength('right_child', numNodes, true)
    requireLength('leaf_value', numLeaves, true)
    const hasLeafCount = requireLength('leaf_count', numLeaves, false)
    const hasInternalCount = requireLength('internal_count', numNodes, false)

    const b = this.builder
    const nodeBase = b.splitFeature.length
    const leafBase = b.leafValue.length
    // Size estimate from tree_sizes (bytes per node so far), so big models size the
    // arrays once. 10% slack: capacity never written is not resident memory.
    let estimatedNodes = 0
    let estimatedLeaves = 0
    if (this.treeBytesTotal > 0 && this.treeBytesSeen > 0) {
      const scale = (this.treeBytesTotal / this.treeBytesSeen) * 1.1
      estimatedNodes = Math.ceil((nodeBase + numNodes) * scale)
      estimatedLeaves = Math.ceil((leafBase + numLeaves) * scale)
    }
    if (tree.numCat > 0) b.startCategorical(estimatedNodes)
    b.reserveFor(numNodes, numLeaves, estimatedNodes, estimatedLeaves)

    const splitFeature = tree.ints.get('split_feature')!
    const threshold = tree.doubles.get('threshold')!
    const decisionType = tree.ints.get('decision_type')!
    const left = tree.ints.get('left_child')!
    const right = tree.ints.get('right_child')!

    // Categorical bitsets.
    let catWordBase = 0
    let catBoundaries: Int32Array | undefined
    if (tree.numCat > 0) {
      requireLength('cat_boundaries', tree.numCat + 1, true)
      catBoundaries = tree.ints.get('cat_boundaries')!
      const words = count('cat_threshold')
      if (words === undefined)
        this.fail(
          `the tree has num_cat=${tree.numCat} but no 'cat_threshold' line${truncatedNote}`,
          at('num_cat'),
        )
      if (catBoundaries[0] !== 0) this.fail('cat_boundaries must start at 0', at('cat_boundaries'))
      for (let i = 1; i <= tree.numCat; i++) {
        if (catBoundaries[i] < catBoundaries[i - 1])
          this.fail('cat_boundaries must not decrease', at('cat_boundaries'))
      }
      if (catBoundaries[tree.numCat] !== words) {
        this.fail(
          `cat_boundaries ends at ${catBoundaries[tree.numCat]} but cat_threshold holds ${words} words`,
          at('cat_threshold'),
        )
      }
      const catThreshold = tree.wides.get('cat_threshold')!
      catWordBase = b.catWords.length
      b.catWords.ensure(words, 0)
      for (let i = 0; i < words; i++) {
        const w = catThreshold[i]
        if (w < 0 || w > 4294967295)
          this.fail(`cat_threshold word ${w} is outside 0..2^32-1`, at('cat_threshold'))
        b.catWords.data[catWordBase + i] = w
      }
      b.catWords.length += words
    }

    const internalCount = hasInternalCount ? tree.ints.get('internal_count')! : undefined
    const catRanges = b.catRanges
    let treeFlags = 0
    for (let i = 0; i < numNodes; i++) {
      const feature = splitFeature[i]
      if (feature < 0 || feature >= numFeatures) {
        this.fail(
          `split_feature ${feature} at node ${i} is outside 0..${numFeatures - 1} (max_feature_idx=${info.maxFeatureIdx})`,
          at('split_feature'),
        )
      }
      const dt = decisionType[i]
      if (!isValidDecisionType(dt))
        this.fail(
          `decision_type ${dt} at node ${i} has unknown bits (valid: 0-11 without missing type 3)`,
          at('decision_type'),
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
          this.fail(
            `categorical node ${i} has threshold ${t}, not an index below num_cat=${Math.max(tree.numCat, 0)}`,
            at('threshold'),
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

    // Structure: every node and leaf reached exactly once from the root, no cycle, no
    // index out of range. Then the kernel can never loop or read out of bounds.
    const depth = this.checkStructure(left, right, numNodes, numLeaves, treeIndex, at)
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
    if (catRanges) {
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
      requireLength('leaf_const', numLeaves, true)
      requireLength('num_features', numLeaves, true)
      const perLeaf = tree.ints.get('num_features')!
      let terms = 0
      for (let i = 0; i < numLeaves; i++) {
        if (perLeaf[i] < 0) this.fail(`num_features of leaf ${i} is negative`, at('num_features'))
        terms += perLeaf[i]
      }
      const features = count('leaf_features') ?? 0
      const coeffs = count('leaf_coeff') ?? 0
      if (features !== terms)
        this.fail(
          `leaf_features holds ${features} entries but num_features adds up to ${terms}`,
          at('leaf_features'),
        )
      if (coeffs !== terms)
        this.fail(`leaf_coeff holds ${coeffs} entries but num_features adds up to ${terms}`, at('leaf_coeff'))
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
            this.fail(`leaf_features entry ${feature} is outside 0..${numFeatures - 1}`, at('leaf_features'))
          b.linearFeature.data[b.linearFeature.length + term] = feature
          b.linearCoeff.data[b.linearCoeff.length + term] = linearCoeffs![term]
        }
      }
      b.linearFeature.length += terms
      b.linearCoeff.length += terms
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
    this.inTree = false
  }

  private visited = new Uint8Array(0)
  private stack = new Int32Array(0)
  private stackDepth = new Int32Array(0)

  /** Checks the child arrays form one tree; returns its depth in internal nodes. */
  private checkStructure(
    left: Int32Array,
    right: Int32Array,
    numNodes: number,
    numLeaves: number,
    treeIndex: number,
    at: (key: string) => { line: number; tree: number; key: string },
  ): number {
    if (numNodes === 0) return 0
    const total = numNodes + numLeaves
    if (this.visited.length < total) {
      this.visited = new Uint8Array(total * 2)
      this.stack = new Int32Array(total * 2)
      this.stackDepth = new Int32Array(total * 2)
    }
    const visited = this.visited
    visited.fill(0, 0, total)
    let top = 0
    let maxDepth = 0
    let reached = 1
    this.stack[top] = 0
    this.stackDepth[top++] = 1
    visited[0] = 1
    while (top > 0) {
      const node = this.stack[--top]
      const d = this.stackDepth[top]
      if (d > maxDepth) maxDepth = d
      for (let side = 0; side < 2; side++) {
        const child = side === 0 ? left[node] : right[node]
        const key = side === 0 ? 'left_child' : 'right_child'
        if (child >= 0) {
          if (child >= numNodes)
            this.fail(
              `node ${node} points to node ${child}, but the tree has ${numNodes} internal nodes`,
              at(key),
            )
          if (visited[child])
            this.fail(
              `node ${child} is reached twice (from node ${node}): a cycle or a shared child`,
              at(key),
            )
          visited[child] = 1
          reached++
          this.stack[top] = child
          this.stackDepth[top++] = d + 1
        } else {
          const leaf = ~child
          if (leaf >= numLeaves)
            this.fail(`node ${node} points to leaf ${leaf}, but num_leaves=${numLeaves}`, at(key))
          if (visited[numNodes + leaf])
            this.fail(`leaf ${leaf} is reached twice (from node ${node})`, at(key))
          visited[numNodes + leaf] = 1
          reached++
        }
      }
    }
    if (reached !== total) {
      this.fail(
        `${total - reached} of the tree's ${numNodes} nodes and ${numLeaves} leaves are not reachable from the root`,
        {
          ...at('left_child'),
          tree: treeIndex,
        },
      )
    }
    return maxDepth
  }

  // ---- trailer -------------------------------------------------------------------

  private trailerLine(bytes: Uint8Array, start: number, end: number, line: number): void {
    if (this.section === Section.Parameters) {
      const text = utf8.decode(bytes.subarray(start, end))
      if (text === 'end of parameters') {
        this.section = Section.Trailer
        return
      }
      if (isOpenParametersEnd(text, this.sawEndOfTrees)) {
        this.pandasCategoricalText = text.slice('pandas_categorical:'.length)
        this.section = Section.Trailer
        return
      }
      // `[key: value]`; values are free text (paths, JSON-like lists): never parsed.
      if (text.startsWith('[') && text.endsWith(']')) {
        const colon = text.indexOf(':')
        if (colon > 0) this.parameters[text.slice(1, colon)] = text.slice(colon + 1, -1).trimStart()
      }
      return
    }
    if (start === end) {
      if (this.section === Section.Importances) this.section = Section.Trailer
      return
    }
    const text = utf8.decode(bytes.subarray(start, end))
    if (text === 'feature_importances:' || text === 'feature importances:') {
      this.section = Section.Importances
      return
    }
    if (text === 'parameters:') {
      this.section = Section.Parameters
      return
    }
    if (text.startsWith('pandas_categorical:')) {
      this.pandasCategoricalText = text.slice('pandas_categorical:'.length)
      this.section = Section.Trailer
      return
    }
    if (text.startsWith('Tree=')) this.fail("a Tree= block after 'end of trees'", { line })
    if (this.section === Section.Importances) {
      const eq = text.lastIndexOf('=')
      const value = Number(text.slice(eq + 1))
      if (eq > 0 && Number.isFinite(value)) this.importances.push({ name: text.slice(0, eq), value })
    }
    // Anything else after the trees is ignored, as LightGBM does.
  }
}

/** The pandas_categorical JSON, when it is a list of lists (the only shape LightGBM writes). */
function parsePandasCategorical(text: string | undefined): unknown[][] | null {
  if (text === undefined) return null
  try {
    const value: unknown = JSON.parse(text)
    if (Array.isArray(value) && value.every((column) => Array.isArray(column))) return value as unknown[][]
  } catch {
    // Not JSON: kept as text only.
  }
  return null
}

/** The chunks of a ReadableStream or an AsyncIterable, as an AsyncIterable. */
export async function* chunksOf(
  input: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
): AsyncIterable<Uint8Array> {
  if (Symbol.asyncIterator in input) {
    yield* input as AsyncIterable<Uint8Array>
    return
  }
  const reader = (input as ReadableStream<Uint8Array>).getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      yield value
    }
  } finally {
    reader.releaseLock()
  }
}

const encoder = new TextEncoder()
// Strings are encoded in slices so a large string never needs one huge byte copy.
const STRING_SLICE = 1 << 22

/** Parses a whole model held in memory. */
export function parseModelData(input: Uint8Array | string, options: ParseOptions = {}): ParsedModel {
  const parser = new ModelParser(options)
  if (typeof input === 'string') {
    let start = 0
    while (start < input.length) {
      let end = Math.min(input.length, start + STRING_SLICE)
      // Do not split a surrogate pair.
      if (end < input.length && (input.charCodeAt(end - 1) & 0xfc00) === 0xd800) end--
      parser.push(encoder.encode(input.slice(start, end)))
      start = end
    }
  } else {
    if (!(input instanceof Uint8Array)) throw new TypeError('parseModel expects a Uint8Array or a string')
    parser.push(input)
  }
  return parser.finish()
}

/** Parses a model from a stream of byte chunks. */
export async function parseModelStream(
  input: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  options: ParseOptions = {},
): Promise<ParsedModel> {
  const parser = new ModelParser(options)
  for await (const chunk of chunksOf(input)) {
    parser.push(chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk as ArrayBuffer))
  }
  return parser.finish()
}
