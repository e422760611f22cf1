// Child process of the store-restart test: joins the embedded registry in argv[2] (held by
// another process), analyzes with a prediction store on that client, each analysis with its
// own key (w0, w1, ...), and prints the store's stats as one JSON line every 100 ms. On
// "stop" from stdin it stops analyzing, closes the store (trying for up to 60 s) and prints
// {"final": stats, "holder": ...} before it exits.
import { createEnsemble } from '../../src/ensemble/index.ts'
import { createPredictionStore } from '../../src/monitor/index.ts'
import { createRegistry } from '../../src/registry/index.ts'
import { createPgliteClient } from '../../src/registry/pglite.ts'
import { exampleSource, features } from '../ensemble/support.ts'

const client = createPgliteClient({ dataDir: process.argv[2] })
const registry = createRegistry(client)
const store = createPredictionStore(client, { batchSize: 10, flushIntervalMs: 20, retryMs: 50 })
const ensemble = await createEnsemble({ registry, source: exampleSource(), onAnalysis: store.record })
const symbols = Object.keys(features)

let stopping = false
process.stdin.setEncoding('utf8')
process.stdin.on('data', (text: string) => {
  if (text.includes('stop')) stopping = true
})
const report = setInterval(() => process.stdout.write(`${JSON.stringify(store.stats())}\n`), 100)
process.stdout.write('ready\n')

for (let i = 0; !stopping; i++) {
  const symbol = symbols[i % symbols.length]
  ensemble.analyze(features[symbol], { id: `w${i}` })
  if (i % 5 === 4) await new Promise((resolve) => setTimeout(resolve, 10))
}
clearInterval(report)
const final = await store.close(60_000)
await ensemble.close()
await client.close()
process.stdout.write(`${JSON.stringify({ final })}\n`)
process.exit(0)
