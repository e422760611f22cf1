// Records with feature names no model reads (typos) are refused unless allowed, and a vote
// on a record that lacks most of its model's features is flagged as sparse.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closestName, createEnsemble, type Ensemble } from '../../src/ensemble/index.ts'
import type { ModelRegistry } from '../../src/registry/index.ts'
import { createPgliteRegistry } from '../../src/registry/pglite.ts'
import { exampleRows, exampleSource, features, registerAll } from './support.ts'

let registry: ModelRegistry
let ensemble: Ensemble

beforeAll(async () => {
  registry = createPgliteRegistry({ dataDir: 'memory' })
  await registerAll(registry, exampleRows)
  ensemble = await createEnsemble({ registry, source: exampleSource() })
})
afterAll(async () => {
  await ensemble?.close()
  await registry?.close()
})

describe('unknown feature names', () => {
  it('a typo is an error naming the key and the closest known name', () => {
    let caught: unknown
    try {
      ensemble.analyze({ rsi7: 50, foo: 1 })
    } catch (error) {
      caught = error
    }
    expect(caught).toMatchObject({ code: 'UNKNOWN_FEATURE' })
    const message = (caught as Error).message
    expect(message).toContain("'rsi7' (did you mean 'rsi_7'?)")
    expect(message).toContain("'foo'")
    expect(message).toContain('allowUnknownFeatures')
  })

  it('analyzeMany names the record at fault', () => {
    const good = features.SYN25
    expect(() =>
      ensemble.analyzeMany([good, { ...good, volatility20d: 0.1 }], { ids: ['SYN25', 'TYPO'] }),
    ).toThrow(/record 1 \(TYPO\).*'volatility20d' \(did you mean 'volatility_20d'\?\)/)
  })

  it('a Map record is checked too', () => {
    expect(() => ensemble.analyze(new Map([['RSI_14', 50]]))).toThrow(/did you mean 'rsi_14'/)
  })

  it('allowUnknownFeatures (per call or per ensemble) ignores them', async () => {
    const record = { ...features.SYN25, extra_column: 1 }
    const allowed = ensemble.analyze(record, { allowUnknownFeatures: true })
    expect(allowed.consensus).toEqual(ensemble.analyze(features.SYN25).consensus)
    const lenient = await createEnsemble({ registry, source: exampleSource(), allowUnknownFeatures: true })
    try {
      expect(lenient.analyzeMany([record])[0].consensus).toEqual(allowed.consensus)
    } finally {
      await lenient.close()
    }
  })

  it('a lower tier accepts the features of higher tiers models, but not typos', async () => {
    const free = await createEnsemble({ registry, source: exampleSource(), tier: 'free' })
    try {
      const names = new Set(free.current.deployed.flatMap((m) => m.package.featureNames))
      const unread = Object.keys(features.SYN25).filter((k) => !names.has(k))
      expect(unread.length).toBeGreaterThan(0)
      expect(free.analyze(features.SYN25).votes.length).toBe(free.current.deployed.length)
      expect(() => free.analyze({ ...features.SYN25, rsi7: 1 })).toThrow(/'rsi7' \(did you mean 'rsi_7'\?\)/)
    } finally {
      await free.close()
    }
  })

  it('knownFeatures names extra keys a record may carry', async () => {
    const known = await createEnsemble({ registry, source: exampleSource(), knownFeatures: ['symbol_id'] })
    try {
      expect(known.analyze({ ...features.SYN25, symbol_id: 7 }).votes.length).toBeGreaterThan(0)
      expect(() => known.analyze({ ...features.SYN25, other: 7 })).toThrow(/'other'/)
    } finally {
      await known.close()
    }
  })

  it('closestName ignores case and punctuation, then allows a few edits, else gives nothing', () => {
    const names = ['rsi_7', 'rsi_14', 'volatility_20d', 'macd']
    expect(closestName('RSI-14', names)).toBe('rsi_14')
    expect(closestName('volatilty_20d', names)).toBe('volatility_20d')
    expect(closestName('foo', names)).toBeUndefined()
  })
})

describe('sparse votes', () => {
  it('a full record gives no sparse vote; the count of missing features is on every vote', () => {
    const a = ensemble.analyze(features.SYN25)
    expect(a.votes.length).toBeGreaterThan(0)
    for (const vote of a.votes) {
      expect(vote.sparse).toBe(false)
      expect(vote.missingFeatures).toBe(0)
    }
  })

  it('a record lacking most features flags every vote, in analyze and analyzeMany alike', () => {
    const record = { rsi_14: 61.2, macd: 0.8 }
    const one = ensemble.analyze(record)
    const many = ensemble.analyzeMany([record, features.SYN25])
    for (const votes of [one.votes, many[0].votes]) {
      expect(votes.length).toBeGreaterThan(0)
      for (const vote of votes) {
        expect(vote.sparse).toBe(true)
        expect(vote.missingFeatures).toBeGreaterThan(20)
      }
    }
    expect(many[1].votes.every((v) => !v.sparse)).toBe(true)
  })

  it('missing sentiment alone (4 of 45) is not sparse', () => {
    const record = {
      ...features.SYN25,
      sentiment_positive: null,
      sentiment_negative: null,
      sentiment_neutral: null,
      sentiment_volume: null,
    }
    const vote = ensemble.analyze(record).votes.find((v) => v.modelName === 'sentiment-fusion')!
    expect(vote.missingFeatures).toBe(4)
    expect(vote.sparse).toBe(false)
  })
})
