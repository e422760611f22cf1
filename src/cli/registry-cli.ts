// What the registry commands added after the guide's (alias, tag, approve, show, diff) share:
// argument parsing with the connection flags, a registry opened for one command, and
// `NAME@ALIAS` / `NAME@VERSION` / `NAME VERSION` model references.
import type { ParseArgsConfig } from 'node:util'
import { type ModelRegistry, unwrap } from '../registry/index.ts'
import { parseModelRef } from '../registry/internal.ts'
import type { CliIO } from './io.ts'
import { UsageError } from './io.ts'
import { parse, withRegistry } from './registry-options.ts'

/** Parsed flags and positionals of a registry command. */
export interface RegistryArgs {
  values: Record<string, string | boolean | string[] | undefined> & {
    'database-url'?: string
    'data-dir'?: string
  }
  positionals: string[]
}

/** Parses `argv` with the connection flags (registry-options.ts); undefined after printing --help. */
export function parseRegistryArgs(
  argv: string[],
  options: NonNullable<ParseArgsConfig['options']>,
  usage: string,
  io: CliIO,
): RegistryArgs | undefined {
  return parse(argv, options, usage, io) as RegistryArgs | undefined
}

/** Opens the registry the flags select, runs `fn`, and closes it (registry-options.ts). */
export const withRegistryOf = withRegistry

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
