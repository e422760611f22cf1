// Shared by the monitor tests: a migrated registry with the example models on a fresh
// database of an engine, and an ensemble over it that feeds a prediction store.
import { createEnsemble, type Ensemble } from '../../src/ensemble/index.ts'
import type { PredictionStore, PredictionStoreOptions } from '../../src/monitor/index.ts'
import { createPredictionStore } from '../../src/monitor/index.ts'
import {
  createRegistry,
  type ModelRegistry,
  type RegisterModelInput,
  type SqlClient,
  unwrap,
} from '../../src/registry/index.ts'
import { exampleRows, exampleSource } from '../ensemble/support.ts'

/** A registry on `client`, migrated, holding `rows` (default: the example rows). */
export async function exampleRegistry(
  client: SqlClient,
  rows: RegisterModelInput[] = exampleRows,
): Promise<ModelRegistry> {
  const registry = createRegistry(client)
  unwrap(await registry.migrate())
  for (const row of rows) unwrap(await registry.registerModel(row))
  return registry
}

/** An ensemble over `registry` whose analyses go to a new prediction store on `client`. */
export async function monitoredEnsemble(
  client: SqlClient,
  registry: ModelRegistry,
  options: PredictionStoreOptions = {},
): Promise<{ ensemble: Ensemble; store: PredictionStore }> {
  const store = createPredictionStore(client, options)
  const ensemble = await createEnsemble({ registry, source: exampleSource(), onAnalysis: store.record })
  return { ensemble, store }
}
