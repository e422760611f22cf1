// `leafwise explain`: the bar chart and the --json output for one row of a CSV file.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseModel } from '../../src/index.ts'
import { cli as runCli } from '../support/cli.ts'
import { repoRoot } from '../support/shared.ts'

const modelPath = join(repoRoot, 'test', 'fixtures', 'lightgbm', 'multiclass', 'model.txt')
const dir = mkdtempSync(join(tmpdir(), 'leafwise-explain-'))
const csv = join(dir, 'rows.csv')
writeFileSync(csv, '0.5,1.2,,3,-1,2\n1,2,3,4,5,6\n')

const cli = (...argv: string[]) => runCli(['explain', ...argv], {}, dir)

describe('leafwise explain', () => {
  it('draws a bar chart per class with names, values and signed contributions', async () => {
    const run = await cli('--model', modelPath, '--input', 'rows.csv', '--top', '3')
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/class 0: raw score/)
    expect(run.stdout).toMatch(/class 2: raw score/)
    expect(run.stdout).toMatch(/f2 = missing/)
    expect(run.stdout).toMatch(/█│/) // a negative bar
    expect(run.stdout).toMatch(/│█/) // a positive bar
    expect(run.stdout).toMatch(/[+-]\d/)
  })

  it('--json gives the numbers of predictContrib for the chosen row', async () => {
    const run = await cli('--model', modelPath, '--input', csv, '--row', '2', '--top', '6', '--json')
    expect(run.code).toBe(0)
    const parsed = JSON.parse(run.stdout) as {
      row: number
      classes: {
        classIndex: number
        expectedValue: number
        contributions: { index: number; contribution: number }[]
      }[]
    }
    const model = parseModel(readFileSync(modelPath))
    const contrib = model.predictContrib([1, 2, 3, 4, 5, 6])
    expect(parsed.row).toBe(2)
    for (const c of parsed.classes) {
      const block = c.classIndex * 7
      expect(c.expectedValue).toBe(contrib[block + 6])
      for (const f of c.contributions) expect(f.contribution).toBe(contrib[block + f.index])
    }
  })

  it('--ascii draws with plain characters', async () => {
    const run = await cli('--model', modelPath, '--input', csv, '--ascii')
    expect(run.code).toBe(0)
    expect(run.stdout).not.toMatch(/[█│]/)
    expect(run.stdout).toMatch(/\|\+/)
  })

  it('usage errors: missing flags, a row past the end', async () => {
    expect((await cli('--input', csv)).code).toBe(2)
    const past = await cli('--model', modelPath, '--input', csv, '--row', '3')
    expect(past.code).toBe(2)
    expect(past.stderr).toMatch(/2 data rows; --row 3 is past the end/)
  })
})
