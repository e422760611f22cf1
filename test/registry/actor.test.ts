// A change's actor: the registry's `actor` option by default, the call's own `actor` when
// given (the console passes the key's name), on PGlite and PostgreSQL alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRegistry, type ModelRegistry, type RegisterModelInput } from '../../src/registry/index.ts'
import { engines } from './engines.ts'

const row = (modelVersion: string, status: RegisterModelInput['status']): RegisterModelInput => ({
  modelName: 'actor-check',
  modelVersion,
  modelType: 'lightgbm',
  objective: 'direction_classification',
  targetVariable: 'price_direction_3d',
  predictionHorizon: '1w',
  status,
})

describe.each(engines)('per-call actor on $name', (engine) => {
  let registry: ModelRegistry

  beforeAll(async () => {
    registry = createRegistry(await engine.freshClient(), { actor: 'service' })
    expect((await registry.migrate()).success).toBe(true)
    for (const [version, status] of [
      ['v1.0.0', 'deployed'],
      ['v1.1.0', 'validated'],
    ] as const)
      expect((await registry.registerModel(row(version, status))).success).toBe(true)
  })
  afterAll(async () => {
    await registry?.close()
  })

  it('promote, rollback and updateStatus record the actor of the call; others the default', async () => {
    expect(
      (await registry.promote('actor-check', 'v1.1.0', { actor: 'dana', reason: 'better' })).success,
    ).toBe(true)
    expect((await registry.rollback('actor-check', { actor: 'ops-bot' })).success).toBe(true)
    expect((await registry.updateStatus('actor-check', 'v1.1.0', 'shadow', { actor: 'lee' })).success).toBe(
      true,
    )
    expect((await registry.updateStatus('actor-check', 'v1.1.0', 'validated')).success).toBe(true)
    const history = await registry.history('actor-check')
    if (!history.success) throw new Error(history.error.message)
    expect(history.data.map((e) => [e.modelVersion, e.toStatus, e.actor, e.reason])).toEqual([
      ['v1.0.0', 'deployed', 'service', 'registered'],
      ['v1.1.0', 'validated', 'service', 'registered'],
      ['v1.0.0', 'deprecated', 'dana', 'better'],
      ['v1.1.0', 'deployed', 'dana', 'better'],
      ['v1.1.0', 'deprecated', 'ops-bot', 'rollback'],
      ['v1.0.0', 'deployed', 'ops-bot', 'rollback'],
      ['v1.1.0', 'shadow', 'lee', null],
      ['v1.1.0', 'validated', 'service', null],
    ])
  })
})
