// Feature records from files: a JSON feature store (`{ "SYMBOL": { feature: value } }`), and
// the records that the example packages' samples.json files hold.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { FeatureProvider } from '../ensemble/index.ts'
import { LeafwiseError } from '../errors.ts'
import type { FeatureRecord } from '../package/index.ts'

type Records = Record<string, FeatureRecord>

function checkRecords(data: unknown, where: string): Records {
  if (!data || typeof data !== 'object' || Array.isArray(data))
    throw new LeafwiseError(
      'INVALID_INPUT',
      `${where}: expected an object { "SYMBOL": { "feature": number | null } }`,
    )
  for (const [symbol, record] of Object.entries(data)) {
    if (!record || typeof record !== 'object' || Array.isArray(record))
      throw new LeafwiseError('INVALID_INPUT', `${where}: the record of ${symbol} is not an object`)
    for (const [feature, value] of Object.entries(record)) {
      if (value !== null && typeof value !== 'number')
        throw new LeafwiseError(
          'INVALID_INPUT',
          `${where}: ${symbol}.${feature} must be a number or null, got ${JSON.stringify(value)}`,
        )
    }
  }
  return data as Records
}

/**
 * A FeatureProvider over a JSON file `{ "SYMBOL": { "feature": number | null } }`. The file
 * is read on first use and again whenever its modification time changes.
 */
export function fileFeatureStore(path: string): FeatureProvider & { records(): Records } {
  let cached: { mtimeMs: number; records: Records } | undefined
  const load = (): Records => {
    const mtimeMs = statSync(path).mtimeMs
    if (cached?.mtimeMs === mtimeMs) return cached.records
    let data: unknown
    try {
      data = JSON.parse(readFileSync(path, 'utf8'))
    } catch (error) {
      throw new LeafwiseError(
        'INVALID_INPUT',
        `cannot read feature store ${path}: ${(error as Error).message}`,
      )
    }
    cached = { mtimeMs, records: checkRecords(data, path) }
    return cached.records
  }
  return {
    async getFeatures(symbol) {
      const records = load()
      return Object.hasOwn(records, symbol) ? records[symbol] : undefined
    },
    async symbols() {
      return Object.keys(load()).sort()
    },
    records: load,
  }
}

interface Sample {
  symbol: string
  day: number
  features: Record<string, number | null>
}

/**
 * One record per symbol from every `samples.json` under a models root: samples of the same
 * symbol and day are merged (the union of the packages' features), each symbol keeps its
 * latest record, and only complete records (every feature of any package present as a key;
 * a value may be null) are kept. Symbols sorted.
 */
export function featureRecordsFromSamples(modelsRoot: string): Records {
  const byKey = new Map<string, Sample>()
  for (const name of existsSync(modelsRoot) ? readdirSync(modelsRoot).sort() : []) {
    const nameDir = join(modelsRoot, name)
    if (!statSync(nameDir).isDirectory()) continue
    for (const version of readdirSync(nameDir).sort()) {
      const file = join(nameDir, version, 'samples.json')
      if (!existsSync(file)) continue
      const { samples } = JSON.parse(readFileSync(file, 'utf8')) as { samples: Sample[] }
      for (const sample of samples) {
        const key = `${sample.symbol}@${sample.day}`
        const seen = byKey.get(key)
        byKey.set(key, { ...sample, features: { ...seen?.features, ...sample.features } })
      }
    }
  }
  const allFeatures = new Set([...byKey.values()].flatMap((sample) => Object.keys(sample.features)))
  const best = new Map<string, Sample>()
  for (const sample of byKey.values()) {
    if (Object.keys(sample.features).length < allFeatures.size) continue
    const other = best.get(sample.symbol)
    if (!other || sample.day > other.day) best.set(sample.symbol, sample)
  }
  const records: Records = {}
  for (const symbol of [...best.keys()].sort()) records[symbol] = best.get(symbol)!.features
  return records
}
