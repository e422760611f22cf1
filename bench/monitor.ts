// The prediction store's cost: `ensemble.analyze(record)` through the three deployed
// example models, with and without the store of `leafwise/monitor` writing every analysis
// to ml_predictions. Target: the store adds under 10 % to analyze on the application's
// thread. Measured on two streams (the 32 example records again and again, and every record
// new), three figures:
// - request path: the `onAnalysis` hook alone (features copied, the analysis queued);
// - encoding: building the rows as JSON text (the store's `encodeMs`), per row;
// - all in: analyze a batch, then wait until the store has written it, divided by analyze
//   alone. On embedded PGlite the database runs on the same thread; on PostgreSQL
//   (DATABASE_URL, or a throwaway local server) in other processes, but it is waited for.
// Writes the `monitor` section of bench/RESULTS.md.
//
//   npx tsx bench/monitor.ts [--quick]
import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { createEnsemble, type Ensemble, type FeatureRecord } from '../src/index.ts'
import { createPredictionStore, type PredictionStore } from '../src/monitor/index.ts'
import { createRowEncoderWorker, fileSource } from '../src/node/index.ts'
import { createRegistry, type RegisterModelInput, type SqlClient, unwrap } from '../src/registry/index.ts'
import { createPgliteClient } from '../src/registry/pglite.ts'
import { createPostgresClient } from '../src/registry/postgres.ts'
import { machineLine, writeSection } from './lib/results.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const quick = process.argv.includes('--quick')
const startLoad = loadavg()[0].toFixed(1)
const TARGET = 0.1

const rows: RegisterModelInput[] = [
  ['sentiment-fusion', 'v1.1.0', 'direction_classification', 0.5176],
  ['price-prediction', 'v1.0.0', 'price_prediction', 0.5587],
  ['early-signal', 'v1.0.0', 'direction_classification', 0.5986],
].map(([modelName, modelVersion, objective, validationScore]) => ({
  modelName: modelName as string,
  modelVersion: modelVersion as string,
  modelType: 'lightgbm',
  objective: objective as RegisterModelInput['objective'],
  targetVariable: 't',
  predictionHorizon: '1w',
  validationScore: validationScore as number,
  tierRequirement: 'free',
  status: 'deployed',
}))

const records: FeatureRecord[] = Object.values(
  JSON.parse(readFileSync(`${root}examples/data/features.json`, 'utf8')) as Record<string, FeatureRecord>,
)
const ids = Object.keys(JSON.parse(readFileSync(`${root}examples/data/features.json`, 'utf8')))

/** A change in percent with its sign: `+3.1 %`, `-0.4 %`. */
const pct = (x: number) => `${x < 0 ? '-' : '+'}${Math.abs(x * 100).toFixed(1)} %`

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

/** Time spent in the store's hook (`store.record`), and its calls. */
const hook = { ms: 0, calls: 0 }

async function setUp(client: SqlClient, databaseUrl: string | undefined) {
  const registry = createRegistry(client)
  unwrap(await registry.migrate())
  for (const row of rows) unwrap(await registry.registerModel(row, { upsert: true }))
  const source = fileSource(`${root}models`)
  const plain = await createEnsemble({ registry, source })
  const arms = []
  const encoders = ['this thread', 'worker thread'] as const
  const choices = databaseUrl ? [...encoders, 'worker thread, which also writes'] : encoders
  for (const encoder of choices) {
    const store = createPredictionStore(client, {
      batchSize: 1000,
      flushIntervalMs: 3_600_000,
      encoder:
        encoder === 'this thread'
          ? undefined
          : createRowEncoderWorker(encoder === 'worker thread' ? {} : { databaseUrl }),
    })
    arms.push({
      encoder,
      store,
      stored: await createEnsemble({
        registry,
        source,
        // The hook timed call by call: its cost apart from analyze's own swings.
        onAnalysis: (analysis, input, set) => {
          const started = performance.now()
          store.record(analysis, input, set)
          hook.ms += performance.now() - started
          hook.calls++
        },
      }),
    })
  }
  return { plain, arms }
}

/**
 * Distinct records: each feature's value taken from one of the 32 records at random (seeded),
 * 8192 of them, used in turn (both arms of a round the same ones): the store meets a
 * record again only thousands of calls later; the values have real precision.
 */
let distinct = false
const mixed: FeatureRecord[] = []
{
  let seed = 18
  const next = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0
    return seed / 2 ** 32
  }
  const keys = Object.keys(records[0])
  for (let i = 0; i < 8192; i++) {
    const record: Record<string, string | number | null> = {}
    for (const key of keys) record[key] = records[Math.floor(next() * records.length)][key] ?? null
    mixed.push(record as FeatureRecord)
  }
}

function run(ensemble: Ensemble, n: number, offset: number): number {
  const start = performance.now()
  for (let i = 0; i < n; i++) {
    const r = (offset + i) % records.length
    // Both arms of a round analyze the same records.
    if (distinct) ensemble.analyze(mixed[(offset * n + i) & 8191], { id: ids[r] })
    else ensemble.analyze(records[r], { id: ids[r] })
  }
  return performance.now() - start
}

/** Median ratio over interleaved rounds of the hook alone (nothing written while timing). */
async function requestPath(plain: Ensemble, stored: Ensemble, store: PredictionStore, rounds: number) {
  const ratios: number[] = []
  const base: number[] = []
  const withStore: number[] = []
  for (let round = 0; round < rounds; round++) {
    // Alternating which arm goes first: the second meets the same records in warm caches.
    let a: number
    let b: number
    if (round % 2 === 0) {
      a = run(plain, 64, round)
      b = run(stored, 64, round)
    } else {
      b = run(stored, 64, round)
      a = run(plain, 64, round)
    }
    base.push(a / 64)
    withStore.push(b / 64)
    ratios.push(b / a)
    // Written between timed rounds (640 rows, under the batch size that starts a write).
    if (round % 10 === 9) await store.flush()
  }
  await store.flush()
  return { ratio: median(ratios), base: median(base) * 1000, withStore: median(withStore) * 1000 }
}

const schedstat = `/proc/${process.pid}/task/${process.pid}/schedstat`
const perThread = (() => {
  try {
    return Number(readFileSync(schedstat, 'utf8').split(' ')[0]) > 0
  } catch {
    return false
  }
})()

/**
 * CPU time of this thread, in ms: Linux's per-thread scheduler statistics (ns), which other
 * threads and processes competing for the cores do not inflate; elsewhere the event loop's
 * busy time (wall time, so it counts waiting for a core).
 */
function threadCpuMs(): number {
  if (perThread) return Number(readFileSync(schedstat, 'utf8').split(' ')[0]) / 1e6
  return performance.eventLoopUtilization().active
}

/** Median ratio of (analyze a batch + write it) over analyze the batch alone. */
async function allIn(
  plain: Ensemble,
  stored: Ensemble,
  store: PredictionStore,
  rounds: number,
  batch: number,
) {
  const ratios: number[] = []
  const cpuRatios: number[] = []
  const busyRatios: number[] = []
  const flushShares: number[] = []
  const base: number[] = []
  const total: number[] = []
  const cpu = () => {
    const u = process.cpuUsage()
    return (u.user + u.system) / 1000
  }
  for (let round = 0; round < rounds; round++) {
    // The store's arm first: analyze a batch, then wait until the store has written it.
    const threadB = threadCpuMs()
    const cpuB = cpu()
    const start = performance.now()
    run(stored, batch, round)
    const threadFlush = threadCpuMs()
    const flushStart = performance.now()
    await store.flush()
    const flushWall = performance.now() - flushStart
    const b = performance.now() - start
    const cpuEnd = cpu()
    const threadEnd = threadCpuMs()
    // The same batch without the store, then as long idle as the flush took: work V8 does
    // while the loop is idle (collecting analyze's garbage) counts in both arms alike.
    const threadA = threadCpuMs()
    const cpuA = cpu()
    const a = run(plain, batch, round)
    const threadIdle = threadCpuMs()
    await new Promise((resolve) => setTimeout(resolve, flushWall))
    const threadAEnd = threadCpuMs()
    const cpuAEnd = cpu()
    busyRatios.push((threadEnd - threadB) / (threadAEnd - threadA))
    // Everything the store does on this thread outside the hook happens while flushing.
    flushShares.push((threadEnd - threadFlush - (threadAEnd - threadIdle)) / (threadIdle - threadA))
    base.push((a / batch) * 1000)
    total.push((b / batch) * 1000)
    ratios.push(b / a)
    cpuRatios.push((cpuEnd - cpuB) / (cpuAEnd - cpuA))
  }
  return {
    ratio: median(ratios),
    cpuRatio: median(cpuRatios),
    busyRatio: median(busyRatios),
    flushShare: median(flushShares),
    base: median(base),
    total: median(total),
  }
}

const engines: { name: string; client: () => SqlClient; url?: string }[] = [
  { name: 'PGlite (embedded, in memory)', client: () => createPgliteClient({ dataDir: 'memory' }) },
]
// PostgreSQL: DATABASE_URL, else a throwaway server when the binaries are here (as the tests do).
let stopServer = () => {}
let postgresUrl = process.env.DATABASE_URL
if (!postgresUrl) {
  try {
    const { startPostgresServer } = await import('../scripts/lib/postgres-server.ts')
    const server = await startPostgresServer()
    postgresUrl = server.url
    stopServer = () => server.destroy()
  } catch (error) {
    console.log(`PostgreSQL skipped: ${(error as Error).message}`)
  }
}
if (postgresUrl)
  engines.push({
    name: process.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : 'PostgreSQL (local server)',
    client: () => createPostgresClient({ url: postgresUrl }),
    url: postgresUrl,
  })

const lines: string[] = []
const summary: string[] = []
/** The worst application-thread figure of each encoder: rows built here, and on a worker. */
const worst: Record<string, number> = {}
const modes = [
  { name: 'the 32 records again and again', distinct: false },
  { name: 'every record new', distinct: true },
]
for (const engine of engines) {
  const client = engine.client()
  const { plain, arms } = await setUp(client, engine.url)
  run(plain, 2000, 0)
  for (const arm of arms) {
    run(arm.stored, 2000, 0)
    await arm.store.flush()
  }
  for (const mode of modes) {
    distinct = mode.distinct
    for (const { encoder, store, stored } of arms) {
      const start = store.stats()
      const hookBefore = { ...hook }
      const path = await requestPath(plain, stored, store, quick ? 60 : 300)
      const hookUs = ((hook.ms - hookBefore.ms) / Math.max(1, hook.calls - hookBefore.calls)) * 1000
      const hookShare = hookUs / path.base
      const all = await allIn(plain, stored, store, quick ? 5 : 11, 1000)
      const end = store.stats()
      if (end.encoderFailures !== start.encoderFailures) throw new Error(`${encoder}: the encoder failed`)
      const encodeUs = ((end.encodeMs - start.encodeMs) / Math.max(1, end.written - start.written)) * 1000
      const encodeShare = encodeUs / path.base
      const app = hookShare + encodeShare
      const busy = all.busyRatio - 1
      // The store's own work on this thread: the hook (request path) and the flush.
      const own = hookShare + all.flushShare
      const what = `${engine.name}, ${mode.name}, rows built on ${encoder === 'this thread' ? encoder : `a ${encoder}`}`
      lines.push(
        `| ${what} | request path: analyze with the hook against without (interleaved rounds) | ${path.base.toFixed(1)} us | ${path.withStore.toFixed(1)} us | ${pct(path.ratio - 1)} |`,
        `| ${what} | request path: the hook alone (\`store.record\`, timed call by call) | ${path.base.toFixed(1)} us | +${hookUs.toFixed(2)} us a call | **${pct(hookShare)}** |`,
        `| ${what} | rows built on this thread (off the request path; with a worker: handing it the batch) | ${path.base.toFixed(1)} us | +${encodeUs.toFixed(1)} us a row | **${pct(encodeShare)}** |`,
        `| ${what} | all in: wall time (analyze + rows written, batches of 1000, waited for) | ${all.base.toFixed(1)} us | ${all.total.toFixed(1)} us | ${pct(all.ratio - 1)} |`,
        `| ${what} | all in: this thread's CPU time while the store writes the batch (${perThread ? 'Linux schedstat' : 'event-loop busy time'}: handing over or encoding, the driver; on PGlite the database), less the same thread's CPU time in as long an idle wait after the batch without the store, against analyze's | | | ${pct(all.flushShare)} |`,
        `| ${what} | **the store on this thread**: the hook plus the line above | | | **${pct(own)}** |`,
        `| ${what} | all in: this thread's CPU time, the whole round (analyze included: its own swings, such as \`auto\` timing its kernels again, count here) | | | ${pct(busy)} |`,
        `| ${what} | all in: CPU time of the process (every thread: the worker, the driver; on PGlite the database) | | | ${pct(all.cpuRatio - 1)} |`,
      )
      const key = `${engine.name.startsWith('PGlite') ? 'PGlite' : 'PostgreSQL'}, ${encoder}`
      // On PostgreSQL the store's share of this thread is the hook plus the flush; on PGlite
      // the flush includes the database, so the store's own share is request path plus rows built.
      const share = key.startsWith('PGlite') ? app : Math.max(app, own, busy)
      worst[key] = Math.max(worst[key] ?? Number.NEGATIVE_INFINITY, share)
      console.log(
        `${what}: request path ${pct(path.ratio - 1)}, hook ${pct(hookShare)}, rows built here ${pct(encodeShare)}, all in ${pct(all.ratio - 1)}, flush on this thread ${pct(all.flushShare)}, store on this thread ${pct(own)}, round thread CPU ${pct(busy)}, process CPU ${pct(all.cpuRatio - 1)}`,
      )
    }
  }
  let written = 0
  for (const { encoder, store } of arms) {
    const stats = await store.close()
    if (stats.dropped > 0 || stats.queued > 0)
      throw new Error(`${encoder}: store lost rows: ${JSON.stringify(stats)}`)
    written += stats.written
  }
  const count = (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM ml_predictions'))[0].n
  if (count !== written) throw new Error(`${count} rows in ml_predictions, ${written} written`)
  console.log(`${engine.name}: ${count} rows written, none dropped`)
  await client.close()
}
for (const [key, value] of Object.entries(worst))
  summary.push(`${key}: worst ${pct(value)} (**${value < TARGET ? 'met' : 'not met'}**)`)

stopServer()

const endLoad = loadavg()[0].toFixed(1)

writeSection(
  'monitor',
  `## Prediction store cost (\`bench/monitor.ts\`)

${machineLine()}; 1-minute load average ${startLoad} at start, ${endLoad} at the end (the
machine is shared: compare within a row, not across runs)

\`ensemble.analyze(record, { id })\` through the three deployed example models (as in the
\`ensemble\` section), rotating over the 32 records of examples/data/features.json, without
and with a prediction store (\`createPredictionStore(client)\` as \`onAnalysis\`), once
building its rows on this thread (the default) and once on a worker thread
(\`encoder: createRowEncoderWorker()\`); the baseline is the same run's \`analyze\`
without the store. Two streams: the 32 records again
and again (a symbol analyzed many times between feature updates: each batch sends each
record's features once, formatted once per record), and every record new (8192 records whose values are
drawn from the 32, used in turn in both arms: features formatted and stored for every row). *Request path*: median
ratio over interleaved rounds of 64 calls (which arm goes first alternates), the store only queuing (it writes, and is waited
for, every 10 rounds between timed rounds); that ratio also carries the two ensembles' own
differences (each times its kernels on its own), so the hook is also timed call by call
(\`store.record\` alone, per call, against \`analyze\`), and that figure counts. *Rows built*: the
store's \`encodeMs\` per row (votes, consensus and features as JSON text; with a worker,
handing it the batch), against \`analyze\`. *All in*: a batch of 1000 analyses and then \`store.flush()\` until every row is
in ml_predictions (one statement per 1000 rows), against the same batch without the store
followed by as long an idle wait (V8 collects garbage while the loop is idle: both arms
get the same chance);
median ratio of the rounds, as wall time, as this thread's busy time
(its CPU time from Linux's per-thread schedstat, else the event loop's busy time) and as
the process's CPU time (every thread). Every row was
written, none dropped.

| database, stream, encoder | what | analyze | with the store | cost |
|---|---|---|---|---|
${lines.join('\n')}

Target: the store adds under 10 % to \`analyze\` on the application's thread. Judged per
database and encoder on the worst stream: on PostgreSQL, the largest of the hook plus rows
built, *the store on this thread* (the hook, plus this thread's CPU time while the
batch is written: everything the thread does for the store, the driver included); on
PGlite, the hook plus rows built (the database itself runs on this thread, see below).
On PostgreSQL the whole round's CPU time of this thread counts too (the largest of the
three is taken), though \`analyze\` itself swings between rounds (single-row \`auto\` times
its two kernels again after 256, 512, ... calls). ${summary.join('; ')}.

With \`createRowEncoderWorker()\` (leafwise/node) the application's thread only packs each
analysis's numbers into a typed array on the request path and hands a batch to the worker;
the JSON text is built there (the process's CPU time still counts it, on the other core),
and comes back to this thread for the driver. Given the PostgreSQL URL
(\`createRowEncoderWorker({ databaseUrl })\`) the worker also runs the INSERT on its own
connection: the driver's work on the batch's megabytes of text (copying it into the
protocol message and the socket, several ms per 1000 rows) leaves this thread too. Without it, on runtimes with no worker threads, the rows are built
on the application's thread off the request path.

Embedded PGlite runs PostgreSQL in WebAssembly on the application's thread, so there the
*all in* rows are what the process pays: a PGlite process that analyzes at full speed
cannot also store every analysis; the store's queue then fills and counts what it drops
(\`stats().dropped\`). Serve heavy traffic on PostgreSQL, or let a PGlite registry's holder
process do the writing.
`,
)
