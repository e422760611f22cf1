// A registry populated by the release before aliases (migrations 001-004, rows and history
// written by its triggers) upgrades through 005-009 with nothing lost, on both engines.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SqlClient } from '../../src/registry/client.ts'
import { createRegistry, type ModelRegistry, migrations, runMigrations } from '../../src/registry/index.ts'
import { engines } from './engines.ts'

const released = migrations.filter((m) => m.id <= 4)

async function asOldRelease(
  client: SqlClient,
  reason: string,
  sql: string,
  params: unknown[],
): Promise<void> {
  await client.transaction(async (tx) => {
    await tx.query(
      "SELECT set_config('leafwise.reason', $1, true), set_config('leafwise.actor', 'old-cli', true)",
      [reason],
    )
    await tx.query(sql, params)
  })
}

describe.each(engines)('upgrade from migrations 001-004 on $name', (engine) => {
  let client: SqlClient
  let registry: ModelRegistry
  let modelsBefore: unknown[]
  let eventsBefore: unknown[]
  const modelsSql = 'SELECT * FROM ml_models ORDER BY model_name, model_version'
  const eventsSql = `SELECT event_id, model_id, model_name, model_version, from_status, to_status, reason, actor, created_at
    FROM ml_model_events ORDER BY event_id`

  beforeAll(async () => {
    client = await engine.freshClient()
    expect((await runMigrations(client, released)).applied).toHaveLength(4)
    for (const [version, status] of [
      ['v1.0.0', 'deployed'],
      ['v1.1.0', 'validated'],
      ['v2.0.0-beta', 'training'],
    ])
      await asOldRelease(
        client,
        'registered',
        `INSERT INTO ml_models (model_name, model_version, model_type, objective, target_variable, prediction_horizon,
           validation_score, test_score, tier_requirement, status)
         VALUES ('sentiment-fusion', $1, 'lightgbm', 'direction_classification', 'price_direction_3d', '1w', 0.51, 0.52, 'premium', $2)`,
        [version, status],
      )
    await asOldRelease(
      client,
      'promoted v1.1.0',
      "UPDATE ml_models SET status = 'deprecated' WHERE model_version = 'v1.0.0'",
      [],
    )
    await asOldRelease(
      client,
      'promoted v1.1.0',
      "UPDATE ml_models SET status = 'deployed' WHERE model_version = 'v1.1.0'",
      [],
    )
    await asOldRelease(
      client,
      'scores',
      "UPDATE ml_models SET test_score = 0.6 WHERE model_version = 'v1.1.0'",
      [],
    )
    modelsBefore = await client.query(modelsSql)
    eventsBefore = await client.query(eventsSql)
    expect(eventsBefore).toHaveLength(5)
    registry = createRegistry(client, { actor: 'new-cli' })
  })
  afterAll(async () => {
    await registry?.close()
  })

  it('applies the migrations after 004 and keeps every row and event as it was', async () => {
    const report = await registry.migrate()
    expect(report.success && report.data.applied).toEqual(
      migrations.filter((m) => m.id > 4).map((m) => m.name),
    )
    expect(report.success && report.data.applied).toContain('009_artifacts')
    expect(await client.query(modelsSql)).toEqual(modelsBefore)
    expect(await client.query(eventsSql)).toEqual(eventsBefore)
  })

  it('old events keep their meaning: registrations and status changes', async () => {
    const history = await registry.history('sentiment-fusion')
    if (!history.success) throw new Error(history.error.message)
    expect(
      history.data.map((e) => [e.eventType, e.modelVersion, e.fromStatus, e.toStatus, e.actor, e.detail]),
    ).toEqual([
      ['registered', 'v1.0.0', null, 'deployed', 'old-cli', null],
      ['registered', 'v1.1.0', null, 'validated', 'old-cli', null],
      ['registered', 'v2.0.0-beta', null, 'training', 'old-cli', null],
      ['status', 'v1.0.0', 'deployed', 'deprecated', 'old-cli', null],
      ['status', 'v1.1.0', 'validated', 'deployed', 'old-cli', null],
    ])
  })

  it('old rows take part in the new features, and rollback still reads the old history', async () => {
    expect(
      (await registry.setAlias('sentiment-fusion', 'champion', 'v1.1.0', { protect: true })).success,
    ).toBe(true)
    expect((await registry.setTags({ modelName: 'sentiment-fusion' }, { team: 'alpha' })).success).toBe(true)
    expect((await registry.approve('sentiment-fusion', 'v1.0.0')).success).toBe(true)
    const files = await registry.fileHashes('sentiment-fusion', 'v1.0.0')
    expect(files.success && files.data).toEqual([])
    const rollback = await registry.rollback('sentiment-fusion')
    expect(rollback.success && rollback.data.modelVersion).toBe('v1.0.0')
    const listed = await registry.listModels({ tags: { team: 'alpha' }, status: 'deployed' })
    expect(listed.success && listed.data.map((m) => m.modelVersion)).toEqual(['v1.0.0'])
    const history = await registry.history('sentiment-fusion')
    expect(history.success && history.data.slice(5).map((e) => e.eventType)).toEqual([
      'alias',
      'tag',
      'approval',
      'status',
      'status',
    ])
  })
})
