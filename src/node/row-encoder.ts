// The prediction store's rows built on a worker thread: `createPredictionStore(client,
// { encoder: createRowEncoderWorker() })`. The application's thread only packs each
// analysis's numbers (on the request path) and posts a batch's typed array; formatting the
// JSON text, the store's main cost on the application's thread, happens on the worker. A
// worker that fails or dies makes the store encode on its own thread: no row is lost.
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { EncodedBatch, PackedBatch, RowEncoder } from '../monitor/index.ts'

/** Options of `createRowEncoderWorker`. */
export interface RowEncoderWorkerOptions {
  /** The worker's module (default: row-encoder-worker next to this file). */
  workerUrl?: URL
}

interface Reply {
  id: number
  rows?: string
  features?: string
  error?: string
}

/** The worker: JavaScript next to this file once built; from the sources, TypeScript through tsx. */
function startWorker(workerUrl: URL | undefined): Worker {
  const options = { execArgv: [] }
  if (workerUrl) return new Worker(workerUrl, options)
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./row-encoder-worker.js', import.meta.url), options)
  // Loader hooks given to the parent (tsx) do not reach a worker's entry module on Node
  // 20, so the worker registers tsx itself before importing the TypeScript worker.
  const tsx = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href
  const entry = new URL('./row-encoder-worker.ts', import.meta.url).href
  const source = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}) })`
  return new Worker(source, { ...options, eval: true })
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
  const pending = new Map<number, { resolve: (e: EncodedBatch) => void; reject: (e: Error) => void }>()

  function failAll(error: Error): void {
    for (const { reject } of pending.values()) reject(error)
    pending.clear()
  }

  function running(): Worker {
    if (worker) return worker
    const started = startWorker(options.workerUrl)
    prefixesSent = 0
    layoutsSent = 0
    started.unref()
    started.on('message', (reply: Reply) => {
      const waiting = pending.get(reply.id)
      if (!waiting) return
      pending.delete(reply.id)
      if (pending.size === 0) started.unref()
      if (reply.error !== undefined) waiting.reject(new Error(`row encoder worker: ${reply.error}`))
      else waiting.resolve({ rows: reply.rows ?? '[]', features: reply.features ?? '[]' })
    })
    const gone = (error: Error) => {
      if (worker === started) worker = undefined
      failAll(error)
    }
    started.on('error', (error) => gone(error instanceof Error ? error : new Error(String(error))))
    started.on('exit', (code) => gone(new Error(`row encoder worker exited (code ${code})`)))
    worker = started
    return started
  }

  return {
    encode(batch: PackedBatch): Promise<EncodedBatch> {
      if (closed) return Promise.reject(new Error('row encoder worker closed'))
      const target = running()
      const id = nextId++
      const message = {
        id,
        batch: {
          ...batch,
          prefixes: batch.prefixes.slice(prefixesSent),
          layouts: batch.layouts.slice(layoutsSent),
        },
        prefixFrom: prefixesSent,
        layoutFrom: layoutsSent,
      }
      const reply = new Promise<EncodedBatch>((resolve, reject) => pending.set(id, { resolve, reject }))
      target.ref()
      target.postMessage(message)
      prefixesSent = batch.prefixes.length
      layoutsSent = batch.layouts.length
      return reply
    },
    async close() {
      closed = true
      const stopping = worker
      worker = undefined
      failAll(new Error('row encoder worker closed'))
      await stopping?.terminate()
    },
  }
}
