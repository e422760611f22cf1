// `leafwise alias set|rm|ls`: named pointers (champion, challenger) at one version of a model.
import type { AliasRecord } from '../registry/index.ts'
import { unwrap } from '../registry/index.ts'
import type { Command } from './io.ts'
import { UsageError } from './io.ts'
import { parseRegistryArgs, withRegistryOf } from './registry-cli.ts'
import { connectionHelp } from './registry-options.ts'
import { formatTable } from './table.ts'

const usage = `usage: leafwise alias set NAME ALIAS VERSION [--protect] [--unprotect] [--force] [--require-approval] [--reason TEXT] [--json]
       leafwise alias rm NAME ALIAS [--force] [--reason TEXT] [--json]
       leafwise alias ls [NAME] [--json]`

function aliasTable(aliases: AliasRecord[]): string {
  return formatTable(
    ['name', 'alias', 'version', 'protected', 'updated', 'by'],
    aliases.map((a) => [
      a.modelName,
      a.alias,
      a.modelVersion,
      a.protected ? 'yes' : 'no',
      a.updatedAt.toISOString(),
      a.updatedBy,
    ]),
  )
}

export const aliasCommand: Command = async (argv, io) => {
  const [sub, ...rest] = argv
  if (sub === undefined || sub === '--help' || sub === '-h') {
    io.stdout(`${usage}\n${connectionHelp}\n`)
    return sub === undefined ? 2 : 0
  }
  const parsed = parseRegistryArgs(
    rest,
    {
      protect: { type: 'boolean' },
      unprotect: { type: 'boolean' },
      force: { type: 'boolean' },
      'require-approval': { type: 'boolean' },
      reason: { type: 'string' },
      json: { type: 'boolean' },
    },
    usage,
    io,
  )
  if (!parsed) return 0
  const { values, positionals } = parsed
  const reason = values.reason as string | undefined
  const json = values.json === true
  if (sub === 'set') {
    if (positionals.length !== 3) throw new UsageError(`expected NAME ALIAS VERSION\n${usage}`)
    if (values.protect && values.unprotect)
      throw new UsageError('--protect and --unprotect exclude each other')
    const [name, alias, version] = positionals
    const protect = values.protect ? true : values.unprotect ? false : undefined
    const record = await withRegistryOf(
      values,
      io,
      async (registry) =>
        unwrap(
          await registry.setAlias(name, alias, version, { protect, force: values.force === true, reason }),
        ),
      { requireApproval: values['require-approval'] === true },
    )
    io.stdout(
      json
        ? `${JSON.stringify(record, null, 2)}\n`
        : `${record.modelName}@${record.alias} -> ${record.modelVersion}${record.protected ? ' (protected)' : ''}\n`,
    )
    return 0
  }
  if (sub === 'rm') {
    if (positionals.length !== 2) throw new UsageError(`expected NAME ALIAS\n${usage}`)
    const [name, alias] = positionals
    const record = await withRegistryOf(values, io, async (registry) =>
      unwrap(await registry.removeAlias(name, alias, { force: values.force === true, reason })),
    )
    io.stdout(
      json
        ? `${JSON.stringify(record, null, 2)}\n`
        : `removed ${record.modelName}@${record.alias} (was ${record.modelVersion})\n`,
    )
    return 0
  }
  if (sub === 'ls') {
    if (positionals.length > 1) throw new UsageError(`expected at most a model name\n${usage}`)
    const aliases = await withRegistryOf(values, io, async (registry) =>
      unwrap(await registry.listAliases(positionals[0])),
    )
    if (json) io.stdout(`${JSON.stringify(aliases, null, 2)}\n`)
    else if (aliases.length === 0) io.stdout(`no aliases${positionals[0] ? ` for ${positionals[0]}` : ''}\n`)
    else io.stdout(`${aliasTable(aliases)}\n`)
    return 0
  }
  throw new UsageError(`unknown subcommand ${JSON.stringify(sub)}\n${usage}`)
}
