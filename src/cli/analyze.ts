// `leafwise analyze`: the ensemble's consensus for feature records, from the registry (embedded,
// PostgreSQL, or a static manifest) and the packages under a models root.
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { type Analysis, createEnsemble, DEFAULT_SIGNAL_OPTIONS, type Ensemble } from '../ensemble/index.ts'
import { LeafwiseError } from '../errors.ts'
import { createPredictionStore, type PredictionStore } from '../monitor/index.ts'
import {
  createRowEncoderWorker,
  DEFAULT_PREDICTION_LOG,
  type FilePredictionLog,
  filePredictionLog,
  fileSource,
} from '../node/index.ts'
import type { FeatureRecord } from '../package/index.ts'
import {
  createManifestRegistry,
  createRegistry,
  type ModelRegistry,
  TierRequirement,
} from '../registry/index.ts'
import { renderBars } from './explain.ts'
import { fileError, requireFile } from './files.ts'
import type { CliIO, Command } from './io.ts'
import { UsageError } from './io.ts'
import { openMonitorClient } from './monitor-commands.ts'
import { createProgress } from './progress.ts'
import { openRegistry } from './registry-options.ts'
import { formatTable } from './table.ts'

const usage = `usage: leafwise analyze --features FILE [--symbols A,B] [--tier T] [--explain] [--top K] [--json]
                        [--models ROOT] [--manifest FILE | --database-url URL | --data-dir DIR]
                        [--log FILE | --no-log] [--allow-unknown-features] [--store]
  --features FILE   one record {feature: value}, an array of records, or {"SYMBOL": record, ...}
  --symbols A,B     only these symbols of a {"SYMBOL": record} file
  --tier T          caller tier: free, premium or enterprise (default enterprise: every model)
  --explain         each vote's top features (SHAP); --top K of them (default 5)
  --json            the analysis object(s) the library returns
  --models ROOT     package root (default models)
  --manifest FILE   a static registry manifest (leafwise registry export) instead of a database
  --log FILE        prediction log (default ${DEFAULT_PREDICTION_LOG}); --no-log for none
  --store           also write every analysis to ml_predictions (for leafwise report, drift, outcome);
                    each symbol is its canary routing key
  --allow-unknown-features
                    ignore record keys no model reads (default: an error naming them and the
                    closest feature name, e.g. rsi7 -> rsi_7)
A vote whose model finds more than half of its features missing in the record is marked
'sparse' in the 'missing' column and listed under the table.`

/** A record and its label, read from a features file. */
export interface LabeledRecord {
  id?: string
  record: FeatureRecord
}

function isRecord(value: unknown): value is FeatureRecord {
  return (
    !!value &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => v === null || typeof v === 'number')
  )
}

/** Reads the records of a features file (see `usage`). */
export function readFeatureFile(path: string, symbols?: string[], shown = path): LabeledRecord[] {
  requireFile(path, '--features', shown)
  let data: unknown
  try {
    data = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw (
      fileError(error, path, '--features', 'read', shown) ??
      new LeafwiseError('INVALID_INPUT', `${shown} is not valid JSON: ${(error as Error).message}`)
    )
  }
  let records: LabeledRecord[]
  if (Array.isArray(data)) {
    records = data.map((item, i) => {
      if (isRecord(item)) return { record: item }
      const labeled = item as { id?: unknown; symbol?: unknown; features?: unknown }
      if (labeled && isRecord(labeled.features)) {
        const id = labeled.id ?? labeled.symbol
        return { id: id === undefined ? undefined : String(id), record: labeled.features }
      }
      throw new LeafwiseError('INVALID_INPUT', `${path}: item ${i} is neither a record nor {id, features}`)
    })
  } else if (isRecord(data)) {
    records = [{ record: data }]
  } else if (data && typeof data === 'object') {
    records = Object.entries(data).map(([id, record]) => {
      if (!isRecord(record))
        throw new LeafwiseError('INVALID_INPUT', `${path}: ${id} is not a record {feature: number | null}`)
      return { id, record }
    })
  } else
    throw new LeafwiseError('INVALID_INPUT', `${path}: expected a record, an array or an object of records`)
  if (symbols?.length) {
    const byId = new Map(records.map((r) => [r.id, r]))
    const unknown = symbols.filter((s) => !byId.has(s))
    if (unknown.length) throw new UsageError(`unknown symbol(s) in ${path}: ${unknown.join(', ')}`)
    records = symbols.map((s) => byId.get(s)!)
  }
  if (records.length === 0) throw new LeafwiseError('INVALID_INPUT', `${path} holds no records`)
  return records
}

const fixed = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : String(x))

/** Votes and consensus of analyses as a table for people. */
export function formatAnalyses(analyses: readonly Analysis[]): string {
  const header = [
    'symbol',
    'model',
    'signal',
    'conf',
    'P(bear)',
    'P(neut)',
    'P(bull)',
    'weight',
    'output',
    'missing',
  ]
  const rows: string[][] = []
  analyses.forEach((a, i) => {
    const voteRow = (v: Analysis['votes'][number], shadow: boolean) => [
      '',
      `${v.modelName} ${v.modelVersion}${shadow ? ' (shadow)' : ''}`,
      v.signal,
      fixed(v.confidence),
      fixed(v.probabilities.BEARISH),
      fixed(v.probabilities.NEUTRAL),
      fixed(v.probabilities.BULLISH),
      shadow ? '-' : fixed(v.weight, 4),
      v.prediction.length === 1 ? fixed(v.prediction[0], 4) : v.prediction.map((p) => fixed(p)).join('/'),
      `${v.missingFeatures}${v.sparse ? ' sparse' : ''}`,
    ]
    const c = a.consensus
    const block = [
      ...a.votes.map((v) => voteRow(v, false)),
      ...a.shadowVotes.map((v) => voteRow(v, true)),
      ...a.errors.map((e) => ['', `${e.modelName} ${e.modelVersion}`, 'ERROR', e.message]),
      c
        ? [
            '',
            `=> consensus, score ${c.score}`,
            c.signal,
            fixed(c.confidence),
            fixed(c.probabilities.BEARISH),
            fixed(c.probabilities.NEUTRAL),
            fixed(c.probabilities.BULLISH),
          ]
        : ['', '=> consensus', 'none (no deployed model voted)'],
    ]
    block[0][0] = a.id ?? `#${i + 1}`
    if (i > 0) rows.push([])
    rows.push(...block)
  })
  // Each vote's top features as a bar chart (SHAP, in the model's raw units).
  const explained = analyses.flatMap((a, i) =>
    a.votes
      .filter((v) => v.topFeatures?.length)
      .map((v) =>
        [
          `  ${a.id ?? `#${i + 1}`} ${v.modelName} ${v.modelVersion} (${v.signal}):`,
          ...renderBars(
            v.topFeatures!.map((f) => `${f.feature} = ${f.value === null ? 'missing' : fixed(f.value, 4)}`),
            v.topFeatures!.map((f) => f.contribution),
            { width: 16 },
          ).map((line) => `  ${line}`),
        ].join('\n'),
      ),
  )
  const sparse = analyses.flatMap((a, i) =>
    [...a.votes, ...a.shadowVotes]
      .filter((v) => v.sparse)
      .map(
        (v) =>
          `  ${a.id ?? `#${i + 1}`} ${v.modelName} ${v.modelVersion}: ${v.missingFeatures} of its features are missing in the record; this vote rests on the model's defaults for missing values`,
      ),
  )
  const sparseNote = sparse.length
    ? `\nsparse votes (more than half of the model's features missing):\n${sparse.join('\n')}\n`
    : ''
  return `${formatTable(header, rows)}\n${sparseNote}${explained.length ? `\ntop features (SHAP, raw units):\n${explained.join('\n')}\n` : ''}`
}

/**
 * What the columns of `formatAnalyses` mean, for people meeting the table for the first time
 * (the demo prints it). The regression band figures are the defaults of the signal mapping.
 */
export function columnLegend(): string {
  const band = DEFAULT_SIGNAL_OPTIONS.regressionBand * 100
  const scale = DEFAULT_SIGNAL_OPTIONS.regressionScale * 100
  return [
    'What the columns mean:',
    "  conf      the probability of the vote's signal (its largest of P(bear), P(neut), P(bull))",
    "  weight    the model's weight in the consensus: its validation score from the registry",
    "  output    the model's own output: P(DOWN)/P(NEUTRAL)/P(UP), P(UP) for a binary model, or the",
    '            predicted return for a regression model (0.0500 = +5%)',
    "  missing   how many of the model's features the record lacks ('sparse' when more than half)",
    '  score     round(50 + 50 * (P(bull) - P(bear))) of the consensus: 0 all bearish, 50 balanced,',
    '            100 all bullish; the consensus probabilities are the weight-averaged votes',
    `  A regression vote maps its predicted return r through a neutral band: P(bull) =`,
    `  sigmoid((r - ${band}%) / ${scale}%), P(bear) = sigmoid((-r - ${band}%) / ${scale}%), P(neut) = the rest.`,
    `  So |r| well inside ${band}% is NEUTRAL, and a return well beyond it (r = +5%) shows a`,
    '  confidence of 1.000: how far r lies past the band, not certainty about the market.',
    '  (docs/ensemble.md, "Signals")',
  ].join('\n')
}

/** Options shared by `analyze` and `demo` to build an ensemble from the command line. */
export interface CliEnsembleOptions {
  'database-url'?: string
  'data-dir'?: string
  manifest?: string
  models?: string
  tier?: string
  explain?: boolean
  top?: string
  log?: string
  'no-log'?: boolean
  'allow-unknown-features'?: boolean
  /** Write every analysis to the prediction store (ml_predictions) on the registry's database. */
  store?: boolean
}

/** The tier of `--tier` (default enterprise). */
export function tierOption(value: string | undefined): TierRequirement {
  const tiers = Object.values(TierRequirement)
  if (value === undefined) return 'enterprise'
  if (!tiers.includes(value as TierRequirement))
    throw new UsageError(`--tier must be one of ${tiers.join(', ')}; got ${JSON.stringify(value)}`)
  return value as TierRequirement
}

/** Opens the registry, builds the ensemble and the log the options select; `close` releases all. */
export async function openCliEnsemble(
  values: CliEnsembleOptions,
  io: CliIO,
  registry?: ModelRegistry,
): Promise<{
  ensemble: Ensemble
  log?: FilePredictionLog
  close: () => Promise<void>
}> {
  const modelsRoot = resolve(io.cwd, values.models ?? 'models')
  if (!existsSync(modelsRoot))
    throw new UsageError(`models root ${modelsRoot} does not exist (--models ROOT)`)
  const top = values.top === undefined ? undefined : Number(values.top)
  if (top !== undefined && !(Number.isInteger(top) && top >= 0))
    throw new UsageError(`--top must be a whole number >= 0; got ${JSON.stringify(values.top)}`)
  let reader: Parameters<typeof createEnsemble>[0]['registry'] | undefined
  let store: PredictionStore | undefined
  if (values.store && (registry || values.manifest))
    throw new UsageError(
      values.manifest
        ? '--store needs the registry database, not --manifest'
        : '--store is not available here',
    )
  if (registry) reader = registry
  else if (values.manifest) {
    const path = resolve(io.cwd, values.manifest)
    requireFile(path, '--manifest', values.manifest)
    reader = createManifestRegistry(readFileSync(path, 'utf8'))
  }
  // The log before the registry: a log that cannot be opened fails at once, with nothing to close.
  const log = values['no-log'] ? undefined : openPredictionLog(io, values.log)
  let owned: ModelRegistry | undefined
  if (!reader) {
    try {
      if (values.store) {
        // One client for the registry and the prediction store.
        const client = await openMonitorClient(values, io)
        owned = createRegistry(client)
        // Rows built (and on PostgreSQL written) on a worker thread: the analyses keep this thread.
        const databaseUrl = values['database-url'] ?? io.env.DATABASE_URL
        store = createPredictionStore(client, { encoder: createRowEncoderWorker({ databaseUrl }) })
      } else owned = await openRegistry(values, io)
    } catch (error) {
      await log?.close()
      throw error
    }
    reader = owned
  }
  const progress = createProgress(io)
  progress.update(
    `loading the models of tier ${tierOption(values.tier)} from ${values.models ?? 'models'} ...`,
    true,
  )
  try {
    const ensemble = await createEnsemble({
      registry: reader,
      source: fileSource(modelsRoot),
      tier: tierOption(values.tier),
      explain: values.explain || top !== undefined ? { top: top ?? 5 } : false,
      log,
      allowUnknownFeatures: values['allow-unknown-features'] ?? false,
      onAnalysis: store?.record,
    })
    return {
      ensemble,
      log,
      close: async () => {
        await ensemble.close()
        await log?.close()
        const stats = await store?.close()
        if (stats?.dropped)
          io.stderr(`warning: ${stats.dropped} analyses were not stored: ${stats.lastError ?? ''}\n`)
        await owned?.close()
      },
    }
  } catch (error) {
    await log?.close()
    await store?.close()
    await owned?.close()
    throw error
  } finally {
    progress.clear()
  }
}

/** The prediction log of `--log` (default logs/ml-predictions.log); a path it cannot create is a file error. */
function openPredictionLog(io: CliIO, given: string | undefined): FilePredictionLog {
  const shown = given ?? DEFAULT_PREDICTION_LOG
  const path = resolve(io.cwd, shown)
  try {
    return filePredictionLog(path, {
      onError: (error) =>
        io.stderr(
          `warning: prediction log: ${fileError(error, path, '--log', 'write', shown)?.message ?? `${shown}: ${error.message}`}\n`,
        ),
    })
  } catch (error) {
    throw fileError(error, path, '--log', 'write', shown) ?? error
  }
}

/** The failures of an ensemble's model set, one line each, for stderr. */
export function formatFailures(ensemble: Ensemble): string {
  return ensemble.failures
    .map(
      (f) => `warning: ${f.modelName} ${f.modelVersion} (${f.status}) is left out: ${f.code}: ${f.message}\n`,
    )
    .join('')
}

/** The options `leafwise analyze` shares with `leafwise demo`. */
export const ensembleRunOptions = {
  symbols: { type: 'string' },
  tier: { type: 'string' },
  explain: { type: 'boolean' },
  top: { type: 'string' },
  json: { type: 'boolean' },
  models: { type: 'string' },
  'database-url': { type: 'string' },
  'data-dir': { type: 'string' },
  log: { type: 'string' },
  'no-log': { type: 'boolean' },
  'allow-unknown-features': { type: 'boolean' },
  store: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

export const analyzeCommand: Command = async (argv, io) => {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: false }>>
  const options = {
    ...ensembleRunOptions,
    features: { type: 'string' },
    manifest: { type: 'string' },
  } as const
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: false, strict: true })
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${usage}`)
  }
  const { values } = parsed
  if (values.help) {
    io.stdout(`${usage}\n`)
    return 0
  }
  if (!values.features) throw new UsageError(`--features is required\n${usage}`)
  tierOption(values.tier)
  const symbols = values.symbols
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  const records = readFeatureFile(resolve(io.cwd, values.features), symbols, values.features)
  const { ensemble, close } = await openCliEnsemble(values, io)
  try {
    io.stderr(formatFailures(ensemble))
    const analyses = ensemble.analyzeMany(
      records.map((r) => r.record),
      { ids: records.map((r) => r.id) },
    )
    if (values.json) {
      const out =
        analyses.length === 1 && !symbols?.length && records[0].id === undefined ? analyses[0] : analyses
      io.stdout(`${JSON.stringify(out, null, 2)}\n`)
    } else {
      io.stdout(
        `tier ${ensemble.tier}, generation ${ensemble.generation}: ${ensemble.current.deployed.length} deployed, ${ensemble.current.shadow.length} shadow\n\n`,
      )
      io.stdout(formatAnalyses(analyses))
    }
    return analyses.every((a) => a.errors.length === 0) ? 0 : 1
  } finally {
    await close()
  }
}
