// One measurement of bench/registry-artifacts.ts in its own process, so peak RSS is its own:
//   disk-load PATH            parse model.txt streamed from disk
//   hash PATH                 sha256 of the file, streamed (what register does first)
//   upload URL PATH SHA SIZE  register a row and store model.txt in PostgreSQL, streamed
//   registry-read URL         stream the stored bytes back (no parse)
//   registry-load URL         parse model.txt streamed from PostgreSQL (registrySource)
// Prints one JSON line: { ms, maxRssMB, ... }.
import { createReadStream } from 'node:fs'
import { hashFile } from '../src/cli/package-facts.ts'
import { loadModel } from '../src/lightgbm/index.ts'
import { registrySource, unwrap } from '../src/registry/index.ts'
import { createPostgresRegistry } from '../src/registry/postgres.ts'

const [mode, a, b, c, d] = process.argv.slice(2)
const row = {
  modelName: 'big-model',
  modelVersion: 'v1.0.0',
  modelType: 'lightgbm',
  objective: 'direction_classification',
  targetVariable: 'target',
  predictionHorizon: '1d',
} as const

const start = performance.now()
const extra: Record<string, unknown> = {}
if (mode === 'disk-load') {
  const model = await loadModel(
    createReadStream(a, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Uint8Array>,
  )
  extra.trees = model.numTrees
} else if (mode === 'hash') {
  Object.assign(extra, await hashFile(a))
} else if (mode === 'upload') {
  const registry = createPostgresRegistry({ url: a, timeoutMs: 600_000 })
  unwrap(
    await registry.registerModel(row, { files: [{ path: 'model.txt', sha256: c, sizeBytes: Number(d) }] }),
  )
  unwrap(
    await registry.storeArtifact('big-model', 'v1.0.0', {
      path: 'model.txt',
      sha256: c,
      sizeBytes: Number(d),
      chunks: () => createReadStream(b, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Uint8Array>,
    }),
  )
  await registry.close()
} else if (mode === 'registry-read' || mode === 'registry-load') {
  const registry = createPostgresRegistry({ url: a, timeoutMs: 600_000 })
  const source = registrySource(registry)
  const stream = await source.stream('big-model/v1.0.0/model.txt')
  if (!stream) throw new Error('not stored')
  if (mode === 'registry-read') {
    let bytes = 0
    for await (const chunk of stream) bytes += chunk.length
    extra.bytes = bytes
  } else extra.trees = (await loadModel(stream)).numTrees
  await registry.close()
} else throw new Error(`unknown mode ${mode}`)
const ms = performance.now() - start
console.log(JSON.stringify({ mode, ms, maxRssMB: process.resourceUsage().maxRSS / 1024, ...extra }))
