// One ensemble per caller tier, sharing one package cache: given by the application, or
// created on first use from the registry and an artifact source (and watching the registry,
// so a promote in the console reloads them).
import {
  createEnsemble,
  createPackageCache,
  type Ensemble,
  type EnsembleRegistry,
  type PackageCache,
  type PredictionSink,
} from '../ensemble/index.ts'
import type { ArtifactSource } from '../package/index.ts'
import type { TierRequirement } from '../registry/index.ts'
import { HttpError } from './errors.ts'

/** Every tier, lowest first. */
export const TIERS: readonly TierRequirement[] = ['free', 'premium', 'enterprise']

/** Where the ensembles come from. */
export interface TierEnsembleOptions {
  registry?: EnsembleRegistry
  source?: ArtifactSource
  cache?: PackageCache
  ensembles?: Partial<Record<TierRequirement, Ensemble>>
  log?: PredictionSink
}

/** The ensembles of each tier, created once; `close()` closes those it created. */
export interface TierEnsembles {
  get(tier: TierRequirement): Promise<Ensemble>
  /** Those created so far (or given). */
  created(): Partial<Record<TierRequirement, Ensemble>>
  /** The package cache the ensembles share (made from `source` when needed); undefined without either. */
  packages(): PackageCache | undefined
  close(): Promise<void>
}

/** Ensembles by tier over `options`: the given ones first, else built from registry + source. */
export function tierEnsembles(options: TierEnsembleOptions): TierEnsembles {
  const given = options.ensembles ?? {}
  const made = new Map<TierRequirement, Promise<Ensemble>>()
  const ready: Partial<Record<TierRequirement, Ensemble>> = { ...given }
  let cache = options.cache
  return {
    get(tier) {
      const existing = given[tier]
      if (existing) return Promise.resolve(existing)
      let pending = made.get(tier)
      if (!pending) {
        const { registry, source } = options
        if (!registry || !(source || options.cache)) {
          return Promise.reject(
            new HttpError(
              503,
              'NO_ENSEMBLE',
              `no ensemble for tier ${tier}: give \`ensembles\` or \`registry\` and \`source\``,
            ),
          )
        }
        cache ??= createPackageCache(source!)
        pending = createEnsemble({
          registry,
          cache,
          tier,
          watch: typeof registry.watch === 'function',
          log: options.log,
        }).then(
          (ensemble) => {
            ready[tier] = ensemble
            return ensemble
          },
          (error) => {
            made.delete(tier) // the next request tries again
            throw new HttpError(
              503,
              'REGISTRY_UNAVAILABLE',
              `cannot load the models of tier ${tier}: ${(error as Error).message}`,
            )
          },
        )
        made.set(tier, pending)
      }
      return pending
    },
    created: () => ready,
    packages() {
      if (!cache && options.source) cache = createPackageCache(options.source)
      return cache
    },
    async close() {
      const own = await Promise.allSettled(made.values())
      made.clear()
      for (const result of own) if (result.status === 'fulfilled') await result.value.close()
    },
  }
}
