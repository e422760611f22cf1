// The ensemble: deployed models vote, shadow models run beside them, one weighted consensus,
// and hot reload of the model set. Web-standard APIs only: it runs on every runtime. This is
// the ensemble's front door for the other layers; `leafwise` (src/index.ts) picks its public
// names from here. Names no other layer uses stay inside src/ensemble/.
export {
  createPackageCache,
  type PackageCache,
  type PackageCacheOptions,
  type PackageLoader,
} from './cache.ts'
export type { Consensus, WeightOptions, WeightOverrides } from './consensus.ts'
export {
  type Analysis,
  type AnalysisListener,
  type AnalyzeOptions,
  createEnsemble,
  Ensemble,
  type EnsembleOptions,
  type EnsembleRegistry,
  type ReloadResult,
  type Vote,
  type VoteError,
} from './ensemble.ts'
export { type FeatureContribution, topFeatures } from './explain.ts'
export { type FeatureProvider, memoryFeatureStore } from './features.ts'
export { lineSink, memorySink, type PredictionLogEntry, type PredictionSink } from './log.ts'
export type { LoadFailure, ModelMember, ModelSet, ModelSetOptions } from './model-set.ts'
export { closestName, UNKNOWN_FEATURE } from './record-check.ts'
export {
  CLASS_SIGNALS,
  DEFAULT_SIGNAL_OPTIONS,
  SIGNALS,
  Signal,
  type SignalOptions,
  type SignalProbabilities,
} from './signals.ts'
