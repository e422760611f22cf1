// The prediction store's rows built on a worker thread (leafwise/node's
// createRowEncoderWorker): the same rows as on the application's thread, over several
// batches; a worker that dies costs no row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRowEncoderWorker } from '../../src/node/index.ts'
import type { SqlClient } from '../../src/registry/index.ts'
import { createPgliteClient } from '../../src/registry/pglite.ts'
import { features } from '../ensemble/support.ts'
import { exampleRegistry, monitoredEnsemble } from '../monitor/support.ts'

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
