// `leafwise approve` / `leafwise reject`: the approval of a version, apart from its status,
// with who (the CLI's actor) and why (--reason).
import { unwrap } from '../registry/index.ts'
import type { Command } from './io.ts'
import { modelRefArgs, parseRegistryArgs, withRegistryOf } from './registry-cli.ts'

function decisionCommand(decision: 'approve' | 'reject'): Command {
  const usage = `usage: leafwise ${decision} NAME VERSION|NAME@ALIAS [--reason TEXT] [--json]`
  return async (argv, io) => {
    const parsed = parseRegistryArgs(
      argv,
      { reason: { type: 'string' }, json: { type: 'boolean' } },
      usage,
      io,
    )
    if (!parsed) return 0
    const { name, ref } = modelRefArgs(parsed.positionals, usage, { restCount: 0 })
    const reason = parsed.values.reason as string | undefined
    const record = await withRegistryOf(parsed.values, io, async (registry) =>
      unwrap(await registry[decision](name, ref!, { reason })),
    )
    io.stdout(
      parsed.values.json
        ? `${JSON.stringify(record, null, 2)}\n`
        : `${record.modelName} ${record.modelVersion} is ${record.state} (by ${record.decidedBy}${record.reason ? `: ${record.reason}` : ''})\n`,
    )
    return 0
  }
}

export const approveCommand = decisionCommand('approve')
export const rejectCommand = decisionCommand('reject')
