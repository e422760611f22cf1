// The registry commands end to end, on the embedded registry and on PostgreSQL
// (--database-url), with a copy of the example packages as the models root.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createManifestRegistry, type ModelRecord } from '../../src/registry/index.ts'
import { freshPostgresDatabase, postgresUrl } from '../registry/engines.ts'
import { cli as runCli } from '../support/cli.ts'
import { repoRoot } from '../support/shared.ts'

interface Run {
  code: number
  stdout: string
  stderr: string
}

const targets = [
  { name: 'pglite', flags: async (dir: string) => ['--data-dir', join(dir, 'registry')] },
  ...(postgresUrl
    ? [{ name: 'postgres', flags: async () => ['--database-url', await freshPostgresDatabase(postgresUrl!)] }]
    : []),
]

describe.each(targets)('leafwise registry commands on $name', (target) => {
  let cwd: string
  let flags: string[]

  const cli = (...argv: string[]): Promise<Run> => {
    const [command, ...rest] = argv
    return runCli([command, ...rest, ...flags], { USER: 'tester' }, cwd)
  }

  beforeAll(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'leafwise-cli-'))
    cpSync(join(repoRoot, 'models'), join(cwd, 'models'), { recursive: true })
    flags = await target.flags(cwd)
    expect((await cli('migrate')).code).toBe(0)
  })
  afterAll(() => rmSync(cwd, { recursive: true, force: true }))

  it('registers the example packages from metadata.json', async () => {
    for (const dir of ['sentiment-fusion/v1.1.0', 'price-prediction/v1.0.0', 'early-signal/v1.0.0']) {
      const run = await cli('register', `models/${dir}`)
      expect(run.stderr).toBe('')
      expect(run.code).toBe(0)
    }
    const old = await cli(
      'register',
      'models/sentiment-fusion/v1.0.0',
      '--status',
      'deprecated',
      '--tier',
      'premium',
    )
    expect(old.code).toBe(0)
    const list = await cli('list', '--json')
    const rows = JSON.parse(list.stdout) as ModelRecord[]
    expect(
      rows.map((m) => [
        m.modelName,
        m.modelVersion,
        m.objective,
        m.targetVariable,
        m.predictionHorizon,
        m.validationScore,
        m.testScore,
        m.status,
      ]),
    ).toEqual([
      ['early-signal', 'v1.0.0', 'direction_classification', 'price_up_5d', '1w', 0.5986, 0.612, 'deployed'],
      ['price-prediction', 'v1.0.0', 'price_prediction', 'price_return_5d', '1w', 0.5587, 0.5816, 'deployed'],
      [
        'sentiment-fusion',
        'v1.0.0',
        'direction_classification',
        'price_direction_3d',
        '1w',
        0.515,
        0.5233,
        'deprecated',
      ],
      [
        'sentiment-fusion',
        'v1.1.0',
        'direction_classification',
        'price_direction_3d',
        '1w',
        0.5176,
        0.5299,
        'deployed',
      ],
    ])
  })

  it('a second registration exits 1 with DUPLICATE_MODEL; --upsert overwrites', async () => {
    const again = await cli('register', 'models/early-signal/v1.0.0')
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/DUPLICATE_MODEL: Model early-signal v1.0.0 is already registered/)
    const upsert = await cli('register', 'models/early-signal/v1.0.0', '--upsert', '--tier', 'free')
    expect(upsert.code).toBe(0)
    const free = await cli('list', '--tier', 'free', '--json')
    expect(JSON.parse(free.stdout).map((m: ModelRecord) => m.modelName)).toEqual(['early-signal'])
  })

  it('list prints a table and filters by status', async () => {
    const table = await cli('list', '--status', 'deprecated')
    expect(table.code).toBe(0)
    expect(table.stdout).toMatch(/^name\s+version\s+status/)
    expect(table.stdout).toContain('sentiment-fusion  v1.0.0   deprecated')
    expect(table.stdout).not.toContain('early-signal')
  })

  it('bad usage exits 2 with one line naming the problem', async () => {
    const run = await cli('status', 'early-signal', 'v1.0.0', 'live')
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(
      /status must be one of training, validated, deployed, shadow, deprecated; got "live"/,
    )
    expect((await cli('list', '--bogus')).code).toBe(2)
    expect((await cli('registry', 'export')).code).toBe(2)
  })

  it('status, promote, rollback and history', async () => {
    const missing = await cli('status', 'early-signal', 'v9.0.0', 'shadow')
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/MODEL_NOT_FOUND: Model not found: early-signal v9.0.0/)
    expect((await cli('promote', 'sentiment-fusion', 'v1.0.0', '--reason', 'compare')).code).toBe(0)
    const deployed = JSON.parse((await cli('list', '--status', 'deployed', '--json')).stdout) as ModelRecord[]
    expect(deployed.filter((m) => m.modelName === 'sentiment-fusion').map((m) => m.modelVersion)).toEqual([
      'v1.0.0',
    ])
    const rollback = await cli('rollback', 'sentiment-fusion')
    expect(rollback.stdout).toMatch(/sentiment-fusion v1.1.0 is deployed again/)
    const history = JSON.parse((await cli('history', 'sentiment-fusion', '--json')).stdout)
    expect(
      history.map((e: { modelVersion: string; toStatus: string }) => `${e.modelVersion}:${e.toStatus}`),
    ).toEqual([
      'v1.1.0:deployed',
      'v1.0.0:deprecated',
      'v1.1.0:deprecated',
      'v1.0.0:deployed',
      'v1.0.0:deprecated',
      'v1.1.0:deployed',
    ])
    expect(history[0].actor).toBe('leafwise-cli:tester')
    const text = await cli('history', 'sentiment-fusion')
    expect(text.stdout).toMatch(/time\s+version\s+from\s+to\s+actor\s+reason/)
  })

  it('verify passes on the example packages (table and --json)', async () => {
    const run = await cli('verify')
    expect(run.stdout).toContain('verify: OK')
    expect(run.code).toBe(0)
    const report = JSON.parse((await cli('verify', '--json')).stdout)
    expect(report.ok).toBe(true)
    expect(report.models).toHaveLength(4)
    for (const model of report.models) {
      expect(model.steps.map((s: { name: string }) => s.name)).toEqual([
        'directory',
        'readable files',
        'registration',
        'path resolution',
        'test prediction',
      ])
      expect(model.steps.slice(0, 4).every((s: { status: string }) => s.status === 'pass')).toBe(true)
    }
  })

  it('registry export writes a manifest the ensemble reads like a live registry', async () => {
    const run = await cli('registry', 'export', '--tier', 'premium', '--out', 'registry.json')
    expect(run.code).toBe(0)
    const reader = createManifestRegistry(readFileSync(join(cwd, 'registry.json'), 'utf8'))
    const deployed = await reader.getDeployedModels()
    expect(deployed.success && deployed.data.map((m) => `${m.modelName} ${m.modelVersion}`)).toEqual([
      'early-signal v1.0.0',
      'price-prediction v1.0.0',
      'sentiment-fusion v1.1.0',
    ])
    expect(reader.manifest.models[0].metadata?.model_version).toBe('v1.0.0')
  })

  it("verify reports the guide's common issues and exits 1", async () => {
    rmSync(join(cwd, 'models/price-prediction'), { recursive: true })
    cpSync(join(cwd, 'models/early-signal/v1.0.0'), join(cwd, 'models/early-signal/v1.1.0'), {
      recursive: true,
    })
    writeFileSync(
      join(cwd, 'models/sentiment-fusion/v1.0.0/normalizer.json'),
      '{"sentiment_positive": {"mean": 0.2, "std": 0}}',
    )
    expect((await cli('status', 'early-signal', 'v1.0.0', 'shadow')).code).toBe(0)
    cpSync(join(cwd, 'models/sentiment-fusion/v1.1.0'), join(cwd, 'models/early-signal/v2.0.0'), {
      recursive: true,
    })
    writeFileSync(
      join(cwd, 'models/early-signal/v2.0.0/metadata.json'),
      JSON.stringify({
        ...JSON.parse(readFileSync(join(cwd, 'models/sentiment-fusion/v1.1.0/metadata.json'), 'utf8')),
        model_version: 'v2.0.0',
      }),
    )
    expect((await cli('register', 'models/early-signal/v2.0.0', '--status', 'validated')).code).toBe(0)

    const run = await cli('verify', '--json')
    expect(run.code).toBe(1)
    const report = JSON.parse(run.stdout)
    const issues = report.findings.map(
      (f: { issue: string; modelName: string; modelVersion: string }) =>
        `${f.issue} ${f.modelName} ${f.modelVersion}`,
    )
    expect(issues).toEqual(
      expect.arrayContaining([
        'rows-without-files price-prediction v1.0.0',
        'directories-without-rows early-signal v1.1.0',
        'wrong-status early-signal v2.0.0',
        'invalid-normalizer sentiment-fusion v1.0.0',
      ]),
    )
    const same = report.findings.find((f: { issue: string }) => f.issue === 'same-output')
    expect(same.message).toMatch(
      /early-signal v2.0.0, sentiment-fusion v1.1.0|sentiment-fusion v1.1.0, early-signal v2.0.0/,
    )
    const table = await cli('verify')
    expect(table.stdout).toMatch(/price-prediction\s+v1.0.0\s+deployed\s+FAIL/)
    expect(table.stdout).toContain('verify: FAILED')
  })
})
