// `leafwise demo`: the whole path on the embedded registry, no server needed. It migrates,
// registers the example packages (skipping those already registered, so it can run again),
// verifies them as the guide does, and analyzes sample records through the ensemble.
import { existsSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { featureRecordsFromSamples } from '../node/internal.ts'
import { type ModelStatus, type TierRequirement, unwrap } from '../registry/index.ts'
import {
  columnLegend,
  ensembleRunOptions,
  formatAnalyses,
  formatFailures,
  openCliEnsemble,
  tierOption,
} from './analyze.ts'
import type { Command } from './io.ts'
import { UsageError } from './io.ts'
import { registerPackageFromDir } from './registration.ts'
import { openRegistry } from './registry-options.ts'
import { formatVerifyReport, verifyRegistry } from './verify.ts'

/** The example packages and how the demo registers them (models/README.md, "Registering them"). */
export const DEMO_MODELS: readonly { dir: string; tier: TierRequirement; status: ModelStatus }[] = [
  { dir: 'sentiment-fusion/v1.1.0', tier: 'premium', status: 'deployed' },
  { dir: 'sentiment-fusion/v1.0.0', tier: 'premium', status: 'deprecated' },
  { dir: 'price-prediction/v1.0.0', tier: 'enterprise', status: 'deployed' },
  { dir: 'early-signal/v1.0.0', tier: 'free', status: 'deployed' },
]

/** Symbols the demo analyzes by default (records from the packages' samples.json). */
export const DEMO_SYMBOLS = ['SYN25', 'SYN41', 'SYN11', 'SYN07']

const usage = `usage: leafwise demo [--symbols A,B] [--tier T] [--explain] [--json] [--models ROOT]
                     [--data-dir DIR | --database-url URL] [--log FILE | --no-log]
  Migrates the registry (embedded by default, in .leafwise/registry), registers the example
  packages of models/ (already registered ones are left as they are), verifies them, and
  analyzes sample records of a few symbols through the ensemble.`

const packageRoot = fileURLToPath(new URL('../../', import.meta.url))
const packageModels = join(packageRoot, 'models')

/** A command-line argument, quoted when the shell would split or expand it. */
const shellArg = (text: string) =>
  /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`

export const demoCommand: Command = async (argv, io) => {
  const options = ensembleRunOptions
  let values: ReturnType<typeof parseArgs<{ options: typeof options }>>['values']
  try {
    values = parseArgs({ args: argv, options, strict: true }).values
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${usage}`)
  }
  if (values.help) {
    io.stdout(`${usage}\n`)
    return 0
  }
  const tier = tierOption(values.tier)
  const started = performance.now()
  const given = values.models ? resolve(io.cwd, values.models) : join(io.cwd, 'models')
  const modelsRoot = values.models || existsSync(given) ? given : packageModels
  if (!existsSync(modelsRoot))
    throw new UsageError(`models root ${modelsRoot} does not exist (--models ROOT)`)
  const shown = (path: string) => {
    const rel = relative(io.cwd, path)
    return rel && !rel.startsWith('..') ? rel : path
  }
  const say = (text: string) => {
    if (!values.json) io.stdout(text)
  }

  const where = values['database-url'] ?? io.env.DATABASE_URL
  const dataDir = values['data-dir'] ?? io.env.LEAFWISE_REGISTRY_DIR ?? '.leafwise/registry'
  say(
    `leafwise demo: ${where ? 'PostgreSQL registry' : `embedded registry (PGlite) in ${dataDir}`}, models from ${shown(modelsRoot)}\n\n`,
  )
  const registry = await openRegistry(values, io, { create: true })
  try {
    // 1. Migrate.
    const report = unwrap(await registry.migrate())
    say(
      `1. migrate: ${report.applied.length ? `applied ${report.applied.join(', ')}` : `up to date (${report.alreadyApplied.length} migrations)`}\n`,
    )

    // 2. Register, leaving registered versions alone.
    say('2. register:\n')
    for (const model of DEMO_MODELS) {
      const dir = join(modelsRoot, model.dir)
      if (!existsSync(dir)) {
        say(`   ${model.dir}: not in ${shown(modelsRoot)}, skipped\n`)
        continue
      }
      const [name, version] = model.dir.split('/')
      const existing = await registry.getModel(name, version)
      if (existing.success) {
        say(
          `   ${name} ${version}: already registered (${existing.data.status}, ${existing.data.tierRequirement})\n`,
        )
        continue
      }
      const row = unwrap(
        await registerPackageFromDir(
          registry,
          dir,
          { tierRequirement: model.tier, status: model.status },
          { reason: 'leafwise demo' },
        ),
      )
      say(
        `   ${name} ${version}: registered (${row.status}, ${row.tierRequirement}, validation ${row.validationScore})\n`,
      )
    }

    // 3. Verify, as the guide's "Verification Steps".
    const verify = await verifyRegistry(registry, modelsRoot)
    say(
      `3. verify:\n${formatVerifyReport(verify)
        .trimEnd()
        .split('\n')
        .map((line) => (line ? `   ${line}` : ''))
        .join('\n')}\n`,
    )

    // 4. Analyze sample records through the ensemble.
    const records = featureRecordsFromSamples(modelsRoot)
    const symbols = values.symbols
      ? values.symbols
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : DEMO_SYMBOLS.filter((s) => s in records)
    const unknown = symbols.filter((s) => !Object.hasOwn(records, s))
    if (unknown.length)
      throw new UsageError(
        `no sample record for ${unknown.join(', ')} (known: ${Object.keys(records).join(', ')})`,
      )
    const loadStart = performance.now()
    const { ensemble, log, close } = await openCliEnsemble(
      { ...values, tier, models: modelsRoot },
      io,
      registry,
    )
    try {
      const set = ensemble.current
      say(
        `\n4. ensemble for tier ${tier}: ${set.deployed.length} deployed models vote (${set.deployed.map((m) => m.package.id).join(', ')}), ${set.shadow.length} shadow; loaded in ${Math.round(performance.now() - loadStart)} ms\n`,
      )
      io.stderr(formatFailures(ensemble))
      const analyses = symbols.map((symbol) => ensemble.analyze(records[symbol], { id: symbol }))
      if (values.json) {
        io.stdout(`${JSON.stringify({ verify: { ok: verify.ok }, analyses }, null, 2)}\n`)
        return 0
      }
      say(`\n5. analyze ${symbols.length} symbols:\n\n${formatAnalyses(analyses)}\n${columnLegend()}\n`)
      const mean = analyses.reduce((sum, a) => sum + a.latencyMs, 0) / Math.max(1, analyses.length)
      await log?.flush()
      say(
        `\n${analyses.length} analyses, ${mean.toFixed(2)} ms each on average${log ? `; logged to ${shown(log.path)}` : ''}\n`,
      )
      say(`demo done in ${((performance.now() - started) / 1000).toFixed(1)} s. Next:\n`)
      // Commands that work where the user stands: `npx leafwise`, and the paths the demo used.
      const local = join(io.cwd, 'examples', 'data', 'features.json')
      const features = existsSync(local) ? local : join(packageRoot, 'examples', 'data', 'features.json')
      const where = [
        ...(modelsRoot === join(io.cwd, 'models') ? [] : ['--models', shellArg(shown(modelsRoot))]),
        ...(values['data-dir'] ? ['--data-dir', shellArg(values['data-dir'])] : []),
      ].join(' ')
      const analyze = `npx leafwise analyze --features ${shellArg(shown(features))}${where ? ` ${where}` : ''}`
      say(`  ${analyze} --symbols SYN25 --explain\n`)
      say(`  ${analyze} --tier free\n`)
      say(
        `  npx leafwise console${where ? ` ${where}` : ''}   # then open http://127.0.0.1:3000/console (key demo-operator-key)\n`,
      )
      say('  npx leafwise --help\n')
      return 0
    } finally {
      await close()
    }
  } finally {
    await registry.close()
  }
}
