// The prediction store's rows built on a worker thread: `createPredictionStore(client,
// { encoder: createRowEncoderWorker() })`. The application's thread only packs each
// analysis's numbers (on the request path) and posts a batch's typed array; formatting the
// JSON text happens on the worker. Given the PostgreSQL URL (`databaseUrl`), the worker also
// runs the INSERT on its own connection, so the driver's work on megabytes of text stays off
// the application's thread too. A worker that fails or dies makes the store do the batch on
// its own thread: no row is lost.
import type { Worker } from 'node:worker_threads'
import { type EncodedBatch, EncoderFailure, type PackedBatch, type RowEncoder } from '../monitor/index.ts'
import { startNodeWorker } from './worker-start.ts'

/** Options of `createRowEncoderWorker`. */
export interface RowEncoderWorkerOptions {
  /**
   * A PostgreSQL URL: the worker writes each batch itself on one connection of its own (the
   * store's client is then used only for retention and when the worker fails). Leave out for
   * PGlite: its database lives in the process that holds it.
   */
  databaseUrl?: string
  /** The worker's module (default: row-encoder-worker next to this file). */
  workerUrl?: URL
}

interface Reply {
  id: number
  ok?: boolean
  rows?: string
  features?: string
  error?: string
  /** The error is the database's (with its SQLSTATE `code`), not the worker's. */
  database?: boolean
  code?: string
}

/** The encoder thread (row-encoder-worker.ts), or `workerUrl`. */
function startWorker(workerUrl: URL | undefined, databaseUrl: string | undefined): Worker {
  return startNodeWorker('row-encoder-worker', { workerData: { databaseUrl } }, workerUrl)
}

/**
 * An encoder for `createPredictionStore` that builds the rows' text on a worker thread
 * (started at the first batch; it does not keep the process alive while idle). The store
 * closes it on `close()`.
 */
export function createRowEncoderWorker(options: RowEncoderWorkerOptions = {}): RowEncoder {
  let worker: Worker | undefined
  let closed = false
  let nextId = 0
  /** How much of the store's intern tables the running worker has received. */
  let prefixesSent = 0
  let layoutsSent = 0
  const pending = new Map<number, { resolve: (reply: Reply) => void; reject: (e: Error) => void }>()

  function failAll(error: Error): void {
    for (const { reject } of pending.values()) reject(error)
    pending.clear()
  }

  function running(): Worker {
    if (worker) return worker
    const started = startWorker(options.workerUrl, options.databaseUrl)
    prefixesSent = 0
    layoutsSent = 0
    started.unref()
    started.on('message', (reply: Reply) => {
      const waiting = pending.get(reply.id)
      if (!waiting) return
      pending.delete(reply.id)
      if (pending.size === 0) started.unref()
      if (reply.database)
        waiting.reject(Object.assign(new Error(reply.error ?? 'database error'), { code: reply.code }))
      else if (reply.error !== undefined)
        waiting.reject(new EncoderFailure(`row encoder worker: ${reply.error}`))
      else waiting.resolve(reply)
    })
    const gone = (error: Error) => {
      if (worker === started) worker = undefined
      failAll(error)
    }
    started.on('error', (error) =>
      gone(
        new EncoderFailure(`row encoder worker: ${error instanceof Error ? error.message : String(error)}`),
      ),
    )
    started.on('exit', (code) => gone(new EncoderFailure(`row encoder worker exited (code ${code})`)))
    worker = started
    return started
  }

  /** Posts one request; resolves with the worker's reply. */
  function request(op: 'encode' | 'write', batch: PackedBatch): Promise<Reply> {
    if (closed) return Promise.reject(new EncoderFailure('row encoder worker closed'))
    const target = running()
    const id = nextId++
    const message = {
      id,
      op,
      batch: {
        ...batch,
        prefixes: batch.prefixes.slice(prefixesSent),
        layouts: batch.layouts.slice(layoutsSent),
      },
      prefixFrom: prefixesSent,
      layoutFrom: layoutsSent,
    }
    const reply = new Promise<Reply>((resolve, reject) => pending.set(id, { resolve, reject }))
    target.ref()
    target.postMessage(message)
    prefixesSent = batch.prefixes.length
    layoutsSent = batch.layouts.length
    return reply
  }

  const encoder: RowEncoder = {
    async encode(batch: PackedBatch): Promise<EncodedBatch> {
      const reply = await request('encode', batch)
      return { rows: reply.rows ?? '[]', features: reply.features ?? '[]' }
    },
    async close() {
      closed = true
      const stopping = worker
      worker = undefined
      failAll(new EncoderFailure('row encoder worker closed'))
      if (!stopping) return
      // Its database connection closed first, then the thread.
      if (options.databaseUrl) {
        const done = new Promise<void>((resolve) => {
          stopping.once('message', () => resolve())
          stopping.once('exit', () => resolve())
          setTimeout(resolve, 5000).unref()
        })
        stopping.ref()
        stopping.postMessage({ id: -1, op: 'close' })
        await done
      }
      await stopping.terminate()
    },
  }
  if (options.databaseUrl)
    encoder.write = async (batch: PackedBatch): Promise<void> => {
      await request('write', batch)
    }
  return encoder
}
