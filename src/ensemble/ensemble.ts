// The ensemble: every deployed model a tier sees votes, shadow models run beside them, and
// the answer is one weighted consensus. The model set is replaced whole (hot reload): an
// analysis reads the current set once and finishes on it.
import { LeafwiseError } from '../errors.ts'
import { type ArtifactSource, type FeatureInput, loadPackage } from '../package/index.ts'
import type { ModelChange, ModelReader, RegistryResult, TierRequirement } from '../registry/index.ts'
import { createPackageCache, type PackageCache, type PackageLoader } from './cache.ts'
import { routeMembers } from './canary.ts'
import { type Consensus, consensusOf } from './consensus.ts'
import type { FeatureContribution } from './explain.ts'
import { logEntryOf, type PredictionSink } from './log.ts'
import { type LoadFailure, loadModelSet, type ModelSet, type ModelSetOptions } from './model-set.ts'
import { rejectUnknownFeatures } from './record-check.ts'
import { Reloader } from './reload.ts'
import { resolveSignalOptions, type Signal, type SignalProbabilities } from './signals.ts'
import { voteFrom, voteOf, votesOf } from './vote.ts'

/** One model's vote. */
export interface Vote {
  modelName: string
  modelVersion: string
  signal: Signal
  /** The probability of `signal`. */
  confidence: number
  probabilities: SignalProbabilities
  /** Consensus weight; 0 for shadow votes. */
  weight: number
  /** The model's own output: class probabilities, P(positive class), or the predicted value. */
  prediction: number[]
  /** How many of the model's features the record lacks (absent, null or NaN). */
  missingFeatures: number
  /**
   * True when the record lacks more than half of the model's features: the vote rests
   * mostly on the model's defaults for missing values, not on the record.
   */
  sparse: boolean
  /** With explanations on: the features that pushed this vote most (SHAP). */
  topFeatures?: FeatureContribution[]
  /** `canary` when a canary version voted in place of the deployed one (canary.ts). */
  role?: 'canary'
}

/** A model that could not predict a record (its vote is left out). */
export interface VoteError {
  modelName: string
  modelVersion: string
  message: string
}

/** The result of `analyze`. */
export interface Analysis {
  /** Caller's label of the record, when given. */
  id?: string
  /** Weighted soft vote of `votes`; null when no deployed model voted. */
  consensus: Consensus | null
  /** Deployed models' votes, in registry order (name, then version). */
  votes: Vote[]
  /** Shadow models' votes: reported, never counted. */
  shadowVotes: Vote[]
  /** The generation of the model set that answered. */
  generation: number
  tier: TierRequirement
  /** Time taken, in milliseconds (for `analyzeMany`, the batch's time divided by its size). */
  latencyMs: number
  errors: VoteError[]
}

/** Options of one analysis. */
export interface AnalyzeOptions {
  /** Attach each vote's top features (SHAP). Default: the ensemble's `explain` option. */
  explain?: boolean
  /** How many features per vote (default: the ensemble's, else 5). */
  top?: number
  /** A label for the record (a symbol), echoed in the result and the log. */
  id?: string
  /**
   * Ignore record keys that no model reads. Default: the ensemble's option, else false:
   * such a key (usually a typo, `rsi7` for `rsi_7`) throws `UNKNOWN_FEATURE`.
   */
  allowUnknownFeatures?: boolean
  /** The key canary routing hashes (a symbol, a user id). Default: `id`; without either no canary votes. */
  routeKey?: string
}

/** What a registry must offer the ensemble: reads, and optionally change events for `watch`. */
export type EnsembleRegistry = ModelReader & {
  watch?(callback: (change: ModelChange) => void): Promise<RegistryResult<() => Promise<void>>>
  /** Wraps a loader to check files against the sha256 recorded at registration (a live registry has it; see `integrity`). */
  integrityLoader?(base: PackageLoader): PackageLoader
}

/** See `EnsembleOptions.onAnalysis`. */
export type AnalysisListener = (analysis: Analysis, record: FeatureInput, set: ModelSet) => void

/** The outcome of a reload. */
export interface ReloadResult {
  /** True when a new model set was swapped in. */
  swapped: boolean
  /** The generation serving after the reload. */
  generation: number
  /** Failures of the set that was loaded (whether or not it was swapped in). */
  failures: LoadFailure[]
  /** Why the new set was not swapped in (absent when swapped, or when nothing changed). */
  reason?: string
}

/** Options of `createEnsemble`. */
export interface EnsembleOptions extends ModelSetOptions {
  /** The registry (`createPgliteRegistry`, `createRegistry`, or `createManifestRegistry` for a static manifest). */
  registry: EnsembleRegistry
  /** Where packages are read from. Required unless `cache` is given. */
  source?: ArtifactSource
  /** A package cache to share between ensembles (e.g. one per tier). Default: one of its own. */
  cache?: PackageCache
  /** Custom package loader for the ensemble's own cache. */
  loader?: PackageLoader
  /** The caller tier this ensemble serves: models requiring more are left out. Default `enterprise` (all). */
  tier?: TierRequirement
  /** Explanations on every analysis: `true` (top 5) or `{ top }`. Default off. */
  explain?: boolean | { top?: number }
  /** The prediction log sink (one entry per analysis). */
  log?: PredictionSink
  /**
   * Told of every analysis, with the record and the model set that answered (the prediction
   * store of `leafwise/monitor` hangs here). Called on the request path: it must only queue.
   * A throw is ignored.
   */
  onAnalysis?: AnalysisListener
  /** Start watching the registry's change events at once (needs `registry.watch`). */
  watch?: boolean
  /** Delay after a change event before reloading, so a burst of changes loads once (default 25 ms). */
  debounceMs?: number
  /** Told of every reload, swapped or refused. */
  onReload?: (result: ReloadResult) => void
  /**
   * Ignore record keys that no model of the set reads (default false: `analyze` throws
   * `UNKNOWN_FEATURE` naming them and the closest known names).
   */
  allowUnknownFeatures?: boolean
  /**
   * Feature names records may carry although no model of this ensemble reads them. The
   * features of the models only higher tiers see (listed by the registry) are known already.
   */
  knownFeatures?: Iterable<string>
  /**
   * Check every package file against the sha256 recorded at registration, refusing a
   * changed one (INTEGRITY_MISMATCH naming the file). Default: on when the registry has
   * `integrityLoader` (a live registry), for the ensemble's own cache.
   */
  integrity?: boolean
}

const now = () => performance.now()

/**
 * A weighted ensemble over the models a registry lists for one tier. Create it with
 * `createEnsemble`; it serves one immutable model set at a time and swaps in a new one on
 * `refresh()` or, with `watch()`, when the registry changes.
 */
export class Ensemble {
  readonly tier: TierRequirement
  readonly cache: PackageCache
  private set: ModelSet
  private readonly options: EnsembleOptions
  private readonly explainTop: number | undefined
  private readonly reloader: Reloader

  /** Use `createEnsemble`. */
  constructor(options: EnsembleOptions, cache: PackageCache, ownsCache: boolean, first: ModelSet) {
    this.options = options
    this.tier = first.tier
    this.cache = cache
    this.set = first
    const explain = options.explain
    this.explainTop = explain === true ? 5 : explain ? (explain.top ?? 5) : undefined
    this.reloader = new Reloader({
      registry: options.registry,
      debounceMs: options.debounceMs,
      onReload: options.onReload,
      current: () => this.set,
      load: (generation) => loadModelSet(options.registry, cache, this.tier, generation, options),
      swap: (next) => {
        this.set = next
        if (ownsCache) cache.retain([...next.deployed, ...next.shadow].map((m) => m.package.id))
      },
    })
  }

  /** The model set serving now. */
  get current(): ModelSet {
    return this.set
  }
  /** The generation serving now (1 for the first set; +1 per swap). */
  get generation(): number {
    return this.set.generation
  }
  /** Packages of the current set that failed to load. */
  get failures(): readonly LoadFailure[] {
    return this.set.failures
  }
  /** The last reload's outcome, if any. */
  get lastReloadResult(): ReloadResult | undefined {
    return this.reloader.last
  }

  /**
   * Every deployed model votes on `record`; shadow models run beside them. Throws
   * `UNKNOWN_FEATURE` for a record key no model reads, unless unknown features are allowed.
   */
  analyze(record: FeatureInput, options: AnalyzeOptions = {}): Analysis {
    const start = now()
    const set = this.set
    const top = this.topOf(options)
    if (!this.allowsUnknown(options))
      rejectUnknownFeatures(set, record, options.id === undefined ? undefined : `record ${options.id}`, () =>
        this.widerFeatureNames(),
      )
    const errors: VoteError[] = []
    const [voting, running] = routeMembers(
      set.deployed,
      set.shadow,
      set.canaries,
      options.routeKey ?? options.id,
    )
    const votes = votesOf(voting, record, top, errors)
    const shadowVotes = votesOf(running, record, top, errors)
    const analysis = this.finish(set, votes, shadowVotes, errors, now() - start, options.id)
    if (this.options.log) this.writeLog(analysis, record)
    if (this.options.onAnalysis) this.tell(analysis, record, set)
    return analysis
  }

  /** `analyze` for many records, each model predicting them as one batch. */
  analyzeMany(
    records: readonly FeatureInput[],
    options: AnalyzeOptions & { ids?: readonly (string | undefined)[] } = {},
  ): Analysis[] {
    const set = this.set
    if (set.canaries?.length) {
      // Routing differs per key: record by record (the batch path assumes one set of voters).
      return records.map((record, r) =>
        this.analyze(record, { ...options, id: options.ids?.[r] ?? options.id }),
      )
    }
    const start = now()
    const top = this.topOf(options)
    const n = records.length
    if (!this.allowsUnknown(options)) {
      for (let r = 0; r < n; r++) {
        const id = options.ids?.[r]
        rejectUnknownFeatures(set, records[r], id === undefined ? `record ${r}` : `record ${r} (${id})`, () =>
          this.widerFeatureNames(),
        )
      }
    }
    const errors: VoteError[][] = Array.from({ length: n }, () => [])
    const votes: Vote[][] = Array.from({ length: n }, () => [])
    const shadowVotes: Vote[][] = Array.from({ length: n }, () => [])
    for (const [members, into] of [
      [set.deployed, votes],
      [set.shadow, shadowVotes],
    ] as const) {
      for (const member of members) {
        const pkg = member.package
        let rows: Float64Array
        let outputs: Float64Array
        try {
          rows = pkg.normalizeMany(records)
          outputs = pkg.model.predict(rows)
        } catch {
          // One bad record fails the batch: fall back to record by record to find it.
          for (let r = 0; r < n; r++) {
            const vote = voteOf(member, records[r], top, errors[r])
            if (vote) into[r].push(vote)
          }
          continue
        }
        const width = pkg.numOutputs
        const features = pkg.numFeatures
        for (let r = 0; r < n; r++) {
          const row = rows.subarray(r * features, (r + 1) * features)
          into[r].push(voteFrom(member, outputs.subarray(r * width, (r + 1) * width), row, records[r], top))
        }
      }
    }
    const each = n ? (now() - start) / n : 0
    const analyses = records.map((_, r) =>
      this.finish(set, votes[r], shadowVotes[r], errors[r], each, options.ids?.[r] ?? options.id),
    )
    if (this.options.log) for (let r = 0; r < n; r++) this.writeLog(analyses[r], records[r])
    if (this.options.onAnalysis) for (let r = 0; r < n; r++) this.tell(analyses[r], records[r], set)
    return analyses
  }

  /**
   * Reads the registry and loads the new model set in the background, then swaps it in
   * atomically (reload.ts: refused when the registry cannot be read or a package newly
   * fails; concurrent calls coalesce).
   */
  refresh(): Promise<ReloadResult> {
    return this.reloader.refresh()
  }

  /**
   * Reloads on every change event of the registry (debounced). Resolves to a function that
   * stops watching. Throws `WATCH_UNSUPPORTED` for a registry without change events.
   */
  watch(): Promise<() => Promise<void>> {
    return this.reloader.watch()
  }

  /** Stops watching and waits for a reload in progress. The registry and log sink are the caller's to close. */
  close(): Promise<void> {
    return this.reloader.close()
  }

  /** Names a record may carry beyond this set's models: higher tiers' features, `knownFeatures`. */
  private *widerFeatureNames(): Iterable<string> {
    yield* this.set.otherTierFeatures
    if (this.options.knownFeatures) yield* this.options.knownFeatures
  }

  private allowsUnknown(options: AnalyzeOptions): boolean {
    return options.allowUnknownFeatures ?? this.options.allowUnknownFeatures ?? false
  }

  private topOf(options: AnalyzeOptions): number | undefined {
    const on = options.explain ?? this.explainTop !== undefined
    if (!on) return undefined
    const top = options.top ?? this.explainTop ?? 5
    if (!(Number.isInteger(top) && top >= 0)) {
      throw new LeafwiseError('INVALID_INPUT', `top must be a whole number >= 0, got ${top}`)
    }
    return top
  }

  private finish(
    set: ModelSet,
    votes: Vote[],
    shadowVotes: Vote[],
    errors: VoteError[],
    latencyMs: number,
    id: string | undefined,
  ): Analysis {
    const analysis: Analysis = {
      consensus: consensusOf(votes),
      votes,
      shadowVotes,
      generation: set.generation,
      tier: set.tier,
      latencyMs,
      errors,
    }
    return id === undefined ? analysis : { id, ...analysis }
  }

  private tell(analysis: Analysis, record: FeatureInput, set: ModelSet): void {
    try {
      this.options.onAnalysis?.(analysis, record, set)
    } catch {
      // A listener never fails an analysis.
    }
  }

  private writeLog(analysis: Analysis, record: FeatureInput): void {
    try {
      this.options.log?.write(logEntryOf(analysis, record))
    } catch {
      // The log never fails an analysis.
    }
  }
}

/**
 * Builds an ensemble: reads the registry for `tier`, loads every deployed and shadow
 * package concurrently (failures are reported in `ensemble.failures`, the rest serve), and
 * starts watching when `watch: true`. Throws `REGISTRY_UNAVAILABLE` when the registry
 * cannot be read.
 */
export async function createEnsemble(options: EnsembleOptions): Promise<Ensemble> {
  const ownsCache = options.cache === undefined
  if (ownsCache && options.source === undefined) {
    throw new LeafwiseError('INVALID_INPUT', 'createEnsemble needs a `source` (or a shared `cache`)')
  }
  for (const [key, weight] of Object.entries(options.weights ?? {})) {
    if (!(typeof weight === 'number' && Number.isFinite(weight) && weight >= 0)) {
      throw new LeafwiseError(
        'INVALID_INPUT',
        `weight override ${JSON.stringify(key)} must be a finite number >= 0, got ${weight}`,
      )
    }
  }
  resolveSignalOptions(options.signals)
  // A live registry checks files against their recorded sha256 (its integrityLoader).
  const loader =
    (options.integrity !== false && options.registry.integrityLoader?.(options.loader ?? loadPackage)) ||
    options.loader
  const cache = options.cache ?? createPackageCache(options.source!, { loader })
  const tier = options.tier ?? 'enterprise'
  const first = await loadModelSet(options.registry, cache, tier, 1, options)
  const ensemble = new Ensemble(options, cache, ownsCache, first)
  if (options.watch) await ensemble.watch()
  return ensemble
}
