// Parsed packages by name and version: a package is read and parsed once, however many model
// sets (and ensembles of different tiers) use it. Keyed by `{name}/{version}` only, so two
// models never share a parsed model unless both are equal (guide, Common Issue 5).
import {
  type ArtifactSource,
  type LoadPackageOptions,
  loadPackage,
  type ModelPackage,
} from '../package/index.ts'

/** Loads a package; `loadPackage` by default, injectable for tests and custom stores. */
export type PackageLoader = (source: ArtifactSource, name: string, version: string) => Promise<ModelPackage>

/** A cache of loaded packages over one artifact source. */
export interface PackageCache {
  readonly source: ArtifactSource
  /** The package `{name}/{version}`, loaded once; a failed load is not kept, so a later call retries. */
  get(name: string, version: string): Promise<ModelPackage>
  /** Ids (`name/version`) held now, loaded or loading. */
  ids(): string[]
  /** Drops every package whose id is not in `keep`. */
  retain(keep: Iterable<string>): void
  /** Drops one package. */
  evict(id: string): void
}

/** Options of `createPackageCache`. */
export interface PackageCacheOptions extends LoadPackageOptions {
  loader?: PackageLoader
}

/** A package cache over `source`. */
export function createPackageCache(source: ArtifactSource, options: PackageCacheOptions = {}): PackageCache {
  const entries = new Map<string, Promise<ModelPackage>>()
  const loader: PackageLoader =
    options.loader ?? ((src, name, version) => loadPackage(src, name, version, { stream: options.stream }))
  return {
    source,
    get(name, version) {
      const id = `${name}/${version}`
      let entry = entries.get(id)
      if (entry === undefined) {
        entry = loader(source, name, version)
        entries.set(id, entry)
        entry.catch(() => {
          if (entries.get(id) === entry) entries.delete(id)
        })
      }
      return entry
    },
    ids() {
      return [...entries.keys()]
    },
    retain(keep) {
      const kept = new Set(keep)
      for (const id of entries.keys()) if (!kept.has(id)) entries.delete(id)
    },
    evict(id) {
      entries.delete(id)
    },
  }
}
