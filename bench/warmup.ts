// The warm-up benchmark (issue 21): what a user meets first. For each model and kernel
// choice, a fresh process parses the model, makes one small call, then runs consecutive
// 10,000-row batches (bench/warmup-child.ts); another fresh process times 2,000 single rows.
// Reports the first batch, the median of the first five, the time to reach steady speed
// and the steady speed, beside LightGBM's batch speed measured in the same run (when
// .venv has it). Writes the `warmup` section of bench/RESULTS.md.
//
//   npx tsx bench/warmup.ts [--quick] [--repeats N] [--models deep,shape-255x500,...]

import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseModel } from '../src/index.ts'
import { benchModels, repoRoot } from './core.ts'
import { machineLine, writeSection } from './lib/results.ts'
import { normalRows } from './lib/rows.ts'

const python = `${repoRoot}.venv/bin/python`
const outDir = `${repoRoot}bench/out/`
const here = fileURLToPath(new URL('.', import.meta.url))
const KERNELS = ['auto', 'portable', 'compiled', 'wasm'] as const

interface BatchRun {
  smallMs: number
  batchMs: number[]
  cpuMs: (number | null)[]
  kernels: string[]
  rows: number
}

function child(args: string[]): unknown {
  const run = spawnSync(process.execPath, ['--import', 'tsx', `${here}warmup-child.ts`, ...args], {
    encoding: 'utf8',
    maxBuffer: 16 << 20,
    cwd: repoRoot,
  })
  if (run.status !== 0) throw new Error(`warmup-child ${args.join(' ')} failed: ${run.stderr}`)
  return JSON.parse(run.stdout.trim().split('\n').pop() as string)
}

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/** The figures of one batch run, as rows/s and seconds. */
function summarize(run: BatchRun) {
  const rate = (ms: number) => run.rows / (ms / 1000)
  const steady = rate(median(run.batchMs.slice(-8)))
  let elapsed = run.smallMs
  let toSteady = Number.NaN
  let batchesToSteady = Number.NaN
  for (let i = 0; i < run.batchMs.length; i++) {
    elapsed += run.batchMs[i]
    if (rate(run.batchMs[i]) >= 0.9 * steady) {
      toSteady = elapsed / 1000
      batchesToSteady = i + 1
      break
    }
  }
  const cpu = run.cpuMs.slice(0, 5).filter((c): c is number => typeof c === 'number')
  return {
    first: rate(run.batchMs[0]),
    firstFive: rate(median(run.batchMs.slice(0, 5))),
    slowest: rate(Math.max(...run.batchMs)),
    cpuFirstFive: cpu.length === 5 ? rate(median(cpu)) : Number.NaN,
    cpuFirst: typeof run.cpuMs[0] === 'number' ? rate(run.cpuMs[0] + run.smallMs) : Number.NaN,
    toSteady,
    batchesToSteady,
    steady,
    kernels: [...new Set(run.kernels)].join(' > '),
  }
}

/** LightGBM's batch rows/s and single-row p50 on the same rows, or undefined without .venv. */
function lightgbm(
  path: string,
  numFeatures: number,
): { rowsPerSecond: number; singleUs: number } | undefined {
  if (!existsSync(python)) return undefined
  mkdirSync(outDir, { recursive: true })
  const rows = normalRows(10_000, numFeatures)
  const rowsPath = `${outDir}rows-${numFeatures}.f64`
  writeFileSync(rowsPath, new Uint8Array(rows.buffer))
  writeFileSync(`${rowsPath}.json`, JSON.stringify({ num_rows: 10_000, num_features: numFeatures, seed: 42 }))
  const run = spawnSync(
    python,
    [
      `${here}compare/lightgbm_bench.py`,
      '--rows',
      rowsPath,
      '--repeats',
      '3',
      '--load-repeats',
      '1',
      '--single-calls',
      '1000',
      '--contrib-rows',
      '1',
      '--contrib-repeats',
      '1',
      path,
    ],
    { encoding: 'utf8', maxBuffer: 16 << 20, stdio: ['ignore', 'pipe', 'ignore'] },
  )
  if (run.status !== 0) return undefined
  const model = JSON.parse(run.stdout).models[0]
  return { rowsPerSecond: model.batch.rows_per_s, singleUs: model.single_row.us_median }
}

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '-'

async function main(): Promise<void> {
  const args = process.argv.slice(2)
  const quick = args.includes('--quick')
  const repeatsAt = args.indexOf('--repeats')
  const repeats = repeatsAt >= 0 ? Number(args[repeatsAt + 1]) : quick ? 1 : 2
  const modelsAt = args.indexOf('--models')
  const all = [
    ...benchModels,
    { name: 'multiclass-1000', path: `${outDir}multiclass-1000.txt` },
    { name: 'shape-255x500', path: `${outDir}shape-255x500.txt` },
    { name: 'shape-31x3000', path: `${outDir}shape-31x3000.txt` },
  ]
  const wanted = modelsAt >= 0 ? new Set(args[modelsAt + 1].split(',')) : undefined
  const models = all.filter((m) => existsSync(m.path) && (!wanted || wanted.has(m.name)))
  const missing = all.filter((m) => !existsSync(m.path)).map((m) => m.name)
  const batches = quick ? 15 : 25
  const budgetAt = args.indexOf('--budget')
  const budget = budgetAt >= 0 ? Number(args[budgetAt + 1]) : quick ? 45 : 120

  const lines = ['## Warm-up: the first calls (`bench/warmup.ts`)', '', machineLine(), '']
  lines.push(
    `Each figure from a fresh process (median over ${repeats} processes a cell): parse the model, one`,
    `single-row call, then ${batches} consecutive batches of 10,000 rows (seeded N(0,1), 2% NaN), one thread`,
    `(fewer, at least 8, once they have taken ${budget} s: *steady* is then the speed reached by then).`,
    '`compiled` and `wasm` compile in `withKernel`, counted with the small call. *first*: the first batch;',
    '*first 5*: median of the first five; *to steady*: seconds from the small call until a batch runs at',
    '0.9x the steady speed (batches in brackets); *steady*: median of the last 8 batches; *slowest*: the',
    "slowest batch; *CPU*: the first batch (with the small call) and the first five batches' median on the calling thread's own CPU time",
    '(Linux schedstat), which leaves out time spent waiting for a core while V8 compiles in the',
    'background on this 2-core machine. Ratios: x LightGBM 4.7.0 batch speed, same run (`num_threads=1`).',
    'Single rows: another fresh process, 2,000 calls of `predict(row)`; p50 of the first 100 and of the',
    "last 500 (x: LightGBM's fast single-row C API p50, same run).",
    '',
    '| model | kernel | first rows/s (x) | first 5 (x) | slowest | CPU: first, first 5 | to steady s | steady rows/s (x) | single p50 first 100 us (x) | last 500 (x) | kernels used |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  )
  for (const { name, path } of models) {
    const numFeatures = parseModel(readFileSync(path)).numFeatures
    console.log(`[${name}] LightGBM`)
    const lgb = lightgbm(path, numFeatures)
    const x = (v: number) => (lgb ? ` (${fmt(v / lgb.rowsPerSecond, 2)})` : '')
    const xs = (us: number) => (lgb ? ` (${fmt(lgb.singleUs / us, 2)})` : '')
    // Kernels interleaved, so that a change in the machine's load hits them all alike.
    const runsOf = new Map<string, ReturnType<typeof summarize>[]>(KERNELS.map((k) => [k, []]))
    const singlesOf = new Map<string, { first: number; last: number }[]>(KERNELS.map((k) => [k, []]))
    for (let r = 0; r < repeats; r++) {
      for (const kernel of KERNELS) {
        runsOf
          .get(kernel)
          ?.push(summarize(child([path, kernel, 'batch', String(batches), String(budget)]) as BatchRun))
        const single = child([path, kernel, 'single']) as { singleUs: number[] }
        singlesOf
          .get(kernel)
          ?.push({ first: median(single.singleUs.slice(0, 100)), last: median(single.singleUs.slice(-500)) })
      }
    }
    for (const kernel of KERNELS) {
      const runs = runsOf.get(kernel) ?? []
      const singles = singlesOf.get(kernel) ?? []
      const m = (pick: (s: ReturnType<typeof summarize>) => number) => median(runs.map(pick))
      const toSteady = m((s) => s.toSteady)
      const line = `| ${name} | ${kernel} | ${fmt(m((s) => s.first))}${x(m((s) => s.first))} | ${fmt(m((s) => s.firstFive))}${x(m((s) => s.firstFive))} | ${fmt(m((s) => s.slowest))} | ${fmt(m((s) => s.cpuFirst))}, ${fmt(m((s) => s.cpuFirstFive))} | ${fmt(toSteady, 2)} (${fmt(m((s) => s.batchesToSteady))}) | ${fmt(m((s) => s.steady))}${x(m((s) => s.steady))} | ${fmt(median(singles.map((s) => s.first)), 1)}${xs(median(singles.map((s) => s.first)))} | ${fmt(median(singles.map((s) => s.last)), 1)}${xs(median(singles.map((s) => s.last)))} | ${runs[0].kernels} |`
      console.log(line)
      lines.push(line)
    }
    if (lgb)
      lines.push(`| ${name} | LightGBM | ${fmt(lgb.rowsPerSecond)} | | | | | | ${fmt(lgb.singleUs, 1)} | | |`)
    // Written after each model, so a run cut short keeps what it measured.
    writeSection('warmup', lines.join('\n'))
  }
  if (missing.length)
    lines.push(
      '',
      `Not measured (model files absent): ${missing.join(', ')}; make them with`,
      '`.venv/bin/python bench/compare/make_models.py` and `bench/compare/make_shapes.py`.',
    )
  writeSection('warmup', lines.join('\n'))
}

await main()
