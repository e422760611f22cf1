// One fresh process of the warm-up benchmark (bench/warmup.ts): parses a model, makes one
// small call, then times consecutive 10,000-row batches (or, in `single` mode, single rows)
// on one kernel choice and prints the timings as JSON. A fresh process each time, so that
// nothing V8 learnt from an earlier run helps.
//
//   npx tsx bench/warmup-child.ts <model.txt> <auto|portable|compiled|wasm> <batch|single> [batches] [budget s]
//
// Batches stop early (after at least 8) once they have taken `budget` seconds.

import { readFileSync } from 'node:fs'
import { parseModel } from '../src/index.ts'
import { normalRows } from './lib/rows.ts'

const [path, kernel, mode, batchesArg, budgetArg] = process.argv.slice(2)
const budgetMs = Number(budgetArg ?? 120) * 1000
const BATCH_ROWS = 10_000

/** CPU time of this (main) thread in ms, from Linux's schedstat; undefined elsewhere. */
function threadCpuMs(): number | undefined {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6
  } catch {
    return undefined
  }
}

const parsed = parseModel(readFileSync(path))
const rows = normalRows(BATCH_ROWS, parsed.numFeatures)
const numFeatures = parsed.numFeatures
const started = performance.now()
// withKernel('compiled' | 'wasm') compiles now: that time counts in the first call.
const model = parsed.withKernel(kernel as 'auto')
const setupMs = performance.now() - started
const one = new Float64Array(parsed.numClass)
const firstRow = rows.subarray(0, numFeatures)

if (mode === 'single') {
  const times: number[] = []
  const used = new Set<string>()
  for (let i = 0; i < 2000; i++) {
    const r = i % 1000
    const t = performance.now()
    model.predict(rows.subarray(r * numFeatures, (r + 1) * numFeatures), one)
    times.push((performance.now() - t) * 1000)
    used.add(model.lastKernel as string)
  }
  times[0] += setupMs * 1000
  console.log(JSON.stringify({ singleUs: times, used: [...used] }))
} else {
  // The protocol: one small call, then consecutive batches.
  const t = performance.now()
  model.predict(firstRow, one)
  const smallMs = performance.now() - t + setupMs
  const out = new Float64Array(BATCH_ROWS * parsed.numClass)
  const batchMs: number[] = []
  const cpuMs: (number | undefined)[] = []
  const kernels: string[] = []
  let spent = 0
  for (let i = 0; i < Number(batchesArg ?? 25) && !(i >= 8 && spent > budgetMs); i++) {
    const cpu = threadCpuMs()
    const t0 = performance.now()
    model.predict(rows, out)
    batchMs.push(performance.now() - t0)
    spent += batchMs[batchMs.length - 1]
    const after = threadCpuMs()
    cpuMs.push(cpu === undefined || after === undefined ? undefined : after - cpu)
    kernels.push(model.lastKernel as string)
  }
  console.log(JSON.stringify({ smallMs, batchMs, cpuMs, kernels, rows: BATCH_ROWS }))
}
