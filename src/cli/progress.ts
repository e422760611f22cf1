// Progress of long work on a terminal: one line on stderr, redrawn in place at most a few
// times a second, erased when the work ends. Silent unless the CLI runs interactively
// (stdout and stderr both terminals), so piped and redirected output stays clean.
import type { CliIO } from './io.ts'

/** A progress line; every method is a no-op when the CLI is not interactive. */
export interface Progress {
  /** Redraws the line with `text` (throttled unless `force`). */
  update(text: string, force?: boolean): void
  /** Erases the line (before writing output to the same terminal, and at the end). */
  clear(): void
}

const silent: Progress = { update() {}, clear() {} }

/** A progress line for `io`, redrawn at most every `intervalMs` (default 200). */
export function createProgress(io: CliIO, intervalMs = 200): Progress {
  if (!io.interactive || io.env.LEAFWISE_NO_PROGRESS) return silent
  let shown = false
  let last = Number.NEGATIVE_INFINITY
  return {
    update(text, force = false) {
      const now = performance.now()
      if (!force && now - last < intervalMs) return
      last = now
      shown = true
      io.stderr(`\r\x1b[2K${text}`)
    },
    clear() {
      if (!shown) return
      shown = false
      io.stderr('\r\x1b[2K')
    },
  }
}

/** `1234567` as `1,234,567`. */
export const count = (n: number) => n.toLocaleString('en-US')
