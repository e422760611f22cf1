// Parallel model loading: LightGBM's own loader parses trees on every core (OpenMP over
// the byte ranges that `tree_sizes` gives); this does the same with worker threads.
//
// 1. The header is read and `tree_sizes` turned into each tree's byte offset; each
//    offset is checked (it must hold `Tree=i`) and its `num_leaves` read, so every
//    tree's first node and leaf are known before any tree is parsed.
// 2. The forest's arrays are allocated once, on SharedArrayBuffers, at their exact size.
// 3. Each worker parses a contiguous range of trees with the core parser, writing
//    straight into the shared arrays: no part is copied or merged, so peak memory stays
//    that of the forest plus small read buffers.
// Files this cannot split (no tree_sizes, offsets that do not match, categorical or
// linear trees) and any worker failure fall back to the one-thread streaming parse,
// which also gives parse errors their exact line numbers.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import type { Worker } from 'node:worker_threads'
import type { ModelInfo } from '../lightgbm/index.ts'
import {
  forestOfParts,
  type ParsedModel,
  type PartOptions,
  partStarts,
  partStorage,
} from '../lightgbm/internal.ts'
import { startNodeWorker } from './worker-start.ts'

/** Options of the parallel load. */
export interface ParallelLoadOptions {
  /** Worker threads (default: available parallelism, at most 8; 1 or less: no workers). */
  threads?: number
  /** Files smaller than this load on the calling thread (default 32 MiB). */
  minBytes?: number
  /** The worker module (default: parse-worker next to this module); for bundlers and tests. */
  workerUrl?: URL
}

const DEFAULT_MIN_BYTES = 32 << 20
/** At least this many bytes of trees per worker. */
const BYTES_PER_WORKER = 8 << 20
const HEADER_LIMIT = 64 << 20
const TREE_PREFIX_BYTES = 96

interface TreeLayout {
  /** Bytes before `Tree=0`. */
  header: Uint8Array
  /** Byte offset of each tree, then of what follows the last one. */
  offsets: number[]
  /** First global node and leaf of each tree, then the totals. */
  nodeBase: number[]
  leafBase: number[]
}

const decoder = new TextDecoder('latin1')

/** Reads the header and every tree's offset and size, or says why the file cannot be split. */
function layoutOf(fd: number, fileSize: number): TreeLayout | string {
  // The header: everything before the first line starting with `Tree=`.
  let header: Uint8Array | undefined
  for (let size = 1 << 20; !header; size *= 4) {
    const bytes = new Uint8Array(Math.min(size, fileSize, HEADER_LIMIT))
    const read = readSync(fd, bytes, 0, bytes.length, 0)
    const text = decoder.decode(bytes.subarray(0, read))
    const at = text.startsWith('Tree=') ? 0 : text.indexOf('\nTree=') + 1
    if (at > 0) header = bytes.slice(0, at)
    else if (read < bytes.length || bytes.length >= HEADER_LIMIT) return 'no Tree= line found'
  }
  const headerText = decoder.decode(header)
  const sizesLine = /^tree_sizes=(.*)$/m.exec(headerText)
  if (!sizesLine) return 'the header has no tree_sizes'
  const sizes = sizesLine[1].trim().split(/\s+/).map(Number)
  if (sizes.length === 0 || !sizes.every((n) => Number.isInteger(n) && n > 0))
    return 'tree_sizes is not a list of sizes'
  const offsets = [header.length]
  for (const size of sizes) offsets.push(offsets[offsets.length - 1] + size)
  if (offsets[sizes.length] > fileSize) return 'tree_sizes goes past the end of the file'
  const nodeBase = [0]
  const leafBase = [0]
  const prefix = new Uint8Array(TREE_PREFIX_BYTES)
  for (let i = 0; i < sizes.length; i++) {
    const read = readSync(fd, prefix, 0, prefix.length, offsets[i])
    const text = decoder.decode(prefix.subarray(0, read))
    const match = /^Tree=(\d+)\r?\nnum_leaves=(\d+)\r?\nnum_cat=(\d+)\r?\n/.exec(text)
    if (!match || Number(match[1]) !== i) return `tree_sizes does not lead to Tree=${i}`
    if (match[3] !== '0') return 'the model has categorical splits'
    const leaves = Number(match[2])
    if (leaves < 1) return `Tree=${i} has num_leaves=${leaves}`
    nodeBase.push(nodeBase[i] + leaves - 1)
    leafBase.push(leafBase[i] + leaves)
  }
  return { header, offsets, nodeBase, leafBase }
}

/** The parse worker (parse-worker.ts), or `workerUrl`. */
function startWorker(workerData: Record<string, unknown>, workerUrl: URL | undefined): Worker {
  return startNodeWorker('parse-worker', { workerData }, workerUrl)
}

interface PartReply {
  ok: boolean
  message?: string
  trees: number
  nodes: number
  leaves: number
  info: ModelInfo
}

function runPart(data: Record<string, unknown>, workerUrl: URL | undefined): Promise<PartReply> {
  return new Promise((resolve) => {
    let settled = false
    const settle = (reply: PartReply) => {
      if (settled) return
      settled = true
      resolve(reply)
    }
    let worker: Worker
    try {
      worker = startWorker(data, workerUrl)
    } catch (error) {
      settle({ ok: false, message: String(error) } as PartReply)
      return
    }
    worker.once('message', (reply: PartReply) => {
      settle(reply)
      void worker.terminate()
    })
    worker.once('error', (error) => settle({ ok: false, message: String(error) } as PartReply))
    worker.once('exit', (code) =>
      settle({ ok: false, message: `worker exited with code ${code}` } as PartReply),
    )
  })
}

/**
 * Parses the model file at `path` on worker threads. Returns the parsed model, or why
 * it did not (the caller then parses on the calling thread).
 */
export async function parseModelFileParallel(
  path: string,
  options: ParallelLoadOptions = {},
): Promise<ParsedModel | string> {
  const threads = Math.min(options.threads ?? Math.min(availableParallelism(), 8), 64)
  if (!(threads > 1)) return 'one thread'
  const minBytes = options.minBytes ?? DEFAULT_MIN_BYTES
  let layout: TreeLayout | string
  let fileSize: number
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch {
    return 'the file cannot be opened' // the streaming parse reports why
  }
  try {
    fileSize = fstatSync(fd).size
    if (fileSize < minBytes) return 'the file is small'
    layout = layoutOf(fd, fileSize)
  } finally {
    closeSync(fd)
  }
  if (typeof layout === 'string') return layout
  const { header, offsets, nodeBase, leafBase } = layout
  const numTrees = offsets.length - 1
  const treeBytes = offsets[numTrees] - offsets[0]
  // Each worker gets at least BYTES_PER_WORKER of trees (less when minBytes is smaller).
  const perWorker = Math.max(1, Math.min(BYTES_PER_WORKER, minBytes))
  const parts = Math.min(threads, numTrees, Math.ceil(treeBytes / perWorker))
  if (parts < 2) return 'too few trees to split'
  const storage = partStorage(
    numTrees,
    nodeBase[numTrees],
    leafBase[numTrees],
    (bytes) => new SharedArrayBuffer(bytes),
  )
  // Ranges of whole trees with about the same number of bytes each.
  const firstTrees = [0]
  for (let p = 1; p < parts; p++) {
    const target = offsets[0] + (treeBytes * p) / parts
    let t = firstTrees[p - 1] + 1
    while (t < numTrees - (parts - p) && offsets[t] < target) t++
    firstTrees.push(t)
  }
  firstTrees.push(numTrees)
  const replies = await Promise.all(
    firstTrees.slice(0, parts).map((firstTree, p) => {
      const last = p === parts - 1
      const bases = { tree: firstTree, node: nodeBase[firstTree], leaf: leafBase[firstTree] }
      const part: PartOptions = { storage, starts: partStarts(bases) }
      return runPart(
        {
          path,
          header,
          start: offsets[firstTree],
          // The last part reads on to the end of the file: 'end of trees' and the trailer.
          end: last ? fileSize : offsets[firstTrees[p + 1]],
          closeTrees: !last,
          part,
        },
        options.workerUrl,
      )
    }),
  )
  for (let p = 0; p < parts; p++) {
    const reply = replies[p]
    if (!reply.ok) return `part ${p + 1} of ${parts}: ${reply.message}`
    const next = firstTrees[p + 1]
    if (reply.trees !== next || reply.nodes !== nodeBase[next] || reply.leaves !== leafBase[next])
      return `part ${p + 1} of ${parts} did not end where the next begins`
  }
  const info = replies[parts - 1].info
  if (numTrees % info.numTreePerIteration !== 0) return 'the tree count does not fit num_tree_per_iteration'
  return { forest: forestOfParts(storage, numTrees), info }
}
