// Artifacts in the database: a large model.txt (500 MB by default, generated into bench/out/,
// never committed) uploaded into PostgreSQL in 1 MiB chunks and loaded back through
// `registrySource`, against parsing it from disk; each step in its own process with its peak
// RSS. Run: npx tsx bench/registry-artifacts.ts [--mb 500]   (writes the registry-artifacts
// section of RESULTS.md; needs the PostgreSQL binaries the test suite uses)
import { execFileSync } from 'node:child_process'
import { statSync } from 'node:fs'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import postgres from 'postgres'
import { startPostgresServer } from '../scripts/lib/postgres-server.ts'
import { defaultBigModel, generateBigModel } from './gen-big-model.ts'
import { machineLine, writeSection } from './lib/results.ts'

const mbArg = process.argv.indexOf('--mb')
const megabytes = mbArg > 0 ? Number(process.argv[mbArg + 1]) : 500
const out = megabytes === 500 ? defaultBigModel : defaultBigModel.replace(/\.txt$/, `-${megabytes}.txt`)
const child = fileURLToPath(new URL('./registry-artifacts-child.ts', import.meta.url))

interface Measure {
  mode: string
  ms: number
  maxRssMB: number
  [key: string]: unknown
}

function measure(...args: string[]): Measure {
  const text = execFileSync(process.execPath, ['--import', 'tsx', child, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  })
  const result = JSON.parse(text.trim().split('\n').at(-1)!) as Measure
  console.log(JSON.stringify(result))
  return result
}

const { path } = await generateBigModel({ megabytes, out })
const loadBefore = loadavg()[0]
const size = statSync(path).size
const server = await startPostgresServer()
try {
  const admin = postgres(server.url, { max: 1, onnotice: () => {} })
  await admin.unsafe('CREATE DATABASE artifacts')
  await admin.end()
  const url = server.url.replace(/\/postgres$/, '/artifacts')
  const migrate = await import('../src/registry/postgres.ts')
  const registry = migrate.createPostgresRegistry({ url })
  await registry.migrate()
  await registry.close()

  const disk = measure('disk-load', path)
  const hash = measure('hash', path)
  const upload = measure('upload', url, path, String(hash.sha256), String(size))
  const read = measure('registry-read', url)
  const load = measure('registry-load', url)
  if (read.bytes !== size || load.trees !== disk.trees) throw new Error('the stored model is not the file')

  const mb = (x: number) => `${Math.round(x)} MB`
  const s = (x: number) => `${(x / 1000).toFixed(1)} s`
  const rate = (x: number) => `${Math.round(size / 1048576 / (x / 1000))} MB/s`
  writeSection(
    'registry-artifacts',
    `## Artifacts in PostgreSQL (\`bench/registry-artifacts.ts\`)

${machineLine()}

A ${Math.round(size / 1048576)} MB model.txt (${disk.trees} trees, \`bench/gen-big-model.ts\`), each step a fresh
process on a local PostgreSQL 15 (fsync off, as in the test suite). Load average ${loadBefore.toFixed(1)} before,
${loadavg()[0].toFixed(1)} after (the machine is shared: times scale with it, RSS does not). Upload and download stream 1 MiB chunks
(\`register --store\`, \`registrySource\`): peak RSS stays near the parser's own, never the file's size plus it.

| step | time | throughput | peak RSS |
|---|---|---|---|
| parse model.txt streamed from disk | **${s(disk.ms)}** | ${rate(disk.ms)} | ${mb(disk.maxRssMB)} |
| sha256 of the file (register, before upload) | ${s(hash.ms)} | ${rate(hash.ms)} | ${mb(hash.maxRssMB)} |
| upload into PostgreSQL (\`storeArtifact\`, hash checked while streaming) | **${s(upload.ms)}** | ${rate(upload.ms)} | ${mb(upload.maxRssMB)} |
| read the stored bytes back (no parse; hash checked) | ${s(read.ms)} | ${rate(read.ms)} | ${mb(read.maxRssMB)} |
| parse model.txt streamed from PostgreSQL (\`registrySource\`) | **${s(load.ms)}** | ${rate(load.ms)} | ${mb(load.maxRssMB)} |

Loading from the registry costs the disk parse plus the read-back; the file is never held whole on either
side (the upload's RSS is the process and one chunk, not ${Math.round(size / 1048576)} MB).
`,
  )
} finally {
  server.destroy()
}
