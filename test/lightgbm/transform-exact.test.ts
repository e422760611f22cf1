// Transformed outputs (sigmoid, softmax, exp, log1p(exp)) equal LightGBM's `predict`
// bit for bit, now that exp and log1p are glibc's (src/lightgbm/math.ts). The zoo and
// public tests keep their 1e-14 bound; this one asks for identical doubles.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseModel } from '../../src/index.ts'
import { flatRows, ownZooCases, readCsv, sharedZooCases, type ZooCase } from '../support/fixtures.ts'
import { sharedPath, skipShared } from '../support/shared.ts'

/** Positions where `actual` is not the same double as `expected` (Object.is: -0 and NaN count). */
function differing(expected: number[], actual: Float64Array): [number, number, number][] {
  const out: [number, number, number][] = []
  expected.forEach((v, i) => {
    if (!Object.is(v, actual[i])) out.push([i, v, actual[i]])
  })
  return out
}

function checkZooCase(zooCase: ZooCase): void {
  const e = zooCase.expected()
  const model = parseModel(readFileSync(zooCase.modelPath), { source: zooCase.modelPath })
  const rows = flatRows(e.X, e.num_features)
  const predict = e.predict.flat()
  expect(differing(predict, model.predict(rows)).slice(0, 5), 'predict').toEqual([])
  for (const w of e.num_iteration_cases) {
    const options = { startIteration: w.start_iteration, numIteration: w.num_iteration }
    const expected = w.predict.flat()
    expect(
      differing(expected, model.predict(rows, undefined, options)).slice(0, 5),
      JSON.stringify(options),
    ).toEqual([])
  }
}

describe('transformed outputs equal LightGBM bit for bit: committed fixtures (test/fixtures/lightgbm)', () => {
  for (const zooCase of ownZooCases()) it(zooCase.name, () => checkZooCase(zooCase))
})

describe.skipIf(skipShared)('transformed outputs equal LightGBM bit for bit: shared zoo', () => {
  for (const zooCase of sharedZooCases()) it(zooCase.name, () => checkZooCase(zooCase))
})

const publicRoot = sharedPath('fixtures', 'public')
const publicCases = skipShared
  ? []
  : readdirSync(publicRoot, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(publicRoot, d.name, 'lgbm470')))
      .map((d) => d.name)
      .sort()

describe.skipIf(skipShared)('transformed outputs equal LightGBM 4.7.0 bit for bit: public corpus', () => {
  for (const name of publicCases) {
    it(name, () => {
      const dir = join(publicRoot, name)
      const model = parseModel(readFileSync(join(dir, 'model.txt')), { source: name })
      let sets = 0
      for (const prefix of ['', 'gen_']) {
        const inputPath = join(dir, 'lgbm470', `${prefix}input.csv`)
        if (!existsSync(inputPath)) continue
        sets++
        const rows = Float64Array.from(readCsv(inputPath).flat())
        const expected = readCsv(join(dir, 'lgbm470', `${prefix}pred.csv`)).flat()
        const actual = model.predict(rows)
        expect(actual.length).toBe(expected.length)
        expect(differing(expected, actual).slice(0, 5), `${prefix}pred`).toEqual([])
      }
      expect(sets).toBeGreaterThan(0)
    })
  }
})
