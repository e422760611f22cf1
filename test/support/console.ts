// The console on a throwaway embedded registry holding the example models (sentiment-fusion
// v1.0.0 as a shadow beside v1.1.0) and a prediction store fed a seeded stream with three
// features shifted on purpose, served over loopback; and a headless Chromium (Debian's
// package, driven by playwright-core) to look at it. Used by test/http and the screenshot script.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, chromium } from 'playwright-core'
import { type LeafwiseApp, leafwiseApp, parseApiKeys } from '../../src/http/index.ts'
import { recordOutcomes } from '../../src/monitor/index.ts'
import { fileFeatureStore, fileSource, type ServedApp, serveApp } from '../../src/node/index.ts'
import { createRegistry, type ModelRegistry, type SqlClient } from '../../src/registry/index.ts'
import { createPgliteClient } from '../../src/registry/pglite.ts'
import { exampleRows, modelsRoot, registerAll } from '../ensemble/support.ts'
import { monitoredEnsemble, shiftedStream } from '../monitor/support.ts'
import { repoRoot } from './shared.ts'

export const CHROMIUM = '/usr/bin/chromium'
/** Whether a missing Chromium fails the browser tests (LEAFWISE_REQUIRE_BROWSER=1, set by .ci/run) or skips them. */
export const browserRequired = process.env.LEAFWISE_REQUIRE_BROWSER === '1'
export const hasChromium = existsSync(CHROMIUM)
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]

/** The demo key file: API keys by tier, `demo-viewer-key` (read) and `demo-operator-key` (operate). */
export const consoleKeys = parseApiKeys(
  readFileSync(join(repoRoot, 'examples', 'data', 'api-keys.json'), 'utf8'),
)

/** Analyses in the fixture's prediction store, and how far its shifted features moved (training std). */
export const STREAM = 300
export const SHIFT = 2

export interface ConsoleFixture {
  registry: ModelRegistry
  /** The registry's database, also the prediction store's. */
  client: SqlClient
  /** The features the stream shifted (flagged by drift on sentiment-fusion v1.1.0). */
  shifted: string[]
  app: LeafwiseApp
  served: ServedApp
  /** `http://127.0.0.1:PORT/console` */
  consoleUrl: string
  close(): Promise<void>
}

/** A registry with the example models and a seeded prediction stream, and the app serving it on a free port. */
export async function startConsoleFixture(): Promise<ConsoleFixture> {
  const client = createPgliteClient({ dataDir: 'memory' })
  const registry = createRegistry(client, { autoMigrate: true })
  await registerAll(registry, exampleRows)
  const shadow = await registry.updateStatus('sentiment-fusion', 'v1.0.0', 'shadow', {
    reason: 'compare with v1.1.0 before rolling back',
    actor: 'operator',
  })
  if (!shadow.success) throw new Error(shadow.error.message)
  // The stream, recorded by an ensemble of its own; outcomes for its first two thirds.
  const { ensemble, store } = await monitoredEnsemble(client, registry, { flushIntervalMs: 60_000 })
  const stream = shiftedStream(ensemble, { count: STREAM, shift: SHIFT })
  const flushed = await store.flush()
  if (flushed.written !== STREAM) throw new Error(`the stream was not stored: ${JSON.stringify(flushed)}`)
  await store.close()
  await ensemble.close()
  const now = Date.now()
  await recordOutcomes(
    client,
    stream.labels.slice(0, (STREAM * 2) / 3).map((actual, i) => ({ key: `k${i}`, time: now, actual })),
  )
  const app = leafwiseApp({
    registry,
    source: fileSource(modelsRoot),
    features: fileFeatureStore(join(repoRoot, 'examples', 'data', 'features.json')),
    keys: consoleKeys,
    predictions: client,
  })
  await app.ready()
  const served = await serveApp(app)
  return {
    registry,
    client,
    shifted: stream.shifted,
    app,
    served,
    consoleUrl: `${served.url}/console`,
    async close() {
      await served.close()
      await app.close()
      await registry.close()
    },
  }
}

/** Headless Chromium from the system package (never a downloaded browser). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
}
