// The monitoring commands of `leafwise`: outcome (record realized labels from a CSV), drift
// and report. They read the prediction store on the registry's database (`--database-url`,
// DATABASE_URL, or the embedded registry), through one SqlClient.
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { type ParseArgsConfig, parseArgs } from 'node:util'
import { createPackageCache } from '../ensemble/index.ts'
import {
  type DriftReport,
  driftReport,
  type Outcome,
  type RolloutReport,
  recordOutcomes,
  rolloutReport,
  type TrainingStatsLookup,
} from '../monitor/index.ts'
import { parseDuration, REPORT_SIGNALS } from '../monitor/internal.ts'
import { fileSource } from '../node/index.ts'
import { isMigrated, RegistryError, runMigrations, type SqlClient } from '../registry/index.ts'
import { type CliIO, type Command, UsageError } from './io.ts'
import { formatTable } from './table.ts'

const common = {
  'database-url': { type: 'string' },
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options']

const commonHelp = `  --database-url URL  PostgreSQL server (default: DATABASE_URL; without either, the embedded registry)
  --data-dir DIR      embedded registry directory (default: LEAFWISE_REGISTRY_DIR or .leafwise/registry)`

function parse<O extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: O,
  usage: string,
  io: CliIO,
) {
  try {
    const parsed = parseArgs({
      args: argv,
      options: { ...common, ...options },
      allowPositionals: true,
      strict: true,
    })
    if ((parsed.values as { help?: boolean }).help) {
      io.stdout(`${usage}\n${commonHelp}\n`)
      return undefined
    }
    return parsed
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${usage}`)
  }
}

/** The registry's database as a SqlClient (migrated), chosen as the registry commands choose it. */
export async function openMonitorClient(
  values: { 'database-url'?: string; 'data-dir'?: string },
  io: CliIO,
): Promise<SqlClient> {
  const url = values['database-url'] ?? io.env.DATABASE_URL
  let client: SqlClient
  if (url) {
    const { createPostgresClient } = await import('../registry/postgres.ts')
    client = createPostgresClient({ url })
  } else {
    const dataDir = resolve(
      io.cwd,
      values['data-dir'] ?? io.env.LEAFWISE_REGISTRY_DIR ?? '.leafwise/registry',
    )
    if (!existsSync(join(dataDir, 'PG_VERSION')))
      throw new RegistryError(
        'REGISTRY_NOT_FOUND',
        `no embedded registry at ${dataDir}: check the path, or create one with \`leafwise migrate\``,
      )
    const { createPgliteClient } = await import('../registry/pglite.ts')
    client = createPgliteClient({ dataDir })
  }
  try {
    if (!(await isMigrated(client))) await runMigrations(client)
  } catch (error) {
    await client.close()
    throw new RegistryError(
      'DATABASE_UNAVAILABLE',
      `cannot open the registry database: ${(error as Error).message}`,
    )
  }
  return client
}

async function withClient<T>(
  values: Parameters<typeof openMonitorClient>[0],
  io: CliIO,
  fn: (client: SqlClient) => Promise<T>,
) {
  const client = await openMonitorClient(values, io)
  try {
    return await fn(client)
  } finally {
    await client.close()
  }
}

function since(text: string | undefined, fallback: string): string {
  const value = text ?? fallback
  try {
    parseDuration(value)
  } catch (error) {
    throw new UsageError(`--since: ${(error as Error).message}`)
  }
  return value
}

/** Training statistics from the packages under `modelsRoot` (their normalizer.json). */
function packageStats(modelsRoot: string): TrainingStatsLookup {
  const cache = createPackageCache(fileSource(modelsRoot))
  return async (name, version) => (await cache.get(name, version)).normalizer
}

/**
 * Outcomes of a CSV file: a header naming `key` (or `symbol`), `time` and `actual` columns,
 * then one outcome a line. `actual` is a label (UP, DOWN, NEUTRAL, NOT_UP, BULLISH, BEARISH)
 * or a realized return.
 */
export function parseOutcomeCsv(text: string, file: string): Outcome[] {
  const lines = text.split(/\r?\n/)
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase())
  const keyAt = header.findIndex((h) => h === 'key' || h === 'symbol')
  const timeAt = header.indexOf('time')
  const actualAt = header.indexOf('actual')
  if (keyAt < 0 || timeAt < 0 || actualAt < 0)
    throw new UsageError(
      `${file}:1: expected a header with key (or symbol), time and actual columns, got ${JSON.stringify(lines[0] ?? '')}`,
    )
  const outcomes: Outcome[] = []
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue
    const fields = lines[i].split(',').map((f) => f.trim())
    const where = `${file}:${i + 1}`
    const key = fields[keyAt]
    const time = fields[timeAt]
    const actual = fields[actualAt]
    if (!key) throw new UsageError(`${where}: field ${keyAt + 1} (${header[keyAt]}) is empty`)
    if (!time || Number.isNaN(new Date(/^\d+$/.test(time) ? Number(time) : time).getTime()))
      throw new UsageError(
        `${where}: field ${timeAt + 1} (time): cannot read ${JSON.stringify(time ?? '')} as a time`,
      )
    if (!actual) throw new UsageError(`${where}: field ${actualAt + 1} (actual) is empty`)
    const number = Number(actual)
    outcomes.push({
      key,
      time: /^\d+$/.test(time) ? Number(time) : time,
      actual: /^[-+]?(\d|\.\d)/.test(actual) && Number.isFinite(number) ? number : actual,
    })
  }
  return outcomes
}

export const outcomeCommand: Command = async (argv, io) => {
  const usage = 'usage: leafwise outcome OUTCOMES.csv   (columns key|symbol, time, actual)'
  const parsed = parse(argv, { json: { type: 'boolean' } }, usage, io)
  if (!parsed) return 0
  if (parsed.positionals.length !== 1) throw new UsageError(`expected one CSV file\n${usage}`)
  const path = resolve(io.cwd, parsed.positionals[0])
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new UsageError(`cannot read ${parsed.positionals[0]}: ${(error as Error).message}`)
  }
  const outcomes = parseOutcomeCsv(text, parsed.positionals[0])
  const count = await withClient(parsed.values, io, (client) => recordOutcomes(client, outcomes))
  io.stdout(parsed.values.json ? `${JSON.stringify({ recorded: count })}\n` : `recorded ${count} outcomes\n`)
  return 0
}

const fixed = (x: number | null | undefined, digits = 3) =>
  x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits)

/** The drift report as text. */
export function formatDrift(report: DriftReport): string {
  const out: string[] = [
    `drift of ${report.modelName} since ${report.since} (flag: |z| > ${report.thresholds.zShift}${report.thresholds.psi === null ? '' : ` or PSI > ${report.thresholds.psi}`}, at least ${report.thresholds.minCount} values)`,
  ]
  if (report.versions.length === 0) out.push('no predictions in the window')
  for (const v of report.versions) {
    out.push(
      '',
      `${v.modelName} ${v.modelVersion}: ${v.predictions} predictions, flagged: ${v.flagged.join(', ') || 'none'}`,
    )
    const rows = [...v.features]
      .sort((a, b) => Number(b.flagged) - Number(a.flagged) || b.psi - a.psi)
      .map((f) => [
        f.flagged ? '!' : '',
        f.feature,
        String(f.count),
        fixed(f.trainingMean),
        fixed(f.liveMean),
        fixed(f.zShift, 2),
        fixed(f.spread, 2),
        fixed(f.psi, 3),
      ])
    out.push(formatTable(['', 'feature', 'n', 'train mean', 'live mean', 'z-shift', 'spread', 'PSI'], rows))
  }
  return `${out.join('\n')}\n`
}

/** The roll-out report as text. */
export function formatReport(report: RolloutReport): string {
  const out: string[] = [
    `report of ${report.modelName} since ${report.since}: ${report.analyses} analyses, deployed ${report.deployedVersion ?? '(none)'}`,
  ]
  if (report.versions.length === 0) out.push('no predictions in the window')
  else
    out.push(
      '',
      formatTable(
        [
          'version',
          'status',
          'served',
          'canary',
          'shadow',
          'agree',
          'mean |dP|',
          'live acc',
          'outcomes',
          'validation',
          'p50 ms',
          'p99 ms',
          'drift',
        ],
        report.versions.map((v) => [
          v.modelVersion,
          v.status ?? '-',
          String(v.served),
          String(v.canary),
          String(v.shadowed),
          v.agreement ? `${(v.agreement.rate! * 100).toFixed(1)} %` : '-',
          fixed(v.agreement?.meanAbsProbabilityDiff),
          fixed(v.live?.accuracy),
          String(v.live?.outcomes ?? 0),
          fixed(v.validationScore, 4),
          fixed(v.latencyMs?.p50),
          fixed(v.latencyMs?.p99),
          v.driftFlagged === undefined ? '-' : v.driftFlagged.join(' ') || 'none',
        ]),
      ),
    )
  for (const v of report.versions) {
    if (!v.agreement) continue
    out.push(
      '',
      `${v.modelVersion} against ${report.deployedVersion} (rows: deployed signal, columns: ${v.modelVersion})`,
    )
    out.push(
      formatTable(
        ['', ...REPORT_SIGNALS],
        REPORT_SIGNALS.map((d) => [d, ...REPORT_SIGNALS.map((s) => String(v.agreement!.confusion[d][s]))]),
      ),
    )
  }
  return `${out.join('\n')}\n`
}

export const driftCommand: Command = async (argv, io) => {
  const usage = `usage: leafwise drift NAME [--since 1d] [--z-threshold 0.5] [--psi-threshold X] [--models ROOT] [--json]
  flags a feature whose live mean is more than --z-threshold training std from normalizer.json's mean
  (and, with --psi-threshold, one whose PSI against a normal fit of the training mean and std exceeds X)`
  const parsed = parse(
    argv,
    {
      since: { type: 'string' },
      'z-threshold': { type: 'string' },
      'psi-threshold': { type: 'string' },
      models: { type: 'string' },
      json: { type: 'boolean' },
    },
    usage,
    io,
  )
  if (!parsed) return 0
  if (parsed.positionals.length !== 1) throw new UsageError(`expected a model name\n${usage}`)
  const threshold = (flag: 'z-threshold' | 'psi-threshold') => {
    const text = parsed.values[flag]
    if (text === undefined) return undefined
    const value = Number(text)
    if (!(Number.isFinite(value) && value > 0))
      throw new UsageError(`--${flag} must be a number > 0, got ${JSON.stringify(text)}`)
    return value
  }
  const options = {
    since: since(parsed.values.since, '1d'),
    zThreshold: threshold('z-threshold'),
    psiThreshold: threshold('psi-threshold'),
  }
  const stats = packageStats(resolve(io.cwd, parsed.values.models ?? 'models'))
  const report = await withClient(parsed.values, io, (client) =>
    driftReport(client, parsed.positionals[0], stats, options),
  )
  io.stdout(parsed.values.json ? `${JSON.stringify(report, null, 2)}\n` : formatDrift(report))
  return 0
}

export const reportCommand: Command = async (argv, io) => {
  const usage = 'usage: leafwise report NAME [--since 7d] [--match-within 1d] [--models ROOT] [--json]'
  const parsed = parse(
    argv,
    {
      since: { type: 'string' },
      'match-within': { type: 'string' },
      models: { type: 'string' },
      json: { type: 'boolean' },
    },
    usage,
    io,
  )
  if (!parsed) return 0
  if (parsed.positionals.length !== 1) throw new UsageError(`expected a model name\n${usage}`)
  const window = since(parsed.values.since, '7d')
  const stats = packageStats(resolve(io.cwd, parsed.values.models ?? 'models'))
  const report = await withClient(parsed.values, io, (client) =>
    rolloutReport(client, parsed.positionals[0], {
      since: window,
      matchWithin: parsed.values['match-within'],
      trainingStats: stats,
    }),
  )
  io.stdout(parsed.values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report))
  return 0
}
