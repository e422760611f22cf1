// The slow reference evaluator (test/support/reference.ts) reproduces LightGBM's own
// outputs in the fixture zoos before it is trusted as the fuzzers' oracle.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ownZooCases, sameDouble, sharedZooCases } from '../support/fixtures.ts'
import { referenceLeaves, referenceParse, referencePredict, referenceRaw } from '../support/reference.ts'

const cases = [...ownZooCases(), ...sharedZooCases().filter((c) => c.name !== 'deep')]

/** Ulp distance between two doubles (transforms go through glibc's exp in LightGBM). */
function ulps(a: number, b: number): number {
  if (sameDouble(a, b)) return 0
  const view = new DataView(new ArrayBuffer(16))
  view.setFloat64(0, a)
  view.setFloat64(8, b)
  return Math.abs(Number(view.getBigInt64(0) - view.getBigInt64(8)))
}

describe('reference evaluator against LightGBM outputs', () => {
  it.each(cases.map((c) => [c.name, c] as const))(
    '%s: raw and leaf index exact, predict within 4 ulp',
    (_, c) => {
      const model = referenceParse(readFileSync(c.modelPath))
      const expected = c.expected()
      expect(model.numFeatures).toBe(expected.num_features)
      expect(model.trees.length).toBe(expected.num_trees)
      expected.X.forEach((cells, r) => {
        const row = cells.map((v) => (v === null ? Number.NaN : v))
        const raw = referenceRaw(model, row)
        raw.forEach((v, k) => {
          if (!sameDouble(v, expected.raw[r][k]))
            expect.fail(`row ${r} class ${k}: raw ${v} vs ${expected.raw[r][k]}`)
        })
        expect(referenceLeaves(model, row)).toEqual(expected.leaf_index[r])
        referencePredict(model, row).forEach((v, k) => {
          if (ulps(v, expected.predict[r][k]) > 4)
            expect.fail(`row ${r}: predict ${v} vs ${expected.predict[r][k]}`)
        })
        for (const w of expected.num_iteration_cases) {
          const windowed = referenceRaw(model, row, w.start_iteration, w.num_iteration)
          windowed.forEach((v, k) => {
            if (!sameDouble(v, w.raw[r][k]))
              expect.fail(`row ${r} window ${w.start_iteration}+${w.num_iteration}: ${v} vs ${w.raw[r][k]}`)
          })
        }
      })
    },
  )
})
