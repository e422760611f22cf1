// The registry's vocabulary: the guide's enums as const objects, the camelCase model row,
// the result shape every call resolves to, and the stable error codes.
import { LeafwiseError } from '../errors.ts'
import type { CanaryRecord } from './canary.ts'
import type { CheckedLoader, CheckedSource } from './integrity.ts'

/** Algorithm of a model (`ml_models.model_type`). */
export const ModelType = {
  LIGHTGBM: 'lightgbm',
  XGBOOST: 'xgboost',
  LSTM: 'lstm',
  TRANSFORMER: 'transformer',
  ENSEMBLE: 'ensemble',
} as const
export type ModelType = (typeof ModelType)[keyof typeof ModelType]

/** What a model predicts (`ml_models.objective`). */
export const ModelObjective = {
  PRICE_PREDICTION: 'price_prediction',
  DIRECTION_CLASSIFICATION: 'direction_classification',
  VOLATILITY_FORECAST: 'volatility_forecast',
  FACTOR_ENHANCEMENT: 'factor_enhancement',
} as const
export type ModelObjective = (typeof ModelObjective)[keyof typeof ModelObjective]

/** Deployment status (`ml_models.status`). Only `deployed` models vote; `shadow` models run beside them. */
export const ModelStatus = {
  TRAINING: 'training',
  VALIDATED: 'validated',
  DEPLOYED: 'deployed',
  SHADOW: 'shadow',
  DEPRECATED: 'deprecated',
} as const
export type ModelStatus = (typeof ModelStatus)[keyof typeof ModelStatus]

/** Tier a caller needs to see a model (`ml_models.tier_requirement`), ordered free < premium < enterprise. */
export const TierRequirement = {
  FREE: 'free',
  PREMIUM: 'premium',
  ENTERPRISE: 'enterprise',
} as const
export type TierRequirement = (typeof TierRequirement)[keyof typeof TierRequirement]

/** Allowed `prediction_horizon` values (guide, "Field Descriptions"). */
export const PredictionHorizon = ['1h', '4h', '1d', '1w', '2w', '1m', '3m'] as const
export type PredictionHorizon = (typeof PredictionHorizon)[number]

/** Rank of each tier: a caller at tier T sees models whose requirement ranks <= T. */
export const tierRank: Record<TierRequirement, number> = { free: 0, premium: 1, enterprise: 2 }

/** One row of `ml_models`, in camelCase. */
export interface ModelRecord {
  modelId: string
  modelName: string
  modelVersion: string
  modelType: ModelType
  objective: ModelObjective
  targetVariable: string
  predictionHorizon: PredictionHorizon
  validationScore: number | null
  testScore: number | null
  tierRequirement: TierRequirement
  status: ModelStatus
  createdAt: Date
  updatedAt: Date
}

/** What `registerModel` takes: the guide's registration fields. */
export interface RegisterModelInput {
  modelName: string
  modelVersion: string
  modelType: ModelType
  objective: ModelObjective
  targetVariable: string
  predictionHorizon: PredictionHorizon
  validationScore?: number | null
  testScore?: number | null
  /** Default `premium`, as in the table. */
  tierRequirement?: TierRequirement
  /** Default `deployed`, as in the table. */
  status?: ModelStatus
}

/** Filters of `listModels`; `tier` is the caller's tier (requirement <= tier). */
export interface ListFilters {
  modelName?: string
  status?: ModelStatus | ModelStatus[]
  tier?: TierRequirement
  /**
   * Every tag must match: a version matches `key=value` when the version, or its model as a
   * whole, carries that tag (a version's own tag overrides its model's).
   */
  tags?: Record<string, string>
  /** Only the versions this alias points at (one per model), e.g. `champion`. */
  alias?: string
}

/** Kind of a history entry. Rows written before migration 005 are `registered` or `status`. */
export type ModelEventType = 'registered' | 'status' | 'alias' | 'tag' | 'approval'

/** What an `alias` event records in `detail`. */
export interface AliasEventDetail {
  alias: string
  /** null when the alias was created. */
  fromVersion: string | null
  /** null when the alias was removed. */
  toVersion: string | null
  protected: boolean
}

/** What a `tag` event records in `detail` (a null `from` is a new tag; a null `to` a removed one). */
export interface TagEventDetail {
  key: string
  from: string | null
  to: string | null
}

/** What an `approval` event records in `detail`. */
export interface ApprovalEventDetail {
  from: ApprovalState
  to: ApprovalState
}

/** One entry of a model's history (`ml_model_events`): a registration, a status change, an alias move, a tag or an approval. */
export interface ModelEvent {
  eventId: number
  /** The version's row id; null for an event of a whole model (a model-wide tag). */
  modelId: string | null
  modelName: string
  /** '' for an event of a whole model (a model-wide tag). */
  modelVersion: string
  eventType: ModelEventType
  /** The facts of an alias, tag or approval event; null for registrations and status changes. */
  detail: AliasEventDetail | TagEventDetail | ApprovalEventDetail | null
  /** null for the registration. */
  fromStatus: ModelStatus | null
  toStatus: ModelStatus | null
  reason: string | null
  actor: string
  createdAt: Date
}

/** A change announced on the `leafwise_models` channel. */
export interface ModelChange {
  /** `alias`, `tag` and `approval` come with a `detail` (as in the history); `canary`: a canary weight was set, changed or ended (`weightPercent` null when ended). */
  change: 'registered' | 'status' | 'updated' | 'deleted' | 'alias' | 'tag' | 'approval' | 'canary'
  eventId: number | null
  modelId: string | null
  modelName: string
  modelVersion: string
  fromStatus: ModelStatus | null
  toStatus: ModelStatus | null
  reason: string | null
  actor: string
  at: string
  detail?: AliasEventDetail | TagEventDetail | ApprovalEventDetail
  /** With `canary`: the weight in percent, null when the canary ended. */
  weightPercent?: number | null
}

/** Where an alias points. */
export interface AliasRecord {
  modelName: string
  alias: string
  modelVersion: string
  /** A protected alias moves or goes only with `force`. */
  protected: boolean
  updatedAt: Date
  updatedBy: string
}

/** Approval of a version, apart from its status. */
export const ApprovalState = {
  PENDING: 'pending',
  APPROVED: 'approved',
  REJECTED: 'rejected',
} as const
export type ApprovalState = (typeof ApprovalState)[keyof typeof ApprovalState]

/** The approval of one version. A version nobody decided on is `pending` with null `decidedBy`. */
export interface ApprovalRecord {
  modelName: string
  modelVersion: string
  state: ApprovalState
  reason: string | null
  decidedBy: string | null
  decidedAt: Date | null
}

/** A file of a package as recorded at registration. */
export interface FileRecord {
  /** Relative to the package directory, e.g. `model.txt`. */
  path: string
  /** Lowercase hex sha256 of the file's bytes. */
  sha256: string
  sizeBytes: number
  /** True when the bytes are stored in the registry (`register --store`). */
  stored: boolean
}

/** Where a version came from (`lineage` in metadata.json); every field optional, extra fields kept. */
export interface Lineage {
  /** Training run id or URL. */
  trainingRun?: string
  codeCommit?: string
  dataFingerprint?: string
  /** The version this one was trained from (same model name). */
  parentVersion?: string
  [key: string]: unknown
}

/** What a model takes and gives, from its model.txt (checked against normalizer.json at registration). */
export interface ModelSignature {
  features: string[]
  featureCount: number
  categoricalFeatures: string[]
  /** LightGBM objective, e.g. `multiclass num_class:3`. */
  objective: string
  numClass: number
}

/** Facts for `diff`: trees, training parameters and metrics at registration. */
export interface ModelSummary {
  numTrees?: number
  numIterations?: number
  parameters?: Record<string, string>
  metrics?: Record<string, number>
}

/** Everything about one version (`leafwise show`). */
export interface ModelDetails {
  model: ModelRecord
  /** Aliases pointing at this version. */
  aliases: AliasRecord[]
  /** Tags of the model as a whole. */
  modelTags: Record<string, string>
  /** Tags of this version. */
  versionTags: Record<string, string>
  approval: ApprovalRecord
  lineage: Lineage | null
  signature: ModelSignature | null
  summary: ModelSummary | null
  files: FileRecord[]
  history: ModelEvent[]
}

/** Stable error codes of the registry (safe to switch on). */
export const RegistryErrorCode = {
  DUPLICATE_MODEL: 'DUPLICATE_MODEL',
  MODEL_NOT_FOUND: 'MODEL_NOT_FOUND',
  INVALID_INPUT: 'INVALID_INPUT',
  INVALID_TRANSITION: 'INVALID_TRANSITION',
  DATABASE_UNAVAILABLE: 'DATABASE_UNAVAILABLE',
  NOT_MIGRATED: 'NOT_MIGRATED',
  MIGRATION_FAILED: 'MIGRATION_FAILED',
  DATABASE_ERROR: 'DATABASE_ERROR',
  READ_ONLY: 'READ_ONLY',
  REGISTRY_NOT_FOUND: 'REGISTRY_NOT_FOUND',
  /** A protected alias was moved or removed without `force`. */
  ALIAS_PROTECTED: 'ALIAS_PROTECTED',
  /** The approval policy refused a version that is not approved. */
  NOT_APPROVED: 'NOT_APPROVED',
  /** Stored bytes do not match the sha256 recorded at registration. */
  INTEGRITY_MISMATCH: 'INTEGRITY_MISMATCH',
} as const
export type RegistryErrorCode = (typeof RegistryErrorCode)[keyof typeof RegistryErrorCode]

/** What every registry call resolves to: never a thrown error for an expected failure. */
export type RegistryResult<T> =
  | { success: true; data: T }
  | { success: false; error: { code: RegistryErrorCode; message: string } }

/** A registry failure as an exception, for callers who prefer `unwrap`. */
export class RegistryError extends LeafwiseError {
  declare readonly code: RegistryErrorCode
  constructor(code: RegistryErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
    this.name = 'RegistryError'
  }
}

/** A successful result. */
export function ok<T>(data: T): RegistryResult<T> {
  return { success: true, data }
}

/** A failed result. */
export function fail<T = never>(code: RegistryErrorCode, message: string): RegistryResult<T> {
  return { success: false, error: { code, message } }
}

/** Returns `data` of a successful result, or throws its error as a `RegistryError`. */
export function unwrap<T>(result: RegistryResult<T>): T {
  if (result.success) return result.data
  throw new RegistryError(result.error.code, result.error.message)
}

/** The read side of a registry: what an ensemble needs. A live registry and a static manifest both provide it. */
export interface ModelReader {
  /**
   * One model by name and version, whatever its status. `modelVersion` may be an alias
   * (`getModel('sentiment-fusion', 'champion')`), or omitted when `modelName` is
   * `name@alias` or `name@version` (`getModel('sentiment-fusion@champion')`).
   */
  getModel(modelName: string, modelVersion?: string): Promise<RegistryResult<ModelRecord>>
  /** Deployed models, optionally only those a caller at `tier` may use. */
  getDeployedModels(options?: { tier?: TierRequirement }): Promise<RegistryResult<ModelRecord[]>>
  /** Models matching the filters, ordered by name then version. */
  listModels(filters?: ListFilters): Promise<RegistryResult<ModelRecord[]>>
  /** Canary weights of the models a caller at `tier` may use (a registry without canaries may leave this out). */
  listCanaries?(options?: { tier?: TierRequirement }): Promise<RegistryResult<CanaryRecord[]>>
}

/** What a migration run did. */
export interface MigrateReport {
  applied: string[]
  alreadyApplied: string[]
}

/** Options of a status change. */
export interface ChangeOptions {
  reason?: string
  /** Recorded as the actor of this change (default: the registry's `actor` option, else the database user). */
  actor?: string
}

/** Options of `registerModel`. */
export interface RegisterOptions extends ChangeOptions {
  /** Overwrite an existing name + version instead of failing with DUPLICATE_MODEL. */
  upsert?: boolean
  /** The package's files and their sha256 (integrity; `verify` and loading compare against them). */
  files?: { path: string; sha256: string; sizeBytes: number }[]
  lineage?: Lineage | null
  signature?: ModelSignature | null
  summary?: ModelSummary | null
}

/** Options of `setAlias`. */
export interface AliasOptions extends ChangeOptions {
  /** Mark the alias protected (it then moves only with `force`). Default: keep its current protection. */
  protect?: boolean
  /** Move or remove a protected alias. */
  force?: boolean
}

/** The bytes of one package file for `storeArtifact`: its hash and size, and its chunks. */
export interface ArtifactUpload {
  /** Relative path in the package, e.g. `model.txt`. */
  path: string
  sha256: string
  sizeBytes: number
  /** The file's bytes, in chunks of any size (read once, never held whole). */
  chunks: () => AsyncIterable<Uint8Array> | Iterable<Uint8Array>
}

/** The full registry API (the guide's `ModelRegistry`, and more). */
export interface ModelRegistry extends ModelReader {
  /** Applies the pending migrations. */
  migrate(): Promise<RegistryResult<MigrateReport>>
  /** Registers a model; `upsert` overwrites an existing name + version instead of failing with DUPLICATE_MODEL. */
  registerModel(input: RegisterModelInput, options?: RegisterOptions): Promise<RegistryResult<ModelRecord>>
  /** Changes the status of one version, checking the transition. */
  updateStatus(
    modelName: string,
    modelVersion: string,
    status: ModelStatus,
    options?: ChangeOptions,
  ): Promise<RegistryResult<ModelRecord>>
  /** Updates the validation and/or test score. */
  updateScores(
    modelName: string,
    modelVersion: string,
    scores: { validationScore?: number | null; testScore?: number | null },
  ): Promise<RegistryResult<ModelRecord>>
  /** Deploys a version and deprecates the other deployed versions of that name, in one transaction. */
  promote(
    modelName: string,
    modelVersion: string,
    options?: ChangeOptions,
  ): Promise<RegistryResult<ModelRecord>>
  /** Re-deploys the version that was deployed before the current one (from history). */
  rollback(modelName: string, options?: ChangeOptions): Promise<RegistryResult<ModelRecord>>
  /** Registrations and status changes of a model (optionally one version), oldest first. */
  history(modelName: string, modelVersion?: string): Promise<RegistryResult<ModelEvent[]>>
  /**
   * Routes `percent` % (0 to 100) of the keys to `modelVersion` beside the deployed version
   * (a canary). The version must be validated (it becomes shadow) or shadow. Promote and
   * rollback end the canary.
   */
  setCanary(
    modelName: string,
    modelVersion: string,
    percent: number,
    options?: ChangeOptions,
  ): Promise<RegistryResult<CanaryRecord>>
  /** Ends the canary of `modelName`: every key meets the deployed version again (null when there was none). */
  endCanary(modelName: string, options?: ChangeOptions): Promise<RegistryResult<CanaryRecord | null>>
  /** Canary weights, by model name. */
  listCanaries(options?: { tier?: TierRequirement }): Promise<RegistryResult<CanaryRecord[]>>
  /** Calls `callback` for every change of `ml_models`; resolves to a function that stops watching. */
  watch(callback: (change: ModelChange) => void): Promise<RegistryResult<() => Promise<void>>>
  /** The version `ref` names for `modelName`: a version as it is, an alias as the version it points at. */
  resolveVersion(modelName: string, ref: string): Promise<RegistryResult<string>>
  /**
   * Points `alias` of `modelName` at `modelVersion` (creating it), atomically: concurrent
   * moves serialise and each is one history event. A protected alias moves only with
   * `force` (ALIAS_PROTECTED); with the approval policy, a protected alias moves only to an
   * approved version (NOT_APPROVED).
   */
  setAlias(
    modelName: string,
    alias: string,
    modelVersion: string,
    options?: AliasOptions,
  ): Promise<RegistryResult<AliasRecord>>
  /** Removes an alias (a protected one only with `force`); resolves to what it pointed at. */
  removeAlias(
    modelName: string,
    alias: string,
    options?: ChangeOptions & { force?: boolean },
  ): Promise<RegistryResult<AliasRecord>>
  /** The aliases of a model (or of every model), ordered by name then alias. */
  listAliases(modelName?: string): Promise<RegistryResult<AliasRecord[]>>
  /**
   * Sets tags on a model as a whole (`modelVersion` omitted) or on one version (or alias).
   * Keys: letters, digits, `_ . - /` (at most 64); values: at most 255 characters.
   */
  setTags(
    target: { modelName: string; modelVersion?: string },
    tags: Record<string, string>,
    options?: ChangeOptions,
  ): Promise<RegistryResult<Record<string, string>>>
  /** Removes tags by key; resolves to the tags left on the target. */
  removeTags(
    target: { modelName: string; modelVersion?: string },
    keys: string[],
    options?: ChangeOptions,
  ): Promise<RegistryResult<Record<string, string>>>
  /** Tags of a model as a whole, or of one version (its own, not its model's). */
  getTags(target: {
    modelName: string
    modelVersion?: string
  }): Promise<RegistryResult<Record<string, string>>>
  /** Records a version as approved (who: the registry's actor; why: `reason`). */
  approve(
    modelName: string,
    modelVersion: string,
    options?: ChangeOptions,
  ): Promise<RegistryResult<ApprovalRecord>>
  /** Records a version as rejected. */
  reject(
    modelName: string,
    modelVersion: string,
    options?: ChangeOptions,
  ): Promise<RegistryResult<ApprovalRecord>>
  /** The approval of a version (`pending` when nobody decided). */
  getApproval(modelName: string, modelVersion: string): Promise<RegistryResult<ApprovalRecord>>
  /** The files recorded at registration, with their sha256 (empty for rows registered without them). */
  fileHashes(modelName: string, modelVersion: string): Promise<RegistryResult<FileRecord[]>>
  /**
   * Wraps a package loader so that every file it reads is checked against the sha256
   * recorded at registration (INTEGRITY_MISMATCH naming the file; versions registered
   * without hashes load as before). The ensemble uses it by default.
   */
  integrityLoader<S extends CheckedSource, P>(base: CheckedLoader<S, P>): CheckedLoader<S, P>
  /** Everything about one version: row, aliases, tags, approval, lineage, signature, files, history. */
  describeModel(modelName: string, modelVersion?: string): Promise<RegistryResult<ModelDetails>>
  /**
   * Uploads one package file into the registry, content-addressed by sha256: a file already
   * stored is not uploaded again. Chunks are written as they come; the sha256 and size are
   * checked at the end (INTEGRITY_MISMATCH, nothing kept). The version must have recorded
   * this file with the same sha256.
   */
  storeArtifact(
    modelName: string,
    modelVersion: string,
    file: ArtifactUpload,
  ): Promise<RegistryResult<FileRecord>>
  /**
   * The stored bytes of a version's file, chunk by chunk (undefined when the file is not
   * stored). Each chunk is read when asked for; the hash is checked as they pass and a
   * mismatch throws INTEGRITY_MISMATCH at the end.
   */
  readArtifact(
    modelName: string,
    modelVersion: string,
    path: string,
  ): Promise<
    RegistryResult<{ sha256: string; sizeBytes: number; chunks: AsyncIterable<Uint8Array> } | undefined>
  >
  /** Closes the database connection. */
  close(): Promise<void>
}
