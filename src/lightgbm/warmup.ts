// What `auto` (the default kernel choice) runs, so that no call is slower than the portable
// kernel, from the first one: the portable kernel, then the WebAssembly kernel
// (wasm-kernel.ts), whose baseline machine code is ready as soon as it is compiled.
//
// Generated JavaScript (compile.ts) is not used by `auto`: V8 runs it in its interpreter
// until the optimizing compiler has compiled every generated function, which took up to 18
// batches of 10,000 rows on a 500-tree, 255-leaf forest, at a fifth of the portable
// kernel's speed on the way (issue 21). It stays available as `withKernel('compiled')`.
//
// Forests of numeric trees get the table walk (wasm-walk.ts): one small module, the nodes
// written as records, so building it costs a few ms plus about 200 ns a node (cold: the
// first touches of its memory's pages are most of it), a few dozen node visits. The
// portable kernel's first call costs about as much: it builds its own packed layout
// (packed.ts, 0.14-0.30 us a node and leaf with that first call, in fresh processes), which
// the walk makes useless. So the walk is built whole by the first call whose cost on the
// portable kernel pays for it (walkCall, walkPays): the packed layout if it is not built
// yet, half of the call's own estimated time, and the portable work done so far. On
// forests from some 10,000 nodes that is the very first call, single row or batch; on
// smaller ones (where the walk's fixed cost dominates) calls run portable and add up their
// measured time, and small calls set a timer at a quarter of the cost to build it off the
// caller's path. Its first batch, still partly in baseline code, ran at least 1.4x the
// portable kernel on every bench model, so a call that builds is no slower than a
// portable one.
//
// Other forests (categorical nodes, non-finite thresholds) get nested code, a module a
// slice of trees, which costs far more a node, so it grows with the calls (batches of at
// least SMALL_ROWS rows):
// * the first batch runs portable and is timed (ms per node visit, visits = rows x trees x
//   the forest's mean leaf depth);
// * each later batch may spend, compiling more trees, COMPILE_SHARE of its own estimated
//   portable time plus what the trees compiled so far save it (at the speedup measured on
//   the last partly compiled batch, 1.5x until then); compiled trees run in
//   WebAssembly, the others portable, each output summed in the trees' order. Compiling
//   costs about 190 node visits of portable time per node (measured: 1.5 us a node
//   against 8 ns a visit), then the first slice's measured cost is used. So no batch
//   spends more than a few percent over its portable time, and the whole forest is
//   compiled within some ten batches;
// * small calls (single rows) add up their work; once it is as much as compiling the rest
//   costs, a timer callback compiles the rest off the caller's path, and until it runs
//   each small call compiles a slice of an eighth of the forest (a loop of synchronous small calls
//   never lets the timer run).
// Once the forest is compiled (either kind), small calls time both kernels a few calls
// each and keep the faster (a table walk only once the portable kernel's packed layout
// exists), timing them again after 256 calls, 512 more, and so on (V8
// optimizes the WebAssembly code meanwhile): one row through a big forest's code runs
// from cold instruction caches, so the answer depends on the model.

import type { Forest } from './forest.ts'
import { predictRawKernel } from './kernel.ts'
import { hasPacked, packedOf } from './packed.ts'
import { canCompileWasm, type WasmForest, wasmCovers, wasmForest } from './wasm-kernel.ts'
import { type BlockWalk, type Rounds, type WalkShare, walkCovers } from './wasm-walk.ts'

/** Share of a batch's estimated portable time it may spend compiling beyond what compiled trees save it. */
export const COMPILE_SHARE = 0.03
/** Node visits of portable time one node costs to compile, until measured. */
export const COMPILE_VISITS_PER_NODE = 190
/** The WebAssembly kernel's speed over the portable kernel assumed for savings until measured (1.5-4x). */
const ASSUMED_SPEEDUP = 1.5
/** Measured speedups count up to this much (one batch's timing is noisy). */
const MAX_SPEEDUP = 4
/** Forests above this many nodes keep the portable kernel in `auto` (their modules would be too large). */
export const AUTO_MAX_NODES = 1_000_000
/** Below this many rows a call is small. */
export const SMALL_ROWS = 32
/** Compile time one small call may spend on a slice of trees once small calls have earned it (ms). */
export const SLICE_MS = 1
/** Nodes of a small call's slice at most, unless SLICE_MS allows more. */
const SLICE_MAX_NODES = 16_384
/** Compile ms per node assumed before a slice has measured it (measured: 1.5 us). */
const ASSUMED_MS_PER_NODE = 0.0015
/** Rows run once through a forest compiled for small calls, so V8 optimizes its code (warmUp). */
const WARM_ROWS = 1024
/** Single rows walked through a table walk built by a small call before it returns (warmSingle). */
const WARM_SINGLE_CALLS = 32
/** Small calls after which `auto` times both kernels again for small calls (doubling each time). */
const RECHECK_CALLS = 256
/**
 * For small calls the WebAssembly kernel is kept while up to this much slower than the
 * portable one: until V8 has optimized it, it runs its baseline code, and the next
 * timing (RECHECK_CALLS) corrects a wrong choice either way.
 */
const WASM_MARGIN = 1.25
/** Small calls timed on each kernel before `auto` keeps one for small calls. */
export const SMALL_SAMPLES = 16
/**
 * Building a table walk (wasm-walk.ts: one small module, the forest's nodes written as
 * records) is assumed to cost WALK_FIXED_MS plus WALK_MS_PER_NODE a node until one has
 * been built in this process; then both are scaled by the least ratio of measured to
 * assumed so far.
 */
export const WALK_FIXED_MS = 4
export const WALK_MS_PER_NODE = 0.0002
/**
 * The portable kernel's first call on a forest builds its packed layout (packed.ts) and
 * runs from cold code: assumed to cost this much a node and leaf (measured in fresh
 * processes, layout and first call: 0.14-0.30 us; on this 2-core VM a first touch of a
 * memory page costs about 12 us, a fifth of it). On big forests that is more than the
 * table walk's whole build (WALK_*), so a first call builds the walk instead: the layout
 * would only be wasted once the walk is built.
 */
export const PACK_MS_PER_ENTRY = 0.0002
/** And this much once (the packing and kernel code run cold: 1-8 ms on forests of 1,000-15,000 nodes). */
export const PACK_FIXED_MS = 2
/** Portable ms per node visit a batch is assumed to take until one is measured (measured 2-6 ns). */
export const ASSUMED_MS_PER_VISIT = 0.000002
/**
 * A call builds the table walk when the work done portable so far plus this share of its
 * own estimated portable time reaches the build's cost: the table walk ran the first
 * batch of every bench model at least 1.4x faster than the portable kernel, so a call
 * that builds is no slower than portable, and calls too small to pay for it add up their
 * work until they have (so they spend at most twice the best choice's time).
 */
export const WALK_CALL_SHARE = 0.5
/** Small calls set a timer to build the walk off the caller's path once their work reaches this share of its cost. */
export const WALK_TIMER_SHARE = 0.25
/** Forests above this many nodes keep the portable kernel in `auto` (the records take 20-24 bytes a node). */
export const AUTO_MAX_WALK_NODES = 8_000_000

/** The forest's model facts the kernels need. */
export interface Shape {
  numFeatures: number
  width: number
}

interface AutoState {
  /** The WebAssembly kernel, as far as compiled; null once refused or failed here. */
  wasm?: WasmForest | null
  /** The WebAssembly kernel would be a table walk (built whole, in one go). */
  walk?: boolean
  /** Ms spent on the portable kernel so far, while the table walk was not built. */
  workMs: number
  /** Mean leaf depth of the forest's trees (at least 1), computed on first need (depthOf). */
  depth?: number
  /** Mean over trees of the longest path (at least 1): the table walk's visits a row and tree, as estimated (walkDepth). */
  walkDepth?: number
  /** Nodes of trees [0, t), per tree boundary t. */
  nodesBefore: Float64Array
  /** Portable ms per node visit, measured on a portable batch. */
  msPerVisit?: number
  /** The WebAssembly kernel's speed over the portable one, measured on the last partly compiled batch. */
  speedup?: number
  /** Ms of compiling per node: the least measured on a slice so far. */
  msPerNode?: number
  /** Compile time allowed by earlier batches and not spent yet (ms; a slice is compiled whole). */
  bankMs: number
  /** Node visits done by small calls on the portable kernel so far. */
  work: number
  /** A timer has been set to compile the rest. */
  scheduled: boolean
  small: {
    portable: number[]
    wasm: number[]
    decided?: 'portable' | 'wasm'
    /** Small calls since the last choice, and after how many it is timed again. */
    since: number
    recheck: number
  }
}

const states = new WeakMap<Forest, AutoState>()

function stateOf(forest: Forest): AutoState {
  let state = states.get(forest)
  if (!state) {
    const nodesBefore = new Float64Array(forest.numTrees + 1)
    for (let t = 0; t < forest.numTrees; t++)
      nodesBefore[t + 1] = nodesBefore[t] + forest.treeNodeOffset[t + 1] - forest.treeNodeOffset[t] + 1
    state = {
      nodesBefore,
      work: 0,
      workMs: 0,
      bankMs: 0,
      scheduled: false,
      small: { portable: [], wasm: [], since: 0, recheck: RECHECK_CALLS },
    }
    states.set(forest, state)
  }
  return state
}

/** The forest's mean leaf depth, computed once (a walk over every node: a few ms on big forests). */
function depthOf(forest: Forest, state: AutoState): number {
  state.depth ??= meanLeafDepth(forest)
  return state.depth
}

/**
 * The node visits a row and tree assumed for the table walk's choices: the trees' mean
 * longest path, read from the forest (meanLeafDepth walks every node, a few ms of a first
 * call; this overestimates a little, which only builds the walk sooner on batches).
 */
function walkDepth(forest: Forest, state: AutoState): number {
  if (state.walkDepth === undefined) {
    let sum = 0
    for (let t = 0; t < forest.numTrees; t++) sum += Math.max(1, forest.treeDepth[t])
    state.walkDepth = forest.numTrees > 0 ? sum / forest.numTrees : 1
  }
  return state.walkDepth
}

/** The mean depth of the forest's leaves (each leaf counted once; at least 1). */
export function meanLeafDepth(forest: Forest): number {
  let sum = 0
  let leaves = 0
  const stack: number[] = []
  for (let t = 0; t < forest.numTrees; t++) {
    stack.push(forest.treeRoot[t], 0)
    while (stack.length > 0) {
      const depth = stack.pop() as number
      const node = stack.pop() as number
      if (node < 0) {
        sum += depth
        leaves++
      } else stack.push(forest.leftChild[node], depth + 1, forest.rightChild[node], depth + 1)
    }
  }
  return Math.max(1, leaves > 0 ? sum / leaves : 1)
}

/** The forest's (possibly partly compiled) WebAssembly kernel, made on first use; undefined where refused. */
function wasmOf(forest: Forest, shape: Shape, state: AutoState): WasmForest | undefined {
  if (state.wasm === undefined) state.wasm = wasmForest(forest, shape) ?? null
  return state.wasm ?? undefined
}

/** Compiles trees up to `end`; false (and the kernel dropped for good) if that fails. */
function extend(state: AutoState, wasm: WasmForest, end: number): boolean {
  try {
    const started = performance.now()
    const from = wasm.covered
    wasm.extend(end)
    const nodes = state.nodesBefore[end] - state.nodesBefore[from]
    const ms = performance.now() - started
    if (nodes > 0) state.msPerNode = Math.min(state.msPerNode ?? Number.POSITIVE_INFINITY, ms / nodes)
    state.bankMs -= ms
    return true
  } catch {
    state.wasm = null
    return false
  }
}

/** The forest's WebAssembly kernel with every tree compiled, compiling it now; undefined where it cannot be had. */
export function wasmKernelOf(forest: Forest, shape: Shape): WasmForest | undefined {
  const state = stateOf(forest)
  const started = performance.now()
  const fresh = !state.wasm
  const wasm = wasmOf(forest, shape, state)
  if (!wasm || !extend(state, wasm, forest.numTrees)) return undefined
  if (fresh && walks(forest, state)) {
    const ratio = (performance.now() - started) / assumedWalkMs(forest, state)
    walkScale = Math.min(walkScale ?? Number.POSITIVE_INFINITY, ratio)
  }
  return wasm
}

/**
 * The forest's table walk for other threads (predictParallel's workers): the walk `auto`
 * uses, built now if it is not yet; undefined where the table walk cannot serve the forest.
 */
export function walkShareOf(forest: Forest, shape: Shape): WalkShare | undefined {
  return walks(forest, stateOf(forest)) ? wasmKernelOf(forest, shape)?.walkShare() : undefined
}

/** Least ratio of a table walk's measured build time to its assumed one in this process. */
let walkScale: number | undefined

/** The table walk's build time (ms) by the constants alone. */
function assumedWalkMs(forest: Forest, state: AutoState): number {
  return WALK_FIXED_MS + state.nodesBefore[forest.numTrees] * WALK_MS_PER_NODE
}

/** The table walk's build time as assumed (ms), scaled by what builds measured in this process. */
function walkBuildMs(forest: Forest, state: AutoState): number {
  return assumedWalkMs(forest, state) * (walkScale ?? 1)
}

/**
 * Does a call of `numRows` rows pay for building the table walk now? The portable work
 * so far, plus what this call would spend on the portable kernel: building its packed
 * layout if no call has yet (packed.ts: more than the whole walk on big forests), and
 * WALK_CALL_SHARE of its own estimated time.
 */
function walkPays(forest: Forest, state: AutoState, numRows: number): boolean {
  const buildMs = walkBuildMs(forest, state)
  const packMs = hasPacked(forest) ? 0 : packBuildMs(forest)
  if (state.workMs + packMs >= buildMs) return true
  const visits = numRows * forest.numTrees * walkDepth(forest, state)
  const callMs = visits * (state.msPerVisit ?? ASSUMED_MS_PER_VISIT)
  return state.workMs + packMs + WALK_CALL_SHARE * callMs >= buildMs
}

/**
 * The portable kernel's packed layout's build time (ms) as assumed (PACK_*),
 * scaled like the walk's: both are mostly first touches of memory and code run once, so
 * a machine or process that builds walks faster than assumed builds layouts faster too
 * (and the choice between them on a first call follows the constants alone).
 */
function packBuildMs(forest: Forest): number {
  const entries = forest.splitFeature.length + forest.leafValue.length
  return (PACK_FIXED_MS + entries * PACK_MS_PER_ENTRY) * (walkScale ?? 1)
}

/** Would the forest's WebAssembly kernel be a table walk (built whole, in one go)? */
function walks(forest: Forest, state: AutoState): boolean {
  state.walk ??= canCompileWasm() && wasmCovers(forest) && walkCovers(forest)
  return state.walk
}

/** The forest's WebAssembly kernel if every tree of it is compiled already (never compiles). */
function completeWasm(forest: Forest, state: AutoState | undefined): WasmForest | undefined {
  const wasm = state?.wasm
  return wasm && wasm.covered === forest.numTrees ? wasm : undefined
}

/** The WebAssembly kernel if every tree of it is compiled already (never compiles). */
export function knownWasmKernel(forest: Forest): WasmForest | undefined {
  return completeWasm(forest, states.get(forest))
}

/** Compiles the rest of the forest in a timer callback, once, where the runtime has timers. */
function scheduleCompile(forest: Forest, shape: Shape, state: AutoState): void {
  const timer = (globalThis as { setTimeout?: (f: () => void, ms: number) => unknown }).setTimeout
  if (state.scheduled || typeof timer !== 'function') return
  state.scheduled = true
  const handle = timer(() => {
    wasmKernelOf(forest, shape)
  }, 0) as { unref?: () => void }
  // A pending compilation must not keep a Node process alive.
  handle?.unref?.()
}

/**
 * Raw scores of all trees for `auto` (or, with `force`, for `withKernel('wasm')`): runs
 * what `auto` chooses and returns 'wasm' if any tree ran in WebAssembly, 'portable' if
 * none did, or undefined when the WebAssembly kernel cannot be had here (the caller then
 * picks another kernel).
 */
export function autoPredictRaw(
  forest: Forest,
  shape: Shape,
  rows: Float64Array,
  numRows: number,
  out: Float64Array,
  force: boolean,
): 'wasm' | 'portable' | undefined {
  const state = stateOf(forest)
  if (state.wasm === null) return undefined
  const numTrees = forest.numTrees
  const nodes = state.nodesBefore[numTrees]
  if (force) {
    const wasm = wasmKernelOf(forest, shape)
    if (!wasm) return undefined
    wasm.predictCovered(rows, numRows, out)
    return 'wasm'
  }
  if (nodes <= AUTO_MAX_WALK_NODES && walks(forest, state))
    return walkCall(forest, shape, state, rows, numRows, out)
  const visits = numRows * numTrees * depthOf(forest, state)
  if (nodes > AUTO_MAX_NODES) {
    portable(forest, shape, rows, numRows, out, 0)
    return 'portable'
  }
  if (numRows < SMALL_ROWS) return smallCall(forest, shape, state, rows, numRows, out, visits)
  if (state.msPerVisit === undefined && !completeWasm(forest, state)) {
    // The first batch: portable, timed.
    const started = performance.now()
    portable(forest, shape, rows, numRows, out, 0)
    if (visits > 0) state.msPerVisit = (performance.now() - started) / visits
    return 'portable'
  }
  const wasm = wasmOf(forest, shape, state)
  if (!wasm) return undefined
  if (wasm.covered < numTrees && state.msPerVisit !== undefined) {
    // Compile more trees with this batch's budget: a small share of its portable time plus
    // what the compiled trees save it. Unspent budget carries over (up to a few batches'
    // worth), so trees bigger than one batch's share still get compiled.
    const portableMs = visits * state.msPerVisit
    const coveredShare = state.nodesBefore[wasm.covered] / Math.max(1, nodes)
    const speedup = state.speedup ?? ASSUMED_SPEEDUP
    const budgetMs = portableMs * (COMPILE_SHARE + coveredShare * (1 - 1 / speedup))
    state.bankMs = Math.min(state.bankMs + budgetMs, Math.max(budgetMs, 4 * COMPILE_SHARE * portableMs))
    const msPerNode = state.msPerNode ?? COMPILE_VISITS_PER_NODE * state.msPerVisit
    const limit = state.nodesBefore[wasm.covered] + state.bankMs / msPerNode
    let end = wasm.covered
    while (end < numTrees && state.nodesBefore[end + 1] <= limit) end++
    if (end > wasm.covered && !extend(state, wasm, end)) return undefined
  }
  if (wasm.covered === 0) {
    portable(forest, shape, rows, numRows, out, 0)
    return 'portable'
  }
  if (wasm.covered === numTrees) {
    wasm.predictCovered(rows, numRows, out)
    return 'wasm'
  }
  // Partly compiled: time both parts, so that later budgets count the savings measured
  // (per node visit, the portable part against the compiled one) instead of assumed.
  const started = performance.now()
  wasm.predictCovered(rows, numRows, out)
  const middle = performance.now()
  portable(forest, shape, rows, numRows, out, wasm.covered)
  const wasmMs = middle - started
  const portableMs = performance.now() - middle
  const covered = state.nodesBefore[wasm.covered] / state.nodesBefore[numTrees]
  if (wasmMs > 0 && portableMs > 0 && covered > 0)
    state.speedup = Math.min(MAX_SPEEDUP, Math.max(1, portableMs / (1 - covered) / (wasmMs / covered)))
  return 'wasm'
}

/**
 * Runs WARM_ROWS copies of the first row through the compiled forest once: V8 moves a
 * WebAssembly function to its optimizing compiler after it has run a while, which single
 * rows (one pass through each tree's function a call) took a thousand calls to reach; one
 * block of rows passes through every function's row loop WARM_ROWS times.
 */
function warmUp(wasm: WasmForest, shape: Shape, rows: Float64Array): void {
  const block = new Float64Array(WARM_ROWS * shape.numFeatures)
  for (let r = 0; r < WARM_ROWS; r++) block.set(rows.subarray(0, shape.numFeatures), r * shape.numFeatures)
  wasm.predictCovered(block, WARM_ROWS, new Float64Array(WARM_ROWS * shape.width))
}

/**
 * Walks the first row WARM_SINGLE_CALLS times through a table walk just built by a small
 * call: V8 moves a WebAssembly function to its optimizing compiler once it has run a
 * while, and single rows took some 20 calls at 2-5x their later time to get there.
 */
function warmSingle(wasm: WasmForest, shape: Shape, rows: Float64Array): void {
  const scratch = new Float64Array(shape.width)
  const row = rows.subarray(0, shape.numFeatures)
  for (let i = 0; i < WARM_SINGLE_CALLS; i++) wasm.predictCovered(row, 1, scratch)
}

/**
 * `auto` on a forest the table walk covers: its build is cheap (a small module and the
 * nodes written as records), so the whole forest is built by the first call whose
 * estimated portable time pays for it with the work done so far (WALK_CALL_SHARE); until
 * then calls run portable and add up their measured time, and small calls set a timer
 * to build it off the caller's path (WALK_TIMER_SHARE). Then batches run the walk, and
 * small calls time both kernels and keep the faster.
 */
function walkCall(
  forest: Forest,
  shape: Shape,
  state: AutoState,
  rows: Float64Array,
  numRows: number,
  out: Float64Array,
): 'wasm' | 'portable' | undefined {
  let wasm = completeWasm(forest, state)
  if (!wasm) {
    if (!walkPays(forest, state, numRows)) {
      if (numRows < SMALL_ROWS && state.workMs >= WALK_TIMER_SHARE * walkBuildMs(forest, state))
        scheduleCompile(forest, shape, state)
      // The portable layout is built once, on first use: its time is not the kernel's speed.
      packedOf(forest)
      const started = performance.now()
      portable(forest, shape, rows, numRows, out, 0)
      const ms = performance.now() - started
      state.workMs += ms
      const visits = numRows * forest.numTrees * walkDepth(forest, state)
      if (numRows >= SMALL_ROWS && visits > 0) state.msPerVisit = ms / visits
      return 'portable'
    }
    wasm = wasmKernelOf(forest, shape)
    if (!wasm) return undefined
    if (numRows < SMALL_ROWS) warmSingle(wasm, shape, rows)
  }
  if (numRows < SMALL_ROWS) return timedSmallCall(forest, shape, state, wasm, rows, numRows, out)
  wasm.predictCovered(rows, numRows, out)
  return 'wasm'
}

/** Small calls: portable until the whole forest is compiled (by a timer), then timed on both. */
function smallCall(
  forest: Forest,
  shape: Shape,
  state: AutoState,
  rows: Float64Array,
  numRows: number,
  out: Float64Array,
  visits: number,
): 'wasm' | 'portable' {
  const wasm = completeWasm(forest, state)
  if (!wasm) {
    state.work += visits
    const covered = state.wasm ? state.nodesBefore[state.wasm.covered] : 0
    const rest = state.nodesBefore[forest.numTrees] - covered
    if (state.work >= COMPILE_VISITS_PER_NODE * rest) {
      scheduleCompile(forest, shape, state)
      // A loop of synchronous small calls never lets the timer run: compile a slice with
      // this call instead (the rest follows, slice by slice).
      const wasm = wasmOf(forest, shape, state)
      if (wasm && wasm.covered < forest.numTrees) {
        // Each slice is a module of its own, with a fixed cost: at least an eighth of the
        // forest (at most SLICE_MAX_NODES), or SLICE_MS of compiling if that is more.
        const nodes = state.nodesBefore[forest.numTrees]
        const msPerNode = state.msPerNode ?? ASSUMED_MS_PER_NODE
        const sliceNodes = Math.max(SLICE_MS / msPerNode, Math.min(nodes / 8, SLICE_MAX_NODES))
        const limit = state.nodesBefore[wasm.covered] + sliceNodes
        let end = wasm.covered + 1
        while (end < forest.numTrees && state.nodesBefore[end + 1] <= limit) end++
        const bank = state.bankMs
        if (extend(state, wasm, end) && end === forest.numTrees) warmUp(wasm, shape, rows)
        state.bankMs = bank // earned by the small calls, not by batches
      }
    }
    portable(forest, shape, rows, numRows, out, 0)
    return 'portable'
  }
  return timedSmallCall(forest, shape, state, wasm, rows, numRows, out)
}

/**
 * The table walk's blocks for an early-stopping call (early-stop.ts walks them in rounds),
 * under the same rule as walkCall: built already, or built now when this call's estimated
 * portable time (as if no row stopped) and the work so far pay for it (`force`: build it in
 * any case). Undefined: run the portable early stop, then report its time (notePortableMs).
 */
export function walkBlocksFor(
  forest: Forest,
  shape: Shape,
  numRows: number,
  force: boolean,
  rounds?: Rounds,
): BlockWalk | undefined {
  const state = stateOf(forest)
  if (state.wasm === null || !walks(forest, state)) return undefined
  const numTrees = forest.numTrees
  let wasm = completeWasm(forest, state)
  if (!wasm) {
    if (!force && (state.nodesBefore[numTrees] > AUTO_MAX_WALK_NODES || !walkPays(forest, state, numRows)))
      return undefined
    wasm = wasmKernelOf(forest, shape)
  }
  return wasm?.walkBlocks(rounds, numRows)
}

/** Counts `ms` of portable work done outside autoPredictRaw (early stopping) toward building the table walk. */
export function notePortableMs(forest: Forest, ms: number): void {
  stateOf(forest).workMs += ms
}

/** A small call once the whole forest is compiled: times both kernels, alternating, then keeps the faster (best times). */
function timedSmallCall(
  forest: Forest,
  shape: Shape,
  state: AutoState,
  wasm: WasmForest,
  rows: Float64Array,
  numRows: number,
  out: Float64Array,
): 'wasm' | 'portable' {
  const small = state.small
  // V8 recompiles the hot WebAssembly functions in the background, which on a big forest
  // takes hundreds of single-row calls (a thousand on sentiment-fusion at a load of 13): a
  // choice made on the baseline code is timed again after RECHECK_CALLS calls, then after
  // twice as many, and so on.
  if (small.decided !== undefined && ++small.since >= small.recheck) {
    small.decided = undefined
    small.portable.length = 0
    small.wasm.length = 0
    small.since = 0
    small.recheck *= 2
  }
  // The portable kernel is timed against the table walk only once its packed layout
  // exists: building it for a timing would cost about the walk's whole build (walkPays).
  if (small.decided === undefined && state.walk && !hasPacked(forest)) {
    wasm.predictCovered(rows, numRows, out)
    return 'wasm'
  }
  let use = small.decided
  const timing = use === undefined
  if (use === undefined) use = small.portable.length <= small.wasm.length ? 'portable' : 'wasm'
  const started = timing ? performance.now() : 0
  if (use === 'wasm') wasm.predictCovered(rows, numRows, out)
  else portable(forest, shape, rows, numRows, out, 0)
  if (timing) {
    small[use].push(performance.now() - started)
    if (small.wasm.length >= SMALL_SAMPLES && small.portable.length >= SMALL_SAMPLES)
      small.decided =
        Math.min(...small.wasm) <= WASM_MARGIN * Math.min(...small.portable) ? 'wasm' : 'portable'
  }
  return use
}

/** The kernel `auto` would use for a call of `numRows` rows of the full forest now. */
export function autoKernelFor(forest: Forest, numRows: number): 'wasm' | 'portable' | undefined {
  const state = states.get(forest)
  if (state?.wasm === null) return undefined
  if (!state?.wasm || state.wasm.covered === 0) return 'portable'
  if (numRows >= SMALL_ROWS) return 'wasm'
  return state.wasm.covered === forest.numTrees ? (state.small.decided ?? 'portable') : 'portable'
}

/** The portable kernel for trees [from, numTrees), adding to the sums of trees [0, from) already in `out`. */
function portable(
  forest: Forest,
  shape: Shape,
  rows: Float64Array,
  numRows: number,
  out: Float64Array,
  from: number,
): void {
  predictRawKernel(
    forest,
    rows,
    numRows,
    shape.numFeatures,
    shape.width,
    from,
    forest.numTrees,
    out,
    undefined,
    from > 0,
  )
}

/** Trees of the forest compiled to WebAssembly so far (for tests and benchmarks). */
export function wasmCoverage(forest: Forest): number {
  return states.get(forest)?.wasm?.covered ?? 0
}
