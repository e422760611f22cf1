// Where package files come from. The loader asks an ArtifactSource for
// `{modelName}/{modelVersion}/{file}`; adapters provide the bytes (memory, fetch, the
// filesystem in leafwise/node). Paths are built only here, only from validated names.
import { validateModelName, validateModelVersion } from '../names.ts'
import { PackageError, PackageErrorCode } from './errors.ts'

/** The files of a package (guide, "Required Directory Structure"). */
export const PACKAGE_FILES = {
  model: 'model.txt',
  normalizer: 'normalizer.json',
  metadata: 'metadata.json',
  featureImportance: 'feature_importance.csv',
  testEvaluation: 'test_evaluation.json',
} as const

/** A file name of a package. */
export type PackageFile = (typeof PACKAGE_FILES)[keyof typeof PACKAGE_FILES]

const packageFiles = new Set<string>(Object.values(PACKAGE_FILES))

/**
 * Reads package files by relative path (`sentiment-fusion/v1.1.0/model.txt`). Injected,
 * so the loader runs on every runtime: `memorySource`, `fetchSource`, and `fileSource`
 * from `leafwise/node`.
 */
export interface ArtifactSource {
  /** The file's bytes, or undefined when it does not exist. Other failures throw. */
  read(path: string): Promise<Uint8Array | undefined>
  /** The file as a stream of chunks (optional; used for model.txt when present). */
  stream?(path: string): Promise<ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | undefined>
  /** A human-readable location of `path` for messages (a file path, a URL). */
  describe(path: string): string
}

/**
 * Checks a model name and version against the naming rules, and throws the
 * `INVALID_MODEL_NAME` / `INVALID_VERSION` PackageError that shows the rule.
 */
export function assertPackageId(name: string, version: string): void {
  const problem = packageIdProblems(name, version)[0]
  if (problem) throw problem
}

/** Every naming problem of a package id (empty when name and version are valid). */
export function packageIdProblems(name: string, version: string): PackageError[] {
  const id = `${name}/${version}`
  const problems: PackageError[] = []
  const nameReason = validateModelName(name)
  if (nameReason !== undefined) {
    problems.push(
      new PackageError(PackageErrorCode.INVALID_MODEL_NAME, `invalid model directory: ${nameReason}`, {
        package: id,
        field: 'model_name',
      }),
    )
  }
  const versionReason = validateModelVersion(version)
  if (versionReason !== undefined) {
    problems.push(
      new PackageError(
        PackageErrorCode.INVALID_VERSION,
        `invalid version directory of model '${name}': ${versionReason}`,
        { package: id, field: 'model_version' },
      ),
    )
  }
  return problems
}

/**
 * The one way to build a package file's path: `{modelName}/{modelVersion}/{file}`, from
 * a name and version that pass the naming rules and a known file name. Two different
 * packages can never resolve to the same path (guide, Common Issue 5).
 */
export function packagePath(name: string, version: string, file: PackageFile): string {
  assertPackageId(name, version)
  if (!packageFiles.has(file)) {
    throw new PackageError(PackageErrorCode.INVALID_INPUT, `'${file}' is not a package file`, {
      package: `${name}/${version}`,
    })
  }
  return `${name}/${version}/${file}`
}
