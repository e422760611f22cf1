// `leafwise canary`: set, change, end or list canary weights in the registry. Every server
// watching the registry's change events routes by the new weight at once.
import { parseArgs } from 'node:util'
import { type CanaryRecord, unwrap } from '../registry/index.ts'
import { type Command, UsageError } from './io.ts'
import { openRegistry } from './registry-options.ts'
import { formatTable } from './table.ts'

const usage = `usage: leafwise canary NAME VERSION PERCENT [--reason TEXT] [--json]
       leafwise canary NAME --end [--reason TEXT]
       leafwise canary --list [--json]
  PERCENT             share of the keys (0 to 100) routed to VERSION beside the deployed version;
                      VERSION must be validated (it becomes shadow) or shadow.
                      \`leafwise promote\` or \`leafwise rollback\` ends the canary.
  --database-url URL  PostgreSQL server (default: DATABASE_URL; without either, the embedded registry)
  --data-dir DIR      embedded registry directory (default: LEAFWISE_REGISTRY_DIR or .leafwise/registry)`

function rows(canaries: CanaryRecord[]): string[][] {
  return canaries.map((c) => [
    c.modelName,
    c.modelVersion,
    `${c.weightPercent} %`,
    c.updatedAt.toISOString(),
    c.actor,
    c.reason ?? '',
  ])
}

export const canaryCommand: Command = async (argv, io) => {
  let parsed: ReturnType<
    typeof parseArgs<{
      args: string[]
      options: Record<string, { type: 'string' | 'boolean'; short?: string }>
      allowPositionals: true
    }>
  >
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        'database-url': { type: 'string' },
        'data-dir': { type: 'string' },
        reason: { type: 'string' },
        end: { type: 'boolean' },
        list: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    })
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${usage}`)
  }
  const values = parsed.values as Record<string, string | boolean | undefined>
  const positionals = parsed.positionals
  if (values.help) {
    io.stdout(`${usage}\n`)
    return 0
  }
  const connection = {
    'database-url': values['database-url'] as string | undefined,
    'data-dir': values['data-dir'] as string | undefined,
  }
  const reason = values.reason as string | undefined
  let run: (registry: Awaited<ReturnType<typeof openRegistry>>) => Promise<string>
  if (values.list) {
    if (positionals.length) throw new UsageError(`--list takes no model\n${usage}`)
    run = async (registry) => {
      const canaries = unwrap(await registry.listCanaries())
      if (values.json) return `${JSON.stringify(canaries, null, 2)}\n`
      return canaries.length
        ? `${formatTable(['name', 'version', 'weight', 'since', 'actor', 'reason'], rows(canaries))}\n`
        : 'no canaries\n'
    }
  } else if (values.end) {
    if (positionals.length !== 1) throw new UsageError(`expected a model name\n${usage}`)
    run = async (registry) => {
      const ended = unwrap(await registry.endCanary(positionals[0], { reason }))
      if (values.json) return `${JSON.stringify(ended)}\n`
      return ended
        ? `ended the canary of ${ended.modelName} (${ended.modelVersion} at ${ended.weightPercent} %): every key meets the deployed version\n`
        : `${positionals[0]} has no canary\n`
    }
  } else {
    if (positionals.length !== 3) throw new UsageError(`expected NAME VERSION PERCENT\n${usage}`)
    const [name, version, percentText] = positionals
    const percent = Number(percentText.replace(/%$/, ''))
    if (!/^\d+(\.\d+)?%?$/.test(percentText) || !(percent >= 0 && percent <= 100))
      throw new UsageError(`PERCENT must be a number from 0 to 100, got ${JSON.stringify(percentText)}`)
    run = async (registry) => {
      const canary = unwrap(await registry.setCanary(name, version, percent, { reason }))
      if (values.json) return `${JSON.stringify(canary, null, 2)}\n`
      return `${canary.modelName} ${canary.modelVersion} serves ${canary.weightPercent} % of the keys beside the deployed version\n`
    }
  }
  const registry = await openRegistry(connection, io)
  try {
    io.stdout(await run(registry))
  } finally {
    await registry.close()
  }
  return 0
}
