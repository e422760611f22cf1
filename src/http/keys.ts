// API keys: each key gives its caller a tier (which models answer) and, for the console, a
// role (`read` to look, `operate` to act) and a name (the actor written to the history).
import type { TierRequirement } from '../registry/index.ts'
import { tierRank } from '../registry/internal.ts'
import { HttpError } from './errors.ts'

/** What a console key may do: `read` sees every page, `operate` also acts (promote, rollback, ...). */
export type Role = 'read' | 'operate'

/**
 * One key's entry in the key table: a tier alone (an API-only key, as in the guide), or
 * `{ name, tier, role }`. `name` is what the history records as the actor of its actions.
 */
export type ApiKeySpec = TierRequirement | { name?: string; tier?: TierRequirement; role?: Role }

/** A key as the app uses it. */
export interface ApiKey {
  name: string
  tier: TierRequirement
  /** Absent for API-only keys: they cannot open the console. */
  role?: Role
}

const ROLES: readonly Role[] = ['read', 'operate']

/** Checks and normalizes a key table; throws `INVALID_API_KEYS` naming the key at fault. */
export function normalizeKeys(
  keys: Readonly<Record<string, ApiKeySpec>>,
  origin = 'keys',
): Map<string, ApiKey> {
  const out = new Map<string, ApiKey>()
  const names = new Set<string>()
  let index = 0
  for (const [key, spec] of Object.entries(keys)) {
    index++
    const problem = (what: string) =>
      new HttpError(500, 'INVALID_API_KEYS', `${origin}: key #${index} ${what}`)
    if (!key) throw problem('is empty')
    const entry = typeof spec === 'string' ? { tier: spec } : spec
    if (!entry || typeof entry !== 'object') throw problem(`must be a tier or { name, tier, role }`)
    const tier = entry.tier ?? 'free'
    if (typeof tier !== 'string' || !Object.hasOwn(tierRank, tier))
      throw problem(`has unknown tier ${JSON.stringify(tier)} (free, premium or enterprise)`)
    if (entry.role !== undefined && !ROLES.includes(entry.role))
      throw problem(`has unknown role ${JSON.stringify(entry.role)} (read or operate)`)
    const name = entry.name ?? `${tier}-key-${index}`
    if (typeof name !== 'string' || !/^[\w .@-]{1,64}$/.test(name))
      throw problem('name must be 1 to 64 letters, digits, spaces or . _ @ -')
    if (names.has(name)) throw problem(`name ${JSON.stringify(name)} is used twice`)
    names.add(name)
    out.set(key, { name, tier: tier as TierRequirement, role: entry.role })
  }
  return out
}

/**
 * Parses a key file: `{ "keys": { "<key>": "free" | { "name", "tier", "role" } } }`.
 * `origin` (the file's path) names the file in errors.
 */
export function parseApiKeys(text: string, origin = 'keys'): Record<string, ApiKeySpec> {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    throw new HttpError(500, 'INVALID_API_KEYS', `${origin}: not valid JSON: ${(error as Error).message}`)
  }
  const keys = (data as { keys?: unknown } | null)?.keys
  if (!keys || typeof keys !== 'object' || Array.isArray(keys))
    throw new HttpError(500, 'INVALID_API_KEYS', `${origin}: expected { "keys": { "<key>": ... } }`)
  normalizeKeys(keys as Record<string, ApiKeySpec>, origin)
  return keys as Record<string, ApiKeySpec>
}

/** The key a request presents: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedKey(request: Request): string | undefined {
  const header = request.headers.get('x-api-key')
  if (header) return header
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '')
  return match?.[1]
}

/** Whether `role` allows `needed` (`operate` includes `read`). */
export function allows(role: Role | undefined, needed: Role): boolean {
  if (!role) return false
  return needed === 'read' || role === 'operate'
}
