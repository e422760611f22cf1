// `leafwise check [models-root] [--json]`: every package under a models root, loaded,
// validated and cross-checked (the guide's verification steps 1 and 2, plus model.txt
// parsing, the file schemas and the cross-checks). Exit 1 when any package is broken.
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { type DiscoveredPackage, discoverPackages } from '../node/index.ts'
import { type CliIO, type Command, UsageError } from './io.ts'

const help = `usage: leafwise check [models-root] [--json]

Checks every package under models-root (default: ./models), laid out as
{model-name}/{version}/ with model.txt, normalizer.json, metadata.json and the optional
feature_importance.csv and test_evaluation.json: names and versions, files present and
readable, model.txt parsed, every file against its schema, and the files against each
other (normalizer features = model features, metadata = model and version).
  --json   one JSON document instead of the table
Exit status: 0 when every package is valid, 1 when one is broken or none is found.`

/** The JSON form of one package's report. */
function packageJson(pkg: DiscoveredPackage) {
  return {
    id: pkg.id,
    name: pkg.name,
    version: pkg.version,
    path: pkg.path,
    ok: pkg.problems.length === 0,
    files: pkg.files,
    problems: pkg.problems.map((p) => ({
      code: p.code,
      file: p.file ?? null,
      field: p.field ?? null,
      message: p.reason,
    })),
  }
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) =>
    Math.max(...rows.map((row) => (c < row.length - 1 ? row[c].length : 0))),
  )
  return rows
    .map((row) =>
      row
        .map((cell, c) => (c < row.length - 1 ? cell.padEnd(widths[c]) : cell))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

function parseOptions(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
      allowPositionals: true,
      strict: true,
    })
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error))
  }
}

export const checkCommand: Command = async (argv: string[], io: CliIO): Promise<number> => {
  const { values, positionals } = parseOptions(argv)
  if (values.help) {
    io.stdout(`${help}\n`)
    return 0
  }
  if (positionals.length > 1) throw new UsageError('give at most one models root')
  const label = positionals[0] ?? 'models'
  const packages = await discoverPackages(resolve(io.cwd, label), { label })
  const broken = packages.filter((p) => p.problems.length > 0)

  if (values.json) {
    const report = {
      root: label,
      ok: packages.length > 0 && broken.length === 0,
      packages: packages.map(packageJson),
    }
    io.stdout(`${JSON.stringify(report, null, 2)}\n`)
    return report.ok ? 0 : 1
  }

  if (packages.length === 0) {
    io.stdout(`no packages under ${label}: expected {model-name}/{version}/ directories\n`)
    return 1
  }
  const rows = [['PACKAGE', 'STATUS', 'FILE', 'PROBLEM']]
  for (const pkg of packages) {
    if (pkg.problems.length === 0) {
      rows.push([pkg.id, 'ok', '', `${pkg.files.length} files`])
      continue
    }
    pkg.problems.forEach((problem, i) => {
      const field = problem.field ? ` [${problem.field}]` : ''
      rows.push([
        i === 0 ? pkg.id : '',
        i === 0 ? 'BROKEN' : '',
        problem.file ?? '-',
        `${problem.code}${field}: ${problem.reason}`,
      ])
    })
  }
  const summary = `${packages.length} package${packages.length === 1 ? '' : 's'} under ${label}: ${packages.length - broken.length} ok, ${broken.length} broken`
  io.stdout(`${table(rows)}\n\n${summary}\n`)
  return broken.length === 0 ? 0 : 1
}
