// Durations as people type them (`--since 7d`, `retention: '30d'`): a number and a unit.
import { LeafwiseError } from '../errors.ts'

const unitMs: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
}

/**
 * Milliseconds of a duration: `500ms`, `30s`, `15m`, `12h`, `7d`, `2w` (a bare number is
 * milliseconds). Throws `INVALID_INPUT` naming the text for anything else.
 */
export function parseDuration(text: string | number): number {
  if (typeof text === 'number') {
    if (Number.isFinite(text) && text >= 0) return text
    throw new LeafwiseError('INVALID_INPUT', `a duration must be a finite number >= 0, got ${text}`)
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/.exec(text)
  if (!match) {
    throw new LeafwiseError(
      'INVALID_INPUT',
      `cannot read the duration ${JSON.stringify(text)}: expected a number and a unit (ms, s, m, h, d, w), e.g. 7d`,
    )
  }
  return Number(match[1]) * unitMs[match[2] ?? 'ms']
}

/** A window ending now: `since` is a duration back from `now`, or a Date. */
export function windowStart(since: string | number | Date, now: number = Date.now()): Date {
  return since instanceof Date ? since : new Date(now - parseDuration(since))
}
