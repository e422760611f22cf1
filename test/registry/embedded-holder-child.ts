// Child process of the embedded-registry sharing tests: opens the PGlite registry in
// argv[2] (so it holds the directory, as a server would), watches its changes, prints
// "ready" and then one JSON line per change it is told of. On SIGTERM it closes the
// registry and exits; SIGKILL leaves the directory as a crash would.
import { createPgliteRegistry } from '../../src/registry/pglite.ts'

const registry = createPgliteRegistry({ dataDir: process.argv[2], actor: 'holder' })
const models = await registry.listModels()
if (!models.success) {
  process.stderr.write(`${models.error.code}: ${models.error.message}\n`)
  process.exit(1)
}
const watching = await registry.watch((change) => {
  process.stdout.write(`${JSON.stringify(change)}\n`)
})
if (!watching.success) {
  process.stderr.write(`${watching.error.code}: ${watching.error.message}\n`)
  process.exit(1)
}
process.stdout.write('ready\n')
process.once('SIGTERM', async () => {
  await registry.close()
  process.exit(0)
})
setInterval(() => {}, 1 << 30)
