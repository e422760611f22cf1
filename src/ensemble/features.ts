// Where an application's feature records come from: a store keyed by symbol. The ensemble
// does not need it; servers and CLIs use it to turn a symbol into the record models read.
import type { FeatureRecord } from '../package/index.ts'

/**
 * A source of feature records by symbol (a feature store, a cache, a database). A record is
 * keyed by feature name and holds the union of the features the models read; `null` (or an
 * absent key) is a missing value.
 */
export interface FeatureProvider {
  /** The latest record of `symbol`, or undefined when the symbol is unknown. */
  getFeatures(symbol: string): Promise<FeatureRecord | undefined>
  /** The symbols the provider knows (optional: for listings and demos). */
  symbols?(): Promise<string[]>
}

/** A FeatureProvider over records held in memory, keyed by symbol. */
export function memoryFeatureStore(records: Readonly<Record<string, FeatureRecord>>): FeatureProvider {
  const map = new Map(Object.entries(records))
  return {
    async getFeatures(symbol) {
      return map.get(symbol)
    },
    async symbols() {
      return [...map.keys()].sort()
    },
  }
}
