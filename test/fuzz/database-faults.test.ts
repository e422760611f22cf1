// A failing database: connection refused, the server killed in the middle of transactions,
// statement timeouts, a pool exhausted by slow queries. Every call ends in a typed failure
// within a bounded time, transactions leave no partial writes, the registry recovers when
// the server returns, and no committed registration or history row is lost.
// (test/registry/postgres-faults.test.ts covers concurrent migrators and a plain restart.)
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  freePort,
  type PostgresServer,
  postgresUnavailableReason,
  startPostgresServer,
} from '../../scripts/lib/postgres-server.ts'
import type { RegisterModelInput, RegistryResult } from '../../src/registry/index.ts'
import { createPostgresRegistry } from '../../src/registry/postgres.ts'
import { repoRoot } from '../support/shared.ts'

const skip = process.env.LEAFWISE_SKIP_POSTGRES === '1' || postgresUnavailableReason() !== undefined
const base: RegisterModelInput = {
  modelName: 'fault-model',
  modelVersion: 'v1.0.0',
  modelType: 'lightgbm',
  objective: 'price_prediction',
  targetVariable: 'price_return_5d',
  predictionHorizon: '1w',
}

async function timed<T>(call: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = Date.now()
  const result = await call()
  return { result, ms: Date.now() - started }
}

function codeOf(result: RegistryResult<unknown>): string {
  return result.success ? 'ok' : result.error.code
}

describe.skipIf(skip)('database faults on a throwaway PostgreSQL server', () => {
  let server: PostgresServer
  let admin: postgres.Sql
  beforeAll(async () => {
    server = await startPostgresServer()
  })
  afterAll(async () => {
    await admin?.end({ timeout: 1 }).catch(() => {})
    server?.destroy()
  })

  it('connection refused: every call is DATABASE_UNAVAILABLE within 5 s', async () => {
    const port = await freePort()
    const registry = createPostgresRegistry({
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      connectTimeout: 2,
    })
    try {
      const calls: (() => Promise<RegistryResult<unknown>>)[] = [
        () => registry.migrate(),
        () => registry.listModels(),
        () => registry.getModel('fault-model', 'v1.0.0'),
        () => registry.registerModel(base),
        () => registry.promote('fault-model', 'v1.0.0'),
        () => registry.rollback('fault-model'),
      ]
      for (const call of calls) {
        const { result, ms } = await timed(call)
        expect(codeOf(result)).toBe('DATABASE_UNAVAILABLE')
        expect(ms).toBeLessThan(5000)
      }
    } finally {
      await registry.close()
    }
  })

  it('server killed during promotions: typed failures, no half-done promotion, nothing committed lost', async () => {
    const registry = createPostgresRegistry({ url: server.url, connectTimeout: 2 })
    try {
      expect((await registry.migrate()).success).toBe(true)
      const names = ['alpha-model', 'beta-model', 'gamma-model']
      for (const name of names)
        for (let v = 0; v < 4; v++)
          expect(
            codeOf(
              await registry.registerModel({
                ...base,
                modelName: name,
                modelVersion: `v1.${v}.0`,
                status: 'validated',
              }),
            ),
          ).toBe('ok')
      // A storm of promotions and rollbacks in a child process, each one transaction over
      // several rows and the history table; the server is killed (-m immediate) under it.
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(repoRoot, 'test/fuzz/promote-storm-child.ts'), server.url],
        { cwd: repoRoot },
      )
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d) => (stdout += d))
      const running = new Promise<void>((resolve) =>
        child.stderr.on('data', (d) => {
          stderr += d
          if (stderr.includes('storm running')) resolve()
        }),
      )
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
      await running
      server.stop('immediate')
      const { result: exitCode, ms } = await timed(() => exited)
      expect(ms).toBeLessThan(30_000)
      if (exitCode === 0) {
        const outcomes: string[] = JSON.parse(stdout)
        const failures = outcomes.filter((c) => c !== 'ok')
        for (const code of new Set(failures))
          expect(['DATABASE_UNAVAILABLE', 'NO_PREVIOUS_VERSION']).toContain(code)
        expect(failures).toContain('DATABASE_UNAVAILABLE')
      } else {
        // The driver's known uncaught TypeError (docs/robustness.md): the client process died.
        // The database must still hold no partial write, which is checked below.
        expect(stderr).toMatch(/Cannot read properties of null \(reading 'write'\)/)
        console.warn(
          'the postgres driver crashed the client process (porsager/postgres#1154); checking the database anyway',
        )
      }

      server.start()
      let listed = await registry.listModels()
      for (let attempt = 0; !listed.success && attempt < 40; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 250))
        listed = await registry.listModels()
      }
      expect(listed.success).toBe(true)
      const rows = listed.success ? listed.data : []
      // Every registration survived.
      expect(rows).toHaveLength(12)
      // No partial promotion: at most one deployed version per model.
      for (const name of names)
        expect(
          rows.filter((r) => r.modelName === name && r.status === 'deployed').length,
        ).toBeLessThanOrEqual(1)
      // History agrees with the rows: each row's last event ends in its current status, and
      // every row has its registration event.
      for (const row of rows) {
        const history = await registry.history(row.modelName, row.modelVersion)
        expect(history.success).toBe(true)
        const events = history.success ? history.data : []
        expect(events.length).toBeGreaterThan(0)
        const last = [...events].sort((a, b) => a.eventId - b.eventId).at(-1)!
        expect(last.toStatus, `${row.modelName} ${row.modelVersion}`).toBe(row.status)
      }
      // The registry works again.
      expect(codeOf(await registry.promote('alpha-model', 'v1.3.0'))).toBe('ok')
    } finally {
      await registry.close()
    }
  })

  it('statement timeout and a pool exhausted by slow queries: typed errors in bounded time, no partial writes, recovery', async () => {
    admin = postgres(server.url, { max: 1, onnotice: () => {} })
    await admin.unsafe('CREATE DATABASE slow_db')
    await admin.unsafe("ALTER DATABASE slow_db SET statement_timeout = '400ms'")
    const url = server.url.replace(/\/postgres$/, '/slow_db')
    const registry = createPostgresRegistry({ url, max: 2, connectTimeout: 2 })
    const locker = postgres(url, { max: 1, onnotice: () => {} })
    try {
      expect((await registry.migrate()).success).toBe(true)
      expect(codeOf(await registry.registerModel(base))).toBe('ok')
      // Another session holds the table: every write now waits until its statement times out.
      let release!: () => void
      const held = new Promise<void>((resolve) => {
        release = resolve
      })
      const lockTaken = new Promise<void>((resolve) => {
        void locker.begin(async (tx) => {
          await tx.unsafe("SET LOCAL statement_timeout = '0'")
          await tx.unsafe('LOCK TABLE ml_models IN ACCESS EXCLUSIVE MODE')
          resolve()
          await held
        })
      })
      await lockTaken
      // Twelve calls through a pool of two: ten queue behind the two that are blocked.
      const { result: results, ms } = await timed(() =>
        Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            i % 3 === 0
              ? registry.listModels()
              : registry.registerModel({ ...base, modelVersion: `v2.0.${i}` }),
          ),
        ),
      )
      release()
      expect(ms).toBeLessThan(20_000)
      for (const result of results) {
        expect(result.success).toBe(false)
        expect(['DATABASE_ERROR', 'DATABASE_UNAVAILABLE']).toContain(codeOf(result))
        if (!result.success) expect(result.error.message).toMatch(/statement timeout|57014/)
      }
      // Nothing half-written, and the registry serves again once the lock is gone.
      const listed = await registry.listModels()
      expect(listed.success && listed.data.map((r) => r.modelVersion)).toEqual(['v1.0.0'])
      const events = await locker`SELECT count(*)::int AS n FROM ml_model_events`
      expect(events[0].n).toBe(1)
      const again = await Promise.all(
        Array.from({ length: 6 }, (_, i) => registry.registerModel({ ...base, modelVersion: `v3.0.${i}` })),
      )
      expect(again.map(codeOf)).toEqual(Array(6).fill('ok'))
    } finally {
      await locker.end({ timeout: 1 })
      await registry.close()
    }
  })
})
