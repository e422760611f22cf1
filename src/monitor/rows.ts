// How a vote is kept in `ml_predictions.votes`, and read back: short keys, because every
// analysis carries one per model.
import { type Analysis, inputHash, type Signal, type Vote } from '../ensemble/index.ts'

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

const finite = (x: number) => (Number.isFinite(x) ? x : null)

function encode(vote: Vote, role: VoteRole): StoredVote {
  const p = vote.probabilities
  return {
    n: vote.modelName,
    v: vote.modelVersion,
    r: role,
    s: vote.signal,
    c: finite(vote.confidence),
    p: [finite(p.BEARISH), finite(p.NEUTRAL), finite(p.BULLISH)],
    o: vote.prediction.map(finite),
    w: vote.weight,
  }
}

/** The votes and shadow votes of an analysis, as stored (a canary vote keeps its role). */
export function encodeVotes(analysis: Analysis): StoredVote[] {
  const out: StoredVote[] = []
  for (const vote of analysis.votes) out.push(encode(vote, (vote as { role?: VoteRole }).role ?? 'deployed'))
  for (const vote of analysis.shadowVotes) out.push(encode(vote, 'shadow'))
  return out
}

/** `inputHash` of the features used: equal feature values hash equal. */
export function recordHash(features: Record<string, number | null>): string {
  return inputHash(features)
}

/** Reads a JSONB value the driver returned (an object, or its text). */
export function jsonValue<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T
}
