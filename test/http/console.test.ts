// The console through the app's own `fetch` (no socket): who may look, who may act, what a
// cross-site form gets, and what the history records of an action.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LeafwiseApp, leafwiseApp, parseApiKeys } from '../../src/http/index.ts'
import { normalizeKeys } from '../../src/http/keys.ts'
import { fileFeatureStore, fileSource } from '../../src/node/index.ts'
import type { ModelRegistry } from '../../src/registry/index.ts'
import { createPgliteRegistry } from '../../src/registry/pglite.ts'
import { exampleRows, modelsRoot, registerAll } from '../ensemble/support.ts'
import { consoleKeys } from '../support/console.ts'
import { repoRoot } from '../support/shared.ts'

const ORIGIN = 'http://localhost'
let registry: ModelRegistry
let app: LeafwiseApp

beforeAll(async () => {
  registry = createPgliteRegistry({ dataDir: 'memory' })
  await registerAll(registry, exampleRows)
  app = leafwiseApp({
    registry,
    source: fileSource(modelsRoot),
    features: fileFeatureStore(join(repoRoot, 'examples', 'data', 'features.json')),
    keys: consoleKeys,
  })
})
afterAll(async () => {
  await app?.close()
  await registry?.close()
})

async function login(key: string): Promise<string> {
  const response = await app.request('/console/login', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN },
    body: new URLSearchParams({ key, next: '/console' }).toString(),
  })
  expect(response.status).toBe(303)
  const cookie = response.headers.get('set-cookie') ?? ''
  expect(cookie).toMatch(/HttpOnly/)
  expect(cookie).toMatch(/SameSite=Strict/)
  return cookie.split(';')[0]
}

async function get(path: string, cookie?: string) {
  const response = await app.request(path, { headers: cookie ? { cookie } : {} })
  return { status: response.status, text: await response.text(), headers: response.headers }
}

const csrfOf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? ''

async function post(
  path: string,
  cookie: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
) {
  const response = await app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: ORIGIN, ...headers },
    body: new URLSearchParams(fields).toString(),
  })
  return { status: response.status, text: await response.text(), location: response.headers.get('location') }
}

const deployedOf = async (name: string) => {
  const listed = await registry.listModels({ modelName: name, status: 'deployed' })
  if (!listed.success) throw new Error(listed.error.message)
  return listed.data.map((m) => m.modelVersion)
}

describe('console assets', () => {
  it('serves its stylesheet and icon itself (no outside request), with no key needed', async () => {
    for (const [path, type] of [
      ['/console/assets/console.css', 'text/css'],
      ['/console/assets/icon.svg', 'image/svg+xml'],
    ]) {
      const response = await app.request(path)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toContain(type)
      expect((await response.text()).length).toBeGreaterThan(100)
    }
  })
})

describe('console access', () => {
  it('sends a visitor without a key to the sign-in page and refuses unknown and API-only keys', async () => {
    const anonymous = await get('/console')
    expect(anonymous.status).toBe(303)
    expect(anonymous.headers.get('location')).toBe('/console/login?next=%2Fconsole')
    const form = new URLSearchParams({ key: 'nope', next: '/console' }).toString()
    const headers = { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN }
    expect((await app.request('/console/login', { method: 'POST', headers, body: form })).status).toBe(401)
    const apiOnly = await app.request('/console/login', {
      method: 'POST',
      headers,
      body: new URLSearchParams({ key: 'demo-free-key' }).toString(),
    })
    expect(apiOnly.status).toBe(403)
    expect(await apiOnly.text()).toMatch(/without a console role/)
    // A forged cookie is no session.
    expect((await get('/console', 'leafwise_console=dmlld2Vy.9999999999.forged')).status).toBe(303)
  })

  it('a read key sees every page but cannot act, even with a valid CSRF token', async () => {
    const cookie = await login('demo-viewer-key')
    const models = await get('/console', cookie)
    expect(models.status).toBe(200)
    expect(models.headers.get('content-security-policy')).toMatch(/default-src 'none'/)
    for (const name of ['early-signal', 'price-prediction', 'sentiment-fusion'])
      expect(models.text).toContain(name)
    const timeline = await get('/console/models/sentiment-fusion', cookie)
    expect(timeline.status).toBe(200)
    expect(timeline.text).toMatch(/actions need <b>operate<\/b>/)
    expect(timeline.text).not.toMatch(/confirm\?action=promote/)
    expect(
      (await get('/console/models/sentiment-fusion/confirm?action=promote&version=v1.0.0', cookie)).status,
    ).toBe(403)
    const refused = await post('/console/models/sentiment-fusion/actions', cookie, {
      _csrf: csrfOf(timeline.text),
      action: 'promote',
      version: 'v1.0.0',
    })
    expect(refused.status).toBe(403)
    expect(refused.text).toMatch(/viewer has the read role; this needs operate/)
    expect(await deployedOf('sentiment-fusion')).toEqual(['v1.1.0'])
  })

  it('refuses an action posted from another site or without the session CSRF token', async () => {
    const cookie = await login('demo-operator-key')
    const page = await get('/console/models/sentiment-fusion/confirm?action=promote&version=v1.0.0', cookie)
    expect(page.status).toBe(200)
    const fields = { _csrf: csrfOf(page.text), action: 'promote', version: 'v1.0.0' }
    expect(fields._csrf).not.toBe('')
    const crossSite = await post('/console/models/sentiment-fusion/actions', cookie, fields, {
      origin: 'https://evil.example',
    })
    expect(crossSite.status).toBe(403)
    expect(crossSite.text).toMatch(/CROSS_SITE_REQUEST/)
    const fetchMeta = await post('/console/models/sentiment-fusion/actions', cookie, fields, {
      'sec-fetch-site': 'cross-site',
    })
    expect(fetchMeta.status).toBe(403)
    const noToken = await post('/console/models/sentiment-fusion/actions', cookie, { ...fields, _csrf: '' })
    expect(noToken.status).toBe(403)
    expect(noToken.text).toMatch(/CSRF/)
    // Another session's token does not fit this one.
    const other = await login('demo-viewer-key')
    const otherToken = csrfOf((await get('/console', other)).text)
    expect(
      (await post('/console/models/sentiment-fusion/actions', cookie, { ...fields, _csrf: otherToken }))
        .status,
    ).toBe(403)
    expect(await deployedOf('sentiment-fusion')).toEqual(['v1.1.0'])
  })

  it('an operator promotes and rolls back; the history names the key and the reason', async () => {
    const cookie = await login('demo-operator-key')
    const page = await get('/console/models/sentiment-fusion/confirm?action=promote&version=v1.0.0', cookie)
    expect(page.text).toMatch(/deprecate v1\.1\.0 \(deployed now\)/)
    const done = await post('/console/models/sentiment-fusion/actions', cookie, {
      _csrf: csrfOf(page.text),
      action: 'promote',
      version: 'v1.0.0',
      reason: 'v1.1.0 drifts on small caps',
    })
    expect(done.status).toBe(303)
    expect(done.location).toBe('/console/models/sentiment-fusion?done=promote&version=v1.0.0')
    expect(await deployedOf('sentiment-fusion')).toEqual(['v1.0.0'])
    const timeline = await get(done.location!, cookie)
    expect(timeline.text).toMatch(/Promote v1\.0\.0: done, recorded as operator/)
    expect(timeline.text).toMatch(/deprecated → deployed/)

    const rollback = await post('/console/models/sentiment-fusion/actions', cookie, {
      _csrf: csrfOf(timeline.text),
      action: 'rollback',
    })
    expect(rollback.status).toBe(303)
    expect(await deployedOf('sentiment-fusion')).toEqual(['v1.1.0'])

    const history = await registry.history('sentiment-fusion')
    if (!history.success) throw new Error(history.error.message)
    const changes = history.data.filter((e) => e.fromStatus !== null)
    expect(changes.map((e) => [e.modelVersion, e.toStatus, e.actor, e.reason])).toEqual([
      ['v1.1.0', 'deprecated', 'operator', 'v1.1.0 drifts on small caps'],
      ['v1.0.0', 'deployed', 'operator', 'v1.1.0 drifts on small caps'],
      ['v1.0.0', 'deprecated', 'operator', 'rollback'],
      ['v1.1.0', 'deployed', 'operator', 'rollback'],
    ])
  })

  it('a refused action is shown on the timeline and changes nothing', async () => {
    const cookie = await login('demo-operator-key')
    const page = await get('/console/models/early-signal', cookie)
    const refused = await post('/console/models/early-signal/actions', cookie, {
      _csrf: csrfOf(page.text),
      action: 'rollback',
    })
    expect(refused.status).toBe(409)
    expect(refused.text).toMatch(/Roll back refused: INVALID_TRANSITION/)
    expect(await deployedOf('early-signal')).toEqual(['v1.0.0'])
  })

  it('a key in the Authorization header acts without a cookie (no CSRF to forge)', async () => {
    const response = await app.request('/console/models/price-prediction/actions', {
      method: 'POST',
      headers: {
        authorization: 'Bearer demo-operator-key',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'action=shadow&version=v1.0.0&reason=scripted',
    })
    expect(response.status).toBe(303)
    const model = await registry.getModel('price-prediction', 'v1.0.0')
    expect(model.success && model.data.status).toBe('shadow')
    const history = await registry.history('price-prediction', 'v1.0.0')
    expect(history.success && history.data.at(-1)?.actor).toBe('operator')
    const viewer = await app.request('/console/models/price-prediction/actions', {
      method: 'POST',
      headers: { 'x-api-key': 'demo-viewer-key', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'action=promote&version=v1.0.0',
    })
    expect(viewer.status).toBe(403)
    await registry.updateStatus('price-prediction', 'v1.0.0', 'deployed')
  })
})

describe('console analyze', () => {
  it('renders the consensus and one SHAP chart per vote for a symbol and for a pasted record', async () => {
    const cookie = await login('demo-operator-key')
    const bySymbol = await get('/console/analyze?symbol=SYN25', cookie)
    expect(bySymbol.status).toBe(200)
    expect(bySymbol.text).toMatch(/Consensus <span class="signal/)
    const votes = bySymbol.text.match(/<article class="vote[^"]*"/g) ?? []
    expect(votes.length).toBe(3)
    expect((bySymbol.text.match(/class="chart contrib"/g) ?? []).length).toBe(votes.length)

    const features = JSON.parse(
      (await import('node:fs')).readFileSync(join(repoRoot, 'examples', 'data', 'features.json'), 'utf8'),
    )
    const pasted = await post('/console/analyze', cookie, {
      _csrf: csrfOf(bySymbol.text),
      tier: 'free',
      record: JSON.stringify(features.SYN25),
    })
    expect(pasted.status).toBe(200)
    expect((pasted.text.match(/class="chart contrib"/g) ?? []).length).toBe(1)
    expect(pasted.text).toContain('early-signal/v1.0.0')

    const bad = await post('/console/analyze', cookie, {
      _csrf: csrfOf(bySymbol.text),
      record: '{"rsi_14": "high"}',
    })
    expect(bad.status).toBe(400)
    expect(bad.text).toMatch(/feature rsi_14 must be a number or null/)
    expect((await get('/console/analyze?symbol=NOPE', cookie)).status).toBe(404)
  })

  it('a caller never analyzes above its own tier', async () => {
    const app2 = leafwiseApp({
      registry,
      source: fileSource(modelsRoot),
      features: fileFeatureStore(join(repoRoot, 'examples', 'data', 'features.json')),
      keys: { 'low-key': { name: 'intern', tier: 'free', role: 'read' } },
    })
    try {
      const response = await app2.request('/console/analyze?symbol=SYN25&tier=enterprise', {
        headers: { authorization: 'Bearer low-key' },
      })
      const text = await response.text()
      expect(text).toMatch(/tier free/)
      expect(text).not.toContain('price-prediction/v1.0.0')
    } finally {
      await app2.close()
    }
  })
})

describe('registries with more abilities (detected, not assumed)', () => {
  it('shows aliases and approvals when the records carry them, and offers approve when the registry has it', async () => {
    const calls: unknown[][] = []
    const base = (await registry.listModels({ modelName: 'early-signal' })) as {
      success: true
      data: object[]
    }
    const record = { ...base.data[0], aliases: ['champion'], approval: { status: 'pending' } }
    const fake = {
      getModel: registry.getModel,
      getDeployedModels: registry.getDeployedModels,
      listModels: async () => ({ success: true as const, data: [record] }),
      approve: async (...args: unknown[]) => {
        calls.push(args)
        return { success: true as const, data: null }
      },
    } as unknown as Parameters<typeof leafwiseApp>[0]['registry']
    const app3 = leafwiseApp({ registry: fake, ensembles: {}, keys: consoleKeys })
    const headers = { authorization: 'Bearer demo-operator-key' }
    const models = await (await app3.request('/console', { headers })).text()
    expect(models).toMatch(/<th scope="col">Aliases<\/th>/)
    expect(models).toMatch(/champion → v1\.0\.0/)
    expect(models).toMatch(/class="badge pending">pending/)
    const timeline = await (await app3.request('/console/models/early-signal', { headers })).text()
    expect(timeline).toMatch(
      /confirm\?action=approve&amp;version=v1\.0\.0|confirm\?action=approve&version=v1\.0\.0/,
    )
    expect(timeline).toMatch(/This registry keeps no history/)
    const approved = await app3.request('/console/models/early-signal/actions', {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'action=approve&version=v1.0.0&reason=reviewed',
    })
    expect(approved.status).toBe(303)
    expect(calls).toEqual([['early-signal', 'v1.0.0', { reason: 'reviewed', actor: 'operator' }]])
    // A registry with neither aliases nor approvals (the read side only) shows neither column.
    const readOnly = {
      getModel: registry.getModel,
      getDeployedModels: registry.getDeployedModels,
      listModels: registry.listModels,
    } as unknown as Parameters<typeof leafwiseApp>[0]['registry']
    const app4 = leafwiseApp({ registry: readOnly, ensembles: {}, keys: consoleKeys })
    const plain = await (await app4.request('/console', { headers })).text()
    expect(plain).toMatch(/early-signal/)
    expect(plain).not.toMatch(/Aliases<\/th>/)
    // The live registry has aliases: its console shows the column.
    const live = await get('/console', await login('demo-viewer-key'))
    expect(live.text).toMatch(/Aliases<\/th>/)
  })
})

describe('keys', () => {
  it('a key file names the key at fault without printing it', () => {
    expect(() => parseApiKeys('{"keys": {"secret-1": "gold"}}', 'keys.json')).toThrow(
      /keys\.json: key #1 has unknown tier "gold"/,
    )
    expect(() => parseApiKeys('{"keys": {"k": {"tier": "free", "role": "admin"}}}', 'keys.json')).toThrow(
      /unknown role "admin"/,
    )
    expect(() => normalizeKeys({ a: { name: 'x', role: 'read' }, b: { name: 'x', role: 'read' } })).toThrow(
      /name "x" is used twice/,
    )
    expect(normalizeKeys({ k: 'premium' }).get('k')).toEqual({
      name: 'premium-key-1',
      tier: 'premium',
      role: undefined,
    })
  })
})
