// `leafwise analyze` refuses feature names no model reads (unless --allow-unknown-features)
// and shows how many features each vote found missing, flagging sparse votes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildManifest, type ModelRecord } from '../../src/registry/index.ts'
import { cli } from '../support/cli.ts'
import { repoRoot } from '../support/shared.ts'

const dir = mkdtempSync(join(tmpdir(), 'leafwise-unknown-'))
const manifest = join(dir, 'manifest.json')
const features = JSON.parse(readFileSync(join(repoRoot, 'examples', 'data', 'features.json'), 'utf8'))

function row(modelName: string, objective: ModelRecord['objective'], tier: ModelRecord['tierRequirement']) {
  const at = new Date('2026-01-01T00:00:00Z')
  return {
    modelId: modelName,
    modelName,
    modelVersion: 'v1.0.0',
    modelType: 'lightgbm',
    objective,
    targetVariable: 't',
    predictionHorizon: '1w',
    validationScore: 0.55,
    testScore: null,
    tierRequirement: tier,
    status: 'deployed',
    createdAt: at,
    updatedAt: at,
  } satisfies ModelRecord
}

beforeAll(() => {
  const rows = [
    row('early-signal', 'direction_classification', 'free'),
    row('price-prediction', 'price_prediction', 'enterprise'),
  ].concat({ ...row('sentiment-fusion', 'direction_classification', 'premium'), modelVersion: 'v1.1.0' })
  writeFileSync(manifest, JSON.stringify(buildManifest(rows, 'enterprise')))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const analyze = (file: string, ...extra: string[]) =>
  cli(['analyze', '--features', file, '--manifest', manifest, '--no-log', ...extra])

describe('leafwise analyze and unknown feature names', () => {
  it('a typo is an error (exit 1) naming the key and the closest feature', async () => {
    const file = join(dir, 'typo.json')
    writeFileSync(file, JSON.stringify({ rsi7: 50, foo: 1 }))
    const run = await analyze(file)
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain('UNKNOWN_FEATURE')
    expect(run.stderr).toContain("'rsi7' (did you mean 'rsi_7'?)")
    expect(run.stderr).toContain('--allow-unknown-features')
  })

  it('--allow-unknown-features answers, with every vote marked sparse', async () => {
    const file = join(dir, 'typo.json')
    writeFileSync(file, JSON.stringify({ rsi7: 50, foo: 1 }))
    const run = await analyze(file, '--allow-unknown-features')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/early-signal v1\.0\.0 .* 25 sparse/)
    expect(run.stdout).toMatch(/price-prediction v1\.0\.0 .* 30 sparse/)
    expect(run.stdout).toMatch(/sentiment-fusion v1\.1\.0 .* 45 sparse/)
    expect(run.stdout).toContain('sparse votes (more than half')
    const json = JSON.parse((await analyze(file, '--allow-unknown-features', '--json')).stdout)
    expect(json.votes.map((v: { sparse: boolean }) => v.sparse)).toEqual([true, true, true])
  })

  it('a full record: missing 0 and no sparse note', async () => {
    const file = join(dir, 'full.json')
    writeFileSync(file, JSON.stringify(features.SYN25))
    const run = await analyze(file)
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/early-signal v1\.0\.0 .* 0\n/)
    expect(run.stdout).not.toContain('sparse')
  })

  it('--help documents the flag', async () => {
    expect((await cli(['analyze', '--help'])).stdout).toContain('--allow-unknown-features')
  })
})
