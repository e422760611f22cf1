// The WebAssembly table walk: the forest's nodes as records in WebAssembly memory and one
// small module that walks several of them at once with no branch per node, which beats
// the nested `if`s of wasm-kernel.ts on every bench model (docs/performance.md).
//
// Why: a tree walk is a chain of dependent steps (load the feature, compare, pick the
// child), and on rows the branch predictor cannot learn, every other `if` of the nested
// code is a misprediction (~15-20 cycles). Here each step is `select` (a conditional
// move, no branch), and several independent walks run in the same loop so their chains
// overlap: on batches several rows through the same tree (row lanes), on a single row
// several trees (tree lanes). A walk that reaches its leaf stays there (a leaf's record
// points to itself) until every lane has; leaves live at addresses with one bit set that
// no internal node has, so "all lanes done" is an AND of the lanes' addresses.
//
// One comparison for every numeric kind: each row is first expanded into a few copies
// ("variants") in which NaN (and, for the zero-aware kinds, |x| <= kZeroThreshold) is
// replaced by -Infinity or +Infinity, whichever sends it to the side LightGBM sends it
// to; then every node is `x <= threshold` on its variant's copy, exact for any finite
// threshold (decision.ts: kind 0 is x <= t; kind 1 is !(x > t), the same on non-NaN x;
// zero-aware nodes send NaN and tiny values to fixed sides and compare the rest). Forests
// with categorical nodes or non-finite thresholds keep the nested code (wasm-kernel.ts).
//
// Batches walk chains of trees (function `chain`, once they have walked enough rows tree by
// tree to pay for the chained records): a lane that leaves a tree goes on to its row's next
// tree of the same output, adding the leaf's value on the way, so a group of lanes waits
// for its slowest row once a chain instead of once a tree (docs/performance.md).
//
// Exactness: each output is still summed tree by tree in LightGBM's order from +0: row
// lanes add one tree's leaf value to each row's sum before the next tree (in chains, a
// lane adds +0 on each step down, which changes no sum, and the leaf's value on the step
// that leaves the tree); tree lanes add their leaf values in tree order after the walks.
//
// Record layout (byte addresses in the shared memory):
//   chained records (below `base`, forests up to CHAIN_MAX_NODES): the sink at 0, node g at
//   (g + 1) * 40 (CHAIN_BYTES), a single-leaf tree's stub after the nodes
//   internal node g at base + g * 20: threshold f64 | variant column offset i32 | right i32 | left i32
//   leaf l at base + LEAF + l * 24: NaN f64 | 0 i32 | its own address i32 | its value f64 (x <= NaN
//   is false, so the walk takes "right" and stays; "left" reads the value's first word).
// The module writes the records itself (function `records`) from the forest's
// arrays, which `extend` copies into its memory a chunk at a time: compiled code from the
// first call on, where a JavaScript loop would run interpreted through a first call.

import { kZeroThreshold, NAN_LEFT, NodeKind, ZERO_LEFT } from './decision.ts'
import { type Forest, TREE_LINEAR } from './forest.ts'
import {
  Bytes,
  F64,
  I32,
  OP_block,
  OP_br,
  OP_brIf,
  OP_call,
  OP_end,
  OP_f64Abs,
  OP_f64Add,
  OP_f64Le,
  OP_f64Load,
  OP_f64Ne,
  OP_f64Store,
  OP_i32Add,
  OP_i32And,
  OP_i32Const,
  OP_i32Eq,
  OP_i32Eqz,
  OP_i32GeS,
  OP_i32Load,
  OP_i32Load8U,
  OP_i32LtU,
  OP_i32Mul,
  OP_i32Or,
  OP_i32RemU,
  OP_i32Shl,
  OP_i32ShrU,
  OP_i32Store,
  OP_i32Sub,
  OP_i32Xor,
  OP_if,
  OP_localGet,
  OP_localSet,
  OP_localTee,
  OP_loop,
  OP_select,
  VOID,
} from './wasm-bytes.ts'

/** Options of the table walk (exposed for the benchmarks' experiments). */
export interface WalkOptions {
  /** Rows walked through a tree at once on batches (default 8). */
  rowLanes?: number
  /** Trees walked at once for one row (default 8). */
  treeLanes?: number
  /** Steps per lane between two "all lanes at a leaf?" tests (default 2). */
  unroll?: number
  /** Rows a call of the module walks, tree by tree (default: expanded rows of about 128 KiB). */
  blockRows?: number
  /** Batches walk chains of trees (default: forests up to CHAIN_MAX_NODES nodes; false: tree by tree, as early stopping does). */
  chains?: boolean
  /** Steps per lane between two "all lanes at the sink?" tests of a chain (default 4). */
  chainUnroll?: number
  /** Rows walked through a chain at once (default 12). */
  chainLanes?: number
  /** Bytes of chained records after which a chain ends (default CHAIN_TARGET_BYTES). */
  chainBytes?: number
  /** Rows times trees a node walked tree by tree before a batch writes the chains (default CHAIN_ROW_TREES_PER_NODE; 0: the first batch). */
  chainRowTrees?: number
  /** Calls of fewer rows than this walk tree lanes row by row (default 2). */
  singleBelow?: number
}

const INTERNAL_BYTES = 20
/**
 * A chained record: threshold f64 | right value f64 | left value f64 | right i32 | column i32 |
 * left i32 | (pad): the side taken, 8 * (x <= threshold), offsets both the value and the child.
 */
const CHAIN_BYTES = 40
/** A chain ends once its trees' records pass this many bytes (32-256 KiB measured alike). */
const CHAIN_TARGET_BYTES = 1 << 16
/**
 * Forests of more nodes walk batches tree by tree unless asked (`chains: true`): the chained
 * records take 40 bytes a node more, which on a 5-million-node forest would double both the
 * walk's memory and its build time (page faults) for 1.1-1.5x on batches.
 */
const CHAIN_MAX_NODES = 2_000_000
/** Rows times trees walked tree by tree, a node, after which a batch writes the chains (chainsPay). */
const CHAIN_ROW_TREES_PER_NODE = 60
/** Where a chained record keeps its column offset (between the right and left children). */
const CHAIN_COLUMN = 28
const LEAF_BYTES = 24
const PAGE = 65536
// extend() copies the forest's arrays CHUNK nodes (or leaves) at a time into memory at
// `chunk`: thresholds | leaf values | features | left | right | kinds, then the table of
// column offsets (variant * numFeatures + feature) and per kind its variant * numFeatures.
const CHUNK = 2048
const CHUNK_VALUE = 8 * CHUNK
const CHUNK_FEATURE = 16 * CHUNK
const CHUNK_LEFT = 20 * CHUNK
const CHUNK_RIGHT = 24 * CHUNK
const CHUNK_KIND = 28 * CHUNK
// per node, the chained records' address after its tree (the next tree's root in its chain, or the sink)
const CHUNK_AFTER = 29 * CHUNK
const CHUNK_BYTES = 33 * CHUNK
// Memory the walk may take (WebAssembly memories are at most 4 GiB; stay well below).
const MAX_BYTES = 1 << 30

/** The variant (0-5) of an internal node: which copy of the row it compares. */
function variantOf(kind: number): number {
  if (kind === NodeKind.LeftIfLessEqual) return 0
  if (kind === NodeKind.LeftIfNotGreater) return 1
  return 2 + ((kind & NAN_LEFT) !== 0 ? 1 : 0) + ((kind & ZERO_LEFT) !== 0 ? 2 : 0)
}

/** Where the walk's parts sit in memory. */
interface Layout {
  /** Whether batches walk chains (the memory below `base` holds the chained records). */
  chains: boolean
  /** Where the table walk's records start (below: the chained records, the sink at 0). */
  base: number
  /** The chain table: per chain its first root (i32) and its output's byte offset (i32). */
  chainTable: number
  leafBit: number
  roots: number
  out: number
  raw: number
  expanded: number
  /** Where `extend` copies a chunk of the forest's arrays for the module to write records from. */
  chunk: number
  end: number
  blockRows: number
  /** Bytes of one expanded row. */
  stride: number
  /** The expanded row's columns: variant * numFeatures + feature, in column order. */
  columns: number[]
  /** Byte offset in the expanded row of each variant * numFeatures + feature (-1: unused). */
  columnOffset: Int32Array
  /** Per node kind byte: its variant * numFeatures (the records' kind table holds the first 16). */
  variantBase: Int32Array
}

function layoutOf(
  forest: Forest,
  numFeatures: number,
  width: number,
  options: WalkOptions,
  chains: boolean,
): Layout | undefined {
  const numNodes = forest.splitFeature.length
  const numLeaves = forest.leafValue.length
  const columnOffset = new Int32Array(6 * numFeatures).fill(-1)
  const columns: number[] = []
  // (a lookup a node: this loop runs once, mostly before V8 optimizes it)
  const variantBase = new Int32Array(256)
  for (let kind = 0; kind < 256; kind++) variantBase[kind] = variantOf(kind) * numFeatures
  const { nodeKind, splitFeature } = forest
  for (let g = 0; g < numNodes; g++) {
    const key = variantBase[nodeKind[g]] + splitFeature[g]
    if (columnOffset[key] < 0) {
      columnOffset[key] = columns.length * 8
      columns.push(key)
    }
  }
  // A leaf's record reads column 0, which must exist.
  if (columns.length === 0) columns.push(0)
  const stride = columns.length * 8
  let leafBit = 16
  while (leafBit < numNodes * INTERNAL_BYTES || leafBit < numLeaves * LEAF_BYTES + 8) leafBit *= 2
  // chained records: the sink, the nodes, a stub a tree (single-leaf trees use theirs)
  const chainTable = chains ? CHAIN_BYTES * (numNodes + 1 + forest.numTrees) : 0
  const chainEnd = chains ? chainTable + 8 * forest.numTrees : 0
  const base = Math.ceil(chainEnd / (2 * leafBit)) * 2 * leafBit
  const roots = base + 2 * leafBit
  const out = (roots + forest.numTrees * 4 + 7) & ~7
  const blockRows = Math.max(1, options.blockRows ?? Math.min(1024, Math.ceil((256 << 10) / stride)))
  const raw = out + blockRows * width * 8
  const expanded = raw + blockRows * numFeatures * 8
  const chunk = expanded + blockRows * stride
  const end = chunk + CHUNK_BYTES + 4 * (6 * numFeatures + 16)
  if (end > MAX_BYTES) return chains ? layoutOf(forest, numFeatures, width, options, false) : undefined
  return {
    chains,
    base,
    chainTable,
    leafBit,
    roots,
    out,
    raw,
    expanded,
    chunk,
    end,
    blockRows,
    stride,
    columns,
    columnOffset,
    variantBase,
  }
}

/**
 * Can the table walk serve this forest? Numeric trees only (no linear, no categorical
 * node) with finite thresholds, and a memory of at most 1 GiB.
 */
export function walkCovers(forest: Forest): boolean {
  let covers = coverage.get(forest)
  if (covers === undefined) {
    covers = !forest.treeFlags.some((flags) => (flags & TREE_LINEAR) !== 0)
    // (a first call runs this before V8 optimizes anything: a builtin search for NaN, and
    // the kinds four at a time)
    covers &&= !forest.threshold.includes(Number.NaN) && !hasCategorical(forest.nodeKind)
    coverage.set(forest, covers)
  }
  return covers
}
const coverage = new WeakMap<Forest, boolean>()

/** Is any kind categorical (low two bits 3)? Bytes up to a 4-byte boundary, then four a word. */
function hasCategorical(kinds: Uint8Array): boolean {
  const categorical = (kind: number) => (kind & 3) === NodeKind.Categorical
  let g = 0
  while (g < kinds.length && (kinds.byteOffset + g) % 4 !== 0) if (categorical(kinds[g++])) return true
  if (g === kinds.length) return false
  const words = new Uint32Array(kinds.buffer, kinds.byteOffset + g, (kinds.length - g) >> 2)
  for (let w = 0; w < words.length; w++) {
    // a byte whose bits 0 and 1 are both set
    const x = words[w] & 0x03030303
    if ((x & (x >>> 1)) !== 0) return true
  }
  for (g += 4 * words.length; g < kinds.length; g++) if (categorical(kinds[g])) return true
  return false
}

// Function 0, expand(src, dst, count): each row's variants, side by side.
// Function 1, batch(src, out, count, t0, t1): trees [t0, t1) on `count` rows, row lanes.
// Function 2, single(src, out, t0, t1): trees [t0, t1) on one row, tree lanes.
// Function 3, records(g, nodes, l, leaves): the records of nodes [g, g + nodes) and leaves
// [l, l + leaves) from the chunk.

function expandBody(numFeatures: number, layout: Layout): Bytes {
  const [SRC, DST, COUNT, X] = [0, 1, 2, 3]
  const code = new Bytes()
  code.u32(1).u32(1).byte(F64)
  code.byte(OP_loop, VOID)
  layout.columns.forEach((key, column) => {
    const variant = (key / numFeatures) | 0
    const zeroAware = variant >= 2
    code.byte(OP_localGet, DST)
    if (zeroAware) {
      // |x| <= kZeroThreshold: -inf if zero goes left, NaN if right
      code.f64(((variant - 2) & 2) !== 0 ? Number.NEGATIVE_INFINITY : Number.NaN)
    }
    if (variant === 1 || (zeroAware && ((variant - 2) & 1) !== 0)) {
      // NaN goes left: -inf (a NaN that goes right stays NaN)
      code.f64(Number.NEGATIVE_INFINITY)
    }
    code
      .byte(OP_localGet, SRC, OP_f64Load, 3)
      .u32((key % numFeatures) * 8)
      .byte(OP_localTee, X)
    if (variant === 1 || (zeroAware && ((variant - 2) & 1) !== 0)) {
      code.byte(OP_localGet, X, OP_localGet, X, OP_f64Ne, OP_select)
    }
    if (zeroAware) code.byte(OP_localGet, X, OP_f64Abs).f64(kZeroThreshold).byte(OP_f64Le, OP_select)
    code.byte(OP_f64Store, 3).u32(column * 8)
  })
  code
    .byte(OP_localGet, SRC, OP_i32Const)
    .i32(numFeatures * 8)
    .byte(OP_i32Add, OP_localSet, SRC)
  code.byte(OP_localGet, DST, OP_i32Const).i32(layout.stride).byte(OP_i32Add, OP_localSet, DST)
  code.byte(OP_localGet, COUNT, OP_i32Const, 1, OP_i32Sub, OP_localTee, COUNT, OP_brIf, 0, OP_end, OP_end)
  return code
}

/**
 * Appends the walk of `lanes` lanes (locals `first`..): each lane's node steps until all
 * are at leaves. Lane i reads its row at local `base` (none: -1) plus `offsetOf(i)`.
 */
function emitWalk(
  code: Bytes,
  first: number,
  lanes: number,
  unroll: number,
  leafBit: number,
  base: number,
  offsetOf: (i: number) => number,
): void {
  code.byte(OP_loop, VOID)
  for (let u = 0; u < unroll; u++) {
    for (let i = 0; i < lanes; i++) {
      const n = first + i
      // select(left, right, x <= threshold)
      code.byte(OP_localGet, n, OP_i32Load, 2, 16, OP_localGet, n, OP_i32Load, 2, 12)
      if (base >= 0) code.byte(OP_localGet, base)
      code.byte(OP_localGet, n, OP_i32Load, 2, 8)
      if (base >= 0) code.byte(OP_i32Add)
      code.byte(OP_f64Load, 3).u32(offsetOf(i))
      code.byte(OP_localGet, n, OP_f64Load, 3, 0, OP_f64Le, OP_select, OP_localSet, n)
    }
  }
  code.byte(OP_localGet, first)
  for (let i = 1; i < lanes; i++) code.byte(OP_localGet, first + i, OP_i32And)
  code.byte(OP_i32Const).i32(leafBit).byte(OP_i32And, OP_i32Eqz, OP_brIf, 0, OP_end)
}

/** Pushes lane `n`'s leaf value (the last field of a leaf's record). */
function emitLeafValue(code: Bytes, n: number): void {
  code.byte(OP_localGet, n, OP_f64Load, 3, 16)
}

function batchBody(width: number, layout: Layout, lanes: number, unroll: number): Bytes {
  const [SRC, OUT, COUNT, T0, T1, T, ROOT, KOFF, R, B, O, N] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
  const code = new Bytes()
  code
    .u32(1)
    .u32(6 + lanes)
    .byte(I32)
  // src 0: the rows are expanded already (early stopping walks them in rounds).
  emitExpand(code, layout, SRC, COUNT)
  code.byte(OP_localGet, T0, OP_localSet, T)
  code
    .byte(OP_localGet, T0, OP_i32Const)
    .i32(width)
    .byte(OP_i32RemU, OP_i32Const, 3, OP_i32Shl, OP_localSet, KOFF)
  code.byte(OP_block, VOID, OP_loop, VOID)
  code.byte(OP_localGet, T, OP_localGet, T1, OP_i32LtU, OP_i32Eqz, OP_brIf, 1)
  code
    .byte(OP_localGet, T, OP_i32Const, 2, OP_i32Shl, OP_i32Load, 2)
    .u32(layout.roots)
    .byte(OP_localSet, ROOT)
  code.byte(OP_i32Const).i32(layout.expanded).byte(OP_localSet, B)
  code.byte(OP_localGet, OUT, OP_localGet, KOFF, OP_i32Add, OP_localSet, O)
  code.byte(OP_localGet, COUNT, OP_localSet, R)
  for (const k of lanes > 1 ? [lanes, 1] : [1]) {
    // while r >= k: walk k rows
    code.byte(OP_block, VOID, OP_loop, VOID)
    code.byte(OP_localGet, R, OP_i32Const).i32(k).byte(OP_i32LtU, OP_brIf, 1)
    for (let i = 0; i < k; i++) code.byte(OP_localGet, ROOT, OP_localSet, N + i)
    emitWalk(code, N, k, unroll, layout.leafBit, B, (i) => i * layout.stride)
    for (let i = 0; i < k; i++) {
      code.byte(OP_localGet, O, OP_localGet, O, OP_f64Load, 3).u32(i * width * 8)
      emitLeafValue(code, N + i)
      code.byte(OP_f64Add, OP_f64Store, 3).u32(i * width * 8)
    }
    emitNextRows(code, layout, width, k, B, O, R)
    code.byte(OP_br, 0, OP_end, OP_end)
  }
  code.byte(OP_localGet, T, OP_i32Const, 1, OP_i32Add, OP_localSet, T)
  emitNextOutput(code, KOFF, width)
  code.byte(OP_br, 0, OP_end, OP_end, OP_end)
  return code
}

/**
 * Function 4, chain(src, out, count, c0, c1): chains [c0, c1) on `count` rows, row lanes.
 * A chain is a run of one output's trees whose records (CHAIN_BYTES) point from a leaf
 * straight to the next tree's root (the last to the sink at 0, which points to itself):
 * each lane walks its row through every tree of the chain, adding the leaf values on the
 * way (an internal child adds +0, which changes no sum), so a group waits for its
 * slowest row once a chain instead of once a tree.
 */
function chainBody(width: number, layout: Layout, lanes: number, unroll: number): Bytes {
  const [SRC, OUT, COUNT, C0, C1, C, ROOT, R, B, O, COND, N] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
  const S = N + lanes
  const code = new Bytes()
  code
    .u32(2)
    .u32(6 + lanes)
    .byte(I32)
    .u32(lanes)
    .byte(F64)
  emitExpand(code, layout, SRC, COUNT)
  code.byte(OP_localGet, C0, OP_localSet, C)
  code.byte(OP_block, VOID, OP_loop, VOID)
  code.byte(OP_localGet, C, OP_localGet, C1, OP_i32LtU, OP_i32Eqz, OP_brIf, 1)
  code
    .byte(OP_localGet, C, OP_i32Const, 3, OP_i32Shl, OP_i32Load, 2)
    .u32(layout.chainTable)
    .byte(OP_localSet, ROOT)
  code
    .byte(OP_localGet, OUT, OP_localGet, C, OP_i32Const, 3, OP_i32Shl, OP_i32Load, 2)
    .u32(layout.chainTable + 4)
  code.byte(OP_i32Add, OP_localSet, O)
  code.byte(OP_i32Const).i32(layout.expanded).byte(OP_localSet, B)
  code.byte(OP_localGet, COUNT, OP_localSet, R)
  for (const k of lanes > 1 ? [lanes, 1] : [1]) {
    code.byte(OP_block, VOID, OP_loop, VOID)
    code.byte(OP_localGet, R, OP_i32Const).i32(k).byte(OP_i32LtU, OP_brIf, 1)
    for (let i = 0; i < k; i++) {
      code.byte(OP_localGet, ROOT, OP_localSet, N + i)
      code
        .byte(OP_localGet, O, OP_f64Load, 3)
        .u32(i * width * 8)
        .byte(OP_localSet, S + i)
    }
    code.byte(OP_loop, VOID)
    for (let u = 0; u < unroll; u++) {
      for (let i = 0; i < k; i++) {
        const n = N + i
        // a = n + 8 * (x <= threshold)
        code.byte(OP_localGet, n, OP_localGet, B, OP_localGet, n, OP_i32Load, 2, CHAIN_COLUMN, OP_i32Add)
        code.byte(OP_f64Load, 3).u32(i * layout.stride)
        code.byte(
          OP_localGet,
          n,
          OP_f64Load,
          3,
          0,
          OP_f64Le,
          OP_i32Const,
          3,
          OP_i32Shl,
          OP_i32Add,
          OP_localSet,
          COND,
        )
        // sum += the value at a + 8 (right, left: a float select would branch)
        code.byte(OP_localGet, S + i, OP_localGet, COND, OP_f64Load, 3, 8, OP_f64Add, OP_localSet, S + i)
        // node = the child at a + 24 (right, left)
        code.byte(OP_localGet, COND, OP_i32Load, 2, 24, OP_localSet, n)
      }
    }
    code.byte(OP_localGet, N)
    for (let i = 1; i < k; i++) code.byte(OP_localGet, N + i, OP_i32Or)
    code.byte(OP_brIf, 0, OP_end)
    for (let i = 0; i < k; i++) {
      code.byte(OP_localGet, O, OP_localGet, S + i, OP_f64Store, 3).u32(i * width * 8)
    }
    emitNextRows(code, layout, width, k, B, O, R)
    code.byte(OP_br, 0, OP_end, OP_end)
  }
  code.byte(OP_localGet, C, OP_i32Const, 1, OP_i32Add, OP_localSet, C)
  code.byte(OP_br, 0, OP_end, OP_end, OP_end)
  return code
}

/** if (src) expand(src, expanded, count): rows already expanded (src 0) are walked as they are. */
function emitExpand(code: Bytes, layout: Layout, src: number, count: number): void {
  code.byte(OP_localGet, src, OP_if, VOID)
  code.byte(OP_localGet, src, OP_i32Const).i32(layout.expanded).byte(OP_localGet, count, OP_call, 0)
  code.byte(OP_end)
}

/** The next `k` rows: b (expanded rows) and o (outputs) move on by k rows, r (rows left) drops by k. */
function emitNextRows(
  code: Bytes,
  layout: Layout,
  width: number,
  k: number,
  b: number,
  o: number,
  r: number,
): void {
  code
    .byte(OP_localGet, b, OP_i32Const)
    .i32(k * layout.stride)
    .byte(OP_i32Add, OP_localSet, b)
  code
    .byte(OP_localGet, o, OP_i32Const)
    .i32(k * width * 8)
    .byte(OP_i32Add, OP_localSet, o)
  code.byte(OP_localGet, r, OP_i32Const).i32(k).byte(OP_i32Sub, OP_localSet, r)
}

/** kOff = (kOff + 8) mod (width * 8). */
function emitNextOutput(code: Bytes, kOff: number, width: number): void {
  if (width === 1) return
  code.byte(OP_i32Const, 0, OP_localGet, kOff, OP_i32Const, 8, OP_i32Add, OP_localTee, kOff)
  code
    .byte(OP_localGet, kOff, OP_i32Const)
    .i32(width * 8)
    .byte(OP_i32Eq, OP_select, OP_localSet, kOff)
}

function singleBody(width: number, layout: Layout, lanes: number, unroll: number): Bytes {
  const [SRC, OUT, T0, T1, T, KOFF, N] = [0, 1, 2, 3, 4, 5, 6]
  const code = new Bytes()
  code
    .u32(1)
    .u32(2 + lanes)
    .byte(I32)
  code.byte(OP_localGet, SRC, OP_i32Const).i32(layout.expanded).byte(OP_i32Const, 1, OP_call, 0)
  code.byte(OP_localGet, T0, OP_localSet, T)
  code
    .byte(OP_localGet, T0, OP_i32Const)
    .i32(width)
    .byte(OP_i32RemU, OP_i32Const, 3, OP_i32Shl, OP_localSet, KOFF)
  for (const k of lanes > 1 ? [lanes, 1] : [1]) {
    // while t1 - t >= k: walk trees [t, t + k)
    code.byte(OP_block, VOID, OP_loop, VOID)
    code.byte(OP_localGet, T1, OP_localGet, T, OP_i32Sub, OP_i32Const).i32(k).byte(OP_i32LtU, OP_brIf, 1)
    for (let i = 0; i < k; i++) {
      code.byte(OP_localGet, T, OP_i32Const, 2, OP_i32Shl, OP_i32Load, 2).u32(layout.roots + i * 4)
      code.byte(OP_localSet, N + i)
    }
    // one row: the column offset is the address, the expanded row's base the memarg offset
    emitWalk(code, N, k, unroll, layout.leafBit, -1, () => layout.expanded)
    for (let i = 0; i < k; i++) {
      code.byte(OP_localGet, OUT, OP_localGet, KOFF, OP_i32Add)
      code.byte(OP_localGet, OUT, OP_localGet, KOFF, OP_i32Add, OP_f64Load, 3, 0)
      emitLeafValue(code, N + i)
      code.byte(OP_f64Add, OP_f64Store, 3, 0)
      emitNextOutput(code, KOFF, width)
    }
    code.byte(OP_localGet, T, OP_i32Const).i32(k).byte(OP_i32Add, OP_localSet, T)
    code.byte(OP_br, 0, OP_end, OP_end)
  }
  code.byte(OP_end)
  return code
}

/**
 * Appends the loop over chunk nodes [0, nodes) that writes their records of `size` bytes
 * from address `first + g * size`: the threshold at 0 and the column offset
 * (columnTable[kindTable[kind] + feature]) at `columnAt`, then what `children` appends
 * (locals: R the record's address, I four times the node's index in the chunk).
 */
function emitNodeRecords(
  code: Bytes,
  numFeatures: number,
  layout: Layout,
  locals: { g: number; nodes: number; r: number; i: number },
  record: { size: number; first: number; columnAt: number },
  children: () => void,
): void {
  const { g: G, nodes: NODES, r: R, i: I } = locals
  const { chunk } = layout
  const columnTable = chunk + CHUNK_BYTES
  const kindTable = columnTable + 4 * 6 * numFeatures
  code.byte(OP_localGet, G, OP_i32Const).i32(record.size).byte(OP_i32Mul, OP_i32Const).i32(record.first)
  code.byte(OP_i32Add, OP_localSet, R)
  code.byte(OP_block, VOID, OP_localGet, NODES, OP_i32Eqz, OP_brIf, 0, OP_loop, VOID)
  code.byte(OP_localGet, R, OP_localGet, I, OP_i32Const, 1, OP_i32Shl, OP_f64Load, 3).u32(chunk)
  code.byte(OP_f64Store, 3, 0)
  code
    .byte(OP_localGet, R, OP_localGet, I, OP_i32Const, 2, OP_i32ShrU, OP_i32Load8U, 0)
    .u32(chunk + CHUNK_KIND)
  code.byte(OP_i32Const, 2, OP_i32Shl, OP_i32Load, 2).u32(kindTable)
  code.byte(OP_localGet, I, OP_i32Load, 2).u32(chunk + CHUNK_FEATURE)
  code.byte(OP_i32Add, OP_i32Const, 2, OP_i32Shl, OP_i32Load, 2).u32(columnTable)
  code.byte(OP_i32Store, 2).u32(record.columnAt)
  children()
  code.byte(OP_localGet, R, OP_i32Const).i32(record.size).byte(OP_i32Add, OP_localSet, R)
  code.byte(OP_localGet, I, OP_i32Const, 4, OP_i32Add, OP_localSet, I)
  code.byte(OP_localGet, NODES, OP_i32Const, 1, OP_i32Sub, OP_localTee, NODES, OP_brIf, 0, OP_end, OP_end)
}

function recordsBody(numFeatures: number, layout: Layout): Bytes {
  const [G, NODES, L, LEAVES, R, I, C] = [0, 1, 2, 3, 4, 5, 6]
  const { chunk } = layout
  const code = new Bytes()
  code.u32(1).u32(3).byte(I32)
  // nodes [g, g + nodes): threshold | column offset | right | left (i = I / 4)
  const locals = { g: G, nodes: NODES, r: R, i: I }
  emitNodeRecords(
    code,
    numFeatures,
    layout,
    locals,
    { size: INTERNAL_BYTES, first: layout.base, columnAt: 8 },
    () => {
      for (const [from, at] of [
        [CHUNK_RIGHT, 12],
        [CHUNK_LEFT, 16],
      ]) {
        code
          .byte(OP_localGet, R, OP_localGet, I, OP_i32Load, 2)
          .u32(chunk + from)
          .byte(OP_localSet, C)
        // 20 * c for a node, leafBit + 24 * ~c for a leaf
        code.byte(
          OP_localGet,
          C,
          OP_i32Const,
          INTERNAL_BYTES,
          OP_i32Mul,
          OP_localGet,
          C,
          OP_i32Const,
          0x7f,
          OP_i32Xor,
        )
        code.byte(OP_i32Const, LEAF_BYTES, OP_i32Mul, OP_i32Const).i32(layout.leafBit)
        code.byte(OP_i32Add, OP_localGet, C, OP_i32Const, 0, OP_i32GeS, OP_select)
        code.byte(OP_i32Const).i32(layout.base).byte(OP_i32Add)
        code.byte(OP_i32Store, 2, at)
      }
    },
  )
  // leaves [l, l + leaves): NaN | column 0 | itself | value (value i = I / 8)
  code.byte(OP_i32Const, 0, OP_localSet, I, OP_localGet, L, OP_i32Const, LEAF_BYTES, OP_i32Mul, OP_i32Const)
  code.i32(layout.base + layout.leafBit).byte(OP_i32Add, OP_localSet, R)
  code.byte(OP_block, VOID, OP_localGet, LEAVES, OP_i32Eqz, OP_brIf, 0, OP_loop, VOID)
  code
    .byte(OP_localGet, R, OP_localGet, I, OP_f64Load, 3)
    .u32(chunk + CHUNK_VALUE)
    .byte(OP_f64Store, 3, 16)
  code.byte(OP_localGet, R).f64(Number.NaN).byte(OP_f64Store, 3, 0)
  code.byte(
    OP_localGet,
    R,
    OP_i32Const,
    0,
    OP_i32Store,
    2,
    8,
    OP_localGet,
    R,
    OP_localGet,
    R,
    OP_i32Store,
    2,
    12,
  )
  code.byte(OP_localGet, R, OP_i32Const, LEAF_BYTES, OP_i32Add, OP_localSet, R)
  code.byte(OP_localGet, I, OP_i32Const, 8, OP_i32Add, OP_localSet, I)
  code.byte(OP_localGet, LEAVES, OP_i32Const, 1, OP_i32Sub, OP_localTee, LEAVES, OP_brIf, 0, OP_end, OP_end)
  return code.byte(OP_end)
}

/**
 * Function 5, chainRecords(g, nodes): the chained records of nodes [g, g + nodes) from the
 * chunk (and the leaves' values from their records, written first): a child that is a leaf
 * becomes its value and the address after the tree (CHUNK_AFTER), an internal child its
 * record and the value +0 (read from the sink's, at 8).
 */
function chainRecordsBody(numFeatures: number, layout: Layout): Bytes {
  const [G, NODES, R, I, C] = [0, 1, 4, 5, 6]
  const { chunk } = layout
  const code = new Bytes()
  code.u32(1).u32(3).byte(I32)
  const locals = { g: G, nodes: NODES, r: R, i: I }
  emitNodeRecords(
    code,
    numFeatures,
    layout,
    locals,
    { size: CHAIN_BYTES, first: CHAIN_BYTES, columnAt: CHAIN_COLUMN },
    () => {
      for (const [from, valueAt, childAt] of [
        [CHUNK_RIGHT, 8, 24],
        [CHUNK_LEFT, 16, 32],
      ]) {
        code
          .byte(OP_localGet, R, OP_localGet, I, OP_i32Load, 2)
          .u32(chunk + from)
          .byte(OP_localSet, C)
        // child: 40 * (c + 1) for a node, the address after the tree for a leaf
        code.byte(OP_localGet, C, OP_i32Const).i32(CHAIN_BYTES).byte(OP_i32Mul, OP_i32Const).i32(CHAIN_BYTES)
        code.byte(OP_i32Add, OP_localGet, I, OP_i32Load, 2).u32(chunk + CHUNK_AFTER)
        code.byte(OP_localGet, C, OP_i32Const, 0, OP_i32GeS, OP_select, OP_i32Store, 2).u32(childAt)
        // value: +0 (the sink's right value) for a node, the leaf record's value for a leaf
        code.byte(OP_localGet, R, OP_i32Const, 8, OP_localGet, C, OP_i32Const, 0x7f, OP_i32Xor)
        code.byte(OP_i32Const, LEAF_BYTES, OP_i32Mul, OP_i32Const).i32(layout.base + layout.leafBit + 16)
        code.byte(OP_i32Add, OP_localGet, C, OP_i32Const, 0, OP_i32GeS, OP_select, OP_f64Load, 3, 0)
        code.byte(OP_f64Store, 3).u32(valueAt)
      }
    },
  )
  return code.byte(OP_end)
}

/** The walk module's bytes (six functions; all but `expand` exported). */
export function walkModuleBytes(
  shape: { numFeatures: number; width: number },
  layout: Layout,
  options: WalkOptions = {},
): Uint8Array<ArrayBuffer> {
  const { numFeatures, width } = shape
  const unroll = Math.max(1, options.unroll ?? 2)
  const bodies = [
    expandBody(numFeatures, layout),
    batchBody(width, layout, Math.max(1, options.rowLanes ?? 8), unroll),
    singleBody(width, layout, Math.max(1, options.treeLanes ?? 8), unroll),
    recordsBody(numFeatures, layout),
    chainBody(width, layout, Math.max(1, options.chainLanes ?? 12), Math.max(1, options.chainUnroll ?? 4)),
    chainRecordsBody(numFeatures, layout),
  ]
  const name = (to: Bytes, s: string) => to.u32(s.length).byte(...Array.from(s, (ch) => ch.charCodeAt(0)))
  const out = new Bytes().byte(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00)
  const section = (id: number, content: Bytes) => out.byte(id).sized(content)
  const types = new Bytes().u32(3)
  types.byte(0x60).u32(3).byte(I32, I32, I32).u32(0)
  types.byte(0x60).u32(5).byte(I32, I32, I32, I32, I32).u32(0)
  types.byte(0x60).u32(4).byte(I32, I32, I32, I32).u32(0)
  section(1, types)
  const imports = new Bytes().u32(1)
  name(imports, 'env')
  name(imports, 'memory')
  section(2, imports.byte(0x02, 0x00).u32(1))
  section(3, new Bytes().u32(6).u32(0).u32(1).u32(2).u32(2).u32(1).u32(2))
  const exported = ['batch', 'single', 'records', 'chain', 'chainRecords']
  const exports = new Bytes().u32(exported.length)
  exported.forEach((label, i) => {
    name(exports, label)
    exports.byte(0x00).u32(i + 1)
  })
  section(7, exports)
  const code = new Bytes().u32(bodies.length)
  for (const body of bodies) code.sized(body)
  section(10, code)
  return out.view()
}

/**
 * What another thread needs to run a table walk (predictParallel's workers): the compiled
 * module, a copy of the memory below its scratch areas (records, leaf values, roots), and
 * where the scratch areas sit. The worker makes a memory of `bytes`, copies `image` to its
 * start, and calls `batch(raw, out, count, 0, trees)` on blocks of at most `blockRows` rows
 * written at `raw`, with their `out` zeroed first.
 */
export interface WalkShare {
  module: WebAssembly.Module
  image: Uint8Array
  raw: number
  out: number
  blockRows: number
  bytes: number
  trees: number
  /** Chains covering the trees (call `chain(raw, out, count, 0, chains)`), or -1: call `batch`. */
  chains: number
}

/**
 * A table walk's blocks, for callers that walk the trees in rounds over rows that change
 * between rounds (early stopping): `rows` (raw, numFeatures a row) and `out` (width a row)
 * hold a block of at most `blockRows` rows; `expand(count)` turns the first `count` rows
 * into `expanded` (`stride` doubles a row); `walk(count, t0, t1)` adds trees [t0, t1) of
 * the first `count` expanded rows into `out`, each output in tree order.
 */
export interface BlockWalk {
  blockRows: number
  rows: Float64Array
  out: Float64Array
  expanded: Float64Array
  stride: number
  expand(count: number): void
  walk(count: number, t0: number, t1: number): void
}

/** Early stopping's rounds: `trees` trees each (freq iterations times the outputs), from tree `start`. */
export interface Rounds {
  start: number
  trees: number
}

type BatchFunction = (src: number, out: number, count: number, t0: number, t1: number) => void
type SingleFunction = (src: number, out: number, t0: number, t1: number) => void
type RecordsFunction = (g: number, nodes: number, l: number, leaves: number) => void
type ChainFunction = (src: number, out: number, count: number, c0: number, c1: number) => void

/**
 * A forest's table walk, filled a slice of trees at a time (`extend` writes the trees'
 * records; the module is compiled once, at construction). Throws where the runtime
 * refuses WebAssembly made at run time or the memory cannot be had.
 */
export class WalkForest {
  covered = 0
  readonly moduleBytes: number
  private readonly layout: Layout
  private readonly module: WebAssembly.Module
  private readonly memory: WebAssembly.Memory
  private readonly batch: BatchFunction
  private readonly single: SingleFunction
  private readonly rowsView: Float64Array
  private readonly outView: Float64Array
  private readonly records: RecordsFunction
  private readonly singleBelow: number
  private readonly chain: ChainFunction
  private readonly chainRecords: RecordsFunction
  /** Chains written so far (they cover trees [0, chained)). */
  private chains = 0
  private chained = 0
  /** Early stopping's rounds, at whose bounds chains are cut too (blocks). */
  private rounds: Rounds | undefined
  /** Each chain's first tree, in chain order. */
  private readonly chainFirst: Int32Array
  /** Rows times trees walked tree by tree since the last chains were written. */
  private rowTrees = 0
  private readonly chainRowTrees: number
  private readonly chainBytes: number

  constructor(
    readonly forest: Forest,
    readonly shape: { numFeatures: number; width: number },
    options: WalkOptions = {},
  ) {
    const { numFeatures, width } = shape
    const chains = options.chains ?? forest.splitFeature.length <= CHAIN_MAX_NODES
    const layout = layoutOf(forest, numFeatures, width, options, chains)
    if (!layout) throw new RangeError('forest too big for the WebAssembly table walk')
    this.layout = layout
    this.singleBelow = options.singleBelow ?? 2
    const bytes = walkModuleBytes(shape, layout, options)
    this.moduleBytes = bytes.length
    this.memory = new WebAssembly.Memory({ initial: Math.ceil(layout.end / PAGE) })
    this.module = new WebAssembly.Module(bytes)
    const exports = new WebAssembly.Instance(this.module, { env: { memory: this.memory } }).exports
    this.batch = exports.batch as BatchFunction
    this.single = exports.single as SingleFunction
    this.records = exports.records as RecordsFunction
    this.chain = exports.chain as ChainFunction
    this.chainRecords = exports.chainRecords as RecordsFunction
    this.chainBytes = options.chainBytes ?? CHAIN_TARGET_BYTES
    this.chainRowTrees = options.chainRowTrees ?? CHAIN_ROW_TREES_PER_NODE
    this.chainFirst = new Int32Array(layout.chains ? forest.numTrees : 0)
    if (layout.chains) new Float64Array(this.memory.buffer, 0, 1)[0] = Number.NaN
    const buffer = this.memory.buffer
    this.rowsView = new Float64Array(buffer, layout.raw, layout.blockRows * numFeatures)
    this.outView = new Float64Array(buffer, layout.out, layout.blockRows * width)
    const at = layout.chunk
    new Int32Array(buffer, at + CHUNK_BYTES, 6 * numFeatures).set(layout.columnOffset)
    new Int32Array(buffer, at + CHUNK_BYTES + 4 * 6 * numFeatures, 16).set(layout.variantBase.subarray(0, 16))
  }

  /**
   * Writes the records of trees [covered, end): the nodes' and leaves' arrays are copied a
   * chunk at a time into the module's memory, where its function `records` writes them
   * (compiled code from the first call on; a loop of JavaScript would run interpreted
   * through most of a first call).
   */
  extend(end: number): void {
    if (end <= this.covered) return
    const { forest, layout } = this
    const { leafBit, base } = layout
    const { treeRoot, treeNodeOffset, treeLeafOffset } = forest
    const roots = new Int32Array(this.memory.buffer, layout.roots, forest.numTrees)
    for (let t = this.covered; t < end; t++) {
      const c = treeRoot[t]
      roots[t] = base + (c >= 0 ? c * INTERNAL_BYTES : leafBit + ~c * LEAF_BYTES)
    }
    for (let l = treeLeafOffset[this.covered], lEnd = treeLeafOffset[end]; l < lEnd; l += CHUNK) {
      const next = Math.min(lEnd, l + CHUNK)
      this.copy(forest.leafValue, CHUNK_VALUE, l, next)
      this.records(0, 0, l, next - l)
    }
    for (let g = treeNodeOffset[this.covered], gEnd = treeNodeOffset[end]; g < gEnd; g += CHUNK) {
      const next = Math.min(gEnd, g + CHUNK)
      this.copyNodes(g, next)
      this.records(g, next - g, 0, 0)
    }
    this.covered = end
  }

  /**
   * Writes the chained records of trees [chained, covered), which batches walk: once batches
   * have walked enough rows tree by tree to pay for them (chainsPay), not in `extend`, so
   * that a walk built for single rows or small batches costs the plain records only (the
   * chained ones double the pages to touch).
   */
  private writeChains(): void {
    const { forest, layout } = this
    const { treeNodeOffset } = forest
    const [t0, t1] = [this.chained, this.covered]
    const after = this.link(t0, t1)
    const afterChunk = new Int32Array(this.memory.buffer, layout.chunk + CHUNK_AFTER, CHUNK)
    let t = t0
    for (let g = treeNodeOffset[t0], gEnd = treeNodeOffset[t1]; g < gEnd; g += CHUNK) {
      const next = Math.min(gEnd, g + CHUNK)
      this.copyNodes(g, next)
      // each tree's nodes in the chunk: the address after the tree
      while (treeNodeOffset[t + 1] <= g) t++
      for (let u = t; u < t1 && treeNodeOffset[u] < next; u++) {
        const from = Math.max(g, treeNodeOffset[u]) - g
        afterChunk.fill(after[u - t0], from, Math.min(next, treeNodeOffset[u + 1]) - g)
      }
      this.chainRecords(g, next - g, 0, 0)
    }
    this.chained = t1
    this.rowTrees = 0
  }

  /**
   * Are the chains written (or worth writing now)? Once the rows walked tree by tree since
   * `extend`, times its trees, reach CHAIN_ROW_TREES_PER_NODE a node: the chained records
   * cost 100-250 ns a node to write (mostly page faults) and save about 3 ns a row and tree.
   */
  private chainsPay(numRows: number): boolean {
    if (this.chained === this.covered) return true
    const { treeNodeOffset } = this.forest
    this.rowTrees += numRows * (this.covered - this.chained)
    const nodes = treeNodeOffset[this.covered] - treeNodeOffset[this.chained]
    if (this.rowTrees < this.chainRowTrees * nodes) return false
    this.writeChains()
    return true
  }

  /** Trees whose chained records are written (for tests and benchmarks). */
  get chainedTrees(): number {
    return this.layout.chains ? this.chained : 0
  }

  /** Copies nodes [g, next) of the forest's node arrays into the chunk. */
  private copyNodes(g: number, next: number): void {
    const { threshold, splitFeature, nodeKind, leftChild, rightChild } = this.forest
    this.copy(threshold, 0, g, next)
    this.copy(splitFeature, CHUNK_FEATURE, g, next)
    this.copy(nodeKind, CHUNK_KIND, g, next)
    this.copy(leftChild, CHUNK_LEFT, g, next)
    this.copy(rightChild, CHUNK_RIGHT, g, next)
  }

  /** Copies elements [first, last) of `array` into the chunk at byte offset `at`. */
  private copy(array: Float64Array | Int32Array | Uint8Array, at: number, first: number, last: number): void {
    const size = array.BYTES_PER_ELEMENT
    new Uint8Array(this.memory.buffer, this.layout.chunk + at).set(
      new Uint8Array(array.buffer, array.byteOffset + first * size, (last - first) * size),
    )
  }

  /**
   * Cuts trees [t0, t1) into chains: each output's trees in order, a chain ending once its
   * records pass `chainBytes`. Writes the chain table (chains in order of their first tree)
   * and the stub records of single-leaf trees; returns each tree's address after it (the
   * next tree's root in its chain, or the sink).
   */
  private link(t0: number, t1: number): Int32Array {
    const { forest, layout } = this
    const { treeRoot, treeNodeOffset, numTrees } = forest
    const width = this.shape.width
    const numNodes = forest.splitFeature.length
    const memory = this.memory.buffer
    const rootOf = (t: number) => CHAIN_BYTES * (treeRoot[t] >= 0 ? treeRoot[t] + 1 : numNodes + 1 + t)
    const after = new Int32Array(t1 - t0)
    const firsts: number[] = []
    const rounds = this.rounds
    const roundOf = (t: number) => (rounds ? Math.floor((t - rounds.start) / rounds.trees) : 0)
    for (let k = 0; k < width; k++) {
      let bytes = 0
      let previous = -1
      for (let t = t0 + ((k - (t0 % width) + width) % width); t < t1; t += width) {
        if (previous < 0 || bytes >= this.chainBytes || roundOf(t) !== roundOf(previous)) {
          firsts.push(t)
          bytes = 0
        } else after[previous - t0] = rootOf(t)
        bytes += CHAIN_BYTES * (treeNodeOffset[t + 1] - treeNodeOffset[t] + 1)
        previous = t
      }
    }
    firsts.sort((a, b) => a - b)
    const table = new Int32Array(memory, layout.chainTable, 2 * numTrees)
    for (const t of firsts) {
      this.chainFirst[this.chains] = t
      table[2 * this.chains] = rootOf(t)
      table[2 * this.chains + 1] = (t % width) * 8
      this.chains++
    }
    // a single-leaf tree's stub: threshold NaN (always right), its value, then what follows it
    for (let t = t0; t < t1; t++) {
      if (treeRoot[t] >= 0) continue
      const at = rootOf(t)
      const view = new DataView(memory, at, CHAIN_BYTES)
      view.setFloat64(0, Number.NaN, true)
      view.setFloat64(8, forest.leafValue[~treeRoot[t]], true)
      view.setInt32(24, after[t - t0], true)
      view.setInt32(32, after[t - t0], true)
    }
    return after
  }

  /** This walk for another thread, covering trees [0, covered); the image on a SharedArrayBuffer. */
  share(): WalkShare {
    const { raw, out, blockRows, end } = this.layout
    if (this.layout.chains && this.chained < this.covered) this.writeChains()
    const image = new Uint8Array(new SharedArrayBuffer(out))
    image.set(new Uint8Array(this.memory.buffer, 0, out))
    const chains = this.layout.chains ? this.chains : -1
    return { module: this.module, image, raw, out, blockRows, bytes: end, trees: this.covered, chains }
  }

  /**
   * This walk's blocks (BlockWalk), for trees [0, covered). With `rounds` (early stopping:
   * rounds of `trees` trees from tree `start`), rounds walk chains cut at the rounds'
   * bounds once the chains pay (chainsPay, counting `numRows` rows of every tree), the
   * chains rewritten with those cuts if they had others; other ranges walk tree by tree.
   */
  blocks(rounds?: Rounds, numRows = 0): BlockWalk {
    const { blockRows, raw, out, expanded, stride } = this.layout
    const batch = this.batch
    let chained = false
    if (rounds && this.layout.chains) {
      const same = this.rounds?.start === rounds.start && this.rounds.trees === rounds.trees
      if (!same) {
        this.rounds = rounds
        if (this.chained > 0) {
          // rewrite the chains with the rounds' cuts (they paid for themselves already)
          this.chains = 0
          this.chained = 0
          this.writeChains()
        }
      }
      chained = this.chainsPay(numRows)
    }
    const firsts = this.chainFirst
    // the first chain whose first tree is at or after t
    const chainAt = (t: number) => {
      let [lo, hi] = [0, this.chains]
      while (lo < hi) {
        const mid = (lo + hi) >> 1
        if (firsts[mid] < t) lo = mid + 1
        else hi = mid
      }
      return lo
    }
    // A walk of no tree still expands the rows (batch's first step).
    return {
      blockRows,
      rows: this.rowsView,
      out: this.outView,
      expanded: new Float64Array(this.memory.buffer, expanded, (blockRows * stride) / 8),
      stride: stride / 8,
      expand: (count) => batch(raw, out, count, 0, 0),
      walk: (count, t0, t1) => {
        // a whole number of rounds (the last may end at the last tree)
        const inRounds =
          rounds !== undefined &&
          t0 >= rounds.start &&
          (t0 - rounds.start) % rounds.trees === 0 &&
          (t1 === this.covered || (t1 - rounds.start) % rounds.trees === 0)
        if (chained && inRounds) this.chain(0, out, count, chainAt(t0), chainAt(t1))
        else batch(0, out, count, t0, t1)
      },
    }
  }

  /** Raw scores of trees [0, covered) of `numRows` rows, written to `out`. */
  predictCovered(rows: Float64Array, numRows: number, out: Float64Array): Float64Array {
    const { numFeatures, width } = this.shape
    const { blockRows, raw, out: outBase } = this.layout
    const covered = this.covered
    if (numRows < this.singleBelow) {
      // Row by row, with no subarray made (a call of one row is mostly this overhead).
      const rowsView = this.rowsView
      const outView = this.outView
      for (let r = 0; r < numRows; r++) {
        for (let j = 0, at = r * numFeatures; j < numFeatures; j++) rowsView[j] = rows[at + j]
        for (let k = 0; k < width; k++) outView[k] = 0
        this.single(raw, outBase, 0, covered)
        for (let k = 0; k < width; k++) out[r * width + k] = outView[k]
      }
      return out
    }
    const chains = this.layout.chains && this.chainsPay(numRows)
    for (let s = 0; s < numRows; s += blockRows) {
      const count = Math.min(blockRows, numRows - s)
      this.rowsView.set(rows.subarray(s * numFeatures, (s + count) * numFeatures))
      this.outView.fill(0, 0, count * width)
      if (chains) this.chain(raw, outBase, count, 0, this.chains)
      else this.batch(raw, outBase, count, 0, covered)
      out.set(this.outView.subarray(0, count * width), s * width)
    }
    return out
  }
}
