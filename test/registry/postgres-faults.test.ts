// What only a real server can show: two processes migrating at once, and the server stopped
// under the registry (`pg_ctl stop -m immediate`) and started again.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ModelRegistry, migrations, type RegisterModelInput } from '../../src/registry/index.ts'
import { createPostgresRegistry } from '../../src/registry/postgres.ts'
import { type PostgresServer, startPostgresServer } from '../support/postgres-server.ts'
import { repoRoot } from '../support/shared.ts'
import { freshPostgresDatabase, postgresUrl } from './engines.ts'

const run = promisify(execFile)

const base: RegisterModelInput = {
  modelName: 'fault-model',
  modelVersion: 'v1.0.0',
  modelType: 'lightgbm',
  objective: 'price_prediction',
  targetVariable: 'price_return_5d',
  predictionHorizon: '1w',
}

describe.skipIf(!postgresUrl)('PostgreSQL: two processes migrating at once', () => {
  it('both succeed and every migration is applied exactly once', async () => {
    const url = await freshPostgresDatabase(postgresUrl!)
    const child = () =>
      run(process.execPath, ['--import', 'tsx', join(repoRoot, 'test/registry/migrate-child.ts'), url], {
        cwd: repoRoot,
      })
    const outputs = await Promise.all([child(), child(), child()])
    const results = outputs.map((o) => JSON.parse(o.stdout))
    for (const result of results) expect(result.success).toBe(true)
    const applied = results.flatMap((r) => r.data.applied).sort()
    expect(applied).toEqual(migrations.map((m) => m.name))
    const sql = postgres(url, { max: 1 })
    const rows = await sql`SELECT id FROM leafwise_migrations ORDER BY id`
    const triggers =
      await sql`SELECT count(*)::int AS n FROM pg_trigger WHERE tgrelid = 'ml_models'::regclass AND NOT tgisinternal`
    await sql.end()
    expect(rows.map((r) => r.id)).toEqual(migrations.map((m) => m.id))
    expect(triggers[0].n).toBe(2)
  })
})

describe.skipIf(!postgresUrl)('PostgreSQL: server stopped mid-run', () => {
  let server: PostgresServer
  let registry: ModelRegistry

  beforeAll(async () => {
    server = await startPostgresServer()
    registry = createPostgresRegistry({ url: server.url, connectTimeout: 2 })
    expect((await registry.migrate()).success).toBe(true)
  })
  afterAll(async () => {
    await registry?.close()
    server?.destroy()
  })

  it('fails fast with DATABASE_UNAVAILABLE, loses nothing committed, recovers on restart', async () => {
    for (let i = 0; i < 5; i++) {
      const result = await registry.registerModel({ ...base, modelVersion: `v1.0.${i}` })
      expect(result.success).toBe(true)
    }
    // Calls in flight while the server goes down, and calls made while it is down.
    const inFlight = Array.from({ length: 10 }, (_, i) =>
      registry.registerModel({ ...base, modelVersion: `v2.0.${i}` }),
    )
    server.stop('immediate')
    const settled = await Promise.all(inFlight)
    // Each call in flight either committed or failed as unavailable: nothing else.
    const outcomes = new Set(settled.map((result) => (result.success ? 'committed' : result.error.code)))
    expect([...outcomes].filter((o) => o !== 'committed' && o !== 'DATABASE_UNAVAILABLE')).toEqual([])
    expect(settled).toHaveLength(10)
    const committedInFlight = settled.filter((r) => r.success).length

    for (const call of [
      () => registry.listModels(),
      () => registry.getModel('fault-model', 'v1.0.0'),
      () => registry.registerModel({ ...base, modelVersion: 'v3.0.0' }),
      () => registry.promote('fault-model', 'v1.0.1'),
    ]) {
      const started = Date.now()
      const result = await call()
      expect(Date.now() - started).toBeLessThan(5000)
      expect(result).toMatchObject({ success: false, error: { code: 'DATABASE_UNAVAILABLE' } })
    }

    server.start()
    let listed = await registry.listModels({ modelName: 'fault-model' })
    for (let attempt = 0; !listed.success && attempt < 20; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 250))
      listed = await registry.listModels({ modelName: 'fault-model' })
    }
    expect(listed.success).toBe(true)
    const versions = listed.success ? listed.data.map((m) => m.modelVersion) : []
    for (let i = 0; i < 5; i++) expect(versions).toContain(`v1.0.${i}`)
    expect(versions.filter((v) => v.startsWith('v2.0.'))).toHaveLength(committedInFlight)
    const again = await registry.registerModel({ ...base, modelVersion: 'v3.0.0' })
    expect(again.success).toBe(true)
  })
})
