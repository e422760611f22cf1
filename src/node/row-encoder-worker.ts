// The prediction store's encoder thread (row-encoder.ts): turns packed batches into the
// INSERT's JSON text, keeping the encoder's memory of records and intern tables between
// batches. A message: { id, batch, prefixFrom, layoutFrom } where the batch's tables hold
// only the entries this thread has not received yet.
import { parentPort } from 'node:worker_threads'
import { BatchEncoder, type PackedBatch, type PackedLayout } from '../monitor/index.ts'

interface Request {
  id: number
  batch: PackedBatch
  prefixFrom: number
  layoutFrom: number
}

const encoder = new BatchEncoder()
const prefixes: string[] = []
const layouts: PackedLayout[] = []

parentPort?.on('message', ({ id, batch, prefixFrom, layoutFrom }: Request) => {
  try {
    for (let i = 0; i < batch.prefixes.length; i++) prefixes[prefixFrom + i] = batch.prefixes[i]
    for (let i = 0; i < batch.layouts.length; i++) layouts[layoutFrom + i] = batch.layouts[i]
    const encoded = encoder.encode({ ...batch, prefixes, layouts })
    parentPort?.postMessage({ id, ...encoded })
  } catch (error) {
    parentPort?.postMessage({ id, error: error instanceof Error ? error.message : String(error) })
  }
})
