// Prediction early stopping, as LightGBM's `pred_early_stop`: every `freq` iterations the
// running raw sums of a row are checked and, when the row is already decided, its
// remaining trees are skipped. Rules from LightGBM:
// - src/application/predictor.hpp (Predictor::Predictor): only when the booster does not
//   NeedAccuratePrediction() (binary, multiclass, multiclassova, lambdarank and
//   rank_xendcg objectives; never random forests, never leaf indices or SHAP values);
//   freq must be > 0 and margin >= 0; one output a row uses the binary test, more the
//   multiclass test.
// - src/boosting/prediction_early_stop.cpp: binary stops when 2 * |raw| > margin;
//   multiclass when the best raw score minus the second best > margin.
// - src/boosting/gbdt_prediction.cpp (GBDT::PredictRaw): the check runs after every
//   `freq` iterations counted from start_iteration, on the sums so far; each output still
//   sums its trees in order, so a row that never stops gets the full raw score bit for bit.
// LightGBM's rf booster refuses early stopping (RF::NeedAccuratePrediction); leafwise
// refuses it for every average_output (random forest) model, see docs/lightgbm.md.

import { PredictionError } from './errors.ts'
import { type Forest, TREE_LINEAR } from './forest.ts'
import type { ModelInfo } from './header.ts'
import { blockRowsFor, linearLeafValue, walk } from './kernel.ts'
import { packedOf } from './packed.ts'
import type { BlockWalk } from './wasm-walk.ts'

/** LightGBM's defaults: `pred_early_stop_freq=10`, `pred_early_stop_margin=10.0`. */
export const EARLY_STOP_DEFAULT_FREQ = 10
export const EARLY_STOP_DEFAULT_MARGIN = 10

/** The early-stopping options of PredictOptions (LightGBM's parameter names, camelCased). */
export interface EarlyStopOptions {
  /** Stop a row's prediction once it is decided (`pred_early_stop`). Default false. */
  predEarlyStop?: boolean
  /** Check every this many iterations (`pred_early_stop_freq`, > 0). Default 10. */
  predEarlyStopFreq?: number
  /** The margin a row must exceed to stop (`pred_early_stop_margin`, >= 0). Default 10. */
  predEarlyStopMargin?: number
}

/** A resolved early-stopping plan: check every `freq` iterations against `margin`. */
export interface EarlyStopPlan {
  freq: number
  margin: number
}

const EARLY_STOP_OBJECTIVES = new Set(['binary', 'multiclass', 'multiclassova', 'lambdarank', 'rank_xendcg'])

/** True when LightGBM would stop predictions of this model early (objective, not a random forest). */
export function canStopEarly(info: ModelInfo): boolean {
  return EARLY_STOP_OBJECTIVES.has(info.objective.name) && !info.averageOutput
}

/**
 * The plan for `options`, or undefined when early stopping is off or does not apply to the
 * model (then predictions are the full sums, as LightGBM's "none" early stop gives).
 * Invalid freq / margin values are refused whether or not they would apply.
 */
export function earlyStopPlan(
  info: ModelInfo,
  options: EarlyStopOptions | undefined,
): EarlyStopPlan | undefined {
  if (!options?.predEarlyStop) return undefined
  const freq = options.predEarlyStopFreq ?? EARLY_STOP_DEFAULT_FREQ
  const margin = options.predEarlyStopMargin ?? EARLY_STOP_DEFAULT_MARGIN
  if (!Number.isInteger(freq) || freq <= 0)
    throw new PredictionError(`predEarlyStopFreq must be an integer > 0, found ${freq}`)
  if (typeof margin !== 'number' || !(margin >= 0))
    throw new PredictionError(`predEarlyStopMargin must be a number >= 0, found ${margin}`)
  return canStopEarly(info) ? { freq, margin } : undefined
}

/** prediction_early_stop.cpp: is the row at `base` (width values) decided? */
function decided(out: Float64Array, base: number, width: number, margin: number): boolean {
  if (width === 1) return 2.0 * Math.abs(out[base]) > margin
  // std::partial_sort of the two largest, then votes[0] - votes[1].
  let best = out[base]
  let second = Number.NEGATIVE_INFINITY
  for (let k = 1; k < width; k++) {
    const v = out[base + k]
    if (v > best) {
      second = best
      best = v
    } else if (v > second) second = v
  }
  return best - second > margin
}

/**
 * Raw scores with early stopping: like predictRawKernel (rows in blocks, each block tree
 * by tree, every output summing its trees in order), but after every `freq` iterations
 * the rows still running are checked and the decided ones leave the block.
 */
export function predictRawEarlyStop(
  forest: Forest,
  rows: Float64Array,
  numRows: number,
  numFeatures: number,
  width: number,
  treeStart: number,
  treeEnd: number,
  plan: EarlyStopPlan,
  out: Float64Array,
): void {
  out.fill(0, 0, numRows * width)
  const packed = packedOf(forest)
  const root = packed.root
  const f64 = packed.f64
  const i32 = packed.i32
  const catRange = packed.catRange
  const catWords = forest.catWords
  const leaf = packed.leaf
  const treeFlags = forest.treeFlags
  const blockRows = blockRowsFor(numFeatures)
  const chunkTrees = plan.freq * width
  const margin = plan.margin
  const active = new Int32Array(Math.min(numRows, blockRows))
  for (let blockStart = 0; blockStart < numRows; blockStart += blockRows) {
    const blockEnd = Math.min(numRows, blockStart + blockRows)
    let running = blockEnd - blockStart
    for (let i = 0; i < running; i++) active[i] = blockStart + i
    for (let chunkStart = treeStart; chunkStart < treeEnd && running > 0; chunkStart += chunkTrees) {
      const chunkEnd = Math.min(treeEnd, chunkStart + chunkTrees)
      let klass = 0
      for (let t = chunkStart; t < chunkEnd; t++) {
        const start = root[t]
        if ((treeFlags[t] & TREE_LINEAR) === 0) {
          for (let i = 0; i < running; i++) {
            const r = active[i]
            const n = walk(start, rows, r * numFeatures, f64, i32, catRange, catWords)
            out[r * width + klass] += f64[n << 1]
          }
        } else {
          for (let i = 0; i < running; i++) {
            const r = active[i]
            const base = r * numFeatures
            const n = walk(start, rows, base, f64, i32, catRange, catWords)
            out[r * width + klass] += linearLeafValue(forest, leaf[n], rows, base)
          }
        }
        if (++klass === width) klass = 0
      }
      // GBDT::PredictRaw checks only after a full round of `freq` iterations.
      if (chunkEnd - chunkStart !== chunkTrees) break
      let kept = 0
      for (let i = 0; i < running; i++) {
        const r = active[i]
        if (!decided(out, r * width, width, margin)) active[kept++] = r
      }
      running = kept
    }
  }
}

/**
 * predictRawEarlyStop on the WebAssembly table walk (wasm-walk.ts BlockWalk): each block's
 * rows are expanded once, walked `freq` iterations at a time, and after each full round the
 * decided rows leave the block, the others (their expanded row and their sums, copied as
 * they are) moving up so the next round walks them in one run. Each output still sums its
 * trees in order, so the bits are those of the portable early stop.
 */
export function predictRawEarlyStopWalk(
  blocks: BlockWalk,
  rows: Float64Array,
  numRows: number,
  numFeatures: number,
  width: number,
  treeStart: number,
  treeEnd: number,
  plan: EarlyStopPlan,
  out: Float64Array,
): void {
  const { blockRows, expanded, stride } = blocks
  const sums = blocks.out
  const chunkTrees = plan.freq * width
  const margin = plan.margin
  // Which row of the call each row of the block is.
  const index = new Int32Array(Math.min(numRows, blockRows))
  for (let blockStart = 0; blockStart < numRows; blockStart += blockRows) {
    let running = Math.min(blockRows, numRows - blockStart)
    blocks.rows.set(rows.subarray(blockStart * numFeatures, (blockStart + running) * numFeatures))
    sums.fill(0, 0, running * width)
    blocks.expand(running)
    for (let i = 0; i < running; i++) index[i] = blockStart + i
    for (let chunkStart = treeStart; chunkStart < treeEnd && running > 0; chunkStart += chunkTrees) {
      const chunkEnd = Math.min(treeEnd, chunkStart + chunkTrees)
      blocks.walk(running, chunkStart, chunkEnd)
      // GBDT::PredictRaw checks only after a full round of `freq` iterations.
      if (chunkEnd - chunkStart !== chunkTrees) break
      let kept = 0
      for (let i = 0; i < running; i++) {
        if (decided(sums, i * width, width, margin)) {
          for (let k = 0; k < width; k++) out[index[i] * width + k] = sums[i * width + k]
          continue
        }
        if (kept !== i) {
          // Element by element: rows are a few dozen values, below what a copyWithin call pays off.
          for (let j = 0, to = kept * stride, from = i * stride; j < stride; j++)
            expanded[to + j] = expanded[from + j]
          for (let k = 0; k < width; k++) sums[kept * width + k] = sums[i * width + k]
          index[kept] = index[i]
        }
        kept++
      }
      running = kept
    }
    for (let i = 0; i < running; i++)
      for (let k = 0; k < width; k++) out[index[i] * width + k] = sums[i * width + k]
  }
}
