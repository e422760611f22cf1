// The header of a model file: its `key=value` lines collected until the first `Tree=`,
// then checked and turned into the model's facts (ModelInfo). Rules follow LightGBM's
// GBDT::LoadModelFromString (src/boosting/gbdt_model_text.cpp). Errors carry their
// location (line, key, source) as values.

import { fail, type ModelLocation } from './errors.ts'
import { utf8 } from './lines.ts'
import { type Objective, parseObjective } from './objective.ts'

/** Header and trailer facts of a model file. */
export interface ModelInfo {
  /** `version=` line (`v2`, `v3`, `v4`), or undefined for files without one. */
  version?: string
  numClass: number
  numTreePerIteration: number
  labelIndex: number
  maxFeatureIdx: number
  objective: Objective
  averageOutput: boolean
  featureNames: string[]
  /** `feature_infos=` entries: `[min:max]`, `none`, or `:`-joined categories. */
  featureInfos: string[]
  /** Indices of features whose feature_infos is a category list. */
  categoricalFeatures: number[]
  monotoneConstraints?: number[]
  treeSizes?: number[]
  /** Other header `key=value` lines, verbatim. */
  headerExtra: Record<string, string>
  /** `feature_importances:` (or `feature importances:`) entries, in file order. */
  featureImportances: { name: string; value: number }[]
  /** `[key: value]` lines of the parameters section, values as free text. */
  parameters: Record<string, string>
  /** The `pandas_categorical:` line's JSON text, when present. */
  pandasCategoricalText?: string
  /**
   * Category labels of each pandas categorical column (`pandas_categorical:` as JSON),
   * or null when the line is absent, `null`, or not a list of lists.
   */
  pandasCategorical: unknown[][] | null
}

/** Collects the header lines, then builds the model's facts from them (`buildInfo`). */
export class HeaderReader {
  private readonly header = new Map<string, { value: string; line: number }>()
  private sawTreeLine = false
  private averageOutput = false

  constructor(private readonly source: string | undefined) {}

  private fail(message: string, location: ModelLocation = {}): never {
    fail(message, { ...location, source: this.source })
  }

  /** The line number of header key `key`, when the header has it. */
  lineOf(key: string): number | undefined {
    return this.header.get(key)?.line
  }

  /** One header line before the first `Tree=` line. */
  line(bytes: Uint8Array, start: number, end: number, line: number): void {
    const text = utf8.decode(bytes.subarray(start, end))
    if (text === 'tree') {
      this.sawTreeLine = true
      return
    }
    if (text === 'average_output') {
      this.averageOutput = true
      return
    }
    if (text === 'end of trees') this.fail("'end of trees' before any Tree= block", { line })
    const eq = text.indexOf('=')
    if (eq < 0) this.fail(`expected a 'key=value' header line, found '${text.slice(0, 60)}'`, { line })
    const key = text.slice(0, eq)
    if (this.header.has(key)) this.fail(`header key '${key}' appears twice`, { line, key })
    this.header.set(key, { value: text.slice(eq + 1), line })
  }

  private headerInt(key: string, required: boolean, fallback: number, min: number): number {
    const entry = this.header.get(key)
    if (!entry) {
      if (required) this.fail(`the header has no '${key}' line`, { key })
      return fallback
    }
    // Decimal digits only: Number() would also take '0x10', '1e3' or '1e-400' (= 0).
    const value = /^\s*[+-]?[0-9]{1,10}\s*$/.test(entry.value) ? Number(entry.value) : Number.NaN
    if (!Number.isInteger(value) || value < min || value > 2147483647) {
      this.fail(`'${key}' must be an integer >= ${min}, found '${entry.value.slice(0, 40)}'`, {
        line: entry.line,
        key,
      })
    }
    return value
  }

  /** The header's facts, checked, when the first `Tree=` line (at `firstTreeLine`) is reached. */
  buildInfo(firstTreeLine: number): ModelInfo {
    const version = this.header.get('version')?.value
    if (!this.sawTreeLine && version === undefined) {
      this.fail("not a LightGBM text model: it starts with neither 'tree' nor a 'version=' line", { line: 1 })
    }
    if (!this.header.has('feature_infos')) {
      // LightGBM 4.x refuses these too ("Model file doesn't contain feature_infos").
      this.fail(
        "the header has no 'feature_infos' line: a pre-2.0.4 model layout, which LightGBM 4.x refuses as well; re-save the model with LightGBM >= 2.1",
        { key: 'feature_infos', line: firstTreeLine },
      )
    }
    const numClass = this.headerInt('num_class', true, 1, 1)
    const numTreePerIteration = this.headerInt('num_tree_per_iteration', false, numClass, 1)
    const labelIndex = this.headerInt('label_index', false, 0, 0)
    const maxFeatureIdx = this.headerInt('max_feature_idx', true, 0, 0)
    const numFeatures = maxFeatureIdx + 1
    const objectiveEntry = this.header.get('objective')
    const objective = parseObjective(objectiveEntry?.value)
    if (typeof objective === 'string') this.fail(objective, { line: objectiveEntry?.line, key: 'objective' })
    if (
      (objective.name === 'multiclass' || objective.name === 'multiclassova') &&
      objective.numClass !== numClass
    ) {
      this.fail(`objective says num_class:${objective.numClass} but the header says num_class=${numClass}`, {
        line: objectiveEntry?.line,
        key: 'objective',
      })
    }
    // feature_infos first: its length bounds max_feature_idx before any array is sized by it.
    const infosEntry = this.header.get('feature_infos')!
    const featureInfos = infosEntry.value.split(' ')
    if (featureInfos.length !== numFeatures) {
      this.fail(
        `feature_infos lists ${featureInfos.length} entries but the model has ${numFeatures} features`,
        {
          line: infosEntry.line,
          key: 'feature_infos',
        },
      )
    }
    const namesEntry = this.header.get('feature_names')
    let featureNames: string[]
    if (namesEntry) {
      featureNames = namesEntry.value.split(' ')
      if (featureNames.length !== numFeatures) {
        this.fail(
          `feature_names lists ${featureNames.length} names but max_feature_idx=${maxFeatureIdx} means ${numFeatures}`,
          {
            line: namesEntry.line,
            key: 'feature_names',
          },
        )
      }
    } else {
      featureNames = Array.from({ length: numFeatures }, (_, i) => `Column_${i}`)
    }
    const categoricalFeatures: number[] = []
    featureInfos.forEach((entry, i) => {
      if (entry !== 'none' && !entry.startsWith('[')) categoricalFeatures.push(i)
    })
    const intList = (key: string): number[] | undefined => {
      const entry = this.header.get(key)
      if (!entry) return undefined
      const tokens = entry.value.trim() === '' ? [] : entry.value.trim().split(/\s+/)
      const values = tokens.map((t) => (/^[+-]?[0-9]{1,15}$/.test(t) ? Number(t) : Number.NaN))
      const bad = values.findIndex((v) => !Number.isInteger(v))
      if (bad >= 0)
        this.fail(`'${key}' holds a non-integer entry at position ${bad + 1}`, { line: entry.line, key })
      return values
    }
    const treeSizes = intList('tree_sizes')
    if (treeSizes) {
      for (const size of treeSizes) {
        if (size < 0)
          this.fail('tree_sizes holds a negative size', {
            line: this.header.get('tree_sizes')?.line,
            key: 'tree_sizes',
          })
      }
    }
    const monotoneConstraints = intList('monotone_constraints')
    // LightGBM writes -1, 0 or 1 per feature; anything outside int32 is not a constraint.
    if (monotoneConstraints?.some((v) => v < -2147483648 || v > 2147483647))
      this.fail('monotone_constraints holds a value outside the int32 range', {
        line: this.header.get('monotone_constraints')?.line,
        key: 'monotone_constraints',
      })
    const known = new Set([
      'version',
      'num_class',
      'num_tree_per_iteration',
      'label_index',
      'max_feature_idx',
      'objective',
      'feature_names',
      'feature_infos',
      'tree_sizes',
      'monotone_constraints',
    ])
    const headerExtra: Record<string, string> = Object.create(null)
    for (const [key, { value }] of this.header) if (!known.has(key)) headerExtra[key] = value
    return {
      version,
      numClass,
      numTreePerIteration,
      labelIndex,
      maxFeatureIdx,
      objective,
      averageOutput: this.averageOutput,
      featureNames,
      featureInfos,
      categoricalFeatures,
      monotoneConstraints,
      treeSizes,
      headerExtra,
      featureImportances: [],
      parameters: {},
      pandasCategorical: null,
    }
  }
}
