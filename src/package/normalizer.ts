// The z-score normalizer: z = (x - mean) / std per feature, by name, into the model's order.
import { pandasCode } from '../lightgbm/index.ts'
import { PackageError, PackageErrorCode } from './errors.ts'
import type { NormalizerEntry } from './normalizer-file.ts'

/**
 * A record of raw feature values by name. `null`, `undefined` or an absent key is missing
 * (NaN). A string is a pandas category label, allowed for the model's pandas categorical
 * features only (see NormalizerCategoricals).
 */
export type FeatureRecord = Readonly<Record<string, number | string | null | undefined>>

/** Input of the normalizer: a record by name, or values already in the model's feature order. */
export type FeatureInput =
  | FeatureRecord
  | ReadonlyMap<string, number | string | null | undefined>
  | ArrayLike<number>

/** The model's categorical features, which the normalizer never z-scores. */
export interface NormalizerCategoricals {
  /** Indices of the model's categorical features (`model.info.categoricalFeatures`). */
  categorical?: readonly number[]
  /** pandas category labels per feature index (`pandasCategories(model.info).byFeature`). */
  labels?: ReadonlyMap<number, ReadonlyMap<string, number>>
  /** Why labels cannot be used for this model (`pandasCategories(model.info).problem`). */
  labelProblem?: string
}

/** Options of `normalize`. */
export interface NormalizeOptions {
  /** Reject keys of a record that are not features of the model (default false: ignored). */
  strict?: boolean
}

function isOrdered(input: FeatureInput): input is ArrayLike<number> {
  return ArrayBuffer.isView(input) || Array.isArray(input)
}

/**
 * z-score parameters in the model's feature order. Features without an entry (only the
 * model's categorical features may lack one) pass through unchanged. Computed in float64
 * exactly as `(x - mean) / std`, so a missing value (NaN) stays NaN.
 */
export class Normalizer {
  /** The model's feature names, in its order. */
  readonly featureNames: readonly string[]
  /** Mean per feature (0 for pass-through features). */
  readonly mean: Float64Array
  /** Standard deviation per feature (1 for pass-through features). */
  readonly std: Float64Array
  /**
   * 1 where the feature passes through unchanged: the model's categorical features (a
   * category code is never z-scored, even when normalizer.json lists the feature) and
   * features without a normalizer entry.
   */
  readonly passThrough: Uint8Array
  private readonly indexOf: Map<string, number>
  private readonly label: string
  private readonly categoricals: NormalizerCategoricals

  constructor(
    featureNames: readonly string[],
    entries: ReadonlyMap<string, NormalizerEntry>,
    label = '',
    categoricals: NormalizerCategoricals = {},
  ) {
    const n = featureNames.length
    this.featureNames = featureNames
    this.mean = new Float64Array(n)
    this.std = new Float64Array(n).fill(1)
    this.passThrough = new Uint8Array(n)
    this.indexOf = new Map(featureNames.map((name, i) => [name, i]))
    this.label = label
    this.categoricals = categoricals
    const categorical = new Set(categoricals.categorical ?? [])
    for (let i = 0; i < n; i++) {
      const entry = entries.get(featureNames[i])
      if (entry === undefined || categorical.has(i)) this.passThrough[i] = 1
      else {
        this.mean[i] = entry.mean
        this.std[i] = entry.std
      }
    }
  }

  get numFeatures(): number {
    return this.featureNames.length
  }

  /** The normalized row of one input, in the model's feature order (a new array). */
  normalize(input: FeatureInput, options?: NormalizeOptions): Float64Array {
    const out = new Float64Array(this.featureNames.length)
    this.normalizeInto(input, out, 0, options)
    return out
  }

  /** Many inputs into one row-major Float64Array (`numFeatures` values a row). */
  normalizeMany(inputs: readonly FeatureInput[], options?: NormalizeOptions): Float64Array {
    const n = this.featureNames.length
    const out = new Float64Array(inputs.length * n)
    for (let r = 0; r < inputs.length; r++) this.normalizeInto(inputs[r], out, r * n, options, r)
    return out
  }

  /** Writes the normalized row of `input` into `out` at `offset`. */
  normalizeInto(
    input: FeatureInput,
    out: Float64Array,
    offset: number,
    options?: NormalizeOptions,
    rowIndex?: number,
  ): void {
    const n = this.featureNames.length
    const mean = this.mean
    const std = this.std
    const passThrough = this.passThrough
    if (isOrdered(input)) {
      if (input.length !== n)
        this.fail(`holds ${input.length} values but the model has ${n} features`, rowIndex)
      for (let i = 0; i < n; i++) {
        const x = +input[i]
        out[offset + i] = passThrough[i] === 1 ? x : (x - mean[i]) / std[i]
      }
      return
    }
    if (input instanceof Map) {
      if (options?.strict) this.rejectUnknown([...input.keys()], rowIndex)
      const names = this.featureNames
      for (let i = 0; i < n; i++) {
        const x = this.valueOf(input.get(names[i]), i, rowIndex)
        out[offset + i] = passThrough[i] === 1 ? x : (x - mean[i]) / std[i]
      }
      return
    }
    // Walk the record's keys once (for-in is V8's fast path for keyed loads) and place each
    // feature by name; features the record lacks stay NaN. Object.prototype's own keys are
    // not enumerable, so a feature named `constructor` is never read from it.
    for (let i = 0; i < n; i++) out[offset + i] = Number.NaN
    const indexOf = this.indexOf
    let unknown = 0
    for (const key in input) {
      const i = indexOf.get(key)
      if (i === undefined) {
        unknown++
        continue
      }
      const x = this.valueOf((input as FeatureRecord)[key], i, rowIndex)
      out[offset + i] = passThrough[i] === 1 ? x : (x - mean[i]) / std[i]
    }
    if (unknown > 0 && options?.strict) this.rejectUnknown(Object.keys(input), rowIndex)
  }

  private valueOf(value: unknown, index: number, rowIndex: number | undefined): number {
    if (typeof value === 'number') return value
    if (value === undefined || value === null) return Number.NaN
    const name = this.featureNames[index]
    if (typeof value === 'string') {
      const labels = this.categoricals.labels?.get(index)
      if (labels) return pandasCode(labels, value)
      const why =
        this.categoricals.labelProblem && this.categoricals.categorical?.includes(index)
          ? `: ${this.categoricals.labelProblem}`
          : ' (a label is taken only for a pandas categorical feature of a model saved from a DataFrame)'
      this.fail(
        `feature '${name}' must be a number, null or absent but is string ${JSON.stringify(value)}${why}`,
        rowIndex,
      )
    }
    this.fail(
      `feature '${name}' must be a number, null or absent but is ${typeof value} ${JSON.stringify(value)}`,
      rowIndex,
    )
  }

  private rejectUnknown(keys: string[], rowIndex: number | undefined): void {
    const unknown = keys.filter((key) => !this.indexOf.has(key))
    if (unknown.length === 0) return
    const listed = unknown
      .slice(0, 5)
      .map((key) => `'${key}'`)
      .join(', ')
    const more = unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''
    this.fail(`has keys that are not features of the model (strict): ${listed}${more}`, rowIndex)
  }

  private fail(reason: string, rowIndex: number | undefined): never {
    const subject = rowIndex === undefined ? 'the input' : `record ${rowIndex}`
    throw new PackageError(PackageErrorCode.INVALID_INPUT, `${subject} ${reason}`, {
      package: this.label,
    })
  }
}
