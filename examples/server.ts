// The guide's "Test Prediction" call and the console, served from Node:
//
//   curl -X POST http://localhost:3000/api/stocks/analyze \
//     -H 'Authorization: Bearer demo-premium-key' -H 'Content-Type: application/json' \
//     -d '{ "symbols": ["SYN25"], "include_ml": true }'
//   open http://localhost:3000/console   (key demo-operator-key, or demo-viewer-key to only look)
//
// The app is `leafwiseApp` from leafwise/http (hono): the same `fetch` serves Bun, Deno and
// workerd. The caller's tier comes from its API key (examples/data/api-keys.json), never
// from the body; features come from a FeatureProvider (here a JSON file).
//
//   npm run demo                      # registers the example models in .leafwise/registry
//   npx tsx examples/server.ts [--port 3000] [--manifest FILE | --data-dir DIR | --database-url URL]
import { readFileSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { Hono } from 'hono'
import { type LeafwiseAppOptions, leafwiseApp, parseApiKeys } from '../src/http/index.ts'
import {
  type AnalysisListener,
  createEnsemble,
  createPackageCache,
  type Ensemble,
  type EnsembleRegistry,
  type PredictionSink,
} from '../src/index.ts'
import {
  allListeners,
  createMetrics,
  createPredictionStore,
  type Metrics,
  type PredictionStore,
} from '../src/monitor/index.ts'
import {
  createRowEncoderWorker,
  fileFeatureStore,
  filePredictionLog,
  fileSource,
  serveApp,
} from '../src/node/index.ts'
import { createManifestRegistry, createRegistry, type TierRequirement } from '../src/registry/index.ts'

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

/** The app's options: an ensemble per tier, features, keys, limits, the registry for the console, metrics. */
export type AnalyzeServerOptions = LeafwiseAppOptions & {
  ensembles: Record<TierRequirement, Ensemble>
  /** Served on `GET /metrics` (Prometheus text) and told of every request. */
  metrics?: Metrics
}

const ROUTES = new Set(['/api/stocks/analyze', '/api/health', '/metrics'])

/** Reads `{ "keys": { "<key>": "free" | { "name", "tier", "role" } } }`. */
export const readApiKeys = (path: string) => parseApiKeys(readFileSync(path, 'utf8'), path)

/** Serves `leafwiseApp(options)` on `port` (0 for any free one); resolves once it listens. */
export async function startAnalyzeServer(options: AnalyzeServerOptions & { port?: number; host?: string }) {
  const app = leafwiseApp(options)
  const metrics = options.metrics
  const outer = new Hono()
  if (metrics) {
    // Every request counted by route (known routes, else 'other') and status.
    outer.use(async (c, next) => {
      const started = performance.now()
      await next()
      const route = ROUTES.has(c.req.path) ? c.req.path : 'other'
      metrics.countRequest(c.req.method, route, c.res.status, (performance.now() - started) / 1000)
    })
    outer.get('/metrics', (c) => c.body(metrics.text(), 200, { 'content-type': metrics.contentType }))
  }
  outer.route('/', app)
  const served = await serveApp(outer, options)
  return {
    ...served,
    close: async () => {
      await served.close()
      await app.close()
    },
  }
}

/** One ensemble per tier over one registry and one shared package cache. */
export async function ensemblesByTier(
  registry: EnsembleRegistry,
  modelsRoot: string,
  log?: PredictionSink,
  onAnalysis?: AnalysisListener,
): Promise<Record<TierRequirement, Ensemble>> {
  const cache = createPackageCache(fileSource(modelsRoot))
  const watch = typeof registry.watch === 'function'
  const [free, premium, enterprise] = await Promise.all(
    (['free', 'premium', 'enterprise'] as const).map((tier) =>
      createEnsemble({ registry, cache, tier, watch, log, onAnalysis }),
    ),
  )
  return { free, premium, enterprise }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '3000' },
      manifest: { type: 'string' },
      'data-dir': { type: 'string', default: '.leafwise/registry' },
      'database-url': { type: 'string' },
      models: { type: 'string', default: 'models' },
      keys: { type: 'string', default: here('./data/api-keys.json') },
      features: { type: 'string', default: here('./data/features.json') },
      retention: { type: 'string', default: '30d' },
      'no-store': { type: 'boolean' },
    },
  })
  let registry: EnsembleRegistry
  let closeRegistry = async () => {}
  let store: PredictionStore | undefined
  let predictions: LeafwiseAppOptions['predictions']
  if (values.manifest) registry = createManifestRegistry(readFileSync(values.manifest, 'utf8'))
  else {
    // One client for the registry and the prediction store (ml_predictions, on the same database).
    const url = values['database-url'] ?? process.env.DATABASE_URL
    const client = url
      ? (await import('../src/registry/postgres.ts')).createPostgresClient({ url })
      : (await import('../src/registry/pglite.ts')).createPgliteClient({ dataDir: values['data-dir'] })
    registry = createRegistry(client, { autoMigrate: true })
    // The rows are built (and on PostgreSQL written) on a worker thread, off the thread that
    // serves requests.
    store = values['no-store']
      ? undefined
      : createPredictionStore(client, {
          retention: values.retention,
          encoder: createRowEncoderWorker({ databaseUrl: url }),
        })
    // The console's report and drift pages read what the store records.
    predictions = store && client
    closeRegistry = async () => {
      await store?.close()
      await client.close()
    }
  }
  const log = filePredictionLog()
  const metrics = createMetrics()
  const onAnalysis = store ? allListeners(store.record, metrics.record) : metrics.record
  const ensembles = await ensemblesByTier(registry, values.models, log, onAnalysis)
  for (const [tier, e] of Object.entries(ensembles)) {
    const ids = e.current.deployed.map((m) => m.package.id)
    console.log(`${tier}: ${ids.length ? ids.join(', ') : 'no deployed models (run `npm run demo` first)'}`)
    for (const f of e.failures) console.warn(`  ${f.modelName} ${f.modelVersion} left out: ${f.message}`)
  }
  const server = await startAnalyzeServer({
    registry,
    ensembles,
    features: fileFeatureStore(values.features),
    keys: readApiKeys(values.keys),
    predictions,
    port: Number(values.port),
    metrics,
  })
  console.log(
    `listening on ${server.url} (POST /api/stocks/analyze, GET /api/health, GET /metrics, console at /console)`,
  )
  const stop = async () => {
    await server.close()
    await Promise.all(Object.values(ensembles).map((e) => e.close()))
    await log.close()
    await closeRegistry()
    process.exit(0)
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error)
    process.exit(1)
  })
}
