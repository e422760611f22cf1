// Canary roll-outs: a stable hash of the caller's key routes a share of the keys to a
// version beside the deployed one; the weight lives in the registry and reaches another
// process's ensemble through the change events; promote ends the canary.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { canaryBucket, routesToCanary } from '../../src/ensemble/canary.ts'
import { createEnsemble } from '../../src/ensemble/index.ts'
import { createPredictionStore, rolloutReport } from '../../src/monitor/index.ts'
import { createRegistry, type ModelRegistry, type SqlClient, unwrap } from '../../src/registry/index.ts'
import { createPgliteClient } from '../../src/registry/pglite.ts'
import { exampleRegistry } from '../monitor/support.ts'
import { engines, waitFor } from '../registry/engines.ts'
import { repoRoot } from '../support/shared.ts'
import { exampleRows, exampleSource, features } from './support.ts'

const run = promisify(execFile)
const record = Object.values(features)[0]
const rowsWithCandidate = exampleRows.map((r) =>
  r.modelName === 'sentiment-fusion' && r.modelVersion === 'v1.0.0'
    ? { ...r, status: 'validated' as const }
    : r,
)

describe('canary routing by key', () => {
  it('is stable per key and within 1 percentage point of the weight over 100,000 keys', () => {
    for (const weight of [1, 10, 25, 33.33, 50, 90]) {
      let routed = 0
      let unstable = 0
      for (let i = 0; i < 100_000; i++) {
        const key = `user-${i}`
        const first = routesToCanary('sentiment-fusion', key, weight)
        if (routesToCanary('sentiment-fusion', key, weight) !== first) unstable++
        if (first) routed++
      }
      expect(unstable).toBe(0)
      expect(Math.abs((routed / 100_000) * 100 - weight)).toBeLessThan(1)
    }
    // Symbols too (short keys that differ in one character).
    let routed = 0
    for (let i = 0; i < 100_000; i++) if (routesToCanary('early-signal', `SYN${i}`, 20)) routed++
    expect(Math.abs(routed / 1000 - 20)).toBeLessThan(1)
    // A larger weight keeps every key a smaller one routed (raising the weight moves keys one way).
    for (let i = 0; i < 1000; i++) {
      if (routesToCanary('m', `k${i}`, 10)) expect(routesToCanary('m', `k${i}`, 20)).toBe(true)
    }
    expect(canaryBucket('m', 'k1')).toBe(canaryBucket('m', 'k1'))
    expect(routesToCanary('m', 'k1', 0)).toBe(false)
    expect(routesToCanary('m', 'k1', 100)).toBe(true)
  })
})

describe.each(engines)('canary on $name', (engine) => {
  let client: SqlClient
  let registry: ModelRegistry

  beforeAll(async () => {
    client = await engine.freshClient()
    registry = await exampleRegistry(client, rowsWithCandidate)
  })
  afterAll(async () => {
    await client?.close()
  })

  it('refuses bad weights and versions that cannot be canaries', async () => {
    expect(await registry.setCanary('sentiment-fusion', 'v1.0.0', 101)).toMatchObject({
      success: false,
      error: { code: 'INVALID_INPUT' },
    })
    expect(await registry.setCanary('sentiment-fusion', 'v1.1.0', 10)).toMatchObject({
      success: false,
      error: { code: 'INVALID_TRANSITION' },
    })
    expect(await registry.setCanary('sentiment-fusion', 'v9.0.0', 10)).toMatchObject({
      success: false,
      error: { code: 'MODEL_NOT_FOUND' },
    })
  })

  it('routes the keys the hash picks to the canary, the deployed version running in shadow for them', async () => {
    const canary = unwrap(
      await registry.setCanary('sentiment-fusion', 'v1.0.0', 25, { reason: 'try v1.0.0' }),
    )
    expect(canary).toMatchObject({ modelVersion: 'v1.0.0', weightPercent: 25, reason: 'try v1.0.0' })
    expect(unwrap(await registry.getModel('sentiment-fusion', 'v1.0.0')).status).toBe('shadow')
    const store = createPredictionStore(client, { flushIntervalMs: 60_000 })
    const ensemble = await createEnsemble({ registry, source: exampleSource(), onAnalysis: store.record })
    expect(ensemble.current.canaries?.map((c) => c.weightPercent)).toEqual([25])
    let routed = 0
    for (let i = 0; i < 400; i++) {
      const key = `user-${i}`
      const analysis = ensemble.analyze(record, { routeKey: key, id: key })
      const vote = analysis.votes.find((v) => v.modelName === 'sentiment-fusion')!
      const shadow = analysis.shadowVotes.find((v) => v.modelName === 'sentiment-fusion')!
      if (routesToCanary('sentiment-fusion', key, 25)) {
        routed++
        expect(vote).toMatchObject({ modelVersion: 'v1.0.0', role: 'canary', weight: 0.515 })
        expect(shadow).toMatchObject({ modelVersion: 'v1.1.0', weight: 0 })
      } else {
        expect(vote.modelVersion).toBe('v1.1.0')
        expect(vote.role).toBeUndefined()
        expect(shadow.modelVersion).toBe('v1.0.0')
      }
      // Other models are not touched.
      expect(analysis.votes.filter((v) => v.modelName !== 'sentiment-fusion')).toHaveLength(2)
    }
    expect(routed).toBeGreaterThan(60)
    expect(routed).toBeLessThan(140)
    // analyzeMany routes each record by its id.
    const many = ensemble.analyzeMany([record, record], { ids: ['user-0', 'user-1'] })
    for (const [i, a] of many.entries())
      expect(a.votes.find((v) => v.modelName === 'sentiment-fusion')!.modelVersion).toBe(
        routesToCanary('sentiment-fusion', `user-${i}`, 25) ? 'v1.0.0' : 'v1.1.0',
      )
    // Without a key, the deployed version serves.
    expect(ensemble.analyze(record).votes.find((v) => v.modelName === 'sentiment-fusion')!.modelVersion).toBe(
      'v1.1.0',
    )
    await store.flush()
    const report = await rolloutReport(client, 'sentiment-fusion', { since: '1h' })
    const candidate = report.versions.find((v) => v.modelVersion === 'v1.0.0')!
    const current = report.versions.find((v) => v.modelVersion === 'v1.1.0')!
    const routedMany = [0, 1].filter((i) => routesToCanary('sentiment-fusion', `user-${i}`, 25)).length
    expect(candidate.canary).toBe(routed + routedMany)
    expect(candidate.shadowed + candidate.canary).toBe(403)
    expect(current.shadowed).toBe(routed + routedMany)
    expect(candidate.agreement!.compared).toBe(403)
    await store.close()
    await ensemble.close()
  })

  it('promote ends the canary', async () => {
    expect(unwrap(await registry.listCanaries())).toHaveLength(1)
    unwrap(await registry.promote('sentiment-fusion', 'v1.0.0'))
    expect(unwrap(await registry.listCanaries())).toEqual([])
    // Back to v1.1.0 for a new canary; rollback ends that one too.
    unwrap(await registry.promote('sentiment-fusion', 'v1.1.0'))
    expect(unwrap(await registry.updateStatus('sentiment-fusion', 'v1.0.0', 'validated')).status).toBe(
      'validated',
    )
    unwrap(await registry.setCanary('sentiment-fusion', 'v1.0.0', 5))
    unwrap(await registry.rollback('sentiment-fusion'))
    expect(unwrap(await registry.listCanaries())).toEqual([])
  })
})

describe('canary weights reach another process through change events', () => {
  let dir: string
  let client: SqlClient

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leafwise-canary-'))
    client = createPgliteClient({ dataDir: join(dir, 'registry') })
    await exampleRegistry(client, rowsWithCandidate)
  }, 60_000)
  afterAll(async () => {
    await client?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('`leafwise canary` in a second process changes the weights this process routes by', async () => {
    const registry = createRegistry(client)
    const ensemble = await createEnsemble({ registry, source: exampleSource(), watch: true })
    expect(ensemble.current.canaries).toBeUndefined()
    const leafwise = (...args: string[]) =>
      run(
        process.execPath,
        ['--import', 'tsx', join(repoRoot, 'src/cli/run.ts'), ...args, '--data-dir', join(dir, 'registry')],
        {
          cwd: repoRoot,
        },
      )
    const set = await leafwise('canary', 'sentiment-fusion', 'v1.0.0', '40')
    expect(set.stdout).toContain('serves 40 % of the keys')
    await waitFor(() => ensemble.current.canaries?.[0]?.weightPercent === 40, 15_000)
    const key = Array.from({ length: 100 }, (_, i) => `k${i}`).find((k) =>
      routesToCanary('sentiment-fusion', k, 40),
    )!
    expect(
      ensemble.analyze(record, { routeKey: key }).votes.find((v) => v.modelName === 'sentiment-fusion')!
        .modelVersion,
    ).toBe('v1.0.0')
    await leafwise('canary', 'sentiment-fusion', '60')
      .then(() => expect.unreachable('two positionals are a usage error'))
      .catch((error) => expect(error.code).toBe(2))
    await leafwise('canary', 'sentiment-fusion', 'v1.0.0', '60')
    await waitFor(() => ensemble.current.canaries?.[0]?.weightPercent === 60, 15_000)
    const ended = await leafwise('canary', 'sentiment-fusion', '--end')
    expect(ended.stdout).toContain('ended the canary')
    await waitFor(() => ensemble.current.canaries === undefined, 15_000)
    expect(
      ensemble.analyze(record, { routeKey: key }).votes.find((v) => v.modelName === 'sentiment-fusion')!
        .modelVersion,
    ).toBe('v1.1.0')
    await ensemble.close()
  }, 120_000)
})
