// feature_importance.csv (optional): header `feature,importance`, one feature a line.
import * as v from 'valibot'
import { describeValue, PackageError, PackageErrorCode } from './errors.ts'

/** One row: a feature name and its (gain) importance. */
export const FeatureImportanceRowSchema = v.object({
  feature: v.pipe(
    v.string(),
    v.nonEmpty(() => 'the feature name is empty'),
  ),
  importance: v.pipe(
    v.number((issue) => `the importance must be a number but is ${describeValue(issue.input)}`),
    v.finite((issue) => `the importance must be a finite number but is ${issue.input}`),
  ),
})

/** One row of feature_importance.csv. */
export type FeatureImportance = v.InferOutput<typeof FeatureImportanceRowSchema>

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

/**
 * Parses and validates feature_importance.csv text. The header must be exactly
 * `feature,importance`; each later non-empty line is `name,number` (the name may be
 * double-quoted). Every problem names its line.
 */
export function readFeatureImportanceCsv(
  text: string,
  where: { package: string },
): { rows?: FeatureImportance[]; problems: PackageError[] } {
  const location = { ...where, file: 'feature_importance.csv' }
  const lines = text.split(/\r?\n/)
  const problems: PackageError[] = []
  const fail = (reason: string, field?: string) =>
    problems.push(
      new PackageError(PackageErrorCode.INVALID_FEATURE_IMPORTANCE, reason, { ...location, field }),
    )
  const header = lines[0]?.trim() ?? ''
  if (header !== 'feature,importance') {
    fail(`line 1: the header must be 'feature,importance' but is ${JSON.stringify(header)}`)
    return { problems }
  }
  const rows: FeatureImportance[] = []
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].trim()
    if (line === '') continue
    const comma = line.lastIndexOf(',')
    if (comma < 0) {
      fail(`line ${i + 1}: expected 'feature,importance' but found ${JSON.stringify(line)}`)
      continue
    }
    let feature = line.slice(0, comma).trim()
    if (feature.length >= 2 && feature.startsWith('"') && feature.endsWith('"'))
      feature = feature.slice(1, -1).replaceAll('""', '"')
    const cell = line.slice(comma + 1).trim()
    const importance = NUMBER.test(cell) ? Number(cell) : cell
    const result = v.safeParse(FeatureImportanceRowSchema, { feature, importance })
    if (result.success) rows.push(result.output)
    else fail(`line ${i + 1}: ${result.issues[0].message}`, feature || undefined)
  }
  return problems.length ? { problems } : { rows, problems }
}
