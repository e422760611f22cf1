// `leafwise inspect model.txt [--json]`: what a model is, at a glance.
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { Model } from '../lightgbm/index.ts'
import { forestShape } from '../lightgbm/internal.ts'
import { type CliIO, type Command, UsageError } from './io.ts'
import { readModelFile } from './model-file.ts'

/** The facts `inspect` reports. */
export function describeModel(model: Model, bytes: number, seconds: number) {
  const forest = model.forest
  const { maxLeaves, maxDepth, categoricalTrees, linearTrees } = forestShape(forest)
  const info = model.info
  return {
    version: info.version ?? null,
    objective: info.objective.text || 'custom (no objective line)',
    numClass: info.numClass,
    numTreePerIteration: info.numTreePerIteration,
    numIterations: model.numIterations,
    numTrees: model.numTrees,
    totalLeaves: forest.leafValue.length,
    maxLeaves,
    maxDepth,
    numFeatures: model.numFeatures,
    featureNames: model.featureNames,
    categoricalFeatures: info.categoricalFeatures.map((i) => model.featureNames[i]),
    categoricalTrees,
    linearTrees,
    averageOutput: info.averageOutput,
    monotoneConstraints: info.monotoneConstraints ?? null,
    boosting: info.parameters.boosting ?? null,
    pandasCategorical: info.pandasCategoricalText !== undefined && info.pandasCategoricalText !== 'null',
    fileBytes: bytes,
    parseSeconds: Number(seconds.toFixed(4)),
  }
}

export const inspectCommand: Command = async (argv: string[], io: CliIO): Promise<number> => {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
    allowPositionals: true,
  })
  if (values.help) {
    io.stdout('usage: leafwise inspect model.txt [--json]\n')
    return 0
  }
  if (positionals.length !== 1) throw new UsageError('usage: leafwise inspect model.txt [--json]')
  const { model, bytes, seconds } = await readModelFile(resolve(io.cwd, positionals[0]), {
    io,
    shown: positionals[0],
  })
  const facts = describeModel(model, bytes, seconds)
  if (values.json) {
    io.stdout(`${JSON.stringify(facts, null, 2)}\n`)
    return 0
  }
  const names = facts.featureNames
  const shownNames =
    names.length > 12 ? `${names.slice(0, 12).join(', ')}, ... (${names.length} in all)` : names.join(', ')
  const rows: [string, string][] = [
    [
      'file',
      `${positionals[0]} (${(bytes / 1e6).toFixed(2)} MB, parsed in ${(seconds * 1000).toFixed(1)} ms)`,
    ],
    ['format', facts.version ?? '(no version line)'],
    ['objective', facts.objective],
    [
      'classes',
      `${facts.numClass} (${facts.numTreePerIteration} tree${facts.numTreePerIteration > 1 ? 's' : ''} per iteration)`,
    ],
    [
      'trees',
      `${facts.numTrees} (${facts.numIterations} iterations)${facts.boosting ? `, boosting ${facts.boosting}` : ''}`,
    ],
    ['leaves', `${facts.totalLeaves} in all, at most ${facts.maxLeaves} per tree`],
    ['depth', `at most ${facts.maxDepth}`],
    ['features', `${facts.numFeatures}: ${shownNames}`],
    [
      'categorical',
      facts.categoricalFeatures.length
        ? `${facts.categoricalFeatures.join(', ')} (${facts.categoricalTrees} trees split on them)`
        : 'no',
    ],
    ['linear trees', facts.linearTrees ? `${facts.linearTrees}` : 'no'],
    ['average_output', facts.averageOutput ? 'yes (random forest)' : 'no'],
  ]
  if (facts.monotoneConstraints) rows.push(['monotone', facts.monotoneConstraints.join(' ')])
  if (facts.pandasCategorical) rows.push(['pandas categories', 'yes'])
  const width = Math.max(...rows.map(([k]) => k.length))
  io.stdout(`${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`)
  return 0
}
