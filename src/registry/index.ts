// `leafwise/registry`: the registry API, its types and records, with no driver and no
// `node:` import. Pick an adapter: `leafwise/registry/postgres` or `leafwise/registry/pglite`.
// The model naming rules are exported by `leafwise`. What leafwise's own layers need beyond
// this list is on the registry's internal face (internal.ts, no package export).
// test/runtimes/exports.test.ts pins this list.

// Packages served from the registry's own artifact store, checked against registered hashes.
export { type ArtifactReader, registrySource } from './artifact-source.ts'
// Records, enums, results and errors.
export type { CanaryRecord } from './canary.ts'
// Creating a registry over any SqlClient, and the guide's process-wide instance.
export type { SqlClient, SqlQueryable, SqlRow } from './client.ts'
export { type GuideModelRegistry, ModelRegistry } from './instance.ts'
export {
  type CheckedLoader,
  type CheckedSource,
  type FileHashesOf,
  IntegrityError,
  integrityLoader,
} from './integrity.ts'
// Where there is no database: a static manifest (`leafwise registry export`).
export {
  buildManifest,
  createManifestRegistry,
  MANIFEST_FORMAT,
  type ManifestModel,
  type RegistryManifest,
} from './manifest.ts'
export { isMigrated, runMigrations } from './migrate.ts'
export { type Migration, migrations } from './migrations.ts'
export { createRegistry, type RegistryOptions } from './registry.ts'
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
  unwrap,
} from './types.ts'
