// Hot reload: refresh() and watch mode swap whole model sets; a set that fails to load keeps
// the old one serving; under load, no call fails and every result comes from one generation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Analysis, createEnsemble, type Ensemble, type ReloadResult } from '../../src/ensemble/index.ts'
import { fail, type ModelRegistry, unwrap } from '../../src/registry/index.ts'
import { createPgliteRegistry } from '../../src/registry/pglite.ts'
import { exampleRows, exampleSource, features, ids, registerAll } from './support.ts'

let registry: ModelRegistry

beforeAll(async () => {
  registry = createPgliteRegistry({ dataDir: 'memory' })
  await registerAll(registry, [
    ...exampleRows,
    // A version whose package does not exist: promoting it must not take the ensemble down.
    { ...exampleRows[0], modelVersion: 'v1.2.0', status: 'validated' },
  ])
})
afterAll(async () => {
  await registry?.close()
})

const fusionVersion = (a: Analysis) => a.votes.find((v) => v.modelName === 'sentiment-fusion')?.modelVersion

describe('refresh()', () => {
  let ensemble: Ensemble
  beforeAll(async () => {
    ensemble = await createEnsemble({ registry, source: exampleSource() })
  })
  afterAll(async () => {
    unwrap(await registry.promote('sentiment-fusion', 'v1.1.0'))
    await ensemble.close()
  })

  it('swaps in the new set after a promotion, and not when nothing changed', async () => {
    expect(fusionVersion(ensemble.analyze(features.SYN25))).toBe('v1.1.0')
    expect(await ensemble.refresh()).toEqual({ swapped: false, generation: 1, failures: [] })
    unwrap(await registry.promote('sentiment-fusion', 'v1.0.0'))
    const result = await ensemble.refresh()
    expect(result).toEqual({ swapped: true, generation: 2, failures: [] })
    const a = ensemble.analyze(features.SYN25)
    expect(fusionVersion(a)).toBe('v1.0.0')
    expect(a.generation).toBe(2)
    // The old package is dropped from the ensemble's own cache.
    expect(ensemble.cache.ids().sort()).toEqual([
      'early-signal/v1.0.0',
      'price-prediction/v1.0.0',
      'sentiment-fusion/v1.0.0',
    ])
  })

  it('a new set that fails to load leaves the old one serving, and says why', async () => {
    unwrap(await registry.promote('sentiment-fusion', 'v1.2.0'))
    const result = await ensemble.refresh()
    expect(result.swapped).toBe(false)
    expect(result.generation).toBe(2)
    expect(result.reason).toMatch(
      /kept generation 2: sentiment-fusion\/v1\.2\.0 \(deployed\) failed to load: MODEL_FILE_MISSING/,
    )
    expect(ensemble.lastReloadResult).toEqual(result)
    const a = ensemble.analyze(features.SYN25)
    expect(a.generation).toBe(2)
    expect(fusionVersion(a)).toBe('v1.0.0')
    // Rolling back fixes it.
    unwrap(await registry.rollback('sentiment-fusion'))
    const fixed = await ensemble.refresh()
    expect(fixed.swapped).toBe(false) // back to the set already serving
    expect(fusionVersion(ensemble.analyze(features.SYN25))).toBe('v1.0.0')
  })

  it('an unreachable registry leaves the old set serving', async () => {
    let down = false
    const flaky = {
      getModel: registry.getModel,
      getDeployedModels: registry.getDeployedModels,
      listModels: (filters?: Parameters<ModelRegistry['listModels']>[0]) =>
        down
          ? Promise.resolve(fail('DATABASE_UNAVAILABLE', 'connection refused'))
          : registry.listModels(filters),
    }
    const reported: ReloadResult[] = []
    const e = await createEnsemble({
      registry: flaky,
      source: exampleSource(),
      onReload: (r) => reported.push(r),
    })
    down = true
    const result = await e.refresh()
    expect(result.swapped).toBe(false)
    expect(result.reason).toMatch(/REGISTRY|connection refused/)
    expect(reported).toEqual([result])
    expect(e.analyze(features.SYN25).votes).toHaveLength(3)
  })

  it('concurrent refresh calls coalesce into at most two loads', async () => {
    let lists = 0
    const counting = {
      getModel: registry.getModel,
      getDeployedModels: registry.getDeployedModels,
      listModels: (filters?: Parameters<ModelRegistry['listModels']>[0]) => {
        lists++
        return registry.listModels(filters)
      },
    }
    const e = await createEnsemble({ registry: counting, source: exampleSource() })
    lists = 0
    const results = await Promise.all(Array.from({ length: 10 }, () => e.refresh()))
    expect(lists).toBe(2)
    for (const r of results) expect(r.generation).toBe(1)
  })
})

describe('hot reload under load', () => {
  it('8 concurrent callers while versions are promoted and rolled back: no call fails, one generation per result', async () => {
    const generations = new Map<number, string>()
    const describeSet = (e: Ensemble) =>
      [...e.current.deployed, ...e.current.shadow].map((m) => `${m.role}:${m.package.id}`).join(' ')
    const swaps: ReloadResult[] = []
    let ensemble!: Ensemble
    ensemble = await createEnsemble({
      registry,
      source: exampleSource(),
      watch: true,
      debounceMs: 5,
      onReload: (r) => {
        swaps.push(r)
        if (r.swapped) generations.set(r.generation, describeSet(ensemble))
      },
    })
    generations.set(1, describeSet(ensemble))
    const symbols = Object.keys(features)
    let running = true
    const errors: unknown[] = []
    const results: Analysis[] = []
    const caller = async (n: number) => {
      let i = n
      while (running) {
        try {
          results.push(ensemble.analyze(features[symbols[i++ % symbols.length]]))
        } catch (error) {
          errors.push(error)
        }
        await new Promise((resolve) => setImmediate(resolve))
      }
    }
    const callers = Array.from({ length: 8 }, (_, n) => caller(n))

    const waitFor = async (condition: () => boolean, what: string) => {
      const deadline = Date.now() + 60_000
      while (!condition()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    }
    const steps: [string, () => Promise<unknown>, string][] = [
      ['promote v1.0.0', () => registry.promote('sentiment-fusion', 'v1.0.0'), 'v1.0.0'],
      ['rollback', () => registry.rollback('sentiment-fusion'), 'v1.1.0'],
      ['shadow v1.0.0', () => registry.updateStatus('sentiment-fusion', 'v1.0.0', 'shadow'), 'v1.1.0'],
      ['promote v1.0.0 again', () => registry.promote('sentiment-fusion', 'v1.0.0'), 'v1.0.0'],
      ['rollback again', () => registry.rollback('sentiment-fusion'), 'v1.1.0'],
    ]
    try {
      for (const [label, change, expected] of steps) {
        const before = ensemble.generation
        unwrap((await change()) as never)
        await waitFor(() => ensemble.generation > before, label)
        expect(fusionVersion(ensemble.analyze(features.SYN25)), label).toBe(expected)
      }
    } finally {
      running = false
      await Promise.all(callers)
      await ensemble.close()
    }

    expect(errors).toEqual([])
    expect(results.length).toBeGreaterThan(100)
    const seen = new Set<number>()
    for (const r of results) {
      seen.add(r.generation)
      const set = [
        ...r.votes.map((v) => `deployed:${v.modelName}/${v.modelVersion}`),
        ...r.shadowVotes.map((v) => `shadow:${v.modelName}/${v.modelVersion}`),
      ].join(' ')
      expect(set).toBe(generations.get(r.generation))
      expect(r.votes).toHaveLength(3)
      expect(r.consensus).not.toBeNull()
    }
    expect(seen.size).toBeGreaterThanOrEqual(4)
    expect(swaps.filter((s) => !s.swapped && s.reason)).toEqual([])
    // The shadow step: v1.0.0 ran beside v1.1.0 and did not vote.
    const shadowGeneration = [...generations].find(([, set]) =>
      set.includes('shadow:sentiment-fusion/v1.0.0'),
    )
    expect(shadowGeneration).toBeDefined()
    // In that generation v1.1.0 voted and v1.0.0 only ran beside it (the set, whether or not
    // an analysis happened to be served by that generation).
    expect(shadowGeneration![1]).toContain('deployed:sentiment-fusion/v1.1.0')
    for (const r of results.filter((r) => r.generation === shadowGeneration![0])) {
      expect(ids(r.votes)).toContain('sentiment-fusion/v1.1.0')
      expect(ids(r.votes)).not.toContain('sentiment-fusion/v1.0.0')
      expect(ids(r.shadowVotes)).toContain('sentiment-fusion/v1.0.0')
    }
  }, 180_000)
})
