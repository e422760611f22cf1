// `leafwise analyze` over a static registry manifest (no database) and the example packages.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEnsemble } from '../../src/ensemble/index.ts'
import { fileSource } from '../../src/node/fs-source.ts'
import { buildManifest, createManifestRegistry, type ModelRecord } from '../../src/registry/index.ts'
import { cli as runCli } from '../support/cli.ts'
import { repoRoot } from '../support/shared.ts'

const dir = mkdtempSync(join(tmpdir(), 'leafwise-analyze-'))
const manifestPath = join(dir, 'manifest.json')
const featuresPath = join(repoRoot, 'examples', 'data', 'features.json')
const features = JSON.parse(readFileSync(featuresPath, 'utf8'))

function row(modelName: string, modelVersion: string, extra: Partial<ModelRecord>): ModelRecord {
  const at = new Date('2026-01-01T00:00:00Z')
  return {
    modelId: `${modelName}-${modelVersion}`,
    modelName,
    modelVersion,
    modelType: 'lightgbm',
    objective: 'direction_classification',
    targetVariable: 't',
    predictionHorizon: '1w',
    validationScore: null,
    testScore: null,
    tierRequirement: 'premium',
    status: 'deployed',
    createdAt: at,
    updatedAt: at,
    ...extra,
  }
}

const rows = [
  row('early-signal', 'v1.0.0', { validationScore: 0.5986, tierRequirement: 'free' }),
  row('price-prediction', 'v1.0.0', {
    objective: 'price_prediction',
    validationScore: 0.5587,
    tierRequirement: 'enterprise',
  }),
  row('sentiment-fusion', 'v1.0.0', { validationScore: 0.515, status: 'shadow' }),
  row('sentiment-fusion', 'v1.1.0', { validationScore: 0.5176 }),
]

const cli = (...argv: string[]) => runCli(['analyze', ...argv], {}, repoRoot)

const base = () => ['--manifest', manifestPath, '--no-log']

beforeAll(() => {
  writeFileSync(manifestPath, JSON.stringify(buildManifest(rows, 'enterprise')))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('leafwise analyze', () => {
  it('--json prints the object the library returns', async () => {
    const recordPath = join(dir, 'one.json')
    writeFileSync(recordPath, JSON.stringify(features.SYN25))
    const run = await cli('--features', recordPath, '--json', ...base())
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const printed = JSON.parse(run.stdout)
    const ensemble = await createEnsemble({
      registry: createManifestRegistry(readFileSync(manifestPath, 'utf8')),
      source: fileSource(join(repoRoot, 'models')),
    })
    const expected = JSON.parse(JSON.stringify(ensemble.analyze(features.SYN25)))
    expect({ ...printed, latencyMs: 0 }).toEqual({ ...expected, latencyMs: 0 })
    expect(printed.votes).toHaveLength(3)
    expect(printed.shadowVotes.map((v: { modelVersion: string }) => v.modelVersion)).toEqual(['v1.0.0'])
    expect(printed.id).toBeUndefined()
  })

  it('a symbol map, --symbols, and the table for people', async () => {
    const run = await cli('--features', featuresPath, '--symbols', 'SYN25,SYN41', ...base())
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/tier enterprise, generation 1: 3 deployed, 1 shadow/)
    expect(run.stdout).toMatch(/SYN25 +early-signal v1\.0\.0/)
    expect(run.stdout).toMatch(/SYN41 +early-signal v1\.0\.0/)
    expect(run.stdout).toMatch(/sentiment-fusion v1\.0\.0 \(shadow\)/)
    expect(run.stdout.match(/=> consensus, score/g)).toHaveLength(2)
  })

  it('--tier free: only free models vote', async () => {
    const run = await cli(
      '--features',
      featuresPath,
      '--symbols',
      'SYN25',
      '--tier',
      'free',
      '--json',
      ...base(),
    )
    expect(run.code).toBe(0)
    const [analysis] = JSON.parse(run.stdout)
    expect(analysis.tier).toBe('free')
    expect(analysis.votes.map((v: { modelName: string }) => v.modelName)).toEqual(['early-signal'])
    expect(analysis.shadowVotes).toEqual([])
  })

  it('--explain adds each vote top features', async () => {
    const run = await cli(
      '--features',
      featuresPath,
      '--symbols',
      'SYN25',
      '--explain',
      '--top',
      '3',
      '--json',
      ...base(),
    )
    expect(run.code).toBe(0)
    const [analysis] = JSON.parse(run.stdout)
    for (const vote of analysis.votes) {
      expect(vote.topFeatures).toHaveLength(3)
      const sizes = vote.topFeatures.map((f: { contribution: number }) => Math.abs(f.contribution))
      expect(sizes).toEqual([...sizes].sort((a, b) => b - a))
    }
    const text = await cli('--features', featuresPath, '--symbols', 'SYN25', '--explain', ...base())
    expect(text.stdout).toMatch(/top features \(SHAP, raw units\):/)
    // One bar a feature, drawn either side of the axis.
    expect(text.stdout).toMatch(/\S+ = [-\d.]+ +█* *│█* +[+-]\d/)
  })

  it('writes the prediction log', async () => {
    const log = join(dir, 'logs', 'predictions.log')
    const run = await cli(
      '--features',
      featuresPath,
      '--symbols',
      'SYN25,SYN11',
      '--manifest',
      manifestPath,
      '--log',
      log,
    )
    expect(run.code).toBe(0)
    const lines = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines.map((l) => l.id)).toEqual(['SYN25', 'SYN11'])
    expect(lines[0].votes.map((v: { model: string }) => v.model)).toEqual([
      'early-signal/v1.0.0',
      'price-prediction/v1.0.0',
      'sentiment-fusion/v1.1.0',
    ])
    expect(lines[0].inputHash).toMatch(/^[0-9a-f]{16}$/)
    expect(lines[0].inputHash).not.toBe(lines[1].inputHash)
  })

  it('bad usage: no --features, unknown symbol, unknown tier', async () => {
    expect((await cli(...base())).code).toBe(2)
    const unknown = await cli('--features', featuresPath, '--symbols', 'NOPE', ...base())
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/unknown symbol\(s\).*NOPE/)
    const tier = await cli('--features', featuresPath, '--tier', 'gold', ...base())
    expect(tier.code).toBe(2)
    expect(tier.stderr).toMatch(/--tier must be one of free, premium, enterprise/)
  })
})
