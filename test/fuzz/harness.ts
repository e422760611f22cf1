// One fuzz step: parse an input with leafwise and with the reference evaluator, and
// judge the outcome. Shared by the property tests and by `npm run fuzz`.
//
// Every outcome must be either a ModelParseError, or a model that predicts rows without
// throwing and agrees with the reference bit for bit (raw scores, leaf indices,
// transformed predictions, iteration windows, the whole-buffer and the chunked parse).

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { ModelParseError } from '../../src/lightgbm/errors.ts'
import { Model } from '../../src/lightgbm/model.ts'
import { ModelParser, parseModelData } from '../../src/lightgbm/parse.ts'
import { sameDouble } from '../support/fixtures.ts'
import {
  type ReferenceModel,
  ReferenceRefusal,
  referenceLeaves,
  referenceParse,
  referencePredict,
  referenceRaw,
} from '../support/reference.ts'
import { repoRoot, sharedPath, sharedPresent } from '../support/shared.ts'
import { cutModel, type Random } from './mutate.ts'

/** A seed file of the fuzz corpus. */
export interface CorpusEntry {
  name: string
  bytes: Uint8Array
}

/** Files above this size are left out (multi-megabyte models would slow every input). */
const READ_LIMIT = 1024 * 1024

function modelFiles(root: string): string[] {
  if (!existsSync(root)) return []
  const out: string[] = []
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const path = join(root, entry.name)
    if (entry.isDirectory()) out.push(...modelFiles(path))
    else if (entry.name === 'model.txt' && statSync(path).size <= READ_LIMIT) out.push(path)
  }
  return out.sort()
}

/**
 * The committed fixtures plus, when ../shared is present, every shared model.txt up to
 * 1 MB. Each is also cut to its first `cutTrees` trees (cutModel); files above
 * `fullLimit` bytes are used only cut, which keeps every input small and fast.
 */
export function loadCorpus(
  options: { shared?: boolean; fullLimit?: number; cutTrees?: number } = {},
): CorpusEntry[] {
  const fullLimit = options.fullLimit ?? 64 * 1024
  const files = modelFiles(join(repoRoot, 'test', 'fixtures', 'lightgbm'))
  if (options.shared !== false && sharedPresent) files.push(...modelFiles(sharedPath('fixtures')))
  const encoder = new TextEncoder()
  const corpus: CorpusEntry[] = []
  for (const path of files) {
    const name = path.slice(path.lastIndexOf('fixtures/') + 9, -'/model.txt'.length)
    const bytes = readFileSync(path)
    if (bytes.length <= fullLimit) corpus.push({ name, bytes: new Uint8Array(bytes) })
    const cut = encoder.encode(cutModel(bytes.toString('latin1'), options.cutTrees ?? 3))
    if (cut.length < bytes.length) corpus.push({ name: `${name}#cut`, bytes: cut })
  }
  return corpus
}

/**
 * Parser leniencies the reference evaluator refuses, each justified in docs/robustness.md:
 * the number after `Tree=` is only checked for order (read with Number(), so `Tree=+1`
 * or `Tree=1.0` pass), and negative leaf/internal counts are kept (only SHAP reads them).
 */
export const KNOWN_LENIENCIES = new Set(['tree-number', 'negative-count'])

/** What one input did. */
export type Outcome =
  | { kind: 'rejected'; message: string; referenceAccepted: boolean }
  | { kind: 'accepted'; rows: number; referenceRefusal?: string }
  | { kind: 'crash'; detail: string }

const SPECIAL_VALUES = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  0,
  -0,
  5e-324,
  -5e-324,
  2.2250738585072014e-308,
  1e-300,
  1e-36,
  -1e-36,
  1.0000000180025095e-35,
  -1.0000000180025095e-35,
  1e-35,
  2e-35,
  1e20,
  -1e20,
  1.7976931348623157e308,
  -1.7976931348623157e308,
  -0.5,
  2.7,
  -1,
  2147483647,
  2147483648,
  4294967296 + 3,
  1e10,
]

const scratch = new Float64Array(1)
const scratchBits = new BigInt64Array(scratch.buffer)

/** The next double towards +Infinity (up) or -Infinity. */
export function nextDouble(x: number, up: boolean): number {
  if (!Number.isFinite(x)) return x
  if (x === 0) return up ? 5e-324 : -5e-324
  scratch[0] = x
  scratchBits[0] += x > 0 === up ? 1n : -1n
  return scratch[0]
}

/** Rows that sit on and beside the model's thresholds, plus special values. */
export function hostileRows(model: Model, random: Random, count: number): Float64Array {
  const numFeatures = model.numFeatures
  const thresholds = model.forest.threshold
  const rows = new Float64Array(count * numFeatures)
  for (let i = 0; i < rows.length; i++) {
    const r = random.next()
    if (r < 0.3) rows[i] = random.pick(SPECIAL_VALUES)
    else if (r < 0.7 && thresholds.length) {
      const t = thresholds[random.int(thresholds.length)]
      rows[i] = random.chance(0.5) ? t : nextDouble(t, random.chance(0.5))
    } else if (r < 0.85) rows[i] = random.int(40) - 4
    else rows[i] = (random.next() - 0.5) * 10 ** (random.int(12) - 4)
  }
  return rows
}

function parseChunked(bytes: Uint8Array, random: Random): Model {
  const parser = new ModelParser()
  let at = 0
  while (at < bytes.length) {
    const size = 1 + random.int(random.chance(0.5) ? 8 : 4096)
    parser.push(bytes.subarray(at, at + size))
    at += size
  }
  return new Model(parser.finish())
}

function describe(error: unknown): string {
  if (error instanceof Error)
    return `${error.name}: ${error.message.slice(0, 300)}\n${error.stack?.split('\n').slice(1, 6).join('\n')}`
  return String(error)
}

const ulpView = new DataView(new ArrayBuffer(16))

/** Distance in units in the last place (0 for equal values, both NaN, or 0 and -0). */
export function ulpDistance(a: number, b: number): number {
  if (sameDouble(a, b)) return 0
  if (Number.isNaN(a) || Number.isNaN(b) || !Number.isFinite(a) || !Number.isFinite(b)) return Infinity
  ulpView.setFloat64(0, a)
  ulpView.setFloat64(8, b)
  const x = ulpView.getBigInt64(0)
  const y = ulpView.getBigInt64(8)
  // Map the sign-magnitude bit patterns onto one ordered integer line.
  const order = (v: bigint) => (v < 0n ? -(v & 0x7fffffffffffffffn) : v)
  const d = order(x) - order(y)
  return Number(d < 0n ? -d : d)
}

function compare(
  model: Model,
  reference: ReferenceModel,
  rows: Float64Array,
  random: Random,
  label: string,
): string | undefined {
  const numFeatures = model.numFeatures
  const numRows = rows.length / numFeatures
  const width = model.numClass
  const windows: [number, number][] = [[0, -1]]
  const iterations = model.numIterations
  if (iterations > 1) windows.push([random.int(iterations + 2) - 1, random.int(iterations + 1) - 1])
  for (const [start, num] of windows) {
    const options = { startIteration: start, numIteration: num }
    const raw = model.predictRaw(rows, undefined, options)
    const predicted = model.predict(rows, undefined, options)
    const leaves = model.predictLeafIndex(rows, undefined, options)
    const perRow = leaves.length / numRows
    for (let r = 0; r < numRows; r++) {
      const row = rows.subarray(r * numFeatures, (r + 1) * numFeatures)
      const expectRaw = referenceRaw(reference, row, start, num)
      const expectPredict = referencePredict(reference, row, start, num)
      for (let k = 0; k < width; k++) {
        if (!sameDouble(raw[r * width + k], expectRaw[k]))
          return `${label} raw mismatch row ${r} class ${k} window ${start}+${num}: ${raw[r * width + k]} vs reference ${expectRaw[k]} (row ${Array.from(row).join(',')})`
        // Transforms: leafwise reproduces glibc's exp/log1p, the reference uses Math.exp, which
        // LightGBM's fixture notes put within 2 ulp; raw scores and leaves are exact.
        if (ulpDistance(predicted[r * width + k], expectPredict[k]) > 4)
          return `${label} predict mismatch row ${r} class ${k}: ${predicted[r * width + k]} vs reference ${expectPredict[k]}`
      }
      const expectLeaves = referenceLeaves(reference, row, start, num)
      for (let t = 0; t < perRow; t++) {
        if (leaves[r * perRow + t] !== expectLeaves[t])
          return `${label} leaf mismatch row ${r} tree ${t}: ${leaves[r * perRow + t]} vs reference ${expectLeaves[t]}`
      }
    }
  }
  return undefined
}

/**
 * Parses `bytes` and judges the outcome. `deep` adds the chunked parse, SHAP and the
 * compiled kernel for this input (slower; the callers choose how often).
 */
export function checkInput(
  bytes: Uint8Array,
  random: Random,
  options: { deep?: boolean; rows?: number } = {},
): Outcome {
  let reference: ReferenceModel | undefined
  let refusal: string | undefined
  try {
    reference = referenceParse(bytes)
  } catch (error) {
    if (!(error instanceof ReferenceRefusal))
      return { kind: 'crash', detail: `reference evaluator threw ${describe(error)}` }
    refusal = error.reason
  }
  let model: Model
  try {
    model = new Model(parseModelData(bytes))
  } catch (error) {
    if (!(error instanceof ModelParseError))
      return { kind: 'crash', detail: `parseModel threw ${describe(error)}` }
    if (options.deep) {
      try {
        parseChunked(bytes, random)
        return {
          kind: 'crash',
          detail: `the chunked parse accepted what the whole parse refused: ${error.message}`,
        }
      } catch (chunkError) {
        if (!(chunkError instanceof ModelParseError) || chunkError.message !== error.message)
          return {
            kind: 'crash',
            detail: `chunked parse differs: ${describe(chunkError)} vs ${error.message}`,
          }
      }
    }
    return { kind: 'rejected', message: error.message, referenceAccepted: reference !== undefined }
  }
  const rows = hostileRows(model, random, options.rows ?? 6)
  try {
    if (reference) {
      const mismatch = compare(model, reference, rows, random, 'portable')
      if (mismatch) return { kind: 'crash', detail: mismatch }
    } else {
      // The reference refused it: predictions must still not throw.
      model.predictRaw(rows)
      model.predict(rows)
      model.predictLeafIndex(rows)
    }
    if (options.deep) {
      const chunked = parseChunked(bytes, random)
      const a = chunked.predictRaw(rows)
      const b = model.predictRaw(rows)
      for (let i = 0; i < a.length; i++)
        if (!sameDouble(a[i], b[i]))
          return { kind: 'crash', detail: `chunked parse predicts ${a[i]}, whole parse ${b[i]}` }
      if (!model.isLinear) {
        const contrib = model.predictContrib(rows)
        if (contrib.length !== (rows.length / model.numFeatures) * (model.numFeatures + 1) * model.numClass)
          return { kind: 'crash', detail: 'predictContrib returned a buffer of the wrong size' }
      }
      if (reference) {
        const mismatch = compare(model.withKernel('compiled'), reference, rows, random, 'compiled')
        if (mismatch) return { kind: 'crash', detail: mismatch }
      }
    }
  } catch (error) {
    return { kind: 'crash', detail: `prediction threw ${describe(error)}` }
  }
  return { kind: 'accepted', rows: rows.length / model.numFeatures, referenceRefusal: refusal }
}

/** The error code a rejection message boils down to, for summaries: its key or its first words. */
export function rejectionClass(message: string): string {
  const key = /key '([^']+)'/.exec(message)?.[1]
  const reason = message
    .slice(message.lastIndexOf(': ') + 2)
    .replace(/[0-9]+/g, 'N')
    .replace(/'[^']*'/g, "'…'")
  return `${key ?? '-'}: ${reason.slice(0, 60)}`
}
