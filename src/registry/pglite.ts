// `leafwise/registry/pglite`: the embedded registry. PGlite is PostgreSQL compiled to
// WebAssembly, running in this process; no server is needed. Its start-up costs a second or
// more, so the database opens on the first call, not when the registry is created.
//
// A data directory on disk is shared safely between processes (pglite-share.ts): the first
// process to open it holds it and serves it on a loopback port; later ones (the CLI while a
// server runs) connect to that holder through the `postgres` driver.
import { PGlite } from '@electric-sql/pglite'
import { isUnavailableError, type SqlClient, type SqlQueryable, type SqlRow } from './client.ts'
import { createRegistry, type RegistryOptions } from './registry.ts'
import type { ModelRegistry } from './types.ts'

/** Where the embedded registry keeps its data by default (relative to the working directory). */
export const DEFAULT_DATA_DIR = '.leafwise/registry'

/** Options of the PGlite adapter. */
export interface PgliteClientOptions {
  /** A data directory, or `'memory'` for a throwaway in-memory database. Default `.leafwise/registry`. */
  dataDir?: string
  /**
   * How long to wait for another process that holds the data directory to finish starting
   * (default 30 000 ms).
   */
  holderWaitMs?: number
  /** Told when opening repaired a directory damaged by two processes at once (default: console.warn). */
  onRepair?: (message: string) => void
  /**
   * Gives a data directory on disk back (closes the database) after this many ms without
   * a call, a watcher or a connected process, and opens it again on the next call. PGlite
   * keeps a timer running while open, so a script that never calls `close()` would never
   * exit; `ModelRegistry.getInstance()` sets this. Default: never.
   */
  releaseWhenIdleMs?: number
}

/** True for a data directory on the filesystem (not `memory`, `memory://` or `idb://`). */
function onDisk(dataDir: string): boolean {
  return dataDir !== 'memory' && !/^[a-z]+:\/\//i.test(dataDir)
}

type Backend =
  | {
      kind: 'local'
      db: PGlite
      gate?: import('./pglite-share.ts').SessionGate
      release?: () => Promise<void>
      /** Connected processes (a holder with clients is not idle). */
      clients?: () => number
    }
  | { kind: 'remote'; client: SqlClient; holder: string }

/** A `SqlClient` over one PGlite instance (or its holder in another process), opened lazily. */
export function createPgliteClient(options: PgliteClientOptions = {}): SqlClient {
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR
  let opening: Promise<Backend> | undefined
  let closed = false
  /** Calls in progress and open watchers: while any, the directory is not given back. */
  let busy = 0
  let idleTimer: ReturnType<typeof setTimeout> | undefined
  let releasing: Promise<void> = Promise.resolve()

  async function closeBackend(backend: Backend): Promise<void> {
    if (backend.kind === 'remote') await backend.client.close()
    else if (backend.release) await backend.release()
    else if (!backend.db.closed) await backend.db.close()
  }

  function settle(): void {
    const idleMs = options.releaseWhenIdleMs
    if (idleMs === undefined || busy > 0 || closed || !opening || !onDisk(dataDir)) return
    if (idleTimer) clearTimeout(idleTimer)
    idleTimer = setTimeout(async () => {
      idleTimer = undefined
      const current = opening
      if (busy > 0 || !current) return
      const backend = await current.catch(() => undefined)
      if (!backend || busy > 0 || opening !== current) return
      if (backend.kind === 'local' && (backend.clients?.() ?? 0) > 0) return settle()
      opening = undefined
      releasing = closeBackend(backend).catch(() => {})
    }, idleMs)
    ;(idleTimer as { unref?: () => void }).unref?.()
  }

  /** Counts a call as work in progress while it runs. */
  async function tracked<T>(fn: () => Promise<T>): Promise<T> {
    busy++
    if (idleTimer) clearTimeout(idleTimer)
    try {
      return await fn()
    } finally {
      busy--
      settle()
    }
  }

  async function openBackend(): Promise<Backend> {
    await releasing
    if (!onDisk(dataDir)) {
      return { kind: 'local', db: await PGlite.create(dataDir === 'memory' ? undefined : dataDir) }
    }
    const share = await import('./pglite-share.ts')
    let place = await share.holdOrJoin(dataDir, options.holderWaitMs)
    for (let attempt = 0; place.role === 'client'; attempt++) {
      const { createPostgresClient } = await import('./postgres.ts')
      // One backend serves every connection: no named prepared statements (they would
      // collide between clients), one connection (LISTEN takes a second one).
      const client = createPostgresClient({ url: place.url, max: 1, prepare: false, connectTimeout: 10 })
      try {
        await client.query('SELECT 1')
        return { kind: 'remote', client, holder: `process ${place.holder.pid}` }
      } catch (error) {
        await client.close().catch(() => {})
        // The holder stopped between reading its lock and connecting: look again.
        if (attempt >= 3) throw error
        place = await share.holdOrJoin(dataDir, options.holderWaitMs)
      }
    }
    let db: PGlite | undefined
    try {
      db = await PGlite.create(dataDir)
      // Once per directory: one that was used before it was locked may be damaged.
      if (!share.wasChecked(dataDir)) {
        await repairLostTransactions(db, dataDir, options.onRepair ?? ((m) => console.warn(m)))
        share.markChecked(dataDir)
      }
      const gate = new share.SessionGate()
      const server = await share.serveBackend(db, gate)
      share.announce(place, server)
      const opened = db
      const forget = share.releaseOnExit(place)
      const clients = server.clients
      const release = async () => {
        await server.stop()
        if (!opened.closed) await opened.close()
        forget()
        share.releaseLock(place.lockPath, place.info)
      }
      return { kind: 'local', db, gate, release, clients }
    } catch (error) {
      if (db && !db.closed) await db.close().catch(() => {})
      share.releaseLock(place.lockPath, place.info)
      throw error
    }
  }

  function open(): Promise<Backend> {
    if (closed) return Promise.reject(new Error('PGlite is closed'))
    opening ??= openBackend()
    opening.catch(() => {
      opening = undefined
    })
    return opening
  }

  /**
   * Runs `fn` on the holder's connection. When the holder cannot be reached (it stopped or
   * crashed), that backend is dropped: the next call looks at the directory again and joins
   * the holder that took over, or holds the directory itself.
   */
  async function remote<T>(
    backend: Extract<Backend, { kind: 'remote' }>,
    fn: (client: SqlClient) => Promise<T>,
  ) {
    const current = opening
    try {
      return await fn(backend.client)
    } catch (error) {
      if (isUnavailableError(error) && current !== undefined && opening === current) {
        opening = undefined
        void backend.client.close().catch(() => {})
      }
      throw error
    }
  }

  const queryable = (run: { query: PGlite['query']; exec: PGlite['exec'] }): SqlQueryable => ({
    async query<R extends SqlRow = SqlRow>(text: string, params: unknown[] = []): Promise<R[]> {
      return (await run.query<R>(text, params)).rows
    },
    async exec(script: string): Promise<void> {
      await run.exec(script)
    },
  })

  /** Runs `fn` on the local backend, taking its session when it is shared with other processes. */
  function local<T>(
    backend: Extract<Backend, { kind: 'local' }>,
    fn: (db: PGlite) => Promise<T>,
  ): Promise<T> {
    return backend.gate ? backend.gate.run(() => fn(backend.db)) : fn(backend.db)
  }

  return {
    kind: 'pglite',
    query<R extends SqlRow = SqlRow>(text: string, params: unknown[] = []): Promise<R[]> {
      return tracked(async () => {
        const backend = await open()
        if (backend.kind === 'remote') return remote(backend, (c) => c.query<R>(text, params))
        return local(backend, (db) => queryable(db).query<R>(text, params))
      })
    },
    exec(script: string): Promise<void> {
      return tracked(async () => {
        const backend = await open()
        if (backend.kind === 'remote') return remote(backend, (c) => c.exec(script))
        return local(backend, (db) => queryable(db).exec(script))
      })
    },
    transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
      return tracked(async () => {
        const backend = await open()
        if (backend.kind === 'remote') return remote(backend, (c) => c.transaction(fn))
        return local(backend, (db) => db.transaction((tx) => fn(queryable(tx))))
      })
    },
    listen(channel, callback) {
      return tracked(async () => {
        const backend = await open()
        const unlisten =
          backend.kind === 'remote'
            ? await backend.client.listen(channel, callback)
            : await local(backend, (db) => db.listen(channel, callback)).then((stop) => async () => {
                if (!backend.db.closed) await local(backend, () => stop())
              })
        // A watcher keeps the directory open until it stops.
        busy++
        let stopped = false
        return async () => {
          if (stopped) return
          stopped = true
          try {
            await unlisten()
          } finally {
            busy--
            settle()
          }
        }
      })
    },
    async close() {
      if (closed) return
      closed = true
      if (idleTimer) clearTimeout(idleTimer)
      await releasing
      if (!opening) return
      const backend = await opening.catch(() => undefined)
      if (backend) await closeBackend(backend)
    },
  }
}

/**
 * Repairs a data directory that two processes wrote at once (before directories were
 * locked): a transaction of one process was lost, but rows it wrote (or marked deleted)
 * still carry its transaction id, which the surviving backend hands out again. The next
 * transaction to get that id sees those rows as its own: an UPDATE then fails on a
 * duplicate key or never returns. A probe takes the next id in a transaction and checks
 * whether that alone changes which rows it sees; if so, rolling it back marks the lost
 * transaction aborted, which is what it is (its change never became durable).
 */
async function repairLostTransactions(
  db: PGlite,
  dataDir: string,
  report: (message: string) => void,
): Promise<void> {
  const tables = await db.query<{ name: string }>(
    `SELECT quote_ident(relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.reltuples < 100000
       AND (relname LIKE 'ml\\_model%' OR relname LIKE 'leafwise\\_%')`,
  )
  if (tables.rows.length === 0) return
  const visible = `SELECT ${tables.rows
    .map((t) => `(SELECT COALESCE(string_agg(ctid::text, ',' ORDER BY ctid), '') FROM ${t.name})`)
    .join(" || '|' || ")} AS rows`
  let lost = 0
  for (; lost < 1000; lost++) {
    const damaged = await db.transaction(async (tx) => {
      const before = (await tx.query<{ rows: string }>(visible)).rows[0].rows
      await tx.query('SELECT txid_current()')
      const after = (await tx.query<{ rows: string }>(visible)).rows[0].rows
      await tx.rollback()
      return before !== after
    })
    if (!damaged) break
  }
  // The lost process may also have left index entries for rows that never reached the
  // table (a later insert in the same slot then fails as a duplicate): rebuild the indexes.
  for (const table of tables.rows) await db.exec(`REINDEX TABLE ${table.name}`)
  await db.query('CHECKPOINT')
  if (lost > 0)
    report(
      `leafwise: the embedded registry ${dataDir} had been written by two processes at once (before leafwise locked it); ${lost} lost transaction(s) were marked aborted: their changes were never stored. Check \`leafwise history\` for the last changes.`,
    )
}

/** Creates the embedded registry; it applies pending migrations on first use. */
export function createPgliteRegistry(options: PgliteClientOptions & RegistryOptions = {}): ModelRegistry {
  return createRegistry(createPgliteClient(options), { autoMigrate: true, ...options })
}
