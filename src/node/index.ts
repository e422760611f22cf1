// leafwise/node: the Node adapters (filesystem source, discovery, prediction checks,
// multi-core batches, serving an app). What the CLI needs beyond this list is on the
// adapters' internal face (internal.ts, no package export). test/runtimes/exports.test.ts
// pins this list.

export { type DiscoveredPackage, type DiscoverOptions, discoverPackages } from './discover.ts'
// Features and prediction logs in files.
export { fileFeatureStore } from './feature-store.ts'
// Model packages on disk: the filesystem source, discovery of `models/`, a package's own
// test prediction, one model.txt (in parallel when big).
export { type FileSourceOptions, fileSource } from './fs-source.ts'
export { type LoadModelFileOptions, loadModelFile } from './load-model-file.ts'
// Multi-core batches on worker threads.
export { type ParallelOptions, predictParallel, shutdownParallel } from './parallel.ts'
export { DEFAULT_PREDICTION_LOG, type FilePredictionLog, filePredictionLog } from './prediction-log.ts'
// The prediction store's rows built on a worker thread.
export { createRowEncoderWorker, type RowEncoderWorkerOptions } from './row-encoder.ts'
// Serving an app (`leafwise/http`) on Node.
export { type ServedApp, serveApp } from './serve.ts'
export { checkPackagePrediction, type PackagePredictionCheck } from './verify-package.ts'
