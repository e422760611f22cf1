// metadata.json (guide, "3. metadata.json"): required fields typed and checked, the
// optional ones typed when present, unknown extra keys kept.
import * as v from 'valibot'
import { describeValue, PackageError, PackageErrorCode } from './errors.ts'
import { issuePath, issueReason } from './issues.ts'

const count = (what: string) =>
  v.pipe(
    v.number(),
    v.integer((issue) => `must be ${what} but is ${issue.input}`),
    v.minValue(0, (issue) => `must be ${what} but is ${issue.input}`),
  )
const positiveCount = v.pipe(
  v.number(),
  v.integer((issue) => `must be a whole number >= 1 but is ${issue.input}`),
  v.minValue(1, (issue) => `must be a whole number >= 1 but is ${issue.input}`),
)
const finite = v.pipe(
  v.number(),
  v.finite((issue) => `must be a finite number but is ${issue.input}`),
)
const text = v.pipe(
  v.string(),
  v.nonEmpty(() => 'must not be empty'),
)

/** `performance`: validation accuracy and iteration counts; other metrics kept. */
export const PerformanceSchema = v.looseObject({
  validation_accuracy: finite,
  best_iteration: count('a whole number >= 0'),
  total_iterations: count('a whole number >= 0'),
})

/** The metadata.json schema. `parse` it, or use `readMetadataJson` for package errors. */
export const MetadataSchema = v.pipe(
  v.looseObject({
    model_version: text,
    model_type: text,
    algorithm: text,
    objective: text,
    num_classes: positiveCount,
    classes: v.pipe(
      v.array(text),
      v.check(
        (classes) => new Set(classes).size === classes.length,
        (issue) => `must not repeat a class (${JSON.stringify(issue.input)})`,
      ),
    ),
    training_date: v.pipe(
      text,
      v.check(
        (date) => !Number.isNaN(Date.parse(date)),
        (issue) => `must be an ISO 8601 date but is ${describeValue(issue.input)}`,
      ),
    ),
    training_examples: count('a whole number >= 0'),
    validation_examples: count('a whole number >= 0'),
    num_features: positiveCount,
    performance: PerformanceSchema,
    // Optional fields of the guide and of the example packages.
    feature_categories: v.optional(v.record(v.string(), count('a whole number >= 0'))),
    top_features: v.optional(v.array(v.looseObject({ feature: text, importance: finite }))),
    hyperparameters: v.optional(v.record(v.string(), v.unknown())),
    feature_names: v.optional(v.array(text)),
    target_variable: v.optional(text),
    prediction_horizon: v.optional(text),
    label_definition: v.optional(v.string()),
    normalization: v.optional(v.string()),
    output_description: v.optional(v.string()),
    lightgbm_version: v.optional(v.string()),
  }),
  // Regression packages write num_classes 1 and classes []; otherwise one name a class.
  v.forward(
    v.check(
      (meta) =>
        meta.classes.length === meta.num_classes || (meta.num_classes === 1 && meta.classes.length === 0),
      (issue) => {
        const meta = issue.input as { classes: string[]; num_classes: number }
        return `has ${meta.classes.length} entries but num_classes is ${meta.num_classes}`
      },
    ),
    ['classes'],
  ),
)

/** A validated metadata.json. */
export type Metadata = v.InferOutput<typeof MetadataSchema>

/**
 * Validates a parsed metadata.json. Returns every problem found, each naming its field
 * (`metadata.json is missing the required field 'objective'`).
 */
export function readMetadataJson(
  json: unknown,
  where: { package: string },
): { metadata?: Metadata; problems: PackageError[] } {
  const location = { ...where, file: 'metadata.json' }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    const reason = `must be a JSON object but is ${describeValue(json)}`
    return { problems: [new PackageError(PackageErrorCode.INVALID_METADATA, reason, location)] }
  }
  const result = v.safeParse(MetadataSchema, json)
  if (result.success) return { metadata: result.output, problems: [] }
  const problems = result.issues.map(
    (issue) =>
      new PackageError(PackageErrorCode.INVALID_METADATA, issueReason(issue), {
        ...location,
        field: issuePath(issue) || undefined,
      }),
  )
  return { problems }
}
