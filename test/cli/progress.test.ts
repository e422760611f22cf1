// Long work shows progress on a terminal (stdout and stderr both TTYs) and nothing when
// output is piped or redirected: the progress line is on stderr, erased at the end, and
// never mixed into the predictions.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildManifest, type ModelRecord } from '../../src/registry/index.ts'
import { cli } from '../support/cli.ts'
import { repoRoot } from '../support/shared.ts'

const dir = mkdtempSync(join(tmpdir(), 'leafwise-progress-'))
const input = join(dir, 'rows.csv')
const model = join(repoRoot, 'models/early-signal/v1.0.0/model.txt')
const ROWS = 5_000

beforeAll(() => {
  const lines: string[] = []
  for (let r = 0; r < ROWS; r++)
    lines.push(Array.from({ length: 25 }, (_, k) => ((r * 7 + k) % 13) / 6 - 1).join(','))
  writeFileSync(input, `${lines.join('\n')}\n`)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const run = (argv: string[], interactive: boolean) => cli(argv, {}, repoRoot, { interactive })

describe('progress of predict', () => {
  it('on a terminal: a progress line on stderr, erased at the end; the output file is clean', async () => {
    const out = join(dir, 'out.tsv')
    const shown = await run(
      ['predict', '--model', model, '--input', input, '--contrib', '--output', out],
      true,
    )
    expect(shown.code).toBe(0)
    const ERASE = '\r\u001b[2K'
    expect(shown.stderr.startsWith(`${ERASE}predict: `)).toBe(true)
    expect(shown.stderr).toMatch(/predict: [\d,]+ rows, [\d,]+ rows\/s -> /)
    expect(shown.stderr.endsWith(ERASE)).toBe(true)
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n')
    expect(lines).toHaveLength(ROWS)
    expect(lines.every((line) => line.split('\t').length === 26)).toBe(true)
  })

  it('to standard output on a terminal: the line is erased before each block of output', async () => {
    const shown = await run(['predict', '--model', model, '--input', input], true)
    expect(shown.code).toBe(0)
    expect(shown.stdout.trimEnd().split('\n')).toHaveLength(ROWS)
    expect(shown.stdout).not.toContain('\u001b')
  })

  it('piped or redirected: no progress at all', async () => {
    const quiet = await run(['predict', '--model', model, '--input', input, '--contrib'], false)
    expect(quiet.code).toBe(0)
    expect(quiet.stderr).toBe('')
  })
})

describe('progress of analyze', () => {
  it('loading the models shows a line on a terminal, erased before the table; none when piped', async () => {
    const at = new Date('2026-01-01T00:00:00Z')
    const row: ModelRecord = {
      modelId: 'early-signal',
      modelName: 'early-signal',
      modelVersion: 'v1.0.0',
      modelType: 'lightgbm',
      objective: 'direction_classification',
      targetVariable: 't',
      predictionHorizon: '1w',
      validationScore: 0.6,
      testScore: null,
      tierRequirement: 'free',
      status: 'deployed',
      createdAt: at,
      updatedAt: at,
    }
    const manifest = join(dir, 'manifest.json')
    writeFileSync(manifest, JSON.stringify(buildManifest([row], 'enterprise')))
    const record = join(dir, 'record.json')
    writeFileSync(record, JSON.stringify({ rsi_7: 50 }))
    const args = ['analyze', '--features', record, '--manifest', manifest, '--no-log']
    const shown = await run(args, true)
    expect(shown.code).toBe(0)
    expect(shown.stderr).toContain('\r\u001b[2Kloading the models of tier enterprise')
    expect(shown.stderr.endsWith('\r\u001b[2K')).toBe(true)
    const quiet = await run(args, false)
    expect(quiet.code).toBe(0)
    expect(quiet.stderr).toBe('')
  })
})
