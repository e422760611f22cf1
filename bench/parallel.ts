// Multi-core batches: `predictParallel` (leafwise/node) on 100,000 rows at 1, 2 and all
// cores, against the one-thread kernels in the same run. Writes the `parallel` section of
// bench/RESULTS.md with the machine's load average before and after (the benchmark
// machine is shared: a busy core caps any scaling, so read the ratios with the load).
//
//   npx tsx bench/parallel.ts [--quick]

import { existsSync, readFileSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Bench } from 'tinybench'
import { parseModel } from '../src/index.ts'
import { predictParallel, shutdownParallel } from '../src/node/index.ts'
import { machineLine, writeSection } from './lib/results.ts'
import { normalRows } from './lib/rows.ts'

const repoRoot = fileURLToPath(new URL('..', import.meta.url))
const models = [
  { name: 'sentiment-fusion/v1.1.0', path: join(repoRoot, 'models/sentiment-fusion/v1.1.0/model.txt') },
  { name: 'deep', path: '/work/shared/fixtures/lightgbm/deep/model.txt' },
]
const NUM_ROWS = 100_000

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const load = () =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' / ')

interface Figure {
  rowsPerSecond: number
  /** CPU time of the whole process (every thread) per batch, ms. */
  cpuMs: number
}

/** Mean batch time (tinybench) as rows/s, and the process's CPU time per batch. */
async function measure(run: () => unknown, timeMs: number): Promise<Figure> {
  const bench = new Bench({ time: timeMs, iterations: 3, warmupTime: 0, warmupIterations: 1 } as never)
  let batches = 0
  let cpu = 0
  bench.add('batch', async () => {
    const before = process.cpuUsage()
    await run()
    const used = process.cpuUsage(before)
    cpu += (used.user + used.system) / 1000
    batches++
  })
  await bench.run()
  const mean = (bench.tasks[0].result as unknown as { latency: { mean: number } }).latency.mean
  return { rowsPerSecond: NUM_ROWS / (mean / 1000), cpuMs: cpu / batches }
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick')
  const rounds = quick ? 1 : 3
  const timeMs = quick ? 2000 : 5000
  const cores = availableParallelism()
  const threadCounts = [...new Set([2, cores])]
  const loadBefore = load()
  const table: string[] = []
  for (const spec of models) {
    if (!existsSync(spec.path)) {
      table.push(`| ${spec.name} | not measured: ${spec.path} is absent |`)
      continue
    }
    const text = readFileSync(spec.path)
    const auto = parseModel(text)
    const wasm = parseModel(text).withKernel('wasm')
    const rows = normalRows(NUM_ROWS, auto.numFeatures)
    const out = new Float64Array(NUM_ROWS * auto.numClass)
    // The same values everywhere, bit for bit (as test/node/parallel.test.ts holds).
    const expected = auto.predict(rows)
    const parallelOut = await predictParallel(auto, rows, { threads: 2 })
    if (!expected.every((v, i) => Object.is(v, parallelOut[i])))
      throw new Error(`${spec.name}: values differ`)
    // Warm every kernel to steady speed: the default one moves to WebAssembly batch by batch,
    // the workers' code is tiered up by V8 in the background.
    for (let i = 0; i < 12; i++) {
      auto.predict(rows, out)
      wasm.predict(rows, out)
      for (const threads of threadCounts) await predictParallel(auto, rows, { threads, out })
    }
    const best: Record<string, Figure> = {}
    const keep = (key: string, figure: Figure) => {
      if (!best[key] || figure.rowsPerSecond > best[key].rowsPerSecond) best[key] = figure
    }
    for (let round = 0; round < rounds; round++) {
      keep('auto', await measure(() => auto.predict(rows, out), timeMs))
      keep('wasm', await measure(() => wasm.predict(rows, out), timeMs))
      for (const threads of threadCounts) {
        keep(`p${threads}`, await measure(() => predictParallel(auto, rows, { threads, out }), timeMs))
      }
      console.error(`${spec.name} round ${round + 1}: load ${load()}`)
    }
    const one = best.auto.rowsPerSecond
    const row = (label: string, f: Figure) =>
      `| ${spec.name} | ${label} | ${fmt(f.rowsPerSecond)} | ${fmt(f.rowsPerSecond / one, 2)} | ${fmt(
        f.rowsPerSecond / best.wasm.rowsPerSecond,
        2,
      )} | ${fmt(f.cpuMs, 0)} |`
    table.push(row(`1 thread, default kernel (\`${auto.kernel}\`)`, best.auto))
    table.push(row(`1 thread, the workers' kernel (\`${wasm.kernel}\`)`, best.wasm))
    for (const threads of threadCounts) {
      table.push(
        row(
          `predictParallel, ${threads} threads${threads === cores ? ' (all cores)' : ''}`,
          best[`p${threads}`],
        ),
      )
    }
  }
  await shutdownParallel()
  const markdown = [
    '## Multi-core batches (`bench/parallel.ts`)',
    '',
    machineLine(),
    '',
    `Load average (1 / 5 / 15 min): ${loadBefore} before, ${load()} after, on ${cores} cores shared with other jobs.`,
    '',
    `${fmt(NUM_ROWS)} rows (seeded N(0,1), 2% NaN) a batch, transformed predictions into one buffer; tinybench`,
    `mean batch time, best of ${rounds} round${rounds > 1 ? 's' : ''} (each kernel in turn in every round, after 12 warm-up batches each).`,
    '"1 thread" is `model.predict` on the calling thread; "x 1 thread" divides by its default kernel,',
    '"x workers\' kernel" by the kernel the workers run. "CPU ms" is the process\'s CPU time (all threads)',
    'per batch: above the one-thread figure, the cost of the copies and messages. Every output is the',
    'same bits as `model.predict` (checked before timing).',
    '',
    "| model | how | rows/s | x 1 thread | x workers' kernel | CPU ms a batch |",
    '| --- | --- | --- | --- | --- | --- |',
    ...table,
  ].join('\n')
  writeSection('parallel', markdown)
  console.log(markdown)
}

await main()
