// `leafwise/registry`: the registry API, its types and naming rules, with no driver and no
// `node:` import. Pick an adapter: `leafwise/registry/postgres` or `leafwise/registry/pglite`.
export { type ArtifactReader, registrySource } from './artifact-source.ts'
export type { CanaryRecord } from './canary.ts'
export type { SqlClient, SqlQueryable, SqlRow } from './client.ts'
export { errorCode, isUnavailableError } from './client.ts'
export {
  ALIAS_MAX,
  ARTIFACT_CHUNK_BYTES,
  parseModelRef,
  TAG_KEY_PATTERN,
  validateAliasName,
} from './features.ts'
export { type GuideModelRegistry, ModelRegistry } from './instance.ts'
export {
  type CheckedLoader,
  type CheckedSource,
  type FileHashesOf,
  IntegrityError,
  integrityLoader,
} from './integrity.ts'
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
export { Sha256, sha256Hex } from './sha256.ts'
export { allowedTransitions, transitionError } from './transitions.ts'
export {
  type AliasEventDetail,
  type AliasOptions,
  type AliasRecord,
  type ApprovalEventDetail,
  type ApprovalRecord,
  ApprovalState,
  type ArtifactUpload,
  type ChangeOptions,
  type FileRecord,
  fail,
  type Lineage,
  type ListFilters,
  type MigrateReport,
  type ModelChange,
  type ModelDetails,
  type ModelEvent,
  type ModelEventType,
  ModelObjective,
  type ModelReader,
  type ModelRecord,
  type ModelSignature,
  ModelStatus,
  type ModelSummary,
  ModelType,
  ok,
  PredictionHorizon,
  type RegisterModelInput,
  type RegisterOptions,
  RegistryError,
  RegistryErrorCode,
  type RegistryResult,
  type TagEventDetail,
  TierRequirement,
  tierRank,
  unwrap,
} from './types.ts'
