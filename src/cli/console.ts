// `leafwise console`: the analyze API and the console (leafwise/http) on their own, over the
// embedded registry (or PostgreSQL), the packages of `--models` and a key file. The registry's
// database is also the prediction store the report and drift pages read.
import { existsSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { memoryFeatureStore } from '../ensemble/index.ts'
import { leafwiseApp, parseApiKeys } from '../http/index.ts'
import { fileFeatureStore, fileSource, serveApp } from '../node/index.ts'
import { featureRecordsFromSamples } from '../node/internal.ts'
import { createRegistry } from '../registry/index.ts'
import type { CliIO, Command } from './io.ts'
import { UsageError } from './io.ts'
import { openMonitorClient } from './monitor-commands.ts'

const usage = `usage: leafwise console [--port 3000] [--host 127.0.0.1] [--keys FILE] [--features FILE]
                        [--models ROOT] [--data-dir DIR | --database-url URL]
  Serves the console (/console) and the analyze API (/api/stocks/analyze) until stopped; its
  report and drift pages read the predictions recorded in the registry's database
  (\`leafwise analyze --store\`, or an app's createPredictionStore).
  --keys      key file: { "keys": { "<key>": "free" | { "name", "tier", "role" } } }; role
              read sees the pages, operate also promotes and rolls back (default: the demo
              keys of examples/data/api-keys.json, on a loopback host only)
  --features  symbol -> record JSON file (default: records from the packages' samples.json)
  LEAFWISE_CONSOLE_SECRET (>= 16 characters) keeps sessions valid across restarts.`

const options = {
  port: { type: 'string', default: '3000' },
  host: { type: 'string', default: '127.0.0.1' },
  keys: { type: 'string' },
  features: { type: 'string' },
  models: { type: 'string' },
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

type Values = ReturnType<typeof parseArgs<{ options: typeof options }>>['values']

const packaged = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url))
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1'])

/** Starts the console server; resolves to its URL and a function that stops it. */
export async function startConsole(
  values: Partial<Values>,
  io: CliIO,
): Promise<{ url: string; close: () => Promise<void> }> {
  const port = Number(values.port ?? '3000')
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be a port number, got ${values.port}`)
  const host = values.host ?? '127.0.0.1'
  const demoKeys = [
    join(io.cwd, 'examples', 'data', 'api-keys.json'),
    packaged('examples/data/api-keys.json'),
  ].find(existsSync)
  const keysPath = values.keys ? resolve(io.cwd, values.keys) : demoKeys
  if (!keysPath) throw new UsageError(`no key file: give --keys FILE\n${usage}`)
  if (!values.keys && !LOOPBACK.has(host))
    throw new UsageError(`the demo keys are public: give --keys FILE to serve on ${host}`)
  const keys = parseApiKeys(readFileSync(keysPath, 'utf8'), keysPath)
  const given = values.models ? resolve(io.cwd, values.models) : join(io.cwd, 'models')
  const modelsRoot = values.models || existsSync(given) ? given : packaged('models')
  const features = values.features
    ? fileFeatureStore(resolve(io.cwd, values.features))
    : memoryFeatureStore(featureRecordsFromSamples(modelsRoot))
  // One client for the registry and the prediction store (ml_predictions, same database).
  const client = await openMonitorClient(values, io)
  const registry = createRegistry(client, {
    actor: `leafwise-console${io.env.USER ? `:${io.env.USER}` : ''}`,
    requireApproval: io.env.LEAFWISE_REQUIRE_APPROVAL === '1',
  })
  const app = leafwiseApp({
    registry,
    source: fileSource(modelsRoot),
    features,
    keys,
    secret: io.env.LEAFWISE_CONSOLE_SECRET || undefined,
    predictions: client,
  })
  let served: Awaited<ReturnType<typeof serveApp>>
  try {
    await app.ready()
    served = await serveApp(app, { port, host })
  } catch (error) {
    await app.close()
    await registry.close()
    throw error
  }
  const shown = relative(io.cwd, keysPath)
  io.stdout(
    `leafwise console: ${served.url}/console (keys from ${shown && !shown.startsWith('..') ? shown : keysPath}; analyze API at ${served.url}/api/stocks/analyze)\n`,
  )
  if (!values.keys) io.stdout('  demo keys: demo-operator-key (operate), demo-viewer-key (read)\n')
  return {
    url: served.url,
    close: async () => {
      await served.close()
      await app.close()
      await registry.close()
    },
  }
}

export const consoleCommand: Command = async (argv, io) => {
  let values: Values
  try {
    values = parseArgs({ args: argv, options, strict: true }).values
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${usage}`)
  }
  if (values.help) {
    io.stdout(`${usage}\n`)
    return 0
  }
  const { close } = await startConsole(values, io)
  await new Promise<void>((done) => {
    process.once('SIGINT', done)
    process.once('SIGTERM', done)
  })
  await close()
  return 0
}
