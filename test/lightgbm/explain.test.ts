// explainRow: the top features per class by |SHAP contribution|, with names and values.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { explainRow, PredictionError, parseModel } from '../../src/index.ts'
import { flatRows, ownZooCases, type ZooCase } from '../support/fixtures.ts'

function load(name: string) {
  const zooCase = ownZooCases().find((c) => c.name === name) as ZooCase
  const e = zooCase.expected()
  return { model: parseModel(readFileSync(zooCase.modelPath)), e }
}

describe('explainRow', () => {
  it('multiclass: per class, the top features by |contribution| and parts that add up to the raw score', () => {
    const { model, e } = load('multiclass')
    const row = flatRows([e.X[0]], e.num_features)
    const contrib = model.predictContrib(row)
    const raw = model.predictRaw(row)
    const classes = explainRow(model, row, { top: 3 })
    expect(classes.map((c) => c.classIndex)).toEqual([0, 1, 2])
    for (const c of classes) {
      const block = c.classIndex * (e.num_features + 1)
      expect(c.expectedValue).toBe(contrib[block + e.num_features])
      expect(Math.abs(c.rawScore - raw[c.classIndex])).toBeLessThanOrEqual(1e-12)
      expect(c.contributions.length).toBeLessThanOrEqual(3)
      const magnitudes = c.contributions.map((f) => Math.abs(f.contribution))
      expect(magnitudes).toEqual([...magnitudes].sort((a, b) => b - a))
      for (const f of c.contributions) {
        expect(f.contribution).toBe(contrib[block + f.index])
        expect(f.feature).toBe(model.featureNames[f.index])
        expect(f.modelValue).toBe(row[f.index])
      }
      // Nothing left out is larger than the smallest shown.
      const shown = new Set(c.contributions.map((f) => f.index))
      for (let j = 0; j < e.num_features; j++) {
        if (!shown.has(j)) expect(Math.abs(contrib[block + j])).toBeLessThanOrEqual(Math.min(...magnitudes))
      }
      const parts =
        c.expectedValue + c.otherContribution + c.contributions.reduce((s, f) => s + f.contribution, 0)
      expect(Math.abs(parts - c.rawScore)).toBeLessThanOrEqual(1e-12)
    }
  })

  it('reports the raw (un-normalized) values when given, null for missing', () => {
    const { model, e } = load('binary')
    const row = flatRows([e.X[0]], e.num_features)
    row[0] = Number.NaN
    const raw = Array.from(row, (v, i) => (i === 0 ? null : v * 10 + 1))
    const [only] = explainRow(model, row, { top: Number.POSITIVE_INFINITY, featureValues: raw })
    for (const f of only.contributions) {
      expect(f.value).toBe(raw[f.index])
      if (f.index === 0) expect(f.modelValue).toBeNaN()
    }
    expect(only.otherContribution).toBe(0)
  })

  it('honours the iteration window and refuses rows of the wrong width', () => {
    const { model, e } = load('binary')
    const row = flatRows([e.X[1]], e.num_features)
    const [first] = explainRow(model, row, { numIteration: 1 })
    expect(
      Math.abs(first.rawScore - model.predictRaw(row, undefined, { numIteration: 1 })[0]),
    ).toBeLessThanOrEqual(1e-12)
    expect(() => explainRow(model, row.subarray(1))).toThrow(PredictionError)
    expect(() => explainRow(model, row, { featureValues: [1] })).toThrow(PredictionError)
  })

  it('a single-leaf model has only its expected value', () => {
    const { model, e } = load('constant-target')
    const row = flatRows([e.X[0]], e.num_features)
    const [only] = explainRow(model, row)
    expect(only.contributions).toEqual([])
    expect(only.rawScore).toBe(model.predictRaw(row)[0])
  })
})
