// The SQL embedded in src/registry/migrations.ts is exactly migrations/*.sql, and the
// `leafwise/registry` entry imports nothing from node: or from the other layers.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { migrationChecksum } from '../../src/registry/migrate.ts'
import { migrations } from '../../src/registry/migrations.ts'
import { repoRoot } from '../support/shared.ts'
import { readMigrationFiles } from './generate-migrations.ts'

describe('embedded migrations', () => {
  it('equal migrations/*.sql (regenerate with npx tsx test/registry/generate-migrations.ts)', () => {
    expect(migrations).toEqual(readMigrationFiles())
  })

  // 005-009 and 010-014 were reserved for two parallel lines of work; once both are merged
  // the numbers are contiguous again and this can go back to "1..n without gaps".
  it('are numbered in increasing order from 1, each once, leaving only reserved gaps', () => {
    const ids = migrations.map((m) => m.id)
    expect(ids[0]).toBe(1)
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1])
    const reserved = new Set([5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
    for (let id = 1; id <= ids.at(-1)!; id++) if (!ids.includes(id)) expect(reserved.has(id)).toBe(true)
  })

  it('001 creates the guide table as the guide writes it', () => {
    const sql = migrations[0].sql
    expect(sql).toContain('model_id UUID PRIMARY KEY DEFAULT gen_random_uuid()')
    expect(sql).toContain('UNIQUE(model_name, model_version)')
    expect(sql).not.toMatch(/artifact_path/)
  })

  it('checksums differ when the text differs', () => {
    expect(migrationChecksum('a')).not.toBe(migrationChecksum('b'))
    expect(migrationChecksum(migrations[0].sql)).toMatch(/^[0-9a-f]{8}$/)
  })
})

describe('layering of src/registry', () => {
  const dir = join(repoRoot, 'src/registry')
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'))
  const importsOf = (file: string) =>
    [...readFileSync(join(dir, file), 'utf8').matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1])

  it.each(files)('%s imports nothing from lightgbm, package, ensemble, node or cli', (file) => {
    for (const spec of importsOf(file))
      expect(spec).not.toMatch(/lightgbm|\/package\/|ensemble|\/node\/|\/cli\//)
  })

  // The adapters, and the PGlite adapter's sharing of a data directory on disk (pglite-share.ts).
  it.each(files.filter((f) => !['postgres.ts', 'pglite.ts', 'pglite-share.ts'].includes(f)))(
    '%s imports no node: module and no driver',
    (file) => {
      for (const spec of importsOf(file)) expect(spec).not.toMatch(/^node:|^postgres$|@electric-sql/)
    },
  )
})
