// Regenerates src/registry/migrations.ts from migrations/*.sql, so that the registry entry
// points carry the SQL without reading files (no `node:fs` outside src/node and src/cli).
// Run: npx tsx test/registry/generate-migrations.ts   (migrations.test.ts checks they agree)
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../support/shared.ts'

export const migrationsDir = join(repoRoot, 'migrations')
export const generatedPath = join(repoRoot, 'src/registry/migrations.ts')

/** The migration files, in order: `{ id, name, sql }`. */
export function readMigrationFiles(): { id: number; name: string; sql: string }[] {
  return readdirSync(migrationsDir)
    .filter((file) => /^\d+_[a-z0-9_]+\.sql$/.test(file))
    .sort()
    .map((file) => ({
      id: Number(file.split('_')[0]),
      name: file.replace(/\.sql$/, ''),
      sql: readFileSync(join(migrationsDir, file), 'utf8'),
    }))
}

/** The text of src/registry/migrations.ts for the current files. */
export function renderMigrationsModule(): string {
  const entries = readMigrationFiles()
    .map(
      (m) =>
        `  {\n    id: ${m.id},\n    name: ${JSON.stringify(m.name)},\n    sql: ${JSON.stringify(m.sql)},\n  },`,
    )
    .join('\n')
  return `// GENERATED from migrations/*.sql by test/registry/generate-migrations.ts: do not edit by hand.
// The SQL is embedded so that the registry runs where there is no file system.

/** One numbered migration file. */
export interface Migration {
  id: number
  name: string
  sql: string
}

/** Every migration, in the order they are applied. */
export const migrations: readonly Migration[] = [
${entries}
]
`
}

if (process.argv[1]?.endsWith('generate-migrations.ts')) {
  writeFileSync(generatedPath, renderMigrationsModule())
  execFileSync('npx', ['biome', 'format', '--write', generatedPath], { cwd: repoRoot, stdio: 'ignore' })
  console.log(`wrote ${generatedPath}`)
}
