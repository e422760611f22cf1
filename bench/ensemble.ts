// The ensemble's overhead: `ensemble.analyze(record)` through the three deployed example
// models against the three raw `ModelPackage.predict(record)` calls it wraps (normalization
// and prediction included in both). Target: analyze <= 1.3x the raw predictions. Writes the
// `ensemble` section of bench/RESULTS.md.
//
//   npx tsx bench/ensemble.ts [--quick]
import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Bench } from 'tinybench'
import { createEnsemble, type FeatureRecord, lineSink } from '../src/index.ts'
import { fileSource } from '../src/node/index.ts'
import { buildManifest, createManifestRegistry, type ModelRecord } from '../src/registry/index.ts'
import { machineLine, writeSection } from './lib/results.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const quick = process.argv.includes('--quick')
const startLoad = loadavg()[0].toFixed(1)
const TARGET = 1.3

function row(modelName: string, objective: ModelRecord['objective'], validationScore: number): ModelRecord {
  const at = new Date()
  return {
    modelId: modelName,
    modelName,
    modelVersion: modelName === 'sentiment-fusion' ? 'v1.1.0' : 'v1.0.0',
    modelType: 'lightgbm',
    objective,
    targetVariable: 't',
    predictionHorizon: '1w',
    validationScore,
    testScore: null,
    tierRequirement: 'free',
    status: 'deployed',
    createdAt: at,
    updatedAt: at,
  }
}

const manifest = buildManifest(
  [
    row('sentiment-fusion', 'direction_classification', 0.5176),
    row('price-prediction', 'price_prediction', 0.5587),
    row('early-signal', 'direction_classification', 0.5986),
  ],
  'enterprise',
)
const registry = createManifestRegistry(JSON.parse(JSON.stringify(manifest)))
const ensemble = await createEnsemble({ registry, source: fileSource(`${root}models`) })
const logged = await createEnsemble({
  registry,
  source: fileSource(`${root}models`),
  log: lineSink(() => {}),
})
const packages = ensemble.current.deployed.map((m) => m.package)
const records: FeatureRecord[] = Object.values(
  JSON.parse(readFileSync(`${root}examples/data/features.json`, 'utf8')) as Record<string, FeatureRecord>,
)

let next = 0
let sink = 0
const tasks: Record<string, () => void> = {
  'raw: 3 x package.predict(record)': () => {
    const record = records[next]
    next = next + 1 === records.length ? 0 : next + 1
    for (const pkg of packages) sink += pkg.predict(record)[0]
  },
  'ensemble.analyze(record)': () => {
    const record = records[next]
    next = next + 1 === records.length ? 0 : next + 1
    sink += ensemble.analyze(record).consensus!.score
  },
  'ensemble.analyze(record) with the log': () => {
    const record = records[next]
    next = next + 1 === records.length ? 0 : next + 1
    sink += logged.analyze(record).consensus!.score
  },
}

// The machine's load moves timings: tinybench gives the absolute figures (median of a few
// alternating rounds); the ratio comes from paired batches, raw and analyze timed back to back
// on the same records, so a change of load hits both sides of each pair alike.
const rounds = quick ? 2 : 5
const timeMs = quick ? 300 : 600
const samples: Record<string, { mean: number; p50: number }[]> = {}
for (let r = 0; r < rounds; r++) {
  const order = Object.keys(tasks)
  if (r % 2) order.reverse()
  const bench = new Bench({ time: timeMs, warmupTime: 200 } as never)
  for (const name of order) bench.add(name, tasks[name])
  await bench.run()
  for (const task of bench.tasks) {
    const latency = (task.result as unknown as { latency: { mean: number; p50: number } }).latency
    samples[task.name] ??= []
    samples[task.name].push({ mean: latency.mean * 1000, p50: latency.p50 * 1000 })
  }
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const names = Object.keys(tasks)
const stats = names.map((name) => ({
  name,
  mean: median(samples[name].map((s) => s.mean)),
  p50: median(samples[name].map((s) => s.p50)),
}))
const [raw] = stats

const PAIRS = quick ? 100 : 400
const BATCH = 64
function timeBatch(fn: () => void): number {
  const start = performance.now()
  for (let i = 0; i < BATCH; i++) fn()
  return performance.now() - start
}
const pairRatios = (name: string) => {
  const ratios: number[] = []
  for (let k = 0; k < PAIRS; k++) {
    const first = next
    const rawTime = timeBatch(tasks[names[0]])
    next = first
    const other = timeBatch(tasks[name])
    ratios.push(other / rawTime)
  }
  return median(ratios)
}
const ratio = pairRatios(names[1])
const logRatio = pairRatios(names[2])

const table = stats
  .map(
    (s) =>
      `| ${s.name} | ${s.p50.toFixed(1)} us | ${s.mean.toFixed(1)} us | ${(s.p50 / raw.p50).toFixed(3)} |`,
  )
  .join('\n')
const md = `## Ensemble overhead (\`bench/ensemble.ts\`)

${machineLine()}; 1-minute load average at start ${startLoad}

One record (45 raw features, rotating over the ${records.length} records of examples/data/features.json)
through the three deployed example models: sentiment-fusion v1.1.0 (750 trees, 3 classes),
price-prediction v1.0.0 (300 trees, regression), early-signal v1.0.0 (67 trees, binary).
"raw" is the three \`ModelPackage.predict(record)\` calls (normalization + prediction) that
\`analyze\` makes; \`analyze\` adds the signal mapping, the votes, the consensus and the timing.
Latency: median of ${rounds} alternating tinybench rounds of ${timeMs} ms. Ratio: median over
${PAIRS} pairs of ${BATCH}-call batches, raw then analyze on the same records, back to back.

| task | p50 | mean | p50 / raw p50 |
|---|---|---|---|
${table}

Target: \`analyze\` at most ${TARGET}x the three raw predictions: **${ratio <= TARGET ? 'met' : 'over'}** (${ratio.toFixed(3)}x).
With a prediction log sink (entry built, input hashed, line serialized, not written) it is ${logRatio.toFixed(3)}x.`

console.log(md)
if (sink === 42) console.log('')
if (!quick) writeSection('ensemble', md)
