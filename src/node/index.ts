// leafwise/node: the Node adapters (filesystem source, discovery, prediction checks,
// multi-core batches).
export {
  type DiscoveredPackage,
  type DiscoverOptions,
  discoverPackages,
  listPackageDirectories,
} from './discover.ts'
export { featureRecordsFromSamples, fileFeatureStore } from './feature-store.ts'
export { type FileSourceOptions, fileSource } from './fs-source.ts'
export { type LoadModelFileOptions, loadModelFile } from './load-model-file.ts'
export { type ParallelOptions, predictParallel, shutdownParallel } from './parallel.ts'
export { DEFAULT_PREDICTION_LOG, type FilePredictionLog, filePredictionLog } from './prediction-log.ts'
export { checkPackagePrediction, type PackagePredictionCheck } from './verify-package.ts'
