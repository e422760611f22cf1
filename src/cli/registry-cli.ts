// What the registry commands added after the guide's (alias, tag, approve, show, diff) share:
// argument parsing with the connection flags, a registry opened for one command, and
// `NAME@ALIAS` / `NAME@VERSION` / `NAME VERSION` model references.
import { type ParseArgsConfig, parseArgs } from 'node:util'
import { type ModelRegistry, parseModelRef, unwrap } from '../registry/index.ts'
import type { CliIO } from './io.ts'
import { UsageError } from './io.ts'
import { openRegistry } from './registry-options.ts'

/** Connection flags of every registry command. */
export const connectionOptions = {
  'database-url': { type: 'string' },
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options']

/** Help text of the connection flags. */
export const connectionHelp = `  --database-url URL  PostgreSQL server (default: DATABASE_URL; without either, the embedded registry)
  --data-dir DIR      embedded registry directory (default: LEAFWISE_REGISTRY_DIR or .leafwise/registry)`

/** Parsed flags and positionals of a registry command. */
export interface RegistryArgs {
  values: Record<string, string | boolean | string[] | undefined> & {
    'database-url'?: string
    'data-dir'?: string
  }
  positionals: string[]
}

/** Parses `argv` with the connection flags; prints the usage and resolves undefined for --help. */
export function parseRegistryArgs(
  argv: string[],
  options: NonNullable<ParseArgsConfig['options']>,
  usage: string,
  io: CliIO,
): RegistryArgs | undefined {
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
    return parsed as RegistryArgs
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${usage}`)
  }
}

/** Opens the registry the flags select, runs `fn`, and closes it. */
export async function withRegistryOf<T>(
  values: { 'database-url'?: string; 'data-dir'?: string },
  io: CliIO,
  fn: (registry: ModelRegistry) => Promise<T>,
  options: { requireApproval?: boolean } = {},
): Promise<T> {
  const registry = await openRegistry(values, io, options)
  try {
    return await fn(registry)
  } finally {
    await registry.close()
  }
}

/**
 * A model reference at the start of `positionals`: `NAME@REF` (one argument) or `NAME REF`
 * (two), where REF is a version or an alias. `rest` is what follows. When `optional`, a bare
 * `NAME` gives `ref` undefined.
 */
export function modelRefArgs(
  positionals: string[],
  usage: string,
  { optional = false, restCount }: { optional?: boolean; restCount?: number } = {},
): { name: string; ref: string | undefined; rest: string[] } {
  const [first, ...others] = positionals
  if (first === undefined) throw new UsageError(`expected a model name\n${usage}`)
  let parsed: { modelName: string; ref?: string }
  try {
    parsed = parseModelRef(first)
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${usage}`)
  }
  let ref = parsed.ref
  let rest = others
  const refFromNext = restCount === undefined ? others.length > 0 : others.length > restCount
  if (ref === undefined && refFromNext) {
    ref = others[0]
    rest = others.slice(1)
  }
  if (ref === undefined && !optional) throw new UsageError(`expected NAME VERSION or NAME@ALIAS\n${usage}`)
  if (restCount !== undefined && rest.length !== restCount)
    throw new UsageError(`wrong number of arguments\n${usage}`)
  return { name: parsed.modelName, ref, rest }
}

/** The version `ref` names (an alias resolved through the registry; a version as it is). */
export async function resolveRefVersion(registry: ModelRegistry, name: string, ref: string): Promise<string> {
  return unwrap(await registry.resolveVersion(name, ref))
}
