// The one interface the registry talks to. Each adapter (postgres.ts, pglite.ts) turns its
// driver into this; the registry never sees a driver.
import { LeafwiseError } from '../errors.ts'

/** A row as the driver returns it: column name to value. */
export type SqlRow = Record<string, unknown>

/** The SQL operations the registry needs. Parameters are `$1, $2, ...`. */
export interface SqlQueryable {
  /** Runs one statement with parameters; resolves to its rows. */
  query<R extends SqlRow = SqlRow>(text: string, params?: unknown[]): Promise<R[]>
  /** Runs a script of several statements without parameters (a migration file). */
  exec(script: string): Promise<void>
}

/** A connection (or pool) to PostgreSQL or PGlite. */
export interface SqlClient extends SqlQueryable {
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>
  /** Calls `callback` with the payload of every NOTIFY on `channel`; resolves to a function that stops listening. */
  listen(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>>
  /** Closes the connection; later calls fail with DATABASE_UNAVAILABLE. */
  close(): Promise<void>
  /** Which engine this is, for messages. */
  readonly kind: 'postgres' | 'pglite' | string
}

// SQLSTATE classes and driver codes that mean "the server cannot be reached or is going away".
const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'DATABASE_UNAVAILABLE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '3D000', // invalid_catalog_name: the database does not exist
])

/** The SQLSTATE or driver code of an error, if it has one. */
export function errorCode(error: unknown): string | undefined {
  if (error && typeof error === 'object' && 'code' in error) {
    const code = (error as { code: unknown }).code
    if (typeof code === 'string') return code
  }
  return undefined
}

/** True when `error` means the database cannot be reached (connection refused, shut down, closed). */
export function isUnavailableError(error: unknown): boolean {
  const code = errorCode(error)
  if (code && (unavailableCodes.has(code) || code.startsWith('08'))) return true
  const message = error instanceof Error ? error.message : String(error)
  return /PGlite is closed|connection terminated|Connection terminated|server closed the connection|write after end|socket hang up/i.test(
    message,
  )
}

/** An error the registry raises itself when the database cannot be reached (e.g. a timeout). */
export class DatabaseUnavailableError extends LeafwiseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DATABASE_UNAVAILABLE', message, options)
    this.name = 'DatabaseUnavailableError'
  }
}
