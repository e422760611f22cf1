// Child process of the stored-artifacts test: a second server with no models folder (its
// working directory is empty). It opens the registry (`pg URL` or `pglite DIR`), builds an
// ensemble over `registrySource`, analyzes the records of the JSON file argv[4] and prints
// the analyses as one JSON line.
import { readFileSync } from 'node:fs'
import { createEnsemble } from '../../src/ensemble/index.ts'
import type { FeatureRecord } from '../../src/package/index.ts'
import { registrySource } from '../../src/registry/index.ts'
import { createPgliteRegistry } from '../../src/registry/pglite.ts'
import { createPostgresRegistry } from '../../src/registry/postgres.ts'

const [kind, where, recordsPath] = process.argv.slice(2)
const registry =
  kind === 'pg' ? createPostgresRegistry({ url: where }) : createPgliteRegistry({ dataDir: where })
const records = JSON.parse(readFileSync(recordsPath, 'utf8')) as Record<string, FeatureRecord>
const ensemble = await createEnsemble({ registry, source: registrySource(registry) })
const analyses = Object.fromEntries(
  Object.entries(records).map(([id, record]) => {
    const a = ensemble.analyze(record)
    return [
      id,
      {
        consensus: a.consensus,
        votes: a.votes.map((v) => [v.modelName, v.modelVersion, v.signal, v.prediction, v.probabilities]),
      },
    ]
  }),
)
process.stdout.write(`${JSON.stringify({ cwd: process.cwd(), failures: ensemble.failures, analyses })}\n`)
await ensemble.close()
await registry.close()
