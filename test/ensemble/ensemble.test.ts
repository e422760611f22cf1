// The ensemble over an in-memory PGlite registry and the example packages: who votes (status,
// tier), the consensus of real votes, load failures, shared caches, explanations, the log,
// and the same ensemble from a static manifest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { consensusOf } from '../../src/ensemble/consensus.ts'
import { createEnsemble, createPackageCache, type Ensemble, memorySink } from '../../src/ensemble/index.ts'
import { inputHash } from '../../src/ensemble/log.ts'
import { fileSource } from '../../src/node/fs-source.ts'
import {
  buildManifest,
  createManifestRegistry,
  fail,
  type ModelRegistry,
  type RegisterModelInput,
  unwrap,
} from '../../src/registry/index.ts'
import { createPgliteRegistry } from '../../src/registry/pglite.ts'
import { exampleRows, exampleSource, features, ids, modelsRoot, registerAll } from './support.ts'

const alias = (
  modelName: string,
  status: RegisterModelInput['status'],
  extra: Partial<RegisterModelInput> = {},
): RegisterModelInput => ({
  modelName,
  modelVersion: 'v1.0.0',
  modelType: 'lightgbm',
  objective: 'direction_classification',
  targetVariable: 'price_up_5d',
  predictionHorizon: '1w',
  validationScore: 0.6,
  tierRequirement: 'free',
  status,
  ...extra,
})

const aliases = {
  'shadow-model': 'early-signal',
  'trained-model': 'early-signal',
  'validated-model': 'early-signal',
  'volatility-model': 'price-prediction',
}

let registry: ModelRegistry
let ensemble: Ensemble

beforeAll(async () => {
  registry = createPgliteRegistry({ dataDir: 'memory' })
  await registerAll(registry, [
    ...exampleRows,
    alias('shadow-model', 'shadow'),
    alias('trained-model', 'training'),
    alias('validated-model', 'validated'),
    alias('ghost-model', 'deployed'),
    alias('volatility-model', 'deployed', { objective: 'volatility_forecast', tierRequirement: 'premium' }),
  ])
  ensemble = await createEnsemble({ registry, source: exampleSource(aliases) })
})
afterAll(async () => {
  await ensemble?.close()
  await registry?.close()
})

describe('who votes', () => {
  it('deployed models vote; shadow ones run apart; training, validated and deprecated ones never run', () => {
    const a = ensemble.analyze(features.SYN25)
    expect(ids(a.votes)).toEqual([
      'early-signal/v1.0.0',
      'price-prediction/v1.0.0',
      'sentiment-fusion/v1.1.0',
    ])
    expect(ids(a.shadowVotes)).toEqual(['shadow-model/v1.0.0'])
    expect(a.shadowVotes[0].weight).toBe(0)
    const everything = [...ids(a.votes), ...ids(a.shadowVotes)].join(' ')
    for (const absent of ['trained-model', 'validated-model', 'sentiment-fusion/v1.0.0']) {
      expect(everything).not.toContain(absent)
    }
    expect(a.generation).toBe(1)
    expect(a.tier).toBe('enterprise')
    expect(a.errors).toEqual([])
  })

  it('a package that fails to load is reported and the rest serve', () => {
    const failures = Object.fromEntries(ensemble.failures.map((f) => [f.modelName, f]))
    expect(Object.keys(failures).sort()).toEqual(['ghost-model', 'volatility-model'])
    expect(failures['ghost-model'].code).toBe('MODEL_FILE_MISSING')
    expect(failures['ghost-model'].message).toMatch(/ghost-model\/v1\.0\.0\/model\.txt not found/)
    expect(failures['volatility-model'].code).toBe('UNSUPPORTED_MODEL')
    expect(ensemble.current.deployed).toHaveLength(3)
  })

  it('tiers: free < premium < enterprise, and one cache serves them all', async () => {
    const source = exampleSource(aliases)
    const cache = createPackageCache(source)
    const [free, premium, enterprise] = await Promise.all(
      (['free', 'premium', 'enterprise'] as const).map((tier) => createEnsemble({ registry, cache, tier })),
    )
    expect(ids(free.analyze(features.SYN25).votes)).toEqual(['early-signal/v1.0.0'])
    expect(ids(premium.analyze(features.SYN25).votes)).toEqual([
      'early-signal/v1.0.0',
      'sentiment-fusion/v1.1.0',
    ])
    expect(ids(enterprise.analyze(features.SYN25).votes)).toHaveLength(3)
    expect(free.current.deployed[0].package).toBe(enterprise.current.deployed[0].package)
    // Each package parsed once, though three ensembles loaded it concurrently.
    for (const count of source.modelReads.values()) expect(count).toBe(1)
  })
})

describe('votes and consensus', () => {
  it('three example models give three distinct votes (guide, Common Issue 5)', () => {
    const a = ensemble.analyze(features.SYN25)
    expect(new Set(a.votes.map((v) => v.confidence)).size).toBe(3)
    expect(new Set(a.votes.map((v) => JSON.stringify(v.prediction))).size).toBe(3)
    // Each vote is its own package's prediction (samples.json of sentiment-fusion v1.1.0, SYN25 day 1114).
    const fusion = a.votes.find((v) => v.modelName === 'sentiment-fusion')!
    expect(fusion.prediction).toEqual([0.1890571087397769, 0.3447254002684169, 0.4662174909918062])
    expect(fusion.signal).toBe('BULLISH')
    expect(fusion.confidence).toBe(0.4662174909918062)
    expect(a.votes.map((v) => v.prediction.length)).toEqual([1, 1, 3])
  })

  it('the consensus is the validation-score-weighted average of the votes', () => {
    const a = ensemble.analyze(features.SYN41)
    const weights = { 'early-signal': 0.5986, 'price-prediction': 0.5587, 'sentiment-fusion': 0.5176 }
    const total = 0.5986 + 0.5587 + 0.5176
    for (const signal of ['BEARISH', 'NEUTRAL', 'BULLISH'] as const) {
      const expected =
        a.votes.reduce(
          (sum, v) => sum + weights[v.modelName as keyof typeof weights] * v.probabilities[signal],
          0,
        ) / total
      expect(a.consensus!.probabilities[signal]).toBeCloseTo(expected, 14)
    }
    const c = a.consensus!
    expect(c.score).toBe(Math.round(50 + 50 * (c.probabilities.BULLISH - c.probabilities.BEARISH)))
    expect(c.confidence).toBe(c.probabilities[c.signal])
    // The shadow vote is not in it.
    expect(consensusOf(a.votes)).toEqual(c)
  })

  it('weights can be overridden by name or name/version', async () => {
    const muted = await createEnsemble({
      registry,
      source: exampleSource(aliases),
      weights: { 'early-signal': 0, 'price-prediction/v1.0.0': 2 },
    })
    const a = muted.analyze(features.SYN11)
    expect(a.votes.map((v) => v.weight)).toEqual([0, 2, 0.5176])
    expect(a.consensus).toEqual(consensusOf(a.votes.filter((v) => v.modelName !== 'early-signal')))
    await expect(createEnsemble({ registry, source: exampleSource(), weights: { x: -1 } })).rejects.toThrow(
      /weight override "x"/,
    )
  })

  it('analyzeMany equals analyze record by record', () => {
    const symbols = ['SYN25', 'SYN41', 'SYN11', 'SYN07']
    const many = ensemble.analyzeMany(
      symbols.map((s) => features[s]),
      { ids: symbols },
    )
    symbols.forEach((symbol, i) => {
      const one = ensemble.analyze(features[symbol], { id: symbol })
      expect({ ...many[i], latencyMs: 0 }).toEqual({ ...one, latencyMs: 0 })
    })
    expect(new Set(many.map((a) => a.consensus!.score)).size).toBeGreaterThan(1)
  })

  it('missing sentiment (null or NaN) is a missing value, not an error', () => {
    const record = { ...features.SYN25, sentiment_positive: null, sentiment_negative: Number.NaN }
    const a = ensemble.analyze(record)
    expect(a.errors).toEqual([])
    expect(a.votes).toHaveLength(3)
  })

  it('explanations: each vote carries its top features by |SHAP|', () => {
    const a = ensemble.analyze(features.SYN25, { explain: true, top: 4 })
    for (const vote of [...a.votes, ...a.shadowVotes]) {
      expect(vote.topFeatures).toHaveLength(4)
      const sizes = vote.topFeatures!.map((f) => Math.abs(f.contribution))
      expect(sizes).toEqual([...sizes].sort((x, y) => y - x))
      for (const f of vote.topFeatures!) expect(f.value).toBe(features.SYN25[f.feature] ?? null)
    }
    expect(ensemble.analyze(features.SYN25).votes[0].topFeatures).toBeUndefined()
  })
})

describe('prediction log', () => {
  it('one entry per analysis with versions, consensus, latency and input hash', async () => {
    const log = memorySink()
    const logged = await createEnsemble({ registry, source: exampleSource(aliases), log })
    const a = logged.analyze(features.SYN25, { id: 'SYN25' })
    logged.analyzeMany([features.SYN41, features.SYN25])
    expect(log.entries).toHaveLength(3)
    const [first, second, third] = log.entries
    expect(first.id).toBe('SYN25')
    expect(first.votes.map((v) => v.model)).toEqual(ids(a.votes))
    expect(first.shadow.map((v) => v.model)).toEqual(['shadow-model/v1.0.0'])
    expect(first.consensus).toEqual({
      signal: a.consensus!.signal,
      confidence: a.consensus!.confidence,
      score: a.consensus!.score,
    })
    expect(first.generation).toBe(1)
    expect(first.latencyMs).toBeGreaterThan(0)
    expect(first.inputHash).toBe(third.inputHash)
    expect(first.inputHash).not.toBe(second.inputHash)
  })

  it('inputHash ignores key order and treats null, NaN and undefined alike', () => {
    expect(inputHash({ a: 1, b: null })).toBe(inputHash({ b: Number.NaN, a: 1 }))
    expect(inputHash({ a: 1, b: undefined })).toBe(inputHash({ a: 1, b: null }))
    expect(inputHash({ a: 1 })).not.toBe(inputHash({ a: 2 }))
  })
})

describe('other registries', () => {
  it('a static manifest gives the same answers as the live registry', async () => {
    const rows = unwrap(await registry.listModels())
    const manifest = JSON.parse(JSON.stringify(buildManifest(rows, 'enterprise')))
    const fromManifest = await createEnsemble({
      registry: createManifestRegistry(manifest),
      source: exampleSource(aliases),
    })
    const a = fromManifest.analyze(features.SYN07)
    const b = ensemble.analyze(features.SYN07)
    expect({ ...a, latencyMs: 0 }).toEqual({ ...b, latencyMs: 0 })
    await expect(fromManifest.watch()).rejects.toThrow(/no change events/)
  })

  it('an unreachable registry fails the first load with REGISTRY_UNAVAILABLE', async () => {
    const down = {
      getModel: async () => fail('DATABASE_UNAVAILABLE', 'connection refused'),
      getDeployedModels: async () => fail('DATABASE_UNAVAILABLE', 'connection refused'),
      listModels: async () => fail('DATABASE_UNAVAILABLE', 'connection refused'),
    }
    await expect(createEnsemble({ registry: down, source: fileSource(modelsRoot) })).rejects.toMatchObject({
      code: 'REGISTRY_UNAVAILABLE',
    })
  })
})
