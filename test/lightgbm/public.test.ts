// Real model files from public projects (../shared/fixtures/public), LightGBM 2.0 to 4.7,
// against LightGBM 4.7.0's outputs in each case's lgbm470/ folder.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ModelParseError, parseModel } from '../../src/index.ts'
import { pureRelDiff, readCsv, relDiff, sameDouble } from '../support/fixtures.ts'
import { sharedPath, skipShared } from '../support/shared.ts'

const root = sharedPath('fixtures', 'public')
const cases = skipShared
  ? []
  : readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort()

/** The three files LightGBM 4.7.0 itself cannot load (their SOURCE.md says why). */
const refused: Record<string, RegExp> = {
  predict4j_legacy_prev2: /feature_infos/,
  predict4j_noversion_v2era: /num_cat/,
  lleaves_mtpl2_small: /tree_sizes lists 1000 trees but the file holds 200/,
}

function flat(rows: number[][]): Float64Array {
  return Float64Array.from(rows.flat())
}

describe.skipIf(skipShared)('public model corpus (../shared/fixtures/public)', () => {
  it('has 45 cases', () => {
    expect(cases.length).toBe(45)
  })

  for (const name of cases) {
    const dir = join(root, name)
    const modelPath = join(dir, 'model.txt')
    if (refused[name]) {
      it(`${name}: refused with a ModelParseError, as LightGBM 4.7.0 refuses it`, () => {
        expect(existsSync(join(dir, 'lgbm470'))).toBe(false)
        const attempt = () => parseModel(readFileSync(modelPath), { source: modelPath })
        expect(attempt).toThrow(ModelParseError)
        expect(attempt).toThrow(refused[name])
      })
      continue
    }
    it(`${name}: raw, predict and leaf indices equal LightGBM 4.7.0's`, () => {
      const model = parseModel(readFileSync(modelPath), { source: modelPath })
      let sets = 0
      for (const prefix of ['', 'gen_']) {
        const inputPath = join(dir, 'lgbm470', `${prefix}input.csv`)
        if (!existsSync(inputPath)) continue
        sets++
        const rows = flat(readCsv(inputPath))
        const raw = model.predictRaw(rows)
        const pred = model.predict(rows)
        const leaf = model.predictLeafIndex(rows)
        const expectedRaw = readCsv(join(dir, 'lgbm470', `${prefix}raw.csv`)).flat()
        const expectedPred = readCsv(join(dir, 'lgbm470', `${prefix}pred.csv`)).flat()
        const expectedLeaf = readCsv(join(dir, 'lgbm470', `${prefix}leaf.csv`)).flat()
        expect(raw.length).toBe(expectedRaw.length)
        expect(leaf.length).toBe(expectedLeaf.length)
        const rawBad = expectedRaw.map((v, i) => [i, v, raw[i]]).filter(([, v, a]) => !sameDouble(v, a))
        expect(rawBad.slice(0, 3), `${prefix}raw`).toEqual([])
        const leafBad = expectedLeaf.map((v, i) => [i, v, leaf[i]]).filter(([, v, a]) => !sameDouble(v, a))
        expect(leafBad.slice(0, 3), `${prefix}leaf`).toEqual([])
        let worst = 0
        expectedPred.forEach((v, i) => {
          worst = Math.max(worst, pureRelDiff(pred[i], v))
        })
        expect(worst, `${prefix}pred`).toBeLessThanOrEqual(1e-14)
        // The hard limit of the quality bar, stated for the record: raw within 1e-12.
        expect(Math.max(0, ...expectedRaw.map((v, i) => relDiff(raw[i], v)))).toBeLessThanOrEqual(1e-12)
      }
      expect(sets).toBeGreaterThan(0)
    })
  }
})
