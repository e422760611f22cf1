// The registry commands of `leafwise`: migrate, register, list, status, promote, rollback,
// history, verify and `registry export`. `--database-url` (or DATABASE_URL) selects a
// PostgreSQL server; without it the embedded PGlite registry in .leafwise/registry is used.
import { createHash } from 'node:crypto'
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { basename, dirname, join, relative, resolve, sep } from 'node:path'
import { type ParseArgsConfig, parseArgs } from 'node:util'
import {
  buildManifest,
  type ModelRecord,
  type ModelRegistry,
  ModelStatus,
  PredictionHorizon,
  type RegisterModelInput,
  RegistryError,
  type RegistryResult,
  TierRequirement,
  unwrap,
  validateModelName,
  validateModelVersion,
} from '../registry/index.ts'
import { changedFiles } from './integrity.ts'
import type { CliIO, Command } from './io.ts'
import { UsageError } from './io.ts'
import { packageFacts, storePackage } from './package-facts.ts'
import { modelRefArgs, resolveRefVersion } from './registry-cli.ts'
import { describeEvent } from './show.ts'
import { parseTagArgs } from './tag.ts'

const connectionOptions = {
  'database-url': { type: 'string' },
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options']

const connectionHelp = `  --database-url URL  PostgreSQL server (default: DATABASE_URL; without either, the embedded registry)
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
      options: { ...connectionOptions, ...options },
      allowPositionals: true,
      strict: true,
    })
    if ((parsed.values as { help?: boolean }).help) {
      io.stdout(`${usage}\n${connectionHelp}\n`)
      return undefined
    }
    return parsed
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${usage}`)
  }
}

/**
 * Opens the registry the options and environment select. The embedded one migrates itself
 * on first use; only `create` (migrate, demo) makes a new embedded registry, so a mistyped
 * `--data-dir` fails instead of answering from an empty one.
 */
export async function openRegistry(
  values: { 'database-url'?: string; 'data-dir'?: string },
  io: CliIO,
  { create = false, requireApproval = false }: { create?: boolean; requireApproval?: boolean } = {},
): Promise<ModelRegistry> {
  const actor = `leafwise-cli${io.env.USER ? `:${io.env.USER}` : ''}`
  // The approval policy: --require-approval, or LEAFWISE_REQUIRE_APPROVAL=1 for every command.
  const policy = { requireApproval: requireApproval || io.env.LEAFWISE_REQUIRE_APPROVAL === '1' }
  const url = values['database-url'] ?? io.env.DATABASE_URL
  if (url) {
    const { createPostgresRegistry } = await import('../registry/postgres.ts')
    return createPostgresRegistry({ url, actor, ...policy })
  }
  const given = values['data-dir'] ?? io.env.LEAFWISE_REGISTRY_DIR ?? '.leafwise/registry'
  const dataDir = resolve(io.cwd, given)
  if (!create && !existsSync(join(dataDir, 'PG_VERSION'))) {
    throw new RegistryError(
      'REGISTRY_NOT_FOUND',
      `no embedded registry at ${displayPath(io.cwd, dataDir)}: check the path${values['data-dir'] ? ' given to --data-dir' : ''}, or create one with \`leafwise migrate${values['data-dir'] ? ` --data-dir ${given}` : ''}\` (\`npm run demo\` creates and fills one)`,
    )
  }
  mkdirSync(dataDir, { recursive: true })
  const { createPgliteRegistry } = await import('../registry/pglite.ts')
  return createPgliteRegistry({ dataDir, actor, ...policy })
}

async function withRegistry<T>(
  values: { 'database-url'?: string; 'data-dir'?: string },
  io: CliIO,
  fn: (registry: ModelRegistry) => Promise<T>,
  options: { create?: boolean; requireApproval?: boolean } = {},
): Promise<T> {
  const registry = await openRegistry(values, io, options)
  try {
    return await fn(registry)
  } finally {
    await registry.close()
  }
}

function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  flag: string,
): T | undefined {
  if (value === undefined) return undefined
  if (!allowed.includes(value as T))
    throw new UsageError(`${flag} must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}`)
  return value as T
}

const statuses = Object.values(ModelStatus)
const tiers = Object.values(TierRequirement)

function readJson(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new RegistryError('INVALID_INPUT', `cannot read ${path}: ${(error as Error).message}`)
  }
}

/** Overrides for what metadata.json does not say. */
export interface PackageRegistrationOverrides {
  targetVariable?: string
  predictionHorizon?: string
  tierRequirement?: TierRequirement
  status?: ModelStatus
}

/**
 * The registration of the package in `dir` (`models/<name>/<version>`), from its
 * metadata.json and test_evaluation.json: model_type `lightgbm`; objective
 * multiclass/binary -> direction_classification, regression -> price_prediction;
 * validation score from performance.validation_accuracy; test score from test_accuracy or
 * test_directional_accuracy; target variable and horizon from metadata extras or overrides.
 */
export function packageRegistration(
  dir: string,
  overrides: PackageRegistrationOverrides = {},
): RegisterModelInput {
  const modelVersion = basename(dir)
  const modelName = basename(dirname(dir))
  const metadataPath = join(dir, 'metadata.json')
  if (!existsSync(metadataPath))
    throw new RegistryError(
      'INVALID_INPUT',
      `${metadataPath} does not exist: expected models/<name>/<version>/metadata.json`,
    )
  const metadata = readJson(metadataPath)
  if (metadata.model_version !== undefined && metadata.model_version !== modelVersion) {
    throw new RegistryError(
      'INVALID_INPUT',
      `${metadataPath}: model_version is ${JSON.stringify(metadata.model_version)} but the directory is ${modelVersion}`,
    )
  }
  const lightgbmObjective = String(metadata.objective ?? '')
  const objective = /^(regression|huber|fair|poisson|quantile|mape|gamma|tweedie|l1|l2)/.test(
    lightgbmObjective,
  )
    ? 'price_prediction'
    : /^(binary|multiclass|multiclassova|softmax|ova|cross_entropy|xentropy)/.test(lightgbmObjective)
      ? 'direction_classification'
      : undefined
  if (!objective)
    throw new RegistryError(
      'INVALID_INPUT',
      `${metadataPath}: objective ${JSON.stringify(lightgbmObjective)} maps to no registry objective`,
    )
  const evaluationPath = join(dir, 'test_evaluation.json')
  const evaluation = existsSync(evaluationPath) ? readJson(evaluationPath) : {}
  const testScore = evaluation.test_accuracy ?? evaluation.test_directional_accuracy
  const performance = (metadata.performance ?? {}) as Record<string, unknown>
  const targetVariable = overrides.targetVariable ?? (metadata.target_variable as string | undefined)
  const predictionHorizon = overrides.predictionHorizon ?? (metadata.prediction_horizon as string | undefined)
  if (!targetVariable) throw new UsageError(`${metadataPath} has no target_variable: pass --target-variable`)
  if (!predictionHorizon) throw new UsageError(`${metadataPath} has no prediction_horizon: pass --horizon`)
  return {
    modelName,
    modelVersion,
    modelType: 'lightgbm',
    objective,
    targetVariable,
    predictionHorizon: predictionHorizon as RegisterModelInput['predictionHorizon'],
    validationScore:
      typeof performance.validation_accuracy === 'number' ? performance.validation_accuracy : null,
    testScore: typeof testScore === 'number' ? testScore : null,
    ...(overrides.tierRequirement ? { tierRequirement: overrides.tierRequirement } : {}),
    ...(overrides.status ? { status: overrides.status } : {}),
  }
}

/** Registers the package in `dir` (see `packageRegistration`). */
export function registerPackageFromDir(
  registry: ModelRegistry,
  dir: string,
  overrides: PackageRegistrationOverrides = {},
  options: { upsert?: boolean; reason?: string } = {},
): Promise<RegistryResult<ModelRecord>> {
  return registry.registerModel(packageRegistration(dir, overrides), options)
}

/** Formats rows as an aligned text table. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (c ?? '').padEnd(widths[i]))
      .join('  ')
      .trimEnd()
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

const score = (value: number | null) => (value === null ? '-' : value.toFixed(4))

function modelRows(models: ModelRecord[]): string[][] {
  return models.map((m) => [
    m.modelName,
    m.modelVersion,
    m.status,
    m.tierRequirement,
    m.objective,
    m.targetVariable,
    m.predictionHorizon,
    score(m.validationScore),
    score(m.testScore),
  ])
}

const modelHeader = [
  'name',
  'version',
  'status',
  'tier',
  'objective',
  'target',
  'horizon',
  'validation',
  'test',
]

function printModel(io: CliIO, model: ModelRecord, json: boolean | undefined): void {
  io.stdout(
    json ? `${JSON.stringify(model, null, 2)}\n` : `${formatTable(modelHeader, modelRows([model]))}\n`,
  )
}

export const migrateCommand: Command = async (argv, io) => {
  const parsed = parse(argv, { json: { type: 'boolean' } }, 'usage: leafwise migrate [--json]', io)
  if (!parsed) return 0
  const report = await withRegistry(parsed.values, io, async (registry) => unwrap(await registry.migrate()), {
    create: true,
  })
  if (parsed.values.json) io.stdout(`${JSON.stringify(report)}\n`)
  else if (report.applied.length === 0)
    io.stdout(`up to date (${report.alreadyApplied.length} migrations applied)\n`)
  else io.stdout(`applied ${report.applied.join(', ')}\n`)
  return 0
}

export const registerCommand: Command = async (argv, io) => {
  const usage =
    'usage: leafwise register models/<name>/<version> [--target-variable V] [--horizon H] [--tier T] [--status S] [--upsert] [--store] [--reason TEXT] [--json]'
  const parsed = parse(
    argv,
    {
      'target-variable': { type: 'string' },
      horizon: { type: 'string' },
      tier: { type: 'string' },
      status: { type: 'string' },
      upsert: { type: 'boolean' },
      store: { type: 'boolean' },
      reason: { type: 'string' },
      json: { type: 'boolean' },
    },
    usage,
    io,
  )
  if (!parsed) return 0
  if (parsed.positionals.length !== 1) throw new UsageError(`expected one package directory\n${usage}`)
  const { values } = parsed
  const dir = resolve(io.cwd, parsed.positionals[0])
  const input = packageRegistration(dir, {
    targetVariable: values['target-variable'],
    predictionHorizon: oneOf(values.horizon, PredictionHorizon, '--horizon'),
    tierRequirement: oneOf(values.tier, tiers, '--tier'),
    status: oneOf(values.status, statuses, '--status'),
  })
  // File hashes, lineage and signature (package-facts.ts); --store uploads the files too.
  const facts = await packageFacts(dir)
  const model = await withRegistry(values, io, async (registry) => {
    const row = unwrap(
      await registry.registerModel(input, { upsert: values.upsert, reason: values.reason, ...facts }),
    )
    if (values.store) await storePackage(registry, dir, row.modelName, row.modelVersion, facts.files)
    return row
  })
  if (!values.json)
    io.stdout(
      `registered ${model.modelName} ${model.modelVersion} (${model.status}, ${model.tierRequirement})${values.store ? `; ${facts.files.length} files stored in the registry` : ''}\n`,
    )
  else printModel(io, model, true)
  return 0
}

export const listCommand: Command = async (argv, io) => {
  const usage =
    'usage: leafwise list [--status S] [--tier T] [--name NAME] [--tag KEY=VALUE ...] [--alias ALIAS] [--json]'
  const parsed = parse(
    argv,
    {
      status: { type: 'string' },
      tier: { type: 'string' },
      name: { type: 'string' },
      tag: { type: 'string', multiple: true },
      alias: { type: 'string' },
      json: { type: 'boolean' },
    },
    usage,
    io,
  )
  if (!parsed) return 0
  const { values } = parsed
  const filters = {
    status: oneOf(values.status, statuses, '--status'),
    tier: oneOf(values.tier, tiers, '--tier'),
    modelName: values.name,
    ...(values.tag ? { tags: parseTagArgs(values.tag) } : {}),
    ...(values.alias ? { alias: values.alias } : {}),
  }
  const models = await withRegistry(values, io, async (registry) =>
    unwrap(await registry.listModels(filters)),
  )
  if (values.json) io.stdout(`${JSON.stringify(models, null, 2)}\n`)
  else if (models.length === 0) io.stdout('no models registered\n')
  else io.stdout(`${formatTable(modelHeader, modelRows(models))}\n`)
  return 0
}

export const statusCommand: Command = async (argv, io) => {
  const usage = `usage: leafwise status <name> <version>|<name@alias> <${statuses.join('|')}> [--reason TEXT] [--json]`
  const parsed = parse(argv, { reason: { type: 'string' }, json: { type: 'boolean' } }, usage, io)
  if (!parsed) return 0
  const { name, ref, rest } = modelRefArgs(parsed.positionals, usage, { restCount: 1 })
  const target = oneOf(rest[0], statuses, 'status')!
  const model = await withRegistry(parsed.values, io, async (registry) => {
    const version = await resolveRefVersion(registry, name, ref!)
    return unwrap(await registry.updateStatus(name, version, target, { reason: parsed.values.reason }))
  })
  if (parsed.values.json) printModel(io, model, true)
  else io.stdout(`${model.modelName} ${model.modelVersion} is ${model.status}\n`)
  return 0
}

export const promoteCommand: Command = async (argv, io) => {
  const usage =
    'usage: leafwise promote <name> <version>|<name@alias> [--require-approval] [--reason TEXT] [--json]'
  const parsed = parse(
    argv,
    { reason: { type: 'string' }, json: { type: 'boolean' }, 'require-approval': { type: 'boolean' } },
    usage,
    io,
  )
  if (!parsed) return 0
  const { name, ref } = modelRefArgs(parsed.positionals, usage, { restCount: 0 })
  const model = await withRegistry(
    parsed.values,
    io,
    async (registry) => {
      const version = await resolveRefVersion(registry, name, ref!)
      return unwrap(await registry.promote(name, version, { reason: parsed.values.reason }))
    },
    { requireApproval: parsed.values['require-approval'] },
  )
  if (parsed.values.json) printModel(io, model, true)
  else
    io.stdout(
      `${model.modelName} ${model.modelVersion} is deployed; other deployed versions of ${name} are deprecated\n`,
    )
  return 0
}

export const rollbackCommand: Command = async (argv, io) => {
  const usage = 'usage: leafwise rollback <name> [--reason TEXT] [--json]'
  const parsed = parse(argv, { reason: { type: 'string' }, json: { type: 'boolean' } }, usage, io)
  if (!parsed) return 0
  if (parsed.positionals.length !== 1) throw new UsageError(`expected a model name\n${usage}`)
  const model = await withRegistry(parsed.values, io, async (registry) =>
    unwrap(await registry.rollback(parsed.positionals[0], { reason: parsed.values.reason })),
  )
  if (parsed.values.json) printModel(io, model, true)
  else io.stdout(`rolled back: ${model.modelName} ${model.modelVersion} is deployed again\n`)
  return 0
}

export const historyCommand: Command = async (argv, io) => {
  const usage = 'usage: leafwise history <name> [version|<name@alias>] [--json]'
  const parsed = parse(argv, { json: { type: 'boolean' } }, usage, io)
  if (!parsed) return 0
  if (parsed.positionals.length < 1 || parsed.positionals.length > 2)
    throw new UsageError(`expected a model name\n${usage}`)
  const { name, ref } = modelRefArgs(parsed.positionals, usage, { optional: true })
  let version: string | undefined
  const events = await withRegistry(parsed.values, io, async (registry) => {
    version = ref === undefined ? undefined : await resolveRefVersion(registry, name, ref)
    return unwrap(await registry.history(name, version))
  })
  if (parsed.values.json) io.stdout(`${JSON.stringify(events, null, 2)}\n`)
  else if (events.length === 0) io.stdout(`no history for ${name}${version ? ` ${version}` : ''}\n`)
  else {
    const rows = events.map((e) => [
      e.createdAt.toISOString(),
      e.modelVersion,
      e.eventType === 'status' || e.eventType === 'registered' ? (e.fromStatus ?? '(new)') : e.eventType,
      e.eventType === 'status' || e.eventType === 'registered' ? (e.toStatus ?? '-') : describeEvent(e),
      e.actor,
      e.reason ?? '',
    ])
    io.stdout(`${formatTable(['time', 'version', 'from', 'to', 'actor', 'reason'], rows)}\n`)
  }
  return 0
}

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
  writeFileSync(out, `${JSON.stringify(manifest, null, 2)}\n`)
  io.stdout(`wrote ${manifest.models.length} models (${tier} tier) to ${displayPath(io.cwd, out)}\n`)
  return 0
}

// ---- verify: the guide's "Verification Steps" and "Common Issues" ----

/** Outcome of one verification step. */
export interface StepResult {
  step: number
  name: string
  status: 'pass' | 'fail' | 'skip'
  detail: string
}

/** A common issue found across the models root and the registry. */
export interface Finding {
  issue:
    | 'rows-without-files'
    | 'directories-without-rows'
    | 'wrong-status'
    | 'invalid-normalizer'
    | 'same-output'
    | 'changed-files'
  guideIssue: number
  modelName: string
  modelVersion: string
  message: string
}

/** The verification report (`leafwise verify --json`). */
export interface VerifyReport {
  modelsRoot: string
  models: { modelName: string; modelVersion: string; status: string; steps: StepResult[] }[]
  findings: Finding[]
  ok: boolean
}

type PackagePredictionCheck = (
  modelsRoot: string,
  name: string,
  version: string,
) => Promise<
  { ok?: boolean; message?: string; detail?: string; outputs?: unknown; fingerprint?: string } | undefined
>

async function loadPredictionCheck(): Promise<PackagePredictionCheck | undefined> {
  // Provided by the node layer; looked up at run time so the registry commands work before it exists.
  const specifier = '../node/verify-package.ts'
  try {
    const module = (await import(specifier)) as { checkPackagePrediction?: PackagePredictionCheck }
    return module.checkPackagePrediction
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return undefined
    throw error
  }
}

const requiredFiles = ['model.txt', 'normalizer.json', 'metadata.json']
const optionalFiles = ['feature_importance.csv', 'test_evaluation.json']

/** The guide's Issue 4 check: `{feature: {mean, std}}` with finite numbers and std > 0. */
export function normalizerProblem(path: string): string | undefined {
  let data: unknown
  try {
    data = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    return `normalizer.json is not valid JSON: ${(error as Error).message}`
  }
  if (!data || typeof data !== 'object' || Array.isArray(data))
    return 'normalizer.json must be an object {feature: {mean, std}}'
  const entries = Object.entries(data as Record<string, unknown>)
  if (entries.length === 0) return 'normalizer.json has no features'
  for (const [feature, params] of entries) {
    const { mean, std } = (params ?? {}) as { mean?: unknown; std?: unknown }
    if (typeof mean !== 'number' || !Number.isFinite(mean))
      return `Invalid normalizer format for feature '${feature}': mean must be a finite number`
    if (typeof std !== 'number' || !Number.isFinite(std) || std <= 0) {
      return `Invalid normalizer format for feature '${feature}': std must be a finite number > 0, got ${JSON.stringify(std)}`
    }
  }
  return undefined
}

function listPackageDirs(modelsRoot: string): { name: string; version: string }[] {
  if (!existsSync(modelsRoot)) return []
  const found: { name: string; version: string }[] = []
  for (const name of readdirSync(modelsRoot)) {
    const nameDir = join(modelsRoot, name)
    if (!statSync(nameDir).isDirectory()) continue
    for (const version of readdirSync(nameDir)) {
      const dir = join(nameDir, version)
      if (statSync(dir).isDirectory() && existsSync(join(dir, 'model.txt'))) found.push({ name, version })
    }
  }
  return found
}

/** Runs the guide's five verification steps on every registered model and looks for its five common issues. */
export async function verifyRegistry(registry: ModelRegistry, modelsRoot: string): Promise<VerifyReport> {
  const rows = unwrap(await registry.listModels())
  const predictionCheck = await loadPredictionCheck()
  const findings: Finding[] = []
  const models: VerifyReport['models'] = []
  const modelHashes = new Map<string, string>()
  const outputFingerprints = new Map<string, string>()
  const rootReal = existsSync(modelsRoot) ? realpathSync(modelsRoot) : modelsRoot

  for (const row of rows) {
    const steps: StepResult[] = []
    const dir = join(modelsRoot, row.modelName, row.modelVersion)
    const add = (step: number, name: string, status: StepResult['status'], detail: string) =>
      steps.push({ step, name, status, detail })
    const id = `${row.modelName} ${row.modelVersion}`

    // A row whose name or version breaks the naming rules (a hand-edited or hostile
    // database) could point anywhere ('../..'): no path is built from it, nothing is read.
    const rowProblem =
      validateModelName(row.modelName) ??
      validateModelVersion(row.modelVersion) ??
      (existsSync(dir) && !realpathSync(dir).startsWith(rootReal + sep)
        ? `${dir} resolves outside ${modelsRoot} (${realpathSync(dir)})`
        : undefined)
    if (rowProblem) {
      add(1, 'directory', 'fail', `no path is built from this row: ${rowProblem}`)
      add(2, 'readable files', 'skip', 'no directory')
      add(3, 'registration', 'fail', `the row breaks the naming rules: ${rowProblem}`)
      add(4, 'path resolution', 'fail', rowProblem)
      add(5, 'test prediction', 'skip', 'no package')
      findings.push({
        issue: 'rows-without-files',
        guideIssue: 2,
        modelName: row.modelName,
        modelVersion: row.modelVersion,
        message: `Failed to load model: the registered name ${JSON.stringify(row.modelName)} / version ${JSON.stringify(row.modelVersion)} breaks the naming rules (${rowProblem})`,
      })
      models.push({ modelName: row.modelName, modelVersion: row.modelVersion, status: row.status, steps })
      continue
    }

    // 1. Directory structure
    const missing = requiredFiles.filter((file) => !existsSync(join(dir, file)))
    const dirExists = existsSync(dir)
    if (!dirExists || missing.length > 0) {
      add(
        1,
        'directory',
        'fail',
        dirExists ? `missing ${missing.join(', ')} in ${dir}` : `${dir} does not exist`,
      )
      findings.push({
        issue: 'rows-without-files',
        guideIssue: 2,
        modelName: row.modelName,
        modelVersion: row.modelVersion,
        message: `Failed to load model: ${relative(process.cwd(), join(dir, missing[0] ?? 'model.txt'))} not found (registered ${row.status}, but its package is ${dirExists ? 'incomplete' : 'missing'})`,
      })
    } else add(1, 'directory', 'pass', `${requiredFiles.join(', ')} present`)

    // 2. File permissions: every file present must be readable and not empty.
    const unreadable: string[] = []
    for (const file of [...requiredFiles, ...optionalFiles]) {
      const path = join(dir, file)
      if (!existsSync(path)) continue
      try {
        accessSync(path, constants.R_OK)
        if (statSync(path).size === 0) unreadable.push(`${file} (empty)`)
      } catch {
        unreadable.push(`${file} (not readable)`)
      }
    }
    if (!dirExists) add(2, 'readable files', 'skip', 'no directory')
    else if (unreadable.length > 0)
      add(2, 'readable files', 'fail', `${unreadable.join(', ')}: chmod 644 ${dir}/*`)
    else add(2, 'readable files', 'pass', 'all files readable')

    // 3. Database registration: the row, and a status the ensemble uses.
    const statusNote =
      row.status === 'deployed'
        ? 'votes in the ensemble'
        : row.status === 'shadow'
          ? 'runs in shadow, does not vote'
          : 'not used by the ensemble'
    add(3, 'registration', 'pass', `1 row, status ${row.status} (${statusNote})`)

    // 4. Path resolution: the path is built from the row and stays under the models root.
    const nameProblem = validateModelName(row.modelName) ?? validateModelVersion(row.modelVersion)
    const modelPath = join(dir, 'model.txt')
    if (nameProblem) add(4, 'path resolution', 'fail', nameProblem)
    else if (!existsSync(modelPath)) add(4, 'path resolution', 'fail', `${modelPath} not found`)
    else {
      const real = realpathSync(modelPath)
      const metadata = existsSync(join(dir, 'metadata.json'))
        ? safeJson(join(dir, 'metadata.json'))
        : undefined
      if (!real.startsWith(rootReal + sep))
        add(4, 'path resolution', 'fail', `${modelPath} resolves outside ${modelsRoot} (${real})`)
      else if (
        metadata &&
        metadata.model_version !== undefined &&
        metadata.model_version !== row.modelVersion
      ) {
        add(
          4,
          'path resolution',
          'fail',
          `metadata.json says model_version ${metadata.model_version}, the row says ${row.modelVersion}`,
        )
      } else add(4, 'path resolution', 'pass', relative(rootReal, real))
      modelHashes.set(id, createHash('sha256').update(readFileSync(real)).digest('hex'))
    }

    // Integrity: files changed since registration (their sha256 is recorded; integrity.ts).
    for (const file of await changedFiles(registry, row.modelName, row.modelVersion, dir))
      findings.push({
        issue: 'changed-files',
        guideIssue: 5,
        modelName: row.modelName,
        modelVersion: row.modelVersion,
        message: `${relative(process.cwd(), join(dir, file.path))} ${file.actual === null ? 'is gone' : `changed since registration (sha256 ${file.actual}, registered ${file.expected})`}: restore it or register the package again with --upsert`,
      })

    const normalizerPath = join(dir, 'normalizer.json')
    if (existsSync(normalizerPath)) {
      const problem = normalizerProblem(normalizerPath)
      if (problem)
        findings.push({
          issue: 'invalid-normalizer',
          guideIssue: 4,
          modelName: row.modelName,
          modelVersion: row.modelVersion,
          message: problem,
        })
    }

    // 5. Test prediction on the package's samples (needs the package loader).
    if (!predictionCheck) add(5, 'test prediction', 'skip', 'skipped: package loader unavailable')
    else if (steps[0].status === 'fail') add(5, 'test prediction', 'skip', 'no package')
    else {
      try {
        const outcome = (await predictionCheck(modelsRoot, row.modelName, row.modelVersion)) ?? {}
        const detail = outcome.message ?? outcome.detail ?? ''
        add(
          5,
          'test prediction',
          outcome.ok === false ? 'fail' : 'pass',
          detail || 'predictions match samples.json',
        )
        const fingerprint =
          outcome.fingerprint ?? (outcome.outputs !== undefined ? JSON.stringify(outcome.outputs) : undefined)
        if (fingerprint) outputFingerprints.set(id, fingerprint)
        if (
          outcome.ok === false &&
          /normali[sz]er/i.test(detail) &&
          !findings.some((f) => f.issue === 'invalid-normalizer' && `${f.modelName} ${f.modelVersion}` === id)
        ) {
          findings.push({
            issue: 'invalid-normalizer',
            guideIssue: 4,
            modelName: row.modelName,
            modelVersion: row.modelVersion,
            message: detail,
          })
        }
      } catch (error) {
        const message = (error as Error).message
        add(5, 'test prediction', 'fail', message)
        if (/normali[sz]er/i.test(message)) {
          findings.push({
            issue: 'invalid-normalizer',
            guideIssue: 4,
            modelName: row.modelName,
            modelVersion: row.modelVersion,
            message,
          })
        }
      }
    }
    models.push({ modelName: row.modelName, modelVersion: row.modelVersion, status: row.status, steps })
  }

  // Issue 1: directories with no row, and names with no deployed version.
  const registered = new Set(rows.map((r) => `${r.modelName} ${r.modelVersion}`))
  for (const { name, version } of listPackageDirs(modelsRoot)) {
    if (!registered.has(`${name} ${version}`)) {
      findings.push({
        issue: 'directories-without-rows',
        guideIssue: 1,
        modelName: name,
        modelVersion: version,
        message: `Model not found: ${name} ${version} has a package but no ml_models row: leafwise register ${relative(process.cwd(), join(modelsRoot, name, version))}`,
      })
    }
  }
  const names = [...new Set(rows.map((r) => r.modelName))]
  for (const name of names) {
    const versions = rows.filter((r) => r.modelName === name)
    if (!versions.some((r) => r.status === 'deployed')) {
      const latest = versions.at(-1)!
      findings.push({
        issue: 'wrong-status',
        guideIssue: 1,
        modelName: name,
        modelVersion: latest.modelVersion,
        message: `no version of ${name} is deployed (${versions.map((r) => `${r.modelVersion} ${r.status}`).join(', ')}): the ensemble reports "Model not found"; leafwise promote ${name} <version>`,
      })
    }
  }

  // Issue 5: models that give the same output (same model.txt bytes, or identical predictions).
  for (const [label, map] of [
    ['the same model.txt', modelHashes],
    ['identical predictions', outputFingerprints],
  ] as const) {
    const groups = new Map<string, string[]>()
    for (const [id, hash] of map) groups.set(hash, [...(groups.get(hash) ?? []), id])
    for (const ids of groups.values()) {
      if (ids.length < 2) continue
      const [modelName, modelVersion] = ids[0].split(' ')
      findings.push({
        issue: 'same-output',
        guideIssue: 5,
        modelName,
        modelVersion,
        message: `${ids.join(', ')} have ${label}: they will all give the same output (one file loaded for several models?)`,
      })
    }
  }

  const ok = findings.length === 0 && models.every((m) => m.steps.every((s) => s.status !== 'fail'))
  return { modelsRoot, models, findings, ok }
}

function safeJson(path: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8'))
  } catch {
    return undefined
  }
}

const mark = { pass: 'ok', fail: 'FAIL', skip: 'skip' } as const

/** The report as text for people. */
export function formatVerifyReport(report: VerifyReport): string {
  const lines: string[] = []
  if (report.models.length === 0) lines.push('no models registered')
  else {
    const header = [
      'name',
      'version',
      'status',
      '1 directory',
      '2 readable',
      '3 registered',
      '4 path',
      '5 prediction',
    ]
    lines.push(
      formatTable(
        header,
        report.models.map((m) => [
          m.modelName,
          m.modelVersion,
          m.status,
          ...m.steps.map((s) => mark[s.status]),
        ]),
      ),
    )
    const details = report.models.flatMap((m) =>
      m.steps
        .filter((s) => s.status !== 'pass')
        .map((s) => `  ${m.modelName} ${m.modelVersion} step ${s.step} (${s.name}): ${s.detail}`),
    )
    if (details.length > 0) lines.push('', ...details)
  }
  lines.push('')
  if (report.findings.length === 0) lines.push('common issues: none found')
  else {
    lines.push(`common issues (${report.findings.length}):`)
    for (const f of report.findings) lines.push(`  [guide issue ${f.guideIssue}, ${f.issue}] ${f.message}`)
  }
  lines.push('', report.ok ? 'verify: OK' : 'verify: FAILED')
  return `${lines.join('\n')}\n`
}

export const verifyCommand: Command = async (argv, io) => {
  const usage = 'usage: leafwise verify [--models ROOT] [--json]'
  const parsed = parse(argv, { models: { type: 'string' }, json: { type: 'boolean' } }, usage, io)
  if (!parsed) return 0
  const modelsRoot = resolve(io.cwd, parsed.values.models ?? 'models')
  const report = await withRegistry(parsed.values, io, (registry) => verifyRegistry(registry, modelsRoot))
  io.stdout(parsed.values.json ? `${JSON.stringify(report, null, 2)}\n` : formatVerifyReport(report))
  return report.ok ? 0 : 1
}

/** A path as a person would type it: relative below the working directory, else absolute. */
function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path)
  return rel && !rel.startsWith('..') ? rel : path
}
