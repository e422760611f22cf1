// Prediction early stopping equals LightGBM 4.7's predict(..., pred_early_stop=True,
// pred_early_stop_freq=F, pred_early_stop_margin=M) bit for bit, raw and transformed, for
// binary, multiclass, multiclassova and lambdarank models; never for regression or
// random forests; never for leaf indices or SHAP values.
import { describe, expect, it } from 'vitest'
import { PredictionError, parseModel } from '../../src/index.ts'
import { predictRawEarlyStop, predictRawEarlyStopWalk } from '../../src/lightgbm/early-stop.ts'
import { WalkForest } from '../../src/lightgbm/wasm-walk.ts'
import { bits, compatJson, compatText, flatRows } from '../support/compat.ts'

interface Setting {
  freq: number
  margin: number
  start_iteration?: number
  num_iteration?: number
  raw: number[]
  predict: number[]
  rows_changed: number
}
interface Expected {
  X: (number | null)[][]
  raw: number[]
  predict: number[]
  early_stop: Setting[]
}

function load(name: string) {
  const model = parseModel(compatText('early-stop', name, 'model.txt'))
  const expected = compatJson<Expected>('early-stop', name, 'expected.json')
  return { model, expected, rows: flatRows(expected.X) }
}

function optionsOf(setting: Setting) {
  return {
    predEarlyStop: true,
    predEarlyStopFreq: setting.freq,
    predEarlyStopMargin: setting.margin,
    startIteration: setting.start_iteration,
    numIteration: setting.num_iteration,
  }
}

describe.each(['binary', 'multiclass', 'multiclassova', 'lambdarank'])(
  '%s: as LightGBM stops early',
  (name) => {
    const { model, expected, rows } = load(name)

    it.each(expected.early_stop.map((s) => [`freq ${s.freq} margin ${s.margin}`, s] as const))(
      '%s',
      (_label, setting) => {
        const options = optionsOf(setting)
        expect(bits(model.predictRaw(rows, undefined, options))).toEqual(bits(setting.raw))
        expect(bits(model.predict(rows, undefined, options))).toEqual(bits(setting.predict))
        // Both kernels that stop early: the portable walk and the WebAssembly table walk.
        for (const kernel of ['portable', 'wasm'] as const) {
          const chosen = model.withKernel(kernel)
          expect(bits(chosen.predictRaw(rows, undefined, options)), kernel).toEqual(bits(setting.raw))
          expect(chosen.lastKernel).toBe(kernel)
          expect(bits(chosen.predict(rows, undefined, options)), kernel).toEqual(bits(setting.predict))
        }
      },
    )

    it('the table walk in chains cut at the rounds gives the portable bits, for several rounds on one walk', () => {
      const { forest } = model
      const width = model.numClass
      const shape = { numFeatures: model.numFeatures, width }
      const numRows = rows.length / model.numFeatures
      const many = new Float64Array(rows.length * 9).map((_, i) =>
        i % 89 === 0 ? Number.NaN : rows[i % rows.length] * (1 - (i % 5) / 9),
      )
      const manyRows = many.length / model.numFeatures
      // chains of one tree, of a few, and as long as the rounds allow; one walk for every setting
      for (const chainBytes of [1, 3000, 1 << 30]) {
        const walk = new WalkForest(forest, shape, { chainBytes, chainRowTrees: 0, blockRows: 13 })
        walk.extend(forest.numTrees)
        for (const setting of expected.early_stop) {
          for (const startIteration of [0, 1]) {
            const plan = { freq: setting.freq, margin: setting.margin }
            const treeStart = startIteration * width
            const expectedRaw = new Float64Array(manyRows * width)
            predictRawEarlyStop(
              forest,
              many,
              manyRows,
              model.numFeatures,
              width,
              treeStart,
              forest.numTrees,
              plan,
              expectedRaw,
            )
            const blocks = walk.blocks({ start: treeStart, trees: plan.freq * width }, manyRows)
            const out = new Float64Array(manyRows * width)
            predictRawEarlyStopWalk(
              blocks,
              many,
              manyRows,
              model.numFeatures,
              width,
              treeStart,
              forest.numTrees,
              plan,
              out,
            )
            expect(bits(out), `${chainBytes} ${setting.freq} ${startIteration}`).toEqual(bits(expectedRaw))
            expect(walk.chainedTrees).toBe(forest.numTrees)
            // the full prediction on chains cut at these rounds: LightGBM's
            expect(bits(walk.predictCovered(rows, numRows, new Float64Array(numRows * width)))).toEqual(
              bits(expected.raw),
            )
          }
        }
      }
    })

    it('the table walk stops the same rows as the portable walk over many blocks, rows leaving at every round', () => {
      // The fixture's rows repeated (with a NaN sprinkled in) past several of the walk's blocks.
      const many = new Float64Array(rows.length * 40).map((_, i) =>
        i % 97 === 0 ? Number.NaN : rows[i % rows.length] * (1 + (i % 7) / 10),
      )
      for (const setting of expected.early_stop) {
        const options = optionsOf(setting)
        const portable = model.withKernel('portable').predictRaw(many, undefined, options)
        const wasm = model.withKernel('wasm')
        expect(bits(wasm.predictRaw(many, undefined, options))).toEqual(bits(portable))
        expect(wasm.lastKernel).toBe('wasm')
      }
    })

    it('the settings stop some rows early (the test would see a kernel that never stops)', () => {
      const changed = expected.early_stop.map((s) => s.rows_changed)
      expect(Math.max(...changed)).toBeGreaterThan(0)
      // And leafwise's early-stopped output differs from its full output where LightGBM's does.
      const setting = expected.early_stop.find((s) => s.rows_changed > 0)!
      const stopped = model.predictRaw(rows, undefined, optionsOf(setting))
      const full = model.predictRaw(rows, undefined, {
        startIteration: setting.start_iteration,
        numIteration: setting.num_iteration,
      })
      expect(bits(stopped)).not.toEqual(bits(full))
    })

    it('LightGBM defaults (freq 10, margin 10) when only predEarlyStop is set', () => {
      const defaults = expected.early_stop.find(
        (s) => s.freq === 10 && s.margin === 10 && !s.start_iteration,
      )!
      expect(bits(model.predictRaw(rows, undefined, { predEarlyStop: true }))).toEqual(bits(defaults.raw))
    })

    it('off by default, and never for leaf indices or SHAP values', () => {
      expect(bits(model.predictRaw(rows))).toEqual(bits(expected.raw))
      const options = { predEarlyStop: true, predEarlyStopFreq: 1, predEarlyStopMargin: 0 }
      expect(Array.from(model.predictLeafIndex(rows, undefined, options))).toEqual(
        Array.from(model.predictLeafIndex(rows)),
      )
      const few = rows.subarray(0, model.numFeatures * 3)
      expect(bits(model.predictContrib(few, undefined, options))).toEqual(bits(model.predictContrib(few)))
    })

    it('one row at a time gives the batch result', () => {
      const setting = expected.early_stop[1]
      const options = optionsOf(setting)
      const width = model.numClass
      for (let r = 0; r < 20; r++) {
        const row = rows.subarray(r * model.numFeatures, (r + 1) * model.numFeatures)
        expect(bits(model.predictRow(row, { ...options, raw: true }))).toEqual(
          bits(setting.raw.slice(r * width, (r + 1) * width)),
        )
      }
    })
  },
)

describe('objectives that need accurate predictions never stop early', () => {
  it('regression: every setting gives the full prediction (as LightGBM)', () => {
    const { model, expected, rows } = load('regression')
    for (const setting of expected.early_stop) {
      expect(setting.rows_changed).toBe(0)
      expect(bits(model.predictRaw(rows, undefined, optionsOf(setting)))).toEqual(bits(setting.raw))
    }
  })

  it('random forests (average_output) are never stopped, unlike LightGBM 4.7 loading the file', () => {
    const { model, expected, rows } = load('rf-binary')
    expect(model.info.averageOutput).toBe(true)
    for (const setting of expected.early_stop) {
      const window = { startIteration: setting.start_iteration, numIteration: setting.num_iteration }
      expect(bits(model.predict(rows, undefined, optionsOf(setting)))).toEqual(
        bits(model.predict(rows, undefined, window)),
      )
    }
    // LightGBM 4.7 loads a model file as a gbdt booster, whose binary objective allows early
    // stopping: it stops the forest's partial sums (documented in docs/lightgbm.md).
    expect(expected.early_stop.some((s) => s.rows_changed > 0)).toBe(true)
  })
})

describe('invalid settings are refused', () => {
  const { model, rows } = load('binary')
  it.each([
    [{ predEarlyStopFreq: 0 }, /predEarlyStopFreq must be an integer > 0/],
    [{ predEarlyStopFreq: 2.5 }, /predEarlyStopFreq must be an integer > 0/],
    [{ predEarlyStopMargin: -1 }, /predEarlyStopMargin must be a number >= 0/],
    [{ predEarlyStopMargin: Number.NaN }, /predEarlyStopMargin must be a number >= 0/],
  ])('%o', (setting, message) => {
    expect(() => model.predictRaw(rows, undefined, { predEarlyStop: true, ...setting })).toThrow(
      PredictionError,
    )
    expect(() => model.predictRaw(rows, undefined, { predEarlyStop: true, ...setting })).toThrow(message)
  })
})
