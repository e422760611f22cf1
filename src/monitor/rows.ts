// How a vote is kept in `ml_predictions.votes` (written by pack.ts' BatchEncoder), and read
// back: short keys, because every analysis carries one per model. The record hash.
import type { Signal } from '../ensemble/index.ts'

/** The role a version played in one analysis. */
export type VoteRole = 'deployed' | 'canary' | 'shadow'

/** A vote as stored. */
export interface StoredVote {
  /** Model name. */
  n: string
  /** Model version. */
  v: string
  r: VoteRole
  /** Signal. */
  s: Signal
  /** Confidence. */
  c: number | null
  /** [P(BEARISH), P(NEUTRAL), P(BULLISH)]. */
  p: [number | null, number | null, number | null]
  /** The model's own output. */
  o: (number | null)[]
  /** Consensus weight (0 for shadow votes). */
  w: number
}

/** FNV-1a (32 bits) of the feature names, the seed of `valuesHash`. */
export function namesHash(names: readonly string[]): number {
  let hash = 0x811c9dc5
  for (const name of names) {
    for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193)
    hash = Math.imul(hash ^ 0x1f, 0x01000193)
  }
  return hash >>> 0
}

const hex8 = (x: number) => (x >>> 0).toString(16).padStart(8, '0')

/** The hash of a record with no named features: its names' hash, twice. */
export function namesHashHex(seed: number): string {
  return hex8(seed) + hex8(seed)
}

const scratch = new Float64Array(1)
const scratchWords = new Uint32Array(scratch.buffer)

/**
 * The record hash of the features used: two FNV-1a hashes (seeded with the names' hash)
 * over the 64-bit patterns of the values, every NaN alike; 16 hex digits. Equal names and
 * values hash equal. An identifier, not a cryptographic hash.
 */
export function valuesHash(seed: number, values: Float64Array): string {
  let a = seed
  let b = seed ^ 0x050c5d1f
  for (let i = 0; i < values.length; i++) {
    scratch[0] = Number.isNaN(values[i]) ? Number.NaN : values[i]
    const lo = scratchWords[0]
    const hi = scratchWords[1]
    a = Math.imul(a ^ lo, 0x01000193)
    a = Math.imul(a ^ hi, 0x01000193)
    b = Math.imul(b ^ hi, 0x01000193)
    b = Math.imul(b ^ lo, 0x01000193)
  }
  return hex8(a) + hex8(b)
}

/** Reads a JSONB value the driver returned (an object, or its text). */
export function jsonValue<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T
}
