// The guide's entry point, `ModelRegistry.getInstance()` (spec/model-registration-guide.md,
// "Registration Scripts" and "Verification Steps" step 4): one process-wide registry chosen
// from the environment, so that the guide's scripts run with only their import changed.
//
//   DATABASE_URL set      -> PostgreSQL (leafwise/registry/postgres)
//   otherwise             -> the embedded PGlite registry in LEAFWISE_REGISTRY_DIR
//                            (default .leafwise/registry; leafwise/registry/pglite)
//
// `leafwise/registry` stays free of drivers for edge bundles: the adapter is imported at
// run time by a computed specifier, which bundlers leave alone (no runtime without a
// filesystem or sockets reaches this code: it has no DATABASE_URL and no data directory).
import type { SqlClient } from './client.ts'
import { integrityLoader } from './integrity.ts'
import { createRegistry } from './registry.ts'
import type { ModelRegistry as RegistryApi } from './types.ts'

/** The guide's registry: the registry API plus `initialize()`. */
export interface GuideModelRegistry extends RegistryApi {
  /** Connects and applies pending migrations; safe to call more than once (and at once). */
  initialize(): Promise<void>
}

/** The registry API (`createRegistry`, the adapters and `ModelRegistry.getInstance()` return one). */
export type ModelRegistry = RegistryApi

function env(name: string): string | undefined {
  const vars = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
  const value = vars?.[name]
  return value === '' ? undefined : value
}

/** Imports a sibling adapter module (`postgres` or `pglite`) where this module runs from. */
function importAdapter(name: 'postgres' | 'pglite'): Promise<{
  createPostgresClient?: (options: { url?: string }) => SqlClient
  createPgliteClient?: (options: { dataDir?: string; releaseWhenIdleMs?: number }) => SqlClient
}> {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js'
  const specifier = new URL(`./${name}${extension}`, import.meta.url).href
  return import(specifier)
}

async function openClient(): Promise<SqlClient> {
  const url = env('DATABASE_URL')
  if (url) {
    const { createPostgresClient } = await importAdapter('postgres')
    return createPostgresClient!({ url })
  }
  const { createPgliteClient } = await importAdapter('pglite')
  // The guide's scripts never close the registry: give the directory back when idle, so
  // that they exit (and other processes can hold it).
  return createPgliteClient!({
    dataDir: env('LEAFWISE_REGISTRY_DIR') ?? '.leafwise/registry',
    releaseWhenIdleMs: 500,
  })
}

/** A registry whose adapter is chosen and opened on the first call. */
function createGuideRegistry(): GuideModelRegistry {
  let opened: Promise<RegistryApi> | undefined
  let initialized: Promise<void> | undefined

  function registry(): Promise<RegistryApi> {
    opened ??= openClient().then((client) => createRegistry(client, { autoMigrate: true }))
    opened.catch(() => {
      opened = undefined
    })
    return opened
  }

  async function initialize(): Promise<void> {
    initialized ??= (async () => {
      const result = await (await registry()).migrate()
      if (!result.success) throw new Error(`${result.error.code}: ${result.error.message}`)
    })()
    try {
      await initialized
    } catch (error) {
      initialized = undefined
      throw error
    }
  }

  /** Forwards one method to the registry, opening it first. */
  const forward =
    <K extends keyof RegistryApi>(name: K) =>
    async (...args: Parameters<RegistryApi[K]>) =>
      // biome-ignore lint/suspicious/noExplicitAny: one forwarder for every method of the API
      ((await registry())[name] as (...a: any[]) => any)(...args)

  return {
    initialize,
    migrate: forward('migrate'),
    registerModel: forward('registerModel'),
    getModel: forward('getModel'),
    getDeployedModels: forward('getDeployedModels'),
    listModels: forward('listModels'),
    updateStatus: forward('updateStatus'),
    updateScores: forward('updateScores'),
    promote: forward('promote'),
    rollback: forward('rollback'),
    history: forward('history'),
    setCanary: forward('setCanary'),
    endCanary: forward('endCanary'),
    listCanaries: forward('listCanaries'),
    watch: forward('watch'),
    resolveVersion: forward('resolveVersion'),
    setAlias: forward('setAlias'),
    removeAlias: forward('removeAlias'),
    listAliases: forward('listAliases'),
    setTags: forward('setTags'),
    removeTags: forward('removeTags'),
    getTags: forward('getTags'),
    approve: forward('approve'),
    reject: forward('reject'),
    getApproval: forward('getApproval'),
    fileHashes: forward('fileHashes'),
    describeModel: forward('describeModel'),
    storeArtifact: forward('storeArtifact'),
    readArtifact: forward('readArtifact'),
    integrityLoader: (base) =>
      integrityLoader(async (name, version) => (await registry()).fileHashes(name, version), base),
    async close() {
      const current = opened
      opened = undefined
      initialized = undefined
      if (current) await (await current.catch(() => undefined))?.close()
    },
  } satisfies GuideModelRegistry
}

let instance: GuideModelRegistry | undefined

/**
 * The guide's `ModelRegistry`: `ModelRegistry.getInstance()` returns one process-wide
 * registry configured from the environment (`DATABASE_URL` selects PostgreSQL; otherwise
 * the embedded registry in `LEAFWISE_REGISTRY_DIR`, default `.leafwise/registry`). Call
 * `await registry.initialize()` before use, as the guide's scripts do.
 */
export const ModelRegistry = {
  getInstance(): GuideModelRegistry {
    instance ??= createGuideRegistry()
    return instance
  },
  /** Closes the process-wide registry; the next `getInstance()` reads the environment again. */
  async resetInstance(): Promise<void> {
    const current = instance
    instance = undefined
    await current?.close()
  },
}
