import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { modelsRoot } from '../package/helpers.ts'
import { cli } from '../support/cli.ts'
import { repoRoot, sharedPath, skipShared } from '../support/shared.ts'

const run = (argv: string[], cwd = repoRoot) => cli(argv, {}, cwd)

describe('leafwise check', () => {
  it('prints a table of the example packages (default root ./models) and exits 0', async () => {
    const { code, stdout } = await run(['check'])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^PACKAGE\s+STATUS\s+FILE\s+PROBLEM$/m)
    expect(stdout).toMatch(/^sentiment-fusion\/v1\.1\.0\s+ok\s+6 files$/m)
    expect(stdout).toContain('4 packages under models: 4 ok, 0 broken')
  })

  it('--json reports every package for machines', async () => {
    const { code, stdout } = await run(['check', modelsRoot, '--json'])
    expect(code).toBe(0)
    const report = JSON.parse(stdout)
    expect(report.ok).toBe(true)
    expect(report.packages.map((p: { id: string }) => p.id)).toHaveLength(4)
  })

  it('exits 1 with every problem of a broken package', async () => {
    const root = mkdtempSync(join(tmpdir(), 'leafwise-check-'))
    cpSync(join(modelsRoot, 'early-signal'), join(root, 'early-signal'), { recursive: true })
    writeFileSync(join(root, 'early-signal/v1.0.0/normalizer.json'), '{"rsi_7": {"mean": 1, "std": "2"}}')
    const { code, stdout } = await run(['check', root])
    expect(code).toBe(1)
    expect(stdout).toMatch(
      /early-signal\/v1\.0\.0\s+BROKEN\s+normalizer\.json\s+INVALID_NORMALIZER \[rsi_7\.std\]/,
    )
    expect(stdout).toContain('1 package under')
    const json = JSON.parse((await run(['check', root, '--json'])).stdout)
    expect(json.ok).toBe(false)
    expect(json.packages[0].problems[0]).toMatchObject({
      code: 'INVALID_NORMALIZER',
      file: 'normalizer.json',
      field: 'rsi_7.std',
    })
    rmSync(root, { recursive: true, force: true })
  })

  it('exits 1 when there are no packages, 2 on bad usage', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'leafwise-empty-'))
    expect((await run(['check', empty])).code).toBe(1)
    expect((await run(['check', 'a', 'b'])).code).toBe(2)
    expect((await run(['check', '--nope'])).code).toBe(2)
    rmSync(empty, { recursive: true, force: true })
  })

  describe.skipIf(skipShared)('on ../shared/models-broken', () => {
    it.each([
      ['normalizer-missing-feature', "no entry for model feature 'volatility_20d'"],
      ['model-name-with-space', 'INVALID_MODEL_NAME'],
      ['truncated-model-file', 'MODEL_PARSE_ERROR [leaf_value]'],
    ])('%s is reported broken', async (name, text) => {
      const { code, stdout } = await run(['check', sharedPath('models-broken', name)])
      expect(code).toBe(1)
      expect(stdout).toContain('BROKEN')
      expect(stdout).toContain(text)
    })
  })
})
