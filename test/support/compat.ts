// The compatibility fixtures of test/fixtures/compat (scripts/fixtures/make_compat_fixtures.py):
// models and LightGBM 4.7's outputs for old file layouts, prediction early stopping, row
// width, pandas categoricals and JSON dumps.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from './shared.ts'

export const compatRoot = join(repoRoot, 'test/fixtures/compat')

/** A file of the compat fixtures, as text. */
export function compatText(...parts: string[]): string {
  return readFileSync(join(compatRoot, ...parts), 'utf8')
}

/** A JSON file of the compat fixtures. */
export function compatJson<T = Record<string, unknown>>(...parts: string[]): T {
  return JSON.parse(compatText(...parts)) as T
}

/** Rows of `X` (null = NaN) as one row-major Float64Array. */
export function flatRows(X: (number | null)[][]): Float64Array {
  return Float64Array.from(X.flat().map((x) => (x === null ? Number.NaN : x)))
}

/** The bits of each value, so that -0 and 0 (and NaN payloads) compare as LightGBM's output. */
export function bits(values: ArrayLike<number>): string[] {
  const view = new DataView(new ArrayBuffer(8))
  return Array.from(values, (x) => {
    view.setFloat64(0, x)
    return view.getBigUint64(0).toString(16)
  })
}
