// `leafwiseApp`: the analyze API and the console as one hono app. Web-standard only (no
// `node:`, no driver), so its `fetch` serves Node (through @hono/node-server), Bun, Deno and
// workerd alike; mount it in an application with `app.route('/ml', leafwiseApp(...))`.
import { Hono } from 'hono'
import type { Ensemble, FeatureProvider, PackageCache, PredictionSink } from '../ensemble/index.ts'
import type { TrainingStatsLookup } from '../monitor/index.ts'
import type { ArtifactSource } from '../package/index.ts'
import type { SqlClient, TierRequirement } from '../registry/index.ts'
import { addApiRoutes } from './api.ts'
import { consoleApp } from './console.ts'
import { HttpError } from './errors.ts'
import { type ApiKeySpec, normalizeKeys } from './keys.ts'
import { sessionSigner } from './session.ts'
import { TIERS, type TierEnsembles, tierEnsembles } from './tiers.ts'
import type { ConsoleRegistry } from './view.ts'

/** Options of `leafwiseApp`. */
export interface LeafwiseAppOptions {
  /**
   * The registry: any reader (a live registry, a manifest) for the API and the console's
   * pages; the console offers actions the object has (promote, rollback, updateStatus, and
   * approve or canary where the registry provides them). Without it, no console.
   */
  registry?: ConsoleRegistry
  /** Where packages are read from, to build one ensemble per tier from `registry`. */
  source?: ArtifactSource
  /** A package cache to share with other ensembles (instead of `source`). */
  cache?: PackageCache
  /** Ready ensembles by tier (instead of `registry` + `source`); the app does not close them. */
  ensembles?: Partial<Record<TierRequirement, Ensemble>>
  /** Features by symbol, for `symbols` in the API and the console's symbol field. */
  features?: FeatureProvider
  /** API key -> tier, or `{ name, tier, role }` for console keys (role `read` or `operate`). */
  keys: Readonly<Record<string, ApiKeySpec>>
  /** The prediction log of the ensembles the app builds. */
  log?: PredictionSink
  /** Largest analyze request body, bytes (default 16 KiB). */
  maxBodyBytes?: number
  /** Most symbols in one analyze request (default 50). */
  maxSymbols?: number
  /** Serve the console at `/console` (default true when a registry is given). */
  console?: boolean
  /** Signs console sessions (>= 16 characters). Default: random per app, so sessions end on restart. */
  secret?: string
  /** Console session length in seconds (default 8 hours). */
  sessionSeconds?: number
  /** Public origins (e.g. behind a proxy) allowed to post console forms besides the request's own. */
  trustedOrigins?: readonly string[]
  /**
   * The database of the prediction store (`ml_predictions`, usually the registry's own
   * SqlClient): the console's shadow report and drift pages read it. Without it, they say so.
   */
  predictions?: SqlClient
  /**
   * Training statistics for the drift page. Default: each version's normalizer.json, read
   * through `source` or `cache`.
   */
  trainingStats?: TrainingStatsLookup
}

/** Training statistics from the packages the ensembles read (their normalizer.json). */
function packageStats(ensembles: TierEnsembles): TrainingStatsLookup | undefined {
  const cache = ensembles.packages()
  return cache && (async (name, version) => (await cache.get(name, version)).normalizer)
}

/** The app, with `ready()` and `close()` for the ensembles it creates. */
export type LeafwiseApp = Hono & {
  /** Loads the ensemble of every tier now instead of on the first request that needs it. */
  ready(): Promise<void>
  /** Closes the ensembles the app created (not those it was given, nor the registry). */
  close(): Promise<void>
}

/**
 * The analyze API (`POST /api/stocks/analyze`, `GET /api/health`) and the console
 * (`/console`) as one hono app. Its `fetch` is the handler for every runtime.
 */
export function leafwiseApp(options: LeafwiseAppOptions): LeafwiseApp {
  const keys = normalizeKeys(options.keys)
  if (options.secret !== undefined && options.secret.length < 16)
    throw new HttpError(500, 'INVALID_SECRET', 'the console secret must be at least 16 characters')
  const ensembles = tierEnsembles(options)
  // Not strict: `/console/` is `/console`. Mounted in a strict parent app, whose router
  // decides, a path with a trailing slash is redirected to the same path without it.
  const app = new Hono({ strict: false })
  app.use('*', async (c, next) => {
    const path = c.req.path
    if (path.length <= 1 || !path.endsWith('/')) return next()
    // One leading slash: `//host/` must never become a redirect to another site.
    const target = `/${path.replace(/^\/+|\/+$/g, '')}`
    return c.redirect(`${target}${new URL(c.req.url).search}`, 308)
  })
  app.onError((error, c) => {
    const known = error instanceof HttpError
    if (!known) console.error('leafwise http:', error)
    const status = known ? error.status : 500
    // After a refused body the rest is not read: close the connection.
    const headers: Record<string, string> = status === 413 ? { connection: 'close' } : {}
    return c.json(
      {
        success: false,
        error: {
          code: known ? error.code : 'INTERNAL_ERROR',
          message: known ? error.message : 'internal error',
        },
      },
      status as 500,
      headers,
    )
  })
  app.notFound((c) =>
    c.json({ success: false, error: { code: 'NOT_FOUND', message: `no route ${c.req.path}` } }, 404),
  )
  addApiRoutes(app, ensembles, options.features, keys, {
    maxBodyBytes: options.maxBodyBytes ?? 16 * 1024,
    maxSymbols: options.maxSymbols ?? 50,
  })
  if (options.registry && options.console !== false) {
    const ttlSeconds = options.sessionSeconds ?? 8 * 3600
    app.route(
      '/console',
      consoleApp({
        registry: options.registry,
        ensembles,
        features: options.features,
        keys,
        signer: sessionSigner(options.secret, ttlSeconds),
        ttlSeconds,
        trustedOrigins: options.trustedOrigins ?? [],
        maxFormBytes: Math.max(64 * 1024, options.maxBodyBytes ?? 0),
        monitoring: options.predictions && {
          client: options.predictions,
          trainingStats: options.trainingStats ?? packageStats(ensembles),
        },
      }),
    )
  }
  return Object.assign(app, {
    ready: async () => {
      await Promise.all(TIERS.map((tier) => ensembles.get(tier)))
    },
    close: () => ensembles.close(),
  })
}
