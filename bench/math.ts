// exp and log1p of src/lightgbm/math.ts (glibc's, from IEEE arithmetic) against the
// runtime's Math.exp and Math.log1p, over 4,096 arguments of the range raw scores take
// (-20..20, as in sigmoid and softmax). Writes the `math` section of bench/RESULTS.md.
//
//   npx tsx bench/math.ts

import { Bench } from 'tinybench'
import { exp, log1p } from '../src/lightgbm/math.ts'
import { machineLine, writeSection } from './lib/results.ts'

const COUNT = 4096
const args = new Float64Array(COUNT)
let state = 12345
for (let i = 0; i < COUNT; i++) {
  state = (Math.imul(state, 1103515245) + 12345) >>> 0
  args[i] = (state / 2 ** 32) * 40 - 20
}
const positive = args.map(Math.abs)

let sink = 0
// One loop per function (no shared higher-order helper), so each call site stays
// monomorphic and the engine can inline what it would inline in applyTransform.
const bench = new Bench({ time: 1000, warmup: true })
bench
  .add('Math.exp', () => {
    let sum = 0
    for (let i = 0; i < COUNT; i++) sum += Math.exp(args[i])
    sink += sum
  })
  .add('exp (math.ts)', () => {
    let sum = 0
    for (let i = 0; i < COUNT; i++) sum += exp(args[i])
    sink += sum
  })
  .add('Math.log1p', () => {
    let sum = 0
    for (let i = 0; i < COUNT; i++) sum += Math.log1p(positive[i])
    sink += sum
  })
  .add('log1p (math.ts)', () => {
    let sum = 0
    for (let i = 0; i < COUNT; i++) sum += log1p(positive[i])
    sink += sum
  })
await bench.run()

const nsPerCall = (name: string): number => {
  const task = bench.getTask(name)
  const result = task?.result as { latency?: { mean: number } } | undefined
  if (!result?.latency) throw new Error(`no result for ${name}`)
  return (result.latency.mean * 1e6) / COUNT
}
const rows = [
  ['exp', nsPerCall('Math.exp'), nsPerCall('exp (math.ts)')],
  ['log1p', nsPerCall('Math.log1p'), nsPerCall('log1p (math.ts)')],
] as const
const table = rows
  .map(
    ([name, ref, ours]) =>
      `| ${name} | ${ref.toFixed(1)} | ${ours.toFixed(1)} | ${(ours / ref).toFixed(2)}x |`,
  )
  .join('\n')
const md = `## math: glibc's exp and log1p in TypeScript vs Math.exp / Math.log1p

${machineLine()}

Nanoseconds per call over ${COUNT} arguments in [-20, 20] (log1p: [0, 20]), \`npx tsx bench/math.ts\`.

| function | Math.* (ns) | math.ts (ns) | ratio |
|---|---|---|---|
${table}
`
writeSection('math', md)
console.log(md)
if (Number.isNaN(sink)) console.log('')
