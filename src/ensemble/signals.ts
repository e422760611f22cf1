// From a model's output to probabilities over the three signals. Multiclass models map their
// classes by name; binary models spread P(UP) and P(NOT_UP); regression models map a predicted
// return through a neutral band (docs/ensemble.md, "Signals").
import { LeafwiseError } from '../errors.ts'
import type { ModelPackage } from '../package/index.ts'

/** The three signals of the ensemble, in the order of every probability vector. */
export const Signal = {
  BEARISH: 'BEARISH',
  NEUTRAL: 'NEUTRAL',
  BULLISH: 'BULLISH',
} as const
export type Signal = (typeof Signal)[keyof typeof Signal]

/** Signals in vector order: index 0 BEARISH, 1 NEUTRAL, 2 BULLISH. */
export const SIGNALS: readonly Signal[] = [Signal.BEARISH, Signal.NEUTRAL, Signal.BULLISH]

/** P(signal) for each signal; the three sum to 1. */
export type SignalProbabilities = Record<Signal, number>

/** How binary and regression outputs become signal probabilities. */
export interface SignalOptions {
  /**
   * Regression: predicted returns with |r| below about this band read as NEUTRAL
   * (default 0.005, i.e. 0.5%, the early-signal model's own UP threshold).
   */
  regressionBand?: number
  /** Regression: width of the logistic ramp at each edge of the band (default 0.0025). */
  regressionScale?: number
  /**
   * Binary: share of P(not positive class) given to NEUTRAL; the rest goes to the opposite
   * direction (default 0: P(BULLISH) = P(UP), P(BEARISH) = 1 - P(UP), P(NEUTRAL) = 0).
   */
  binaryNeutralShare?: number
}

/** The defaults of `SignalOptions`. */
export const DEFAULT_SIGNAL_OPTIONS: Required<SignalOptions> = {
  regressionBand: 0.005,
  regressionScale: 0.0025,
  binaryNeutralShare: 0,
}

/** Class names (metadata.json `classes`) and the signal each stands for. */
export const CLASS_SIGNALS: Readonly<Record<string, Signal>> = {
  DOWN: Signal.BEARISH,
  NEUTRAL: Signal.NEUTRAL,
  UP: Signal.BULLISH,
  BEARISH: Signal.BEARISH,
  BULLISH: Signal.BULLISH,
}

const signalIndex: Record<Signal, number> = { BEARISH: 0, NEUTRAL: 1, BULLISH: 2 }

/**
 * A package's output mapped to a signal vector `[P(BEARISH), P(NEUTRAL), P(BULLISH)]`.
 * Built once per package (at load), applied per prediction.
 */
export type SignalMapper = (output: ArrayLike<number>, into: Float64Array) => void

/** What a signal mapper needs to know of a package. */
export type SignalSubject = Pick<ModelPackage, 'id' | 'task' | 'classes' | 'numOutputs'>

/** The options with their defaults, checked; throws `INVALID_INPUT` for a bad value. */
export function resolveSignalOptions(options: SignalOptions = {}): Required<SignalOptions> {
  const resolved = { ...DEFAULT_SIGNAL_OPTIONS, ...options }
  const { regressionBand, regressionScale, binaryNeutralShare } = resolved
  if (!(Number.isFinite(regressionBand) && regressionBand >= 0))
    throw new LeafwiseError(
      'INVALID_INPUT',
      `regressionBand must be a finite number >= 0, got ${regressionBand}`,
    )
  if (!(Number.isFinite(regressionScale) && regressionScale > 0))
    throw new LeafwiseError(
      'INVALID_INPUT',
      `regressionScale must be a finite number > 0, got ${regressionScale}`,
    )
  if (!(binaryNeutralShare >= 0 && binaryNeutralShare <= 1))
    throw new LeafwiseError(
      'INVALID_INPUT',
      `binaryNeutralShare must be in [0, 1], got ${binaryNeutralShare}`,
    )
  return resolved
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x))

/**
 * The regression mapping: P(BULLISH) = sigmoid((r - band) / scale), P(BEARISH) =
 * sigmoid((-r - band) / scale), P(NEUTRAL) = the rest (never negative, since band >= 0).
 * A missing prediction (NaN) is all NEUTRAL.
 */
export function regressionProbabilities(
  predictedReturn: number,
  options: SignalOptions = {},
  into: Float64Array = new Float64Array(3),
): Float64Array {
  const { regressionBand: band, regressionScale: scale } = { ...DEFAULT_SIGNAL_OPTIONS, ...options }
  if (Number.isNaN(predictedReturn)) {
    into[0] = 0
    into[1] = 1
    into[2] = 0
    return into
  }
  const bull = sigmoid((predictedReturn - band) / scale)
  const bear = sigmoid((-predictedReturn - band) / scale)
  into[0] = bear
  into[2] = bull
  into[1] = Math.max(0, 1 - bull - bear)
  return into
}

/**
 * Builds the mapper of a package, or throws `UNSUPPORTED_MODEL` naming the class it cannot
 * read (e.g. a multiclass model with a class that is not DOWN, NEUTRAL or UP).
 */
export function signalMapper(pkg: SignalSubject, options: SignalOptions = {}): SignalMapper {
  const resolved = resolveSignalOptions(options)
  const unsupported = (why: string) => new LeafwiseError('UNSUPPORTED_MODEL', `${pkg.id} cannot vote: ${why}`)

  if (pkg.task === 'regression') {
    return (output, into) => {
      regressionProbabilities(output[0], resolved, into)
    }
  }

  if (pkg.task === 'binary') {
    const positive = pkg.classes[1]
    const direction = positive === undefined ? Signal.BULLISH : CLASS_SIGNALS[positive]
    if (direction === undefined || direction === Signal.NEUTRAL)
      throw unsupported(
        `binary positive class ${JSON.stringify(positive)} is not UP or DOWN (classes ${JSON.stringify(pkg.classes)})`,
      )
    const yes = signalIndex[direction]
    const no = 2 - yes
    const share = resolved.binaryNeutralShare
    return (output, into) => {
      const p = output[0]
      if (Number.isNaN(p)) {
        into[0] = 0
        into[1] = 1
        into[2] = 0
        return
      }
      into[yes] = p
      into[1] = (1 - p) * share
      into[no] = (1 - p) * (1 - share)
    }
  }

  // Multiclass: each class adds its probability to its signal's.
  const targets = new Int8Array(pkg.numOutputs)
  if (pkg.classes.length !== pkg.numOutputs)
    throw unsupported(`metadata lists ${pkg.classes.length} classes for ${pkg.numOutputs} outputs`)
  pkg.classes.forEach((name, i) => {
    const signal = CLASS_SIGNALS[name]
    if (signal === undefined)
      throw unsupported(`class ${JSON.stringify(name)} maps to no signal (expected DOWN, NEUTRAL or UP)`)
    targets[i] = signalIndex[signal]
  })
  const n = targets.length
  return (output, into) => {
    into[0] = 0
    into[1] = 0
    into[2] = 0
    for (let i = 0; i < n; i++) into[targets[i]] += output[i]
  }
}

/**
 * The signal of a probability vector: the argmax. Ties go to NEUTRAL, and so does a tie
 * between BEARISH and BULLISH alone (the directions cancel out).
 */
export function argmaxSignal(p: ArrayLike<number>): Signal {
  const bear = p[0]
  const neutral = p[1]
  const bull = p[2]
  if (bull > bear && bull > neutral) return Signal.BULLISH
  if (bear > bull && bear > neutral) return Signal.BEARISH
  return Signal.NEUTRAL
}

/** A vector as `{ BEARISH, NEUTRAL, BULLISH }`. */
export function toProbabilities(p: ArrayLike<number>): SignalProbabilities {
  return { BEARISH: p[0], NEUTRAL: p[1], BULLISH: p[2] }
}

/** The index of a signal in probability vectors. */
export function indexOfSignal(signal: Signal): number {
  return signalIndex[signal]
}
