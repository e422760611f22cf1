// /metrics: Prometheus text whose counters, histograms and gauges equal what the test counts
// from the analyses themselves; drift gauges move for a shifted feature only.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensemblesByTier, readApiKeys, startAnalyzeServer } from '../../examples/server.ts'
import { type Analysis, createEnsemble, type Ensemble } from '../../src/ensemble/index.ts'
import { createMetrics, type Metrics } from '../../src/monitor/index.ts'
import { escapeLabel } from '../../src/monitor/metrics.ts'
import { fileFeatureStore } from '../../src/node/feature-store.ts'
import type { ModelRegistry, SqlClient } from '../../src/registry/index.ts'
import { createPgliteClient } from '../../src/registry/pglite.ts'
import { exampleRows, exampleSource, features, modelsRoot } from '../ensemble/support.ts'
import { seededUniform } from '../support/random.ts'
import { repoRoot } from '../support/shared.ts'
import { exampleRegistry } from './support.ts'

const LINE =
  /^(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+|[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\["\\n])*",?)*\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf))$/

/** The value of the sample `name{labels}` (labels in the order written). */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const rendered = Object.entries(labels)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(',')
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${rendered}} `))
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
}

describe('metrics', () => {
  let client: SqlClient
  let registry: ModelRegistry
  let ensemble: Ensemble
  let metrics: Metrics
  const analyses: Analysis[] = []
  let shiftedFeature: string

  beforeAll(async () => {
    client = createPgliteClient({ dataDir: 'memory' })
    registry = await exampleRegistry(
      client,
      exampleRows.map((r) =>
        r.modelName === 'sentiment-fusion' && r.modelVersion === 'v1.0.0'
          ? { ...r, status: 'shadow' as const }
          : r,
      ),
    )
    metrics = createMetrics({ driftSpan: 400 })
    ensemble = await createEnsemble({ registry, source: exampleSource(), onAnalysis: metrics.record })
    const v11 = ensemble.current.deployed.find((m) => m.package.id === 'sentiment-fusion/v1.1.0')!.package
      .normalizer
    const stats = new Map<string, { mean: number; std: number }>()
    v11.featureNames.forEach((f, i) => {
      stats.set(f, { mean: v11.mean[i], std: v11.std[i] })
    })
    for (const m of [...ensemble.current.deployed, ...ensemble.current.shadow]) {
      const n = m.package.normalizer
      n.featureNames.forEach((f, i) => {
        if (!stats.has(f)) stats.set(f, { mean: n.mean[i], std: n.std[i] })
      })
    }
    shiftedFeature = v11.featureNames.find((_, i) => !v11.passThrough[i])!
    const uniform = seededUniform(6)
    const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform())
    for (let i = 0; i < 800; i++) {
      const record: Record<string, number> = {}
      for (const [f, s] of stats) record[f] = s.mean + s.std * (normal() + (f === shiftedFeature ? 3 : 0))
      analyses.push(ensemble.analyze(record, { id: `k${i}` }))
    }
  })
  afterAll(async () => {
    await ensemble?.close()
    await client?.close()
  })

  it('writes valid exposition text, one TYPE per family', () => {
    const text = metrics.text()
    const lines = text.trimEnd().split('\n')
    expect(lines.length).toBeGreaterThan(20)
    for (const line of lines) expect(line).toMatch(LINE)
    const types = lines.filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2])
    expect(new Set(types).size).toBe(types.length)
  })

  it('counts analyses, votes per model, version, role and signal, and latency', () => {
    const text = metrics.text()
    expect(sample(text, 'leafwise_analyses_total', { tier: 'enterprise' })).toBe(800)
    const counted = new Map<string, number>()
    for (const a of analyses) {
      for (const [votes, role] of [
        [a.votes, 'deployed'],
        [a.shadowVotes, 'shadow'],
      ] as const) {
        for (const v of votes) {
          const key = JSON.stringify({ model: v.modelName, version: v.modelVersion, role, signal: v.signal })
          counted.set(key, (counted.get(key) ?? 0) + 1)
        }
      }
    }
    for (const [key, n] of counted) expect(sample(text, 'leafwise_votes_total', JSON.parse(key))).toBe(n)
    expect(sample(text, 'leafwise_analysis_latency_seconds_count', { tier: 'enterprise' })).toBe(800)
    expect(sample(text, 'leafwise_analysis_latency_seconds_bucket', { tier: 'enterprise', le: '+Inf' })).toBe(
      800,
    )
    const buckets = text.split('\n').filter((l) => l.startsWith('leafwise_analysis_latency_seconds_bucket'))
    const values = buckets.map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)))
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThanOrEqual(values[i - 1])
    const sum = analyses.reduce((s, a) => s + a.latencyMs / 1000, 0)
    expect(sample(text, 'leafwise_analysis_latency_seconds_sum', { tier: 'enterprise' })).toBeCloseTo(sum, 9)
  })

  it('gives the shadow version agreement computed from the analyses', () => {
    const agreed = analyses.filter(
      (a) =>
        a.votes.find((v) => v.modelName === 'sentiment-fusion')!.signal ===
        a.shadowVotes.find((v) => v.modelName === 'sentiment-fusion')!.signal,
    ).length
    const text = metrics.text()
    expect(
      sample(text, 'leafwise_agreement_ratio', { model: 'sentiment-fusion', version: 'v1.0.0' }),
    ).toBeCloseTo(agreed / 800, 12)
    expect(
      sample(text, 'leafwise_agreement_ratio', { model: 'sentiment-fusion', version: 'v1.1.0' }),
    ).toBeUndefined()
  })

  it('moves the drift gauge of the shifted feature only', () => {
    const text = metrics.text()
    const z = (feature: string) =>
      sample(text, 'leafwise_feature_drift_z', { model: 'sentiment-fusion', version: 'v1.1.0', feature })!
    expect(z(shiftedFeature)).toBeGreaterThan(2.5)
    const v11 = ensemble.current.deployed.find((m) => m.package.id === 'sentiment-fusion/v1.1.0')!.package
      .normalizer
    for (const [i, f] of v11.featureNames.entries())
      if (f !== shiftedFeature && !v11.passThrough[i]) expect(Math.abs(z(f))).toBeLessThan(0.5)
  })

  it('escapes label values', () => {
    expect(escapeLabel('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd')
  })
})

describe('GET /metrics on examples/server.ts', () => {
  it('serves the text format and counts requests by route and status', async () => {
    const client = createPgliteClient({ dataDir: 'memory' })
    const registry = await exampleRegistry(client)
    const metrics = createMetrics()
    const ensembles = await ensemblesByTier(registry, modelsRoot, undefined, metrics.record)
    const keys = readApiKeys(join(repoRoot, 'examples', 'data', 'api-keys.json'))
    const server = await startAnalyzeServer({
      ensembles,
      features: fileFeatureStore(join(repoRoot, 'examples', 'data', 'features.json')),
      keys,
      metrics,
    })
    try {
      const key = Object.keys(keys).find((k) => keys[k] === 'premium')!
      const analyzed = await fetch(`${server.url}/api/stocks/analyze`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ symbols: Object.keys(features).slice(0, 2) }),
      })
      expect(analyzed.status).toBe(200)
      expect((await fetch(`${server.url}/nowhere/${'x'.repeat(10)}`)).status).toBe(404)
      const response = await fetch(`${server.url}/metrics`)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
      const text = await response.text()
      expect(sample(text, 'leafwise_analyses_total', { tier: 'premium' })).toBe(2)
      expect(
        sample(text, 'leafwise_http_requests_total', {
          method: 'POST',
          route: '/api/stocks/analyze',
          status: '200',
        }),
      ).toBe(1)
      expect(
        sample(text, 'leafwise_http_requests_total', { method: 'GET', route: 'other', status: '404' }),
      ).toBe(1)
    } finally {
      await server.close()
      for (const e of Object.values(ensembles)) await e.close()
      await client.close()
    }
  })
})
