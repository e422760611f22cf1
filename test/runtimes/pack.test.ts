// The published package: built into a staging copy (never the checkout's dist/, which
// bin/leafwise.js would prefer), then checked as npm would publish it: the file list of
// `npm pack`, publint, Node resolving every `exports` subpath to dist/, and TypeScript
// resolving the types a consumer gets.
import { spawnSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { build } from '../../scripts/build.ts'
import { repoRoot } from './run.ts'

/**
 * What the package may contain: the build, its sources (for source and declaration maps), the
 * CLI and SQL, the example models and data of `leafwise demo`, and the pages the README links to.
 */
const SHIPPED = [
  /^dist\//,
  /^src\//,
  /^bin\/leafwise\.js$/,
  /^migrations\/\d+_[a-z0-9_]+\.sql$/,
  /^models\/(README\.md|[a-z0-9-]+\/v\d+\.\d+\.\d+\/[a-z_]+\.(txt|json|csv))$/,
  /^examples\/data\/[a-z0-9-]+\.(json|csv)$/,
  /^docs\/[a-z0-9-]+\.md$/,
  /^bench\/RESULTS\.md$/,
  /^package\.json$/,
  /^README\.md$/,
  /^LICENSE$/,
]

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs)
  }
  return newest
}

describe('the published package', () => {
  let stage: string
  let buildProblems: string[]
  let files: string[] = []
  let tarball = ''

  beforeAll(() => {
    stage = mkdtempSync(join(tmpdir(), 'leafwise-pack-'))
    for (const path of [
      'package.json',
      'README.md',
      'LICENSE',
      'bin',
      'migrations',
      'src',
      'models',
      'docs',
      'examples/data',
      'bench/RESULTS.md',
      'tsconfig.json',
      'tsconfig.build.json',
    ])
      if (existsSync(join(repoRoot, path)))
        cpSync(join(repoRoot, path), join(stage, path), { recursive: true })
    symlinkSync(join(repoRoot, 'node_modules'), join(stage, 'node_modules'), 'dir')
    mkdirSync(join(stage, 'out'))
    buildProblems = build(join(stage, 'dist'))
    // --ignore-scripts: prepack would build again; the staging copy is built already.
    const pack = spawnSync(
      'npm',
      ['pack', '--json', '--ignore-scripts', '--pack-destination', join(stage, 'out')],
      {
        cwd: stage,
        encoding: 'utf8',
      },
    )
    if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`)
    const [packed] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[]
    files = packed.files.map((f) => f.path)
    tarball = join(stage, 'out', packed.filename)
  }, 120_000)

  afterAll(() => {
    if (stage) rmSync(stage, { recursive: true, force: true })
  })

  it('builds with tsc, every exports, types and bin target present', () => {
    expect(buildProblems).toEqual([])
  })

  it('ships JavaScript, declarations and source maps for every entry point', () => {
    for (const entry of [
      'index',
      'registry/index',
      'registry/postgres',
      'registry/pglite',
      'node/index',
      'cli/run',
    ]) {
      for (const suffix of ['.js', '.js.map', '.d.ts', '.d.ts.map'])
        expect(files).toContain(`dist/${entry}${suffix}`)
    }
    expect(files).toContain('bin/leafwise.js')
    expect(files).toContain('LICENSE')
    expect(files).toContain('README.md')
  })

  it('ships nothing else: no tests, fixtures, benchmark code, scripts or example code', () => {
    expect(files.filter((path) => !SHIPPED.some((pattern) => pattern.test(path)))).toEqual([])
    // The demo's example models and data, and bench/RESULTS.md (linked from the README), are shipped.
    expect(
      files.filter(
        (path) =>
          /(^|\/)(test|tests|fixtures|bench|models|examples|scripts)\//.test(path) &&
          !/^(models\/|examples\/data\/|bench\/RESULTS\.md$)/.test(path),
      ),
    ).toEqual([])
    expect(files.filter((path) => /\.test\.[jt]s$/.test(path))).toEqual([])
  })

  it('is publint clean (strict: warnings fail too)', async () => {
    const { publint } = await import('publint')
    const { formatMessage } = await import('publint/utils')
    const bytes = readFileSync(tarball)
    const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
    const { messages, pkg } = await publint({ strict: true, pack: { tarball: data } })
    expect(messages.map((message) => formatMessage(message, pkg) ?? message.code)).toEqual([])
  })

  it('resolves every exports subpath to dist/ in Node, and the core path runs from the build', () => {
    writeFileSync(
      join(stage, 'smoke.mjs'),
      `import { parseModel, memorySource, loadPackage } from 'leafwise'
import { createManifestRegistry } from 'leafwise/registry'
import { readFileSync } from 'node:fs'
for (const entry of ['leafwise', 'leafwise/registry', 'leafwise/registry/postgres', 'leafwise/registry/pglite', 'leafwise/node'])
  if (!import.meta.resolve(entry).includes('/dist/')) throw new Error(entry + ' resolves to ' + import.meta.resolve(entry))
const model = parseModel(readFileSync(${JSON.stringify(join(repoRoot, 'test/fixtures/lightgbm/binary/model.txt'))}))
const out = model.predict(new Float64Array(model.numFeatures))
if (!(out[0] > 0 && out[0] < 1) || typeof memorySource !== 'function' || typeof loadPackage !== 'function') throw new Error('bad build')
createManifestRegistry(readFileSync(${JSON.stringify(join(repoRoot, 'examples/edge-worker/registry.json'))}, 'utf8'))
console.log('ok')
`,
    )
    const run = spawnSync(process.execPath, ['smoke.mjs'], { cwd: stage, encoding: 'utf8' })
    expect(run.stderr).toBe('')
    expect(run.stdout.trim()).toBe('ok')
  })

  it('gives TypeScript consumers the declarations (module NodeNext)', () => {
    writeFileSync(
      join(stage, 'consumer.ts'),
      `import { type Model, parseModel, loadPackage, type ModelPackage } from 'leafwise'
import { createManifestRegistry, type ModelReader } from 'leafwise/registry'
const model: Model = parseModel('')
const raw: Float64Array = model.predictRaw(new Float64Array(model.numFeatures))
const reader: ModelReader = createManifestRegistry('{}')
const load: (s: Parameters<typeof loadPackage>[0]) => Promise<ModelPackage> = (s) => loadPackage(s, 'a', 'v1.0.0')
export { raw, reader, load }
`,
    )
    writeFileSync(
      join(stage, 'tsconfig.consumer.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          lib: ['ES2022', 'DOM'],
          types: [],
        },
        files: ['consumer.ts'],
      }),
    )
    const tsc = spawnSync(join(repoRoot, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.consumer.json'], {
      cwd: stage,
      encoding: 'utf8',
    })
    expect(tsc.stdout + tsc.stderr).toBe('')
    expect(tsc.status).toBe(0)
  })
})

describe('dist/ in the checkout', () => {
  it('is absent, or not older than src/ (bin/leafwise.js runs dist/ when it exists)', () => {
    const cli = join(repoRoot, 'dist', 'cli', 'run.js')
    if (!existsSync(cli)) return
    const stale = statSync(cli).mtimeMs < newestMtime(join(repoRoot, 'src'))
    expect(stale, 'dist/ is older than src/: run `npm run build` or remove dist/').toBe(false)
  })
})
