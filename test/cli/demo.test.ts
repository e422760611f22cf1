// `leafwise demo` from a directory with no models and no registry: it finds the packaged
// example models, builds an embedded registry in a temporary directory, and runs twice.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { cli } from '../support/cli.ts'

const dir = mkdtempSync(join(tmpdir(), 'leafwise-demo-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const demo = (...argv: string[]) =>
  cli(['demo', '--data-dir', join(dir, 'registry'), ...argv], { USER: 'tester' }, dir)

describe('leafwise demo', () => {
  it('migrates, registers, verifies and analyzes on a fresh embedded registry', async () => {
    const run = await demo()
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const out = run.stdout
    expect(out).toMatch(/1\. migrate: applied 001_ml_models/)
    expect(out).toMatch(/sentiment-fusion v1\.1\.0: registered \(deployed, premium/)
    expect(out).toMatch(/sentiment-fusion v1\.0\.0: registered \(deprecated, premium/)
    expect(out).toMatch(/early-signal v1\.0\.0: registered \(deployed, free/)
    expect(out).toMatch(/verify: OK/)
    expect(out).toMatch(/3 deployed models vote/)
    // Every symbol: three distinct votes (Common Issue 5) and a consensus line.
    for (const symbol of ['SYN25', 'SYN41', 'SYN11', 'SYN07']) expect(out).toContain(symbol)
    expect(out.match(/=> consensus, score \d+/g)).toHaveLength(4)
    expect(out.match(/sentiment-fusion v1\.1\.0 +(BULLISH|BEARISH|NEUTRAL)/g)).toHaveLength(4)
    expect(out.match(/price-prediction v1\.0\.0 +(BULLISH|BEARISH|NEUTRAL)/g)).toHaveLength(4)
    expect(out.match(/early-signal v1\.0\.0 +(BULLISH|BEARISH|NEUTRAL)/g)).toHaveLength(4)
    expect(out).not.toContain('v1.0.0 (shadow)')
    expect(out).not.toMatch(/sentiment-fusion v1\.0\.0 +(BULLISH|BEARISH|NEUTRAL)/)
    // The prediction log: one line per analysis.
    const log = join(dir, 'logs', 'ml-predictions.log')
    expect(existsSync(log)).toBe(true)
    const lines = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines).toHaveLength(4)
    expect(lines[0].votes).toHaveLength(3)
    expect(lines[0].id).toBe('SYN25')
    // The columns are explained, the regression band included.
    expect(out).toContain('What the columns mean:')
    expect(out).toMatch(/weight +the model's weight in the consensus: its validation score/)
    expect(out).toMatch(/score +round\(50 \+ 50 \* \(P\(bull\) - P\(bear\)\)\)/)
    expect(out).toMatch(/neutral band: P\(bull\) =\s+sigmoid\(\(r - 0\.5%\) \/ 0\.25%\)/)
    expect(out).toContain('confidence of 1.000')
    // "Next:" hints are `npx leafwise` commands that work here (this directory has no models/).
    const hints = out
      .slice(out.indexOf('Next:'))
      .split('\n')
      .slice(1)
      .filter((line) => line.trim())
    expect(hints.length).toBeGreaterThanOrEqual(2)
    for (const hint of hints) expect(hint.trim()).toMatch(/^npx leafwise /)
    const first = hints[0]
      .trim()
      .replace(/^npx leafwise /, '')
      .split(' ')
    expect(first).toContain('--models')
    expect(first).toContain('--data-dir')
    const { code, stdout } = await cli([...first, '--no-log'], { USER: 'tester' }, dir)
    expect(code).toBe(0)
    expect(stdout).toMatch(/SYN25 +early-signal v1\.0\.0/)
  }, 300_000)

  it('runs again on the same registry without registering twice', async () => {
    const run = await demo('--json', '--no-log')
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const result = JSON.parse(run.stdout)
    expect(result.verify.ok).toBe(true)
    expect(result.analyses).toHaveLength(4)
    const first = result.analyses[0]
    expect(first.id).toBe('SYN25')
    expect(first.votes.map((v: { modelName: string }) => v.modelName)).toEqual([
      'early-signal',
      'price-prediction',
      'sentiment-fusion',
    ])
    expect(new Set(first.votes.map((v: { confidence: number }) => v.confidence)).size).toBe(3)
    expect(first.consensus.score).toBeGreaterThanOrEqual(0)
  }, 300_000)
})
