// `leafwise/monitor`: what happens after a model serves. The prediction store, outcomes,
// drift and roll-out reports, on the registry's own database through its SqlClient (no
// second pool, no driver, no `node:`): it runs wherever the registry runs.

export {
  type DriftOptions,
  type DriftReport,
  driftReport,
  type FeatureDrift,
  NORMAL_DECILES,
  populationStabilityIndex,
  type TrainingStats,
  type TrainingStatsLookup,
  type VersionDrift,
  versionsInWindow,
} from './drift.ts'
export { parseDuration, windowStart } from './duration.ts'
export {
  allListeners,
  createMetrics,
  escapeLabel,
  LATENCY_BUCKETS,
  type Metrics,
  type MetricsOptions,
} from './metrics.ts'
export {
  type Actual,
  actualSignal,
  DEFAULT_OUTCOME_BAND,
  type JoinedOutcome,
  joinedOutcomes,
  liveAccuracy,
  type Outcome,
  type OutcomeWindow,
  recordOutcome,
  recordOutcomes,
  type VersionAccuracy,
  voteIsCorrect,
} from './outcomes.ts'
export {
  type Agreement,
  REPORT_SIGNALS,
  type ReportOptions,
  type RolloutReport,
  rolloutReport,
  type VersionReport,
} from './report.ts'
export {
  encodeVotes,
  jsonValue,
  namesHash,
  type StoredVote,
  type VoteRole,
  valuesHash,
} from './rows.ts'
export {
  createPredictionStore,
  type PredictionStore,
  type PredictionStoreOptions,
  type PredictionStoreStats,
} from './store.ts'
