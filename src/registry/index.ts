// `leafwise/registry`: the registry API, its types and naming rules, with no driver and no
// `node:` import. Pick an adapter: `leafwise/registry/postgres` or `leafwise/registry/pglite`.
export type { CanaryRecord } from './canary.ts'
export type { SqlClient, SqlQueryable, SqlRow } from './client.ts'
export { errorCode, isUnavailableError } from './client.ts'
export { type GuideModelRegistry, ModelRegistry } from './instance.ts'
export {
  buildManifest,
  createManifestRegistry,
  MANIFEST_FORMAT,
  type ManifestModel,
  type RegistryManifest,
} from './manifest.ts'
export { isMigrated, migrationChecksum, runMigrations } from './migrate.ts'
export { type Migration, migrations } from './migrations.ts'
export {
  compareModelVersions,
  MODEL_NAME_PATTERN,
  MODEL_VERSION_PATTERN,
  validateModelName,
  validateModelVersion,
} from './names.ts'
export { CHANGE_CHANNEL, createRegistry, type RegistryOptions } from './registry.ts'
export { allowedTransitions, transitionError } from './transitions.ts'
export {
  type ChangeOptions,
  fail,
  type ListFilters,
  type MigrateReport,
  type ModelChange,
  type ModelEvent,
  ModelObjective,
  type ModelReader,
  type ModelRecord,
  ModelStatus,
  ModelType,
  ok,
  PredictionHorizon,
  type RegisterModelInput,
  RegistryError,
  RegistryErrorCode,
  type RegistryResult,
  TierRequirement,
  tierRank,
  unwrap,
} from './types.ts'
