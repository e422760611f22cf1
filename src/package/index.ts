// Model packages: `models/{name}/{version}/` loaded, validated and normalized, on every runtime.

export {
  checkFeatureImportance,
  checkMetadata,
  checkNormalizerFeatures,
  checkTestEvaluation,
  expectedNumClasses,
} from './checks.ts'
export { describeValue, PackageError, PackageErrorCode, type PackageLocation } from './errors.ts'
export {
  ClassMetricsSchema,
  readTestEvaluationJson,
  type TestEvaluation,
  TestEvaluationSchema,
} from './evaluation.ts'
export { type FetchSourceOptions, fetchSource } from './fetch-source.ts'
export { type FeatureImportance, FeatureImportanceRowSchema, readFeatureImportanceCsv } from './importance.ts'
export { parseJsonFile } from './json.ts'
export {
  inspectPackage,
  type LoadPackageOptions,
  loadPackage,
  type PackageInspection,
  type SafeLoadPackageResult,
  safeLoadPackage,
} from './load.ts'
export { memorySource } from './memory-source.ts'
export { type Metadata, MetadataSchema, PerformanceSchema, readMetadataJson } from './metadata.ts'
export {
  type FeatureInput,
  type FeatureRecord,
  type NormalizeOptions,
  Normalizer,
} from './normalizer.ts'
export { type NormalizerEntry, NormalizerEntrySchema, readNormalizerJson } from './normalizer-file.ts'
export {
  ModelPackage,
  type ModelPackageParts,
  type PackagePredictOptions,
  type PackageTask,
} from './package.ts'
export {
  type ArtifactSource,
  assertPackageId,
  PACKAGE_FILES,
  type PackageFile,
  packageIdProblems,
  packagePath,
} from './source.ts'
