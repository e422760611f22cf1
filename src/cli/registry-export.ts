// `leafwise registry export`: a static manifest of the deployed and shadow models.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { buildManifest, unwrap } from '../registry/index.ts'
import { fileError } from './files.ts'
import type { Command } from './io.ts'
import { UsageError } from './io.ts'
import { connectionHelp, displayPath, oneOf, parse, tiers, withRegistry } from './registry-options.ts'

export const registryCommand: Command = async (argv, io) => {
  const usage = 'usage: leafwise registry export [--tier T] --out FILE [--models ROOT]'
  const [sub, ...rest] = argv
  if (sub === '--help' || sub === '-h' || sub === undefined) {
    io.stdout(`${usage}\n${connectionHelp}\n`)
    return sub === undefined ? 2 : 0
  }
  if (sub !== 'export') throw new UsageError(`unknown subcommand ${JSON.stringify(sub)}\n${usage}`)
  const parsed = parse(
    rest,
    { tier: { type: 'string' }, out: { type: 'string' }, models: { type: 'string' } },
    usage,
    io,
  )
  if (!parsed) return 0
  const { values } = parsed
  if (!values.out) throw new UsageError(`--out is required\n${usage}`)
  const tier = oneOf(values.tier, tiers, '--tier') ?? 'enterprise'
  const modelsRoot = resolve(io.cwd, values.models ?? 'models')
  const models = await withRegistry(values, io, async (registry) =>
    unwrap(await registry.listModels({ status: ['deployed', 'shadow'], tier })),
  )
  const manifest = buildManifest(models, tier, (m) => {
    const path = join(modelsRoot, m.modelName, m.modelVersion, 'metadata.json')
    if (!existsSync(path)) return undefined
    try {
      return JSON.parse(readFileSync(path, 'utf8'))
    } catch {
      return undefined
    }
  })
  const out = resolve(io.cwd, values.out)
  try {
    writeFileSync(out, `${JSON.stringify(manifest, null, 2)}\n`)
  } catch (error) {
    throw fileError(error, out, '--out', 'write', values.out) ?? error
  }
  io.stdout(`wrote ${manifest.models.length} models (${tier} tier) to ${displayPath(io.cwd, out)}\n`)
  return 0
}
