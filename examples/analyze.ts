// The ensemble as a library: registry + packages -> votes and one consensus.
// Run `npm run demo` once (it registers the example models), then: npx tsx examples/analyze.ts
// In an application, import from 'leafwise', 'leafwise/node' and 'leafwise/registry/pglite'.
import { readFileSync } from 'node:fs'
import { createEnsemble } from '../src/index.ts'
import { fileSource } from '../src/node/index.ts'
import { createPgliteRegistry } from '../src/registry/pglite.ts'

const registry = createPgliteRegistry({ dataDir: '.leafwise/registry' })
const ensemble = await createEnsemble({ registry, source: fileSource('models'), tier: 'premium' })
const features = JSON.parse(readFileSync(new URL('./data/features.json', import.meta.url), 'utf8'))

const { consensus, votes } = ensemble.analyze(features.SYN25, { explain: true, top: 3 })
for (const v of votes) console.log(v.modelName, v.modelVersion, v.signal, v.confidence.toFixed(3))
console.log('consensus:', consensus)
await registry.close()
