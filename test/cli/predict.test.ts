// `leafwise predict` and `leafwise inspect` as DESIGN.md specifies them.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseModel } from '../../src/index.ts'
import { cli } from '../support/cli.ts'
import { flatRows } from '../support/fixtures.ts'
import { repoRoot } from '../support/shared.ts'

const dir = mkdtempSync(join(tmpdir(), 'leafwise-predict-'))
const caseDir = join(repoRoot, 'test/fixtures/lightgbm/multiclass')
const modelPath = join(caseDir, 'model.txt')
const expected = JSON.parse(readFileSync(join(caseDir, 'expected.json'), 'utf8'))
const model = parseModel(readFileSync(modelPath))
const csv = expected.X.map((row: (number | null)[]) =>
  row.map((x) => (x === null ? '' : String(x))).join(','),
).join('\n')
const inputPath = join(dir, 'rows.csv')
writeFileSync(inputPath, `${csv}\n`)

function lines(text: string): string[][] {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => l.split('\t'))
}

describe('leafwise predict', () => {
  it('prints transformed predictions, tab-separated, as String(x)', async () => {
    const { code, stdout, stderr } = await cli(['predict', '--model', modelPath, '--input', inputPath])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const want = model.predict(flatRows(expected.X, expected.num_features))
    expect(lines(stdout).flat()).toEqual(Array.from(want, String))
    expect(lines(stdout)[0]).toHaveLength(3)
  })
  it('--raw prints LightGBM raw scores bit for bit', async () => {
    const { stdout } = await cli(['predict', '--model', modelPath, '--input', inputPath, '--raw'])
    expect(lines(stdout).flat().map(Number)).toEqual(expected.raw.flat())
  })
  it('--leaf-index prints the leaves', async () => {
    const { stdout } = await cli(['predict', '--model', modelPath, '--input', inputPath, '--leaf-index'])
    expect(lines(stdout).flat().map(Number)).toEqual(expected.leaf_index.flat())
  })
  it('--start-iteration / --num-iteration select a window', async () => {
    const w = expected.num_iteration_cases.find((c: { start_iteration: number }) => c.start_iteration > 0)
    const { stdout } = await cli([
      'predict',
      '--model',
      modelPath,
      '--input',
      inputPath,
      '--raw',
      '--start-iteration',
      String(w.start_iteration),
      '--num-iteration',
      String(w.num_iteration),
    ])
    expect(lines(stdout).flat().map(Number)).toEqual(w.raw.flat())
  })
  it('--header maps columns by name, --output writes a file', async () => {
    const names: string[] = model.featureNames
    const order = names.map((_, i) => i).reverse()
    const body = expected.X.map((row: (number | null)[]) =>
      order.map((i) => (row[i] === null ? 'nan' : String(row[i]))).join(','),
    )
    const headerPath = join(dir, 'header.csv')
    writeFileSync(headerPath, `${order.map((i) => names[i]).join(',')}\n${body.join('\n')}\n`)
    const outPath = join(dir, 'out.tsv')
    const { code } = await cli([
      'predict',
      '--model',
      modelPath,
      '--input',
      headerPath,
      '--header',
      '--raw',
      '--output',
      outPath,
    ])
    expect(code).toBe(0)
    expect(lines(readFileSync(outPath, 'utf8')).flat().map(Number)).toEqual(expected.raw.flat())
  })
  it('a bad field names file, line and field and exits non-zero', async () => {
    const bad = join(dir, 'bad.csv')
    const rows = csv.split('\n')
    const fields = rows[2].split(',')
    fields[3] = 'abc'
    rows[2] = fields.join(',')
    writeFileSync(bad, rows.join('\n'))
    const { code, stderr } = await cli(['predict', '--model', modelPath, '--input', bad])
    expect(code).not.toBe(0)
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toContain(`${bad}, line 3, field 4: 'abc' is not a number`)
  })
  it('a short row names its line', async () => {
    const bad = join(dir, 'short.csv')
    writeFileSync(bad, '1,2\n')
    const { code, stderr } = await cli(['predict', '--model', modelPath, '--input', bad])
    expect(code).not.toBe(0)
    expect(stderr).toContain(`${bad}, line 1: 2 fields, but the model has ${model.numFeatures} features`)
  })
  it('a missing model file and a broken model are one-line errors', async () => {
    const missing = await cli(['predict', '--model', join(dir, 'nope.txt'), '--input', inputPath])
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toContain('nope.txt: no such file')
    const broken = join(dir, 'broken.txt')
    writeFileSync(broken, readFileSync(modelPath, 'utf8').slice(0, 3000))
    const result = await cli(['predict', '--model', broken, '--input', inputPath])
    expect(result.code).not.toBe(0)
    expect(result.stderr).toMatch(/MODEL_PARSE_ERROR: .*broken.txt, line \d+, Tree=\d+/)
  })
  it('rejects conflicting modes', async () => {
    const { code, stderr } = await cli([
      'predict',
      '--model',
      modelPath,
      '--input',
      inputPath,
      '--raw',
      '--leaf-index',
    ])
    expect(code).toBe(2)
    expect(stderr).toMatch(/at most one/)
  })
})

describe('leafwise inspect', () => {
  it('describes the model', async () => {
    const { code, stdout } = await cli(['inspect', modelPath])
    expect(code).toBe(0)
    expect(stdout).toMatch(/objective\s+multiclass num_class:3/)
    expect(stdout).toMatch(/trees\s+30 \(10 iterations\)/)
  })
  it('--json gives the facts', async () => {
    const { stdout } = await cli(['inspect', modelPath, '--json'])
    const facts = JSON.parse(stdout)
    expect(facts.numClass).toBe(3)
    expect(facts.numTrees).toBe(model.numTrees)
    expect(facts.numFeatures).toBe(model.numFeatures)
    expect(facts.fileBytes).toBe(readFileSync(modelPath).length)
    expect(facts.maxDepth).toBeGreaterThan(0)
  })
})
