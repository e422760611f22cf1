// alias, tag, approve / reject, show, diff, name@alias, list --tag, register --store and
// verify's integrity check, end to end on the embedded registry and on PostgreSQL.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CliIO } from '../../src/cli/io.ts'
import { runCli } from '../../src/cli/main.ts'
import type { ModelDetails, ModelRecord } from '../../src/registry/index.ts'
import { freshPostgresDatabase, postgresUrl } from '../registry/engines.ts'
import { repoRoot } from '../support/shared.ts'

const targets = [
  { name: 'pglite', flags: async (dir: string) => ['--data-dir', join(dir, 'registry')] },
  ...(postgresUrl
    ? [{ name: 'postgres', flags: async () => ['--database-url', await freshPostgresDatabase(postgresUrl!)] }]
    : []),
]

describe.each(targets)('leafwise registry feature commands on $name', (target) => {
  let cwd: string
  let flags: string[]

  const cli = async (argv: string[], env: Record<string, string> = {}) => {
    let stdout = ''
    let stderr = ''
    const io: CliIO = {
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
      cwd,
      env: { USER: 'tester', ...env },
    }
    const [command, ...rest] = argv
    const code = await runCli([command, ...rest, ...flags], io)
    return { code, stdout, stderr }
  }

  beforeAll(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'leafwise-cli-features-'))
    cpSync(join(repoRoot, 'models'), join(cwd, 'models'), { recursive: true })
    const metadataPath = join(cwd, 'models/sentiment-fusion/v1.1.0/metadata.json')
    const metadata = JSON.parse(readFileSync(metadataPath, 'utf8'))
    metadata.lineage = {
      training_run: 'https://mlflow.example/runs/7f3a',
      code_commit: '4e1d2c9',
      data_fingerprint: 'sha256:feedbeef',
      parent_version: 'v1.0.0',
    }
    writeFileSync(metadataPath, JSON.stringify(metadata, null, 2))
    flags = await target.flags(cwd)
    expect((await cli(['migrate'])).code).toBe(0)
    expect((await cli(['register', 'models/sentiment-fusion/v1.0.0', '--status', 'validated'])).code).toBe(0)
    const stored = await cli(['register', 'models/sentiment-fusion/v1.1.0', '--store'])
    expect(stored.stderr).toBe('')
    expect(stored.stdout).toMatch(/6 files stored in the registry/)
    expect((await cli(['register', 'models/early-signal/v1.0.0'])).code).toBe(0)
  })
  afterAll(() => rmSync(cwd, { recursive: true, force: true }))

  it('show: the row, lineage, signature, file hashes and history', async () => {
    const run = await cli(['show', 'sentiment-fusion', 'v1.1.0', '--json'])
    expect(run.code).toBe(0)
    const details = JSON.parse(run.stdout) as ModelDetails
    expect(details.lineage).toEqual({
      trainingRun: 'https://mlflow.example/runs/7f3a',
      codeCommit: '4e1d2c9',
      dataFingerprint: 'sha256:feedbeef',
      parentVersion: 'v1.0.0',
    })
    expect(details.signature).toMatchObject({ featureCount: 45, numClass: 3, categoricalFeatures: [] })
    expect(details.signature?.objective).toMatch(/^multiclass/)
    expect(details.files.map((f) => [f.path, f.stored])).toEqual([
      ['feature_importance.csv', true],
      ['metadata.json', true],
      ['model.txt', true],
      ['normalizer.json', true],
      ['samples.json', true],
      ['test_evaluation.json', true],
    ])
    const text = await cli(['show', 'sentiment-fusion@v1.0.0'])
    expect(text.stdout).toMatch(/^sentiment-fusion v1.0.0\n/)
    expect(text.stdout).toMatch(/approval\s+pending/)
    expect(text.stdout).toMatch(/model\.txt\s+\d+\s+[0-9a-f]{64}\s+no/)
  })

  it('alias set / ls / rm, a protected alias, and name@alias in promote, status and history', async () => {
    const set = await cli(['alias', 'set', 'sentiment-fusion', 'champion', 'v1.1.0', '--protect'])
    expect(set.stdout).toBe('sentiment-fusion@champion -> v1.1.0 (protected)\n')
    expect((await cli(['alias', 'set', 'sentiment-fusion', 'challenger', 'v1.0.0'])).code).toBe(0)
    const refused = await cli(['alias', 'set', 'sentiment-fusion', 'champion', 'v1.0.0'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/ALIAS_PROTECTED: sentiment-fusion@champion is protected/)
    expect((await cli(['alias', 'rm', 'sentiment-fusion', 'champion'])).code).toBe(1)
    const ls = await cli(['alias', 'ls', 'sentiment-fusion'])
    expect(ls.stdout).toMatch(/sentiment-fusion\s+challenger\s+v1\.0\.0\s+no/)
    expect(ls.stdout).toMatch(/sentiment-fusion\s+champion\s+v1\.1\.0\s+yes/)
    const promote = await cli(['promote', 'sentiment-fusion@challenger', '--reason', 'A/B'])
    expect(promote.code).toBe(0)
    expect(promote.stdout).toMatch(/sentiment-fusion v1.0.0 is deployed/)
    expect((await cli(['status', 'sentiment-fusion@champion', 'shadow'])).stdout).toBe(
      'sentiment-fusion v1.1.0 is shadow\n',
    )
    const history = JSON.parse((await cli(['history', 'sentiment-fusion@champion', '--json'])).stdout)
    expect(history.map((e: { eventType: string }) => e.eventType)).toEqual([
      'registered',
      'alias',
      'status',
      'status',
    ])
    const table = await cli(['history', 'sentiment-fusion'])
    expect(table.stdout).toMatch(/alias\s+alias champion: \(new\) -> v1\.1\.0 \(protected\)/)
    const forced = await cli(['alias', 'set', 'sentiment-fusion', 'champion', 'v1.0.0', '--force'])
    expect(forced.code).toBe(0)
    expect((await cli(['alias', 'rm', 'sentiment-fusion', 'challenger'])).stdout).toBe(
      'removed sentiment-fusion@challenger (was v1.0.0)\n',
    )
    const missing = await cli(['promote', 'sentiment-fusion@challenger'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(
      /MODEL_NOT_FOUND: Model not found: sentiment-fusion has no alias "challenger"/,
    )
    expect((await cli(['alias', 'set', 'sentiment-fusion', 'Champion', 'v1.0.0'])).stderr).toMatch(
      /INVALID_INPUT/,
    )
  })

  it('tag / untag and list --tag', async () => {
    expect((await cli(['tag', 'sentiment-fusion', 'team=alpha', 'domain=sentiment'])).stdout).toBe(
      'sentiment-fusion: domain=sentiment team=alpha\n',
    )
    expect((await cli(['tag', 'early-signal@v1.0.0', 'team=beta'])).code).toBe(0)
    expect((await cli(['tag', 'sentiment-fusion@champion', 'reviewed=yes'])).code).toBe(0)
    const alpha = JSON.parse((await cli(['list', '--tag', 'team=alpha', '--json'])).stdout) as ModelRecord[]
    expect(alpha.map((m) => `${m.modelName} ${m.modelVersion}`)).toEqual([
      'sentiment-fusion v1.0.0',
      'sentiment-fusion v1.1.0',
    ])
    const both = JSON.parse(
      (await cli(['list', '--tag', 'team=alpha', '--tag', 'reviewed=yes', '--json'])).stdout,
    )
    expect(both.map((m: ModelRecord) => m.modelVersion)).toEqual(['v1.0.0'])
    expect((await cli(['untag', 'sentiment-fusion', 'domain'])).stdout).toBe('sentiment-fusion: team=alpha\n')
    expect((await cli(['tag', 'sentiment-fusion', 'novalue'])).code).toBe(2)
  })

  it('approve / reject, and the approval policy blocks promote', async () => {
    const blocked = await cli(['promote', 'sentiment-fusion', 'v1.1.0', '--require-approval'])
    expect(blocked.code).toBe(1)
    expect(blocked.stderr).toMatch(/NOT_APPROVED: sentiment-fusion v1.1.0 is pending, not approved/)
    const rejected = await cli(['reject', 'sentiment-fusion', 'v1.1.0', '--reason', 'calibration off'])
    expect(rejected.stdout).toBe(
      'sentiment-fusion v1.1.0 is rejected (by leafwise-cli:tester: calibration off)\n',
    )
    const byEnv = await cli(['promote', 'sentiment-fusion', 'v1.1.0'], { LEAFWISE_REQUIRE_APPROVAL: '1' })
    expect(byEnv.stderr).toMatch(/NOT_APPROVED: sentiment-fusion v1.1.0 is rejected/)
    expect((await cli(['approve', 'sentiment-fusion@v1.1.0', '--reason', 'recalibrated'])).code).toBe(0)
    expect((await cli(['promote', 'sentiment-fusion', 'v1.1.0', '--require-approval'])).code).toBe(0)
    const details = JSON.parse(
      (await cli(['show', 'sentiment-fusion', 'v1.1.0', '--json'])).stdout,
    ) as ModelDetails
    expect(details.approval).toMatchObject({
      state: 'approved',
      decidedBy: 'leafwise-cli:tester',
      reason: 'recalibrated',
    })
  })

  it('diff: features, parameters and metrics between two versions', async () => {
    const run = await cli(['diff', 'sentiment-fusion', 'v1.0.0', 'v1.1.0', '--json'])
    expect(run.code).toBe(0)
    const diff = JSON.parse(run.stdout)
    expect(diff).toMatchObject({ modelName: 'sentiment-fusion', from: 'v1.0.0', to: 'v1.1.0', notes: [] })
    expect(diff.changes.map((c: { field: string }) => c.field)).toContain('validationScore')
    const text = await cli(['diff', 'sentiment-fusion', 'v1.0.0', 'champion'])
    expect(text.stdout).toMatch(
      /^sentiment-fusion: v1.0.0 -> v1.0.0\n\s+features added:\s+-\n\s+features removed:\s+-\n\s+no other changes/,
    )
  })

  it('verify reports a byte changed in model.txt after registration', async () => {
    expect((await cli(['verify'])).stdout).not.toMatch(/changed since registration/)
    const path = join(cwd, 'models/early-signal/v1.0.0/model.txt')
    const bytes = readFileSync(path)
    const at = bytes.indexOf('leaf_value=') + 14
    bytes[at] = bytes[at] === 0x31 ? 0x32 : 0x31
    writeFileSync(path, bytes)
    const run = await cli(['verify', '--json'])
    expect(run.code).toBe(1)
    const finding = JSON.parse(run.stdout).findings.find(
      (f: { issue: string }) => f.issue === 'changed-files',
    )
    expect(finding).toMatchObject({ modelName: 'early-signal', modelVersion: 'v1.0.0' })
    expect(finding.message).toMatch(/early-signal\/v1\.0\.0\/model\.txt changed since registration/)
  })
})
