// Writes examples/data/features.json, the small feature store of the demo and the example
// server: one record per symbol, merged from the example packages' samples.json files.
//
//   npx tsx scripts/make-feature-store.ts [models-root] [out-file]
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { featureRecordsFromSamples } from '../src/node/feature-store.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const modelsRoot = process.argv[2] ?? `${root}models`
const out = process.argv[3] ?? `${root}examples/data/features.json`
const records = featureRecordsFromSamples(modelsRoot)
writeFileSync(out, `${JSON.stringify(records, null, 1)}\n`)
console.log(`wrote ${Object.keys(records).length} symbols to ${out}`)
