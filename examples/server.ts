// An HTTP server for the guide's "Test Prediction" call:
//
//   curl -X POST http://localhost:3000/api/stocks/analyze \
//     -H 'Authorization: Bearer demo-premium-key' -H 'Content-Type: application/json' \
//     -d '{ "symbols": ["SYN25"], "include_ml": true }'
//
// The caller's tier comes from its API key (examples/data/api-keys.json), never from the
// body; features come from a FeatureProvider (here a JSON file). One ensemble per tier,
// sharing one package cache, each reloading when the registry changes.
//
//   npm run demo                      # registers the example models in .leafwise/registry
//   npx tsx examples/server.ts [--port 3000] [--manifest FILE | --data-dir DIR | --database-url URL]
//
// In an application, import from 'leafwise', 'leafwise/node' and 'leafwise/registry/pglite'.
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import {
  type Analysis,
  createEnsemble,
  createPackageCache,
  type Ensemble,
  type EnsembleRegistry,
  type FeatureProvider,
  LeafwiseError,
  type PredictionSink,
} from '../src/index.ts'
import { fileFeatureStore, filePredictionLog, fileSource } from '../src/node/index.ts'
import { createManifestRegistry, type TierRequirement, tierRank } from '../src/registry/index.ts'

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

/** What the handler needs: an ensemble per tier, a feature provider and the API keys. */
export interface AnalyzeServerOptions {
  ensembles: Record<TierRequirement, Ensemble>
  features: FeatureProvider
  /** API key -> tier. */
  keys: Readonly<Record<string, TierRequirement>>
  /** Largest request body accepted, in bytes (default 16 KiB). */
  maxBodyBytes?: number
  /** Most symbols in one request (default 50). */
  maxSymbols?: number
}

/** Reads `{ "keys": { "<key>": "free" | "premium" | "enterprise" } }`. */
export function readApiKeys(path: string): Record<string, TierRequirement> {
  const data = JSON.parse(readFileSync(path, 'utf8')) as { keys?: Record<string, unknown> }
  const keys: Record<string, TierRequirement> = {}
  for (const [key, tier] of Object.entries(data.keys ?? {})) {
    if (typeof tier !== 'string' || !(tier in tierRank))
      throw new Error(`${path}: key ${key} has unknown tier ${String(tier)}`)
    keys[key] = tier as TierRequirement
  }
  return keys
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  })
  res.end(text)
}

function apiKeyOf(req: IncomingMessage): string | undefined {
  const header = req.headers['x-api-key']
  if (typeof header === 'string' && header) return header
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')
  return match?.[1]
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(
      new HttpError(413, 'PAYLOAD_TOO_LARGE', `request body is ${declared} bytes; the limit is ${limit}`),
    )
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    req.on('data', (chunk: Buffer) => {
      if (done) return
      size += chunk.length
      if (size > limit) {
        done = true
        reject(new HttpError(413, 'PAYLOAD_TOO_LARGE', `request body exceeds ${limit} bytes`))
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks).toString('utf8'))
      done = true
    })
    req.on('error', (error) => {
      if (!done) reject(new HttpError(400, 'BAD_REQUEST', `cannot read the request: ${error.message}`))
      done = true
    })
  })
}

/** Parses and checks the body: `{ symbols: string[], include_ml?: boolean }`. */
function parseRequest(text: string, maxSymbols: number): { symbols: string[]; includeMl: boolean } {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch (error) {
    throw new HttpError(400, 'INVALID_JSON', `request body is not valid JSON: ${(error as Error).message}`)
  }
  if (!body || typeof body !== 'object' || Array.isArray(body))
    throw new HttpError(
      400,
      'INVALID_REQUEST',
      'request body must be a JSON object { "symbols": [...], "include_ml": true }',
    )
  const { symbols, include_ml: includeMl = true } = body as { symbols?: unknown; include_ml?: unknown }
  if (
    !Array.isArray(symbols) ||
    symbols.length === 0 ||
    !symbols.every((s) => typeof s === 'string' && s.length > 0 && s.length <= 32)
  )
    throw new HttpError(
      400,
      'INVALID_REQUEST',
      '"symbols" must be a non-empty array of symbol strings (1 to 32 characters)',
    )
  if (symbols.length > maxSymbols)
    throw new HttpError(
      400,
      'TOO_MANY_SYMBOLS',
      `at most ${maxSymbols} symbols per request; got ${symbols.length}`,
    )
  if (typeof includeMl !== 'boolean')
    throw new HttpError(400, 'INVALID_REQUEST', '"include_ml" must be true or false')
  return { symbols: [...new Set(symbols as string[])], includeMl }
}

/** One symbol's result in the guide's shape (`consensus`, `votes`), with shadow votes beside. */
function resultOf(symbol: string, analysis: Analysis | undefined) {
  if (!analysis) return { symbol, consensus: null, votes: [] }
  return {
    symbol,
    consensus: analysis.consensus,
    votes: analysis.votes,
    shadowVotes: analysis.shadowVotes,
    generation: analysis.generation,
    latencyMs: analysis.latencyMs,
  }
}

/** The request listener: `POST /api/stocks/analyze` and `GET /api/health`. */
export function createAnalyzeHandler(options: AnalyzeServerOptions) {
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024
  const maxSymbols = options.maxSymbols ?? 50

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    if (path === '/api/health') {
      const tiers = Object.fromEntries(
        Object.entries(options.ensembles).map(([tier, e]) => [
          tier,
          {
            generation: e.generation,
            models: e.current.deployed.map((m) => m.package.id),
            failures: e.failures.length,
          },
        ]),
      )
      return send(res, 200, { success: true, data: { tiers } })
    }
    if (path !== '/api/stocks/analyze') throw new HttpError(404, 'NOT_FOUND', `no route ${path}`)
    if (req.method !== 'POST')
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${req.method} ${path}: use POST`)
    const key = apiKeyOf(req)
    if (!key)
      throw new HttpError(
        401,
        'UNAUTHORIZED',
        'an API key is required (Authorization: Bearer <key> or X-API-Key)',
      )
    if (!Object.hasOwn(options.keys, key)) throw new HttpError(401, 'UNAUTHORIZED', 'unknown API key')
    const tier = options.keys[key]
    const { symbols, includeMl } = parseRequest(await readBody(req, maxBodyBytes), maxSymbols)

    const records = await Promise.all(symbols.map((s) => options.features.getFeatures(s)))
    const unknown = symbols.filter((_, i) => records[i] === undefined)
    if (unknown.length)
      throw new HttpError(404, 'UNKNOWN_SYMBOL', `no features for symbol(s): ${unknown.join(', ')}`)

    const ensemble = options.ensembles[tier]
    let analyses: Analysis[] = []
    try {
      if (includeMl)
        analyses = ensemble.analyzeMany(
          records.map((r) => r!),
          { ids: symbols },
        )
    } catch (error) {
      // The records come from this server's feature store: a name no model reads is its fault.
      if (error instanceof LeafwiseError && error.code === 'UNKNOWN_FEATURE')
        throw new HttpError(500, error.code, `the feature store's record: ${error.message}`)
      throw error
    }
    const results = symbols.map((symbol, i) => resultOf(symbol, analyses[i]))
    send(res, 200, { success: true, data: { ...results[0], tier, includeMl, results } })
  }

  return (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((error) => {
      const known = error instanceof HttpError
      const status = known ? error.status : 500
      if (!known) console.error('analyze server:', error)
      if (res.headersSent) {
        res.destroy()
        return
      }
      // After a refused body the rest is not read: close the connection.
      const close: Record<string, string> = status === 413 ? { connection: 'close' } : {}
      send(
        res,
        status,
        {
          success: false,
          error: {
            code: known ? error.code : 'INTERNAL_ERROR',
            message: known ? error.message : 'internal error',
          },
        },
        close,
      )
    })
  }
}

/** Starts the server on `port` (0 for any free one); resolves once it listens. */
export async function startAnalyzeServer(
  options: AnalyzeServerOptions & { port?: number; host?: string },
): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const server = createServer(createAnalyzeHandler(options))
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n')
    else socket.destroy()
  })
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** One ensemble per tier over one registry and one shared package cache. */
export async function ensemblesByTier(
  registry: EnsembleRegistry,
  modelsRoot: string,
  log?: PredictionSink,
): Promise<Record<TierRequirement, Ensemble>> {
  const cache = createPackageCache(fileSource(modelsRoot))
  const watch = typeof registry.watch === 'function'
  const [free, premium, enterprise] = await Promise.all(
    (['free', 'premium', 'enterprise'] as const).map((tier) =>
      createEnsemble({ registry, cache, tier, watch, log }),
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
    },
  })
  let registry: EnsembleRegistry
  let closeRegistry = async () => {}
  if (values.manifest) registry = createManifestRegistry(readFileSync(values.manifest, 'utf8'))
  else {
    const url = values['database-url'] ?? process.env.DATABASE_URL
    const opened = url
      ? (await import('../src/registry/postgres.ts')).createPostgresRegistry({ url })
      : (await import('../src/registry/pglite.ts')).createPgliteRegistry({ dataDir: values['data-dir'] })
    registry = opened
    closeRegistry = () => opened.close()
  }
  const log = filePredictionLog()
  const ensembles = await ensemblesByTier(registry, values.models, log)
  for (const [tier, e] of Object.entries(ensembles)) {
    const ids = e.current.deployed.map((m) => m.package.id)
    console.log(`${tier}: ${ids.length ? ids.join(', ') : 'no deployed models (run `npm run demo` first)'}`)
    for (const f of e.failures) console.warn(`  ${f.modelName} ${f.modelVersion} left out: ${f.message}`)
  }
  const { url, close } = await startAnalyzeServer({
    ensembles,
    features: fileFeatureStore(values.features),
    keys: readApiKeys(values.keys),
    port: Number(values.port),
  })
  console.log(`listening on ${url} (POST /api/stocks/analyze, GET /api/health); logging to ${log.path}`)
  const stop = async () => {
    await close()
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
