// normalizer.json: `{feature: {mean, std}}` (guide, "2. normalizer.json").
import * as v from 'valibot'
import { describeValue, PackageError, PackageErrorCode } from './errors.ts'
import { issueReason } from './issues.ts'

const finiteMessage = (key: string) => (issue: { input: unknown }) =>
  `'${key}' must be a finite number but is ${describeValue(issue.input)}`

/** One feature's z-score parameters: finite `mean`, finite `std` > 0. Other keys are ignored. */
export const NormalizerEntrySchema = v.object(
  {
    mean: v.pipe(v.number(finiteMessage('mean')), v.finite(finiteMessage('mean'))),
    std: v.pipe(
      v.number(finiteMessage('std')),
      v.finite(finiteMessage('std')),
      v.gtValue(0, (issue) => `'std' must be greater than 0 but is ${issue.input}`),
    ),
  },
  (issue) => `expected {"mean": number, "std": number} but found ${describeValue(issue.input)}`,
)

/** `{mean, std}` of one feature. */
export type NormalizerEntry = v.InferOutput<typeof NormalizerEntrySchema>

/**
 * Validates a parsed normalizer.json into a Map from feature name to `{mean, std}`, in
 * file order. Keys are walked with Object.keys into a Map, so `__proto__` or
 * `constructor` are ordinary (and then unknown) feature names, never prototype access.
 * Returns every problem found, one per feature.
 */
export function readNormalizerJson(
  json: unknown,
  where: { package: string },
): { entries?: Map<string, NormalizerEntry>; problems: PackageError[] } {
  const location = { ...where, file: 'normalizer.json' }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    const problem = new PackageError(
      PackageErrorCode.INVALID_NORMALIZER,
      `must be an object {"feature": {"mean": number, "std": number}} but is ${describeValue(json)}`,
      location,
    )
    return { problems: [problem] }
  }
  const entries = new Map<string, NormalizerEntry>()
  const problems: PackageError[] = []
  for (const feature of Object.keys(json)) {
    const value = (json as Record<string, unknown>)[feature]
    // valibot's object() takes arrays as objects; an array is never {mean, std}.
    const result = v.safeParse(NormalizerEntrySchema, Array.isArray(value) ? null : value)
    if (result.success) {
      entries.set(feature, result.output)
      continue
    }
    const issue = result.issues[0]
    const key = issue.path?.[0]?.key
    const reason =
      issue.kind === 'schema' && issue.path === undefined
        ? `expected {"mean": number, "std": number} but found ${describeValue(value)}`
        : issueMessage(issue)
    problems.push(
      new PackageError(
        PackageErrorCode.INVALID_NORMALIZER,
        `Invalid normalizer format for feature '${feature}': ${reason}`,
        { ...location, field: key === undefined ? feature : `${feature}.${String(key)}` },
      ),
    )
  }
  if (problems.length === 0 && entries.size === 0) {
    problems.push(
      new PackageError(PackageErrorCode.INVALID_NORMALIZER, 'has no features (an empty object)', location),
    )
  }
  return problems.length ? { problems } : { entries, problems }
}

/** Our action messages already name the key; a missing key gets valibot's generic reason. */
function issueMessage(issue: v.BaseIssue<unknown>): string {
  const key = issue.path?.[0]?.key
  if (issue.input === undefined && key !== undefined) return `'${String(key)}' is missing`
  return issue.message.startsWith("'") ? issue.message : issueReason(issue)
}
