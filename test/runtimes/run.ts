// The runtime matrix: bundles core-path.ts for esbuild's `neutral` platform, runs it under
// Node, Bun, Deno and Cloudflare workerd (through miniflare), and compares every output of
// every runtime with Node's, bit for bit. `npm run test:runtimes` prints a summary and
// exits non-zero on any difference; runtimes.test.ts runs the same check under vitest.
// Two fixture models are also compiled ahead of time (the function behind `leafwise compile`)
// into plain ES modules that every runtime imports as written; their raw scores and leaf
// indices must equal Node's portable kernel, bit for bit, on every runtime, workerd included
// (which refuses eval and new Function).
//
// LEAFWISE_RUNTIMES=node,deno limits the runtimes (Node, the reference, always runs).
import { spawn } from 'node:child_process'
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { parseModel } from '../../src/index.ts'
import { aotModuleSource } from '../../src/lightgbm/aot.ts'
import type { CorePathInput, CorePathOutput, FixtureInput, PackageInput } from './core-path.ts'

export const repoRoot = resolve(import.meta.dirname, '../..')
const here = import.meta.dirname
const bin = (name: string) => join(repoRoot, 'node_modules', '.bin', name)

/** The runtimes, in the order they run. Node first: it is the reference. */
export const RUNTIMES = ['node', 'bun', 'deno', 'workerd'] as const
export type RuntimeName = (typeof RUNTIMES)[number]

/** The compatibility date the worker runs with (miniflare's workerd supports up to its own date). */
export const COMPATIBILITY_DATE = '2026-04-01'

/** One runtime's run. */
export interface RuntimeRun {
  runtime: RuntimeName
  /** Wall time of the run, start-up included. */
  ms: number
  output?: CorePathOutput
  /** Why the runtime could not run the core path. */
  failure?: string
  /** Keys whose values differ from Node's (empty when identical). */
  differences: string[]
}

/** Result of the matrix. */
export interface MatrixReport {
  runs: RuntimeRun[]
  /** Values compared per runtime. */
  compared: number
  /** The fixtures compiled ahead of time, with the size of each module. */
  aot: { name: string; bytes: number }[]
  /** Problems found in the AOT modules' source (run-time code generation). */
  aotSourceProblems: string[]
  ok: boolean
}

const PACKAGE_IDS: [string, string][] = [
  ['sentiment-fusion', 'v1.1.0'],
  ['sentiment-fusion', 'v1.0.0'],
  ['price-prediction', 'v1.0.0'],
  ['early-signal', 'v1.0.0'],
]
const PACKAGE_FILE_NAMES = [
  'model.txt',
  'normalizer.json',
  'metadata.json',
  'feature_importance.csv',
  'test_evaluation.json',
]

/** The manifest the core path reads: written by `leafwise registry export --tier premium`. */
export const MANIFEST_PATH = join(repoRoot, 'examples', 'edge-worker', 'registry.json')

function hex(value: number): string {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, value)
  return view.getUint32(0).toString(16).padStart(8, '0') + view.getUint32(4).toString(16).padStart(8, '0')
}

/** The input of the core path, from test/fixtures/lightgbm, models/ and the example manifest. */
export function buildInput(): CorePathInput {
  const zoo = join(repoRoot, 'test', 'fixtures', 'lightgbm')
  const fixtures: FixtureInput[] = readdirSync(zoo, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const expected = JSON.parse(readFileSync(join(zoo, name, 'expected.json'), 'utf8')) as {
        X: (number | null)[][]
        num_iteration_cases: { start_iteration: number; num_iteration: number }[]
      }
      return {
        name,
        model: readFileSync(join(zoo, name, 'model.txt'), 'utf8'),
        rows: expected.X.flat().map((x) => hex(x === null ? Number.NaN : x)),
        windows: expected.num_iteration_cases.map((c) => ({
          startIteration: c.start_iteration,
          numIteration: c.num_iteration,
        })),
      }
    })

  const packageFiles: Record<string, string> = {}
  const packages: PackageInput[] = []
  for (const [name, version] of PACKAGE_IDS) {
    const dir = join(repoRoot, 'models', name, version)
    for (const file of PACKAGE_FILE_NAMES) {
      try {
        packageFiles[`${name}/${version}/${file}`] = readFileSync(join(dir, file), 'utf8')
      } catch {
        // optional files may be absent
      }
    }
    const samples = JSON.parse(readFileSync(join(dir, 'samples.json'), 'utf8')) as {
      samples: { features: Record<string, number | null> }[]
    }
    packages.push({ name, version, records: samples.samples.slice(0, 8).map((s) => s.features) })
  }
  // Records with every model's features: the union, as an application's feature store keeps them.
  const ensembleRecords = packages[0].records.map((record, i) =>
    Object.assign({}, ...packages.map((p) => p.records[i % p.records.length]), record),
  )
  return { fixtures, packageFiles, packages, manifest: readFileSync(MANIFEST_PATH, 'utf8'), ensembleRecords }
}

/** The fixtures the matrix compiles ahead of time: a multiclass model, and categorical splits with NaN. */
export const AOT_FIXTURES = ['multiclass', 'regression-cat-nan'] as const

/** The AOT module file of a fixture, in the matrix's directory. */
const aotFile = (name: string) => `aot-${name}.mjs`

/** Run-time code generation in generated source: the AOT modules must hold none. */
const CODE_GENERATION = /\beval\b|\bFunction\s*\(/

/**
 * Writes each AOT fixture's module as `leafwise compile` does (aot-{name}.mjs), and
 * aot-models.mjs importing them all, which the entries pass to the core path.
 */
export function writeAotModules(dir: string): {
  modules: { name: string; bytes: number }[]
  problems: string[]
} {
  const zoo = join(repoRoot, 'test', 'fixtures', 'lightgbm')
  const modules: { name: string; bytes: number }[] = []
  const problems: string[] = []
  const imports: string[] = []
  const entries: string[] = []
  AOT_FIXTURES.forEach((name, i) => {
    const model = parseModel(readFileSync(join(zoo, name, 'model.txt')))
    const source = aotModuleSource(model, { source: `${name}/model.txt` })
    const found = source.match(CODE_GENERATION)
    if (found) problems.push(`${aotFile(name)}: run-time code generation ('${found[0]}')`)
    writeFileSync(join(dir, aotFile(name)), source)
    modules.push({ name, bytes: source.length })
    imports.push(`import * as m${i} from './${aotFile(name)}'`)
    entries.push(`  ${JSON.stringify(name)}: m${i},`)
  })
  writeFileSync(
    join(dir, 'aot-models.mjs'),
    `${imports.join('\n')}\nexport default {\n${entries.join('\n')}\n}\n`,
  )
  return { modules, problems }
}

/** Bundles the core path for the neutral platform into `dir`, next to the runtime entries. */
export async function bundleCorePath(dir: string): Promise<void> {
  await build({
    entryPoints: [join(here, 'core-path.ts')],
    outfile: join(dir, 'core-path.mjs'),
    bundle: true,
    platform: 'neutral',
    format: 'esm',
    target: 'es2022',
    mainFields: ['module', 'main'],
    logLevel: 'silent',
  })
  for (const entry of ['cli.mjs', 'worker.mjs']) copyFileSync(join(here, 'entries', entry), join(dir, entry))
}

function runProcess(
  command: string,
  args: string[],
  cwd: string,
  timeoutMs: number,
): Promise<string | undefined> {
  return new Promise((done) => {
    const child = spawn(command, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    })
    let stderr = ''
    child.stdout.on('data', (chunk) => {
      stderr += chunk
    })
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      done(`${command} could not start: ${error.message}`)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) done(undefined)
      else
        done(
          `${command} exited with ${signal ?? code}${signal === 'SIGKILL' ? ` (timeout ${timeoutMs} ms)` : ''}: ${stderr.trim().slice(-2000)}`,
        )
    })
  })
}

/** The command line running cli.mjs under a runtime. */
function commandOf(runtime: 'node' | 'bun' | 'deno', dir: string): [string, string[]] {
  const files = ['cli.mjs', join(dir, 'input.json'), join(dir, `output-${runtime}.json`)]
  switch (runtime) {
    case 'node':
      return [process.execPath, files]
    case 'bun':
      return [bin('bun'), files]
    case 'deno':
      // No config or lock file lookup, no network: only the temporary directory is readable and writable.
      return [
        bin('deno'),
        [
          'run',
          '--no-config',
          '--no-lock',
          '--no-prompt',
          `--allow-read=${dir}`,
          `--allow-write=${dir}`,
          ...files,
        ],
      ]
  }
}

async function runCli(runtime: 'node' | 'bun' | 'deno', dir: string, timeoutMs: number): Promise<RuntimeRun> {
  const started = performance.now()
  const [command, args] = commandOf(runtime, dir)
  const failure = await runProcess(command, args, dir, timeoutMs)
  const ms = performance.now() - started
  if (failure) return { runtime, ms, failure, differences: [] }
  const output = JSON.parse(readFileSync(join(dir, `output-${runtime}.json`), 'utf8')) as CorePathOutput
  return { runtime, ms, output, differences: [] }
}

async function runWorkerd(dir: string, input: string): Promise<RuntimeRun> {
  const started = performance.now()
  const { Miniflare } = await import('miniflare')
  const mf = new Miniflare({
    modulesRoot: dir,
    modules: [
      { type: 'ESModule', path: join(dir, 'worker.mjs') },
      { type: 'ESModule', path: join(dir, 'core-path.mjs') },
      { type: 'ESModule', path: join(dir, 'aot-models.mjs') },
      ...AOT_FIXTURES.map((name) => ({ type: 'ESModule' as const, path: join(dir, aotFile(name)) })),
    ],
    compatibilityDate: COMPATIBILITY_DATE,
  })
  try {
    const response = await mf.dispatchFetch('http://runtime.test/', { method: 'POST', body: input })
    const text = await response.text()
    const ms = performance.now() - started
    if (!response.ok)
      return {
        runtime: 'workerd',
        ms,
        failure: `worker answered ${response.status}: ${text}`,
        differences: [],
      }
    return { runtime: 'workerd', ms, output: JSON.parse(text) as CorePathOutput, differences: [] }
  } catch (error) {
    return { runtime: 'workerd', ms: performance.now() - started, failure: String(error), differences: [] }
  } finally {
    await mf.dispose()
  }
}

/** Keys whose values differ between `reference` and `other` (missing keys included). */
export function differences(reference: CorePathOutput, other: CorePathOutput): string[] {
  const keys = new Set([...Object.keys(reference.values), ...Object.keys(other.values)])
  const out: string[] = []
  for (const key of keys) {
    const a = reference.values[key]
    const b = other.values[key]
    if (a === undefined || b === undefined) {
      out.push(`${key}: ${a === undefined ? 'absent on node' : `absent on ${other.runtime}`}`)
      continue
    }
    const index =
      a.length === b.length ? a.findIndex((value, i) => value !== b[i]) : Math.min(a.length, b.length)
    if (index >= 0) out.push(`${key}[${index}]: node ${a[index]} vs ${other.runtime} ${b[index]}`)
  }
  return out
}

/** Runs the core path on each runtime and compares with Node. */
export async function runMatrix(
  options: { runtimes?: readonly RuntimeName[]; timeoutMs?: number } = {},
): Promise<MatrixReport> {
  const wanted = new Set<RuntimeName>(['node', ...(options.runtimes ?? RUNTIMES)])
  const timeoutMs = options.timeoutMs ?? 60_000
  const dir = mkdtempSync(join(tmpdir(), 'leafwise-runtimes-'))
  try {
    await bundleCorePath(dir)
    const aot = writeAotModules(dir)
    const input = JSON.stringify(buildInput())
    writeFileSync(join(dir, 'input.json'), input)
    const runs: RuntimeRun[] = []
    for (const runtime of RUNTIMES) {
      if (!wanted.has(runtime)) continue
      runs.push(runtime === 'workerd' ? await runWorkerd(dir, input) : await runCli(runtime, dir, timeoutMs))
    }
    const reference = runs[0].output
    let ok = reference !== undefined && aot.problems.length === 0
    for (const run of runs) {
      if (!run.output || !reference) {
        ok = false
        continue
      }
      run.differences = differences(reference, run.output)
      run.differences.push(...expectedFacts(run), ...aotDifferences(reference, run.output))
      if (run.differences.length > 0) ok = false
    }
    return {
      runs,
      compared: reference ? Object.keys(reference.values).length : 0,
      aot: aot.modules,
      aotSourceProblems: aot.problems,
      ok,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * Facts that must hold per runtime: code generation works on Node, Bun and Deno; workerd
 * refuses it, so the compiled kernel must have fallen back to the portable one there.
 */
function expectedFacts(run: RuntimeRun): string[] {
  const facts = run.output?.facts ?? {}
  const codeGeneration = run.runtime !== 'workerd'
  const problems: string[] = []
  if (facts.codeGeneration !== codeGeneration)
    problems.push(`fact codeGeneration: expected ${codeGeneration}, got ${facts.codeGeneration}`)
  for (const [key, value] of Object.entries(facts)) {
    if (key.endsWith('/kernel') && !codeGeneration && value !== 'portable')
      problems.push(`fact ${key}: expected the portable fallback, got ${value}`)
  }
  return problems
}

/**
 * The AOT modules against Node's portable kernel on the same model: raw scores and leaf
 * indices, bit for bit (the comparison with Node's own AOT run is in `differences`).
 */
export function aotDifferences(reference: CorePathOutput, other: CorePathOutput): string[] {
  const out: string[] = []
  for (const name of AOT_FIXTURES) {
    for (const [aotKey, nodeKey] of [
      ['shape', 'shape'],
      ['raw', 'portable/raw'],
      ['raw-into', 'portable/raw'],
      ['leaf', 'portable/leaf'],
    ]) {
      const expected = reference.values[`fixture/${name}/${nodeKey}`]
      const got = other.values[`aot/${name}/${aotKey}`]
      const key = `aot/${name}/${aotKey} vs node fixture/${name}/${nodeKey}`
      if (!expected || !got) {
        out.push(`${key}: ${expected ? `absent on ${other.runtime}` : 'absent on node'}`)
        continue
      }
      const index = expected.findIndex((value, i) => value !== got[i])
      if (expected.length !== got.length)
        out.push(`${key}: ${expected.length} values vs ${got.length} (${got.slice(0, 1).join('')})`)
      else if (index >= 0) out.push(`${key}[${index}]: ${expected[index]} vs ${got[index]}`)
    }
  }
  return out
}

/** The summary printed by `npm run test:runtimes`. */
export function formatReport(report: MatrixReport): string {
  const lines = [
    `leafwise runtime matrix: ${report.compared} outputs compared with Node's, bit for bit`,
    `  AOT modules (leafwise compile, imported as written): ${report.aot.map((m) => `${m.name} ${(m.bytes / 1024).toFixed(0)} kB`).join(', ')}; raw scores and leaf indices compared with Node's portable kernel`,
    ...report.aotSourceProblems.map((p) => `  AOT SOURCE: ${p}`),
  ]
  for (const run of report.runs) {
    const status = run.failure
      ? `FAILED: ${run.failure}`
      : run.differences.length === 0
        ? `identical${run.runtime === 'node' ? ' (reference)' : ''}; code generation ${run.output?.facts.codeGeneration ? 'on' : 'refused, portable fallback'}`
        : `${run.differences.length} DIFFERENCES:\n    ${run.differences.slice(0, 20).join('\n    ')}`
    lines.push(`  ${run.runtime.padEnd(8)} ${String(Math.round(run.ms)).padStart(6)} ms  ${status}`)
  }
  lines.push(report.ok ? 'all runtimes agree' : 'RUNTIMES DISAGREE')
  return lines.join('\n')
}

function runtimesFromEnv(): RuntimeName[] | undefined {
  const value = process.env.LEAFWISE_RUNTIMES
  if (!value) return undefined
  const names = value.split(',').map((s) => s.trim())
  for (const name of names)
    if (!(RUNTIMES as readonly string[]).includes(name))
      throw new Error(`LEAFWISE_RUNTIMES: unknown runtime '${name}'`)
  return names as RuntimeName[]
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const report = await runMatrix({ runtimes: runtimesFromEnv() })
  console.log(formatReport(report))
  process.exitCode = report.ok ? 0 : 1
}
