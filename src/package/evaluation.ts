// test_evaluation.json (optional): test metrics, typed where the example packages use
// them, open otherwise (any other key is kept as written).
import * as v from 'valibot'
import { describeValue, PackageError, PackageErrorCode } from './errors.ts'
import { issuePath, issueReason } from './issues.ts'

const metric = v.pipe(
  v.number(),
  v.finite((issue) => `must be a finite number but is ${issue.input}`),
)
const count = v.pipe(
  v.number(),
  v.integer((issue) => `must be a whole number >= 0 but is ${issue.input}`),
  v.minValue(0, (issue) => `must be a whole number >= 0 but is ${issue.input}`),
)

/** Precision, recall, f1 and support of one class. */
export const ClassMetricsSchema = v.looseObject({
  precision: v.optional(metric),
  recall: v.optional(metric),
  f1: v.optional(metric),
  support: v.optional(count),
})

/** The test_evaluation.json schema: classifier and regression metrics, all optional. */
export const TestEvaluationSchema = v.looseObject({
  test_examples: v.optional(count),
  // classifiers
  test_accuracy: v.optional(metric),
  test_log_loss: v.optional(metric),
  test_auc: v.optional(metric),
  classes: v.optional(v.array(v.string())),
  decision_threshold: v.optional(metric),
  confusion_matrix: v.optional(v.array(v.array(count))),
  confusion_matrix_layout: v.optional(v.string()),
  per_class: v.optional(v.record(v.string(), ClassMetricsSchema)),
  class_distribution: v.optional(v.record(v.string(), count)),
  positive_rate: v.optional(metric),
  // regression
  test_rmse: v.optional(metric),
  test_mae: v.optional(metric),
  test_r2: v.optional(metric),
  test_directional_accuracy: v.optional(metric),
  test_information_coefficient: v.optional(metric),
})

/** A validated test_evaluation.json. */
export type TestEvaluation = v.InferOutput<typeof TestEvaluationSchema>

/** Validates a parsed test_evaluation.json; every problem names its field. */
export function readTestEvaluationJson(
  json: unknown,
  where: { package: string },
): { testEvaluation?: TestEvaluation; problems: PackageError[] } {
  const location = { ...where, file: 'test_evaluation.json' }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    const reason = `must be a JSON object but is ${describeValue(json)}`
    return { problems: [new PackageError(PackageErrorCode.INVALID_TEST_EVALUATION, reason, location)] }
  }
  const result = v.safeParse(TestEvaluationSchema, json)
  if (result.success) return { testEvaluation: result.output, problems: [] }
  const problems = result.issues.map(
    (issue) =>
      new PackageError(PackageErrorCode.INVALID_TEST_EVALUATION, issueReason(issue), {
        ...location,
        field: issuePath(issue) || undefined,
      }),
  )
  return { problems }
}
