// What `auto` (the default kernel choice) runs, so that no call is slower than the portable
// kernel, from the first one: the portable kernel until the forest has done enough work,
// then the WebAssembly kernel (wasm-kernel.ts), whose baseline machine code is ready as
// soon as it is compiled.
//
// Generated JavaScript (compile.ts) is not used by `auto`: V8 runs it in its interpreter
// until the optimizing compiler has compiled every generated function, which took up to 18
// batches of 10,000 rows on a 500-tree, 255-leaf forest, at a fifth of the portable
// kernel's speed on the way (issue 21). It stays available as `withKernel('compiled')`.
//
// When the WebAssembly kernel is compiled:
// * on a call whose portable walk would take at least COMPILE_IN_CALL node visits (rows x
//   trees x the mean leaf depth) per node of the forest: that call alone pays for the
//   compilation. Measured on the calling thread's CPU time: generating and compiling
//   costs about 1.5 us a node, the portable kernel about 8 ns a node visit, and the
//   WebAssembly kernel runs 2-4x faster, so a call of 400 visits per node is faster
//   compiled than portable, its compilation included;
// * otherwise, once smaller calls have added up to as much work, in a timer callback
//   (off the caller's path) where the runtime has timers; a loop of small synchronous
//   calls keeps the portable kernel.
// Small batches (single rows) then time both kernels a few calls each and keep the faster:
// one row through a big forest's code runs from cold instruction caches, so the answer
// depends on the model.

import type { Forest } from './forest.ts'
import { predictRawKernel } from './kernel.ts'
import { compileWasm, type WasmKernel } from './wasm-kernel.ts'

/** A call whose portable walk visits this many nodes per forest node compiles the WebAssembly kernel itself. */
export const COMPILE_IN_CALL = 400
/** Forests above this many nodes keep the portable kernel in `auto` (their modules would be too large). */
export const AUTO_MAX_NODES = 1_000_000
/** Below this many rows a call is small. */
export const SMALL_ROWS = 32
/** Small calls timed on each kernel before `auto` keeps one for small calls. */
export const SMALL_SAMPLES = 16

/** The forest's model facts the kernels need. */
export interface Shape {
  numFeatures: number
  width: number
}

interface AutoState {
  /** The WebAssembly kernel; null once it failed or was refused here. */
  kernel?: WasmKernel | null
  /** Node visits (estimated) done on the portable kernel so far. */
  work: number
  /** Mean leaf depth of the forest's trees (at least 1). */
  depth: number
  /** A timer has been set to compile the kernel. */
  scheduled: boolean
  small: { portable: number[]; wasm: number[]; decided?: 'portable' | 'wasm' }
}

const states = new WeakMap<Forest, AutoState>()

function stateOf(forest: Forest): AutoState {
  let state = states.get(forest)
  if (!state) {
    state = { work: 0, depth: meanLeafDepth(forest), scheduled: false, small: { portable: [], wasm: [] } }
    states.set(forest, state)
  }
  return state
}

const nodesOf = (forest: Forest) => forest.splitFeature.length + forest.numTrees

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

/** The forest's WebAssembly kernel, compiling it now; undefined where it cannot be had. */
export function wasmKernelOf(forest: Forest, shape: Shape): WasmKernel | undefined {
  const state = stateOf(forest)
  if (state.kernel === undefined) {
    state.kernel = compileWasm(forest, shape) ?? null
    if (state.kernel) {
      // Runs one row so the baseline compiler has compiled every function (it compiles
      // each on its first call) before a caller's row waits for it.
      state.kernel.predictRaw(new Float64Array(shape.numFeatures), 1, new Float64Array(shape.width))
    }
  }
  return state.kernel ?? undefined
}

/** The WebAssembly kernel if it is compiled already (never compiles). */
export function knownWasmKernel(forest: Forest): WasmKernel | undefined {
  return states.get(forest)?.kernel ?? undefined
}

/** Compiles the kernel in a timer callback, once, where the runtime has timers. */
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
 * the kernel `auto` chooses and returns which one ran, or undefined when the WebAssembly
 * kernel cannot be had here (the caller then picks another kernel).
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
  if (state.kernel === null) return undefined
  const visits = numRows * forest.numTrees * state.depth
  const nodes = nodesOf(forest)
  let kernel = state.kernel
  if (kernel === undefined) {
    if (force || (nodes <= AUTO_MAX_NODES && visits >= COMPILE_IN_CALL * nodes)) {
      kernel = wasmKernelOf(forest, shape)
      if (!kernel) return undefined
    } else {
      state.work += visits
      if (nodes <= AUTO_MAX_NODES && state.work >= COMPILE_IN_CALL * nodes)
        scheduleCompile(forest, shape, state)
      portable(forest, shape, rows, numRows, out)
      return 'portable'
    }
  }
  if (numRows >= SMALL_ROWS || force) {
    kernel.predictRaw(rows, numRows, out)
    return 'wasm'
  }
  // Small calls: time both kernels, alternating, then keep the faster (best times).
  const small = state.small
  let use = small.decided
  const timing = use === undefined
  if (use === undefined) use = small.portable.length <= small.wasm.length ? 'portable' : 'wasm'
  const started = timing ? performance.now() : 0
  if (use === 'wasm') kernel.predictRaw(rows, numRows, out)
  else portable(forest, shape, rows, numRows, out)
  if (timing) {
    small[use].push(performance.now() - started)
    if (small.wasm.length >= SMALL_SAMPLES && small.portable.length >= SMALL_SAMPLES)
      small.decided = Math.min(...small.wasm) <= Math.min(...small.portable) ? 'wasm' : 'portable'
  }
  return use
}

/** The kernel `auto` would use for a call of `numRows` rows of the full forest now. */
export function autoKernelFor(forest: Forest, numRows: number): 'wasm' | 'portable' | undefined {
  const state = states.get(forest)
  if (state?.kernel === null) return undefined
  if (!state?.kernel) return 'portable'
  if (numRows >= SMALL_ROWS) return 'wasm'
  return state.small.decided ?? 'portable'
}

function portable(
  forest: Forest,
  shape: Shape,
  rows: Float64Array,
  numRows: number,
  out: Float64Array,
): void {
  predictRawKernel(forest, rows, numRows, shape.numFeatures, shape.width, 0, forest.numTrees, out)
}
