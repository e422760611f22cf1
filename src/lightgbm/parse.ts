// The parser: turns the lines of a model.txt into a Forest plus the header facts.
// It is a push state machine (header -> trees -> trailer) fed line by line by
// LineSplitter, so a stream of chunks is parsed without the file ever being one string.
// Rules follow LightGBM's GBDT::LoadModelFromString (src/boosting/gbdt_model_text.cpp)
// and Tree::Tree(const char*, size_t*) (src/io/tree.cpp). The header's lines are read by
// header.ts, a tree's lines by tree-lines.ts, and a finished tree is checked and appended
// to the forest by tree.ts; each throws its errors with their locations as values.

import { chunksOf } from '../chunks.ts'
import { ForestBuilder } from './builder.ts'
import { fail, ModelParseError } from './errors.ts'
import type { Forest, ForestPartStorage } from './forest.ts'
import { HeaderReader, type ModelInfo } from './header.ts'
import { LineSplitter, latin1, startsWith } from './lines.ts'
import { isTrailerHeader, TrailerReader } from './trailer.ts'
import { closeTree, type TreeBytes } from './tree.ts'
import { TreeScratch } from './tree-lines.ts'

enum Section {
  Header,
  Trees,
  Trailer,
}

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
 * ends it. The storage and starts come from forest.ts (`partStorage`, `partStarts`).
 */
export interface PartOptions {
  storage: ForestPartStorage
  starts: Record<keyof ForestPartStorage, number>
}

/** Where a part stopped (trees, nodes and leaves: the next part's bases) and the model facts it read. */
export interface PartResult {
  trees: number
  nodes: number
  leaves: number
  info: ModelInfo
}

/** Push parser; feed bytes with `push`, then call `finish`. */
export class ModelParser {
  private readonly splitter: LineSplitter
  private section = Section.Header
  private readonly header: HeaderReader
  private info: ModelInfo | undefined
  private readonly builder = new ForestBuilder()
  private readonly tree: TreeScratch
  private inTree = false
  private readonly treeBytes: TreeBytes = { total: 0, seen: 0 }
  private readonly trailer: TrailerReader
  private readonly source: string | undefined

  constructor(options: ParseOptions = {}, part?: PartOptions) {
    this.source = options.source
    this.header = new HeaderReader(options.source)
    this.tree = new TreeScratch(options.source)
    this.trailer = new TrailerReader(options.source)
    if (part) this.builder.attach(part.storage, part.starts)
    this.splitter = new LineSplitter((bytes, start, end, line) => this.line(bytes, start, end, line))
  }

  private fail(message: string, location: { line?: number; tree?: number; key?: string } = {}): never {
    fail(message, { ...location, source: this.source })
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
    if (this.trailer.inParameters && this.trailer.sawEndOfTrees) {
      this.fail("the parameters section has no 'end of parameters' line: truncated", { line: lines })
    }
    const info = this.trailer.complete(this.info!)
    const forest = this.builder.finish()
    if (info.treeSizes && info.treeSizes.length !== forest.numTrees) {
      this.fail(`tree_sizes lists ${info.treeSizes.length} trees but the file holds ${forest.numTrees}`, {
        line: this.header.lineOf('tree_sizes'),
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
  finishPart(): PartResult {
    this.splitter.end()
    if (
      this.section === Section.Trees ||
      (this.trailer.inParameters && this.trailer.sawEndOfTrees) ||
      !this.info
    )
      this.fail('unfinished part')
    const info = this.trailer.complete(this.info)
    const b = this.builder
    return { trees: b.treeRoot.length, nodes: b.splitFeature.length, leaves: b.leafValue.length, info }
  }

  private line(bytes: Uint8Array, start: number, end: number, line: number): void {
    if (this.section === Section.Header) this.headerLine(bytes, start, end, line)
    else if (this.section === Section.Trees) this.treeLine(bytes, start, end, line)
    else this.trailer.line(bytes, start, end, line)
  }

  // ---- header --------------------------------------------------------------------

  private headerLine(bytes: Uint8Array, start: number, end: number, line: number): void {
    if (start === end) return
    if (startsWith(bytes, start, end, 'Tree=')) {
      this.info = this.header.buildInfo(line)
      for (const size of this.info.treeSizes ?? []) this.treeBytes.total += size
      this.section = Section.Trees
      this.treeLine(bytes, start, end, line)
      return
    }
    this.header.line(bytes, start, end, line)
  }

  // ---- trees ---------------------------------------------------------------------

  private treeLine(bytes: Uint8Array, start: number, end: number, line: number): void {
    if (start === end) return
    this.treeBytes.seen += end - start + 1
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
      this.trailer.sawEndOfTrees = true
      this.inTree = false
      this.section = Section.Trailer
      return
    }
    if (isTrailerHeader(bytes, start, end)) {
      // Old files (LightGBM 2.0.x) have no 'end of trees' line.
      if (this.inTree) this.closeTree(false)
      this.inTree = false
      this.section = Section.Trailer
      this.trailer.line(bytes, start, end, line)
      return
    }
    if (!this.inTree)
      this.fail(
        `expected 'Tree=' or 'end of trees', found '${latin1(bytes, start, Math.min(end, start + 40))}'`,
        { line },
      )
    this.tree.readLine(bytes, start, end, line)
  }

  /** Closes the tree being read (tree.ts): checks it and appends it to the forest. */
  private closeTree(atEndOfFile: boolean): void {
    closeTree(this.tree, this.builder, this.info!, this.treeBytes, atEndOfFile)
    this.inTree = false
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

const END_OF_TREES = encoder.encode('end of trees\n')

/**
 * Parses one part of a model (see PartOptions): the file's `header` (its bytes before
 * `Tree=0`), then the part's trees as `chunks`. A part that is not the file's last ends
 * at a tree boundary; `endsTrees` closes its last tree there as `end of trees` would
 * (the last part reads on to the file's own `end of trees` and trailer).
 */
export function parseModelPart(
  part: PartOptions & { header: Uint8Array; chunks: Iterable<Uint8Array>; endsTrees: boolean },
  options: ParseOptions = {},
): PartResult {
  const parser = new ModelParser(options, part)
  parser.push(part.header)
  for (const chunk of part.chunks) parser.push(chunk)
  if (part.endsTrees) parser.push(END_OF_TREES)
  return parser.finishPart()
}
