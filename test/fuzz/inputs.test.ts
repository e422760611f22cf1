// Hostile package files and hostile names at every entry point: JSON that is deeply
// nested, huge, has __proto__ or duplicated keys, NaN/Infinity strings or a BOM; names that
// try path traversal (../, absolute paths, percent-encoding, Unicode look-alikes) through
// loadPackage, fileSource, the registry API, the CLI, rows of a hostile database and HTTP.
// Each gets a typed error, and nothing outside the models root is read.
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensemblesByTier, readApiKeys, startAnalyzeServer } from '../../examples/server.ts'
import { verifyRegistry } from '../../src/cli/verify.ts'
import { createPackageCache } from '../../src/ensemble/index.ts'
import { loadModelSet } from '../../src/ensemble/model-set.ts'
import { LeafwiseError } from '../../src/errors.ts'
import { fileFeatureStore } from '../../src/node/feature-store.ts'
import { fileSource } from '../../src/node/fs-source.ts'
import { type ArtifactSource, loadPackage, memorySource, PackageError } from '../../src/package/index.ts'
import type { ModelRegistry } from '../../src/registry/index.ts'
import { createPgliteClient, createPgliteRegistry } from '../../src/registry/pglite.ts'
import { createRegistry } from '../../src/registry/registry.ts'
import { exampleRows, registerAll } from '../ensemble/support.ts'
import { cli } from '../support/cli.ts'
import { repoRoot } from '../support/shared.ts'

const NAME = 'sentiment-fusion'
const VERSION = 'v1.1.0'
const packageDir = join(repoRoot, 'models', NAME, VERSION)
const packageFiles: Record<string, Uint8Array> = {}
for (const file of readdirSync(packageDir))
  packageFiles[`${NAME}/${VERSION}/${file}`] = new Uint8Array(readFileSync(join(packageDir, file)))

/** Names that try to leave the models root or pass for a valid name. */
const HOSTILE_NAMES = [
  '..',
  '.',
  '../../etc',
  '../outside',
  '/etc/passwd',
  '/tmp',
  'a/../../b',
  'sentiment-fusion/../../..',
  '..\\..\\windows',
  '%2e%2e',
  '%2e%2e%2fetc',
  '..%2f..%2fetc',
  '%252e%252e',
  'sentiment\u2010fusion', // Unicode hyphen
  '\uff53entiment-fusion', // fullwidth s
  '\u2024\u2024', // one-dot leaders look like ..
  '\u2215etc', // division slash
  'sentiment-fusion\u0000',
  'sentiment-fusion\n',
  ' sentiment-fusion',
  'SENTIMENT-FUSION',
  '__proto__',
  '',
  'a'.repeat(300),
]
const HOSTILE_VERSIONS = [
  '..',
  '../v1.1.0',
  'v1.1.0/../..',
  'v1.1.0%2f..',
  '/v1.1.0',
  'v1.1.0\u0000',
  'v1\u2024 1.0',
  'v１.1.0',
  '__proto__',
  '',
]

/** A source that records every path asked for. */
function recording(source: ArtifactSource): ArtifactSource & { paths: string[] } {
  const paths: string[] = []
  return {
    paths,
    read: (path) => {
      paths.push(path)
      return source.read(path)
    },
    describe: (path) => source.describe(path),
  }
}

function expectTyped(error: unknown, codes?: string[]): void {
  expect(error, String(error)).toBeInstanceOf(LeafwiseError)
  if (codes) expect(codes, (error as LeafwiseError).message).toContain((error as LeafwiseError).code)
}

let work: string
let modelsRoot: string
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'leafwise-hostile-'))
  modelsRoot = join(work, 'models')
  mkdirSync(modelsRoot)
  cpSync(join(repoRoot, 'models'), modelsRoot, { recursive: true })
  // A complete, valid package outside the root: reading it would be a success for an attacker.
  cpSync(packageDir, join(work, 'outside', VERSION), { recursive: true })
  writeFileSync(join(work, 'secret.txt'), 'secret')
  symlinkSync(join(work, 'outside'), join(modelsRoot, 'linked-outside'))
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('hostile package JSON (memory source)', () => {
  const withFile = (file: string, content: string | Uint8Array) =>
    memorySource({ ...packageFiles, [`${NAME}/${VERSION}/${file}`]: content })
  const normalizer = JSON.parse(new TextDecoder().decode(packageFiles[`${NAME}/${VERSION}/normalizer.json`]))
  const metadata = JSON.parse(new TextDecoder().decode(packageFiles[`${NAME}/${VERSION}/metadata.json`]))
  const firstFeature = Object.keys(normalizer)[0]
  const cases: [string, string, string | Uint8Array][] = [
    ['deeply nested arrays', 'normalizer.json', `${'['.repeat(200_000)}${']'.repeat(200_000)}`],
    ['deeply nested objects', 'metadata.json', `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`],
    ['a huge document (20 MB)', 'normalizer.json', `{"x":"${'a'.repeat(20 * 2 ** 20)}"}`],
    [
      '__proto__ keys',
      'normalizer.json',
      JSON.stringify(normalizer).replace('{', '{"__proto__":{"polluted":true,"mean":1,"std":1},'),
    ],
    [
      '__proto__ in metadata',
      'metadata.json',
      JSON.stringify(metadata).replace(
        '{',
        '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},',
      ),
    ],
    [
      'duplicated keys',
      'normalizer.json',
      JSON.stringify(normalizer).replace('{', `{${JSON.stringify(firstFeature)}:{"mean":"x","std":0},`),
    ],
    [
      'NaN and Infinity strings',
      'normalizer.json',
      JSON.stringify({ ...normalizer, [firstFeature]: { mean: 'NaN', std: 'Infinity' } }),
    ],
    [
      'bare NaN (not JSON)',
      'normalizer.json',
      JSON.stringify(normalizer).replace(/"mean":[^,}]+/, '"mean":NaN'),
    ],
    [
      'std of 0 and -0',
      'normalizer.json',
      JSON.stringify({ ...normalizer, [firstFeature]: { mean: 0, std: -0 } }),
    ],
    ['a BOM', 'metadata.json', `\ufeff${JSON.stringify(metadata)}`],
    ['two BOMs', 'metadata.json', `\ufeff\ufeff${JSON.stringify(metadata)}`],
    ['invalid UTF-8', 'metadata.json', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])],
    ['an empty file', 'normalizer.json', ''],
    ['a JSON string', 'metadata.json', '"sentiment-fusion"'],
    ['an array', 'test_evaluation.json', '[1,2,3]'],
    ['null', 'normalizer.json', 'null'],
    [
      'a huge feature_importance.csv line',
      'feature_importance.csv',
      `feature,importance\n${'x'.repeat(5 * 2 ** 20)},1\n`,
    ],
  ]
  it.each(cases)(
    '%s: a PackageError or a valid package, no prototype pollution, bounded time',
    async (_, file, content) => {
      const started = performance.now()
      try {
        const pkg = await loadPackage(withFile(file, content), NAME, VERSION)
        expect(pkg.id).toBe(`${NAME}/${VERSION}`)
      } catch (error) {
        expectTyped(error)
        expect(error).toBeInstanceOf(PackageError)
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined()
      expect(performance.now() - started).toBeLessThan(10_000)
    },
  )
})

describe('hostile names through loadPackage and fileSource', () => {
  it('loadPackage refuses every hostile name and version before any read', async () => {
    const source = recording(fileSource(modelsRoot))
    for (const name of HOSTILE_NAMES) {
      const error = await loadPackage(source, name, VERSION).catch((e) => e)
      expectTyped(error, ['INVALID_MODEL_NAME'])
    }
    for (const version of HOSTILE_VERSIONS) {
      const error = await loadPackage(source, NAME, version).catch((e) => e)
      expectTyped(error, ['INVALID_VERSION'])
    }
    expect(source.paths).toEqual([])
  })

  it('fileSource refuses raw paths that leave the root, including through a symbolic link', async () => {
    const source = fileSource(modelsRoot)
    for (const path of [
      '../secret.txt',
      '/etc/passwd',
      'a/../../secret.txt',
      '..\\secret.txt',
      'x/\u0000/y',
      `${NAME}//${VERSION}/model.txt`,
      `linked-outside/${VERSION}/model.txt`,
    ]) {
      const error = await source.read(path).catch((e) => e)
      expectTyped(error, ['PATH_OUTSIDE_ROOT'])
    }
    // Percent-encoding is not decoded: these are plain (missing) names inside the root.
    for (const path of ['%2e%2e/secret.txt', '..%2fsecret.txt', '\u2024\u2024/secret.txt']) {
      expect(await source.read(path)).toBeUndefined()
    }
  })

  it('a package reached through a symbolic link out of the root is refused', async () => {
    const error = await loadPackage(fileSource(modelsRoot), 'linked-outside', VERSION).catch((e) => e)
    expectTyped(error)
  })
})

describe('hostile names through the registry API', () => {
  let registry: ModelRegistry
  beforeAll(() => {
    registry = createPgliteRegistry({ dataDir: 'memory' })
  })
  afterAll(() => registry.close())
  const input = {
    modelType: 'lightgbm',
    objective: 'direction_classification',
    targetVariable: 'price_direction_3d',
    predictionHorizon: '1w',
    validationScore: 0.5,
  } as const
  it('registerModel and getModel answer INVALID_INPUT', async () => {
    for (const name of HOSTILE_NAMES) {
      const registered = await registry.registerModel({ ...input, modelName: name, modelVersion: VERSION })
      expect(registered.success ? 'accepted' : registered.error.code, name).toBe('INVALID_INPUT')
      const read = await registry.getModel(name, VERSION)
      expect(read.success ? 'accepted' : read.error.code, name).toBe('INVALID_INPUT')
    }
    for (const version of HOSTILE_VERSIONS) {
      const registered = await registry.registerModel({ ...input, modelName: NAME, modelVersion: version })
      expect(registered.success ? 'accepted' : registered.error.code, version).toBe('INVALID_INPUT')
    }
    const all = await registry.listModels()
    expect(all.success && all.data.length).toBe(0)
  })
})

describe('rows read back from a hostile database', () => {
  let registry: ModelRegistry
  const hostileRows: [string, string][] = [
    ['../outside', VERSION],
    ['../../etc', 'v1.0.0'],
    ['/etc', 'v1.0.0'],
    [NAME, '../../outside/v1.1.0'],
    ['linked-outside', VERSION],
    ['%2e%2e', VERSION],
  ]
  beforeAll(async () => {
    const client = createPgliteClient({ dataDir: 'memory' })
    registry = createRegistry(client, { autoMigrate: true })
    expect((await registry.listModels()).success).toBe(true) // migrates
    // Written behind the API's back, as a compromised or hand-edited database could.
    for (const [name, version] of hostileRows) {
      await client.query(
        `INSERT INTO ml_models (model_name, model_version, model_type, objective, target_variable, prediction_horizon, validation_score, tier_requirement, status)
         VALUES ($1, $2, 'lightgbm', 'direction_classification', 'price_direction_3d', '1w', 0.9, 'free', 'deployed')`,
        [name, version],
      )
    }
  })
  afterAll(() => registry.close())

  it('the ensemble reports each as a typed load failure and reads nothing for them', async () => {
    const source = recording(fileSource(modelsRoot))
    const set = await loadModelSet(registry, createPackageCache(source), 'enterprise', 1)
    expect(set.deployed).toEqual([])
    expect(set.failures.map((f) => f.modelName).sort()).toEqual(hostileRows.map(([n]) => n).sort())
    for (const failure of set.failures)
      expect(['INVALID_MODEL_NAME', 'INVALID_VERSION', 'ARTIFACT_READ_ERROR']).toContain(failure.code)
    // Only the symlinked name is a valid name: its reads are refused by the source itself.
    expect(source.paths.every((p) => p.startsWith('linked-outside/'))).toBe(true)
  })

  it('verify fails each row without looking outside the models root', async () => {
    const report = await verifyRegistry(registry, modelsRoot)
    expect(report.ok).toBe(false)
    for (const model of report.models) {
      const passed = model.steps.filter((s) => s.status === 'pass').map((s) => s.name)
      expect(passed, `${model.modelName} ${model.modelVersion}`).not.toContain('directory')
      expect(passed).not.toContain('readable files')
      expect(passed).not.toContain('test prediction')
    }
  })
})

describe('hostile names through the CLI', () => {
  it('leafwise register refuses paths that leave the models root or break the naming rules', async () => {
    for (const path of [
      'models/../../etc/v1.0.0',
      '/etc/passwd',
      'models/%2e%2e/v1.0.0',
      `models/${NAME}/../../../outside/${VERSION}`,
      `models/SENTIMENT/${VERSION}`,
      `models/${NAME}/v1.1.0%2f..`,
    ]) {
      const run = await cli(['register', path, '--data-dir', join(work, 'registry-never-created')], {}, work)
      expect(run.code, `${path}: ${run.stdout}`).not.toBe(0)
      expect(run.stderr.trim().split('\n').length, run.stderr).toBeLessThanOrEqual(3)
    }
  })

  it('leafwise check reports hostile directory names as typed problems', async () => {
    const root = join(work, 'check-root')
    cpSync(join(repoRoot, 'models'), root, { recursive: true })
    mkdirSync(join(root, '%2e%2e', VERSION), { recursive: true })
    mkdirSync(join(root, 'UPPER', VERSION), { recursive: true })
    mkdirSync(join(root, NAME, '..v1.0.0'), { recursive: true })
    symlinkSync(join(work, 'outside'), join(root, 'linked-outside'))
    const run = await cli(['check', root, '--json'], {}, work)
    expect(run.code).toBe(1)
    const report = JSON.parse(run.stdout)
    expect(JSON.stringify(report)).toMatch(/INVALID_MODEL_NAME/)
    expect(JSON.stringify(report)).not.toContain('"secret"')
  })
})

describe('hostile HTTP requests to examples/server.ts', () => {
  let registry: ModelRegistry
  let ensembles: Awaited<ReturnType<typeof ensemblesByTier>>
  let server: Awaited<ReturnType<typeof startAnalyzeServer>>
  beforeAll(async () => {
    registry = createPgliteRegistry({ dataDir: 'memory' })
    await registerAll(registry, exampleRows)
    ensembles = await ensemblesByTier(registry, join(repoRoot, 'models'))
    server = await startAnalyzeServer({
      ensembles,
      features: fileFeatureStore(join(repoRoot, 'examples', 'data', 'features.json')),
      keys: readApiKeys(join(repoRoot, 'examples', 'data', 'api-keys.json')),
    })
  })
  afterAll(async () => {
    await server?.close()
    for (const e of Object.values(ensembles ?? {})) await e.close()
    await registry?.close()
  })
  const post = async (body: string, path = '/api/stocks/analyze', key = 'demo-premium-key') => {
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body,
    })
    const text = await response.text()
    return { status: response.status, text }
  }

  it.each([
    ['symbols that try path traversal', JSON.stringify({ symbols: ['../../etc/passwd', '..%2f..%2fetc'] })],
    [
      'symbols that name Object.prototype members',
      JSON.stringify({ symbols: ['__proto__', 'constructor', 'toString'] }),
    ],
    [
      'a __proto__ key in the body',
      '{"__proto__":{"symbols":["SYN25"]},"symbols":["SYN25"],"include_ml":true}',
    ],
    ['duplicated keys', '{"symbols":["SYN25"],"symbols":"x"}'],
    ['a deeply nested body', `${'['.repeat(5000)}${']'.repeat(5000)}`],
    ['NaN and Infinity', '{"symbols":["SYN25"],"include_ml":NaN}'],
    ['a BOM', '\ufeff{"symbols":["SYN25"]}'],
    ['NUL bytes', '{"symbols":["SYN\u000025"]}'],
  ])('%s: a 4xx with a JSON error code, or a 200; never a 5xx', async (_, body) => {
    const { status, text } = await post(body)
    expect(status, text).toBeLessThan(500)
    const json = JSON.parse(text)
    if (status !== 200) expect(typeof json.error?.code, text).toBe('string')
    expect(({} as Record<string, unknown>).symbols).toBeUndefined()
  })

  it('paths with traversal or encoding, and API keys naming prototype members, are refused', async () => {
    for (const path of [
      '/api/stocks/../../etc/passwd',
      '/api/stocks/%2e%2e/%2e%2e/etc/passwd',
      '/api/stocks/analyze/..',
      '//etc/passwd',
    ]) {
      const { status } = await post('{"symbols":["SYN25"]}', path)
      expect([400, 404], path).toContain(status)
    }
    for (const key of ['__proto__', 'constructor', 'hasOwnProperty']) {
      expect((await post('{"symbols":["SYN25"]}', '/api/stocks/analyze', key)).status).toBe(401)
    }
    // Still serving.
    expect((await post('{"symbols":["SYN25"]}')).status).toBe(200)
  })
})
