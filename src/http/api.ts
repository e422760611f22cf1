// The analyze API (the guide's "Test Prediction" call): `POST /api/stocks/analyze` with the
// caller's tier taken from its API key, never from the body, and `GET /api/health`.
import type { Hono } from 'hono'
import type { Analysis, FeatureProvider } from '../ensemble/index.ts'
import { LeafwiseError } from '../errors.ts'
import { readBody } from './body.ts'
import { HttpError } from './errors.ts'
import { type ApiKey, presentedKey } from './keys.ts'
import { TIERS, type TierEnsembles } from './tiers.ts'

/** Limits of the analyze API. */
export interface ApiLimits {
  /** Largest request body accepted, in bytes (default 16 KiB). */
  maxBodyBytes: number
  /** Most symbols in one request (default 50). */
  maxSymbols: number
}

/** Parses and checks the body: `{ symbols: string[], include_ml?: boolean }`. */
export function parseAnalyzeRequest(
  text: string,
  maxSymbols: number,
): { symbols: string[]; includeMl: boolean } {
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

/** Adds the analyze API routes to `app`. */
export function addApiRoutes(
  app: Hono,
  ensembles: TierEnsembles,
  features: FeatureProvider | undefined,
  keys: ReadonlyMap<string, ApiKey>,
  limits: ApiLimits,
): void {
  app.get('/api/health', async (c) => {
    const tiers: Record<string, unknown> = {}
    for (const tier of TIERS) {
      const e = await ensembles.get(tier)
      tiers[tier] = {
        generation: e.generation,
        models: e.current.deployed.map((m) => m.package.id),
        failures: e.failures.length,
      }
    }
    return c.json({ success: true, data: { tiers } })
  })

  app.all('/api/stocks/analyze', async (c) => {
    if (c.req.method !== 'POST')
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${c.req.method} ${c.req.path}: use POST`)
    const key = presentedKey(c.req.raw)
    if (!key)
      throw new HttpError(
        401,
        'UNAUTHORIZED',
        'an API key is required (Authorization: Bearer <key> or X-API-Key)',
      )
    const caller = keys.get(key)
    if (!caller) throw new HttpError(401, 'UNAUTHORIZED', 'unknown API key')
    const { symbols, includeMl } = parseAnalyzeRequest(
      await readBody(c.req.raw, limits.maxBodyBytes),
      limits.maxSymbols,
    )
    if (!features) throw new HttpError(503, 'NO_FEATURES', 'this server has no feature provider')
    const records = await Promise.all(symbols.map((s) => features.getFeatures(s)))
    const unknown = symbols.filter((_, i) => records[i] === undefined)
    if (unknown.length)
      throw new HttpError(404, 'UNKNOWN_SYMBOL', `no features for symbol(s): ${unknown.join(', ')}`)
    const tier = caller.tier
    let analyses: Analysis[] = []
    const ensemble = includeMl ? await ensembles.get(tier) : undefined
    try {
      if (ensemble)
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
    return c.json({ success: true, data: { ...results[0], tier, includeMl, results } })
  })
}
