// Shared by the monitor tests: a migrated registry with the example models on a fresh
// database of an engine, and an ensemble over it that feeds a prediction store.
import { type Analysis, createEnsemble, type Ensemble } from '../../src/ensemble/index.ts'
import type { PredictionStore, PredictionStoreOptions, TrainingStatsLookup } from '../../src/monitor/index.ts'
import { createPredictionStore } from '../../src/monitor/index.ts'
import {
  createRegistry,
  type ModelRegistry,
  type RegisterModelInput,
  type SqlClient,
  unwrap,
} from '../../src/registry/index.ts'
import { exampleRows, exampleSource } from '../ensemble/support.ts'
import { seededUniform } from '../support/random.ts'

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

/** A seeded stream of analyses, and what it was made of. */
export interface ShiftedStream {
  analyses: Analysis[]
  /** A label (UP, DOWN, NEUTRAL) drawn per analysis, keyed `k<i>` like the analyses' ids. */
  labels: string[]
  /** The features moved by `shift` training std (read by the `first` package). */
  shifted: string[]
  /** Training statistics of the loaded packages (their normalizer.json). */
  statsOf: TrainingStatsLookup
}

/**
 * Runs `count` analyses through `ensemble`: each feature drawn from N(mean, std) of the first
 * package that reads it (`first` before the others), three features of `first` (every 11th
 * from the 4th, statistics only) shifted by `shift` training std. Analysis i has id `k<i>`.
 */
export function shiftedStream(
  ensemble: Ensemble,
  {
    count,
    shift,
    seed = 18,
    first = 'sentiment-fusion/v1.1.0',
  }: { count: number; shift: number; seed?: number; first?: string },
): ShiftedStream {
  const members = [...ensemble.current.deployed, ...ensemble.current.shadow]
  const statsOf: TrainingStatsLookup = async (name, version) => {
    const member = members.find((m) => m.package.name === name && m.package.version === version)
    if (!member) throw new Error(`${name}/${version} is not loaded`)
    return member.package.normalizer
  }
  const order = [...members].sort((a, b) => (a.package.id === first ? -1 : b.package.id === first ? 1 : 0))
  const stats = new Map<string, { mean: number; std: number }>()
  for (const m of order) {
    const n = m.package.normalizer
    n.featureNames.forEach((f, i) => {
      if (!stats.has(f))
        stats.set(f, n.passThrough[i] ? { mean: 0, std: 0 } : { mean: n.mean[i], std: n.std[i] })
    })
  }
  const head = order[0].package.normalizer
  const shifted = head.featureNames
    .filter((_, i) => !head.passThrough[i])
    .filter((_, i) => i % 11 === 3)
    .slice(0, 3)
  const uniform = seededUniform(seed)
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform())
  const classes = ['UP', 'DOWN', 'NEUTRAL']
  const analyses: Analysis[] = []
  const labels: string[] = []
  for (let i = 0; i < count; i++) {
    const record: Record<string, number> = {}
    for (const [f, s] of stats) record[f] = s.mean + s.std * (normal() + (shifted.includes(f) ? shift : 0))
    analyses.push(ensemble.analyze(record, { id: `k${i}` }))
    labels.push(classes[Math.floor(uniform() * 3)])
  }
  return { analyses, labels, shifted, statsOf }
}
