// `leafwise tag` / `leafwise untag`: key=value tags on a model (NAME) or on one version
// (NAME@VERSION, NAME@ALIAS).
import { unwrap } from '../registry/index.ts'
import { parseModelRef } from '../registry/internal.ts'
import type { Command } from './io.ts'
import { UsageError } from './io.ts'
import { parseRegistryArgs, withRegistryOf } from './registry-cli.ts'

const tagUsage = 'usage: leafwise tag NAME[@VERSION|@ALIAS] key=value ... [--reason TEXT] [--json]'
const untagUsage = 'usage: leafwise untag NAME[@VERSION|@ALIAS] key ... [--reason TEXT] [--json]'

function target(text: string, usage: string): { modelName: string; modelVersion?: string } {
  try {
    const { modelName, ref } = parseModelRef(text)
    return ref === undefined ? { modelName } : { modelName, modelVersion: ref }
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${usage}`)
  }
}

function print(io: Parameters<Command>[1], label: string, tags: Record<string, string>, json: boolean): void {
  if (json) io.stdout(`${JSON.stringify(tags, null, 2)}\n`)
  else {
    const entries = Object.entries(tags)
    io.stdout(
      `${label}: ${entries.length === 0 ? 'no tags' : entries.map(([k, v]) => `${k}=${v}`).join(' ')}\n`,
    )
  }
}

/** Parses `key=value` arguments. */
export function parseTagArgs(args: string[]): Record<string, string> {
  const tags: Record<string, string> = {}
  for (const arg of args) {
    const eq = arg.indexOf('=')
    if (eq <= 0) throw new UsageError(`expected key=value, got ${JSON.stringify(arg)}`)
    tags[arg.slice(0, eq)] = arg.slice(eq + 1)
  }
  return tags
}

export const tagCommand: Command = async (argv, io) => {
  const parsed = parseRegistryArgs(
    argv,
    { reason: { type: 'string' }, json: { type: 'boolean' } },
    tagUsage,
    io,
  )
  if (!parsed) return 0
  const [ref, ...pairs] = parsed.positionals
  if (ref === undefined || pairs.length === 0)
    throw new UsageError(`expected a model and key=value tags\n${tagUsage}`)
  const tags = parseTagArgs(pairs)
  const result = await withRegistryOf(parsed.values, io, async (registry) =>
    unwrap(
      await registry.setTags(target(ref, tagUsage), tags, {
        reason: parsed.values.reason as string | undefined,
      }),
    ),
  )
  print(io, ref, result, parsed.values.json === true)
  return 0
}

export const untagCommand: Command = async (argv, io) => {
  const parsed = parseRegistryArgs(
    argv,
    { reason: { type: 'string' }, json: { type: 'boolean' } },
    untagUsage,
    io,
  )
  if (!parsed) return 0
  const [ref, ...keys] = parsed.positionals
  if (ref === undefined || keys.length === 0)
    throw new UsageError(`expected a model and tag keys\n${untagUsage}`)
  const result = await withRegistryOf(parsed.values, io, async (registry) =>
    unwrap(
      await registry.removeTags(target(ref, untagUsage), keys, {
        reason: parsed.values.reason as string | undefined,
      }),
    ),
  )
  print(io, ref, result, parsed.values.json === true)
  return 0
}
