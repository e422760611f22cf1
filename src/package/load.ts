// Loading a package from an ArtifactSource: read every file, validate each against its
// schema, cross-check them, and return a ModelPackage only when nothing is wrong.
import { loadModel, type Model, ModelParseError, pandasCategories, parseModel } from '../lightgbm/index.ts'
import {
  checkFeatureImportance,
  checkMetadata,
  checkNormalizerFeatures,
  checkTestEvaluation,
} from './checks.ts'
import { PackageError, PackageErrorCode } from './errors.ts'
import { readTestEvaluationJson, type TestEvaluation } from './evaluation.ts'
import { type FeatureImportance, readFeatureImportanceCsv } from './importance.ts'
import { decodeText, parseJsonFile } from './json.ts'
import { type Metadata, readMetadataJson } from './metadata.ts'
import { Normalizer } from './normalizer.ts'
import { type NormalizerEntry, readNormalizerJson } from './normalizer-file.ts'
import { ModelPackage } from './package.ts'
import {
  type ArtifactSource,
  PACKAGE_FILES,
  type PackageFile,
  packageIdProblems,
  packagePath,
} from './source.ts'

/** Options of `loadPackage`. */
export interface LoadPackageOptions {
  /** Stream model.txt when the source can (default true); false reads it whole first. */
  stream?: boolean
}

/** Everything found about one package: the package when valid, and every problem. */
export interface PackageInspection {
  /** `{name}/{version}` as given. */
  id: string
  name: string
  version: string
  /** Present only when `problems` is empty. */
  package?: ModelPackage
  /** Every defect found, in the order: names, missing files, parse, schemas, cross-checks. */
  problems: PackageError[]
}

/** Result of `safeLoadPackage`. */
export type SafeLoadPackageResult =
  | { success: true; package: ModelPackage; problems: [] }
  | { success: false; error: PackageError; problems: PackageError[] }

type Read = { bytes?: Uint8Array; problem?: PackageError }

/**
 * Loads `{name}/{version}/` from a source, validating every file and cross-checking
 * them. Throws the first problem as a `PackageError` (code, package, file, field).
 */
export async function loadPackage(
  source: ArtifactSource,
  name: string,
  version: string,
  options?: LoadPackageOptions,
): Promise<ModelPackage> {
  const inspection = await inspectPackage(source, name, version, options)
  if (inspection.package) return inspection.package
  throw inspection.problems[0]
}

/** As `loadPackage`, but resolves to `{ success, package }` or `{ success: false, error, problems }`. */
export async function safeLoadPackage(
  source: ArtifactSource,
  name: string,
  version: string,
  options?: LoadPackageOptions,
): Promise<SafeLoadPackageResult> {
  const inspection = await inspectPackage(source, name, version, options)
  if (inspection.package) return { success: true, package: inspection.package, problems: [] }
  return { success: false, error: inspection.problems[0], problems: inspection.problems }
}

/**
 * Checks a package completely and collects every problem (for `leafwise check`);
 * `package` is set only when there are none. Never throws for a defect of the package.
 */
export async function inspectPackage(
  source: ArtifactSource,
  name: string,
  version: string,
  options: LoadPackageOptions = {},
): Promise<PackageInspection> {
  const id = `${name}/${version}`
  const where = { package: id }
  const naming = packageIdProblems(name, version)
  // No path is built from a name that breaks the rules.
  if (naming.length) return { id, name, version, problems: naming }

  const readFile = async (file: PackageFile): Promise<Read> => {
    const path = packagePath(name, version, file)
    try {
      return { bytes: await source.read(path) }
    } catch (cause) {
      return { problem: readError(cause, where, file, source.describe(path)) }
    }
  }
  const [modelResult, normalizerRead, metadataRead, evaluationRead, importanceRead] = await Promise.all([
    readModel(source, name, version, options),
    readFile(PACKAGE_FILES.normalizer),
    readFile(PACKAGE_FILES.metadata),
    readFile(PACKAGE_FILES.testEvaluation),
    readFile(PACKAGE_FILES.featureImportance),
  ])

  const problems: PackageError[] = []
  const present = (read: Read) => read.bytes !== undefined || read.problem !== undefined
  if (modelResult.missing) {
    const others = [
      present(normalizerRead) ? 'normalizer.json' : undefined,
      present(metadataRead) ? 'metadata.json' : undefined,
    ].filter((file) => file !== undefined)
    const context = others.length
      ? `${others.join(' and ')} ${others.length === 1 ? 'is' : 'are'} present`
      : 'normalizer.json and metadata.json are missing too'
    problems.push(
      new PackageError(
        PackageErrorCode.MODEL_FILE_MISSING,
        `Failed to load model: ${modelResult.missing} not found (required file model.txt is missing; ${context})`,
        { ...where, file: PACKAGE_FILES.model },
      ),
    )
  }
  if (modelResult.problem) problems.push(modelResult.problem)
  for (const [read, file, code] of [
    [normalizerRead, PACKAGE_FILES.normalizer, PackageErrorCode.NORMALIZER_MISSING],
    [metadataRead, PACKAGE_FILES.metadata, PackageErrorCode.METADATA_MISSING],
  ] as const) {
    if (read.problem) problems.push(read.problem)
    else if (read.bytes === undefined) {
      const path = source.describe(packagePath(name, version, file))
      problems.push(
        new PackageError(code, `required file ${file} is missing (${path} not found)`, { ...where, file }),
      )
    }
  }
  if (evaluationRead.problem) problems.push(evaluationRead.problem)
  if (importanceRead.problem) problems.push(importanceRead.problem)

  // Schemas, each file on its own.
  let entries: Map<string, NormalizerEntry> | undefined
  let metadata: Metadata | undefined
  let testEvaluation: TestEvaluation | undefined
  let featureImportance: FeatureImportance[] | undefined
  const file = (name: string) => ({ ...where, file: name })
  collect(problems, () => {
    if (!normalizerRead.bytes) return []
    const json = parseJsonFile(
      normalizerRead.bytes,
      file('normalizer.json'),
      PackageErrorCode.INVALID_NORMALIZER,
    )
    const result = readNormalizerJson(json, where)
    entries = result.entries
    return result.problems
  })
  collect(problems, () => {
    if (!metadataRead.bytes) return []
    const json = parseJsonFile(metadataRead.bytes, file('metadata.json'), PackageErrorCode.INVALID_METADATA)
    const result = readMetadataJson(json, where)
    metadata = result.metadata
    return result.problems
  })
  collect(problems, () => {
    if (!evaluationRead.bytes) return []
    const code = PackageErrorCode.INVALID_TEST_EVALUATION
    const result = readTestEvaluationJson(
      parseJsonFile(evaluationRead.bytes, file('test_evaluation.json'), code),
      where,
    )
    testEvaluation = result.testEvaluation
    return result.problems
  })
  collect(problems, () => {
    if (!importanceRead.bytes) return []
    const code = PackageErrorCode.INVALID_FEATURE_IMPORTANCE
    const result = readFeatureImportanceCsv(
      decodeText(importanceRead.bytes, file('feature_importance.csv'), code),
      where,
    )
    featureImportance = result.rows
    return result.problems
  })

  // Cross-checks, where both sides are valid.
  const model = modelResult.model
  if (model && entries) problems.push(...checkNormalizerFeatures(model, entries, where))
  if (model && metadata) problems.push(...checkMetadata(model, metadata, version, where))
  if (metadata && testEvaluation) problems.push(...checkTestEvaluation(metadata, testEvaluation, where))
  if (model && featureImportance) problems.push(...checkFeatureImportance(model, featureImportance, where))

  if (problems.length || !model || !entries || !metadata) return { id, name, version, problems }
  const pandas = pandasCategories(model.info)
  const normalizer = new Normalizer(model.featureNames, entries, id, {
    categorical: model.info.categoricalFeatures,
    labels: pandas.byFeature,
    labelProblem: pandas.problem,
  })
  const pkg = new ModelPackage({
    name,
    version,
    model,
    normalizer,
    metadata,
    testEvaluation,
    featureImportance,
  })
  return { id, name, version, package: pkg, problems }
}

function collect(problems: PackageError[], step: () => PackageError[]): void {
  try {
    problems.push(...step())
  } catch (error) {
    if (error instanceof PackageError) problems.push(error)
    else throw error
  }
}

function readError(cause: unknown, where: { package: string }, file: string, path: string): PackageError {
  const reason = cause instanceof Error ? cause.message : String(cause)
  return new PackageError(
    PackageErrorCode.ARTIFACT_READ_ERROR,
    `cannot read ${path}: ${reason}`,
    { ...where, file },
    { cause },
  )
}

/** Reads and parses model.txt, streaming when the source can; never throws for the file. */
async function readModel(
  source: ArtifactSource,
  name: string,
  version: string,
  options: LoadPackageOptions,
): Promise<{ model?: Model; missing?: string; problem?: PackageError }> {
  const path = packagePath(name, version, PACKAGE_FILES.model)
  const where = { package: `${name}/${version}`, file: PACKAGE_FILES.model }
  let input: Uint8Array | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | undefined
  try {
    input = options.stream !== false && source.stream ? await source.stream(path) : await source.read(path)
  } catch (cause) {
    return { problem: readError(cause, { package: where.package }, where.file, source.describe(path)) }
  }
  if (input === undefined) return { missing: source.describe(path) }
  try {
    const model = input instanceof Uint8Array ? parseModel(input) : await loadModel(input)
    return { model }
  } catch (cause) {
    if (cause instanceof ModelParseError) {
      return {
        problem: new PackageError(
          PackageErrorCode.MODEL_PARSE_ERROR,
          cause.message,
          { ...where, field: cause.key },
          { cause },
        ),
      }
    }
    return { problem: readError(cause, { package: where.package }, where.file, source.describe(path)) }
  }
}
