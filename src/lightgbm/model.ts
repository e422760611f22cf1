// The Model: a parsed forest plus its facts, with LightGBM's prediction entry points.

import { type KernelChoice, KernelPicker, prepareWasm } from './auto.ts'
import { type EarlyStopOptions, earlyStopPlan } from './early-stop.ts'
import { PredictionError } from './errors.ts'
import type { Forest } from './forest.ts'
import { TREE_LINEAR } from './forest.ts'
import type { ModelInfo } from './header.ts'
import { predictLeafKernel } from './kernel.ts'
import { applyTransform, type ObjectiveName } from './objective.ts'
import type { ParsedModel } from './parse.ts'
import { predictContribKernel, refuseLinearTrees } from './shap.ts'
import { checkRowWidth, flatRowsOf, type ShapeOptions } from './shape.ts'

/**
 * Which iterations to use, as LightGBM's `start_iteration` / `num_iteration`; prediction
 * early stopping (early-stop.ts, raw and transformed predictions only); row width (shape.ts).
 */
export interface PredictOptions extends EarlyStopOptions, ShapeOptions {
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

/** A LightGBM model, ready to predict. Create it with `parseModel` or `loadModel`. */
export class Model {
  /** The flat typed arrays of all trees. */
  readonly forest: Forest
  /** Header and trailer facts (objective, feature infos, parameters, ...). */
  readonly info: ModelInfo
  /** Which kernel computes raw scores, and the `auto` choice's state (auto.ts). */
  private readonly picker: KernelPicker

  constructor(parsed: ParsedModel) {
    this.forest = parsed.forest
    this.info = parsed.info
    this.picker = new KernelPicker(this.forest, this.numFeatures, this.numClass)
  }

  /** The same model (sharing its arrays) predicting with the chosen kernel. */
  withKernel(choice: KernelChoice): Model {
    const model = new Model({ forest: this.forest, info: this.info })
    model.picker.kernelChoice = choice
    if (choice === 'compiled') model.picker.compiled(true)
    if (choice === 'wasm') prepareWasm(this.forest, this.numFeatures, this.numClass)
    return model
  }

  /** The kernel the next full-window prediction uses. */
  get kernel(): 'portable' | 'compiled' | 'wasm' {
    return this.picker.kernel
  }

  /** The kernel that computed the last raw scores (`predict` / `predictRaw`). */
  get lastKernel(): 'portable' | 'compiled' | 'wasm' | undefined {
    return this.picker.lastKernel
  }

  /** Compiles the model now (see KernelChoice); false where the runtime refuses code generation. */
  compile(): boolean {
    if (this.picker.kernelChoice === 'portable') this.picker.kernelChoice = 'auto'
    // `auto` and `wasm` predict with the WebAssembly kernel where it can be had; generated
    // JavaScript (0.1-0.4 s for a big forest) only where it cannot, or when chosen.
    if (
      this.picker.kernelChoice !== 'compiled' &&
      prepareWasm(this.forest, this.numFeatures, this.numClass) !== undefined
    )
      return true
    return this.picker.compiled(true) !== undefined
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

  private rowsOf(rows: Rows, options?: PredictOptions): { data: Float64Array; numRows: number } {
    const data = rows instanceof Float64Array ? rows : Float64Array.from(rows as ArrayLike<number>)
    return flatRowsOf(data, this.numFeatures, options)
  }

  /** Raw scores into `result`: early stopping when the options ask for it and it applies. */
  private raw(
    data: Float64Array,
    numRows: number,
    w: IterationWindow,
    result: Float64Array,
    options?: PredictOptions,
  ) {
    const plan = earlyStopPlan(this.info, options)
    if (!plan) return this.picker.rawKernel(data, numRows, w, result)
    this.picker.earlyStop(data, numRows, w, plan, result)
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
    const { data, numRows } = this.rowsOf(rows, options)
    const w = this.window(options)
    const width = this.numClass
    const result = this.outputOf(out, numRows * width, (n) => new Float64Array(n))
    this.raw(data, numRows, w, result, options)
    return result
  }

  /** Predictions with the objective's transform (probabilities, exp, ...), `numClass` a row. */
  predict(rows: Rows, out?: Float64Array, options?: PredictOptions): Float64Array {
    const { data, numRows } = this.rowsOf(rows, options)
    const w = this.window(options)
    const width = this.numClass
    const result = this.outputOf(out, numRows * width, (n) => new Float64Array(n))
    this.raw(data, numRows, w, result, options)
    // GBDT::Predict: average_output divides by the iterations used, then ConvertOutput.
    const divisor = this.info.averageOutput ? w.numIterations : 1
    applyTransform(this.info.objective, result, numRows, width, divisor)
    return result
  }

  /** Leaf index reached in every tree of the window: one Int32 per tree, row-major. */
  predictLeafIndex(rows: Rows, out?: Int32Array, options?: PredictOptions): Int32Array {
    const { data, numRows } = this.rowsOf(rows, options)
    const w = this.window(options)
    const perRow = w.treeEnd - w.treeStart
    const result = this.outputOf(out, numRows * perRow, (n) => new Int32Array(n))
    const compiled = perRow === this.forest.numTrees ? this.picker.compiled(false) : undefined
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
    // The same refusal as the kernel's, before any work: LightGBM refuses linear models whole.
    refuseLinearTrees(this.forest, 0, this.forest.numTrees)
    const { data, numRows } = this.rowsOf(rows, options)
    const w = this.window(options)
    const width = this.numClass
    const result = this.outputOf(out, numRows * (this.numFeatures + 1) * width, (n) => new Float64Array(n))
    predictContribKernel(this.forest, data, numRows, this.numFeatures, width, w.treeStart, w.treeEnd, result)
    return result
  }

  /** One row (any array of numbers, NaN = missing): `predict`, or `predictRaw` with `raw: true`. */
  predictRow(row: ArrayLike<number>, options: PredictOptions & { raw?: boolean } = {}): Float64Array {
    checkRowWidth(row.length, this.numFeatures, options, 'the row holds')
    const one = { ...options, rowWidth: row.length }
    return options.raw ? this.predictRaw(row, undefined, one) : this.predict(row, undefined, one)
  }

  /** Many rows as arrays (e.g. `number[][]`): one Float64Array of `numClass` values per row. */
  predictRows(rows: ArrayLike<number>[], options: PredictOptions & { raw?: boolean } = {}): Float64Array[] {
    const numFeatures = this.numFeatures
    const flat = new Float64Array(rows.length * numFeatures)
    rows.forEach((row, i) => {
      checkRowWidth(row.length, numFeatures, options, `row ${i} holds`)
      // Shape check disabled: missing trailing features stay 0.0, extra values are ignored.
      const copied = Math.min(row.length, numFeatures)
      for (let j = 0; j < copied; j++) flat[i * numFeatures + j] = row[j]
    })
    const flatOptions = { ...options, rowWidth: numFeatures }
    const out = options.raw
      ? this.predictRaw(flat, undefined, flatOptions)
      : this.predict(flat, undefined, flatOptions)
    const width = this.numClass
    return rows.map((_, i) => out.slice(i * width, (i + 1) * width))
  }
}
