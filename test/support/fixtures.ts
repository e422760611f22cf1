// Readers for the reference fixture formats (see ../shared/fixtures/*/README.md and
// test/fixtures/lightgbm/README.md).
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot, sharedPath, sharedPresent } from './shared.ts'

/** One case of the expected.json format (shared zoo and the committed set). */
export interface ExpectedCase {
  case: string
  description?: string
  objective: string | null
  num_features: number
  num_class: number
  num_tree_per_iteration: number
  num_trees: number
  num_iterations: number
  num_rows: number
  X: (number | null)[][]
  raw: number[][]
  predict: number[][]
  leaf_index: number[][]
  contrib: number[][] | null
  contrib_error?: string
  num_iteration_cases: {
    start_iteration: number
    num_iteration: number
    raw: number[][]
    predict: number[][]
  }[]
}

export interface ZooCase {
  name: string
  dir: string
  modelPath: string
  expected: () => ExpectedCase
}

function listCases(root: string): ZooCase[] {
  if (!existsSync(root)) return []
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'expected.json')))
    .map((d) => ({
      name: d.name,
      dir: join(root, d.name),
      modelPath: join(root, d.name, 'model.txt'),
      expected: () => JSON.parse(readFileSync(join(root, d.name, 'expected.json'), 'utf8')) as ExpectedCase,
    }))
    .sort((a, b) => a.name.localeCompare(b.name))
}

/** Cases of ../shared/fixtures/lightgbm (empty when ../shared is absent). */
export function sharedZooCases(): ZooCase[] {
  return sharedPresent ? listCases(sharedPath('fixtures', 'lightgbm')) : []
}

/** Cases committed in test/fixtures/lightgbm. */
export function ownZooCases(): ZooCase[] {
  return listCases(join(repoRoot, 'test', 'fixtures', 'lightgbm'))
}

/** Flattens rows (null = NaN) into a row-major Float64Array. */
export function flatRows(rows: (number | null)[][], width: number): Float64Array {
  const out = new Float64Array(rows.length * width)
  rows.forEach((row, i) => {
    for (let j = 0; j < width; j++) out[i * width + j] = row[j] === null ? Number.NaN : (row[j] as number)
  })
  return out
}

/** Parses one number token of the lgbm470 CSVs (`nan`, `inf`, `-inf`, `-0.0` included). */
export function csvNumber(token: string): number {
  switch (token.trim()) {
    case '':
    case 'nan':
    case 'NaN':
      return Number.NaN
    case 'inf':
      return Number.POSITIVE_INFINITY
    case '-inf':
      return Number.NEGATIVE_INFINITY
    default: {
      const value = Number(token)
      if (Number.isNaN(value)) throw new Error(`bad number token '${token}'`)
      return value
    }
  }
}

/** Reads a comma-separated numeric file into rows. */
export function readCsv(path: string): number[][] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.split(',').map(csvNumber))
}

/** Relative difference with a floor of 1 on the scale: |a-b| / max(1, |b|); 0 when both NaN or equal. */
export function relDiff(a: number, b: number): number {
  if (Object.is(a, b) || a === b) return 0
  if (Number.isNaN(a) && Number.isNaN(b)) return 0
  return Math.abs(a - b) / Math.max(1, Math.abs(b))
}

/** Pure relative difference |a-b| / |b| (used for transformed outputs). */
export function pureRelDiff(a: number, b: number): number {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return 0
  return Math.abs(a - b) / Math.abs(b)
}

/** Same double (0 and -0 agree, NaN agrees with NaN), as output comparison needs. */
export function sameDouble(a: number, b: number): boolean {
  return a === b || (a !== a && b !== b)
}
