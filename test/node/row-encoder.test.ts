// The prediction store's rows built on a worker thread (leafwise/node's
// createRowEncoderWorker): the same rows as on the application's thread, over several
// batches; a worker that dies costs no row; given a PostgreSQL URL, the worker writes the
// batches itself, and the database's errors are handled as the store's own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRowEncoderWorker } from '../../src/node/index.ts'
import type { SqlClient } from '../../src/registry/index.ts'
import { createPgliteClient } from '../../src/registry/pglite.ts'
import { createPostgresClient } from '../../src/registry/postgres.ts'
import { features } from '../ensemble/support.ts'
import { exampleRegistry, monitoredEnsemble } from '../monitor/support.ts'
import { freshPostgresDatabase, postgresUrl } from '../registry/engines.ts'

const symbols = Object.keys(features)

/** Every stored row of `client`, without what differs between writers (uid, id, time). */
async function storedRows(client: SqlClient) {
  const rows = await client.query<Record<string, unknown>>(
    `SELECT p.request_key, p.record_hash, p.tier, p.generation, p.consensus, p.votes, p.errors, f.features
     FROM ml_predictions p JOIN ml_prediction_features f USING (record_hash)
     ORDER BY p.prediction_uid`,
  )
  return rows.map((r) => JSON.stringify(r))
}

describe('createRowEncoderWorker', () => {
  const clients: SqlClient[] = []
  beforeAll(() => {
    for (let i = 0; i < 3; i++) clients.push(createPgliteClient({ dataDir: 'memory' }))
  })
  afterAll(async () => {
    for (const client of clients) await client.close()
  })

  /** 90 analyses (every 9th record missing a feature) through a store with `encoder`, in batches of 16. */
  async function run(client: SqlClient, encoder: ReturnType<typeof createRowEncoderWorker> | undefined) {
    const registry = await exampleRegistry(client)
    const { ensemble, store } = await monitoredEnsemble(client, registry, {
      batchSize: 16,
      flushIntervalMs: 60_000,
      encoder,
    })
    for (let i = 0; i < 90; i++) {
      const id = symbols[i % symbols.length]
      const record = i % 9 === 4 ? { ...features[id], rsi_14: null } : features[id]
      ensemble.analyze(record, { id })
      if (i % 30 === 29) await store.flush()
    }
    const stats = await store.close()
    return { stats, rows: await storedRows(client) }
  }

  it('stores exactly the rows the application thread would, in batches, closing the worker', async () => {
    const here = await run(clients[0], undefined)
    const encoder = createRowEncoderWorker()
    const there = await run(clients[1], encoder)
    expect(there.stats).toMatchObject({
      accepted: 90,
      written: 90,
      queued: 0,
      dropped: 0,
      encoderFailures: 0,
    })
    expect(there.stats.lastError).toBeUndefined()
    expect(there.rows).toHaveLength(90)
    expect(there.rows).toEqual(here.rows)
    // Closed with the store: it encodes no more.
    await expect(
      encoder.encode({ nums: new Float64Array(0), count: 0, strs: [], tag: 't', prefixes: [], layouts: [] }),
    ).rejects.toThrow(/closed/)
  })

  it('a worker that dies loses no row: the store encodes on its own thread', async () => {
    const encoder = createRowEncoderWorker({
      workerUrl: new URL('./fixtures/dying-encoder-worker.mjs', import.meta.url),
    })
    const died = await run(clients[2], encoder)
    expect(died.stats).toMatchObject({ accepted: 90, written: 90, queued: 0, dropped: 0 })
    expect(died.stats.encoderFailures).toBeGreaterThanOrEqual(3)
    expect(died.rows).toEqual(await storedRows(clients[0]))
  })
})

describe.skipIf(!postgresUrl)('createRowEncoderWorker({ databaseUrl }) on PostgreSQL', () => {
  /** A client that refuses the store's INSERT: only the worker's own connection can write rows. */
  function withoutInserts(client: SqlClient): SqlClient {
    return {
      ...client,
      query: (sql: string, params?: unknown[]) =>
        sql.includes('INSERT INTO ml_predictions')
          ? Promise.reject(Object.assign(new Error('this client does not insert'), { code: '0A000' }))
          : client.query(sql, params as never),
    } as SqlClient
  }

  it('the worker writes every batch on its own connection: the same rows as the application thread', async () => {
    const hereUrl = await freshPostgresDatabase(postgresUrl as string)
    const thereUrl = await freshPostgresDatabase(postgresUrl as string)
    const hereClient = createPostgresClient({ url: hereUrl })
    const thereClient = createPostgresClient({ url: thereUrl })
    try {
      const registry = await exampleRegistry(hereClient)
      const here = await monitoredEnsemble(hereClient, registry, { batchSize: 16, flushIntervalMs: 60_000 })
      const thereRegistry = await exampleRegistry(thereClient)
      const there = await monitoredEnsemble(withoutInserts(thereClient), thereRegistry, {
        batchSize: 16,
        flushIntervalMs: 60_000,
        encoder: createRowEncoderWorker({ databaseUrl: thereUrl }),
      })
      for (let i = 0; i < 70; i++) {
        const id = symbols[i % symbols.length]
        here.ensemble.analyze(features[id], { id })
        there.ensemble.analyze(features[id], { id })
      }
      await here.store.close()
      const stats = await there.store.close()
      expect(stats).toMatchObject({ accepted: 70, written: 70, queued: 0, dropped: 0, encoderFailures: 0 })
      expect(stats.lastError).toBeUndefined()
      const rows = await storedRows(thereClient)
      expect(rows).toHaveLength(70)
      expect(rows).toEqual(await storedRows(hereClient))
    } finally {
      await hereClient.close()
      await thereClient.close()
    }
  })

  it("the database's errors stay the database's: retried and counted, not moved to this thread", async () => {
    const url = await freshPostgresDatabase(postgresUrl as string)
    const client = createPostgresClient({ url })
    try {
      const registry = await exampleRegistry(client)
      // The worker's server is away (a closed port): its writes fail as unavailable.
      const away = new URL(url)
      away.port = '9'
      const { ensemble, store } = await monitoredEnsemble(client, registry, {
        batchSize: 8,
        flushIntervalMs: 60_000,
        retryMs: 20,
        encoder: createRowEncoderWorker({ databaseUrl: away.toString() }),
      })
      for (let i = 0; i < 20; i++) ensemble.analyze(features[symbols[i % symbols.length]], { id: 'x' })
      const flushed = await store.flush()
      expect(flushed.failedWrites).toBeGreaterThanOrEqual(1)
      expect(flushed.lastError).toMatch(/ECONNREFUSED|connect/i)
      expect(flushed).toMatchObject({ written: 0, queued: 20, encoderFailures: 0 })
      const closed = await store.close(300)
      expect(closed).toMatchObject({ accepted: 20, written: 0, queued: 0, dropped: 20 })
      const count = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM ml_predictions')
      expect(count[0].n).toBe(0)
    } finally {
      await client.close()
    }
  })
})
