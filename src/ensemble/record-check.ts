// Checks a feature record against the features a model set reads: a key no model knows is
// almost always a typo (`rsi7` for `rsi_7`), and silently reading it as "all missing" gives
// a confident answer from nothing. Such keys are an error unless the caller allows them.
import { LeafwiseError } from '../errors.ts'
import type { FeatureInput } from '../package/index.ts'
import type { ModelSet } from './model-set.ts'

/** The stable code of a record with feature names no model of the set reads. */
export const UNKNOWN_FEATURE = 'UNKNOWN_FEATURE'

/** A vote counts as sparse when more than this share of its model's features is missing. */
export const SPARSE_SHARE = 0.5

const known = new WeakMap<ModelSet, { names: Set<string>; sorted: string[] }>()

/** The union of the feature names of every model (deployed and shadow) of `set`. */
export function featureNamesOf(set: ModelSet): { names: Set<string>; sorted: string[] } {
  let entry = known.get(set)
  if (!entry) {
    const names = new Set<string>()
    for (const member of [...set.deployed, ...set.shadow])
      for (const name of member.package.featureNames) names.add(name)
    entry = { names, sorted: [...names].sort() }
    known.set(set, entry)
  }
  return entry
}

function isOrdered(input: FeatureInput): input is ArrayLike<number> {
  return ArrayBuffer.isView(input) || Array.isArray(input)
}

/** The keys of a record (a Map's or an object's own keys); none for ordered arrays. */
function keysOf(input: FeatureInput): string[] {
  if (isOrdered(input)) return []
  if (input instanceof Map) return [...input.keys()].map(String)
  return Object.keys(input)
}

/** Lowercase letters and digits only: `RSI-7`, `rsi7` and `rsi_7` compare equal. */
const squash = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '')

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
    }
    previous = current
  }
  return previous[b.length]
}

/**
 * The known name closest to `name`: one equal once case and punctuation are ignored, else
 * the one at the smallest edit distance when that distance is at most a third of the name
 * (at least 2). Undefined when nothing is close.
 */
export function closestName(name: string, names: readonly string[]): string | undefined {
  const squashed = squash(name)
  const same = names.find((candidate) => squash(candidate) === squashed)
  if (same !== undefined) return same
  let best: string | undefined
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1
  for (const candidate of names) {
    const distance = editDistance(squashed, squash(candidate))
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}

/**
 * Throws `UNKNOWN_FEATURE` when `record` has keys that no model of `set` reads and that
 * `wider()` (names known beyond the set: other tiers' packages, the caller's list) does not
 * hold either, naming each (up to five) with the closest known name. `label` says which
 * record (for batches). `wider` is only called when a key is unknown to the set.
 */
export function rejectUnknownFeatures(
  set: ModelSet,
  record: FeatureInput,
  label: string | undefined,
  wider: () => Iterable<string>,
): void {
  const { names } = featureNamesOf(set)
  if (names.size === 0) return
  let unknown = keysOf(record).filter((key) => !names.has(key))
  if (unknown.length === 0) return
  const extra = new Set(wider())
  unknown = unknown.filter((key) => !extra.has(key))
  if (unknown.length === 0) return
  const sorted = [...new Set([...names, ...extra])].sort()
  const listed = unknown.slice(0, 5).map((key) => {
    const near = closestName(key, sorted)
    return near === undefined ? `'${key}'` : `'${key}' (did you mean '${near}'?)`
  })
  const more = unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''
  throw new LeafwiseError(
    UNKNOWN_FEATURE,
    `${label ?? 'the record'} has feature names no model reads: ${listed.join(', ')}${more}; fix them, or allow unknown features (allowUnknownFeatures: true; leafwise analyze --allow-unknown-features)`,
  )
}

/** How many entries of a normalized row are missing (NaN). */
export function countMissing(row: ArrayLike<number>, offset: number, width: number): number {
  let missing = 0
  for (let i = offset; i < offset + width; i++) if (Number.isNaN(row[i])) missing++
  return missing
}
