// Model packages: `models/{name}/{version}/` loaded, validated and normalized, on every runtime.
// The package layer's front door for the other layers; `leafwise` (src/index.ts) picks its
// public names from here. Names no other layer uses stay inside src/package/.

export { PackageError, PackageErrorCode, type PackageLocation } from './errors.ts'
export type { TestEvaluation } from './evaluation.ts'
export { type FetchSourceOptions, fetchSource } from './fetch-source.ts'
export type { FeatureImportance } from './importance.ts'
export {
  inspectPackage,
  type LoadPackageOptions,
  loadPackage,
  type PackageInspection,
  type SafeLoadPackageResult,
  safeLoadPackage,
} from './load.ts'
export { memorySource } from './memory-source.ts'
export type { Metadata } from './metadata.ts'
export { type FeatureInput, type FeatureRecord, type NormalizeOptions, Normalizer } from './normalizer.ts'
export { type NormalizerEntry, readNormalizerJson } from './normalizer-file.ts'
export { ModelPackage, type PackagePredictOptions, type PackageTask } from './package.ts'
export { type ArtifactSource, assertPackageId, PACKAGE_FILES, packagePath } from './source.ts'
