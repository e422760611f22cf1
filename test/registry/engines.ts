// The engines every registry test runs on: PGlite in memory always, and the throwaway
// PostgreSQL server of the global setup when it is running. Each suite gets its own fresh
// database, so test files may run in parallel.
import postgres from 'postgres'
import { inject } from 'vitest'
import type { SqlClient } from '../../src/registry/client.ts'
import { createPgliteClient } from '../../src/registry/pglite.ts'
import { createPostgresClient } from '../../src/registry/postgres.ts'

export const postgresUrl: string | undefined = inject('postgresUrl')

/** A way to get a fresh database. */
export interface Engine {
  name: 'pglite' | 'postgres'
  /** A client on a new, empty database. */
  freshClient(): Promise<SqlClient>
}

/** Creates an empty database on the test server; resolves to its URL. */
export async function freshPostgresDatabase(adminUrl: string): Promise<string> {
  const name = `leafwise_t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} })
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return url.toString()
}

const pgliteEngine: Engine = {
  name: 'pglite',
  freshClient: async () => createPgliteClient({ dataDir: 'memory' }),
}

const postgresEngine = (adminUrl: string): Engine => ({
  name: 'postgres',
  freshClient: async () => createPostgresClient({ url: await freshPostgresDatabase(adminUrl) }),
})

/** The engines of this run (PostgreSQL only when its server is running). */
export const engines: Engine[] = postgresUrl ? [pgliteEngine, postgresEngine(postgresUrl)] : [pgliteEngine]

if (!postgresUrl) {
  console.warn(
    'SKIP: registry suite runs on PGlite only (no PostgreSQL server; see the global setup notice).',
  )
}

/** Resolves when `predicate` is true, polling; rejects after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now()
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
