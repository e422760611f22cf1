// `leafwise predict --pred-early-stop ...` and `--disable-shape-check` against LightGBM
// 4.7's outputs (test/fixtures/compat), and the shape check's default error.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli } from '../support/cli.ts'
import { compatJson, compatRoot } from '../support/compat.ts'

const dir = mkdtempSync(join(tmpdir(), 'leafwise-predict-compat-'))

function csvOf(X: (number | null)[][], name: string): string {
  const path = join(dir, name)
  writeFileSync(
    path,
    `${X.map((row) => row.map((x) => (x === null ? '' : String(x))).join(',')).join('\n')}\n`,
  )
  return path
}

function values(stdout: string): number[] {
  return stdout
    .trimEnd()
    .split('\n')
    .flatMap((line) => line.split('\t').map(Number))
}

describe('leafwise predict --pred-early-stop', () => {
  const modelPath = join(compatRoot, 'early-stop', 'multiclass', 'model.txt')
  const expected = compatJson<{
    X: (number | null)[][]
    early_stop: { freq: number; margin: number; start_iteration?: number; raw: number[]; predict: number[] }[]
  }>('early-stop', 'multiclass', 'expected.json')
  const input = csvOf(expected.X, 'multiclass.csv')

  it.each(expected.early_stop.filter((s) => !s.start_iteration && s.freq !== 10))(
    'freq $freq margin $margin prints LightGBM raw scores and predictions',
    async (setting) => {
      const flags = [
        '--pred-early-stop',
        '--pred-early-stop-freq',
        String(setting.freq),
        '--pred-early-stop-margin',
        String(setting.margin),
      ]
      const raw = await cli(['predict', '--model', modelPath, '--input', input, '--raw', ...flags])
      expect(raw.stderr).toBe('')
      expect(values(raw.stdout)).toEqual(setting.raw)
      const predicted = await cli(['predict', '--model', modelPath, '--input', input, ...flags])
      expect(values(predicted.stdout)).toEqual(setting.predict)
    },
  )

  it('--pred-early-stop-freq without --pred-early-stop is a usage error', async () => {
    const { code, stderr } = await cli([
      'predict',
      '--model',
      modelPath,
      '--input',
      input,
      '--pred-early-stop-freq',
      '3',
    ])
    expect(code).not.toBe(0)
    expect(stderr).toMatch(/need --pred-early-stop/)
  })

  it('--help documents the flags', async () => {
    const { stdout } = await cli(['predict', '--help'])
    expect(stdout).toMatch(/--pred-early-stop-freq N/)
    expect(stdout).toMatch(/--disable-shape-check/)
  })
})

describe('leafwise predict and row width', () => {
  const modelPath = join(compatRoot, 'early-stop', 'binary', 'model.txt')
  const shape = compatJson<{
    narrow: { X: (number | null)[][]; raw: number[] }
    wide: { X: (number | null)[][]; raw: number[] }
  }>('shape', 'expected.json')

  it.each(['narrow', 'wide'] as const)('%s lines are an error naming the line by default', async (which) => {
    const input = csvOf(shape[which].X, `${which}.csv`)
    const { code, stderr } = await cli(['predict', '--model', modelPath, '--input', input, '--raw'])
    expect(code).not.toBe(0)
    expect(stderr).toMatch(
      new RegExp(`line 1.*${shape[which].X[0].length} fields, but the model has 6 features`),
    )
    expect(stderr).toMatch(/--disable-shape-check/)
  })

  it.each(['narrow', 'wide'] as const)(
    '%s lines with --disable-shape-check print LightGBM raw scores',
    async (which) => {
      const input = csvOf(shape[which].X, `${which}-ok.csv`)
      const { code, stdout, stderr } = await cli([
        'predict',
        '--model',
        modelPath,
        '--input',
        input,
        '--raw',
        '--disable-shape-check',
      ])
      expect(stderr).toBe('')
      expect(code).toBe(0)
      expect(values(stdout)).toEqual(shape[which].raw)
    },
  )
})
