// Long fuzz campaigns over the model parser and kernels (`npm run fuzz -- --iterations N`).
//
// Every input is a fixture model mutated 1-3 times (test/fuzz/mutate.ts) and judged by
// test/fuzz/harness.ts: a ModelParseError, or a model that agrees with the reference
// evaluator bit for bit. Inputs run in worker threads; each worker publishes the index
// and start time of its current input in shared memory, and a watchdog terminates a
// worker whose input runs longer than --hang-ms (a true infinite loop included), records
// the hang and starts a fresh worker after it.
//
//   npm run fuzz -- --iterations 1000000 [--seed 1] [--workers 2] [--deep-every 16]
//                   [--hang-ms 10000] [--record]      (--record writes bench/RESULTS.md)
//   npm run fuzz -- --replay SEED:INDEX                (rebuilds and checks one input)

import { writeFileSync } from 'node:fs'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { machineLine, writeSection } from '../../bench/lib/results.ts'
import { checkInput, KNOWN_LENIENCIES, loadCorpus, rejectionClass } from './harness.ts'
import { inputSeed, mutate, Random } from './mutate.ts'

interface Stats {
  inputs: number
  rejected: number
  accepted: number
  bytes: number
  errors: Record<string, number>
  /** Parser refused, reference accepted: parser stricter than the reference. */
  stricter: Record<string, number>
  /** Parser accepted, reference refused: documented leniencies. */
  lenient: Record<string, number>
  mutations: Record<string, number>
  crashes: { index: number; detail: string; input: string }[]
  hangs: { index: number; ms: number; input: string }[]
  slowest: { index: number; ms: number; input: string }
}

function emptyStats(): Stats {
  return {
    inputs: 0,
    rejected: 0,
    accepted: 0,
    bytes: 0,
    errors: {},
    stricter: {},
    lenient: {},
    mutations: {},
    crashes: [],
    hangs: [],
    slowest: { index: -1, ms: 0, input: '' },
  }
}

function bump(map: Record<string, number>, key: string, by = 1): void {
  map[key] = (map[key] ?? 0) + by
}

function merge(into: Stats, from: Stats): void {
  into.inputs += from.inputs
  into.rejected += from.rejected
  into.accepted += from.accepted
  into.bytes += from.bytes
  for (const field of ['errors', 'stricter', 'lenient', 'mutations'] as const)
    for (const [k, v] of Object.entries(from[field])) bump(into[field], k, v)
  into.crashes.push(...from.crashes)
  into.hangs.push(...from.hangs)
  if (from.slowest.ms > into.slowest.ms) into.slowest = from.slowest
}

const corpus = loadCorpus({ fullLimit: 16 * 1024, cutTrees: 2 })

/** Builds input `index` of campaign `seed`: which fixture, which mutations, and its generator. */
function buildInput(seed: number, index: number) {
  const random = new Random(inputSeed(seed, index))
  const entry = corpus[random.int(corpus.length)]
  const { bytes, applied } = mutate(entry.bytes, random)
  return { random, entry, bytes, applied, label: `${seed}:${index} ${entry.name} [${applied.join(', ')}]` }
}

function runOne(seed: number, index: number, deepEvery: number, stats: Stats): void {
  const { random, bytes, applied, label } = buildInput(seed, index)
  for (const name of applied) bump(stats.mutations, name)
  const started = performance.now()
  const outcome = checkInput(bytes, random, { deep: index % deepEvery === 0 })
  const ms = performance.now() - started
  stats.inputs++
  stats.bytes += bytes.length
  if (ms > stats.slowest.ms) stats.slowest = { index, ms, input: label }
  if (outcome.kind === 'crash') stats.crashes.push({ index, detail: outcome.detail, input: label })
  else if (outcome.kind === 'rejected') {
    stats.rejected++
    const kind = rejectionClass(outcome.message)
    bump(stats.errors, kind)
    if (outcome.referenceAccepted) bump(stats.stricter, kind)
  } else {
    stats.accepted++
    const refusal = outcome.referenceRefusal
    if (refusal) bump(stats.lenient, refusal)
    if (refusal && !KNOWN_LENIENCIES.has(refusal))
      stats.crashes.push({
        index,
        detail: `accepted a model the reference refuses (${refusal})`,
        input: label,
      })
  }
}

// ---- worker ------------------------------------------------------------------------

if (!isMainThread) {
  const { seed, start, end, stride, deepEvery, progress } = workerData as {
    seed: number
    start: number
    end: number
    stride: number
    deepEvery: number
    progress: SharedArrayBuffer
  }
  const current = new Float64Array(progress) // [index, start time (ms since epoch)]
  let stats = emptyStats()
  let lastReport = Date.now()
  for (let index = start; index < end; index += stride) {
    current[0] = index
    current[1] = Date.now()
    runOne(seed, index, deepEvery, stats)
    if (Date.now() - lastReport > 1000) {
      parentPort!.postMessage({ stats })
      stats = emptyStats()
      lastReport = Date.now()
    }
  }
  current[1] = 0
  parentPort!.postMessage({ stats, done: true })
}

// ---- main --------------------------------------------------------------------------

function argument(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`)
  return at >= 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback
}

function top(map: Record<string, number>, n: number): [string, number][] {
  return Object.entries(map)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
}

function summary(stats: Stats, command: string, seconds: number, workers: number): string {
  const rate = stats.inputs / seconds
  const lines = [
    '## Parser fuzz campaign (`test/fuzz/campaign.ts`)',
    '',
    machineLine(),
    '',
    `Command: \`${command}\``,
    '',
    `Inputs are fixture models (${corpus.length} seeds: the committed fixtures and every shared model up to 1 MB, each also cut to its first 2 trees, files above 16 KB used only cut) mutated 1-3 times: byte flips, truncation, duplicated / deleted / swapped lines, swapped keys, hostile counts, NaN/Infinity and enormous tokens, CRLF, bare CR, BOM. Each outcome must be a \`ModelParseError\`, or a model whose raw scores, leaf indices (all iterations and a random window) equal the reference evaluator's bit for bit on 6 hostile rows, and transformed predictions within 4 ulp (the reference uses Math.exp, leafwise glibc's exp); every ${Number(argument('deep-every', '16'))}th input also checks the chunked parse, SHAP and the compiled kernel. A watchdog terminates any input running over ${argument('hang-ms', '10000')} ms.`,
    '',
    '| figure | value |',
    '|---|---|',
    `| inputs | ${stats.inputs.toLocaleString('en-US')} (${(stats.bytes / 2 ** 20).toFixed(0)} MiB) |`,
    `| rejected with ModelParseError | ${stats.rejected.toLocaleString('en-US')} |`,
    `| accepted and equal to the reference | ${stats.accepted.toLocaleString('en-US')} |`,
    `| **crashes** (other throws, mismatches) | **${stats.crashes.length}** |`,
    `| **hangs** (over the watchdog bound) | **${stats.hangs.length}** |`,
    `| slowest input | ${stats.slowest.ms.toFixed(1)} ms (${stats.slowest.input.replace(/\|/g, '/')}) |`,
    `| wall time, throughput | ${(seconds / 60).toFixed(1)} min on ${workers} worker(s), ${rate.toFixed(0)} inputs/s |`,
    '',
    'Most frequent parse errors (key: reason):',
    '',
    ...top(stats.errors, 12).map(([k, v]) => `- ${v.toLocaleString('en-US')} × \`${k}\``),
  ]
  const lenient = top(stats.lenient, 20)
  if (lenient.length) {
    lines.push(
      '',
      'Accepted by the parser, refused by the stricter reference (known leniencies, see docs/robustness.md):',
      '',
    )
    lines.push(...lenient.map(([k, v]) => `- ${v.toLocaleString('en-US')} × \`${k}\``))
  }
  const stricter = top(stats.stricter, 8)
  if (stricter.length) {
    lines.push('', 'Refused by the parser although the reference could evaluate them:', '')
    lines.push(...stricter.map(([k, v]) => `- ${v.toLocaleString('en-US')} × \`${k}\``))
  }
  return lines.join('\n')
}

async function main(): Promise<void> {
  const replay = argument('replay', '')
  if (replay) {
    const [seed, index] = replay.split(':').map(Number)
    const { random, bytes, label } = buildInput(seed, index)
    writeFileSync('fuzz-replay.txt', bytes)
    console.log(label, '-> written to fuzz-replay.txt')
    console.log(checkInput(bytes, random, { deep: true }))
    return
  }
  const iterations = Number(argument('iterations', '10000'))
  const seed = Number(argument('seed', '1'))
  const workers = Math.max(1, Number(argument('workers', '1')))
  const deepEvery = Math.max(1, Number(argument('deep-every', '16')))
  const hangMs = Number(argument('hang-ms', '10000'))
  const command = `npm run fuzz -- ${process.argv.slice(2).join(' ')}`
  const total = emptyStats()
  const started = Date.now()
  let lastPrint = 0
  const print = (force = false) => {
    if (!force && Date.now() - lastPrint < 30_000) return
    lastPrint = Date.now()
    const s = (Date.now() - started) / 1000
    console.log(
      `[${s.toFixed(0)} s] ${total.inputs} inputs (${(total.inputs / s).toFixed(0)}/s), ${total.rejected} rejected, ${total.accepted} accepted, ${total.crashes.length} crashes, ${total.hangs.length} hangs, slowest ${total.slowest.ms.toFixed(1)} ms`,
    )
  }

  const runWorker = (start: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const progress = new SharedArrayBuffer(16)
      const current = new Float64Array(progress)
      // The worker runs this same TypeScript file, loaded through tsx's API.
      const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}) })`
      const worker = new Worker(bootstrap, {
        eval: true,
        workerData: { seed, start, end: iterations, stride: workers, deepEvery, progress },
      })
      let finished = false
      const watchdog = setInterval(() => {
        const since = current[1]
        if (since > 0 && Date.now() - since > hangMs && !finished) {
          finished = true
          clearInterval(watchdog)
          const index = current[0]
          const { label } = buildInput(seed, index)
          total.hangs.push({ index, ms: Date.now() - since, input: label })
          total.inputs++
          console.log(`HANG: input ${label} ran over ${hangMs} ms; restarting the worker after it`)
          void worker.terminate().then(() => runWorker(index + workers).then(resolve, reject))
        }
      }, 500)
      worker.on('message', (message: { stats: Stats; done?: boolean }) => {
        merge(total, message.stats)
        for (const crash of message.stats.crashes) console.log(`CRASH: ${crash.input}\n  ${crash.detail}`)
        print()
        if (message.done && !finished) {
          finished = true
          clearInterval(watchdog)
          resolve()
        }
      })
      worker.on('error', (error) => {
        if (finished) return
        finished = true
        clearInterval(watchdog)
        if (current[1] === 0) {
          // It died before its first input: a broken set-up, not a fuzz finding.
          reject(error)
          return
        }
        const index = current[0]
        const { label } = buildInput(seed, index)
        total.crashes.push({ index, detail: `worker died: ${String(error)}`, input: label })
        total.inputs++
        console.log(`CRASH (worker died): ${label}: ${String(error)}`)
        runWorker(index + workers).then(resolve, reject)
      })
    })

  console.log(`fuzzing ${iterations} inputs, seed ${seed}, ${workers} worker(s), ${corpus.length} seed files`)
  // SIGINT / SIGTERM end the campaign early: the summary covers the inputs finished so far.
  let stopped = false
  const stop = new Promise<void>((resolve) => {
    const onSignal = () => {
      stopped = true
      resolve()
    }
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
  })
  await Promise.race([Promise.all(Array.from({ length: workers }, (_, w) => runWorker(w))), stop])
  print(true)
  const seconds = (Date.now() - started) / 1000
  const markdown = summary(
    total,
    stopped ? `${command}  (stopped after ${total.inputs} inputs)` : command,
    seconds,
    workers,
  )
  console.log(`\n${markdown}`)
  for (const crash of total.crashes.slice(0, 20)) console.log(`\ncrash ${crash.input}\n${crash.detail}`)
  if (process.argv.includes('--record')) writeSection('fuzz', markdown)
  process.exitCode = total.crashes.length || total.hangs.length ? 1 : 0
  if (stopped) process.exit()
}

if (isMainThread) await main()
