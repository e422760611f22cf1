// The console's routes: sign-in, the models, one model's timeline with its actions behind a
// confirmation, and analyze. Pages need a key with the `read` role, actions `operate`;
// every POST must come from the console's own origin and, with a session cookie, carry the
// session's CSRF token. Actions are written to the history with the key's name as actor.

import type { Context } from 'hono'
import { Hono } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import type { FeatureProvider } from '../ensemble/index.ts'
import type { FeatureRecord } from '../package/index.ts'
import type { TierRequirement } from '../registry/index.ts'
import { tierRank } from '../registry/internal.ts'
import { CONSOLE_CSS, CONSOLE_ICON } from './assets.ts'
import { readForm } from './body.ts'
import { HttpError } from './errors.ts'
import { type ApiKey, allows, presentedKey, type Role } from './keys.ts'
import { type ConsoleMonitoring, loadDrift, loadReport, windowOf } from './monitoring.ts'
import { analyzePage } from './pages/analyze.ts'
import { errorPage, type PageContext } from './pages/layout.ts'
import { loginPage } from './pages/login.ts'
import { modelsPage } from './pages/models.ts'
import { driftPage, noStorePage, reportPage } from './pages/monitor.ts'
import { confirmPage, timelinePage } from './pages/timeline.ts'
import type { SessionSigner } from './session.ts'
import { TIERS, type TierEnsembles } from './tiers.ts'
import { actionsOf, type ConsoleRegistry, summarize } from './view.ts'

/** What the console needs. */
export interface ConsoleOptions {
  registry: ConsoleRegistry
  ensembles: TierEnsembles
  features?: FeatureProvider
  keys: ReadonlyMap<string, ApiKey>
  signer: SessionSigner
  /** Session length, seconds. */
  ttlSeconds: number
  /** Origins besides the request's own allowed to post (a proxy's public origin). */
  trustedOrigins: readonly string[]
  /** Largest form accepted, bytes. */
  maxFormBytes: number
  /** The prediction store, for the report and drift pages (they say so when it is absent). */
  monitoring?: ConsoleMonitoring
}

type Env = {
  Variables: {
    base: string
    started: number
    user?: ApiKey
    csrf?: string
    form?: URLSearchParams
  }
}

const COOKIE = 'leafwise_console'
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
}

const contextOf = (c: Context<Env>): PageContext => ({
  base: c.get('base'),
  user: c.get('user'),
  csrf: c.get('csrf'),
  started: c.get('started'),
})

/** The console as a hono app, to mount at `/console`. */
export function consoleApp(options: ConsoleOptions): Hono<Env> {
  const app = new Hono<Env>()
  const byName = new Map([...options.keys.values()].map((k) => [k.name, k]))
  const actions = actionsOf(options.registry)

  const send = (
    c: Context<Env>,
    body: string,
    status: 200 | 400 | 401 | 403 | 404 | 409 | 413 | 500 | 503 = 200,
  ) => {
    const ms = (performance.now() - c.get('started')).toFixed(1)
    return c.html(body, status, { ...SECURITY_HEADERS, 'server-timing': `render;dur=${ms}` })
  }

  app.onError((error, c) => {
    const known = error instanceof HttpError
    if (!known) console.error('leafwise console:', error)
    const status = known ? error.status : 500
    return send(
      c,
      errorPage(
        contextOf(c),
        status,
        known ? error.code : 'INTERNAL_ERROR',
        known ? error.message : 'internal error',
      ),
      status as 500,
    )
  })

  app.use('*', async (c, next) => {
    c.set('started', performance.now())
    c.set('base', c.req.routePath.replace(/\/\*$/, ''))
    await next()
  })

  app.get('/assets/console.css', (c) =>
    c.body(CONSOLE_CSS, 200, {
      'content-type': 'text/css; charset=utf-8',
      'cache-control': 'public, max-age=3600',
    }),
  )
  app.get('/assets/icon.svg', (c) =>
    c.body(CONSOLE_ICON, 200, { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400' }),
  )

  // Every POST: same origin only, then its form is read once.
  app.use('*', async (c, next) => {
    if (c.req.method !== 'POST') return next()
    const origin = c.req.header('origin')
    const own = new URL(c.req.url).origin
    if (
      c.req.header('sec-fetch-site') === 'cross-site' ||
      (origin && origin !== own && !options.trustedOrigins.includes(origin))
    )
      throw new HttpError(
        403,
        'CROSS_SITE_REQUEST',
        `a console form may only be posted from the console itself (origin ${origin ?? 'unknown'})`,
      )
    c.set('form', await readForm(c.req.raw, options.maxFormBytes))
    await next()
  })

  const safeNext = (c: Context<Env>, next: string | null | undefined) => {
    const base = c.get('base')
    return (next === base || next?.startsWith(`${base}/`)) && !next.startsWith('//') && !next.includes('\\')
      ? next
      : base
  }

  app.get('/login', (c) => send(c, loginPage(contextOf(c), safeNext(c, c.req.query('next')))))
  app.post('/login', async (c) => {
    const form = c.get('form')!
    const key = options.keys.get(form.get('key') ?? '')
    const next = safeNext(c, form.get('next'))
    if (!key) return send(c, loginPage(contextOf(c), next, 'Unknown key.'), 401)
    if (!key.role)
      return send(
        c,
        loginPage(
          contextOf(c),
          next,
          `The key ${key.name} is an API key without a console role (read or operate).`,
        ),
        403,
      )
    const secure = new URL(c.req.url).protocol === 'https:'
    setCookie(c, COOKIE, await options.signer.issue(key.name), {
      path: c.get('base') || '/',
      httpOnly: true,
      sameSite: 'Strict',
      secure,
      maxAge: options.ttlSeconds,
    })
    return c.redirect(next, 303)
  })

  // Who is asking: a key in the Authorization / X-API-Key header, else the session cookie.
  app.use('*', async (c, next) => {
    const header = presentedKey(c.req.raw)
    let user: ApiKey | undefined
    if (header) {
      user = options.keys.get(header)
      if (!user) throw new HttpError(401, 'UNAUTHORIZED', 'unknown API key')
    } else {
      const cookie = getCookie(c, COOKIE)
      const name = cookie ? await options.signer.verify(cookie) : undefined
      user = name === undefined ? undefined : byName.get(name)
      if (user && cookie) {
        c.set('csrf', await options.signer.csrfToken(cookie))
        if (c.req.method === 'POST' && !(await options.signer.checkCsrf(cookie, c.get('form')?.get('_csrf'))))
          throw new HttpError(
            403,
            'CSRF',
            'this form is stale or was not made by the console: reload the page and try again',
          )
      }
    }
    if (!user) {
      if (c.req.method === 'GET')
        return c.redirect(`${c.get('base')}/login?next=${encodeURIComponent(c.req.path)}`, 303)
      throw new HttpError(401, 'UNAUTHORIZED', 'sign in with a key first')
    }
    if (!user.role)
      throw new HttpError(403, 'FORBIDDEN', `the key ${user.name} has no console role (read or operate)`)
    c.set('user', user)
    await next()
  })

  const need = (c: Context<Env>, role: Role) => {
    const user = c.get('user')!
    if (!allows(user.role, role))
      throw new HttpError(403, 'FORBIDDEN', `${user.name} has the ${user.role} role; this needs ${role}`)
  }

  app.post('/logout', (c) => {
    deleteCookie(c, COOKIE, { path: c.get('base') || '/' })
    return c.redirect(`${c.get('base')}/login`, 303)
  })

  app.get('/', async (c) => {
    const listed = await options.registry.listModels()
    if (!listed.success) throw new HttpError(503, listed.error.code, listed.error.message)
    return send(c, modelsPage(contextOf(c), await summarize(options.registry, listed.data)))
  })

  /** The registry's versions of `name`; 404 when it has none. */
  async function versionsOf(name: string) {
    const listed = await options.registry.listModels({ modelName: name })
    if (!listed.success)
      throw new HttpError(
        listed.error.code === 'INVALID_INPUT' ? 404 : 503,
        listed.error.code,
        listed.error.message,
      )
    if (listed.data.length === 0) throw new HttpError(404, 'MODEL_NOT_FOUND', `no model named ${name}`)
    return listed.data
  }

  async function timeline(
    c: Context<Env>,
    name: string,
    notice?: { kind: 'ok' | 'error'; text: string },
    status: 200 | 409 = 200,
  ) {
    const [summary] = await summarize(options.registry, await versionsOf(name))
    const history = options.registry.history ? await options.registry.history(name) : undefined
    if (history && !history.success) throw new HttpError(503, history.error.code, history.error.message)
    return send(c, timelinePage(contextOf(c), summary, history?.data, actions, notice), status)
  }

  app.get('/models/:name', async (c) => {
    const done = actions.find((a) => a.id === c.req.query('done'))
    const version = c.req.query('version')
    const notice = done
      ? {
          kind: 'ok' as const,
          text: `${done.label}${version && /^[\w.-]{1,64}$/.test(version) ? ` ${version}` : ''}: done, recorded as ${c.get('user')!.name}.`,
        }
      : undefined
    return timeline(c, c.req.param('name'), notice)
  })

  // The shadow report and drift of one model (the `read` role is enough).
  app.get('/models/:name/report', async (c) => {
    const name = c.req.param('name')
    const since = windowOf(c.req.query('since'), '7d')
    await versionsOf(name)
    if (!options.monitoring) return send(c, noStorePage(contextOf(c), name, 'report', since))
    const report = await loadReport(options.monitoring, name, since)
    return send(c, reportPage(contextOf(c), name, since, report))
  })

  app.get('/models/:name/drift', async (c) => {
    const name = c.req.param('name')
    const since = windowOf(c.req.query('since'), '1d')
    const versions = await versionsOf(name)
    if (!options.monitoring) return send(c, noStorePage(contextOf(c), name, 'drift', since))
    const { report, failed } = await loadDrift(options.monitoring, name, since)
    const statuses = new Map(versions.map((v) => [v.modelVersion, v.status]))
    return send(c, driftPage(contextOf(c), name, since, report, failed, statuses))
  })

  function findAction(id: string | null | undefined, version: string | null | undefined) {
    const action = actions.find((a) => a.id === id)
    if (!action)
      throw new HttpError(400, 'UNKNOWN_ACTION', `this registry offers no action ${JSON.stringify(id)}`)
    if (action.perVersion && !version)
      throw new HttpError(400, 'INVALID_REQUEST', `${action.label} needs a version`)
    return action
  }

  app.get('/models/:name/confirm', async (c) => {
    need(c, 'operate')
    const name = c.req.param('name')
    const version = c.req.query('version')
    const action = findAction(c.req.query('action'), version)
    const listed = await options.registry.listModels({ modelName: name })
    if (!listed.success || listed.data.length === 0)
      throw new HttpError(404, 'MODEL_NOT_FOUND', `no model named ${name}`)
    if (action.perVersion && !listed.data.some((v) => v.modelVersion === version))
      throw new HttpError(404, 'MODEL_NOT_FOUND', `${name} has no version ${version}`)
    return send(
      c,
      confirmPage(
        contextOf(c),
        name,
        action,
        action.perVersion ? version : undefined,
        action.explain(name, version, listed.data),
      ),
    )
  })

  app.post('/models/:name/actions', async (c) => {
    need(c, 'operate')
    const name = c.req.param('name')
    const form = c.get('form')!
    const version = form.get('version') || undefined
    const action = findAction(form.get('action'), version)
    const reason = (form.get('reason') ?? '').trim().slice(0, 500) || undefined
    const user = c.get('user')!
    const result = await action.run(
      name,
      action.perVersion ? version : undefined,
      { reason, actor: user.name },
      form,
    )
    if (!result.success)
      return timeline(
        c,
        name,
        { kind: 'error', text: `${action.label} refused: ${result.error.code}: ${result.error.message}` },
        409,
      )
    const query = `done=${action.id}${action.perVersion && version ? `&version=${encodeURIComponent(version)}` : ''}`
    return c.redirect(`${c.get('base')}/models/${encodeURIComponent(name)}?${query}`, 303)
  })

  async function analyze(c: Context<Env>, input: { symbol?: string; tier?: string; record?: string }) {
    const user = c.get('user')!
    const tiers = TIERS.filter((t) => tierRank[t] <= tierRank[user.tier])
    const tier = (tiers as string[]).includes(input.tier ?? '') ? (input.tier as TierRequirement) : user.tier
    const symbols = (await options.features?.symbols?.()) ?? []
    const view = {
      symbols,
      tiers,
      tier,
      symbol: input.symbol?.trim() || undefined,
      record: input.record?.trim() || undefined,
    }
    let record: FeatureRecord | undefined
    if (view.record) {
      try {
        record = parseRecord(view.record)
      } catch (error) {
        return send(c, analyzePage(contextOf(c), { ...view, error: (error as Error).message }), 400)
      }
    } else if (view.symbol) {
      record = await options.features?.getFeatures(view.symbol)
      if (!record)
        return send(
          c,
          analyzePage(contextOf(c), { ...view, error: `no features for symbol ${view.symbol}` }),
          404,
        )
    }
    if (!record) return send(c, analyzePage(contextOf(c), view))
    const ensemble = await options.ensembles.get(tier)
    const analysis = ensemble.analyze(record, { explain: true, top: 8, id: view.symbol ?? 'console record' })
    return send(c, analyzePage(contextOf(c), { ...view, analysis }))
  }

  app.get('/analyze', (c) => analyze(c, { symbol: c.req.query('symbol'), tier: c.req.query('tier') }))
  app.post('/analyze', (c) => {
    const form = c.get('form')!
    return analyze(c, {
      symbol: form.get('symbol') ?? undefined,
      tier: form.get('tier') ?? undefined,
      record: form.get('record') ?? undefined,
    })
  })

  return app
}

/** A pasted record: a JSON object of feature name -> number (or null for missing). */
export function parseRecord(text: string): FeatureRecord {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new HttpError(400, 'INVALID_JSON', `the record is not valid JSON: ${(error as Error).message}`)
  }
  if (!data || typeof data !== 'object' || Array.isArray(data))
    throw new HttpError(400, 'INVALID_REQUEST', 'the record must be a JSON object of feature name -> number')
  for (const [name, value] of Object.entries(data)) {
    if (value !== null && typeof value !== 'number')
      throw new HttpError(
        400,
        'INVALID_REQUEST',
        `feature ${name} must be a number or null, got ${JSON.stringify(value)}`,
      )
  }
  return data as FeatureRecord
}
