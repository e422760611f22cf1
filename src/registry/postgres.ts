// `leafwise/registry/postgres`: the registry on a PostgreSQL server through porsager's
// `postgres` driver. Tuned to fail fast: a stopped server gives DATABASE_UNAVAILABLE within
// the connect timeout, and the pool reconnects by itself once the server is back.
import postgres from 'postgres'
import type { SqlClient, SqlQueryable, SqlRow } from './client.ts'
import { createRegistry, type RegistryOptions } from './registry.ts'
import type { ModelRegistry } from './types.ts'

/** Options of the PostgreSQL adapter. */
export interface PostgresClientOptions {
  /** `postgres://user:pass@host:port/db`; default `DATABASE_URL`. */
  url?: string
  /** Pool size (default 10). */
  max?: number
  /** Seconds to wait for a connection before DATABASE_UNAVAILABLE (default 3). */
  connectTimeout?: number
  /** Seconds an idle connection is kept (default 10). */
  idleTimeout?: number
  /** Named prepared statements (default true); off for servers that share one session between connections. */
  prepare?: boolean
}

function readEnv(name: string): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
  return env?.[name]
}

/** A `SqlClient` over a porsager pool. */
export function createPostgresClient(options: PostgresClientOptions = {}): SqlClient {
  const url = options.url ?? readEnv('DATABASE_URL')
  if (!url) throw new Error('no PostgreSQL URL: pass { url } or set DATABASE_URL')
  const sql = postgres(url, {
    max: options.max ?? 10,
    connect_timeout: options.connectTimeout ?? 3,
    idle_timeout: options.idleTimeout ?? 10,
    max_lifetime: 60 * 30,
    onnotice: () => {},
    // Text in, text out: the registry casts what it needs (float8, int, text) in SQL.
    prepare: options.prepare ?? true,
  })

  const queryable = (run: postgres.Sql | postgres.TransactionSql): SqlQueryable => ({
    async query<R extends SqlRow = SqlRow>(text: string, params: unknown[] = []): Promise<R[]> {
      const rows = await run.unsafe(text, params as postgres.ParameterOrJSON<never>[])
      return rows as unknown as R[]
    },
    async exec(script: string): Promise<void> {
      await run.unsafe(script).simple()
    },
  })

  return {
    kind: 'postgres',
    ...queryable(sql),
    async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
      return (await sql.begin((tx) => fn(queryable(tx)))) as T
    },
    async listen(channel, callback) {
      const subscription = await sql.listen(channel, callback)
      return async () => {
        await subscription.unlisten()
      }
    },
    async close() {
      await sql.end({ timeout: 2 })
    },
  }
}

/** Creates a registry on PostgreSQL (`url`, or `DATABASE_URL`). Call `migrate()` once before use. */
export function createPostgresRegistry(options: PostgresClientOptions & RegistryOptions = {}): ModelRegistry {
  return createRegistry(createPostgresClient(options), options)
}
