// The registry commands of `leafwise`: migrate, register, list, status, promote, rollback and
// history. `--database-url` (or DATABASE_URL) selects a PostgreSQL server; without it the
// embedded PGlite registry in .leafwise/registry is used.
import { resolve } from 'node:path'
import { PredictionHorizon, RegistryError, unwrap } from '../registry/index.ts'
import type { Command } from './io.ts'
import { UsageError } from './io.ts'
import { assertValidPackage } from './package-check.ts'
import { packageFacts, storePackage } from './package-facts.ts'
import { packageRegistration } from './registration.ts'
import { modelRefArgs, resolveRefVersion } from './registry-cli.ts'
import { oneOf, parse, statuses, tiers, withRegistry } from './registry-options.ts'
import { describeEvent } from './show.ts'
import { formatTable, modelHeader, modelRows, printModel } from './table.ts'
import { parseTagArgs } from './tag.ts'

export const migrateCommand: Command = async (argv, io) => {
  const parsed = parse(argv, { json: { type: 'boolean' } }, 'usage: leafwise migrate [--json]', io)
  if (!parsed) return 0
  const report = await withRegistry(parsed.values, io, async (registry) => unwrap(await registry.migrate()), {
    create: true,
  })
  if (parsed.values.json) io.stdout(`${JSON.stringify(report)}\n`)
  else if (report.applied.length === 0)
    io.stdout(`up to date (${report.alreadyApplied.length} migrations applied)\n`)
  else io.stdout(`applied ${report.applied.join(', ')}\n`)
  return 0
}

export const registerCommand: Command = async (argv, io) => {
  const usage = `usage: leafwise register models/<name>/<version> [--target-variable V] [--horizon H] [--tier T] [--status S] [--upsert] [--store] [--reason TEXT] [--json]
  The package is checked first, as \`leafwise check\` does; a broken one is refused.
  --status S   ${statuses.join(', ')} (default deployed: the model votes in the ensemble at once;
               register as validated or shadow to try it first)
  --tier T     ${tiers.join(', ')} (default premium)
  --upsert     update the row when name and version are registered already
  --store      upload the package's files into the registry (content-addressed, streamed)`
  const parsed = parse(
    argv,
    {
      'target-variable': { type: 'string' },
      horizon: { type: 'string' },
      tier: { type: 'string' },
      status: { type: 'string' },
      upsert: { type: 'boolean' },
      store: { type: 'boolean' },
      reason: { type: 'string' },
      json: { type: 'boolean' },
    },
    usage,
    io,
  )
  if (!parsed) return 0
  if (parsed.positionals.length !== 1) throw new UsageError(`expected one package directory\n${usage}`)
  const { values } = parsed
  const dir = resolve(io.cwd, parsed.positionals[0])
  await assertValidPackage(dir, parsed.positionals[0])
  const input = packageRegistration(dir, {
    targetVariable: values['target-variable'],
    predictionHorizon: oneOf(values.horizon, PredictionHorizon, '--horizon'),
    tierRequirement: oneOf(values.tier, tiers, '--tier'),
    status: oneOf(values.status, statuses, '--status'),
  })
  // File hashes, lineage and signature (package-facts.ts); --store uploads the files too.
  const facts = await packageFacts(dir)
  const model = await withRegistry(values, io, async (registry) => {
    const result = await registry.registerModel(input, {
      upsert: values.upsert,
      reason: values.reason,
      ...facts,
    })
    if (!result.success && result.error.code === 'DUPLICATE_MODEL') {
      // The registry's message names library calls; on the command line the remedies are flags and commands.
      throw new RegistryError(
        'DUPLICATE_MODEL',
        `Model ${input.modelName} ${input.modelVersion} is already registered: add --upsert to update its row, change its status with leafwise status ${input.modelName} ${input.modelVersion} <status>, or register a new version`,
      )
    }
    const row = unwrap(result)
    if (values.store) await storePackage(registry, dir, row.modelName, row.modelVersion, facts.files)
    return row
  })
  if (!values.json)
    io.stdout(
      `registered ${model.modelName} ${model.modelVersion} (${model.status}, ${model.tierRequirement})${values.store ? `; ${facts.files.length} files stored in the registry` : ''}\n`,
    )
  else printModel(io, model, true)
  return 0
}

export const listCommand: Command = async (argv, io) => {
  const usage =
    'usage: leafwise list [--status S] [--tier T] [--name NAME] [--tag KEY=VALUE ...] [--alias ALIAS] [--json]'
  const parsed = parse(
    argv,
    {
      status: { type: 'string' },
      tier: { type: 'string' },
      name: { type: 'string' },
      tag: { type: 'string', multiple: true },
      alias: { type: 'string' },
      json: { type: 'boolean' },
    },
    usage,
    io,
  )
  if (!parsed) return 0
  const { values } = parsed
  const filters = {
    status: oneOf(values.status, statuses, '--status'),
    tier: oneOf(values.tier, tiers, '--tier'),
    modelName: values.name,
    ...(values.tag ? { tags: parseTagArgs(values.tag) } : {}),
    ...(values.alias ? { alias: values.alias } : {}),
  }
  const models = await withRegistry(values, io, async (registry) =>
    unwrap(await registry.listModels(filters)),
  )
  if (values.json) io.stdout(`${JSON.stringify(models, null, 2)}\n`)
  else if (models.length === 0) io.stdout('no models registered\n')
  else io.stdout(`${formatTable(modelHeader, modelRows(models))}\n`)
  return 0
}

export const statusCommand: Command = async (argv, io) => {
  const usage = `usage: leafwise status <name> <version>|<name@alias> <${statuses.join('|')}> [--reason TEXT] [--json]`
  const parsed = parse(argv, { reason: { type: 'string' }, json: { type: 'boolean' } }, usage, io)
  if (!parsed) return 0
  const { name, ref, rest } = modelRefArgs(parsed.positionals, usage, { restCount: 1 })
  const target = oneOf(rest[0], statuses, 'status')!
  const model = await withRegistry(parsed.values, io, async (registry) => {
    const version = await resolveRefVersion(registry, name, ref!)
    return unwrap(await registry.updateStatus(name, version, target, { reason: parsed.values.reason }))
  })
  if (parsed.values.json) printModel(io, model, true)
  else io.stdout(`${model.modelName} ${model.modelVersion} is ${model.status}\n`)
  return 0
}

export const promoteCommand: Command = async (argv, io) => {
  const usage =
    'usage: leafwise promote <name> <version>|<name@alias> [--require-approval] [--reason TEXT] [--json]'
  const parsed = parse(
    argv,
    { reason: { type: 'string' }, json: { type: 'boolean' }, 'require-approval': { type: 'boolean' } },
    usage,
    io,
  )
  if (!parsed) return 0
  const { name, ref } = modelRefArgs(parsed.positionals, usage, { restCount: 0 })
  const model = await withRegistry(
    parsed.values,
    io,
    async (registry) => {
      const version = await resolveRefVersion(registry, name, ref!)
      return unwrap(await registry.promote(name, version, { reason: parsed.values.reason }))
    },
    { requireApproval: parsed.values['require-approval'] },
  )
  if (parsed.values.json) printModel(io, model, true)
  else
    io.stdout(
      `${model.modelName} ${model.modelVersion} is deployed; other deployed versions of ${name} are deprecated\n`,
    )
  return 0
}

export const rollbackCommand: Command = async (argv, io) => {
  const usage = 'usage: leafwise rollback <name> [--reason TEXT] [--json]'
  const parsed = parse(argv, { reason: { type: 'string' }, json: { type: 'boolean' } }, usage, io)
  if (!parsed) return 0
  if (parsed.positionals.length !== 1) throw new UsageError(`expected a model name\n${usage}`)
  const model = await withRegistry(parsed.values, io, async (registry) =>
    unwrap(await registry.rollback(parsed.positionals[0], { reason: parsed.values.reason })),
  )
  if (parsed.values.json) printModel(io, model, true)
  else io.stdout(`rolled back: ${model.modelName} ${model.modelVersion} is deployed again\n`)
  return 0
}

export const historyCommand: Command = async (argv, io) => {
  const usage = 'usage: leafwise history <name> [version|<name@alias>] [--json]'
  const parsed = parse(argv, { json: { type: 'boolean' } }, usage, io)
  if (!parsed) return 0
  if (parsed.positionals.length < 1 || parsed.positionals.length > 2)
    throw new UsageError(`expected a model name\n${usage}`)
  const { name, ref } = modelRefArgs(parsed.positionals, usage, { optional: true })
  let version: string | undefined
  const events = await withRegistry(parsed.values, io, async (registry) => {
    version = ref === undefined ? undefined : await resolveRefVersion(registry, name, ref)
    const found = unwrap(await registry.history(name, version))
    if (found.length > 0) return found
    // No history: a typo of the name is far likelier than a model without events.
    const row = version ? await registry.getModel(name, version) : undefined
    if (row && !row.success && row.error.code !== 'MODEL_NOT_FOUND') unwrap(row)
    const known = row ? row.success : unwrap(await registry.listModels({ modelName: name })).length > 0
    if (!known)
      throw new RegistryError(
        'MODEL_NOT_FOUND',
        `Model not found: ${name}${version ? ` ${version}` : ''} is not registered (leafwise list shows the registered models)`,
      )
    return found
  })
  if (parsed.values.json) io.stdout(`${JSON.stringify(events, null, 2)}\n`)
  else if (events.length === 0) io.stdout(`no history for ${name}${version ? ` ${version}` : ''}\n`)
  else {
    const rows = events.map((e) => [
      e.createdAt.toISOString(),
      e.modelVersion,
      e.eventType === 'status' || e.eventType === 'registered' ? (e.fromStatus ?? '(new)') : e.eventType,
      e.eventType === 'status' || e.eventType === 'registered' ? (e.toStatus ?? '-') : describeEvent(e),
      e.actor,
      e.reason ?? '',
    ])
    io.stdout(`${formatTable(['time', 'version', 'from', 'to', 'actor', 'reason'], rows)}\n`)
  }
  return 0
}
