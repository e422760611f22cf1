// What every registry command shares: the connection flags (--database-url, --data-dir),
// parsing a command's arguments with them, opening the registry they select, and choices.
import { existsSync, mkdirSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { type ParseArgsConfig, parseArgs } from 'node:util'
import { type ModelRegistry, ModelStatus, RegistryError, TierRequirement } from '../registry/index.ts'
import type { CliIO } from './io.ts'
import { UsageError } from './io.ts'

const connectionOptions = {
  'database-url': { type: 'string' },
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options']

export const connectionHelp = `  --database-url URL  PostgreSQL server (default: DATABASE_URL; without either, the embedded registry)
  --data-dir DIR      embedded registry directory (default: LEAFWISE_REGISTRY_DIR or .leafwise/registry)`

/** What `parse` returns: parseArgs' result for the command's options plus the connection flags. */
type Parsed<O extends NonNullable<ParseArgsConfig['options']>> = ReturnType<
  typeof parseArgs<{ options: typeof connectionOptions & O; allowPositionals: true; strict: true }>
>

/** Parses a registry command's arguments; undefined after printing its --help. */
export function parse<O extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: O,
  usage: string,
  io: CliIO,
): Parsed<O> | undefined {
  try {
    const parsed = parseArgs({
      args: argv,
      options: { ...connectionOptions, ...options },
      allowPositionals: true,
      strict: true,
    })
    if ((parsed.values as { help?: boolean }).help) {
      io.stdout(`${usage}\n${connectionHelp}\n`)
      return undefined
    }
    return parsed
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${usage}`)
  }
}

/**
 * Opens the registry the options and environment select. The embedded one migrates itself
 * on first use; only `create` (migrate, demo) makes a new embedded registry, so a mistyped
 * `--data-dir` fails instead of answering from an empty one.
 */
export async function openRegistry(
  values: { 'database-url'?: string; 'data-dir'?: string },
  io: CliIO,
  { create = false, requireApproval = false }: { create?: boolean; requireApproval?: boolean } = {},
): Promise<ModelRegistry> {
  const actor = `leafwise-cli${io.env.USER ? `:${io.env.USER}` : ''}`
  // The approval policy: --require-approval, or LEAFWISE_REQUIRE_APPROVAL=1 for every command.
  const policy = { requireApproval: requireApproval || io.env.LEAFWISE_REQUIRE_APPROVAL === '1' }
  const url = values['database-url'] ?? io.env.DATABASE_URL
  if (url) {
    const { createPostgresRegistry } = await import('../registry/postgres.ts')
    return createPostgresRegistry({ url, actor, ...policy })
  }
  const given = values['data-dir'] ?? io.env.LEAFWISE_REGISTRY_DIR ?? '.leafwise/registry'
  const dataDir = resolve(io.cwd, given)
  if (!create && !existsSync(join(dataDir, 'PG_VERSION'))) {
    throw new RegistryError(
      'REGISTRY_NOT_FOUND',
      `no embedded registry at ${displayPath(io.cwd, dataDir)}: check the path${values['data-dir'] ? ' given to --data-dir' : ''}, or create one with \`leafwise migrate${values['data-dir'] ? ` --data-dir ${given}` : ''}\` (\`npm run demo\` creates and fills one)`,
    )
  }
  mkdirSync(dataDir, { recursive: true })
  const { createPgliteRegistry } = await import('../registry/pglite.ts')
  return createPgliteRegistry({ dataDir, actor, ...policy })
}

export async function withRegistry<T>(
  values: { 'database-url'?: string; 'data-dir'?: string },
  io: CliIO,
  fn: (registry: ModelRegistry) => Promise<T>,
  options: { create?: boolean; requireApproval?: boolean } = {},
): Promise<T> {
  const registry = await openRegistry(values, io, options)
  try {
    return await fn(registry)
  } finally {
    await registry.close()
  }
}

export function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  flag: string,
): T | undefined {
  if (value === undefined) return undefined
  if (!allowed.includes(value as T))
    throw new UsageError(`${flag} must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}`)
  return value as T
}

export const statuses = Object.values(ModelStatus)
export const tiers = Object.values(TierRequirement)

/** A path as a person would type it: relative below the working directory, else absolute. */
export function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path)
  return rel && !rel.startsWith('..') ? rel : path
}
