// The console on a throwaway embedded registry holding the example models (sentiment-fusion
// v1.0.0 as a shadow beside v1.1.0), served over loopback; and a headless Chromium (Debian's
// package, driven by playwright-core) to look at it. Used by test/http and the screenshot script.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, chromium } from 'playwright-core'
import { type LeafwiseApp, leafwiseApp, parseApiKeys } from '../../src/http/index.ts'
import { fileFeatureStore, fileSource, type ServedApp, serveApp } from '../../src/node/index.ts'
import type { ModelRegistry } from '../../src/registry/index.ts'
import { createPgliteRegistry } from '../../src/registry/pglite.ts'
import { exampleRows, modelsRoot, registerAll } from '../ensemble/support.ts'
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

export interface ConsoleFixture {
  registry: ModelRegistry
  app: LeafwiseApp
  served: ServedApp
  /** `http://127.0.0.1:PORT/console` */
  consoleUrl: string
  close(): Promise<void>
}

/** A registry with the example models, and the app serving it on a free port. */
export async function startConsoleFixture(): Promise<ConsoleFixture> {
  const registry = createPgliteRegistry({ dataDir: 'memory' })
  await registerAll(registry, exampleRows)
  const shadow = await registry.updateStatus('sentiment-fusion', 'v1.0.0', 'shadow', {
    reason: 'compare with v1.1.0 before rolling back',
    actor: 'operator',
  })
  if (!shadow.success) throw new Error(shadow.error.message)
  const app = leafwiseApp({
    registry,
    source: fileSource(modelsRoot),
    features: fileFeatureStore(join(repoRoot, 'examples', 'data', 'features.json')),
    keys: consoleKeys,
  })
  await app.ready()
  const served = await serveApp(app)
  return {
    registry,
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
