// The registry's vocabulary: the guide's enums as const objects, the camelCase model row,
// the result shape every call resolves to, and the stable error codes.
import { LeafwiseError } from '../errors.ts'

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
}

/** One entry of a model's history (`ml_model_events`): a registration or a status change. */
export interface ModelEvent {
  eventId: number
  modelId: string
  modelName: string
  modelVersion: string
  /** null for the registration. */
  fromStatus: ModelStatus | null
  toStatus: ModelStatus | null
  reason: string | null
  actor: string
  createdAt: Date
}

/** A change announced on the `leafwise_models` channel. */
export interface ModelChange {
  change: 'registered' | 'status' | 'updated' | 'deleted'
  eventId: number | null
  modelId: string
  modelName: string
  modelVersion: string
  fromStatus: ModelStatus | null
  toStatus: ModelStatus | null
  reason: string | null
  actor: string
  at: string
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
  /** One model by name and version, whatever its status. */
  getModel(modelName: string, modelVersion: string): Promise<RegistryResult<ModelRecord>>
  /** Deployed models, optionally only those a caller at `tier` may use. */
  getDeployedModels(options?: { tier?: TierRequirement }): Promise<RegistryResult<ModelRecord[]>>
  /** Models matching the filters, ordered by name then version. */
  listModels(filters?: ListFilters): Promise<RegistryResult<ModelRecord[]>>
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

/** The full registry API (the guide's `ModelRegistry`, and more). */
export interface ModelRegistry extends ModelReader {
  /** Applies the pending migrations. */
  migrate(): Promise<RegistryResult<MigrateReport>>
  /** Registers a model; `upsert` overwrites an existing name + version instead of failing with DUPLICATE_MODEL. */
  registerModel(
    input: RegisterModelInput,
    options?: ChangeOptions & { upsert?: boolean },
  ): Promise<RegistryResult<ModelRecord>>
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
  /** Calls `callback` for every change of `ml_models`; resolves to a function that stops watching. */
  watch(callback: (change: ModelChange) => void): Promise<RegistryResult<() => Promise<void>>>
  /** Closes the database connection. */
  close(): Promise<void>
}
