// `leafwise predict --package`: named raw records (CSV with a header, or JSON Lines) are
// z-scored with the package's normalizer and predicted; the outputs equal the package's
// own samples.json, and examples/data/records.csv (the README's input) is served.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { fileSource } from '../../src/node/fs-source.ts'
import { loadPackage } from '../../src/package/index.ts'
import { cli } from '../support/cli.ts'
import { repoRoot } from '../support/shared.ts'

const dir = mkdtempSync(join(tmpdir(), 'leafwise-predict-package-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Sample {
  features: Record<string, number | null>
  predict: number[]
}

const packages = ['sentiment-fusion/v1.1.0', 'early-signal/v1.0.0', 'price-prediction/v1.0.0']

const outputs = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((line) => line.split('\t').map(Number))

describe('leafwise predict --package', () => {
  it.each(packages)('%s: CSV and JSON Lines records give the outputs of samples.json', async (id) => {
    const samples = JSON.parse(readFileSync(join(repoRoot, 'models', id, 'samples.json'), 'utf8')) as {
      feature_order: string[]
      samples: Sample[]
    }
    // Columns in reverse order: they are mapped by name, not position.
    const names = [...samples.feature_order].reverse()
    const csv = join(dir, `${id.replace('/', '-')}.csv`)
    writeFileSync(
      csv,
      `${names.join(',')}\n${samples.samples.map((s) => names.map((n) => s.features[n] ?? '').join(',')).join('\n')}\n`,
    )
    const jsonl = join(dir, `${id.replace('/', '-')}.jsonl`)
    writeFileSync(jsonl, `${samples.samples.map((s) => JSON.stringify(s.features)).join('\n')}\n`)
    for (const input of [csv, jsonl]) {
      const run = await cli(['predict', '--package', `models/${id}`, '--input', input])
      expect(run.stderr).toBe('')
      expect(run.code).toBe(0)
      const got = outputs(run.stdout)
      expect(got).toHaveLength(samples.samples.length)
      got.forEach((row, i) => {
        const want = samples.samples[i].predict
        expect(row).toHaveLength(want.length)
        for (let k = 0; k < row.length; k++)
          expect(Math.abs(row[k] - want[k])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want[k])))
      })
    }
  })

  it('examples/data/records.csv (the README input) predicts exactly as the library does', async () => {
    const run = await cli([
      'predict',
      '--package',
      'models/sentiment-fusion/v1.1.0',
      '--input',
      'examples/data/records.csv',
    ])
    expect(run.code).toBe(0)
    const pkg = await loadPackage(fileSource(join(repoRoot, 'models')), 'sentiment-fusion', 'v1.1.0')
    const [header, ...lines] = readFileSync(join(repoRoot, 'examples/data/records.csv'), 'utf8')
      .trim()
      .split('\n')
    const names = header.split(',')
    const records = lines.map((line) =>
      Object.fromEntries(line.split(',').map((v, i) => [names[i], v === '' ? null : Number(v)])),
    )
    const expected = pkg.predictMany(records)
    expect(outputs(run.stdout).flat()).toEqual(Array.from(expected))
    expect(readFileSync(join(repoRoot, 'README.md'), 'utf8')).toContain('--input examples/data/records.csv')
  })

  it('an unknown column names the closest feature; --allow-unknown-features ignores it; absent ones warn', async () => {
    const csv = join(dir, 'typo.csv')
    writeFileSync(csv, 'rsi7,macd_histogram\n50,0.1\n')
    const refused = await cli(['predict', '--package', 'models/early-signal/v1.0.0', '--input', csv])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain("'rsi7' (did you mean 'rsi_7'?)")
    const allowed = await cli([
      'predict',
      '--package',
      'models/early-signal/v1.0.0',
      '--input',
      csv,
      '--allow-unknown-features',
    ])
    expect(allowed.code).toBe(0)
    expect(outputs(allowed.stdout)).toHaveLength(1)
    expect(allowed.stderr).toMatch(/^warning: .* has no column for 24 of 25 features/)
  })

  it('usage: --model and --package together, or a file that is neither .csv nor .jsonl, exit 2', async () => {
    const both = await cli(['predict', '--model', 'x', '--package', 'y', '--input', 'z.csv'])
    expect(both.code).toBe(2)
    const json = await cli(['predict', '--package', 'models/early-signal/v1.0.0', '--input', 'records.txt'])
    expect(json.code).toBe(2)
  })
})
