// Row width (LightGBM's shape check): a row with more or fewer values than the model's
// features is a PredictionError by default; with predictDisableShapeCheck the prediction
// equals LightGBM 4.7's predict(..., predict_disable_shape_check=True): missing trailing
// features are 0.0, extra values are ignored.
import { describe, expect, it } from 'vitest'
import { PredictionError, parseModel } from '../../src/index.ts'
import { bits, compatJson, compatText, flatRows } from '../support/compat.ts'

interface Case {
  X: (number | null)[][]
  raw: number[]
}
const model = parseModel(compatText('early-stop', 'binary', 'model.txt'))
const expected = compatJson<{ num_features: number; narrow: Case; wide: Case; narrow_error: string }>(
  'shape',
  'expected.json',
)

function thrown(action: () => unknown): PredictionError {
  try {
    action()
  } catch (error) {
    expect(error).toBeInstanceOf(PredictionError)
    return error as PredictionError
  }
  throw new Error('expected a PredictionError')
}

describe('the shape check', () => {
  it('the model has the fixture width', () => {
    expect(model.numFeatures).toBe(expected.num_features)
    expect(expected.narrow_error).toMatch(/number of features in data \(4\) is not the same/)
  })

  it.each(['narrow', 'wide'] as const)('%s rows are refused by default, by every entry point', (which) => {
    const rows = expected[which].X
    const width = rows[0].length
    const flat = flatRows(rows)
    const one = flat.subarray(0, width)
    expect(thrown(() => model.predictRow(one)).message).toMatch(
      new RegExp(`the row holds ${width} values but the model has 6 features`),
    )
    expect(thrown(() => model.predictRows([Array.from(one)])).message).toMatch(/row 0 holds/)
    expect(thrown(() => model.predictRaw(flat, undefined, { rowWidth: width })).message).toMatch(
      /each row holds .* predictDisableShapeCheck/,
    )
  })

  it('a flat batch whose length is not a multiple of the row width is refused, shape check or not', () => {
    const flat = new Float64Array(13)
    expect(thrown(() => model.predictRaw(flat)).message).toMatch(/13 values, not a multiple of the model's 6/)
    expect(
      thrown(() => model.predictRaw(flat, undefined, { rowWidth: 4, predictDisableShapeCheck: true }))
        .message,
    ).toMatch(/not a multiple of rowWidth = 4/)
  })

  it.each(['narrow', 'wide'] as const)('%s rows with the check disabled predict as LightGBM', (which) => {
    const { X, raw } = expected[which]
    const width = X[0].length
    const options = { predictDisableShapeCheck: true }
    const flat = flatRows(X)
    expect(bits(model.predictRaw(flat, undefined, { ...options, rowWidth: width }))).toEqual(bits(raw))
    const perRow = X.map(
      (row) =>
        model.predictRow(
          Float64Array.from(row, (x) => x ?? Number.NaN),
          { ...options, raw: true },
        )[0],
    )
    expect(bits(perRow)).toEqual(bits(raw))
    const rows = model.predictRows(
      X.map((row) => row.map((x) => x ?? Number.NaN)),
      { ...options, raw: true },
    )
    expect(bits(rows.map((r) => r[0]))).toEqual(bits(raw))
  })

  it('missing trailing features are 0.0, not NaN (as LightGBM)', () => {
    const { X } = expected.narrow
    const row = Float64Array.from(X[0], (x) => x ?? Number.NaN)
    const padded = new Float64Array(6)
    padded.set(row)
    expect(bits(model.predictRow(row, { predictDisableShapeCheck: true, raw: true }))).toEqual(
      bits(model.predictRow(padded, { raw: true })),
    )
    // NaN padding would give other outputs on these rows: the fixture tells 0.0 from NaN.
    const nanPadded = X.map((r) => [...r.map((x) => x ?? Number.NaN), Number.NaN, Number.NaN])
    const withNaN = model.predictRows(nanPadded, { raw: true }).map((r) => r[0])
    expect(bits(withNaN)).not.toEqual(bits(expected.narrow.raw))
  })
})
