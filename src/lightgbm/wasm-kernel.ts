// The WebAssembly kernel: each forest becomes a WebAssembly module generated in memory, in
// which every tree is one nested `if` with its thresholds and leaf values as constants
// (the compiled kernel's shape, compile.ts, in WebAssembly instead of JavaScript).
//
// Why: generated JavaScript starts in V8's interpreter and reaches full speed only once
// the optimizing compiler has compiled every generated function in the background,
// which takes seconds on a big forest (the "warm-up cliff"); WebAssembly's baseline
// compiler (Liftoff) emits machine code for the whole module at once, so this kernel is
// fast from its first call, and V8 tiers its hot functions up in the background.
//
// Exactness: the same decisions as decision.ts (kinds 0 and 1 as one IEEE comparison;
// zero-aware and categorical nodes inline), leaf values as the same doubles, and each
// output summed tree by tree in LightGBM's order from +0, exactly as kernel.ts does:
// WebAssembly's f64 arithmetic is IEEE 754 binary64, as JavaScript's.
//
// Two code shapes: forests of numeric trees (no categorical node, no NaN threshold) run the
// table walk of wasm-walk.ts (nodes as records in memory, several rows or trees walked at
// once with no branch per node: 1.4-1.7x the nested code's batches, 2x its single rows);
// the others the nested `if`s below (and `predictParallel`'s workers, src/node/parallel.ts,
// the nested code for every forest).
//
// Scope: forests without linear trees. Where WebAssembly is missing or refuses code
// generated at run time (workerd), `compileWasm` / `wasmForest` return undefined and
// callers fall back to the portable kernel. A forest can be compiled a slice of trees at
// a time (WasmForest.extend), which is how `auto` spreads the cost over calls (warmup.ts).

import { chunkRanges } from './compile.ts'
import { kZeroThreshold, NodeKind } from './decision.ts'
import { type Forest, TREE_LINEAR } from './forest.ts'
import {
  Bytes,
  F64,
  I32,
  OP_brIf,
  OP_call,
  OP_else,
  OP_end,
  OP_f64Abs,
  OP_f64Add,
  OP_f64Gt,
  OP_f64Le,
  OP_f64Load,
  OP_f64Lt,
  OP_f64Ne,
  OP_f64Store,
  OP_i32Add,
  OP_i32And,
  OP_i32Const,
  OP_i32GeS,
  OP_i32Load,
  OP_i32LtS,
  OP_i32LtU,
  OP_i32Mul,
  OP_i32Shl,
  OP_i32ShrU,
  OP_i32TruncF64S,
  OP_if,
  OP_localGet,
  OP_localSet,
  OP_localTee,
  OP_loop,
  OP_select,
  VOID,
} from './wasm-bytes.ts'
import {
  type BlockWalk,
  type Rounds,
  WalkForest,
  type WalkOptions,
  type WalkShare,
  walkCovers,
} from './wasm-walk.ts'

/** A forest compiled to WebAssembly: raw scores of all trees, `width` a row. */
export interface WasmKernel {
  /** Raw scores of `numRows` rows (row-major) for all trees, as predictRawKernel on the full window. */
  predictRaw(rows: Float64Array, numRows: number, out: Float64Array): Float64Array
  /** Bytes of the generated module. */
  readonly moduleBytes: number
}

/** Options of the generated code (exposed for the benchmarks' experiments). */
export interface WasmOptions {
  /** Nodes per generated function (default 256: a 255-leaf tree a function). */
  nodesPerChunk?: number
  /** Trees per generated function, at most (default 8). */
  treesPerChunk?: number
  /** Rows each call of the module walks, chunk by chunk (default 1,024). */
  blockRows?: number
  /** A split over two leaves as `select` (no branch) instead of `if` (default true). */
  selectLeafPairs?: boolean
  /**
   * The table walk (wasm-walk.ts) where it covers the forest (default true); false: the
   * nested `if`s for every forest. Its own options (lanes, unrolling) in `walkOptions`.
   */
  walk?: boolean
  walkOptions?: WalkOptions
}

// Chunk functions: (rows byte offset, out byte offset, row count >= 1) -> ().
const P_ROWS = 0
const P_OUT = 1
const P_COUNT = 2
const L_BASE = 3 // byte offset of the current row
const L_OUTBASE = 4 // byte offset of the current row's outputs
const L_END = 5 // byte offset past the last row
const L_CAT = 6 // i32 scratch: category
const L_WORD = 7 // i32 scratch: bitset word index
const L_X = 8 // f64 scratch: the feature value of a slow node
const L_ACC = 9 // first accumulator (f64)

/** Can this forest go to WebAssembly? (Linear trees cannot.) */
export function wasmCovers(forest: Forest): boolean {
  for (let t = 0; t < forest.numTrees; t++) if ((forest.treeFlags[t] & TREE_LINEAR) !== 0) return false
  return true
}

/** Appends the code of one tree: leaves its leaf value (f64) on the stack. */
function emitTree(code: Bytes, forest: Forest, tree: number, catBase: number, select: boolean): void {
  const { splitFeature, threshold, nodeKind, leftChild, rightChild, catStart, catEnd, leafValue } = forest
  const load = (node: number) => code.byte(OP_localGet, L_BASE, OP_f64Load, 3).u32(splitFeature[node] * 8)
  const emit = (node: number): void => {
    if (node < 0) {
      code.f64(leafValue[~node])
      return
    }
    const kind = nodeKind[node]
    const l = leftChild[node]
    const r = rightChild[node]
    if (kind <= NodeKind.LeftIfNotGreater) {
      if (select && l < 0 && r < 0) {
        // select(a, b, c) = c ? a : b, with no branch. Kind 0: c = x <= t picks left;
        // kind 1: c = x > t picks right (NaN: c = 0, left), as the branching code below.
        const less = kind === NodeKind.LeftIfLessEqual
        code.f64(leafValue[~(less ? l : r)]).f64(leafValue[~(less ? r : l)])
        load(node).f64(threshold[node])
        code.byte(less ? OP_f64Le : OP_f64Gt, OP_select)
        return
      }
      // kind 1 is written as `x > t ? right : left`, so NaN goes left as !(x > t) says.
      const less = kind === NodeKind.LeftIfLessEqual
      code.split(L_BASE, splitFeature[node] * 8, threshold[node], less ? OP_f64Le : OP_f64Gt)
      emit(less ? l : r)
      code.op(OP_else)
      emit(less ? r : l)
      code.op(OP_end)
      return
    }
    if ((kind & 3) === NodeKind.Categorical) {
      // decision.ts slowGoesLeft: in int32 range, truncated, >= 0, inside the bitset, bit set.
      load(node).byte(OP_localTee, L_X).f64(-2147483649).byte(OP_f64Gt)
      code.byte(OP_localGet, L_X).f64(2147483648).byte(OP_f64Lt, OP_i32And, OP_if, I32)
      code.byte(OP_localGet, L_X, OP_i32TruncF64S, OP_localTee, L_CAT, OP_i32Const, 0, OP_i32GeS, OP_if, I32)
      code.byte(OP_localGet, L_CAT, OP_i32Const, 5, OP_i32ShrU, OP_i32Const).i32(catStart[node])
      code.byte(OP_i32Add, OP_localTee, L_WORD, OP_i32Const).i32(catEnd[node]).byte(OP_i32LtS, OP_if, I32)
      code.byte(OP_localGet, L_WORD, OP_i32Const, 2, OP_i32Shl, OP_i32Load, 2).u32(catBase)
      code.byte(OP_localGet, L_CAT, OP_i32Const, 31, OP_i32And, OP_i32ShrU, OP_i32Const, 1, OP_i32And)
      code.byte(OP_else, OP_i32Const, 0, OP_end)
      code.byte(OP_else, OP_i32Const, 0, OP_end)
      code.byte(OP_else, OP_i32Const, 0, OP_end)
    } else {
      // Zero-aware: NaN and |x| <= kZeroThreshold go to fixed sides, others compare.
      load(node).byte(OP_localTee, L_X, OP_localGet, L_X, OP_f64Ne, OP_if, I32)
      code.byte(OP_i32Const, (kind & 4) !== 0 ? 1 : 0, OP_else)
      code.byte(OP_localGet, L_X, OP_f64Abs).f64(kZeroThreshold).byte(OP_f64Le, OP_if, I32)
      code.byte(OP_i32Const, (kind & 8) !== 0 ? 1 : 0, OP_else)
      code.byte(OP_localGet, L_X).f64(threshold[node]).byte(OP_f64Le, OP_end, OP_end)
    }
    code.byte(OP_if, F64)
    emit(l)
    code.byte(OP_else)
    emit(r)
    code.byte(OP_end)
  }
  emit(forest.treeRoot[tree])
}

/** The module's bytes: one function per chunk of trees, then `block`, which calls them in order. */
export function wasmModuleBytes(
  forest: Forest,
  shape: { numFeatures: number; width: number },
  catBase: number,
  options: WasmOptions = {},
  trees: [number, number] = [0, forest.numTrees],
): Uint8Array<ArrayBuffer> {
  const { numFeatures, width } = shape
  const select = options.selectLeafPairs ?? true
  const ranges = chunkRanges(forest, options.nodesPerChunk ?? 256, options.treesPerChunk ?? 8, trees)
  const bodies: Bytes[] = []
  for (const [start, end] of ranges) {
    const outputs = [...new Set(Array.from({ length: end - start }, (_, i) => (start + i) % width))]
    const acc = new Map(outputs.map((k, i) => [k, L_ACC + i]))
    const code = new Bytes()
    // locals: base, outBase, end, cat, word (i32); x (f64); accumulators (f64)
    code.u32(3).u32(5).byte(I32).u32(1).byte(F64).u32(outputs.length).byte(F64)
    code.byte(OP_localGet, P_ROWS, OP_localSet, L_BASE, OP_localGet, P_OUT, OP_localSet, L_OUTBASE)
    code.byte(OP_localGet, P_ROWS, OP_localGet, P_COUNT, OP_i32Const).i32(numFeatures * 8)
    code.byte(OP_i32Mul, OP_i32Add, OP_localSet, L_END)
    code.byte(OP_loop, VOID)
    for (const k of outputs)
      code
        .byte(OP_localGet, L_OUTBASE, OP_f64Load, 3)
        .u32(k * 8)
        .byte(OP_localSet, acc.get(k) as number)
    for (let t = start; t < end; t++) {
      const a = acc.get(t % width) as number
      code.byte(OP_localGet, a)
      emitTree(code, forest, t, catBase, select)
      code.byte(OP_f64Add, OP_localSet, a)
    }
    for (const k of outputs)
      code.byte(OP_localGet, L_OUTBASE, OP_localGet, acc.get(k) as number, OP_f64Store, 3).u32(k * 8)
    code
      .byte(OP_localGet, L_BASE, OP_i32Const)
      .i32(numFeatures * 8)
      .byte(OP_i32Add, OP_localSet, L_BASE)
    code
      .byte(OP_localGet, L_OUTBASE, OP_i32Const)
      .i32(width * 8)
      .byte(OP_i32Add, OP_localSet, L_OUTBASE)
    code.byte(OP_localGet, L_BASE, OP_localGet, L_END, OP_i32LtU, OP_brIf, 0, OP_end, OP_end)
    bodies.push(code)
  }
  const block = new Bytes()
  block.u32(0)
  for (let c = 0; c < ranges.length; c++) {
    block.byte(OP_localGet, P_ROWS, OP_localGet, P_OUT, OP_localGet, P_COUNT, OP_call).u32(c)
  }
  block.byte(OP_end)
  bodies.push(block)

  const name = (to: Bytes, s: string) => to.u32(s.length).byte(...Array.from(s, (ch) => ch.charCodeAt(0)))
  const out = new Bytes().byte(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00)
  const section = (id: number, content: Bytes) => out.byte(id).sized(content)
  section(1, new Bytes().u32(1).byte(0x60).u32(3).byte(I32, I32, I32).u32(0))
  // The memory is imported (env.memory), so the modules of one forest's slices share it.
  const imports = new Bytes().u32(1)
  name(imports, 'env')
  name(imports, 'memory')
  section(2, imports.byte(0x02, 0x00).u32(1))
  const functions = new Bytes().u32(bodies.length)
  for (let i = 0; i < bodies.length; i++) functions.u32(0)
  section(3, functions)
  const exports = new Bytes().u32(1)
  name(exports, 'block')
  exports.byte(0x00).u32(bodies.length - 1)
  section(7, exports)
  const code = new Bytes().u32(bodies.length)
  for (const body of bodies) code.sized(body)
  section(10, code)
  return out.view()
}

let wasmAllowed: boolean | undefined

/** Can this runtime compile WebAssembly made at run time? (workerd refuses it.) */
export function canCompileWasm(): boolean {
  if (wasmAllowed === undefined) {
    // WebAssembly is little-endian; the generator writes doubles through a typed array.
    const littleEndian = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f
    try {
      if (!littleEndian) throw new Error('big-endian')
      // The smallest module: magic and version.
      new WebAssembly.Module(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]))
      wasmAllowed = true
    } catch {
      wasmAllowed = false
    }
  }
  return wasmAllowed
}

const PAGE = 65536

type BlockFunction = (rows: number, out: number, count: number) => void

/**
 * A forest's WebAssembly kernel, compiled a slice of trees at a time: trees [0, covered)
 * run in WebAssembly (one module a slice, all sharing one memory), the rest in the
 * portable kernel, each output still summed tree by tree in order. `auto` extends it a
 * little on each call (warmup.ts), so no call pays for compiling the whole forest.
 */
export class WasmForest {
  /** Trees [0, covered) have WebAssembly code. */
  covered = 0
  /** Bytes of the modules compiled so far. */
  moduleBytes = 0
  /** The table walk, where it covers the forest (then the fields below stay unused). */
  private readonly walk: WalkForest | undefined
  private readonly slices: BlockFunction[] = []
  private readonly memory!: WebAssembly.Memory
  private readonly outView!: Float64Array
  private readonly rowsView!: Float64Array
  private readonly blockRows!: number
  private readonly outBase!: number
  private readonly rowsBase!: number

  constructor(
    readonly forest: Forest,
    readonly shape: { numFeatures: number; width: number },
    readonly options: WasmOptions = {},
  ) {
    if ((options.walk ?? true) && walkCovers(forest)) {
      this.walk = new WalkForest(forest, shape, { blockRows: options.blockRows, ...options.walkOptions })
      this.moduleBytes = this.walk.moduleBytes
      return
    }
    const { numFeatures, width } = shape
    // Memory: [catWords][outputs of a block][rows of a block], 8-byte aligned.
    const catBytes = (forest.catWords.length * 4 + 7) & ~7
    this.blockRows = Math.max(1, Math.min(options.blockRows ?? 1024, ((4 << 20) / 8 / numFeatures) | 0))
    this.outBase = catBytes
    this.rowsBase = this.outBase + this.blockRows * width * 8
    const bytesNeeded = this.rowsBase + this.blockRows * numFeatures * 8
    this.memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytesNeeded / PAGE)) })
    new Uint32Array(this.memory.buffer, 0, forest.catWords.length).set(forest.catWords)
    this.outView = new Float64Array(this.memory.buffer, this.outBase, this.blockRows * width)
    this.rowsView = new Float64Array(this.memory.buffer, this.rowsBase, this.blockRows * numFeatures)
  }

  /**
   * Compiles trees [covered, end) as one more module and runs it on one row, so the
   * baseline compiler has compiled its functions before a caller's rows wait for them
   * (the table walk: writes their records; its module was compiled by the constructor).
   * Throws where the runtime refuses it.
   */
  extend(end: number): void {
    if (end <= this.covered) return
    if (this.walk) {
      this.walk.extend(end)
      this.covered = end
      return
    }
    const bytes = wasmModuleBytes(this.forest, this.shape, 0, this.options, [this.covered, end])
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: this.memory } })
    const block = instance.exports.block as BlockFunction
    block(this.rowsBase, this.outBase, 1)
    this.slices.push(block)
    this.moduleBytes += bytes.length
    this.covered = end
  }

  /** The table walk's blocks (early stopping walks them in rounds); undefined for nested code. */
  walkBlocks(rounds?: Rounds, numRows?: number): BlockWalk | undefined {
    return this.walk?.blocks(rounds, numRows)
  }

  /** The table walk for other threads (WalkShare); undefined for nested code. */
  walkShare(): WalkShare | undefined {
    return this.walk?.share()
  }

  /**
   * Raw scores of `numRows` rows of trees [0, covered), written to `out` (the sums the
   * portable kernel then continues with trees [covered, numTrees)).
   */
  predictCovered(rows: Float64Array, numRows: number, out: Float64Array): Float64Array {
    if (this.walk) return this.walk.predictCovered(rows, numRows, out)
    const { numFeatures, width } = this.shape
    const blockRows = this.blockRows
    for (let s = 0; s < numRows; s += blockRows) {
      const count = Math.min(blockRows, numRows - s)
      this.rowsView.set(rows.subarray(s * numFeatures, (s + count) * numFeatures))
      this.outView.fill(0, 0, count * width)
      for (const block of this.slices) block(this.rowsBase, this.outBase, count)
      out.set(this.outView.subarray(0, count * width), s * width)
    }
    return out
  }
}

/**
 * Compiles a whole forest to WebAssembly. Undefined where the runtime refuses WebAssembly
 * made at run time, for forests with linear trees, or if compilation fails for any reason.
 */
export function compileWasm(
  forest: Forest,
  shape: { numFeatures: number; width: number },
  options: WasmOptions = {},
): WasmKernel | undefined {
  const kernel = wasmForest(forest, shape, options)
  if (!kernel) return undefined
  try {
    kernel.extend(forest.numTrees)
  } catch {
    return undefined
  }
  return {
    moduleBytes: kernel.moduleBytes,
    predictRaw: (rows, numRows, out) => kernel.predictCovered(rows, numRows, out),
  }
}

/** An empty WasmForest (no trees compiled yet); undefined where WebAssembly cannot serve this forest. */
export function wasmForest(
  forest: Forest,
  shape: { numFeatures: number; width: number },
  options: WasmOptions = {},
): WasmForest | undefined {
  if (!canCompileWasm() || !wasmCovers(forest)) return undefined
  try {
    return new WasmForest(forest, shape, options)
  } catch {
    return undefined
  }
}
