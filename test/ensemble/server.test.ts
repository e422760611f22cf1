// examples/server.ts end to end over loopback: API keys decide the tier, bad requests get a
// clear 4xx, and the server keeps serving.
import { request } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type AnalyzeServerOptions,
  ensemblesByTier,
  readApiKeys,
  startAnalyzeServer,
} from '../../examples/server.ts'
import { memorySink } from '../../src/ensemble/index.ts'
import { fileFeatureStore } from '../../src/node/feature-store.ts'
import type { ModelRegistry } from '../../src/registry/index.ts'
import { createPgliteRegistry } from '../../src/registry/pglite.ts'
import { repoRoot } from '../support/shared.ts'
import { exampleRows, features, ids, modelsRoot, registerAll } from './support.ts'

const keys = readApiKeys(join(repoRoot, 'examples', 'data', 'api-keys.json'))
const keyOf = (tier: string) => Object.keys(keys).find((k) => keys[k] === tier)!

let registry: ModelRegistry
let server: Awaited<ReturnType<typeof startAnalyzeServer>>
let ensembles: AnalyzeServerOptions['ensembles']
const log = memorySink()

beforeAll(async () => {
  registry = createPgliteRegistry({ dataDir: 'memory' })
  await registerAll(registry, exampleRows)
  ensembles = await ensemblesByTier(registry, modelsRoot, log)
  server = await startAnalyzeServer({
    ensembles,
    features: fileFeatureStore(join(repoRoot, 'examples', 'data', 'features.json')),
    keys,
    maxBodyBytes: 4096,
  })
})
afterAll(async () => {
  await server?.close()
  for (const e of Object.values(ensembles ?? {})) await e.close()
  await registry?.close()
})

async function post(body: unknown, key?: string, raw = false) {
  const response = await fetch(`${server.url}/api/stocks/analyze`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: raw ? (body as string) : JSON.stringify(body),
  })
  return { status: response.status, json: await response.json() }
}

describe('POST /api/stocks/analyze', () => {
  it("answers in the guide's shape", async () => {
    const { status, json } = await post({ symbols: ['SYN25'], include_ml: true }, keyOf('enterprise'))
    expect(status).toBe(200)
    expect(json.success).toBe(true)
    expect(json.data.symbol).toBe('SYN25')
    expect(Object.keys(json.data.consensus).sort()).toEqual([
      'confidence',
      'probabilities',
      'score',
      'signal',
    ])
    expect(ids(json.data.votes)).toEqual([
      'early-signal/v1.0.0',
      'price-prediction/v1.0.0',
      'sentiment-fusion/v1.1.0',
    ])
    for (const vote of json.data.votes) {
      expect(vote).toMatchObject({
        modelName: expect.any(String),
        modelVersion: expect.any(String),
        signal: expect.stringMatching(/^(BULLISH|BEARISH|NEUTRAL)$/),
        confidence: expect.any(Number),
      })
    }
    // The same answer as the library.
    const library = ensembles.enterprise.analyze(features.SYN25)
    expect(json.data.consensus).toEqual(library.consensus)
    expect(json.data.tier).toBe('enterprise')
  })

  it('each tier sees its models; a free key never sees a premium vote, whatever the body says', async () => {
    const free = await post(
      { symbols: ['SYN25', 'SYN41'], include_ml: true, tier: 'enterprise' },
      keyOf('free'),
    )
    expect(free.status).toBe(200)
    expect(free.json.data.tier).toBe('free')
    expect(free.json.data.results).toHaveLength(2)
    for (const result of free.json.data.results) {
      expect(ids(result.votes)).toEqual(['early-signal/v1.0.0'])
      expect(result.shadowVotes).toEqual([])
    }
    const premium = await post({ symbols: ['SYN25'] }, keyOf('premium'))
    expect(ids(premium.json.data.votes)).toEqual(['early-signal/v1.0.0', 'sentiment-fusion/v1.1.0'])
    const enterprise = await post({ symbols: ['SYN25'] }, keyOf('enterprise'))
    expect(enterprise.json.data.votes).toHaveLength(3)
    // X-API-Key works too.
    const viaHeader = await fetch(`${server.url}/api/stocks/analyze`, {
      method: 'POST',
      headers: { 'x-api-key': keyOf('free') },
      body: JSON.stringify({ symbols: ['SYN11'] }),
    })
    expect(ids((await viaHeader.json()).data.votes)).toEqual(['early-signal/v1.0.0'])
  })

  it('missing or unknown API keys get 401', async () => {
    const none = await post({ symbols: ['SYN25'] })
    expect(none.status).toBe(401)
    expect(none.json).toEqual({
      success: false,
      error: { code: 'UNAUTHORIZED', message: expect.stringMatching(/API key is required/) },
    })
    const unknown = await post({ symbols: ['SYN25'] }, 'not-a-key')
    expect(unknown.status).toBe(401)
    expect(unknown.json.error.message).toBe('unknown API key')
    // An inherited property name is no key either.
    expect((await post({ symbols: ['SYN25'] }, 'constructor')).status).toBe(401)
  })

  it('bad requests get a clear 4xx and the server keeps serving', async () => {
    const key = keyOf('premium')
    const cases: [unknown, boolean, number, string][] = [
      ['{"symbols": [', true, 400, 'INVALID_JSON'],
      ['[]', true, 400, 'INVALID_REQUEST'],
      [{}, false, 400, 'INVALID_REQUEST'],
      [{ symbols: [] }, false, 400, 'INVALID_REQUEST'],
      [{ symbols: [42] }, false, 400, 'INVALID_REQUEST'],
      [{ symbols: ['SYN25'], include_ml: 'yes' }, false, 400, 'INVALID_REQUEST'],
      [{ symbols: ['SYN25', 'NOPE', 'ZZZ'] }, false, 404, 'UNKNOWN_SYMBOL'],
      [{ symbols: Array.from({ length: 60 }, (_, i) => `S${i}`) }, false, 400, 'TOO_MANY_SYMBOLS'],
      [{ symbols: ['SYN25'], padding: 'x'.repeat(10_000) }, false, 413, 'PAYLOAD_TOO_LARGE'],
    ]
    for (const [body, raw, status, code] of cases) {
      const response = await post(body, key, raw)
      expect(response.status, JSON.stringify(body).slice(0, 40)).toBe(status)
      expect(response.json.success).toBe(false)
      expect(response.json.error.code).toBe(code)
    }
    const unknown = await post({ symbols: ['SYN25', 'NOPE'] }, key)
    expect(unknown.json.error.message).toBe('no features for symbol(s): NOPE')
    expect((await fetch(`${server.url}/api/stocks/analyze`)).status).toBe(405)
    expect((await fetch(`${server.url}/nowhere`)).status).toBe(404)
    expect((await post({ symbols: ['SYN25'] }, key)).status).toBe(200)
  })

  it('an oversized body streamed without Content-Length is cut off with 413', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${server.url}/api/stocks/analyze`)
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { 'x-api-key': keyOf('free') },
        },
        (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        },
      )
      req.on('error', reject)
      req.write('{"symbols": ["SYN25"], "pad": "')
      req.write('x'.repeat(8192))
      req.end('"}')
    })
    expect(status).toBe(413)
    expect((await post({ symbols: ['SYN25'] }, keyOf('free'))).status).toBe(200)
  })

  it('include_ml false runs no model', async () => {
    const { status, json } = await post({ symbols: ['SYN25'], include_ml: false }, keyOf('enterprise'))
    expect(status).toBe(200)
    expect(json.data.votes).toEqual([])
    expect(json.data.consensus).toBeNull()
  })

  it('concurrent callers of every tier', async () => {
    const tiers = ['free', 'premium', 'enterprise']
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) => post({ symbols: ['SYN07', 'SYN11'] }, keyOf(tiers[i % 3]))),
    )
    responses.forEach((r, i) => {
      expect(r.status).toBe(200)
      expect(r.json.data.votes).toHaveLength((i % 3) + 1)
    })
    expect(log.entries.length).toBeGreaterThan(60)
  })

  it('GET /api/health lists each tier generation and models', async () => {
    const json = await (await fetch(`${server.url}/api/health`)).json()
    expect(json.data.tiers.free).toEqual({ generation: 1, models: ['early-signal/v1.0.0'], failures: 0 })
    expect(json.data.tiers.enterprise.models).toHaveLength(3)
  })
})
