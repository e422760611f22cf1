// Canary weights: a version of a model serving a share of the traffic beside the deployed
// one (`ml_model_canaries`, migration 011). The registry stores the weight; every ensemble
// routes by it and hears of changes through the leafwise_models channel.
import type { SqlClient, SqlQueryable } from './client.ts'
import { RegistryError, type TierRequirement, tierRank } from './types.ts'

/** A canary: `modelVersion` of `modelName` serves `weightPercent` % of the keys. */
export interface CanaryRecord {
  modelName: string
  modelVersion: string
  /** Share of the keys routed to this version, 0 to 100 (two decimals). */
  weightPercent: number
  reason: string | null
  actor: string
  updatedAt: Date
}

const columns =
  'c.model_name, c.model_version, c.weight_percent::float8 AS weight_percent, c.reason, c.actor, c.updated_at'

function toCanary(row: Record<string, unknown>): CanaryRecord {
  return {
    modelName: String(row.model_name),
    modelVersion: String(row.model_version),
    weightPercent: Number(row.weight_percent),
    reason: (row.reason as string | null) ?? null,
    actor: String(row.actor),
    updatedAt: new Date(row.updated_at as string),
  }
}

/**
 * Sets (or changes) the canary of `name` inside a transaction: the version must be `shadow`
 * or `validated` (a validated one becomes shadow: it runs beside the deployed version for
 * the keys not routed to it). `percent` is checked by the caller.
 */
export async function setCanaryIn(
  tx: SqlQueryable,
  name: string,
  version: string,
  percent: number,
  reason: string | undefined,
  actor: string | undefined,
): Promise<CanaryRecord> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`leafwise:model:${name}`])
  const rows = await tx.query<{ status: string | null }>(
    'SELECT status FROM ml_models WHERE model_name = $1 AND model_version = $2 FOR UPDATE',
    [name, version],
  )
  if (rows.length === 0)
    throw new RegistryError(
      'MODEL_NOT_FOUND',
      `Model not found: ${name} ${version}: register it before a canary`,
    )
  const status = rows[0].status ?? 'deployed'
  if (status !== 'shadow' && status !== 'validated')
    throw new RegistryError(
      'INVALID_TRANSITION',
      `${name} ${version} is ${status}: a canary must be a validated or shadow version (the deployed one serves the rest)`,
    )
  if (status === 'validated')
    await tx.query(`UPDATE ml_models SET status = 'shadow' WHERE model_name = $1 AND model_version = $2`, [
      name,
      version,
    ])
  const saved = await tx.query(
    `INSERT INTO ml_model_canaries AS c (model_name, model_version, weight_percent, reason, actor)
     VALUES ($1, $2, $3, $4, COALESCE(NULLIF($5, ''), current_user))
     ON CONFLICT (model_name) DO UPDATE SET model_version = EXCLUDED.model_version,
       weight_percent = EXCLUDED.weight_percent, reason = EXCLUDED.reason, actor = EXCLUDED.actor, updated_at = NOW()
     RETURNING ${columns}`,
    [name, version, percent, reason ?? null, actor ?? ''],
  )
  return toCanary(saved[0])
}

/** Ends the canary of `name` (the version stays in shadow); resolves to the ended canary, if any. */
export async function endCanaryIn(tx: SqlQueryable, name: string): Promise<CanaryRecord | null> {
  const rows = await tx.query(
    `DELETE FROM ml_model_canaries AS c WHERE c.model_name = $1 RETURNING ${columns}`,
    [name],
  )
  return rows.length ? toCanary(rows[0]) : null
}

/** Canaries whose model a caller at `tier` may use (all without `tier`), by name. */
export async function selectCanaries(client: SqlClient, tier?: TierRequirement): Promise<CanaryRecord[]> {
  const rows = await client.query(
    `SELECT ${columns} FROM ml_model_canaries c
     JOIN ml_models m ON m.model_name = c.model_name AND m.model_version = c.model_version
     WHERE $1::int IS NULL OR (CASE COALESCE(m.tier_requirement, 'premium') WHEN 'free' THEN 0 WHEN 'premium' THEN 1 ELSE 2 END) <= $1::int
     ORDER BY c.model_name`,
    [tier === undefined ? null : tierRank[tier]],
  )
  return rows.map(toCanary)
}
