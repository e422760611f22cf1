// The registry API, run unchanged against PGlite (in memory) and a real PostgreSQL server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SqlClient } from '../../src/registry/client.ts'
import {
  createRegistry,
  type ModelChange,
  type ModelRegistry,
  ModelStatus,
  type RegisterModelInput,
  TierRequirement,
} from '../../src/registry/index.ts'
import { engines, waitFor } from './engines.ts'

const base: RegisterModelInput = {
  modelName: 'sentiment-fusion',
  modelVersion: 'v1.1.0',
  modelType: 'lightgbm',
  objective: 'direction_classification',
  targetVariable: 'price_direction_3d',
  predictionHorizon: '1w',
  validationScore: 0.538,
  testScore: 0.525,
  tierRequirement: 'premium',
  status: 'deployed',
}

describe.each(engines)('registry on $name', (engine) => {
  let client: SqlClient
  let registry: ModelRegistry

  beforeAll(async () => {
    client = await engine.freshClient()
    registry = createRegistry(client, { actor: 'test-suite' })
  })
  afterAll(async () => {
    await registry?.close()
  })

  it('migrate applies every file once, then nothing', async () => {
    const first = await registry.migrate()
    expect(first).toMatchObject({ success: true })
    const all = [
      '001_ml_models',
      '002_value_checks',
      '003_updated_at',
      '004_model_events',
      '005_aliases',
      '006_tags',
      '007_approvals',
      '008_files_lineage',
      '009_artifacts',
      '010_predictions',
      '011_canaries',
      '012_prediction_features',
    ]
    expect(first.success && first.data.applied).toEqual(all)
    const second = await registry.migrate()
    expect(second.success && second.data).toEqual({
      applied: [],
      alreadyApplied: all,
    })
  })

  it("creates ml_models with exactly the guide's columns", async () => {
    const columns = await client.query<{ column_name: string; data_type: string; is_nullable: string }>(
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_name = 'ml_models' ORDER BY ordinal_position`,
    )
    expect(columns.map((c) => `${c.column_name} ${c.data_type} ${c.is_nullable}`)).toEqual([
      'model_id uuid NO',
      'model_name character varying NO',
      'model_version character varying NO',
      'model_type character varying NO',
      'objective character varying NO',
      'target_variable character varying NO',
      'prediction_horizon character varying NO',
      'validation_score numeric YES',
      'test_score numeric YES',
      'tier_requirement character varying YES',
      'status character varying YES',
      'created_at timestamp with time zone YES',
      'updated_at timestamp with time zone YES',
    ])
  })

  it('registers a model and reads it back in camelCase', async () => {
    const result = await registry.registerModel(base)
    expect(result.success).toBe(true)
    if (!result.success) return
    expect(result.data).toMatchObject({ ...base, validationScore: 0.538, testScore: 0.525 })
    expect(result.data.modelId).toMatch(/^[0-9a-f-]{36}$/)
    expect(result.data.createdAt).toBeInstanceOf(Date)
    const read = await registry.getModel('sentiment-fusion', 'v1.1.0')
    expect(read).toEqual(result)
  })

  it('applies the table defaults: tier premium, status deployed', async () => {
    const { tierRequirement: _t, status: _s, ...rest } = base
    const result = await registry.registerModel({ ...rest, modelName: 'defaults-model' })
    expect(result.success && [result.data.tierRequirement, result.data.status]).toEqual([
      'premium',
      'deployed',
    ])
  })

  it("answers DUPLICATE_MODEL naming the model and the guide's two fixes (Issue 3)", async () => {
    const result = await registry.registerModel(base)
    expect(result).toMatchObject({ success: false, error: { code: 'DUPLICATE_MODEL' } })
    if (result.success) return
    expect(result.error.message).toContain('sentiment-fusion v1.1.0')
    expect(result.error.message).toMatch(/update/)
    expect(result.error.message).toMatch(/new version such as v1\.1\.1/)
  })

  it('50 concurrent registrations of one name and version: one success, 49 DUPLICATE_MODEL', async () => {
    const input = { ...base, modelName: 'race-model', modelVersion: 'v3.0.0' }
    const results = await Promise.all(Array.from({ length: 50 }, () => registry.registerModel(input)))
    expect(results.filter((r) => r.success)).toHaveLength(1)
    const failures = results.filter((r) => !r.success)
    expect(failures).toHaveLength(49)
    for (const failure of failures) expect(!failure.success && failure.error.code).toBe('DUPLICATE_MODEL')
    const rows = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM ml_models WHERE model_name = 'race-model'",
    )
    expect(rows[0].n).toBe(1)
  })

  it('upsert overwrites an existing row instead of failing', async () => {
    const result = await registry.registerModel({ ...base, validationScore: 0.6 }, { upsert: true })
    expect(result.success && result.data.validationScore).toBe(0.6)
    await registry.updateScores('sentiment-fusion', 'v1.1.0', { validationScore: 0.538 })
  })

  it.each([
    [{ modelName: 'Sentiment Fusion' }, /kebab-case/],
    [{ modelName: 'sentiment--fusion' }, /kebab-case/],
    [{ modelVersion: '1.1.0' }, /vMAJOR\.MINOR\.PATCH/],
    [{ modelVersion: 'v1.1' }, /vMAJOR\.MINOR\.PATCH/],
    [{ modelType: 'catboost' }, /modelType must be one of lightgbm/],
    [{ objective: 'multiclass' }, /objective must be one of/],
    [{ predictionHorizon: '2d' }, /predictionHorizon must be one of 1h, 4h, 1d, 1w, 2w, 1m, 3m/],
    [{ tierRequirement: 'gold' }, /tierRequirement must be one of free, premium, enterprise/],
    [{ status: 'deploy' }, /status must be one of/],
    [{ validationScore: 1.5 }, /between 0 and 1; got 1.5/],
    [{ testScore: Number.NaN }, /score/],
    [{ targetVariable: '' }, /targetVariable must not be empty/],
  ])('rejects %o with INVALID_INPUT', async (patch, message) => {
    const result = await registry.registerModel({
      ...base,
      modelVersion: 'v9.9.9',
      ...patch,
    } as RegisterModelInput)
    expect(result).toMatchObject({ success: false, error: { code: 'INVALID_INPUT' } })
    if (!result.success) expect(result.error.message).toMatch(message)
  })

  it('accepts a pre-release version such as v2.0.0-beta', async () => {
    const result = await registry.registerModel({ ...base, modelVersion: 'v2.0.0-beta', status: 'shadow' })
    expect(result.success).toBe(true)
  })

  it('the CHECK constraints refuse bad values written by hand', async () => {
    await expect(
      client.query(
        `INSERT INTO ml_models (model_name, model_version, model_type, objective, target_variable, prediction_horizon, status)
         VALUES ('hand-made', 'v1.0.0', 'lightgbm', 'price_prediction', 'x', '1w', 'deploy')`,
      ),
    ).rejects.toMatchObject({ code: '23514' })
    await expect(
      client.query(
        `INSERT INTO ml_models (model_name, model_version, model_type, objective, target_variable, prediction_horizon)
         VALUES ('hand-made', 'v1.0.0', 'lightgbm', 'price_prediction', 'x', '5d')`,
      ),
    ).rejects.toMatchObject({ code: '23514' })
  })

  it('stores text holding SQL fragments verbatim', async () => {
    const nasty = `x'); DROP TABLE ml_models; -- $1 $$ \\ " ; SELECT pg_sleep(10); 💥`
    const registered = await registry.registerModel(
      { ...base, modelName: 'verbatim-model', targetVariable: nasty },
      { reason: nasty },
    )
    expect(registered.success && registered.data.targetVariable).toBe(nasty)
    const read = await registry.getModel('verbatim-model', 'v1.1.0')
    expect(read.success && read.data.targetVariable).toBe(nasty)
    const changed = await registry.updateStatus('verbatim-model', 'v1.1.0', 'shadow', {
      reason: `${nasty} again`,
    })
    expect(changed.success).toBe(true)
    const history = await registry.history('verbatim-model')
    expect(history.success && history.data.map((e) => e.reason)).toEqual([nasty, `${nasty} again`])
    const tables = await client.query("SELECT to_regclass('ml_models') IS NOT NULL AS present")
    expect(tables[0].present).toBe(true)
  })

  it("MODEL_NOT_FOUND uses the guide's wording (Issue 1)", async () => {
    const result = await registry.getModel('missing-model', 'v1.0.0')
    expect(result).toEqual({
      success: false,
      error: {
        code: 'MODEL_NOT_FOUND',
        message: expect.stringContaining('Model not found: missing-model v1.0.0'),
      },
    })
    const status = await registry.updateStatus('missing-model', 'v1.0.0', 'deployed')
    expect(!status.success && status.error.code).toBe('MODEL_NOT_FOUND')
    const scores = await registry.updateScores('missing-model', 'v1.0.0', { testScore: 0.5 })
    expect(!scores.success && scores.error.code).toBe('MODEL_NOT_FOUND')
    const promoted = await registry.promote('missing-model', 'v1.0.0')
    expect(!promoted.success && promoted.error.code).toBe('MODEL_NOT_FOUND')
  })

  it('getDeployedModels orders tiers free < premium < enterprise', async () => {
    for (const tier of Object.values(TierRequirement)) {
      await registry.registerModel({ ...base, modelName: `tier-${tier}`, tierRequirement: tier })
    }
    await registry.registerModel({
      ...base,
      modelName: 'tier-shadow',
      tierRequirement: 'free',
      status: 'shadow',
    })
    const names = async (tier?: TierRequirement) => {
      const result = await registry.getDeployedModels(tier ? { tier } : {})
      return result.success
        ? result.data.map((m) => m.modelName).filter((n) => n.startsWith('tier-'))
        : result
    }
    expect(await names('free')).toEqual(['tier-free'])
    expect(await names('premium')).toEqual(['tier-free', 'tier-premium'])
    expect(await names('enterprise')).toEqual(['tier-enterprise', 'tier-free', 'tier-premium'])
    expect(await names()).toEqual(['tier-enterprise', 'tier-free', 'tier-premium'])
  })

  it('listModels filters by name, status (one or several) and tier, versions in semver order', async () => {
    for (const version of ['v1.10.0', 'v1.9.0', 'v1.9.0-rc1']) {
      await registry.registerModel({
        ...base,
        modelName: 'list-model',
        modelVersion: version,
        status: 'validated',
      })
    }
    const all = await registry.listModels({ modelName: 'list-model' })
    expect(all.success && all.data.map((m) => m.modelVersion)).toEqual(['v1.9.0-rc1', 'v1.9.0', 'v1.10.0'])
    const shadows = await registry.listModels({ status: ['shadow', 'deprecated'], tier: 'free' })
    expect(shadows.success && shadows.data.map((m) => m.modelName)).toEqual(['tier-shadow'])
    const bad = await registry.listModels({ status: 'live' as ModelStatus })
    expect(!bad.success && bad.error.code).toBe('INVALID_INPUT')
  })

  it('updateStatus checks transitions and records reason and actor', async () => {
    await registry.registerModel({ ...base, modelName: 'status-model', status: 'training' })
    const refused = await registry.updateStatus('status-model', 'v1.1.0', 'deployed')
    expect(refused).toMatchObject({ success: false, error: { code: 'INVALID_TRANSITION' } })
    if (!refused.success) expect(refused.error.message).toMatch(/training to deployed.*validated first/)
    expect(
      (await registry.updateStatus('status-model', 'v1.1.0', 'validated', { reason: 'eval done' })).success,
    ).toBe(true)
    const deployed = await registry.updateStatus('status-model', 'v1.1.0', 'deployed', { reason: 'go live' })
    expect(deployed.success && deployed.data.status).toBe('deployed')
    const same = await registry.updateStatus('status-model', 'v1.1.0', 'deployed')
    expect(same.success).toBe(true)
    const history = await registry.history('status-model')
    expect(history.success && history.data.map((e) => [e.fromStatus, e.toStatus, e.reason, e.actor])).toEqual(
      [
        [null, 'training', 'registered', 'test-suite'],
        ['training', 'validated', 'eval done', 'test-suite'],
        ['validated', 'deployed', 'go live', 'test-suite'],
      ],
    )
  })

  it('updateScores changes only the scores given, and the trigger moves updated_at', async () => {
    const before = await registry.getModel('status-model', 'v1.1.0')
    await new Promise((resolve) => setTimeout(resolve, 20))
    const after = await registry.updateScores('status-model', 'v1.1.0', { testScore: 0.5123 })
    expect(after.success && [after.data.validationScore, after.data.testScore]).toEqual([0.538, 0.5123])
    if (before.success && after.success) {
      expect(after.data.updatedAt.getTime()).toBeGreaterThan(before.data.updatedAt.getTime())
      expect(after.data.createdAt).toEqual(before.data.createdAt)
    }
    const empty = await registry.updateScores('status-model', 'v1.1.0', {})
    expect(!empty.success && empty.error.code).toBe('INVALID_INPUT')
  })

  it('records manual SQL status changes in the history too', async () => {
    await client.query("UPDATE ml_models SET status = 'shadow' WHERE model_name = 'status-model'")
    const history = await registry.history('status-model')
    const last = history.success ? history.data.at(-1) : undefined
    expect(last).toMatchObject({ fromStatus: 'deployed', toStatus: 'shadow', reason: null })
    expect(last?.actor).toBe('postgres')
  })

  const deployedVersions = async (name: string) => {
    const result = await registry.listModels({ modelName: name, status: 'deployed' })
    return result.success ? result.data.map((m) => m.modelVersion) : result
  }

  it('promote deploys one version and deprecates the other deployed ones, in one transaction', async () => {
    await registry.registerModel({ ...base, modelName: 'promo', modelVersion: 'v1.0.0', status: 'deployed' })
    await registry.registerModel({ ...base, modelName: 'promo', modelVersion: 'v1.1.0', status: 'deployed' })
    await registry.registerModel({ ...base, modelName: 'promo', modelVersion: 'v2.0.0', status: 'validated' })
    const result = await registry.promote('promo', 'v2.0.0', { reason: 'better validation' })
    expect(result.success && result.data.status).toBe('deployed')
    expect(await deployedVersions('promo')).toEqual(['v2.0.0'])
    const history = await registry.history('promo')
    const changes = history.success
      ? history.data.slice(3).map((e) => `${e.modelVersion} ${e.fromStatus}->${e.toStatus}`)
      : []
    // The two deprecations come in the order the UPDATE met the rows; the deployment comes last.
    expect(changes.slice(0, 2).sort()).toEqual(['v1.0.0 deployed->deprecated', 'v1.1.0 deployed->deprecated'])
    expect(changes[2]).toBe('v2.0.0 validated->deployed')
  })

  it('promote refuses a model still in training and changes nothing', async () => {
    await registry.registerModel({ ...base, modelName: 'promo', modelVersion: 'v3.0.0', status: 'training' })
    const result = await registry.promote('promo', 'v3.0.0')
    expect(!result.success && result.error.code).toBe('INVALID_TRANSITION')
    expect(await deployedVersions('promo')).toEqual(['v2.0.0'])
  })

  it('concurrent promotes of different versions still leave exactly one deployed', async () => {
    const results = await Promise.all(
      ['v1.0.0', 'v1.1.0', 'v2.0.0', 'v1.0.0', 'v1.1.0'].map((v) => registry.promote('promo', v)),
    )
    expect(results.every((r) => r.success)).toBe(true)
    expect(await deployedVersions('promo')).toHaveLength(1)
  })

  it('rollback re-deploys the version deployed before, from history', async () => {
    await registry.promote('promo', 'v1.1.0')
    await registry.promote('promo', 'v2.0.0')
    const rolled = await registry.rollback('promo', { reason: 'v2 regressed' })
    expect(rolled.success && rolled.data.modelVersion).toBe('v1.1.0')
    expect(await deployedVersions('promo')).toEqual(['v1.1.0'])
    const history = await registry.history('promo')
    const tail = history.success ? history.data.slice(-2) : []
    expect(tail.map((e) => `${e.modelVersion} ${e.fromStatus}->${e.toStatus} ${e.reason}`)).toEqual([
      'v2.0.0 deployed->deprecated v2 regressed',
      'v1.1.0 deprecated->deployed v2 regressed',
    ])
    const again = await registry.rollback('promo')
    expect(again.success && again.data.modelVersion).toBe('v2.0.0')
    expect(await deployedVersions('promo')).toEqual(['v2.0.0'])
  })

  it('rollback without an earlier deployment is INVALID_TRANSITION; of an unknown name MODEL_NOT_FOUND', async () => {
    await registry.registerModel({ ...base, modelName: 'lonely', status: 'deployed' })
    const lonely = await registry.rollback('lonely')
    expect(!lonely.success && lonely.error.code).toBe('INVALID_TRANSITION')
    const unknown = await registry.rollback('nobody-here')
    expect(!unknown.success && unknown.error.code).toBe('MODEL_NOT_FOUND')
  })

  it('watch delivers registrations and status changes through LISTEN/NOTIFY', async () => {
    const seen: ModelChange[] = []
    const watching = await registry.watch((change) => {
      if (change.modelName === 'watched') seen.push(change)
    })
    expect(watching.success).toBe(true)
    if (!watching.success) return
    await registry.registerModel({ ...base, modelName: 'watched', status: 'validated' })
    await registry.promote('watched', 'v1.1.0', { reason: 'watch me' })
    await registry.updateScores('watched', 'v1.1.0', { testScore: 0.51 })
    await waitFor(() => seen.length >= 3)
    expect(seen.map((c) => [c.change, c.fromStatus, c.toStatus, c.reason])).toEqual([
      ['registered', null, 'validated', 'registered'],
      ['status', 'validated', 'deployed', 'watch me'],
      ['updated', 'deployed', 'deployed', 'scores updated'],
    ])
    await watching.data()
    await registry.updateStatus('watched', 'v1.1.0', 'shadow')
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(seen).toHaveLength(3)
  })

  it('a rolled-back transaction writes no row and no history', async () => {
    await expect(
      client.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO ml_models (model_name, model_version, model_type, objective, target_variable, prediction_horizon)
           VALUES ('ghost', 'v1.0.0', 'lightgbm', 'price_prediction', 'x', '1w')`,
        )
        throw new Error('abort')
      }),
    ).rejects.toThrow('abort')
    expect((await registry.getModel('ghost', 'v1.0.0')).success).toBe(false)
    const history = await registry.history('ghost')
    expect(history.success && history.data).toEqual([])
  })

  it("status values are the guide's", () => {
    expect(Object.values(ModelStatus)).toEqual(['training', 'validated', 'deployed', 'shadow', 'deprecated'])
  })
})

describe.each(engines)('registry on $name before migrate and after close', (engine) => {
  it('answers NOT_MIGRATED before migrate, DATABASE_UNAVAILABLE after close', async () => {
    const registry = createRegistry(await engine.freshClient())
    const before = await registry.listModels()
    expect(!before.success && before.error.code).toBe('NOT_MIGRATED')
    await registry.close()
    const after = await registry.listModels()
    expect(!after.success && after.error.code).toBe('DATABASE_UNAVAILABLE')
  })
})
