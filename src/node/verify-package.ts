// The guide's step 5 ("Test Prediction") for one package on disk: load it, predict its
// samples.json records (or a record of mean values) and compare with the expected outputs.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { LeafwiseError } from '../errors.ts'
import { assertPackageId, type FeatureRecord, loadPackage, type ModelPackage } from '../package/index.ts'
import { fileSource } from './fs-source.ts'

/** The result of `checkPackagePrediction`. */
export interface PackagePredictionCheck {
  ok: boolean
  /** One line: what was predicted and how it compared. */
  message: string
  /** The predictions (samples.json records, else one record of mean values), one array a record. */
  outputs?: number[][]
  /**
   * The prediction for the record of every feature at its normalizer mean (a zero row
   * after z-scoring): comparable across packages, e.g. to catch models that all answer alike.
   */
  meanRecordOutput?: number[]
}

interface Samples {
  samples?: { features?: FeatureRecord; predict?: number[]; raw?: number[] }[]
}

/** Largest tolerated |difference| between a prediction and samples.json: a few ulps. */
const tolerance = (expected: number) => 1e-12 * Math.max(1, Math.abs(expected))

/**
 * Loads `{modelsRoot}/{name}/{version}/` and predicts. With a samples.json beside the
 * package, each record's prediction must equal its `predict` (within 1e-12 relative);
 * without one, the record of mean values must give finite outputs.
 */
export async function checkPackagePrediction(
  modelsRoot: string,
  name: string,
  version: string,
): Promise<PackagePredictionCheck> {
  const id = `${name}/${version}`
  let pkg: ModelPackage
  try {
    assertPackageId(name, version)
    pkg = await loadPackage(fileSource(modelsRoot), name, version)
  } catch (error) {
    const message = error instanceof LeafwiseError ? `${error.code}: ${error.message}` : String(error)
    return { ok: false, message }
  }
  const meanRecordOutput = Array.from(pkg.predict(meanRecord(pkg)))
  const samples = await readSamples(join(modelsRoot, name, version, 'samples.json'))
  if (samples === 'invalid') {
    return {
      ok: false,
      message: `${id}: samples.json is not valid JSON with a samples array`,
      meanRecordOutput,
    }
  }
  if (samples === undefined || samples.length === 0) {
    const ok = meanRecordOutput.every(Number.isFinite)
    const shown = meanRecordOutput.map((x) => x.toPrecision(6)).join(', ')
    return {
      ok,
      message: `${id}: no samples.json; the record of mean values predicts [${shown}]${ok ? '' : ' (not finite)'}`,
      outputs: [meanRecordOutput],
      meanRecordOutput,
    }
  }
  const outputs: number[][] = []
  let worst = 0
  let failures = 0
  let firstFailure = ''
  samples.forEach((sample, i) => {
    const output = Array.from(pkg.predict(sample.features ?? {}))
    outputs.push(output)
    const expected = sample.predict
    if (!expected) return
    const bad =
      expected.length !== output.length ||
      expected.some((e, k) => {
        const diff = Math.abs(output[k] - e)
        worst = Math.max(worst, diff)
        return !(diff <= tolerance(e))
      })
    if (bad) {
      failures++
      firstFailure ||= `record ${i}: predicted [${output.join(', ')}], samples.json says [${expected.join(', ')}]`
    }
  })
  if (failures > 0) {
    return {
      ok: false,
      message: `${id}: ${failures} of ${samples.length} samples differ from samples.json; ${firstFailure}`,
      outputs,
      meanRecordOutput,
    }
  }
  return {
    ok: true,
    message: `${id}: ${samples.length} samples match samples.json (largest difference ${worst})`,
    outputs,
    meanRecordOutput,
  }
}

function meanRecord(pkg: ModelPackage): Float64Array {
  const { mean, passThrough } = pkg.normalizer
  // Pass-through (categorical) features have no mean: use 0.
  return Float64Array.from(mean, (m, i) => (passThrough[i] ? 0 : m))
}

async function readSamples(path: string): Promise<Samples['samples'] | 'invalid' | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch {
    return undefined
  }
  try {
    const json = JSON.parse(text) as Samples
    return Array.isArray(json.samples) ? json.samples : 'invalid'
  } catch {
    return 'invalid'
  }
}
