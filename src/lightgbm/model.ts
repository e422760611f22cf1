// The Model: a parsed forest plus its facts, with LightGBM's prediction entry points.

import { type CompiledKernel, canCompile, compileForest } from './compile.ts'
import { ModelParseError, PredictionError } from './errors.ts'
import type { Forest } from './forest.ts'
import { TREE_LINEAR } from './forest.ts'
import { predictLeafKernel, predictRawKernel } from './kernel.ts'
import { applyTransform, type ObjectiveName } from './objective.ts'
import type { ModelInfo, ParsedModel } from './parse.ts'
import { predictContribKernel } from './shap.ts'
import { autoKernelFor, autoPredictRaw, knownWasmKernel, wasmKernelOf } from './warmup.ts'

/** Which iterations to use, as LightGBM's `start_iteration` / `num_iteration`. */
export interface PredictOptions {
  /** First iteration (clipped to [0, numIterations]). Default 0. */
  startIteration?: number
  /** Iterations to use from the start; <= 0 or absent means all remaining. */
  numIteration?: number
}

/** The resolved window: iterations [startIteration, startIteration + numIterations). */
export interface IterationWindow {
  startIteration: number
  numIterations: number
  treeStart: number
  treeEnd: number
}

type Rows = Float64Array | ArrayLike<number>

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

/** A LightGBM model, ready to predict. Create it with `parseModel` or `loadModel`. */
export class Model {
  /** The flat typed arrays of all trees. */
  readonly forest: Forest
  /** Header and trailer facts (objective, feature infos, parameters, ...). */
  readonly info: ModelInfo
  private kernelChoice: KernelChoice = 'auto'
  /** The kernel that computed the last raw scores (`predict` / `predictRaw`). */
  lastKernel: 'portable' | 'compiled' | 'wasm' | undefined

  constructor(parsed: ParsedModel) {
    this.forest = parsed.forest
    this.info = parsed.info
  }

  /** The same model (sharing its arrays) predicting with the chosen kernel. */
  withKernel(choice: KernelChoice): Model {
    const model = new Model({ forest: this.forest, info: this.info })
    model.kernelChoice = choice
    if (choice === 'compiled') model.compiled(true)
    if (choice === 'wasm') wasmKernelOf(this.forest, { numFeatures: this.numFeatures, width: this.numClass })
    return model
  }

  /** The kernel the next full-window prediction uses. */
  get kernel(): 'portable' | 'compiled' | 'wasm' {
    if (this.kernelChoice === 'portable') return 'portable'
    // issue 21: `wasm` (portable where it cannot be had), and `auto` where it applies (warmup.ts).
    if (this.kernelChoice === 'wasm') return knownWasmKernel(this.forest) ? 'wasm' : 'portable'
    if (this.kernelChoice === 'auto') {
      const wasm = autoKernelFor(this.forest, AUTO_SMALL_ROWS)
      if (wasm) return wasm
    }
    if (this.kernelChoice === 'auto' && timingsOf.get(this.forest)?.large.decided === 'portable')
      return 'portable'
    return compiledKernels.get(this.forest) ? 'compiled' : 'portable'
  }

  /** Compiles the model now (see KernelChoice); false where the runtime refuses code generation. */
  compile(): boolean {
    if (this.kernelChoice === 'portable') this.kernelChoice = 'auto'
    // issue 21: `auto` predicts with the WebAssembly kernel where it can be had.
    const wasm =
      this.kernelChoice === 'auto' &&
      wasmKernelOf(this.forest, { numFeatures: this.numFeatures, width: this.numClass }) !== undefined
    return this.compiled(true) !== undefined || wasm
  }

  /** The compiled kernel, compiling it when asked to or when `auto` finds it worth it. */
  private compiled(force: boolean): CompiledKernel | undefined {
    const known = compiledKernels.get(this.forest)
    if (this.kernelChoice === 'portable' || this.kernelChoice === 'wasm') return undefined
    if (known !== undefined) return known ?? undefined
    // issue 21: `auto` no longer compiles JavaScript by itself (warmup.ts says why).
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
  private rawKernel(data: Float64Array, numRows: number, w: IterationWindow, result: Float64Array): void {
    const all = w.treeStart === 0 && w.treeEnd === this.forest.numTrees
    // --- issue 21: `auto` and `wasm` through warmup.ts (portable, then WebAssembly) ---
    if (all && (this.kernelChoice === 'auto' || this.kernelChoice === 'wasm')) {
      const shape = { numFeatures: this.numFeatures, width: this.numClass }
      const ran = autoPredictRaw(this.forest, shape, data, numRows, result, this.kernelChoice === 'wasm')
      if (ran) {
        this.lastKernel = ran
        return
      }
    }
    // --- end issue 21 ---
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

  /** Columns of every input row (`max_feature_idx + 1`). */
  get numFeatures(): number {
    return this.info.maxFeatureIdx + 1
  }
  /** `num_class` of the header: outputs per row of `predict` / `predictRaw`. */
  get numClass(): number {
    return this.info.numTreePerIteration
  }
  get numTrees(): number {
    return this.forest.numTrees
  }
  /** Boosting iterations (trees / num_tree_per_iteration). */
  get numIterations(): number {
    return this.forest.numTrees / this.info.numTreePerIteration
  }
  get featureNames(): string[] {
    return this.info.featureNames
  }
  /** Objective name, e.g. `binary`, `multiclass`, `regression` (`custom` when absent). */
  get objective(): ObjectiveName {
    return this.info.objective.name
  }
  /** True when some tree has linear leaves (`linear_tree=true`). */
  get isLinear(): boolean {
    return this.forest.treeFlags.some((f) => (f & TREE_LINEAR) !== 0)
  }

  /** Resolves start/num iteration exactly as GBDT::InitPredict does. */
  window(options: PredictOptions = {}): IterationWindow {
    const total = this.numIterations
    const requestedStart = options.startIteration ?? 0
    const requestedNum = options.numIteration ?? -1
    if (!Number.isInteger(requestedStart) || !Number.isInteger(requestedNum)) {
      throw new PredictionError('startIteration and numIteration must be integers')
    }
    const startIteration = Math.min(Math.max(requestedStart, 0), total)
    const numIterations =
      requestedNum > 0 ? Math.min(requestedNum, total - startIteration) : total - startIteration
    const k = this.info.numTreePerIteration
    return {
      startIteration,
      numIterations,
      treeStart: startIteration * k,
      treeEnd: (startIteration + numIterations) * k,
    }
  }

  private rowsOf(rows: Rows): { data: Float64Array; numRows: number } {
    const data = rows instanceof Float64Array ? rows : Float64Array.from(rows as ArrayLike<number>)
    const numFeatures = this.numFeatures
    if (data.length % numFeatures !== 0) {
      throw new PredictionError(
        `rows hold ${data.length} values, not a multiple of the model's ${numFeatures} features`,
      )
    }
    return { data, numRows: data.length / numFeatures }
  }

  private outputOf<T extends Float64Array | Int32Array>(
    out: T | undefined,
    size: number,
    make: (n: number) => T,
  ): T {
    if (out === undefined) return make(size)
    if (out.length < size)
      throw new PredictionError(`the output buffer holds ${out.length} values but ${size} are needed`)
    return out
  }

  /**
   * Raw scores (no objective transform): `numClass` values a row, row-major.
   * For `average_output` models this is the un-averaged sum, as LightGBM returns it.
   */
  predictRaw(rows: Rows, out?: Float64Array, options?: PredictOptions): Float64Array {
    const { data, numRows } = this.rowsOf(rows)
    const w = this.window(options)
    const width = this.numClass
    const result = this.outputOf(out, numRows * width, (n) => new Float64Array(n))
    this.rawKernel(data, numRows, w, result)
    return result
  }

  /** Predictions with the objective's transform (probabilities, exp, ...), `numClass` a row. */
  predict(rows: Rows, out?: Float64Array, options?: PredictOptions): Float64Array {
    const { data, numRows } = this.rowsOf(rows)
    const w = this.window(options)
    const width = this.numClass
    const result = this.outputOf(out, numRows * width, (n) => new Float64Array(n))
    this.rawKernel(data, numRows, w, result)
    // GBDT::Predict: average_output divides by the iterations used, then ConvertOutput.
    const divisor = this.info.averageOutput ? w.numIterations : 1
    applyTransform(this.info.objective, result, numRows, width, divisor)
    return result
  }

  /** Leaf index reached in every tree of the window: one Int32 per tree, row-major. */
  predictLeafIndex(rows: Rows, out?: Int32Array, options?: PredictOptions): Int32Array {
    const { data, numRows } = this.rowsOf(rows)
    const w = this.window(options)
    const perRow = w.treeEnd - w.treeStart
    const result = this.outputOf(out, numRows * perRow, (n) => new Int32Array(n))
    const compiled = perRow === this.forest.numTrees ? this.compiled(false) : undefined
    if (compiled) {
      compiled.predictLeaf(data, numRows, result)
      return result
    }
    predictLeafKernel(this.forest, data, numRows, this.numFeatures, w.treeStart, w.treeEnd, result)
    return result
  }

  /**
   * SHAP contributions (TreeSHAP, as LightGBM's pred_contrib): per row and class,
   * `numFeatures` contributions then the expected value; `(numFeatures + 1) * numClass` a row.
   */
  predictContrib(rows: Rows, out?: Float64Array, options?: PredictOptions): Float64Array {
    if (this.isLinear) {
      throw new ModelParseError(
        'SHAP contributions are not defined for linear trees (LightGBM refuses them too)',
        { key: 'is_linear' },
      )
    }
    const { data, numRows } = this.rowsOf(rows)
    const w = this.window(options)
    const width = this.numClass
    const result = this.outputOf(out, numRows * (this.numFeatures + 1) * width, (n) => new Float64Array(n))
    predictContribKernel(this.forest, data, numRows, this.numFeatures, width, w.treeStart, w.treeEnd, result)
    return result
  }

  /** One row (any array of numbers, NaN = missing): `predict`, or `predictRaw` with `raw: true`. */
  predictRow(row: ArrayLike<number>, options: PredictOptions & { raw?: boolean } = {}): Float64Array {
    if (row.length !== this.numFeatures) {
      throw new PredictionError(
        `the row holds ${row.length} values but the model has ${this.numFeatures} features`,
      )
    }
    return options.raw ? this.predictRaw(row, undefined, options) : this.predict(row, undefined, options)
  }

  /** Many rows as arrays (e.g. `number[][]`): one Float64Array of `numClass` values per row. */
  predictRows(rows: ArrayLike<number>[], options: PredictOptions & { raw?: boolean } = {}): Float64Array[] {
    const numFeatures = this.numFeatures
    const flat = new Float64Array(rows.length * numFeatures)
    rows.forEach((row, i) => {
      if (row.length !== numFeatures) {
        throw new PredictionError(
          `row ${i} holds ${row.length} values but the model has ${numFeatures} features`,
        )
      }
      for (let j = 0; j < numFeatures; j++) flat[i * numFeatures + j] = row[j]
    })
    const out = options.raw
      ? this.predictRaw(flat, undefined, options)
      : this.predict(flat, undefined, options)
    const width = this.numClass
    return rows.map((_, i) => out.slice(i * width, (i + 1) * width))
  }
}
