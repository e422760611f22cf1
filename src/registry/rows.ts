// Column lists and row mapping between `ml_models` / `ml_model_events` and camelCase records.
import type { SqlRow } from './client.ts'
import type {
  AliasRecord,
  ApprovalRecord,
  ApprovalState,
  ModelEvent,
  ModelEventType,
  ModelObjective,
  ModelRecord,
  ModelStatus,
  ModelType,
  PredictionHorizon,
  TierRequirement,
} from './types.ts'

// DECIMAL comes back as text from both drivers; float8 casts make it a number everywhere.
// A NULL status or tier (possible in a table made by hand) reads as the table's default.
export const modelColumns = `model_id::text AS model_id, model_name, model_version, model_type, objective,
  target_variable, prediction_horizon, validation_score::float8 AS validation_score,
  test_score::float8 AS test_score, COALESCE(tier_requirement, 'premium') AS tier_requirement,
  COALESCE(status, 'deployed') AS status, created_at, updated_at`

export const eventColumns = `event_id::int8::text AS event_id, model_id::text AS model_id, model_name, model_version,
  from_status, to_status, reason, actor, created_at, event_type, detail::text AS detail`

const toDate = (value: unknown): Date => (value instanceof Date ? value : new Date(String(value)))
const toNumber = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value)

/** A `ml_models` row as a `ModelRecord`. */
export function toModelRecord(row: SqlRow): ModelRecord {
  return {
    modelId: String(row.model_id),
    modelName: String(row.model_name),
    modelVersion: String(row.model_version),
    modelType: row.model_type as ModelType,
    objective: row.objective as ModelObjective,
    targetVariable: String(row.target_variable),
    predictionHorizon: row.prediction_horizon as PredictionHorizon,
    validationScore: toNumber(row.validation_score),
    testScore: toNumber(row.test_score),
    tierRequirement: row.tier_requirement as TierRequirement,
    status: row.status as ModelStatus,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  }
}

/** A `ml_model_events` row as a `ModelEvent`. */
export function toModelEvent(row: SqlRow): ModelEvent {
  return {
    eventId: Number(row.event_id),
    modelId: row.model_id === null || row.model_id === undefined ? null : String(row.model_id),
    modelName: String(row.model_name),
    modelVersion: String(row.model_version),
    eventType: (row.event_type ?? (row.from_status == null ? 'registered' : 'status')) as ModelEventType,
    detail: typeof row.detail === 'string' ? (JSON.parse(row.detail) as ModelEvent['detail']) : null,
    fromStatus: (row.from_status ?? null) as ModelStatus | null,
    toStatus: (row.to_status ?? null) as ModelStatus | null,
    reason: (row.reason ?? null) as string | null,
    actor: String(row.actor),
    createdAt: toDate(row.created_at),
  }
}

export const aliasColumns = 'model_name, alias, model_version, protected, updated_at, updated_by'

/** A `ml_model_aliases` row as an `AliasRecord`. */
export function toAliasRecord(row: SqlRow): AliasRecord {
  return {
    modelName: String(row.model_name),
    alias: String(row.alias),
    modelVersion: String(row.model_version),
    protected: row.protected === true || row.protected === 't',
    updatedAt: toDate(row.updated_at),
    updatedBy: String(row.updated_by),
  }
}

/** An approval row (or its absence: pending) as an `ApprovalRecord`. */
export function toApprovalRecord(name: string, version: string, row: SqlRow | undefined): ApprovalRecord {
  return {
    modelName: name,
    modelVersion: version,
    state: (row?.state ?? 'pending') as ApprovalState,
    reason: (row?.reason ?? null) as string | null,
    decidedBy: row ? String(row.decided_by) : null,
    decidedAt: row ? toDate(row.decided_at) : null,
  }
}
