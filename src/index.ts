// leafwise: the portable entry point (LightGBM core, model packages, ensemble).
//
// The public API, name by name: what README.md and docs/*.md show users, and the types of
// those functions' options and results. Every other name of the layers stays internal
// (the layers' own index.ts files are their front doors for one another, not for users).
// test/runtimes/exports.test.ts pins this list: growing it is a deliberate change.

// The ensemble: votes, weighted consensus, shadow and canary runs, hot reload; its package
// cache, feature providers and prediction logs.
export {
  type Analysis,
  type AnalysisListener,
  type AnalyzeOptions,
  type Consensus,
  createEnsemble,
  createPackageCache,
  Ensemble,
  type EnsembleOptions,
  type EnsembleRegistry,
  type FeatureContribution,
  type FeatureProvider,
  type LoadFailure,
  lineSink,
  type ModelMember,
  type ModelSet,
  type ModelSetOptions,
  memoryFeatureStore,
  memorySink,
  type PackageCache,
  type PackageCacheOptions,
  type PackageLoader,
  type PredictionLogEntry,
  type PredictionSink,
  type ReloadResult,
  Signal,
  type SignalOptions,
  type SignalProbabilities,
  topFeatures,
  UNKNOWN_FEATURE,
  type Vote,
  type VoteError,
  type WeightOptions,
  type WeightOverrides,
} from './ensemble/index.ts'
// The one error base class: every error leafwise throws has a stable `code`.
export { LeafwiseError } from './errors.ts'
// LightGBM models: parse model.txt (or its JSON dump), predict, explain.
export {
  type ClassExplanation,
  type EarlyStopOptions,
  type ExplainedFeature,
  type ExplainOptions,
  explainRow,
  type IterationWindow,
  type KernelChoice,
  loadModel,
  Model,
  type ModelInfo,
  ModelParseError,
  type ObjectiveName,
  type PandasCategories,
  type ParseOptions,
  PredictionError,
  type PredictOptions,
  pandasCategories,
  parseModel,
  type ShapeOptions,
} from './lightgbm/index.ts'
// Model naming rules, shared by package directories and the registry.
export {
  compareModelVersions,
  MODEL_NAME_PATTERN,
  MODEL_VERSION_PATTERN,
  validateModelName,
  validateModelVersion,
} from './names.ts'
// Model packages: loading, checking and predicting `models/{name}/{version}/`, from any source.
export {
  type ArtifactSource,
  type FeatureImportance,
  type FeatureInput,
  type FeatureRecord,
  type FetchSourceOptions,
  fetchSource,
  inspectPackage,
  type LoadPackageOptions,
  loadPackage,
  type Metadata,
  ModelPackage,
  memorySource,
  type NormalizeOptions,
  type Normalizer,
  type NormalizerEntry,
  PackageError,
  PackageErrorCode,
  type PackageInspection,
  type PackageLocation,
  type PackagePredictOptions,
  type PackageTask,
  packagePath,
  type SafeLoadPackageResult,
  safeLoadPackage,
  type TestEvaluation,
} from './package/index.ts'
