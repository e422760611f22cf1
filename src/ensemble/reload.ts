// Hot reload of an ensemble's model set: reload on demand or on every change event of the
// registry (debounced), load the next set in the background, and swap it in only when the
// registry could be read and no package newly fails. At most one reload runs; one more waits.
import { LeafwiseError } from '../errors.ts'
import type { EnsembleRegistry, ReloadResult } from './ensemble.ts'
import type { ModelSet } from './model-set.ts'

/** What the reloader needs of its ensemble. */
export interface ReloadHost {
  registry: EnsembleRegistry
  debounceMs?: number
  onReload?: (result: ReloadResult) => void
  /** The set serving now. */
  current(): ModelSet
  /** Loads the set the registry lists now, numbered `generation`. */
  load(generation: number): Promise<ModelSet>
  /** Serves `next` from now on. */
  swap(next: ModelSet): void
}

/** What makes two sets serve alike: members, roles, weights, canaries and failures. */
function signature(set: ModelSet): string {
  return [...set.deployed, ...set.shadow]
    .map((m) => `${m.package.id}:${m.role}:${m.weight}`)
    .concat((set.canaries ?? []).map((c) => `canary:${c.modelName}/${c.modelVersion}:${c.weightPercent}`))
    .concat(set.failures.map((f) => `${f.modelName}/${f.modelVersion}:failed`))
    .join('|')
}

/** The reload lifecycle of one ensemble (see ReloadHost). */
export class Reloader {
  /** The last reload's outcome, if any. */
  last: ReloadResult | undefined
  private running: Promise<ReloadResult> | undefined
  private queued: Promise<ReloadResult> | undefined
  private stopWatching: (() => Promise<void>) | undefined
  private debounce: ReturnType<typeof setTimeout> | undefined

  constructor(private readonly host: ReloadHost) {}

  /**
   * Reads the registry and loads the new model set in the background, then swaps it in
   * atomically. The new set is refused, and the current one keeps serving, when the
   * registry cannot be read or a package fails that was not already failing in the current
   * set. Concurrent calls coalesce: at most one reload runs, and one more is queued.
   */
  refresh(): Promise<ReloadResult> {
    if (!this.running) {
      this.running = this.reload().finally(() => {
        this.running = undefined
      })
      return this.running
    }
    this.queued ??= this.running.then(
      () => {
        this.queued = undefined
        return this.refresh()
      },
      () => {
        this.queued = undefined
        return this.refresh()
      },
    )
    return this.queued
  }

  /**
   * Reloads on every change event of the registry (debounced). Resolves to a function that
   * stops watching. Throws `WATCH_UNSUPPORTED` for a registry without change events.
   */
  async watch(): Promise<() => Promise<void>> {
    if (this.stopWatching) return this.stopWatching
    const registry = this.host.registry
    if (typeof registry.watch !== 'function') {
      throw new LeafwiseError(
        'WATCH_UNSUPPORTED',
        'this registry has no change events: call refresh() instead',
      )
    }
    const delay = this.host.debounceMs ?? 25
    const result = await registry.watch(() => {
      if (this.debounce) clearTimeout(this.debounce)
      this.debounce = setTimeout(() => {
        this.debounce = undefined
        this.refresh().catch(() => {})
      }, delay)
    })
    if (!result.success) {
      throw new LeafwiseError(
        'WATCH_FAILED',
        `cannot watch the registry (${result.error.code}): ${result.error.message}`,
      )
    }
    const unlisten = result.data
    this.stopWatching = async () => {
      this.stopWatching = undefined
      if (this.debounce) clearTimeout(this.debounce)
      this.debounce = undefined
      await unlisten()
    }
    return this.stopWatching
  }

  /** Stops watching and waits for a reload in progress. The registry and log sink are the caller's to close. */
  async close(): Promise<void> {
    await this.stopWatching?.()
    await this.queued?.catch(() => {})
    await this.running?.catch(() => {})
  }

  private async reload(): Promise<ReloadResult> {
    const current = this.host.current()
    let next: ModelSet
    try {
      next = await this.host.load(current.generation + 1)
    } catch (error) {
      return this.report({
        swapped: false,
        generation: current.generation,
        failures: [],
        reason: error instanceof Error ? error.message : String(error),
      })
    }
    const failedBefore = new Set(current.failures.map((f) => `${f.modelName}/${f.modelVersion}`))
    const newFailures = next.failures.filter((f) => !failedBefore.has(`${f.modelName}/${f.modelVersion}`))
    if (newFailures.length > 0) {
      const reason = newFailures
        .map((f) => `${f.modelName}/${f.modelVersion} (${f.status}) failed to load: ${f.code}: ${f.message}`)
        .join('; ')
      return this.report({
        swapped: false,
        generation: current.generation,
        failures: [...next.failures],
        reason: `kept generation ${current.generation}: ${reason}`,
      })
    }
    if (signature(next) === signature(current)) {
      return this.report({ swapped: false, generation: current.generation, failures: [...next.failures] })
    }
    this.host.swap(next)
    return this.report({ swapped: true, generation: next.generation, failures: [...next.failures] })
  }

  private report(result: ReloadResult): ReloadResult {
    this.last = result
    try {
      this.host.onReload?.(result)
    } catch {
      // A listener's failure is not the reload's.
    }
    return result
  }
}
