// The prediction store: every analysis becomes one row of ml_predictions, written in
// batches; nothing is lost silently when the database goes away and comes back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PostgresServer, startPostgresServer } from '../../scripts/lib/postgres-server.ts'
import { createEnsemble } from '../../src/ensemble/index.ts'
import { createPredictionStore } from '../../src/monitor/index.ts'
import { jsonValue, type StoredVote } from '../../src/monitor/rows.ts'
import type { SqlClient } from '../../src/registry/index.ts'
import { createPostgresClient } from '../../src/registry/postgres.ts'
import { exampleRows, exampleSource, features } from '../ensemble/support.ts'
import { engines, freshPostgresDatabase, postgresUrl } from '../registry/engines.ts'
import { exampleRegistry, monitoredEnsemble } from './support.ts'

const symbols = Object.keys(features)

describe.each(engines)('prediction store on $name', (engine) => {
  let client: SqlClient

  beforeAll(async () => {
    client = await engine.freshClient()
  })
  afterAll(async () => {
    await client?.close()
  })

  it('writes every analysis (features used, votes incl. shadow, consensus, versions, latency) in batches', async () => {
    // sentiment-fusion v1.0.0 runs in shadow beside v1.1.0.
    const rows = exampleRows.map((r) =>
      r.modelVersion === 'v1.0.0' && r.modelName === 'sentiment-fusion'
        ? { ...r, status: 'shadow' as const }
        : r,
    )
    const registry = await exampleRegistry(client, rows)
    const { ensemble, store } = await monitoredEnsemble(client, registry, {
      batchSize: 7,
      flushIntervalMs: 60_000,
    })
    const analyses = []
    for (let i = 0; i < 60; i++) {
      const id = symbols[i % symbols.length]
      analyses.push(ensemble.analyze(features[id], { id }))
    }
    analyses.push(
      ...ensemble.analyzeMany(
        symbols.slice(0, 5).map((s) => features[s]),
        { ids: symbols.slice(0, 5) },
      ),
    )
    const stats = await store.close()
    expect(stats.lastError).toBeUndefined()
    expect(stats).toMatchObject({ accepted: 65, written: 65, queued: 0, dropped: 0 })

    const stored = await client.query<{
      request_key: string
      features: unknown
      votes: unknown
      consensus: unknown
      generation: number
      latency_ms: number
      tier: string
      record_hash: string
    }>(
      `SELECT p.request_key, f.features, p.votes, p.consensus, p.generation, p.latency_ms, p.tier, p.record_hash
       FROM ml_predictions p JOIN ml_prediction_features f USING (record_hash) ORDER BY p.prediction_id`,
    )
    expect(stored).toHaveLength(65)
    const hashes = new Map<string, string>()
    for (let i = 0; i < 65; i++) {
      const row = stored[i]
      const analysis = analyses[i]
      expect(row.request_key).toBe(analysis.id)
      expect(row.generation).toBe(analysis.generation)
      expect(row.tier).toBe('enterprise')
      expect(Number(row.latency_ms)).toBeCloseTo(analysis.latencyMs, 9)
      const votes = jsonValue<StoredVote[]>(row.votes)
      const expected = [
        ...analysis.votes.map((v) => ({ ...v, role: 'deployed' })),
        ...analysis.shadowVotes.map((v) => ({ ...v, role: 'shadow' })),
      ]
      expect(votes.map((v) => `${v.n}/${v.v}:${v.r}:${v.s}`)).toEqual(
        expected.map((v) => `${v.modelName}/${v.modelVersion}:${v.role}:${v.signal}`),
      )
      expect(votes.some((v) => v.r === 'shadow' && v.v === 'v1.0.0')).toBe(true)
      for (let k = 0; k < votes.length; k++) {
        expect(votes[k].p).toEqual([
          expected[k].probabilities.BEARISH,
          expected[k].probabilities.NEUTRAL,
          expected[k].probabilities.BULLISH,
        ])
        expect(votes[k].o).toEqual(expected[k].prediction)
        expect(votes[k].w).toBe(expected[k].weight)
      }
      const consensus = jsonValue<{ s: string; score: number }>(row.consensus)
      expect(consensus).toMatchObject({ s: analysis.consensus!.signal, score: analysis.consensus!.score })
      // Features used: every feature a model reads, with the record's value.
      const used = jsonValue<Record<string, number | null>>(row.features)
      const record = features[analysis.id!]
      for (const member of [...ensemble.current.deployed, ...ensemble.current.shadow]) {
        for (const name of member.package.featureNames) expect(used[name]).toBe(record[name] ?? null)
      }
      const previous = hashes.get(analysis.id!)
      if (previous !== undefined) expect(row.record_hash).toBe(previous)
      hashes.set(analysis.id!, row.record_hash)
    }
    expect(new Set(hashes.values()).size).toBe(new Set(analyses.map((a) => a.id)).size)
    await ensemble.close()
  })

  it('prunes rows older than the retention', async () => {
    // Later than the real clock, so the rows of the first test are old too.
    let clock = Date.parse('2040-01-01T00:00:00Z')
    const registry = await exampleRegistry(client, [])
    const store = createPredictionStore(client, {
      retention: '7d',
      now: () => clock,
      flushIntervalMs: 60_000,
    })
    const ensemble = await createEnsemble({
      registry,
      source: exampleSource(),
      onAnalysis: store.record,
    })
    ensemble.analyze(features[symbols[0]], { id: 'old' })
    clock += 8 * 86_400_000
    ensemble.analyze(features[symbols[0]], { id: 'new' })
    // The write is followed by the hourly retention check: 'old' and the first test's rows go.
    await store.flush()
    const left = await client.query<{ request_key: string }>('SELECT request_key FROM ml_predictions')
    expect(left.map((r) => r.request_key)).toEqual(['new'])
    // Only the feature record 'new' uses is kept.
    const records = await client.query<{ record_hash: string }>(
      'SELECT record_hash FROM ml_prediction_features',
    )
    const used = await client.query<{ record_hash: string }>('SELECT record_hash FROM ml_predictions')
    expect(records.map((r) => r.record_hash)).toEqual(used.map((r) => r.record_hash))
    clock += 8 * 86_400_000
    expect(await store.prune()).toBe(1)
    expect(await store.prune()).toBe(0)
    expect(await client.query('SELECT record_hash FROM ml_prediction_features')).toEqual([])
    await store.close()
    await ensemble.close()
  })
})

describe.skipIf(!postgresUrl)('prediction store across a PostgreSQL restart', () => {
  let server: PostgresServer

  beforeAll(async () => {
    server = await startPostgresServer()
  })
  afterAll(() => {
    server?.destroy()
  })

  async function runThroughRestart(maxQueued: number) {
    const client = createPostgresClient({ url: await freshPostgresDatabase(server.url), connectTimeout: 2 })
    const registry = await exampleRegistry(client)
    const { ensemble, store } = await monitoredEnsemble(client, registry, {
      batchSize: 20,
      flushIntervalMs: 20,
      retryMs: 50,
      maxQueued,
    })
    const analyze = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const id = symbols[i % symbols.length]
        ensemble.analyze(features[id], { id })
        if (i % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 2))
      }
    }
    await analyze(200)
    server.stop('immediate')
    await analyze(300) // while the database is down: queued
    await new Promise((resolve) => setTimeout(resolve, 300))
    const during = store.stats()
    expect(during.failedWrites).toBeGreaterThan(0)
    server.start()
    await analyze(200)
    const stats = await store.close(20_000)
    const count = (
      await client.query<{ n: number; uids: number }>(
        'SELECT count(*)::int AS n, count(DISTINCT prediction_uid)::int AS uids FROM ml_predictions',
      )
    )[0]
    await ensemble.close()
    await client.close()
    return { stats, count }
  }

  it('writes every row queued while the server was down, once', async () => {
    const { stats, count } = await runThroughRestart(100_000)
    expect(stats).toMatchObject({ accepted: 700, written: 700, dropped: 0, queued: 0 })
    expect(count).toEqual({ n: 700, uids: 700 })
  })

  it('counts what overflows a small queue as dropped, never losing a row silently', async () => {
    const { stats, count } = await runThroughRestart(50)
    expect(stats.dropped).toBeGreaterThan(0)
    expect(stats.accepted).toBe(700)
    expect(stats.written + stats.dropped).toBe(stats.accepted)
    expect(count).toEqual({ n: stats.written, uids: stats.written })
  })
})
