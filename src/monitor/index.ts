// `leafwise/monitor`: what happens after a model serves. The prediction store, outcomes,
// drift and roll-out reports, on the registry's own database through its SqlClient (no
// second pool, no driver, no `node:`): it runs wherever the registry runs.
// What leafwise's own layers need beyond this list is on monitoring's internal face
// (internal.ts, no package export). test/runtimes/exports.test.ts pins this list.

// Reports: feature drift against training statistics, and shadow / canary roll-outs.
export {
  type DriftOptions,
  type DriftReport,
  driftReport,
  type FeatureDrift,
  type TrainingStats,
  type TrainingStatsLookup,
  type VersionDrift,
} from './drift.ts'
// Prometheus metrics of an app.
export { allListeners, createMetrics, type Metrics, type MetricsOptions } from './metrics.ts'
// Outcomes: what really happened, joined to the predictions; live accuracy.
export {
  type Actual,
  liveAccuracy,
  type Outcome,
  type OutcomeWindow,
  recordOutcome,
  recordOutcomes,
  type VersionAccuracy,
} from './outcomes.ts'
// The prediction store: every analysis written to `ml_predictions`; its rows' text built
// here or by an encoder elsewhere (leafwise/node's worker).
export {
  BatchEncoder,
  type EncodedBatch,
  EncoderFailure,
  type PackedBatch,
  type PackedLayout,
  type RowEncoder,
} from './pack.ts'
export {
  type Agreement,
  type ReportOptions,
  type RolloutReport,
  rolloutReport,
  type VersionReport,
} from './report.ts'
export {
  createPredictionStore,
  type PredictionStore,
  type PredictionStoreOptions,
  type PredictionStoreStats,
} from './store.ts'
