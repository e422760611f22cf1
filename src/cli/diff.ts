// `leafwise diff NAME V1 V2 [--json]`: what changed between two versions of a model (either
// may be an alias): features added or removed, objective and classes, trees, training
// parameters, metrics, and the registry row's scores.
import type { ModelDetails } from '../registry/index.ts'
import { unwrap } from '../registry/index.ts'
import type { Command } from './io.ts'
import { UsageError } from './io.ts'
import { parseRegistryArgs, withRegistryOf } from './registry-cli.ts'

const usage = 'usage: leafwise diff NAME V1 V2 [--json]   (V1, V2: versions or aliases)'

/** One changed value. */
export interface Change {
  field: string
  from: unknown
  to: unknown
}

/** The differences between two versions. */
export interface VersionDiff {
  modelName: string
  from: string
  to: string
  featuresAdded: string[]
  featuresRemoved: string[]
  /** Objective, classes, categorical features, trees, parameters, metrics, scores. */
  changes: Change[]
  /** Facts one side lacks (registered before signatures were recorded). */
  notes: string[]
}

function compare(changes: Change[], field: string, from: unknown, to: unknown): void {
  if (JSON.stringify(from) !== JSON.stringify(to)) changes.push({ field, from: from ?? null, to: to ?? null })
}

function compareRecords(
  changes: Change[],
  prefix: string,
  a: Record<string, unknown> = {},
  b: Record<string, unknown> = {},
): void {
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort())
    compare(changes, `${prefix}.${key}`, a[key], b[key])
}

/** The diff of two described versions. */
export function diffVersions(a: ModelDetails, b: ModelDetails): VersionDiff {
  const changes: Change[] = []
  const notes: string[] = []
  const fa = a.signature?.features ?? []
  const fb = b.signature?.features ?? []
  for (const [d, label] of [
    [a, a.model.modelVersion],
    [b, b.model.modelVersion],
  ] as const)
    if (!d.signature)
      notes.push(`${label} has no recorded signature (registered before signatures, or by hand)`)
  if (a.signature && b.signature) {
    compare(changes, 'objective', a.signature.objective, b.signature.objective)
    compare(changes, 'numClass', a.signature.numClass, b.signature.numClass)
    compare(changes, 'featureCount', a.signature.featureCount, b.signature.featureCount)
    compare(changes, 'categoricalFeatures', a.signature.categoricalFeatures, b.signature.categoricalFeatures)
    if (fa.filter((f) => fb.includes(f)).join() !== fb.filter((f) => fa.includes(f)).join())
      changes.push({ field: 'featureOrder', from: fa, to: fb })
  }
  compare(changes, 'numTrees', a.summary?.numTrees, b.summary?.numTrees)
  compareRecords(changes, 'parameters', a.summary?.parameters, b.summary?.parameters)
  compareRecords(changes, 'metrics', a.summary?.metrics, b.summary?.metrics)
  compare(changes, 'validationScore', a.model.validationScore, b.model.validationScore)
  compare(changes, 'testScore', a.model.testScore, b.model.testScore)
  compare(changes, 'targetVariable', a.model.targetVariable, b.model.targetVariable)
  compare(changes, 'predictionHorizon', a.model.predictionHorizon, b.model.predictionHorizon)
  return {
    modelName: a.model.modelName,
    from: a.model.modelVersion,
    to: b.model.modelVersion,
    featuresAdded: a.signature && b.signature ? fb.filter((f) => !fa.includes(f)) : [],
    featuresRemoved: a.signature && b.signature ? fa.filter((f) => !fb.includes(f)) : [],
    changes,
    notes,
  }
}

const show = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value))

/** The text form of a diff. */
export function formatDiff(d: VersionDiff): string {
  const lines = [`${d.modelName}: ${d.from} -> ${d.to}`]
  lines.push(`  features added:   ${d.featuresAdded.join(', ') || '-'}`)
  lines.push(`  features removed: ${d.featuresRemoved.join(', ') || '-'}`)
  if (d.changes.length === 0) lines.push('  no other changes')
  for (const c of d.changes) lines.push(`  ${c.field}: ${show(c.from)} -> ${show(c.to)}`)
  for (const note of d.notes) lines.push(`  note: ${note}`)
  return `${lines.join('\n')}\n`
}

export const diffCommand: Command = async (argv, io) => {
  const parsed = parseRegistryArgs(argv, { json: { type: 'boolean' } }, usage, io)
  if (!parsed) return 0
  if (parsed.positionals.length !== 3) throw new UsageError(`expected NAME V1 V2\n${usage}`)
  const [name, v1, v2] = parsed.positionals
  const diff = await withRegistryOf(parsed.values, io, async (registry) =>
    diffVersions(
      unwrap(await registry.describeModel(name, v1)),
      unwrap(await registry.describeModel(name, v2)),
    ),
  )
  io.stdout(parsed.values.json ? `${JSON.stringify(diff, null, 2)}\n` : formatDiff(diff))
  return 0
}
