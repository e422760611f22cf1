// `leafwise verify`: the guide's "Verification Steps" for every registered model and its
// "Common Issues" across the models root and the registry.
import { createHash } from 'node:crypto'
import { accessSync, constants, existsSync, readFileSync, realpathSync, statSync } from 'node:fs'
import { join, relative, resolve, sep } from 'node:path'
import { validateModelName, validateModelVersion } from '../names.ts'
import { checkPackagePrediction } from '../node/index.ts'
import { listPackageDirectories } from '../node/internal.ts'
import { readNormalizerJson } from '../package/index.ts'
import { type ModelRegistry, unwrap } from '../registry/index.ts'
import { changedFiles } from './integrity.ts'
import type { Command } from './io.ts'
import { parse, withRegistry } from './registry-options.ts'
import { formatTable } from './table.ts'

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

const requiredFiles = ['model.txt', 'normalizer.json', 'metadata.json']
const optionalFiles = ['feature_importance.csv', 'test_evaluation.json']

/** The guide's Issue 4 check, by the package loader's own rules (package/normalizer-file.ts). */
function normalizerProblem(path: string, id: string): string | undefined {
  let data: unknown
  try {
    data = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    return `normalizer.json is not valid JSON: ${(error as Error).message}`
  }
  return readNormalizerJson(data, { package: id }).problems[0]?.message
}

/** Runs the guide's five verification steps on every registered model and looks for its five common issues. */
export async function verifyRegistry(registry: ModelRegistry, modelsRoot: string): Promise<VerifyReport> {
  const rows = unwrap(await registry.listModels())
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
      const problem = normalizerProblem(normalizerPath, `${row.modelName}/${row.modelVersion}`)
      if (problem)
        findings.push({
          issue: 'invalid-normalizer',
          guideIssue: 4,
          modelName: row.modelName,
          modelVersion: row.modelVersion,
          message: problem,
        })
    }

    // 5. Test prediction on the package's samples.
    if (steps[0].status === 'fail') add(5, 'test prediction', 'skip', 'no package')
    else {
      try {
        const outcome = await checkPackagePrediction(modelsRoot, row.modelName, row.modelVersion)
        const detail = outcome.message
        add(5, 'test prediction', outcome.ok ? 'pass' : 'fail', detail || 'predictions match samples.json')
        if (outcome.outputs !== undefined) outputFingerprints.set(id, JSON.stringify(outcome.outputs))
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
  const packageDirs = (await listPackageDirectories(modelsRoot)).filter(({ name, version }) =>
    existsSync(join(modelsRoot, name, version, 'model.txt')),
  )
  for (const { name, version } of packageDirs) {
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
