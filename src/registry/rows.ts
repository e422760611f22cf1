// Column lists and row mapping between `ml_models` / `ml_model_events` and camelCase records.
import type { SqlRow } from './client.ts'
import type {
  ModelEvent,
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
  from_status, to_status, reason, actor, created_at`

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
    modelId: String(row.model_id),
    modelName: String(row.model_name),
    modelVersion: String(row.model_version),
    fromStatus: (row.from_status ?? null) as ModelStatus | null,
    toStatus: (row.to_status ?? null) as ModelStatus | null,
    reason: (row.reason ?? null) as string | null,
    actor: String(row.actor),
    createdAt: toDate(row.created_at),
  }
}
