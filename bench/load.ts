// Serving under load: examples/server.ts on 127.0.0.1 under autocannon while a version of
// sentiment-fusion is promoted and rolled back in a loop (each change hot-reloads the
// ensembles). Every request must succeed; p50/p99 latency and throughput go to
// bench/RESULTS.md (section `load`).
//
//   npx tsx bench/load.ts [--seconds 20] [--connections 16] [--no-record]

import { createRequire } from 'node:module'
import { join } from 'node:path'
import { ensemblesByTier, readApiKeys, startAnalyzeServer } from '../examples/server.ts'
import { fileFeatureStore } from '../src/node/feature-store.ts'
import { createPgliteRegistry } from '../src/registry/pglite.ts'
import { exampleRows, modelsRoot, registerAll, repoRoot } from './lib/examples.ts'
import { machineLine, writeSection } from './lib/results.ts'

/** The part of autocannon's result this benchmark reads (the package ships no types). */
interface AutocannonResult {
  requests: { total: number; average: number }
  latency: { p50: number; p99: number; max: number }
  errors: number
  timeouts: number
  non2xx: number
  '2xx': number
}
const autocannon = createRequire(import.meta.url)('autocannon') as (
  options: Record<string, unknown>,
) => Promise<AutocannonResult>

export interface LoadResult {
  seconds: number
  connections: number
  requests: number
  /** Requests that did not end in 200: errors, timeouts, other statuses. */
  failed: number
  non2xx: number
  errors: number
  timeouts: number
  requestsPerSecond: number
  p50: number
  p99: number
  max: number
  /** Registry changes made during the run (promotions and rollbacks). */
  changes: number
  /** Failed registry changes (must be 0). */
  changeFailures: number
  /** Ensemble generations served by the premium ensemble at the end. */
  generation: number
}

/** Runs the load for `seconds` with `connections` concurrent keep-alive connections. */
export async function runLoad(seconds: number, connections: number): Promise<LoadResult> {
  const registry = createPgliteRegistry({ dataDir: 'memory' })
  await registerAll(registry, exampleRows)
  const ensembles = await ensemblesByTier(registry, modelsRoot)
  const server = await startAnalyzeServer({
    ensembles,
    features: fileFeatureStore(join(repoRoot, 'examples', 'data', 'features.json')),
    keys: readApiKeys(join(repoRoot, 'examples', 'data', 'api-keys.json')),
  })
  let changes = 0
  let changeFailures = 0
  let running = true
  // Promote the older version, roll back, promote the newer one again: every step reloads.
  const churn = (async () => {
    const steps = [
      () => registry.promote('sentiment-fusion', 'v1.0.0'),
      () => registry.rollback('sentiment-fusion'),
      () => registry.promote('sentiment-fusion', 'v1.0.0'),
      () => registry.promote('sentiment-fusion', 'v1.1.0'),
    ]
    for (let i = 0; running; i++) {
      const result = await steps[i % steps.length]()
      changes++
      if (!result.success) changeFailures++
      await new Promise((resolve) => setTimeout(resolve, 150))
    }
  })()
  try {
    const result = await autocannon({
      url: `${server.url}/api/stocks/analyze`,
      method: 'POST',
      connections,
      duration: seconds,
      timeout: 10,
      headers: { 'content-type': 'application/json', authorization: 'Bearer demo-premium-key' },
      body: JSON.stringify({ symbols: ['SYN25', 'SYN07'], include_ml: true }),
    })
    running = false
    await churn
    const requests = result.requests.total
    const ok = result['2xx']
    return {
      seconds,
      connections,
      requests,
      failed: Math.max(result.errors + result.timeouts + result.non2xx, requests - ok),
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      requestsPerSecond: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      max: result.latency.max,
      changes,
      changeFailures,
      generation: ensembles.premium.generation,
    }
  } finally {
    running = false
    await churn.catch(() => {})
    await server.close()
    for (const ensemble of Object.values(ensembles)) await ensemble.close()
    await registry.close()
  }
}

async function main(): Promise<void> {
  const arg = (name: string, fallback: string) => {
    const at = process.argv.indexOf(`--${name}`)
    return at >= 0 ? process.argv[at + 1] : fallback
  }
  const seconds = Number(arg('seconds', '20'))
  const connections = Number(arg('connections', '16'))
  const r = await runLoad(seconds, connections)
  const markdown = [
    '## Serving under load (`bench/load.ts`)',
    '',
    machineLine(),
    '',
    `Command: \`npx tsx bench/load.ts --seconds ${seconds} --connections ${connections}\``,
    '',
    `examples/server.ts on 127.0.0.1 (embedded registry, the three example models, premium tier), ` +
      `autocannon ${connections} keep-alive connections for ${seconds} s, each request ` +
      '`POST /api/stocks/analyze {"symbols":["SYN25","SYN07"]}` (two ensemble analyses). Meanwhile ' +
      `sentiment-fusion is promoted / rolled back every 150 ms (${r.changes} registry changes, ` +
      `${r.changeFailures} failed; each one hot-reloads the ensembles, generation ${r.generation} at the end). ` +
      "The load generator shares the machine's 2 cores with the server and with whatever else runs on it.",
    '',
    '| figure | value |',
    '|---|---|',
    `| requests | ${r.requests.toLocaleString('en-US')} |`,
    `| **failed requests** (errors, timeouts, non-2xx) | **${r.failed}** |`,
    `| throughput | ${r.requestsPerSecond.toFixed(0)} req/s |`,
    `| latency p50 / p99 / max | ${r.p50} ms / ${r.p99} ms / ${r.max} ms |`,
  ].join('\n')
  console.log(markdown)
  if (!process.argv.includes('--no-record')) writeSection('load', markdown)
  if (r.failed > 0 || r.changeFailures > 0) process.exitCode = 1
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, '/'))) await main()
