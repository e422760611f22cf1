// Parallel batches: worker threads that each walk ranges of rows (taking the next as they finish) with the
// WebAssembly table walk (wasm-walk.ts, numeric forests: its module compiled once on the
// calling thread, its records copied once into each worker's memory), the nested
// WebAssembly kernel (wasm-kernel.ts: the module compiled once on the calling thread and
// shared by every worker, so its machine code is made once) or, where WebAssembly cannot
// serve the forest, the compiled kernel (compile.ts, compiled once per worker, reading the
// leaf tables through SharedArrayBuffer copies made once per model). Rows and outputs
// travel through shared memory, so a batch costs one small message per worker (rows and
// an `out` already on a SharedArrayBuffer are used in place, others copied once). Each
// row's sum runs tree by tree in LightGBM's order inside one thread, so the bits are
// those of the one-thread kernels.

import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { type Forest, type Model, PredictionError } from '../lightgbm/index.ts'
import {
  applyTransform,
  canCompileWasm,
  DATA_NAMES,
  dataOf,
  generateSource,
  PRELUDE,
  walkShareOf,
  wasmCovers,
  wasmModuleBytes,
} from '../lightgbm/internal.ts'

/** Options of `predictParallel`. */
export interface ParallelOptions {
  /** Worker threads (default: the machine's available parallelism, at most 8). */
  threads?: number
  /** Raw scores instead of transformed predictions. */
  raw?: boolean
  /** Below this many rows the batch runs on the calling thread (default 4,000). */
  minRows?: number
  /** Output buffer to fill (numRows * numClass values); on a SharedArrayBuffer the workers write it in place. */
  out?: Float64Array
}

/** Forests above this many internal nodes are not compiled; their batches stay on the calling thread. */
const MAX_NODES = 1_000_000

/** A batch goes to the workers in this many ranges a worker, taken as each finishes its last. */
const RANGES_PER_THREAD = 4

/** Rows each call of the WebAssembly module walks (as WasmForest's default). */
const WASM_BLOCK_ROWS = 1024

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const { names, data, source, numFeatures, width, wasm, walk } = workerData
let predictRawAll
// A module's raw scores in blocks: each block's rows copied to rowsBase, its outputs zeroed
// at outBase, run(count), the outputs copied out.
const inBlocks = (memory, rowsBase, outBase, blockRows, run) => {
  const rowsView = new Float64Array(memory.buffer, rowsBase, blockRows * numFeatures)
  const outView = new Float64Array(memory.buffer, outBase, blockRows * width)
  return (rows, numRows, out) => {
    for (let s = 0; s < numRows; s += blockRows) {
      const count = Math.min(blockRows, numRows - s)
      rowsView.set(rows.subarray(s * numFeatures, (s + count) * numFeatures))
      outView.fill(0, 0, count * width)
      run(count)
      out.set(outView.subarray(0, count * width), s * width)
    }
  }
}
if (walk) {
  // The table walk (wasm-walk.ts WalkShare): the records copied into this thread's memory.
  const { module, image, raw, out: outBase, blockRows, bytes, trees, chains } = walk
  const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) })
  new Uint8Array(memory.buffer).set(image)
  const { batch, chain } = new WebAssembly.Instance(module, { env: { memory } }).exports
  predictRawAll = inBlocks(memory, raw, outBase, blockRows, (count) =>
    chains >= 0 ? chain(raw, outBase, count, 0, chains) : batch(raw, outBase, count, 0, trees),
  )
} else if (wasm) {
  // Memory: [catWords][outputs of a block][rows of a block], as WasmForest lays it out.
  const { module, catWords, blockRows } = wasm
  const outBase = (catWords.length * 4 + 7) & ~7
  const rowsBase = outBase + blockRows * width * 8
  const pages = Math.max(1, Math.ceil((rowsBase + blockRows * numFeatures * 8) / 65536))
  const memory = new WebAssembly.Memory({ initial: pages })
  new Uint32Array(memory.buffer, 0, catWords.length).set(catWords)
  const block = new WebAssembly.Instance(module, { env: { memory } }).exports.block
  predictRawAll = inBlocks(memory, rowsBase, outBase, blockRows, (count) => block(rowsBase, outBase, count))
} else {
  predictRawAll = new Function(...names, "'use strict'\\n" + source + 'return predictRawAll')(
    ...names.map((name) => data[name]),
  )
}
parentPort.on('message', ({ id, rows, rowsOffset, out, outOffset, start, end }) => {
  const count = end - start
  predictRawAll(
    new Float64Array(rows, rowsOffset + start * numFeatures * 8, count * numFeatures),
    count,
    new Float64Array(out, outOffset + start * width * 8, count * width),
  )
  parentPort.postMessage(id)
})
`

interface Pool {
  workers: Worker[]
  /** Per posted range: settles its promise (with an error when the pool stopped first). */
  pending: Map<number, (error?: Error) => void>
  /** Why the pool stopped (a worker failed or exited, or shutdownParallel): its batches reject. */
  stopped?: Error
  rows: SharedArrayBuffer
  out: SharedArrayBuffer
  /** Batches on one pool run one after the other: they share its row and output buffers. */
  queue: Promise<unknown>
}

const pools = new Map<Forest, Pool>()
let nextId = 0

function shared<T extends Float64Array | Int32Array | Uint32Array>(values: T): T {
  const copy = new (values.constructor as new (buffer: SharedArrayBuffer) => T)(
    new SharedArrayBuffer(values.byteLength),
  )
  copy.set(values as never)
  return copy
}

/** Stops a pool: later batches on it and those waiting on its workers reject with `error`. */
function stopPool(pool: Pool, forest: Forest, error: Error): void {
  if (pool.stopped) return
  pool.stopped = error
  if (pools.get(forest) === pool) pools.delete(forest)
  for (const settle of pool.pending.values()) settle(error)
  pool.pending.clear()
  for (const worker of pool.workers) void worker.terminate()
}

/** The forest's WebAssembly module, compiled once for every worker; undefined where it cannot serve. */
function wasmModule(
  forest: Forest,
  shape: { numFeatures: number; width: number },
): WebAssembly.Module | undefined {
  if (!canCompileWasm() || !wasmCovers(forest)) return undefined
  try {
    return new WebAssembly.Module(wasmModuleBytes(forest, shape, 0))
  } catch {
    return undefined
  }
}

function poolOf(model: Model, threads: number): Pool {
  const known = pools.get(model.forest)
  if (known && known.workers.length === threads) return known
  if (known) stopPool(known, model.forest, new PredictionError('predictParallel: the pool was replaced'))
  const shape = { numFeatures: model.numFeatures, width: model.numClass }
  const workerData: Record<string, unknown> = { names: DATA_NAMES, ...shape }
  // The walk `auto` uses (built now if need be): its records are written once.
  const walk = walkShareOf(model.forest, shape)
  const module = walk ? undefined : wasmModule(model.forest, shape)
  if (walk) workerData.walk = walk
  else if (module) {
    workerData.wasm = { module, catWords: model.forest.catWords, blockRows: WASM_BLOCK_ROWS }
  } else {
    const data: Record<string, unknown> = {}
    for (const [name, values] of Object.entries(dataOf(model.forest))) {
      data[name] = shared(values as Float64Array | Int32Array | Uint32Array)
    }
    workerData.data = data
    workerData.source = PRELUDE + generateSource(model.forest, shape, 'raw')
  }
  const pending = new Map<number, (error?: Error) => void>()
  const workers = Array.from({ length: threads }, () => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData,
    })
    worker.on('message', (id: number) => {
      pending.get(id)?.()
      pending.delete(id)
    })
    // A worker that fails or exits would leave its batch waiting forever: stop the pool.
    worker.once('error', (error) =>
      stopPool(
        pool,
        model.forest,
        new PredictionError(`predictParallel: a worker thread failed: ${error.message}`),
      ),
    )
    worker.once('exit', () =>
      stopPool(pool, model.forest, new PredictionError('predictParallel: a worker thread stopped')),
    )
    worker.unref()
    return worker
  })
  const pool: Pool = {
    workers,
    pending,
    rows: new SharedArrayBuffer(8),
    out: new SharedArrayBuffer(8),
    queue: Promise.resolve(),
  }
  pools.set(model.forest, pool)
  return pool
}

/**
 * Predicts a batch on worker threads; resolves to the same values (bits) as
 * `model.predict(rows)` (or `predictRaw` with `raw: true`). Small batches and models
 * too large to compile run on the calling thread. Rows on a SharedArrayBuffer are read in
 * place (do not change them until the promise settles); others are copied once.
 */
export async function predictParallel(
  model: Model,
  rows: Float64Array,
  options: ParallelOptions = {},
): Promise<Float64Array> {
  const numFeatures = model.numFeatures
  const width = model.numClass
  const numRows = rows.length / numFeatures
  const threads = Math.max(1, Math.min(options.threads ?? Math.min(availableParallelism(), 8), numRows))
  const out = options.out ?? new Float64Array(numRows * width)
  if (
    !Number.isInteger(numRows) ||
    threads < 2 ||
    numRows < (options.minRows ?? 4000) ||
    model.forest.splitFeature.length > MAX_NODES
  ) {
    return options.raw ? model.predictRaw(rows, out) : model.predict(rows, out)
  }
  const pool = poolOf(model, threads)
  const turn = pool.queue.then(() => runBatch(pool, rows, numRows, width, out))
  pool.queue = turn.catch(() => undefined)
  await turn
  if (!options.raw) {
    const divisor = model.info.averageOutput ? model.numIterations : 1
    applyTransform(model.info.objective, out, numRows, width, divisor)
  }
  return out
}

async function runBatch(
  pool: Pool,
  rows: Float64Array,
  numRows: number,
  width: number,
  out: Float64Array,
): Promise<void> {
  if (pool.stopped) throw pool.stopped
  const threads = pool.workers.length
  // Rows and outputs on a SharedArrayBuffer are used in place; others go through the pool's.
  let rowsBuffer: SharedArrayBuffer
  let rowsOffset = 0
  if (rows.buffer instanceof SharedArrayBuffer) {
    rowsBuffer = rows.buffer
    rowsOffset = rows.byteOffset
  } else {
    if (pool.rows.byteLength < rows.byteLength) pool.rows = new SharedArrayBuffer(rows.byteLength)
    new Float64Array(pool.rows, 0, rows.length).set(rows)
    rowsBuffer = pool.rows
  }
  const outInPlace = out.buffer instanceof SharedArrayBuffer
  let outBuffer: SharedArrayBuffer
  let outOffset = 0
  if (outInPlace) {
    outBuffer = out.buffer
    outOffset = out.byteOffset
  } else {
    if (pool.out.byteLength < numRows * width * 8) pool.out = new SharedArrayBuffer(numRows * width * 8)
    outBuffer = pool.out
  }
  // Ranges of rows a worker takes one after the other, as it finishes the last: a core slowed
  // by other work takes fewer, so the batch does not wait for it (each row is still summed
  // in one thread, so the bits do not change).
  const per = Math.ceil(numRows / Math.min(numRows, threads * RANGES_PER_THREAD))
  let next = 0
  const take = async (worker: Worker): Promise<void> => {
    while (next < numRows && !pool.stopped) {
      const start = next
      const end = Math.min(numRows, start + per)
      next = end
      const id = nextId++
      await new Promise<void>((resolve, reject) => {
        pool.pending.set(id, (error) => (error ? reject(error) : resolve()))
        worker.postMessage({ id, rows: rowsBuffer, rowsOffset, out: outBuffer, outOffset, start, end })
      })
    }
    if (pool.stopped) throw pool.stopped
  }
  // Idle workers never keep the process alive, but a batch must: a program whose last
  // work is `await predictParallel(...)` would otherwise exit before the answer.
  for (const worker of pool.workers) worker.ref()
  try {
    await Promise.all(pool.workers.map(take))
  } finally {
    for (const worker of pool.workers) worker.unref()
  }
  if (!outInPlace) out.set(new Float64Array(pool.out, 0, numRows * width))
}

/**
 * Stops every worker thread (they never keep the process alive; this frees them early).
 * Batches still running reject with a `PredictionError`.
 */
export async function shutdownParallel(): Promise<void> {
  const stopped = [...pools.entries()]
  const all = stopped.flatMap(([, pool]) => pool.workers)
  for (const [forest, pool] of stopped)
    stopPool(pool, forest, new PredictionError('predictParallel: shut down'))
  await Promise.all(all.map((worker) => worker.terminate()))
}
