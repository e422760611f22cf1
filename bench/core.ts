// The core benchmark: parse throughput and peak memory on a ~500 MB model (made by
// gen-big-model.ts, loaded in a child process that reports its own peak RSS), and predict
// throughput (batch of 10,000 rows) and single-row latency on the fixture `deep` model and
// the example package sentiment-fusion/v1.1.0, for each kernel. Writes the `core` section
// of bench/RESULTS.md.
//
//   npx tsx bench/core.ts [--quick] [--no-big] [--mb 500]

import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Bench } from 'tinybench'
import { type Model, parseModel } from '../src/index.ts'
import { generateBigModel } from './gen-big-model.ts'
import { machineLine, writeSection } from './lib/results.ts'
import { normalRows } from './lib/rows.ts'

export const repoRoot = fileURLToPath(new URL('..', import.meta.url))
export const benchModels = [
  { name: 'deep', path: '/work/shared/fixtures/lightgbm/deep/model.txt' },
  { name: 'sentiment-fusion/v1.1.0', path: `${repoRoot}models/sentiment-fusion/v1.1.0/model.txt` },
]
/** LightGBM 4.7.0, one thread, as given in the issue (same rows: N(0,1), 2% NaN). */
export const lightgbmTargets: Record<
  string,
  { loadSeconds: number; rowsPerSecond: number; singleUs: number }
> = {
  deep: { loadSeconds: 0.13, rowsPerSecond: 34700, singleUs: 29 },
  'sentiment-fusion/v1.1.0': { loadSeconds: 0.012, rowsPerSecond: 18900, singleUs: 55 },
}
export const BATCH_ROWS = 10_000

/** Kernels to measure: the portable one always; the compiled one when the runtime allows it. */
export function kernelsOf(model: Model): { name: string; model: Model }[] {
  const kernels = [{ name: 'portable', model: model.withKernel('portable') }]
  const compiled = model.withKernel('compiled')
  if (compiled.kernel === 'compiled') kernels.push({ name: 'compiled', model: compiled })
  return kernels
}

/** Batch throughput (rows/s) and single-row latency (us, mean and p50) with tinybench. */
export async function timePredict(
  model: Model,
  rows: Float64Array,
  timeMs: number,
): Promise<{ rowsPerSecond: number; singleUs: number; singleP50Us: number }> {
  const numFeatures = model.numFeatures
  const numRows = rows.length / numFeatures
  const out = new Float64Array(numRows * model.numClass)
  const views = Array.from({ length: Math.min(numRows, 1000) }, (_, i) =>
    rows.subarray(i * numFeatures, (i + 1) * numFeatures),
  )
  const one = new Float64Array(model.numClass)
  let next = 0
  // Warm-up: V8 optimizes a compiled forest's functions in the background once they are
  // hot, which takes 10-15 batches for the 76,000 nodes of `deep` (and the first batches
  // are not slowest: times rise while the loops are replaced); run at least 20 batches,
  // then until one is no longer 3% faster than all before it (at most 60).
  const warm: number[] = []
  for (let i = 0; i < 60; i++) {
    const started = performance.now()
    model.predict(rows, out)
    warm.push(performance.now() - started)
    if (i >= 20 && warm[i] > 0.97 * Math.min(...warm.slice(0, i))) break
  }
  // tinybench runs at least `iterations` samples: a few for the 10,000-row batch, many for one row.
  const batchBench = new Bench({ iterations: 5, time: 0, warmupIterations: 2, warmupTime: 0 } as never)
  batchBench.add('batch', () => {
    model.predict(rows, out)
  })
  const singleBench = new Bench({ iterations: 200, time: timeMs, warmupTime: 200 } as never)
  singleBench.add('single', () => {
    model.predict(views[next], one)
    next = next + 1 === views.length ? 0 : next + 1
  })
  await batchBench.run()
  await singleBench.run()
  type Timed = { latency: { mean: number; min: number; p50: number } }
  const batch = batchBench.tasks[0].result as unknown as Timed
  const single = singleBench.tasks[0].result as unknown as Timed
  return {
    rowsPerSecond: numRows / (batch.latency.min / 1000),
    singleUs: single.latency.mean * 1000,
    singleP50Us: single.latency.p50 * 1000,
  }
}

/** Reads and parses a model file, best of `repeats` (seconds), plus the first (cold) time. */
export function timeLoad(path: string, repeats: number): { best: number; first: number; model: Model } {
  let best = Number.POSITIVE_INFINITY
  let first = 0
  let model: Model | undefined
  for (let i = 0; i < repeats; i++) {
    const started = performance.now()
    model = parseModel(readFileSync(path))
    const seconds = (performance.now() - started) / 1000
    if (i === 0) first = seconds
    best = Math.min(best, seconds)
  }
  return { best, first, model: model as Model }
}

export interface BigLoad {
  path: string
  bytes: number
  trees: number
  seconds: number
  peakMB: number
  baselineMB: number
}

/** Generates (or reuses) the big model, then loads it `repeats` times, each in a fresh process. */
export async function measureBigLoad(
  megabytes: number,
  repeats: number,
  how: 'stream' | 'file' = 'file',
): Promise<BigLoad> {
  const made = await generateBigModel({ megabytes })
  let best: BigLoad | undefined
  for (let i = 0; i < repeats; i++) {
    const child = spawnSync(
      process.execPath,
      [fileURLToPath(new URL('./load-child.mjs', import.meta.url)), made.path, how],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
    )
    if (child.status !== 0) throw new Error(`big-model load failed: ${child.stderr}`)
    const result = JSON.parse(child.stdout.trim().split('\n').pop() as string)
    if (!best || result.seconds < best.seconds) best = { path: made.path, bytes: made.bytes, ...result }
  }
  return best as BigLoad
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

async function main(): Promise<void> {
  const args = process.argv.slice(2)
  const quick = args.includes('--quick')
  const mbIndex = args.indexOf('--mb')
  const megabytes = mbIndex >= 0 ? Number(args[mbIndex + 1]) : 500
  const lines: string[] = ['## Core: parse and predict', '', machineLine(), '']
  lines.push(
    'Rows: seeded N(0,1) with 2% NaN (bench/lib/rows.ts). Batch: `model.predict` on 10,000 rows (best of 5);',
    'single row: `model.predict` on one row (mean of tinybench samples; p50 in brackets).',
    "LightGBM columns: the issue's figures for LightGBM 4.7.0 on one thread; same-run ratios are in",
    'the `compare` section.',
    '',
    '| model | kernel | load (s, best / first) | batch rows/s | x LightGBM | single row us | LightGBM us |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  )
  for (const { name, path } of benchModels) {
    const load = timeLoad(path, quick ? 2 : 5)
    const rows = normalRows(BATCH_ROWS, load.model.numFeatures)
    const target = lightgbmTargets[name]
    for (const kernel of kernelsOf(load.model)) {
      const timing = await timePredict(kernel.model, rows, quick ? 500 : 2000)
      const line = `| ${name} | ${kernel.name} | ${fmt(load.best, 3)} / ${fmt(load.first, 3)} | ${fmt(timing.rowsPerSecond)} | ${fmt(timing.rowsPerSecond / target.rowsPerSecond, 2)} | ${fmt(timing.singleUs, 1)} (${fmt(timing.singleP50Us, 1)}) | ${target.singleUs} |`
      console.log(line)
      lines.push(line)
    }
  }
  if (!args.includes('--no-big')) {
    const file = await measureBigLoad(megabytes, quick ? 1 : 2, 'file')
    const stream = await measureBigLoad(megabytes, quick ? 1 : 2, 'stream')
    const mb = file.bytes / 1e6
    const row = (what: string, big: BigLoad) =>
      `| ${what} | ${fmt(big.seconds, 2)} | ${fmt(mb / big.seconds)} | ${fmt(big.peakMB)} | ${fmt(big.baselineMB)} |`
    lines.push(
      '',
      `Big model: ${file.trees.toLocaleString('en-US')} trees of the \`deep\` fixture (255 leaves), ${fmt(mb)} MB, made by`,
      '`bench/gen-big-model.ts`, loaded by the built package (`bench/load-child.mjs`) in a fresh process',
      'that reports its own peak RSS (`process.resourceUsage().maxRSS`, the runtime included).',
      '',
      '| | load s | parse MB/s | peak RSS MB | RSS before load MB |',
      '| --- | --- | --- | --- | --- |',
      row('leafwise `loadModelFile` (worker threads)', file),
      row('leafwise `loadModel` (stream, one thread)', stream),
      '| LightGBM 4.7.0 (issue, 20,000 trees, 481 MB) | 8.3 | 58 | 879 | |',
    )
    console.log(lines.slice(-5).join('\n'))
  }
  writeSection('core', lines.join('\n'))
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main()
