// The prediction store's worker thread (row-encoder.ts): turns packed batches into the
// INSERT's JSON text, keeping the encoder's memory of records and intern tables between
// batches; given a PostgreSQL URL (workerData.databaseUrl) it also runs the INSERT on its
// own connection, so the text never crosses back to the application's thread.
// A message: { id, op: 'encode' | 'write', batch, prefixFrom, layoutFrom }, the batch's
// tables holding only the entries this thread has not received yet; or { id, op: 'close' }.
import { parentPort, workerData } from 'node:worker_threads'
import { BatchEncoder, type PackedBatch, type PackedLayout } from '../monitor/index.ts'
import { INSERT_PREDICTIONS_SQL } from '../monitor/internal.ts'
import type { SqlClient } from '../registry/index.ts'
import { errorCode } from '../registry/internal.ts'
import { createPostgresClient } from '../registry/postgres.ts'

interface Request {
  id: number
  op: 'encode' | 'write' | 'close'
  batch: PackedBatch
  prefixFrom: number
  layoutFrom: number
}

const encoder = new BatchEncoder()
const prefixes: string[] = []
const layouts: PackedLayout[] = []
const databaseUrl = (workerData as { databaseUrl?: string } | undefined)?.databaseUrl
let client: SqlClient | undefined

async function handle({ id, op, batch, prefixFrom, layoutFrom }: Request): Promise<unknown> {
  if (op === 'close') {
    await client?.close()
    client = undefined
    return { id, ok: true }
  }
  try {
    for (let i = 0; i < batch.prefixes.length; i++) prefixes[prefixFrom + i] = batch.prefixes[i]
    for (let i = 0; i < batch.layouts.length; i++) layouts[layoutFrom + i] = batch.layouts[i]
    const encoded = encoder.encode({ ...batch, prefixes, layouts })
    if (op === 'encode') return { id, ...encoded }
    if (!databaseUrl) return { id, error: 'no database URL given to the worker' }
    client ??= createPostgresClient({ url: databaseUrl, max: 1 })
    try {
      await client.query(INSERT_PREDICTIONS_SQL, [encoded.rows, encoded.features])
      return { id, ok: true }
    } catch (error) {
      // The database's answer: the store retries or drops as for its own writes.
      return {
        id,
        database: true,
        error: error instanceof Error ? error.message : String(error),
        code: errorCode(error),
      }
    }
  } catch (error) {
    return { id, error: error instanceof Error ? error.message : String(error) }
  }
}

// One request at a time, in order: a write finishes before the next batch is encoded.
let chain: Promise<void> = Promise.resolve()
parentPort?.on('message', (request: Request) => {
  chain = chain.then(async () => parentPort?.postMessage(await handle(request)))
})
