// `leafwise outcome`, `drift` and `report` on an embedded registry whose prediction store
// holds analyses of the example models (sentiment-fusion v1.0.0 in shadow).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Analysis } from '../../src/ensemble/index.ts'
import { createPgliteClient } from '../../src/registry/pglite.ts'
import { exampleRows, features, modelsRoot } from '../ensemble/support.ts'
import { exampleRegistry, monitoredEnsemble } from '../monitor/support.ts'
import { cli } from '../support/cli.ts'

describe('leafwise outcome / drift / report', () => {
  let dir: string
  let dataDir: string
  const analyses: Analysis[] = []
  const symbols = Object.keys(features)

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'leafwise-monitor-cli-'))
    dataDir = join(dir, 'registry')
    const client = createPgliteClient({ dataDir })
    const rows = exampleRows.map((r) =>
      r.modelName === 'sentiment-fusion' && r.modelVersion === 'v1.0.0'
        ? { ...r, status: 'shadow' as const }
        : r,
    )
    const registry = await exampleRegistry(client, rows)
    const { ensemble, store } = await monitoredEnsemble(client, registry)
    for (const symbol of symbols) analyses.push(ensemble.analyze(features[symbol], { id: symbol }))
    expect(await store.close()).toMatchObject({ written: symbols.length, dropped: 0 })
    await ensemble.close()
    await client.close()
  }, 60_000)
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  it('records outcomes from a CSV and reports live accuracy beside agreement', async () => {
    const now = new Date().toISOString()
    const csv = join(dir, 'outcomes.csv')
    writeFileSync(
      csv,
      `symbol,time,actual\n${symbols.map((s, i) => `${s},${now},${['UP', 'DOWN', 'NEUTRAL'][i % 3]}`).join('\n')}\n`,
    )
    const recorded = await cli(['outcome', csv, '--data-dir', dataDir])
    expect(recorded).toMatchObject({ code: 0, stdout: `recorded ${symbols.length} outcomes\n` })
    const report = await cli([
      'report',
      'sentiment-fusion',
      '--data-dir',
      dataDir,
      '--models',
      modelsRoot,
      '--json',
    ])
    expect(report.code).toBe(0)
    const data = JSON.parse(report.stdout)
    expect(data.deployedVersion).toBe('v1.1.0')
    expect(data.analyses).toBe(symbols.length)
    const shadow = data.versions.find((v: { modelVersion: string }) => v.modelVersion === 'v1.0.0')
    const agreed = analyses.filter(
      (a) =>
        a.votes.find((v) => v.modelName === 'sentiment-fusion')!.signal ===
        a.shadowVotes.find((v) => v.modelName === 'sentiment-fusion')!.signal,
    ).length
    expect(shadow.agreement.agreed).toBe(agreed)
    const correct = analyses.filter(
      (a, i) =>
        a.shadowVotes.find((v) => v.modelName === 'sentiment-fusion')!.signal ===
        ['BULLISH', 'BEARISH', 'NEUTRAL'][i % 3],
    ).length
    expect(shadow.live).toMatchObject({ outcomes: symbols.length, correct })
    const text = await cli(['report', 'sentiment-fusion', '--data-dir', dataDir, '--models', modelsRoot])
    expect(text.stdout).toMatch(/v1\.0\.0 +shadow +0 +0 +32/)
    expect(text.stdout).toContain('v1.0.0 against v1.1.0')
  })

  it('prints drift per feature', async () => {
    const result = await cli([
      'drift',
      'sentiment-fusion',
      '--data-dir',
      dataDir,
      '--models',
      modelsRoot,
      '--json',
    ])
    expect(result.code).toBe(0)
    const data = JSON.parse(result.stdout)
    expect(data.versions.map((v: { modelVersion: string }) => v.modelVersion)).toEqual(['v1.0.0', 'v1.1.0'])
    expect(data.versions[1].features.length).toBeGreaterThan(10)
    const text = await cli([
      'drift',
      'sentiment-fusion',
      '--data-dir',
      dataDir,
      '--models',
      modelsRoot,
      '--since',
      '1h',
    ])
    expect(text.stdout).toContain('sentiment-fusion v1.1.0: 32 predictions')
  })

  it('names the file, line and field of a bad outcome, and a bad --since', async () => {
    const csv = join(dir, 'bad.csv')
    writeFileSync(csv, 'key,time,actual\nSYN1,yesterday,UP\n')
    const bad = await cli(['outcome', csv, '--data-dir', dataDir])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/bad\.csv:2: field 2 \(time\)/)
    const since = await cli(['drift', 'sentiment-fusion', '--data-dir', dataDir, '--since', 'a week'])
    expect(since.code).toBe(2)
    expect(since.stderr).toContain('a week')
  })
})
