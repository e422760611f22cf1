// The package layer's error: which package, which file, which field, and why.
import { LeafwiseError } from '../errors.ts'

/** Stable codes of `PackageError` (one per kind of defect a package can have). */
export const PackageErrorCode = {
  INVALID_MODEL_NAME: 'INVALID_MODEL_NAME',
  INVALID_VERSION: 'INVALID_VERSION',
  MODEL_FILE_MISSING: 'MODEL_FILE_MISSING',
  NORMALIZER_MISSING: 'NORMALIZER_MISSING',
  METADATA_MISSING: 'METADATA_MISSING',
  MODEL_PARSE_ERROR: 'MODEL_PARSE_ERROR',
  INVALID_NORMALIZER: 'INVALID_NORMALIZER',
  INVALID_METADATA: 'INVALID_METADATA',
  METADATA_MISMATCH: 'METADATA_MISMATCH',
  INVALID_TEST_EVALUATION: 'INVALID_TEST_EVALUATION',
  INVALID_FEATURE_IMPORTANCE: 'INVALID_FEATURE_IMPORTANCE',
  ARTIFACT_READ_ERROR: 'ARTIFACT_READ_ERROR',
  INVALID_INPUT: 'INVALID_INPUT',
  MISPLACED_PACKAGE: 'MISPLACED_PACKAGE',
} as const
export type PackageErrorCode = (typeof PackageErrorCode)[keyof typeof PackageErrorCode]

/** Where in a package a defect was found. */
export interface PackageLocation {
  /** `{modelName}/{modelVersion}` (as given, even when invalid). */
  package: string
  /** File inside the package, e.g. `normalizer.json`. */
  file?: string
  /** Field or feature at fault, e.g. `num_features`, `sentiment_positive.std`. */
  field?: string
}

/**
 * A model package that cannot be loaded or used: a missing file, a schema violation, a
 * mismatch between files. The message starts with the package and the file; the same
 * facts are the fields `package`, `file` and `field`.
 */
export class PackageError extends LeafwiseError {
  readonly package: string
  readonly file?: string
  readonly field?: string
  /** The message without the leading `package/file: ` location. */
  readonly reason: string

  constructor(
    code: PackageErrorCode,
    message: string,
    location: PackageLocation,
    options?: { cause?: unknown },
  ) {
    const where = location.file ? `${location.package}/${location.file}` : location.package
    super(code, `${where}: ${message}`, options)
    this.name = 'PackageError'
    this.package = location.package
    this.file = location.file
    this.field = location.field
    this.reason = message
  }
}

/** Describes a JSON value for an error message: `the string "0.1298"`, `null`, ... */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'absent'
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`
  if (typeof value === 'number') return `the number ${value}`
  if (typeof value === 'boolean') return `the boolean ${value}`
  if (Array.isArray(value)) return `an array of ${value.length}`
  return 'an object'
}
