// examples/edge-worker under miniflare (Cloudflare workerd): the worker fetches the model
// packages from a local HTTP server, reads the bundled static manifest, and answers
// POST /api/stocks/analyze with the same analysis, to the bit, as the ensemble in Node.
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, normalize } from 'node:path'
import { build } from 'esbuild'
import type { Miniflare } from 'miniflare'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEnsemble, type FeatureRecord, memorySource } from '../../src/index.ts'
import { createManifestRegistry } from '../../src/registry/index.ts'
import { modelsRoot, packageFiles } from '../package/helpers.ts'
import { COMPATIBILITY_DATE, repoRoot } from './run.ts'

const workerDir = join(repoRoot, 'examples', 'edge-worker')

/** Serves models/ read-only on 127.0.0.1, and records the paths asked for. */
function serveModels(requested: string[]): Promise<Server> {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)
    requested.push(path)
    const file = normalize(join(repoRoot, path))
    if (request.method !== 'GET' || !path.startsWith('/models/') || !file.startsWith(`${modelsRoot}/`)) {
      response.writeHead(404).end()
      return
    }
    try {
      const bytes = readFileSync(file)
      response.writeHead(200, { 'content-length': bytes.length }).end(bytes)
    } catch {
      response.writeHead(404).end()
    }
  })
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done(server)))
}

/** Feature records holding every model's features (sample records of each package, merged). */
function sampleRecords(): Record<string, FeatureRecord> {
  const ids = ['sentiment-fusion/v1.1.0', 'price-prediction/v1.0.0', 'early-signal/v1.0.0']
  const samples = ids.map(
    (id) =>
      JSON.parse(readFileSync(join(modelsRoot, id, 'samples.json'), 'utf8')).samples as {
        symbol: string
        features: FeatureRecord
      }[],
  )
  const out: Record<string, FeatureRecord> = {}
  for (let i = 0; i < 3; i++)
    out[samples[0][i].symbol] = Object.assign({}, ...samples.map((s) => s[i].features))
  return out
}

/** Every file of the example packages, for a memory source. */
function examplePackageFiles(): Map<string, Uint8Array> {
  const ids = [
    'sentiment-fusion/v1.1.0',
    'sentiment-fusion/v1.0.0',
    'price-prediction/v1.0.0',
    'early-signal/v1.0.0',
  ]
  return new Map(
    ids.flatMap((id) => {
      const [name, version] = id.split('/')
      return [...packageFiles(modelsRoot, name, version)]
    }),
  )
}

describe('examples/edge-worker under miniflare', () => {
  const requested: string[] = []
  let server: Server
  let mf: Miniflare
  const records = sampleRecords()
  const symbols = Object.keys(records)

  beforeAll(async () => {
    server = await serveModels(requested)
    const port = (server.address() as AddressInfo).port
    // The worker bundled as wrangler would: one ES module, registry.json inlined.
    const bundle = await build({
      entryPoints: [join(workerDir, 'worker.ts')],
      bundle: true,
      platform: 'neutral',
      format: 'esm',
      target: 'es2022',
      mainFields: ['module', 'main'],
      write: false,
      logLevel: 'silent',
    })
    const { Miniflare } = await import('miniflare')
    mf = new Miniflare({
      modules: [
        { type: 'ESModule', path: join(workerDir, 'worker.mjs'), contents: bundle.outputFiles[0].text },
      ],
      compatibilityDate: COMPATIBILITY_DATE,
      bindings: { MODELS_BASE_URL: `http://127.0.0.1:${port}/models/` },
    })
  }, 120_000)

  afterAll(async () => {
    await mf?.dispose()
    await new Promise((done) => server?.close(done))
  })

  const post = (body: unknown) =>
    mf.dispatchFetch('http://worker.test/api/stocks/analyze', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })

  it("analyzes one symbol in the guide's response shape, models fetched from the URL", async () => {
    const response = await post({ symbols: [symbols[0]], features: records, include_ml: true })
    expect(response.status).toBe(200)
    const body = (await response.json()) as { success: boolean; data: Record<string, unknown> }
    expect(body.success).toBe(true)
    const data = body.data as {
      consensus: { signal: string; score: number }
      votes: { modelName: string }[]
      shadowVotes: { modelName: string; modelVersion: string }[]
    }
    expect(['BEARISH', 'NEUTRAL', 'BULLISH']).toContain(data.consensus.signal)
    expect(data.consensus.score).toBeGreaterThanOrEqual(0)
    expect(data.consensus.score).toBeLessThanOrEqual(100)
    expect(data.votes.map((v) => v.modelName).sort()).toEqual([
      'early-signal',
      'price-prediction',
      'sentiment-fusion',
    ])
    expect(data.shadowVotes.map((v) => `${v.modelName}/${v.modelVersion}`)).toEqual([
      'sentiment-fusion/v1.0.0',
    ])
    expect(requested).toContain('/models/sentiment-fusion/v1.1.0/model.txt')
    expect(requested).toContain('/models/sentiment-fusion/v1.0.0/normalizer.json')
  })

  it('answers exactly as the ensemble in Node does, for several symbols, with explanations', async () => {
    const response = await post({ symbols, features: records, explain: true })
    expect(response.status).toBe(200)
    const { data } = (await response.json()) as { data: { results: Record<string, unknown>[] } }
    const ensemble = await createEnsemble({
      registry: createManifestRegistry(readFileSync(join(workerDir, 'registry.json'), 'utf8')),
      source: memorySource(examplePackageFiles()),
      tier: 'premium',
    })
    const expected = ensemble.analyzeMany(
      symbols.map((s) => records[s]),
      { ids: symbols, explain: true },
    )
    expect(data.results).toHaveLength(symbols.length)
    expect((data.results[0].votes as { topFeatures?: unknown[] }[])[0].topFeatures?.length).toBeGreaterThan(0)
    // JSON numbers print as the shortest text that reads back as the same double: equal text is equal bits.
    const strip = ({ latencyMs: _l, id: _i, ...rest }: Record<string, unknown>) => rest
    expect(data.results.map(({ symbol: _s, ...rest }) => strip(rest))).toEqual(
      JSON.parse(JSON.stringify(expected.map((a) => strip(a as unknown as Record<string, unknown>)))),
    )
  })

  it('refuses bad requests with the error shape', async () => {
    const badJson = await post('{')
    expect(badJson.status).toBe(400)
    expect(await badJson.json()).toMatchObject({ success: false, error: { code: 'INVALID_INPUT' } })
    const noFeatures = await post({ symbols: ['NOPE'], features: {} })
    expect(noFeatures.status).toBe(400)
    expect(((await noFeatures.json()) as { error: { message: string } }).error.message).toMatch(/NOPE/)
    expect((await mf.dispatchFetch('http://worker.test/api/stocks/analyze')).status).toBe(405)
    expect((await mf.dispatchFetch('http://worker.test/elsewhere')).status).toBe(404)
  })

  it('reports its model set on /health', async () => {
    const response = await mf.dispatchFetch('http://worker.test/health')
    expect(await response.json()).toMatchObject({
      ok: true,
      tier: 'premium',
      shadow: ['sentiment-fusion/v1.0.0'],
      failures: [],
    })
  })
})
