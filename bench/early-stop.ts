// Prediction early stopping (`predEarlyStop`, LightGBM's pred_early_stop): rows/s of
// `model.predictRaw` on 20,000 seeded N(0, 1) rows, full vs early-stopped at several
// (freq, margin), and the share of rows that stopped early (their raw scores differ from
// the full ones). LightGBM 4.7.0's own predict with and without pred_early_stop on the
// same rows in the same run when a Python with lightgbm is found (LEAFWISE_PYTHON, else
// .venv/bin/python). Writes the `early-stop` section of bench/RESULTS.md.
//
//   npx tsx bench/early-stop.ts [--quick]

import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Model, type PredictOptions, parseModel } from '../src/index.ts'
import { machineLine, writeSection } from './lib/results.ts'
import { normalRows } from './lib/rows.ts'

const repoRoot = fileURLToPath(new URL('..', import.meta.url))
const quick = process.argv.includes('--quick')
const numRows = quick ? 2_000 : 20_000
const repeats = quick ? 2 : 5
const python = process.env.LEAFWISE_PYTHON ?? join(repoRoot, '.venv', 'bin', 'python')

const models = [
  { name: 'sentiment-fusion/v1.1.0 (multiclass, 250 it.)', path: 'models/sentiment-fusion/v1.1.0/model.txt' },
  { name: 'early-signal/v1.0.0 (binary, 67 it.)', path: 'models/early-signal/v1.0.0/model.txt' },
  { name: 'compat binary (80 it.)', path: 'test/fixtures/compat/early-stop/binary/model.txt' },
  { name: 'compat lambdarank (60 it.)', path: 'test/fixtures/compat/early-stop/lambdarank/model.txt' },
]
const settings = [
  { freq: 10, margin: 10 },
  { freq: 10, margin: 4 },
  { freq: 5, margin: 2 },
]

/** Best rows/s of `run` over `repeats` runs (after one warm-up). */
function rowsPerSecond(run: () => void): number {
  run()
  let best = Number.POSITIVE_INFINITY
  for (let i = 0; i < repeats; i++) {
    const started = performance.now()
    run()
    best = Math.min(best, performance.now() - started)
  }
  return numRows / (best / 1000)
}

function stoppedShare(model: Model, rows: Float64Array, options: PredictOptions): number {
  const full = model.predictRaw(rows)
  const stopped = model.predictRaw(rows, undefined, options)
  const width = model.numClass
  let changed = 0
  for (let r = 0; r < numRows; r++) {
    for (let k = 0; k < width; k++) {
      if (!Object.is(full[r * width + k], stopped[r * width + k])) {
        changed++
        break
      }
    }
  }
  return changed / numRows
}

const lightgbmScript = `
import sys, time, json, numpy as np, lightgbm as lgb
model, rows_path, nf, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
settings = json.loads(sys.argv[5])
X = np.fromfile(rows_path, dtype='<f8').reshape(-1, nf)
booster = lgb.Booster(model_file=model)
def best(**kw):
    booster.predict(X[:100], raw_score=True, num_threads=1, **kw)
    t = float('inf')
    for _ in range(repeats):
        s = time.perf_counter(); booster.predict(X, raw_score=True, num_threads=1, **kw); t = min(t, time.perf_counter() - s)
    return X.shape[0] / t
out = {"full": best(), "version": lgb.__version__}
for f, m in settings:
    out[f"{f}/{m}"] = best(pred_early_stop=True, pred_early_stop_freq=f, pred_early_stop_margin=m)
print(json.dumps(out))
`

function lightgbmRates(
  modelPath: string,
  rows: Float64Array,
  numFeatures: number,
): Record<string, number> | undefined {
  if (!existsSync(python)) return undefined
  const dir = mkdtempSync(join(tmpdir(), 'leafwise-early-stop-bench-'))
  try {
    const rowsPath = join(dir, 'rows.f64')
    writeFileSync(rowsPath, new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength))
    const pairs = JSON.stringify(settings.map((s) => [s.freq, s.margin]))
    const child = spawnSync(
      python,
      ['-c', lightgbmScript, modelPath, rowsPath, String(numFeatures), String(repeats), pairs],
      { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } },
    )
    if (child.status !== 0) return undefined
    return JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const fmt = (x: number) => Math.round(x).toLocaleString('en-US')
const loadAtStart = loadavg()[0]
const lines: string[] = []
let lightgbmVersion: string | undefined
for (const spec of models) {
  const path = join(repoRoot, spec.path)
  const model = parseModel(readFileSync(path)).withKernel('portable')
  const auto = parseModel(readFileSync(path))
  const rows = normalRows(numRows, model.numFeatures)
  const lightgbm = lightgbmRates(path, rows, model.numFeatures)
  if (lightgbm) lightgbmVersion = String(lightgbm.version)
  const full = rowsPerSecond(() => model.predictRaw(rows))
  const fullAuto = rowsPerSecond(() => auto.predictRaw(rows))
  const lgbFull = lightgbm ? fmt(lightgbm.full) : 'n/a'
  const vsAuto = (rate: number) => (rate / fullAuto).toFixed(2)
  lines.push(`| ${spec.name} | full (portable) | ${fmt(full)} | 1.00 | ${vsAuto(full)} | 0% | ${lgbFull} |`)
  lines.push(
    `| | full (auto: \`${auto.lastKernel}\`) | ${fmt(fullAuto)} | ${(fullAuto / full).toFixed(2)} | 1.00 | 0% | |`,
  )
  for (const { freq, margin } of settings) {
    const options = { predEarlyStop: true, predEarlyStopFreq: freq, predEarlyStopMargin: margin }
    const rate = rowsPerSecond(() => model.predictRaw(rows, undefined, options))
    const rateAuto = rowsPerSecond(() => auto.predictRaw(rows, undefined, options))
    const share = stoppedShare(model, rows, options)
    const lgb = lightgbm
      ? `${fmt(lightgbm[`${freq}/${margin}`])} (${(lightgbm[`${freq}/${margin}`] / lightgbm.full).toFixed(2)}x)`
      : 'n/a'
    lines.push(
      `| | early stop freq ${freq}, margin ${margin}, portable | ${fmt(rate)} | ${(rate / full).toFixed(2)} | ${vsAuto(rate)} | ${(share * 100).toFixed(1)}% | ${lgb} |`,
    )
    lines.push(
      `| | early stop freq ${freq}, margin ${margin}, auto (\`${auto.lastKernel}\`) | ${fmt(rateAuto)} | ${(rateAuto / full).toFixed(2)} | ${vsAuto(rateAuto)} | | |`,
    )
  }
  console.log(`${spec.name}: done`)
}

const section = `## Prediction early stopping (\`bench/early-stop.ts\`)

${machineLine()}; 1-minute load average at start ${loadAtStart.toFixed(1)}

\`model.predictRaw\` on ${fmt(numRows)} seeded N(0,1) rows with 2% NaN (bench/lib/rows.ts), best of
${repeats}; "x portable" is against the portable kernel without early stopping, "x auto" against the
default kernel without early stopping, both in the same run; early stopping runs on the
portable kernel and, with \`auto\` (the default), on the WebAssembly table walk once it is built
(rows that stop leave the block after each round of \`freq\` iterations). "stopped" is the share of rows whose raw scores
differ from the full ones. LightGBM: ${lightgbmVersion ? `${lightgbmVersion}, \`predict(raw_score=True, num_threads=1)\` on the same rows in the same run (its ratio to its own full predict in brackets)` : 'not measured (no Python with lightgbm found)'}.

| model | prediction | rows/s | x portable | x auto | stopped | LightGBM rows/s |
| --- | --- | --- | --- | --- | --- | --- |
${lines.join('\n')}

The gain follows the share of rows stopped and how early they stop; a model whose raw scores
rarely pass the margin only pays for the checks (and, on the table walk, for walking each
round's trees as a separate pass).
`
writeSection('early-stop', section)
console.log(section)
