// `leafwise/registry/pglite`: the embedded registry. PGlite is PostgreSQL compiled to
// WebAssembly, running in this process; no server is needed. Its start-up costs a second or
// more, so the database opens on the first call, not when the registry is created.
import { PGlite } from '@electric-sql/pglite'
import type { SqlClient, SqlQueryable, SqlRow } from './client.ts'
import { createRegistry, type RegistryOptions } from './registry.ts'
import type { ModelRegistry } from './types.ts'

/** Where the embedded registry keeps its data by default (relative to the working directory). */
export const DEFAULT_DATA_DIR = '.leafwise/registry'

/** Options of the PGlite adapter. */
export interface PgliteClientOptions {
  /** A data directory, or `'memory'` for a throwaway in-memory database. Default `.leafwise/registry`. */
  dataDir?: string
}

/** A `SqlClient` over one PGlite instance, opened lazily. */
export function createPgliteClient(options: PgliteClientOptions = {}): SqlClient {
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR
  let opening: Promise<PGlite> | undefined
  let closed = false

  function open(): Promise<PGlite> {
    if (closed) return Promise.reject(new Error('PGlite is closed'))
    opening ??= PGlite.create(dataDir === 'memory' ? undefined : dataDir)
    return opening
  }

  const queryable = (run: { query: PGlite['query']; exec: PGlite['exec'] }): SqlQueryable => ({
    async query<R extends SqlRow = SqlRow>(text: string, params: unknown[] = []): Promise<R[]> {
      return (await run.query<R>(text, params)).rows
    },
    async exec(script: string): Promise<void> {
      await run.exec(script)
    },
  })

  return {
    kind: 'pglite',
    async query<R extends SqlRow = SqlRow>(text: string, params: unknown[] = []): Promise<R[]> {
      return queryable(await open()).query<R>(text, params)
    },
    async exec(script: string): Promise<void> {
      return queryable(await open()).exec(script)
    },
    async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
      const db = await open()
      return db.transaction((tx) => fn(queryable(tx)))
    },
    async listen(channel, callback) {
      const db = await open()
      const unlisten = await db.listen(channel, callback)
      return async () => {
        if (!db.closed) await unlisten()
      }
    },
    async close() {
      if (closed) return
      closed = true
      if (opening) {
        const db = await opening.catch(() => undefined)
        if (db && !db.closed) await db.close()
      }
    },
  }
}

/** Creates the embedded registry; it applies pending migrations on first use. */
export function createPgliteRegistry(options: PgliteClientOptions & RegistryOptions = {}): ModelRegistry {
  return createRegistry(createPgliteClient(options), { autoMigrate: true, ...options })
}
