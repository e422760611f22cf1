// Migration 012 moves the features of predictions written before it (one JSONB per row in
// ml_predictions) into ml_prediction_features, once per record hash, with the latest time
// that used them; drift then reads them as before.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { driftReport } from '../../src/monitor/index.ts'
import { migrations, runMigrations, type SqlClient } from '../../src/registry/index.ts'
import { engines } from '../registry/engines.ts'

const before012 = migrations.filter((m) => m.id < 12)
const only012 = migrations.filter((m) => m.id === 12)

describe.each(engines)('upgrade of the prediction store to 012 on $name', (engine) => {
  let client: SqlClient

  beforeAll(async () => {
    client = await engine.freshClient()
    await runMigrations(client, before012)
  })
  afterAll(async () => {
    await client?.close()
  })

  it('keeps every prediction and moves each record once, with its latest time', async () => {
    const votes = JSON.stringify([
      { n: 'm', v: 'v1', r: 'deployed', s: 'BULLISH', c: 0.6, p: [0.1, 0.3, 0.6], o: [0.6], w: 1 },
    ])
    const old = [
      ['a', '2026-01-01T00:00:00Z', 'h1', { x: 1, y: null }],
      ['b', '2026-01-02T00:00:00Z', 'h1', { x: 1, y: null }],
      ['c', '2026-01-03T00:00:00Z', 'h2', { x: 3, y: 4 }],
    ] as const
    for (const [uid, at, hash, features] of old)
      await client.query(
        `INSERT INTO ml_predictions (prediction_uid, predicted_at, request_key, record_hash, features, votes)
         VALUES ($1, $2::timestamptz, $1, $3, $4::text::jsonb, $5::text::jsonb)`,
        [uid, at, hash, JSON.stringify(features), votes],
      )
    expect((await runMigrations(client, only012)).applied).toEqual(['012_prediction_features'])
    const kept = await client.query<{ request_key: string; x: number; y: number | null }>(
      `SELECT p.request_key, (f.features->>'x')::float8 AS x, (f.features->>'y')::float8 AS y
       FROM ml_predictions p JOIN ml_prediction_features f USING (record_hash) ORDER BY p.request_key`,
    )
    expect(kept).toEqual([
      { request_key: 'a', x: 1, y: null },
      { request_key: 'b', x: 1, y: null },
      { request_key: 'c', x: 3, y: 4 },
    ])
    const records = await client.query<{ record_hash: string; last_seen: Date | string }>(
      'SELECT record_hash, last_seen FROM ml_prediction_features ORDER BY record_hash',
    )
    expect(records.map((r) => [r.record_hash, new Date(r.last_seen).toISOString()])).toEqual([
      ['h1', '2026-01-02T00:00:00.000Z'],
      ['h2', '2026-01-03T00:00:00.000Z'],
    ])
    // Drift reads the moved records: x's live mean over the three predictions is 5/3.
    const drift = await driftReport(
      client,
      'm',
      async () => ({ featureNames: ['x', 'y'], mean: [0, 0], std: [1, 1] }),
      { since: new Date('2025-12-31T00:00:00Z'), minCount: 1 },
    )
    const x = drift.versions[0].features.find((f) => f.feature === 'x')!
    expect(x.count).toBe(3)
    expect(x.liveMean).toBeCloseTo(5 / 3, 12)
    expect(drift.versions[0].features.find((f) => f.feature === 'y')!.count).toBe(1)
  })
})
