// `leafwise/monitor`: what happens after a model serves. The prediction store, outcomes,
// drift and roll-out reports, on the registry's own database through its SqlClient (no
// second pool, no driver, no `node:`): it runs wherever the registry runs.
export { parseDuration, windowStart } from './duration.ts'
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
