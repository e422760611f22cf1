// Shared helpers of the package tests: the committed example packages and their samples.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from '../support/shared.ts'

export const modelsRoot = join(repoRoot, 'models')

/** The example packages committed in models/. */
export const examplePackages = [
  ['sentiment-fusion', 'v1.1.0'],
  ['sentiment-fusion', 'v1.0.0'],
  ['price-prediction', 'v1.0.0'],
  ['early-signal', 'v1.0.0'],
] as const

export interface Sample {
  symbol: string
  day: number
  features: Record<string, number | null>
  normalized: (number | null)[]
  raw: number[]
  predict: number[]
}

export function readSamples(name: string, version: string): { feature_order: string[]; samples: Sample[] } {
  return JSON.parse(readFileSync(join(modelsRoot, name, version, 'samples.json'), 'utf8'))
}

/** Every file of a package directory, keyed `{name}/{version}/{file}` (for memorySource). */
export function packageFiles(root: string, name: string, version: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>()
  for (const file of readdirSync(join(root, name, version))) {
    files.set(`${name}/${version}/${file}`, readFileSync(join(root, name, version, file)))
  }
  return files
}

/** All example packages in one in-memory map. */
export function allExampleFiles(): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>()
  for (const [name, version] of examplePackages) {
    for (const [path, bytes] of packageFiles(modelsRoot, name, version)) files.set(path, bytes)
  }
  return files
}

/** `null` in samples.json means NaN. */
export const nanOf = (values: (number | null)[]) => values.map((x) => (x === null ? Number.NaN : x))

/** True when a and b are equal or both NaN. */
export const sameDouble = (a: number, b: number) =>
  Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)) || a === b
