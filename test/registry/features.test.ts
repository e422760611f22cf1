// Aliases, tags, approvals, recorded file hashes, lineage / signature and stored artifacts,
// through the registry API on PGlite (in memory) and a real PostgreSQL server.
import { createHash, randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SqlClient } from '../../src/registry/client.ts'
import {
  type AliasEventDetail,
  createRegistry,
  type ModelChange,
  type ModelRegistry,
  type RegisterModelInput,
} from '../../src/registry/index.ts'
import { engines, waitFor } from './engines.ts'

const base: RegisterModelInput = {
  modelName: 'sentiment-fusion',
  modelVersion: 'v1.0.0',
  modelType: 'lightgbm',
  objective: 'direction_classification',
  targetVariable: 'price_direction_3d',
  predictionHorizon: '1w',
  validationScore: 0.5,
  testScore: 0.5,
  status: 'validated',
}

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

describe.each(engines)('registry features on $name', (engine) => {
  let client: SqlClient
  let registry: ModelRegistry
  let strict: ModelRegistry

  beforeAll(async () => {
    client = await engine.freshClient()
    registry = createRegistry(client, { actor: 'alice' })
    expect((await registry.migrate()).success).toBe(true)
    strict = createRegistry(client, { actor: 'bob', requireApproval: true })
    for (const version of ['v1.0.0', 'v1.1.0', 'v1.2.0', 'v2.0.0'])
      expect((await registry.registerModel({ ...base, modelVersion: version })).success).toBe(true)
    expect(
      (
        await registry.registerModel({
          ...base,
          modelName: 'price-prediction',
          objective: 'price_prediction',
        })
      ).success,
    ).toBe(true)
  })
  afterAll(async () => {
    await registry?.close()
  })

  it('sets an alias, resolves name@alias in getModel, and lists aliases', async () => {
    const set = await registry.setAlias('sentiment-fusion', 'champion', 'v1.0.0', { reason: 'first' })
    expect(set).toMatchObject({
      success: true,
      data: { alias: 'champion', modelVersion: 'v1.0.0', protected: false, updatedBy: 'alice' },
    })
    const got = await registry.getModel('sentiment-fusion@champion')
    expect(got.success && got.data.modelVersion).toBe('v1.0.0')
    const byArg = await registry.getModel('sentiment-fusion', 'champion')
    expect(byArg.success && byArg.data.modelVersion).toBe('v1.0.0')
    const byVersion = await registry.getModel('sentiment-fusion@v1.1.0')
    expect(byVersion.success && byVersion.data.modelVersion).toBe('v1.1.0')
    const missing = await registry.getModel('sentiment-fusion@challenger')
    expect(missing).toMatchObject({ success: false, error: { code: 'MODEL_NOT_FOUND' } })
    expect(!missing.success && missing.error.message).toMatch(/no alias "challenger" \(aliases: champion\)/)
    const aliases = await registry.listAliases('sentiment-fusion')
    expect(aliases.success && aliases.data.map((a) => `${a.alias}=${a.modelVersion}`)).toEqual([
      'champion=v1.0.0',
    ])
  })

  it('refuses alias names that break the rules or look like versions', async () => {
    for (const bad of ['Champion', 'v1', 'has space', ''])
      expect(await registry.setAlias('sentiment-fusion', bad, 'v1.0.0')).toMatchObject({
        success: false,
        error: { code: 'INVALID_INPUT' },
      })
    expect(await registry.setAlias('sentiment-fusion', 'champion', 'v9.9.9')).toMatchObject({
      success: false,
      error: { code: 'MODEL_NOT_FOUND' },
    })
  })

  it('50 concurrent moves of one alias: one version holds it, the history is one chain', async () => {
    const versions = ['v1.0.0', 'v1.1.0', 'v1.2.0', 'v2.0.0']
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        registry.setAlias('sentiment-fusion', 'challenger', versions[i % versions.length], {
          reason: `move ${i}`,
        }),
      ),
    )
    expect(results.every((r) => r.success)).toBe(true)
    const rows = await client.query<{ model_version: string }>(
      "SELECT model_version FROM ml_model_aliases WHERE model_name = 'sentiment-fusion' AND alias = 'challenger'",
    )
    expect(rows).toHaveLength(1)
    const history = await registry.history('sentiment-fusion')
    if (!history.success) throw new Error(history.error.message)
    const moves = history.data.filter(
      (e) => e.eventType === 'alias' && (e.detail as AliasEventDetail).alias === 'challenger',
    )
    const details = moves.map((e) => e.detail as AliasEventDetail)
    expect(details[0].fromVersion).toBeNull()
    for (let i = 1; i < details.length; i++) expect(details[i].fromVersion).toBe(details[i - 1].toVersion)
    expect(details.at(-1)!.toVersion).toBe(rows[0].model_version)
    expect(moves.length).toBeGreaterThan(1)
    for (const move of moves) expect(move.modelVersion).toBe((move.detail as AliasEventDetail).toVersion)
  })

  it('a protected alias refuses an unforced move and removal; force moves it', async () => {
    expect(
      (await registry.setAlias('sentiment-fusion', 'champion', 'v1.0.0', { protect: true })).success,
    ).toBe(true)
    const refused = await registry.setAlias('sentiment-fusion', 'champion', 'v1.1.0')
    expect(refused).toMatchObject({ success: false, error: { code: 'ALIAS_PROTECTED' } })
    expect(!refused.success && refused.error.message).toMatch(
      /sentiment-fusion@champion is protected .*v1.0.0.*--force/,
    )
    expect(await registry.removeAlias('sentiment-fusion', 'champion')).toMatchObject({
      success: false,
      error: { code: 'ALIAS_PROTECTED' },
    })
    const still = await registry.getModel('sentiment-fusion@champion')
    expect(still.success && still.data.modelVersion).toBe('v1.0.0')
    const forced = await registry.setAlias('sentiment-fusion', 'champion', 'v1.1.0', {
      force: true,
      reason: 'hotfix',
    })
    expect(forced).toMatchObject({ success: true, data: { modelVersion: 'v1.1.0', protected: true } })
    const history = await registry.history('sentiment-fusion', 'v1.1.0')
    const last = history.success ? history.data.at(-1) : undefined
    expect(last).toMatchObject({
      eventType: 'alias',
      reason: 'hotfix',
      actor: 'alice',
      detail: { alias: 'champion', fromVersion: 'v1.0.0', toVersion: 'v1.1.0', protected: true },
    })
  })

  it('alias moves, tags and approvals raise change events', async () => {
    const changes: ModelChange[] = []
    const watching = await registry.watch((change) => changes.push(change))
    if (!watching.success) throw new Error(watching.error.message)
    try {
      expect((await registry.setAlias('sentiment-fusion', 'canary', 'v1.2.0')).success).toBe(true)
      expect((await registry.setTags({ modelName: 'sentiment-fusion' }, { team: 'alpha' })).success).toBe(
        true,
      )
      expect((await registry.approve('sentiment-fusion', 'v1.2.0', { reason: 'backtest ok' })).success).toBe(
        true,
      )
      await waitFor(() => changes.some((c) => c.change === 'approval'))
    } finally {
      await watching.data()
    }
    expect(changes.find((c) => c.change === 'alias')).toMatchObject({
      modelName: 'sentiment-fusion',
      modelVersion: 'v1.2.0',
      actor: 'alice',
      detail: { alias: 'canary', fromVersion: null, toVersion: 'v1.2.0' },
    })
    expect(changes.find((c) => c.change === 'tag')).toMatchObject({
      modelVersion: '',
      modelId: null,
      detail: { key: 'team', from: null, to: 'alpha' },
    })
    expect(changes.find((c) => c.change === 'approval')).toMatchObject({
      modelVersion: 'v1.2.0',
      reason: 'backtest ok',
      detail: { from: 'pending', to: 'approved' },
    })
  })

  it('tags on a model and on a version (or alias) filter listModels', async () => {
    expect(
      (
        await registry.setTags(
          { modelName: 'sentiment-fusion', modelVersion: 'v2.0.0' },
          { team: 'beta', tier: 'x' },
        )
      ).success,
    ).toBe(true)
    expect(
      (await registry.setTags({ modelName: 'sentiment-fusion@canary' }, { stage: 'canary' })).success,
    ).toBe(true)
    const alpha = await registry.listModels({ tags: { team: 'alpha' } })
    expect(alpha.success && alpha.data.map((m) => m.modelVersion)).toEqual(['v1.0.0', 'v1.1.0', 'v1.2.0'])
    const beta = await registry.listModels({ tags: { team: 'beta', tier: 'x' } })
    expect(beta.success && beta.data.map((m) => m.modelVersion)).toEqual(['v2.0.0'])
    const canary = await registry.listModels({ tags: { stage: 'canary', team: 'alpha' } })
    expect(canary.success && canary.data.map((m) => m.modelVersion)).toEqual(['v1.2.0'])
    const none = await registry.listModels({ tags: { team: 'gamma' } })
    expect(none.success && none.data).toEqual([])
    const tags = await registry.getTags({ modelName: 'sentiment-fusion', modelVersion: 'v2.0.0' })
    expect(tags.success && tags.data).toEqual({ team: 'beta', tier: 'x' })
    const left = await registry.removeTags({ modelName: 'sentiment-fusion', modelVersion: 'v2.0.0' }, [
      'tier',
    ])
    expect(left.success && left.data).toEqual({ team: 'beta' })
    expect(await registry.setTags({ modelName: 'sentiment-fusion' }, { 'bad key': 'x' })).toMatchObject({
      success: false,
      error: { code: 'INVALID_INPUT' },
    })
    expect(await registry.setTags({ modelName: 'no-such-model' }, { a: 'b' })).toMatchObject({
      success: false,
      error: { code: 'MODEL_NOT_FOUND' },
    })
    const byAlias = await registry.listModels({ alias: 'champion' })
    expect(byAlias.success && byAlias.data.map((m) => `${m.modelName} ${m.modelVersion}`)).toEqual([
      'sentiment-fusion v1.1.0',
    ])
  })

  it('approval is pending until decided, records who and why, and the policy blocks promote', async () => {
    const pending = await registry.getApproval('sentiment-fusion', 'v2.0.0')
    expect(pending).toMatchObject({ success: true, data: { state: 'pending', decidedBy: null } })
    const blocked = await strict.promote('sentiment-fusion', 'v2.0.0')
    expect(blocked).toMatchObject({ success: false, error: { code: 'NOT_APPROVED' } })
    const still = await registry.getModel('sentiment-fusion', 'v2.0.0')
    expect(still.success && still.data.status).toBe('validated')
    const rejected = await strict.reject('sentiment-fusion', 'v2.0.0', { reason: 'drift on 2024-Q3' })
    expect(rejected).toMatchObject({
      success: true,
      data: { state: 'rejected', reason: 'drift on 2024-Q3', decidedBy: 'bob' },
    })
    expect(await strict.promote('sentiment-fusion', 'v2.0.0')).toMatchObject({
      success: false,
      error: { code: 'NOT_APPROVED' },
    })
    // Nor may a status change deploy it.
    expect(await strict.updateStatus('sentiment-fusion', 'v2.0.0', 'deployed')).toMatchObject({
      success: false,
      error: { code: 'NOT_APPROVED' },
    })
    // Without the policy, promote does not look at approval.
    expect((await registry.promote('sentiment-fusion', 'v1.0.0')).success).toBe(true)
    expect((await strict.approve('sentiment-fusion', 'v2.0.0', { reason: 'retrained' })).success).toBe(true)
    expect(await strict.promote('sentiment-fusion', 'v2.0.0')).toMatchObject({
      success: true,
      data: { status: 'deployed' },
    })
    const history = await registry.history('sentiment-fusion', 'v2.0.0')
    const approvals = history.success ? history.data.filter((e) => e.eventType === 'approval') : []
    expect(approvals.map((e) => [e.detail, e.actor, e.reason])).toEqual([
      [{ from: 'pending', to: 'rejected' }, 'bob', 'drift on 2024-Q3'],
      [{ from: 'rejected', to: 'approved' }, 'bob', 'retrained'],
    ])
  })

  it('the policy refuses pointing a protected alias at an unapproved version', async () => {
    const refused = await strict.setAlias('sentiment-fusion', 'champion', 'v1.0.0', { force: true })
    expect(refused).toMatchObject({ success: false, error: { code: 'NOT_APPROVED' } })
    // An unprotected alias is not subject to the policy.
    expect((await strict.setAlias('sentiment-fusion', 'shadow-test', 'v1.0.0')).success).toBe(true)
    expect((await strict.setAlias('sentiment-fusion', 'champion', 'v2.0.0', { force: true })).success).toBe(
      true,
    )
  })

  it('records file hashes, lineage and signature at registration and describes a version', async () => {
    const files = [
      { path: 'model.txt', sha256: 'a'.repeat(64), sizeBytes: 10 },
      { path: 'normalizer.json', sha256: 'b'.repeat(64), sizeBytes: 2 },
    ]
    const lineage = { trainingRun: 'mlflow://runs/42', codeCommit: 'abc123', parentVersion: 'v1.0.0' }
    const signature = {
      features: ['f1', 'f2'],
      featureCount: 2,
      categoricalFeatures: [],
      objective: 'binary sigmoid:1',
      numClass: 1,
    }
    const registered = await registry.registerModel(
      { ...base, modelVersion: 'v3.0.0' },
      { files, lineage, signature, summary: { numTrees: 3 } },
    )
    expect(registered.success).toBe(true)
    const hashes = await registry.fileHashes('sentiment-fusion', 'v3.0.0')
    expect(hashes.success && hashes.data).toEqual(files.map((f) => ({ ...f, stored: false })))
    expect((await registry.setAlias('sentiment-fusion', 'next', 'v3.0.0')).success).toBe(true)
    const details = await registry.describeModel('sentiment-fusion@next')
    if (!details.success) throw new Error(details.error.message)
    expect(details.data).toMatchObject({
      model: { modelVersion: 'v3.0.0' },
      aliases: [{ alias: 'next' }],
      modelTags: { team: 'alpha' },
      versionTags: {},
      approval: { state: 'pending' },
      lineage,
      signature,
      summary: { numTrees: 3 },
    })
    expect(details.data.history.map((e) => e.eventType)).toEqual(['tag', 'registered', 'alias'])
    expect(
      await registry.registerModel(
        { ...base, modelVersion: 'v3.0.1' },
        { files: [{ path: '../x', sha256: 'a'.repeat(64), sizeBytes: 1 }] },
      ),
    ).toMatchObject({ success: false, error: { code: 'INVALID_INPUT' } })
  })

  it('stores artifacts in chunks, deduplicated by sha256, and streams them back checked', async () => {
    const bytes = new Uint8Array(randomBytes(2.5 * 1024 * 1024))
    const digest = sha(bytes)
    const files = [{ path: 'model.txt', sha256: digest, sizeBytes: bytes.length }]
    for (const version of ['v4.0.0', 'v4.0.1'])
      expect((await registry.registerModel({ ...base, modelVersion: version }, { files })).success).toBe(true)
    const chunks = function* () {
      for (let i = 0; i < bytes.length; i += 100_000) yield bytes.subarray(i, i + 100_000)
    }
    const upload = { path: 'model.txt', sha256: digest, sizeBytes: bytes.length, chunks }
    expect(await registry.storeArtifact('sentiment-fusion', 'v4.0.0', upload)).toMatchObject({
      success: true,
      data: { stored: true },
    })
    expect((await registry.storeArtifact('sentiment-fusion', 'v4.0.1', upload)).success).toBe(true)
    const blobs = await client.query<{ n: number; chunks: number }>(
      'SELECT count(*)::int AS n, sum(chunk_count)::int AS chunks FROM ml_artifact_blobs WHERE sha256 = $1',
      [digest],
    )
    expect(blobs[0]).toEqual({ n: 1, chunks: 3 })
    const read = await registry.readArtifact('sentiment-fusion', 'v4.0.1', 'model.txt')
    if (!read.success || !read.data) throw new Error('not stored')
    const parts: Uint8Array[] = []
    for await (const part of read.data.chunks) parts.push(part)
    expect(parts.length).toBe(3)
    expect(sha(Buffer.concat(parts))).toBe(digest)
    // Bytes that are not the registered file are refused, and nothing is kept.
    const other = new Uint8Array(randomBytes(1000))
    expect(
      (
        await registry.registerModel(
          { ...base, modelVersion: 'v4.0.2' },
          { files: [{ path: 'model.txt', sha256: 'c'.repeat(64), sizeBytes: 1000 }] },
        )
      ).success,
    ).toBe(true)
    expect(
      await registry.storeArtifact('sentiment-fusion', 'v4.0.2', {
        path: 'model.txt',
        sha256: 'c'.repeat(64),
        sizeBytes: 1000,
        chunks: () => [other],
      }),
    ).toMatchObject({ success: false, error: { code: 'INTEGRITY_MISMATCH' } })
    const kept = await client.query('SELECT 1 FROM ml_artifact_blobs WHERE sha256 = $1', ['c'.repeat(64)])
    expect(kept).toHaveLength(0)
    // A stored chunk changed behind the registry's back fails the read at the end.
    await client.query('UPDATE ml_artifact_chunks SET data = $2 WHERE sha256 = $1 AND chunk_index = 1', [
      digest,
      new Uint8Array(1024 * 1024),
    ])
    const tampered = await registry.readArtifact('sentiment-fusion', 'v4.0.0', 'model.txt')
    if (!tampered.success || !tampered.data) throw new Error('not stored')
    await expect(
      (async () => {
        for await (const _ of tampered.data!.chunks) {
        }
      })(),
    ).rejects.toMatchObject({ code: 'INTEGRITY_MISMATCH' })
  })
})
