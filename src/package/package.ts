// A loaded model package: the model, its normalizer, its metadata, and predict(record).
import type { Model, PredictOptions } from '../lightgbm/index.ts'
import type { TestEvaluation } from './evaluation.ts'
import type { FeatureImportance } from './importance.ts'
import type { Metadata } from './metadata.ts'
import type { FeatureInput, NormalizeOptions, Normalizer } from './normalizer.ts'

/** What a package's model outputs: P(class) per class, P(class 1) alone, or a number. */
export type PackageTask = 'multiclass' | 'binary' | 'regression'

/** Options of `ModelPackage.predict`. */
export interface PackagePredictOptions extends PredictOptions, NormalizeOptions {
  /** Raw scores (no sigmoid / softmax), as `Model.predictRaw`. */
  raw?: boolean
}

/** The parts a ModelPackage is made of (all validated and cross-checked). */
export interface ModelPackageParts {
  name: string
  version: string
  model: Model
  normalizer: Normalizer
  metadata: Metadata
  testEvaluation?: TestEvaluation
  featureImportance?: FeatureImportance[]
}

/**
 * A model in production: `models/{name}/{version}/` loaded, validated and cross-checked.
 * `predict(record)` normalizes a record by feature name and runs the model.
 * Create it with `loadPackage`.
 */
export class ModelPackage {
  /** Model name (kebab-case), e.g. `sentiment-fusion`. */
  readonly name: string
  /** Version, e.g. `v1.1.0`. */
  readonly version: string
  /** `{name}/{version}`: unique per package. */
  readonly id: string
  readonly model: Model
  readonly normalizer: Normalizer
  readonly metadata: Metadata
  readonly testEvaluation?: TestEvaluation
  readonly featureImportance?: FeatureImportance[]
  /** Class names from metadata.json (`[]` for regression). */
  readonly classes: readonly string[]
  /** metadata.json's `objective` (e.g. `multiclass`, `binary`, `regression`). */
  readonly objective: string
  /** How to read `predict`'s output. */
  readonly task: PackageTask
  private readonly row: Float64Array

  constructor(parts: ModelPackageParts) {
    this.name = parts.name
    this.version = parts.version
    this.id = `${parts.name}/${parts.version}`
    this.model = parts.model
    this.normalizer = parts.normalizer
    this.metadata = parts.metadata
    this.testEvaluation = parts.testEvaluation
    this.featureImportance = parts.featureImportance
    this.classes = Object.freeze([...parts.metadata.classes])
    this.objective = parts.metadata.objective
    this.task =
      parts.model.numClass > 1 ? 'multiclass' : parts.model.objective === 'binary' ? 'binary' : 'regression'
    this.row = new Float64Array(parts.model.numFeatures)
  }

  /** The model's feature names, in its order. */
  get featureNames(): readonly string[] {
    return this.model.featureNames
  }
  get numFeatures(): number {
    return this.model.numFeatures
  }
  /** Outputs per prediction (`model.numClass`: 1 for binary and regression). */
  get numOutputs(): number {
    return this.model.numClass
  }

  /** The z-scored row of a record (by name) or of an ordered array, in the model's order. */
  normalize(input: FeatureInput, options?: NormalizeOptions): Float64Array {
    return this.normalizer.normalize(input, options)
  }

  /** Many records into one row-major Float64Array, `numFeatures` values a row. */
  normalizeMany(inputs: readonly FeatureInput[], options?: NormalizeOptions): Float64Array {
    return this.normalizer.normalizeMany(inputs, options)
  }

  /**
   * Normalizes one record and predicts it: `numOutputs` values (probabilities for
   * classifiers, the predicted value for regression; raw scores with `raw: true`).
   */
  predict(input: FeatureInput, options?: PackagePredictOptions): Float64Array {
    const row = this.row
    this.normalizer.normalizeInto(input, row, 0, options)
    return options?.raw
      ? this.model.predictRaw(row, undefined, options)
      : this.model.predict(row, undefined, options)
  }

  /** Normalizes and predicts many records: row-major, `numOutputs` values a record. */
  predictMany(inputs: readonly FeatureInput[], options?: PackagePredictOptions): Float64Array {
    const rows = this.normalizer.normalizeMany(inputs, options)
    return options?.raw
      ? this.model.predictRaw(rows, undefined, options)
      : this.model.predict(rows, undefined, options)
  }

  /**
   * One probability per class of `classes` from a `predict` output: multiclass as is,
   * binary expanded to `[1 - p, p]`; undefined for regression.
   */
  classProbabilities(output: ArrayLike<number>): number[] | undefined {
    if (this.task === 'regression') return undefined
    if (this.task === 'binary') return [1 - output[0], output[0]]
    return Array.from(output).slice(0, this.model.numClass)
  }
}
