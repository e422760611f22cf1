// One generation of the ensemble: the deployed and shadow models a tier sees, each with its
// loaded package, weight and signal mapper. Built whole in the background, then swapped in.
import { LeafwiseError } from '../errors.ts'
import { type ArtifactSource, type ModelPackage, PACKAGE_FILES, packagePath } from '../package/index.ts'
import type { ModelReader, ModelRecord, TierRequirement } from '../registry/index.ts'
import type { PackageCache } from './cache.ts'
import { type WeightOptions, weightOf } from './consensus.ts'
import { type SignalMapper, type SignalOptions, signalMapper } from './signals.ts'

/** A model of a set: its registry row, its package, and how it votes. */
export interface ModelMember {
  record: ModelRecord
  package: ModelPackage
  /** Consensus weight (0 for shadow models, which never count). */
  weight: number
  role: 'deployed' | 'shadow'
  mapper: SignalMapper
}

/** A package of the set that could not be loaded or cannot vote. */
export interface LoadFailure {
  modelName: string
  modelVersion: string
  status: string
  /** Stable code: the package error's (`MODEL_FILE_MISSING`, ...), or `UNSUPPORTED_MODEL`. */
  code: string
  message: string
}

/** The models serving one generation. Never changes once built. */
export interface ModelSet {
  generation: number
  tier: TierRequirement
  loadedAt: Date
  /** Deployed models: they vote. */
  deployed: readonly ModelMember[]
  /** Shadow models: evaluated and reported, never counted. */
  shadow: readonly ModelMember[]
  /** Deployed or shadow models left out because they failed to load. */
  failures: readonly LoadFailure[]
  /**
   * Feature names of the deployed and shadow models of higher tiers, which this set does
   * not load (read from their normalizer.json): a record holding every model's features is
   * not refused by a lower tier's ensemble for the features it does not read.
   */
  otherTierFeatures: ReadonlySet<string>
}

/** Options of `loadModelSet`. */
export interface ModelSetOptions extends WeightOptions {
  signals?: SignalOptions
  /**
   * Serve the versions this alias points at (one per model, e.g. `champion`), whatever
   * their status, instead of the deployed and shadow models. With `watch`, the ensemble
   * reloads when the alias moves.
   */
  alias?: string
}

/** Registry objectives whose outputs map to BEARISH / NEUTRAL / BULLISH. */
const VOTING_OBJECTIVES = new Set(['direction_classification', 'price_prediction'])

function failureOf(record: ModelRecord, error: unknown): LoadFailure {
  const code =
    error && typeof error === 'object' && typeof (error as { code?: unknown }).code === 'string'
      ? (error as { code: string }).code
      : 'LOAD_FAILED'
  return {
    modelName: record.modelName,
    modelVersion: record.modelVersion,
    status: record.status,
    code,
    message: error instanceof Error ? error.message : String(error),
  }
}

/**
 * Reads the deployed and shadow models a caller at `tier` may use, and loads their packages
 * concurrently through `cache`. A package that fails is reported in `failures`; the rest
 * are kept. Throws `REGISTRY_UNAVAILABLE` when the registry cannot be read.
 */
export async function loadModelSet(
  reader: ModelReader,
  cache: PackageCache,
  tier: TierRequirement,
  generation: number,
  options: ModelSetOptions = {},
): Promise<ModelSet> {
  const listed = await reader.listModels(
    options.alias ? { alias: options.alias, tier } : { status: ['deployed', 'shadow'], tier },
  )
  if (!listed.success) {
    throw new LeafwiseError(
      'REGISTRY_UNAVAILABLE',
      `cannot read the model registry (${listed.error.code}): ${listed.error.message}`,
    )
  }
  const outcomes = await Promise.all(
    listed.data.map(async (record): Promise<ModelMember | LoadFailure> => {
      try {
        if (!VOTING_OBJECTIVES.has(record.objective)) {
          throw new LeafwiseError(
            'UNSUPPORTED_MODEL',
            `${record.modelName}/${record.modelVersion} cannot vote: objective ${record.objective} has no signal (only direction_classification and price_prediction do)`,
          )
        }
        const pkg = await cache.get(record.modelName, record.modelVersion)
        const role = options.alias || record.status === 'deployed' ? 'deployed' : 'shadow'
        return {
          record,
          package: pkg,
          weight: role === 'deployed' ? weightOf(record, options) : 0,
          role,
          mapper: signalMapper(pkg, options.signals),
        }
      } catch (error) {
        return failureOf(record, error)
      }
    }),
  )
  const members = outcomes.filter((o): o is ModelMember => 'package' in o)
  return {
    generation,
    tier,
    loadedAt: new Date(),
    deployed: members.filter((m) => m.role === 'deployed'),
    shadow: members.filter((m) => m.role === 'shadow'),
    failures: outcomes.filter((o): o is LoadFailure => !('package' in o)),
    otherTierFeatures: await otherTierFeatures(reader, cache.source, tier, listed.data),
  }
}

/**
 * The feature names (normalizer.json keys) of the deployed and shadow models that only
 * tiers above `tier` see. Best effort: a row or file that cannot be read adds nothing.
 */
async function otherTierFeatures(
  reader: ModelReader,
  source: ArtifactSource,
  tier: TierRequirement,
  seen: readonly ModelRecord[],
): Promise<Set<string>> {
  const names = new Set<string>()
  if (tier === 'enterprise') return names
  const all = await reader.listModels({ status: ['deployed', 'shadow'], tier: 'enterprise' })
  if (!all.success) return names
  const inSet = new Set(seen.map((r) => `${r.modelName}/${r.modelVersion}`))
  const decoder = new TextDecoder()
  await Promise.all(
    all.data
      .filter((r) => !inSet.has(`${r.modelName}/${r.modelVersion}`))
      .map(async (r) => {
        try {
          const bytes = await source.read(packagePath(r.modelName, r.modelVersion, PACKAGE_FILES.normalizer))
          const parsed: unknown = JSON.parse(decoder.decode(bytes))
          if (parsed && typeof parsed === 'object') for (const key of Object.keys(parsed)) names.add(key)
        } catch {
          // Not this set's package: its problems are reported by the tiers that load it.
        }
      }),
  )
  return names
}

/** `name/version` of every model of a set, deployed first. */
export function modelIds(set: ModelSet): string[] {
  return [...set.deployed, ...set.shadow].map((m) => m.package.id)
}
