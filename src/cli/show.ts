// `leafwise show NAME VERSION|NAME@ALIAS [--json]`: one version with everything the registry
// knows of it: row, aliases, tags, approval, lineage, signature, file hashes and history.
import type { ModelDetails, ModelEvent } from '../registry/index.ts'
import { unwrap } from '../registry/index.ts'
import type { Command } from './io.ts'
import { modelRefArgs, parseRegistryArgs, withRegistryOf } from './registry-cli.ts'
import { formatTable } from './table.ts'

const usage = 'usage: leafwise show NAME VERSION|NAME@ALIAS [--json]'

/** One history entry in a few words: `deployed -> deprecated`, `alias champion v1 -> v2`, ... */
export function describeEvent(e: ModelEvent): string {
  const d = (e.detail ?? {}) as Record<string, unknown>
  switch (e.eventType) {
    case 'registered':
      return `registered (${e.toStatus ?? '-'})`
    case 'status':
      return `${e.fromStatus ?? '-'} -> ${e.toStatus ?? '-'}`
    case 'alias':
      return `alias ${d.alias}: ${d.fromVersion ?? '(new)'} -> ${d.toVersion ?? '(removed)'}${d.protected ? ' (protected)' : ''}`
    case 'tag':
      return `tag ${d.key}: ${d.from ?? '(new)'} -> ${d.to ?? '(removed)'}`
    case 'approval':
      return `approval ${d.from} -> ${d.to}`
    default:
      return e.eventType
  }
}

const tags = (record: Record<string, string>) =>
  Object.entries(record)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ') || '-'

/** The text form of `show`. */
export function formatDetails(d: ModelDetails): string {
  const m = d.model
  const lines = [
    `${m.modelName} ${m.modelVersion}`,
    `  status      ${m.status} (tier ${m.tierRequirement})`,
    `  objective   ${m.objective}, target ${m.targetVariable}, horizon ${m.predictionHorizon}`,
    `  scores      validation ${m.validationScore ?? '-'}, test ${m.testScore ?? '-'}`,
    `  registered  ${m.createdAt.toISOString()}, updated ${m.updatedAt.toISOString()}`,
    `  aliases     ${d.aliases.map((a) => `${a.alias}${a.protected ? ' (protected)' : ''}`).join(', ') || '-'}`,
    `  tags        ${tags(d.versionTags)} (model: ${tags(d.modelTags)})`,
    `  approval    ${d.approval.state}${d.approval.decidedBy ? ` by ${d.approval.decidedBy} at ${d.approval.decidedAt?.toISOString()}` : ''}${d.approval.reason ? `: ${d.approval.reason}` : ''}`,
  ]
  const lineage = d.lineage ? Object.entries(d.lineage) : []
  lines.push(
    `  lineage     ${lineage.length ? lineage.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ') : '-'}`,
  )
  if (d.signature) {
    const s = d.signature
    lines.push(
      `  signature   ${s.featureCount} features, objective ${s.objective || '-'}, ${s.numClass} class(es)${s.categoricalFeatures.length ? `, categorical ${s.categoricalFeatures.join(', ')}` : ''}`,
      `  features    ${s.features.join(', ')}`,
    )
  } else lines.push('  signature   -')
  if (d.summary?.numTrees !== undefined) lines.push(`  trees       ${d.summary.numTrees}`)
  lines.push('', 'files:')
  lines.push(
    d.files.length === 0
      ? '  none recorded (registered before file hashes, or by hand)'
      : formatTable(
          ['path', 'bytes', 'sha256', 'stored'],
          d.files.map((f) => [f.path, String(f.sizeBytes), f.sha256, f.stored ? 'yes' : 'no']),
        )
          .split('\n')
          .map((l) => `  ${l}`)
          .join('\n'),
  )
  lines.push('', 'history:')
  lines.push(
    formatTable(
      ['time', 'event', 'actor', 'reason'],
      d.history.map((e) => [e.createdAt.toISOString(), describeEvent(e), e.actor, e.reason ?? '']),
    )
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n'),
  )
  return `${lines.join('\n')}\n`
}

export const showCommand: Command = async (argv, io) => {
  const parsed = parseRegistryArgs(argv, { json: { type: 'boolean' } }, usage, io)
  if (!parsed) return 0
  const { name, ref } = modelRefArgs(parsed.positionals, usage, { restCount: 0 })
  const details = await withRegistryOf(parsed.values, io, async (registry) =>
    unwrap(await registry.describeModel(name, ref)),
  )
  io.stdout(parsed.values.json ? `${JSON.stringify(details, null, 2)}\n` : formatDetails(details))
  return 0
}
