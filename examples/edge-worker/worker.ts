// A Cloudflare Worker serving `POST /api/stocks/analyze` with the leafwise ensemble: the
// registry is the static manifest written by `leafwise registry export` (bundled as
// registry.json, no database), and the model packages are fetched from MODELS_BASE_URL
// (`{base}/{modelName}/{modelVersion}/model.txt`, ...). Code generation is refused in
// workerd, so the models predict with the portable kernel, with the same bits as Node.
//
// In your project, import from 'leafwise' and 'leafwise/registry' instead of ../../src.
import {
  type Analysis,
  createEnsemble,
  type Ensemble,
  type FeatureRecord,
  fetchSource,
  LeafwiseError,
} from '../../src/index.ts'
import { createManifestRegistry } from '../../src/registry/index.ts'
import manifest from './registry.json' with { type: 'json' }

/** Bindings (wrangler.toml `[vars]`). */
export interface Env {
  /** Where the model packages are served: `{MODELS_BASE_URL}/{name}/{version}/{file}`. */
  MODELS_BASE_URL: string
}

/** The request body: the symbols to analyze and their feature records (from your feature store). */
interface AnalyzeRequest {
  symbols: string[]
  features: Record<string, FeatureRecord>
  /** Attach each vote's top SHAP features. */
  explain?: boolean
  /** Ignore feature names no model reads (default: 400 UNKNOWN_FEATURE naming them). */
  allowUnknownFeatures?: boolean
}

const registry = createManifestRegistry(manifest)

// One ensemble per isolate, loaded on the first request and reused by the next ones.
let ready: Promise<Ensemble> | undefined

function ensembleFor(env: Env): Promise<Ensemble> {
  ready ??= createEnsemble({
    registry,
    source: fetchSource(env.MODELS_BASE_URL),
    tier: registry.manifest.tier,
  }).catch((error) => {
    ready = undefined // retry on the next request
    throw error
  })
  return ready
}

function json(status: number, body: unknown): Response {
  return Response.json(body, { status })
}

function fail(status: number, code: string, message: string): Response {
  return json(status, { success: false, error: { code, message } })
}

/** Checks the body; returns the request or the reason it is refused. */
function readRequest(body: unknown): AnalyzeRequest | string {
  const value = body as Partial<AnalyzeRequest> | null
  if (!value || typeof value !== 'object') return 'the body must be a JSON object'
  if (
    !Array.isArray(value.symbols) ||
    value.symbols.length === 0 ||
    !value.symbols.every((s) => typeof s === 'string')
  )
    return '`symbols` must be a non-empty array of strings'
  if (!value.features || typeof value.features !== 'object')
    return '`features` must map each symbol to a feature record'
  const missing = value.symbols.filter((symbol) => !value.features?.[symbol])
  if (missing.length > 0) return `no features for ${missing.join(', ')}`
  return value as AnalyzeRequest
}

function result(symbol: string, analysis: Analysis) {
  const { consensus, votes, shadowVotes, errors, generation, tier, latencyMs } = analysis
  return { symbol, consensus, votes, shadowVotes, errors, generation, tier, latencyMs }
}

async function analyze(request: Request, env: Env): Promise<Response> {
  let body: unknown
  try {
    body = await request.json()
  } catch {
    return fail(400, 'INVALID_INPUT', 'the body is not JSON')
  }
  const input = readRequest(body)
  if (typeof input === 'string') return fail(400, 'INVALID_INPUT', input)

  let ensemble: Ensemble
  try {
    ensemble = await ensembleFor(env)
  } catch (error) {
    return fail(503, 'MODELS_UNAVAILABLE', (error as Error).message)
  }
  let analyses: Analysis[]
  try {
    analyses = ensemble.analyzeMany(
      input.symbols.map((symbol) => input.features[symbol]),
      {
        ids: input.symbols,
        explain: input.explain === true,
        allowUnknownFeatures: input.allowUnknownFeatures === true,
      },
    )
  } catch (error) {
    // A feature name no model reads (a typo): the caller's mistake, named with the fix.
    if (error instanceof LeafwiseError && error.code === 'UNKNOWN_FEATURE')
      return fail(400, error.code, error.message)
    throw error
  }
  const results = analyses.map((analysis, i) => result(input.symbols[i], analysis))
  // One symbol: the guide's shape ({ consensus, votes, ... }); several: one result each.
  return json(200, { success: true, data: results.length === 1 ? results[0] : { results } })
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const { pathname } = new URL(request.url)
    if (pathname === '/api/stocks/analyze') {
      if (request.method !== 'POST') return fail(405, 'METHOD_NOT_ALLOWED', 'use POST')
      return analyze(request, env)
    }
    if (pathname === '/health') {
      const ensemble = await ensembleFor(env).catch(() => undefined)
      return json(ensemble ? 200 : 503, {
        ok: ensemble !== undefined && ensemble.failures.length === 0,
        tier: registry.manifest.tier,
        deployed: ensemble?.current.deployed.map((m) => m.package.id) ?? [],
        shadow: ensemble?.current.shadow.map((m) => m.package.id) ?? [],
        failures: ensemble?.failures ?? [],
      })
    }
    return fail(404, 'NOT_FOUND', `no route for ${request.method} ${pathname}`)
  },
}
