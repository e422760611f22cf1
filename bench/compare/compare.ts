// `npm run bench:compare`: leafwise against LightGBM 4.7.0 (its Python package, one
// thread) in one run, on the same model files and the same rows: model load, batch
// predict and single-row latency, with the ratios, after checking that both predict the
// same values. Needs .venv with lightgbm and numpy (bench/compare/README.md); skipped with
// a message otherwise. Writes the `compare` section of bench/RESULTS.md.
//
//   npx tsx bench/compare/compare.ts [--quick] [--no-big] [--mb 500]

import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Model } from '../../src/index.ts'
import { benchModels, measureBigLoad, repoRoot, timeLoad, timePredict } from '../core.ts'
import { machineLine, writeSection } from '../lib/results.ts'
import { normalRows } from '../lib/rows.ts'

const python = `${repoRoot}.venv/bin/python`
const outDir = `${repoRoot}bench/out/`
const here = fileURLToPath(new URL('.', import.meta.url))
const NUM_ROWS = 10_000

function run(args: string[], what: string): string {
  const child = spawnSync(python, args, {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  if (child.status !== 0) throw new Error(`${what} failed (exit ${child.status})`)
  return child.stdout
}

/** The rows file for `numFeatures` columns (float64le, row-major, with its sidecar). */
function rowsFile(numFeatures: number): { path: string; rows: Float64Array } {
  const rows = normalRows(NUM_ROWS, numFeatures)
  const path = `${outDir}rows-${numFeatures}.f64`
  writeFileSync(path, new Uint8Array(rows.buffer))
  writeFileSync(`${path}.json`, JSON.stringify({ num_rows: NUM_ROWS, num_features: numFeatures, seed: 42 }))
  return { path, rows }
}

interface LightgbmModel {
  name: string
  load: { ms_best: number }
  batch: { rows_per_s: number }
  single_row: { us_median: number }
  pred_file: string
}

/** Values that are not the same double, and the largest relative difference. */
function agreement(expected: Float64Array, actual: Float64Array): { differ: number; maxRel: number } {
  let differ = 0
  let maxRel = 0
  for (let i = 0; i < expected.length; i++) {
    if (Object.is(expected[i], actual[i]) || expected[i] === actual[i]) continue
    differ++
    const rel = Math.abs(expected[i] - actual[i]) / Math.max(Math.abs(expected[i]), 1e-300)
    if (!(rel <= maxRel)) maxRel = rel
  }
  return { differ, maxRel }
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

async function main(): Promise<void> {
  const args = process.argv.slice(2)
  const quick = args.includes('--quick')
  const mbIndex = args.indexOf('--mb')
  const megabytes = mbIndex >= 0 ? Number(args[mbIndex + 1]) : 500
  if (!existsSync(python) || spawnSync(python, ['-c', 'import lightgbm, numpy']).status !== 0) {
    console.log(
      'bench:compare skipped: no Python LightGBM here. Set it up with\n' +
        '  python3 -m venv .venv && .venv/bin/pip install lightgbm numpy',
    )
    return
  }
  mkdirSync(outDir, { recursive: true })
  const multiclass = `${outDir}multiclass-1000.txt`
  if (!existsSync(multiclass)) run([`${here}make_models.py`, '--rows', '0'], 'make_models.py')
  // The issue's two shapes (bench/compare/make_shapes.py), when made.
  const shapes = ['shape-255x500', 'shape-31x3000']
    .map((name) => ({ name, path: `${outDir}${name}.txt` }))
    .filter((m) => existsSync(m.path))
  const models = [...benchModels, { name: 'multiclass-1000', path: multiclass }, ...shapes]

  const lines: string[] = ['## Same-run comparison with LightGBM 4.7.0', '', machineLine(), '']
  lines.push(
    `LightGBM: its Python package (\`lightgbm_bench.py\`), \`num_threads=1\`; same model files, same ${fmt(NUM_ROWS)}`,
    'rows (seeded N(0,1), 2% NaN). Batch: one predict call on all rows, best of 5 for LightGBM; for leafwise',
    "the best of 5, then of 3 more a kernel in each of several passes over the kernels in turn. Single row: LightGBM's",
    'fast single-row C API (median, ctypes call included, ~0.2 us) vs leafwise `model.predict` on one row',
    '(mean, then p50 in brackets). LightGBM runs before and after leafwise; each of its figures is the',
    'better of the two runs (the machine is shared, its load changes within minutes).',
    'Ratio = leafwise speed / LightGBM speed (> 1: leafwise faster); for',
    "single rows it compares medians (p50), as LightGBM's figure is a median. `auto` is the default kernel",
    'choice (portable, then the WebAssembly kernel once a call pays for compiling it; single rows time both).',
    'Every kernel is warmed up until its speed is stable: the first calls are in the `warmup` section.',
    '',
    '| model | load s LightGBM / leafwise (x) | LightGBM rows/s | portable rows/s (x) | compiled rows/s (x) | compile s | wasm rows/s (x) | wasm compile s | auto rows/s (x) | single us LightGBM | portable us (x) | compiled us (x) | wasm us (x) | auto us (x) | same predictions |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  )
  const targets: string[] = []
  const onnxLines: string[] = []
  let onnxVersion = ''
  for (const { name, path } of models) {
    const load = timeLoad(path, quick ? 2 : 3)
    const model = load.model
    const { path: rowsPath, rows } = rowsFile(model.numFeatures)
    const predPath = `${outDir}${name.replaceAll('/', '-')}.lgb-pred.f64`
    console.log(`[${name}] LightGBM`)
    // LightGBM's own bench on the same rows (saving its predictions on the first run).
    const lightgbm = (savePred?: string): LightgbmModel =>
      (
        JSON.parse(
          run(
            [
              `${here}lightgbm_bench.py`,
              '--rows',
              rowsPath,
              ...(savePred ? ['--save-pred', savePred] : []),
              '--contrib-rows',
              '1',
              '--contrib-repeats',
              '1',
              '--repeats',
              quick ? '2' : '5',
              '--single-calls',
              quick ? '500' : '2000',
              path,
            ],
            'lightgbm_bench.py',
          ),
        ) as { models: LightgbmModel[] }
      ).models[0]
    const lgb = lightgbm(predPath)
    const lgbPred = readFileSync(lgb.pred_file)
    const expected = new Float64Array(lgbPred.buffer, lgbPred.byteOffset, lgbPred.byteLength / 8)
    console.log(`[${name}] leafwise`)
    const portable = await timePredict(model.withKernel('portable'), rows, quick ? 500 : 2000)
    const compileStart = performance.now()
    const compiledModel = model.withKernel('compiled')
    const compileSeconds = (performance.now() - compileStart) / 1000
    const compiled = await timePredict(compiledModel, rows, quick ? 500 : 2000)
    const wasmStart = performance.now()
    const wasmModel = model.withKernel('wasm')
    const wasmSeconds = (performance.now() - wasmStart) / 1000
    const wasm = await timePredict(wasmModel, rows, quick ? 500 : 2000)
    // The default kernel choice, on a fresh parse (no kernel compiled for it yet).
    const autoModel = timeLoad(path, 1).model
    const auto = await timePredict(autoModel, rows, quick ? 500 : 2000)
    // More rounds of batches with the kernels in turn: a burst of other work on this shared
    // machine then cannot decide one kernel's figure alone (each keeps its best batch).
    morePasses(
      [
        [model.withKernel('portable'), portable],
        [compiledModel, compiled],
        [wasmModel, wasm],
        [autoModel, auto],
      ],
      rows,
      quick ? 6 : 10,
    )
    const checks = [compiledModel, model.withKernel('portable'), wasmModel].map((m) =>
      agreement(expected, m.predict(rows)),
    )
    const differ = checks.reduce((n, c) => n + c.differ, 0)
    const sameText =
      differ === 0
        ? `all ${fmt(expected.length)} equal`
        : `${differ} differ (max rel ${Math.max(...checks.map((c) => c.maxRel)).toExponential(1)})`
    const lgbLoad = lgb.load.ms_best / 1000
    const x = (v: number) => fmt(v, 2)
    // LightGBM again, after leafwise: on a shared machine the load changes within minutes,
    // so each LightGBM figure is the better of its two runs (never in leafwise's favour).
    console.log(`[${name}] LightGBM again`)
    const again = lightgbm()
    lgb.batch.rows_per_s = Math.max(lgb.batch.rows_per_s, again.batch.rows_per_s)
    lgb.single_row.us_median = Math.min(lgb.single_row.us_median, again.single_row.us_median)
    const line = `| ${name} | ${fmt(lgbLoad, 3)} / ${fmt(load.best, 3)} (${x(lgbLoad / load.best)}) | ${fmt(lgb.batch.rows_per_s)} | ${fmt(portable.rowsPerSecond)} (${x(portable.rowsPerSecond / lgb.batch.rows_per_s)}) | ${fmt(compiled.rowsPerSecond)} (${x(compiled.rowsPerSecond / lgb.batch.rows_per_s)}) | ${fmt(compileSeconds, 2)} | ${fmt(wasm.rowsPerSecond)} (${x(wasm.rowsPerSecond / lgb.batch.rows_per_s)}) | ${fmt(wasmSeconds, 2)} | ${fmt(auto.rowsPerSecond)} (${x(auto.rowsPerSecond / lgb.batch.rows_per_s)}) | ${fmt(lgb.single_row.us_median, 1)} | ${fmt(portable.singleUs, 1)} (${fmt(portable.singleP50Us, 1)}) (${x(lgb.single_row.us_median / portable.singleP50Us)}) | ${fmt(compiled.singleUs, 1)} (${fmt(compiled.singleP50Us, 1)}) (${x(lgb.single_row.us_median / compiled.singleP50Us)}) | ${fmt(wasm.singleUs, 1)} (${fmt(wasm.singleP50Us, 1)}) (${x(lgb.single_row.us_median / wasm.singleP50Us)}) | ${fmt(auto.singleUs, 1)} (${fmt(auto.singleP50Us, 1)}) (${x(lgb.single_row.us_median / auto.singleP50Us)}) | ${sameText} |`
    console.log(line)
    lines.push(line)
    // ONNX Runtime, the second peer: the same rows, one thread (onnx_bench.py converts the model).
    console.log(`[${name}] ONNX Runtime`)
    const onnx = JSON.parse(
      run(
        [
          `${here}onnx_bench.py`,
          '--rows',
          rowsPath,
          '--repeats',
          quick ? '2' : '5',
          '--single-calls',
          quick ? '300' : '1000',
          path,
        ],
        'onnx_bench.py',
      ),
    ) as {
      error?: string
      onnxruntime_version: string
      batch: { rows_per_s: number }
      single_row: { us_median: number }
      max_rel_diff_raw: number
      convert_seconds: number
      session_seconds: number
    }
    if (onnx.error) onnxLines.push(`| ${name} | ${onnx.error} | | | | | |`)
    else {
      onnxVersion = onnx.onnxruntime_version
      onnxLines.push(
        `| ${name} | ${fmt(onnx.batch.rows_per_s)} (${x(onnx.batch.rows_per_s / lgb.batch.rows_per_s)}) | ${x(auto.rowsPerSecond / onnx.batch.rows_per_s)} | ${fmt(onnx.single_row.us_median, 1)} | ${x(onnx.single_row.us_median / auto.singleP50Us)} | ${onnx.max_rel_diff_raw.toExponential(1)} | ${fmt(onnx.convert_seconds + onnx.session_seconds, 1)} |`,
      )
    }
    targets.push(
      `${name}: default (auto) ${x(auto.rowsPerSecond / lgb.batch.rows_per_s)}x at steady state (target >= 8x, never below 6x), portable ${x(portable.rowsPerSecond / lgb.batch.rows_per_s)}x (target >= 3x), WebAssembly compiled in ${fmt(wasmSeconds, 2)} s (target about 1 s), single row (auto) ${x(lgb.single_row.us_median / auto.singleP50Us)}x (target >= 3x)`,
    )
  }

  lines.push(
    '',
    `ONNX Runtime${onnxVersion ? ` ${onnxVersion}` : ''} (Python package in .venv, CPU provider, one intra-op thread), same rows: onnxmltools`,
    'does not install here (no wheel in the offline mirror), so `onnx_bench.py` converts each model from',
    "LightGBM's `dump_model()` into one `TreeEnsembleRegressor` with double thresholds and leaf values (raw",
    'scores, SUM over trees). Its outputs are float32, so they agree with LightGBM within float32 precision',
    '(largest relative difference below), not bit for bit. Single row: `session.run` on one row from Python',
    '(median, call overhead included).',
    '',
    '| model | ONNX Runtime rows/s (x LightGBM) | leafwise auto / ONNX Runtime | ONNX Runtime single us | leafwise auto single / ONNX Runtime | max rel diff (raw) | convert + session s |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...onnxLines,
  )
  if (!args.includes('--no-big')) {
    console.log('[big model] leafwise load (child processes)')
    // Best of 3 fresh processes each: the machine is shared, and one load takes seconds.
    const big = await measureBigLoad(megabytes, 3, 'file')
    const stream = await measureBigLoad(megabytes, 3, 'stream')
    console.log('[big model] LightGBM load')
    const lgbRun = () =>
      JSON.parse(
        run(
          [
            '-c',
            'import json, resource, sys, time\nimport lightgbm as lgb\nbefore = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\nt = time.perf_counter()\nb = lgb.Booster(model_file=sys.argv[1])\ns = time.perf_counter() - t\nprint(json.dumps({"seconds": s, "peakMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "baselineMB": before / 1024, "trees": b.num_trees()}))',
            big.path,
          ],
          'LightGBM big-model load',
        ),
      ) as { seconds: number; peakMB: number; baselineMB: number }
    const lgbBig = [lgbRun(), lgbRun(), lgbRun()].sort((a, b) => a.seconds - b.seconds)[0]
    const mb = big.bytes / 1e6
    const fileMiB = big.bytes / 2 ** 20
    const row = (what: string, r: { seconds: number; peakMB: number; baselineMB: number }) =>
      `| ${what} | ${fmt(r.seconds, 2)} | ${fmt(mb / r.seconds)} | ${fmt(r.peakMB)} (${fmt(r.baselineMB)}) | ${x2(r.peakMB / fileMiB)} | ${x2(lgbBig.seconds / r.seconds)} |`
    lines.push(
      '',
      `Big model: ${big.trees.toLocaleString('en-US')} trees of \`deep\` (255 leaves), ${fmt(mb)} MB (\`bench/gen-big-model.ts\`), each loaded`,
      'in a fresh process that reports its own peak RSS (runtime included; RSS before the load in brackets);',
      'best of 3 processes each.',
      'leafwise: the built package (`bench/load-child.mjs`): `loadModelFile` (leafwise/node; big files parsed on',
      'worker threads, one per core, as LightGBM parses on all cores) and `loadModel` on a stream (one thread).',
      'LightGBM: `lgb.Booster(model_file=...)`, which parses trees on all cores (OpenMP).',
      '',
      '| | load s | parse MB/s | peak RSS MB | peak / file size | LightGBM time / this time |',
      '| --- | --- | --- | --- | --- | --- |',
      row('LightGBM 4.7.0', lgbBig),
      row('leafwise `loadModelFile` (workers)', big),
      row('leafwise `loadModel` (stream, one thread)', stream),
    )
    targets.push(
      `${fmt(mb)} MB model: loadModelFile ${x2(lgbBig.seconds / big.seconds)}x LightGBM's load speed (target > 1x), peak RSS ${x2(big.peakMB / fileMiB)} of the file's size (target < 1); one thread: ${x2(lgbBig.seconds / stream.seconds)}x, ${x2(stream.peakMB / fileMiB)}`,
    )
    console.log(lines.slice(-4).join('\n'))
  }
  lines.push(
    '',
    "The issue's targets, this run (ratios to LightGBM; > 1: leafwise faster):",
    '',
    ...targets.map((t) => `* ${t}`),
    '',
    'Where a batch target is missed, what limits it: the WebAssembly table walk has no branch a',
    'node, but its 8 rows walk a tree in step until the deepest of them reaches a leaf, so it',
    'executes 1.3-2x the steps the rows need (on these rows: deep 13.6 steps a row and tree for',
    '7.3 needed, sentiment-fusion 8.9 for 5.4, the 3,000-tree shape 6.9 for 3.4); regrouping',
    'the rows left over after a fixed number of steps measured 0.78-1.11x (docs/performance.md).',
  )
  writeSection('compare', lines.join('\n'))
}

const x2 = (n: number) => n.toFixed(2)

/** `passes` more rounds of three batches per kernel, in turn; each result keeps its best rate. */
function morePasses(kernels: [Model, { rowsPerSecond: number }][], rows: Float64Array, passes: number): void {
  for (let pass = 0; pass < passes; pass++) {
    for (const [model, result] of kernels) {
      const numRows = rows.length / model.numFeatures
      const out = new Float64Array(numRows * model.numClass)
      for (let i = 0; i < 3; i++) {
        const started = performance.now()
        model.predict(rows, out)
        result.rowsPerSecond = Math.max(
          result.rowsPerSecond,
          numRows / ((performance.now() - started) / 1000),
        )
      }
    }
  }
}

await main()
