// SHAP contributions per second (`model.predictContrib`, one thread) on the fixture `deep`
// model and the example package sentiment-fusion/v1.1.0; LightGBM 4.7.0's pred_contrib on
// the same rows in the same run when .venv/bin/python has lightgbm. Writes the `shap`
// section of bench/RESULTS.md. (The LightGBM-order replay that the tests hold the values
// against, test/support/shap-exact.ts, is a test reference, not measured here.)
//
//   npx tsx bench/shap.ts [--quick]

import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Bench } from 'tinybench'
import { type Model, parseModel } from '../src/index.ts'
import { machineLine, writeSection } from './lib/results.ts'

const repoRoot = fileURLToPath(new URL('..', import.meta.url))
const python = join(repoRoot, '.venv', 'bin', 'python')
const models = [
  { name: 'deep', path: '/work/shared/fixtures/lightgbm/deep/model.txt', rows: 100 },
  {
    name: 'sentiment-fusion/v1.1.0',
    path: join(repoRoot, 'models/sentiment-fusion/v1.1.0/model.txt'),
    rows: 500,
  },
]
/** Quoted from the issue: LightGBM 4.7.0 pred_contrib, one thread, on this class of machine. */
const quotedLightgbm: Record<string, number> = { deep: 74, 'sentiment-fusion/v1.1.0': 226 }

/** Seeded N(0, 1) rows with 2% NaN (mulberry32 + Box-Muller), the same every run. */
function benchRows(numRows: number, numFeatures: number, seed = 42): Float64Array {
  let state = seed >>> 0
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const out = new Float64Array(numRows * numFeatures)
  for (let i = 0; i < out.length; i++) {
    out[i] =
      random() < 0.02 ? Number.NaN : Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
  }
  return out
}

const lightgbmScript = `
import sys, time, json, numpy as np, lightgbm as lgb
model, rows_path, nf, out_path, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
X = np.fromfile(rows_path, dtype='<f8').reshape(-1, nf)
booster = lgb.Booster(model_file=model)
booster.predict(X[:2], pred_contrib=True, num_threads=1)
best = float('inf')
for _ in range(repeats):
    started = time.perf_counter()
    contrib = booster.predict(X, pred_contrib=True, num_threads=1)
    best = min(best, time.perf_counter() - started)
np.asarray(contrib, dtype='<f8').tofile(out_path)
print(json.dumps({"rowsPerSecond": X.shape[0] / best, "version": lgb.__version__}))
`

function hasLightgbm(): boolean {
  if (!existsSync(python)) return false
  return spawnSync(python, ['-c', 'import lightgbm'], { encoding: 'utf8' }).status === 0
}

/** LightGBM's pred_contrib on the same rows: rows/s (best of `repeats`) and its output. */
function lightgbmContrib(
  modelPath: string,
  rows: Float64Array,
  numFeatures: number,
  repeats: number,
): { rowsPerSecond: number; version: string; contrib: Float64Array } {
  const dir = mkdtempSync(join(tmpdir(), 'leafwise-shap-bench-'))
  try {
    const rowsPath = join(dir, 'rows.f64')
    const outPath = join(dir, 'contrib.f64')
    writeFileSync(rowsPath, new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength))
    const child = spawnSync(
      python,
      ['-c', lightgbmScript, modelPath, rowsPath, String(numFeatures), outPath, String(repeats)],
      { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } },
    )
    if (child.status !== 0) throw new Error(`LightGBM run failed: ${child.stderr}`)
    const result = JSON.parse(child.stdout.trim().split('\n').pop() as string)
    const bytes = readFileSync(outPath)
    const contrib = new Float64Array(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    )
    return { ...result, contrib }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** rows/s of `predictContrib` (tinybench, mean latency of a whole batch). */
async function timeOurs(model: Model, rows: Float64Array, timeMs: number): Promise<{ fast: number }> {
  const numRows = rows.length / model.numFeatures
  const out = new Float64Array(numRows * (model.numFeatures + 1) * model.numClass)
  const bench = new Bench({ time: timeMs, iterations: 2, warmupTime: 0, warmupIterations: 1 } as never)
  bench.add('fast', () => {
    model.predictContrib(rows, out)
  })
  await bench.run()
  const [fast] = bench.tasks.map(
    (task) => (task.result as unknown as { latency: { mean: number } }).latency.mean,
  )
  return { fast: numRows / (fast / 1000) }
}

/** Largest |a - b| / max(1, |b|). */
function worstDeviation(actual: Float64Array, expected: Float64Array): number {
  let worst = 0
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i]))
    if (!(d <= worst)) worst = d
  }
  return worst
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick')
  const rounds = quick ? 1 : 3
  const timeMs = quick ? 1500 : 4000
  const withLightgbm = hasLightgbm()
  const loadAtStart = loadavg()
  const table: string[] = []
  for (const spec of models) {
    if (!existsSync(spec.path)) {
      table.push(`| ${spec.name} | | | not measured: ${spec.path} is absent | | | | | | | |`)
      continue
    }
    const model = parseModel(readFileSync(spec.path))
    const rows = benchRows(spec.rows, model.numFeatures)
    // The first call on a fresh model builds the per-forest paths and tables (timed apart).
    const firstStarted = performance.now()
    model.predictContrib(rows)
    const firstSeconds = (performance.now() - firstStarted) / 1000
    // Alternate LightGBM and leafwise rounds so that both see the same machine load.
    let best = { fast: 0 }
    let lightgbm: { rowsPerSecond: number; version: string; contrib: Float64Array } | undefined
    const ratios: number[] = []
    for (let round = 0; round < rounds; round++) {
      if (withLightgbm) {
        const run = lightgbmContrib(spec.path, rows, model.numFeatures, quick ? 1 : 3)
        if (!lightgbm || run.rowsPerSecond > lightgbm.rowsPerSecond) lightgbm = run
      }
      const ours = await timeOurs(model, rows, timeMs)
      if (lightgbm) ratios.push(ours.fast / lightgbm.rowsPerSecond)
      best = { fast: Math.max(best.fast, ours.fast) }
      console.error(`${spec.name} round ${round + 1}: ${fmt(ours.fast, 1)} rows/s`)
    }
    const quoted = quotedLightgbm[spec.name]
    const deviation = lightgbm ? worstDeviation(model.predictContrib(rows), lightgbm.contrib) : undefined
    ratios.sort((a, b) => a - b)
    table.push(
      `| ${spec.name} | ${model.numTrees} | ${spec.rows} | ${fmt(firstSeconds, 2)} | ${fmt(best.fast, 1)} | ${fmt(quoted)} | ${fmt(best.fast / quoted, 2)} | ${
        lightgbm ? fmt(lightgbm.rowsPerSecond, 1) : 'n/a'
      } | ${lightgbm ? fmt(best.fast / lightgbm.rowsPerSecond, 2) : 'n/a'} | ${
        ratios.length ? fmt(ratios[ratios.length >> 1], 2) : 'n/a'
      } | ${deviation === undefined ? 'n/a' : deviation.toExponential(1)} |`,
    )
  }
  const markdown = [
    '## SHAP contributions (predictContrib)',
    '',
    machineLine(),
    '',
    'One thread. Rows: seeded N(0,1) with 2% NaN; a batch of `rows` rows per call (tinybench mean,',
    `best of ${rounds} round${rounds > 1 ? 's' : ''}). "default" is \`model.predictContrib\` (src/lightgbm/shap.ts: per-leaf tables of`,
    "the Shapley sums for every cold set, Fast TreeSHAP v2; built on a forest's first calls, within 64 MiB);",
    '"first call" is the first `predictContrib` of a freshly parsed model on the same rows, building included.',
    '"LightGBM quoted" is the figure given in the issue for LightGBM 4.7.0 on this class of machine:',
    'quoted, not measured here. "LightGBM same run" is `Booster.predict(X, pred_contrib=True,',
    'num_threads=1)` from .venv on the same rows, alternating with our rounds (best of each side;',
    'the median ratio is over rounds). "max dev" is the largest |ours - LightGBM| / max(1, |LightGBM|).',
    '',
    `Load average (1 / 5 / 15 min): ${loadAtStart.map((v) => v.toFixed(2)).join(' / ')} at the start, ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' / ')} at the end, on ${cpus().length} cores shared with other jobs.`,
    '',
    '| model | trees | rows | first call s | default rows/s | LightGBM quoted | x quoted | LightGBM same run | x same run | median x | max dev |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...table,
    withLightgbm ? '' : '\nLightGBM was not measured in this run (no .venv/bin/python with lightgbm).',
  ].join('\n')
  writeSection('shap', markdown)
  console.log(markdown)
}

await main()
