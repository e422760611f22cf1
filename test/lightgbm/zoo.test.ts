// Every case of the LightGBM reference zoo (../shared/fixtures/lightgbm) and of the
// committed set (test/fixtures/lightgbm), against every output the case holds.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseModel } from '../../src/index.ts'
import {
  type ExpectedCase,
  flatRows,
  ownZooCases,
  pureRelDiff,
  sameDouble,
  sharedZooCases,
  type ZooCase,
} from '../support/fixtures.ts'
import { skipShared } from '../support/shared.ts'

/** Counts values that are not identical (=== so that 0 and -0 agree, as LightGBM's doubles compare). */
function mismatches(expected: number[][], actual: Float64Array | Int32Array): string[] {
  const flat = expected.flat()
  const bad: string[] = []
  expect(actual.length).toBe(flat.length)
  flat.forEach((v, i) => {
    if (!sameDouble(v, actual[i])) bad.push(`#${i}: expected ${v}, got ${actual[i]}`)
  })
  return bad
}

function maxRel(expected: number[][], actual: Float64Array): number {
  let worst = 0
  expected.flat().forEach((v, i) => {
    const d = pureRelDiff(actual[i], v)
    if (!(d <= worst)) worst = d
  })
  return worst
}

function checkCase(zooCase: ZooCase): void {
  const e: ExpectedCase = zooCase.expected()
  const model = parseModel(readFileSync(zooCase.modelPath), { source: zooCase.modelPath })
  const rows = flatRows(e.X, e.num_features)

  expect(model.numFeatures).toBe(e.num_features)
  expect(model.numClass).toBe(e.num_tree_per_iteration)
  expect(model.numTrees).toBe(e.num_trees)
  expect(model.numIterations).toBe(e.num_iterations)

  // Raw scores: bit for bit.
  expect(mismatches(e.raw, model.predictRaw(rows)).slice(0, 5)).toEqual([])
  // Leaf indices: equal.
  expect(mismatches(e.leaf_index, model.predictLeafIndex(rows)).slice(0, 5)).toEqual([])
  // Transformed: within 1e-14 relative (JavaScript's Math.exp vs glibc's exp: an ulp or two).
  expect(maxRel(e.predict, model.predict(rows))).toBeLessThanOrEqual(1e-14)

  for (const w of e.num_iteration_cases) {
    const options = { startIteration: w.start_iteration, numIteration: w.num_iteration }
    expect(
      mismatches(w.raw, model.predictRaw(rows, undefined, options)).slice(0, 5),
      JSON.stringify(options),
    ).toEqual([])
    expect(
      maxRel(w.predict, model.predict(rows, undefined, options)),
      JSON.stringify(options),
    ).toBeLessThanOrEqual(1e-14)
    const window = model.window(options)
    const leaves = model.predictLeafIndex(rows, undefined, options)
    const perRow = window.treeEnd - window.treeStart
    // Leaf indices of a window are the matching columns of the full leaf output.
    const full = e.leaf_index
    const expectedWindow = full.map((row) => row.slice(window.treeStart, window.treeEnd))
    expect(leaves.length).toBe(e.num_rows * perRow)
    expect(mismatches(expectedWindow, leaves).slice(0, 5)).toEqual([])
  }
}

describe.skipIf(skipShared)('LightGBM reference zoo (../shared/fixtures/lightgbm)', () => {
  const cases = sharedZooCases()
  it('has cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(41)
  })
  for (const zooCase of cases) {
    it(`${zooCase.name}: raw, predict, leaf index and iteration windows equal LightGBM's`, () =>
      checkCase(zooCase))
  }
})

describe('committed LightGBM fixtures (test/fixtures/lightgbm)', () => {
  const cases = ownZooCases()
  it('has cases', () => {
    expect(cases.length).toBeGreaterThan(0)
  })
  for (const zooCase of cases) {
    it(`${zooCase.name}: raw, predict, leaf index and iteration windows equal LightGBM's`, () =>
      checkCase(zooCase))
  }
})
