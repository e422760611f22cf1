// The kernel behind a Model's raw scores: `portable` walks the typed arrays, `compiled`
// runs JavaScript generated for the forest (compile.ts), and `auto` (the default) compiles
// once the model has done enough work, then times both kernels on the first batches and
// keeps the faster one per forest. Both give the same bits; only speed differs.

import { type CompiledKernel, canCompile, compileForest } from './compile.ts'
import { type EarlyStopPlan, predictRawEarlyStop, predictRawEarlyStopWalk } from './early-stop.ts'
import type { Forest } from './forest.ts'
import { predictRawKernel } from './kernel.ts'
import type { IterationWindow } from './model.ts'
import {
  autoKernelFor,
  autoPredictRaw,
  knownWasmKernel,
  notePortableMs,
  walkBlocksFor,
  wasmKernelOf,
} from './warmup.ts'

/**
 * Which kernel predicts: `portable` walks the typed arrays (runs everywhere); `compiled`
 * generates JavaScript for the model (compile.ts) where the runtime allows `new Function`;
 * `wasm` generates a WebAssembly module (wasm-kernel.ts) where the runtime allows it;
 * `auto` (the default) starts portable and moves to `wasm` once the model has done enough
 * work to pay for it (warmup.ts), never to a kernel still warming up.
 */
export type KernelChoice = 'auto' | 'portable' | 'compiled' | 'wasm'

/** One compiled kernel per forest, shared by every Model over it; null: not compilable here. */
const compiledKernels = new WeakMap<Forest, CompiledKernel | null>()

/**
 * What `auto` has measured on a forest, for large batches and (apart) for small ones,
 * where the answer differs by model: one row through a compiled forest runs from cold
 * instruction caches when its code is large. Compiled runs first warm up (V8 optimizes
 * the generated functions once they are hot), then both kernels alternate until each has
 * `samples` timings (ms per (row, tree) walk); the faster kernel is kept.
 */
interface Timings {
  portable: number[]
  compiled: number[]
  warmup: number
  decided?: 'portable' | 'compiled'
}
const timingsOf = new WeakMap<Forest, { large: Timings; small: Timings }>()

/** How each batch class is timed; each kernel's best time counts (the least disturbed by other work). */
const LARGE = { warmup: 16, samples: 3 }
const SMALL = { warmup: 32, samples: 64 }
/** Below this many rows a batch is small. */
const AUTO_SMALL_ROWS = 32
/** Large batches are timed only when they walk at least this many (row, tree) pairs. */
const TIMED_WALKS = 200_000

/** Picks and runs the raw-score kernel of one Model (see KernelChoice). */
export class KernelPicker {
  kernelChoice: KernelChoice = 'auto'
  /** The kernel that computed the last raw scores. */
  lastKernel: 'portable' | 'compiled' | 'wasm' | undefined

  constructor(
    private readonly forest: Forest,
    private readonly numFeatures: number,
    private readonly numClass: number,
  ) {}

  /** The kernel the next full-window prediction uses. */
  get kernel(): 'portable' | 'compiled' | 'wasm' {
    if (this.kernelChoice === 'portable') return 'portable'
    // `wasm` (portable where it cannot be had), and `auto` where it applies (warmup.ts).
    if (this.kernelChoice === 'wasm') return knownWasmKernel(this.forest) ? 'wasm' : 'portable'
    if (this.kernelChoice === 'auto') {
      const wasm = autoKernelFor(this.forest, AUTO_SMALL_ROWS)
      if (wasm) return wasm
    }
    if (this.kernelChoice === 'auto' && timingsOf.get(this.forest)?.large.decided === 'portable')
      return 'portable'
    return compiledKernels.get(this.forest) ? 'compiled' : 'portable'
  }

  /**
   * Raw scores with early stopping: on the WebAssembly table walk where `auto` has it (or
   * this call pays for building it) or `wasm` is chosen, else the portable kernel (whose
   * time then counts toward building the walk). The same bits either way.
   */
  earlyStop(
    data: Float64Array,
    numRows: number,
    w: IterationWindow,
    plan: EarlyStopPlan,
    result: Float64Array,
  ): void {
    const { forest, numFeatures, numClass } = this
    const auto = this.kernelChoice === 'auto'
    const blocks =
      auto || this.kernelChoice === 'wasm'
        ? walkBlocksFor(forest, { numFeatures, width: numClass }, numRows, !auto, {
            start: w.treeStart,
            trees: plan.freq * numClass,
          })
        : undefined
    if (blocks) {
      this.lastKernel = 'wasm'
      predictRawEarlyStopWalk(
        blocks,
        data,
        numRows,
        numFeatures,
        numClass,
        w.treeStart,
        w.treeEnd,
        plan,
        result,
      )
      return
    }
    this.lastKernel = 'portable'
    const started = auto ? performance.now() : 0
    predictRawEarlyStop(forest, data, numRows, numFeatures, numClass, w.treeStart, w.treeEnd, plan, result)
    if (auto) notePortableMs(forest, performance.now() - started)
  }

  /** The compiled kernel, compiling it when asked to or when `auto` finds it worth it. */
  compiled(force: boolean): CompiledKernel | undefined {
    const known = compiledKernels.get(this.forest)
    if (this.kernelChoice === 'portable' || this.kernelChoice === 'wasm') return undefined
    if (known !== undefined) return known ?? undefined
    // `auto` no longer compiles JavaScript by itself (warmup.ts says why).
    const worth = force || this.kernelChoice === 'compiled'
    if (!worth || !canCompile()) return undefined
    const kernel = compileForest(this.forest, { numFeatures: this.numFeatures, width: this.numClass }) ?? null
    compiledKernels.set(this.forest, kernel)
    return kernel ?? undefined
  }

  /**
   * Raw scores through the compiled kernel when it covers the window, else the portable
   * one. In `auto` mode the first large batches are timed on both kernels and the faster
   * one is kept for the forest (both give the same bits; only speed differs).
   */
  rawKernel(data: Float64Array, numRows: number, w: IterationWindow, result: Float64Array): void {
    const all = w.treeStart === 0 && w.treeEnd === this.forest.numTrees
    // `auto` and `wasm` go through warmup.ts (portable, then WebAssembly).
    if (all && (this.kernelChoice === 'auto' || this.kernelChoice === 'wasm')) {
      const shape = { numFeatures: this.numFeatures, width: this.numClass }
      const ran = autoPredictRaw(this.forest, shape, data, numRows, result, this.kernelChoice === 'wasm')
      if (ran) {
        this.lastKernel = ran
        return
      }
    }
    const walks = numRows * (w.treeEnd - w.treeStart)
    const auto = this.kernelChoice === 'auto'
    let stats = timingsOf.get(this.forest)
    if (!stats) {
      stats = {
        large: { portable: [], compiled: [], warmup: 0 },
        small: { portable: [], compiled: [], warmup: 0 },
      }
      timingsOf.set(this.forest, stats)
    }
    const small = numRows < AUTO_SMALL_ROWS
    const plan = small ? SMALL : LARGE
    const timings = small ? stats.small : stats.large
    let compiled = all && !(auto && timings.decided === 'portable') ? this.compiled(false) : undefined
    // While auto is deciding: warm the compiled kernel up, then alternate the kernels.
    let timed = false
    if (compiled && auto && timings.decided === undefined && (small || walks >= TIMED_WALKS)) {
      if (timings.warmup < plan.warmup) timings.warmup++
      else {
        timed = true
        const done = timings.portable.length
        if (done < plan.samples && done <= timings.compiled.length) compiled = undefined
      }
    }
    const started = timed ? performance.now() : 0
    this.lastKernel = compiled ? 'compiled' : 'portable'
    if (compiled) compiled.predictRaw(data, numRows, result)
    else {
      predictRawKernel(
        this.forest,
        data,
        numRows,
        this.numFeatures,
        this.numClass,
        w.treeStart,
        w.treeEnd,
        result,
      )
    }
    if (!timed) return
    timings[this.lastKernel].push((performance.now() - started) / walks)
    // V8 may still be optimizing a big forest's functions after the warm-up (a 76,000-node
    // forest takes 10-15 batches), so decide once compiled stops improving.
    const c = timings.compiled
    if (
      timings.portable.length >= plan.samples &&
      c.length >= plan.samples &&
      c[c.length - 1] > 0.95 * Math.min(...c.slice(0, -1))
    )
      timings.decided = Math.min(...c) < Math.min(...timings.portable) ? 'compiled' : 'portable'
  }
}

/** Builds the WebAssembly kernel of a forest now (`withKernel('wasm')`, `compile()`); undefined where refused. */
export function prepareWasm(forest: Forest, numFeatures: number, numClass: number): unknown {
  return wasmKernelOf(forest, { numFeatures, width: numClass })
}
