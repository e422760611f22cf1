// The ensemble: deployed models vote, shadow models run beside them, one weighted consensus,
// and hot reload of the model set. Web-standard APIs only: it runs on every runtime.
export {
  createPackageCache,
  type PackageCache,
  type PackageCacheOptions,
  type PackageLoader,
} from './cache.ts'
export {
  type Consensus,
  consensusOf,
  scoreOf,
  type WeightedVector,
  type WeightOptions,
  type WeightOverrides,
  weightOf,
} from './consensus.ts'
export {
  type Analysis,
  type AnalyzeOptions,
  createEnsemble,
  Ensemble,
  type EnsembleOptions,
  type EnsembleRegistry,
  type ReloadResult,
  type Vote,
  type VoteError,
} from './ensemble.ts'
export { type FeatureContribution, outputIndexOf, topFeatures } from './explain.ts'
export { type FeatureProvider, memoryFeatureStore } from './features.ts'
export { inputHash, lineSink, memorySink, type PredictionLogEntry, type PredictionSink } from './log.ts'
export {
  type LoadFailure,
  loadModelSet,
  type ModelMember,
  type ModelSet,
  type ModelSetOptions,
  modelIds,
} from './model-set.ts'
export { closestName, SPARSE_SHARE, UNKNOWN_FEATURE } from './record-check.ts'
export {
  argmaxSignal,
  CLASS_SIGNALS,
  DEFAULT_SIGNAL_OPTIONS,
  indexOfSignal,
  regressionProbabilities,
  resolveSignalOptions,
  SIGNALS,
  Signal,
  type SignalMapper,
  type SignalOptions,
  type SignalProbabilities,
  type SignalSubject,
  signalMapper,
  toProbabilities,
} from './signals.ts'
