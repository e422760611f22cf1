// Applies the numbered migrations in order, each in its own transaction, under an advisory
// lock so that two processes migrating at once apply each file exactly once.
import { LeafwiseError } from '../errors.ts'
import type { SqlClient } from './client.ts'
import { migrations as bundledMigrations, type Migration } from './migrations.ts'
import type { MigrateReport } from './types.ts'

/** Key of the advisory lock every migrator takes (any constant bigint; this one spells "leafwise"). */
export const MIGRATION_LOCK_KEY = '7815090451296498533'

const createTable = `CREATE TABLE IF NOT EXISTS leafwise_migrations (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  checksum TEXT NOT NULL,
  applied_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
)`

/** FNV-1a of the SQL text, to notice a migration file edited after it was applied. */
export function migrationChecksum(sql: string): string {
  let hash = 0x811c9dc5
  for (let i = 0; i < sql.length; i++) {
    hash ^= sql.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash.toString(16).padStart(8, '0')
}

/** Thrown when an applied migration's text no longer matches its file. */
export class MigrationMismatchError extends LeafwiseError {
  constructor(message: string) {
    super('MIGRATION_FAILED', message)
    this.name = 'MigrationMismatchError'
  }
}

/**
 * Applies every migration not yet recorded in `leafwise_migrations`. Each one runs in a
 * transaction that first takes `pg_advisory_xact_lock`, then re-reads what is applied, so a
 * concurrent migrator waits and then finds nothing left to do.
 */
export async function runMigrations(
  client: SqlClient,
  migrations: readonly Migration[] = bundledMigrations,
): Promise<MigrateReport> {
  const report: MigrateReport = { applied: [], alreadyApplied: [] }
  for (const migration of migrations) {
    const applied = await client.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`)
      await tx.exec(createTable)
      const rows = await tx.query<{ checksum: string }>(
        'SELECT checksum FROM leafwise_migrations WHERE id = $1',
        [migration.id],
      )
      if (rows.length > 0) {
        if (rows[0].checksum !== migrationChecksum(migration.sql)) {
          throw new MigrationMismatchError(
            `migration ${migration.name} was applied with different text (checksum ${rows[0].checksum}, file ${migrationChecksum(migration.sql)}): add a new numbered migration instead of editing an applied one`,
          )
        }
        return false
      }
      await tx.exec(migration.sql)
      await tx.query('INSERT INTO leafwise_migrations (id, name, checksum) VALUES ($1, $2, $3)', [
        migration.id,
        migration.name,
        migrationChecksum(migration.sql),
      ])
      return true
    })
    ;(applied ? report.applied : report.alreadyApplied).push(migration.name)
  }
  return report
}

/** True when every bundled migration is recorded (one cheap query; false when the table is missing). */
export async function isMigrated(
  client: SqlClient,
  migrations: readonly Migration[] = bundledMigrations,
): Promise<boolean> {
  const exists = await client.query<{ present: boolean }>(
    "SELECT to_regclass('leafwise_migrations') IS NOT NULL AS present",
  )
  if (!exists[0]?.present) return false
  const rows = await client.query<{ count: number }>('SELECT count(*)::int AS count FROM leafwise_migrations')
  return rows[0].count >= migrations.length
}
