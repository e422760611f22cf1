// Canary routing: a version of a model serves a share of the keys in place of the deployed
// version of the same name, chosen by a stable hash of the caller's key (a symbol, a user
// id), so one key always meets the same version while the weight is unchanged. For a key
// routed to the canary, the deployed version of that name runs in shadow (and the reports
// compare the two on every key either way).
import type { ModelReader } from '../registry/index.ts'
import { type WeightOptions, weightOf } from './consensus.ts'
import type { ModelMember } from './model-set.ts'

/** Buckets of the routing hash: a weight has two decimals of a percent. */
export const CANARY_BUCKETS = 10_000

/** One canary of a model set. */
export interface CanaryRoute {
  modelName: string
  modelVersion: string
  weightPercent: number
  /** The canary version as it votes (deployed weight, role `canary`). */
  voting: ModelMember
  /** The canary version as it runs for the other keys (the set's shadow member). */
  shadow: ModelMember
  /** The deployed versions of the name, as they run in shadow for routed keys. */
  demoted: readonly ModelMember[]
}

/**
 * The bucket (0 to 9 999) of `key` for `modelName`: FNV-1a over the name, a NUL and the key
 * (UTF-16 code units), finished with MurmurHash3's fmix32 so that close keys spread evenly.
 * The same on every runtime and in every process.
 */
export function canaryBucket(modelName: string, key: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < modelName.length; i++) h = Math.imul(h ^ modelName.charCodeAt(i), 0x01000193)
  h = Math.imul(h ^ 0, 0x01000193)
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193)
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return (h >>> 0) % CANARY_BUCKETS
}

/** True when `key` is routed to a canary of `modelName` holding `weightPercent` % of the keys. */
export function routesToCanary(modelName: string, key: string, weightPercent: number): boolean {
  return canaryBucket(modelName, key) < Math.round(weightPercent * 100)
}

/**
 * The canaries of a freshly loaded set: the registry's canary weights whose version is in the
 * set's shadow models (a canary version runs in shadow). A reader without canaries gives none.
 */
export async function canaryRoutes(
  reader: ModelReader,
  tier: Parameters<NonNullable<ModelReader['listCanaries']>>[0],
  deployed: readonly ModelMember[],
  shadow: readonly ModelMember[],
  options: WeightOptions,
): Promise<CanaryRoute[]> {
  if (typeof reader.listCanaries !== 'function') return []
  const listed = await reader.listCanaries(tier)
  // A database not migrated to 011 yet has no canaries (its models still serve).
  if (!listed.success && listed.error.code === 'NOT_MIGRATED') return []
  if (!listed.success)
    throw new Error(`cannot read the canary weights (${listed.error.code}): ${listed.error.message}`)
  const routes: CanaryRoute[] = []
  for (const canary of listed.data) {
    const member = shadow.find(
      (m) => m.record.modelName === canary.modelName && m.record.modelVersion === canary.modelVersion,
    )
    if (!member) continue
    routes.push({
      modelName: canary.modelName,
      modelVersion: canary.modelVersion,
      weightPercent: canary.weightPercent,
      voting: { ...member, role: 'canary', weight: weightOf(member.record, options) },
      shadow: member,
      demoted: deployed
        .filter((m) => m.record.modelName === canary.modelName)
        .map((m) => ({ ...m, role: 'shadow' as const, weight: 0 })),
    })
  }
  return routes
}

/** The members that vote and those that run in shadow for `key` (the set's own lists without a routed canary). */
export function routeMembers(
  deployed: readonly ModelMember[],
  shadow: readonly ModelMember[],
  canaries: readonly CanaryRoute[] | undefined,
  key: string | undefined,
): [readonly ModelMember[], readonly ModelMember[]] {
  if (!canaries || canaries.length === 0 || key === undefined) return [deployed, shadow]
  let voting = deployed
  let running = shadow
  for (const route of canaries) {
    if (!routesToCanary(route.modelName, key, route.weightPercent)) continue
    voting = [...voting.filter((m) => m.record.modelName !== route.modelName), route.voting]
    running = [...running.filter((m) => m !== route.shadow), ...route.demoted]
  }
  return [voting, running]
}
