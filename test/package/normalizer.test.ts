import { describe, expect, it } from 'vitest'
import { Normalizer, PackageError } from '../../src/package/index.ts'

const entries = new Map([
  ['a', { mean: 1, std: 2 }],
  ['b', { mean: -3, std: 0.5 }],
  ['constructor', { mean: 10, std: 10 }],
])

describe('Normalizer', () => {
  const normalizer = new Normalizer(['b', 'cat', 'a', 'constructor'], entries, 'x/v1.0.0')

  it('z-scores by name into the model order; a feature without an entry passes through', () => {
    const row = normalizer.normalize({ a: 5, b: -2, cat: 7, constructor: 30 })
    expect(Array.from(row)).toEqual([(-2 - -3) / 0.5, 7, (5 - 1) / 2, (30 - 10) / 10])
    expect(Array.from(normalizer.passThrough)).toEqual([0, 1, 0, 0])
  })

  it('treats absent, null and undefined as missing, and missing stays NaN', () => {
    const row = normalizer.normalize({ a: null, b: undefined })
    expect(Array.from(row).every(Number.isNaN)).toBe(true)
  })

  it('never reads a feature from the prototype chain', () => {
    // `constructor` is absent from this record: Object.prototype.constructor must not be used.
    const row = normalizer.normalize({ a: 1, b: 1, cat: 1 })
    expect(Number.isNaN(row[3])).toBe(true)
  })

  it('takes a Map or an ordered array', () => {
    const map = new Map([
      ['a', 5],
      ['b', -2],
    ])
    expect(Array.from(normalizer.normalize(map)).slice(0, 3)).toEqual([2, Number.NaN, 2])
    expect(Array.from(normalizer.normalize(Float64Array.of(-2, 7, 5, Number.NaN)))).toEqual([
      2,
      7,
      2,
      Number.NaN,
    ])
    expect(() => normalizer.normalize([1, 2])).toThrow(/holds 2 values but the model has 4 features/)
  })

  it('rejects unknown keys in strict mode only', () => {
    expect(() => normalizer.normalize({ a: 1, extra: 2 })).not.toThrow()
    expect(() => normalizer.normalize({ a: 1, extra: 2 }, { strict: true })).toThrow(
      /not features of the model \(strict\): 'extra'/,
    )
  })

  it('rejects a value that is not a number, naming the record and feature', () => {
    const bad = () => normalizer.normalizeMany([{ a: 1 }, { a: '5' as unknown as number }])
    expect(bad).toThrow(PackageError)
    expect(bad).toThrow(/record 1 feature 'a' must be a number, null or absent but is string "5"/)
  })

  it('normalizes many records into one row-major array', () => {
    const rows = normalizer.normalizeMany([{ a: 1 }, { a: 3 }])
    expect(rows.length).toBe(8)
    expect([rows[2], rows[6]]).toEqual([0, 1])
  })
})
