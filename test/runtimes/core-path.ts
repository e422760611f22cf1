// The core path every runtime must run identically: parse fixture models from bytes (and
// from a stream), predict with every kernel, load model packages from memory, and read a
// static registry manifest. Portable: it imports only leafwise's portable entry points and
// uses only web-standard APIs, and it is bundled for esbuild's `neutral` platform by
// run.ts. Models compiled ahead of time (`leafwise compile`, written by run.ts as plain ES
// modules next to the bundle) are imported by the entries and passed in. Every float leaves as the hex of its float64 bits, so the comparison with Node
// is bit for bit (NaN payloads and -0 included).
import {
  type Analysis,
  createEnsemble,
  loadModel,
  loadPackage,
  type Model,
  memorySource,
  type PredictOptions,
  parseModel,
} from '../../src/index.ts'
import { createManifestRegistry } from '../../src/registry/index.ts'

/** A fixture model and its rows (row-major float64, as hex bits). */
export interface FixtureInput {
  name: string
  /** model.txt text. */
  model: string
  /** Row-major rows, `numFeatures` values a row, each the hex of its float64 bits. */
  rows: string[]
  /** Iteration windows to predict besides the full model. */
  windows: { startIteration: number; numIteration: number }[]
}

/** A package to load from memory and the feature records to predict. */
export interface PackageInput {
  name: string
  version: string
  records: Record<string, number | null>[]
}

/** Everything the core path reads (JSON-serializable: it travels to every runtime). */
export interface CorePathInput {
  fixtures: FixtureInput[]
  /** Package files by `{name}/{version}/{file}`, as text. */
  packageFiles: Record<string, string>
  packages: PackageInput[]
  /** A manifest written by `leafwise registry export`. */
  manifest: string
  /** Feature records (the union of every model's features) for the ensemble. */
  ensembleRecords: Record<string, number | null>[]
}

/** Values compared with Node's, by key; and facts expected to differ by runtime. */
export interface CorePathOutput {
  runtime: string
  /** Compared bit for bit with Node's, key by key. */
  values: Record<string, string[]>
  /** Per runtime: whether code generation worked (`model.compile()`), and similar facts. */
  facts: Record<string, string | boolean | number>
}

/** What a module written by `leafwise compile` exports (src/lightgbm/aot.ts). */
export interface AotModule {
  predictRaw(rows: Float64Array, out?: Float64Array): Float64Array
  predictLeafIndex(rows: Float64Array, out?: Int32Array): Int32Array
  numFeatures: number
  numClass: number
  numTrees: number
  objective: string
  featureNames: string[]
}

const view = new DataView(new ArrayBuffer(8))

/** The hex of a double's 64 bits (big-endian), e.g. `3ff0000000000000` for 1. */
export function doubleToHex(value: number): string {
  view.setFloat64(0, value)
  return view.getUint32(0).toString(16).padStart(8, '0') + view.getUint32(4).toString(16).padStart(8, '0')
}

/** The double whose 64 bits `hex` spells (inverse of doubleToHex). */
export function hexToDouble(hex: string): number {
  view.setUint32(0, Number.parseInt(hex.slice(0, 8), 16))
  view.setUint32(4, Number.parseInt(hex.slice(8, 16), 16))
  return view.getFloat64(0)
}

const hexes = (values: ArrayLike<number>) => Array.from(values, doubleToHex)
const ints = (values: ArrayLike<number>) => Array.from(values, (v) => String(v))

/** The error's code and class when `run` throws, so a refusal is compared too. */
function attempt(run: () => ArrayLike<number>, asInts = false): string[] {
  try {
    const out = run()
    return asInts ? ints(out) : hexes(out)
  } catch (error) {
    const e = error as { name?: string; code?: string }
    return [`error:${e.name ?? 'Error'}:${e.code ?? ''}`]
  }
}

function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let offset = 0
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close()
        return
      }
      controller.enqueue(bytes.subarray(offset, offset + size))
      offset += size
    },
  })
}

function predictAll(
  prefix: string,
  model: Model,
  rows: Float64Array,
  values: Record<string, string[]>,
): void {
  values[`${prefix}/raw`] = attempt(() => model.predictRaw(rows))
  values[`${prefix}/predict`] = attempt(() => model.predict(rows))
  values[`${prefix}/leaf`] = attempt(() => model.predictLeafIndex(rows), true)
}

async function fixturePath(fixture: FixtureInput, out: CorePathOutput): Promise<void> {
  const { values, facts } = out
  const key = `fixture/${fixture.name}`
  const bytes = new TextEncoder().encode(fixture.model)
  const model = parseModel(bytes)
  const rows = Float64Array.from(fixture.rows, hexToDouble)
  values[`${key}/shape`] = [
    model.objective,
    String(model.numFeatures),
    String(model.numClass),
    String(model.numTrees),
  ]

  predictAll(`${key}/portable`, model.withKernel('portable'), rows, values)
  values[`${key}/portable/contrib`] = attempt(() => model.withKernel('portable').predictContrib(rows))
  for (const w of fixture.windows) {
    const options: PredictOptions = { startIteration: w.startIteration, numIteration: w.numIteration }
    const window = `${key}/window-${w.startIteration}-${w.numIteration}`
    values[`${window}/raw`] = attempt(() => model.predictRaw(rows, undefined, options))
    values[`${window}/predict`] = attempt(() => model.predict(rows, undefined, options))
  }

  // The compiled kernel where code generation is allowed; elsewhere `withKernel('compiled')`
  // must fall back to the portable kernel by itself and predict the same bits.
  const compiled = model.withKernel('compiled')
  facts[`${key}/kernel`] = compiled.kernel
  predictAll(`${key}/compiled`, compiled, rows, values)
  // The WebAssembly kernel where the runtime compiles modules made at run time (not
  // workerd, and not linear trees): the same bits, or the portable fallback.
  const wasm = model.withKernel('wasm')
  facts[`${key}/wasm/kernel`] = wasm.kernel
  predictAll(`${key}/wasm`, wasm, rows, values)

  // The same model parsed from a stream of small chunks.
  const streamed = await loadModel(chunked(bytes, 4093))
  predictAll(`${key}/streamed`, streamed.withKernel('portable'), rows, values)
}

/**
 * A model compiled ahead of time: the module predicts the fixture's rows with no run-time
 * code generation (workerd refuses it). run.ts compares its raw scores and leaf indices with
 * Node's portable kernel on the same model.
 */
function aotPath(name: string, aot: AotModule, input: CorePathInput, out: CorePathOutput): void {
  const key = `aot/${name}`
  const fixture = input.fixtures.find((f) => f.name === name)
  if (!fixture) {
    out.values[`${key}/raw`] = [`no fixture named ${name}`]
    return
  }
  const rows = Float64Array.from(fixture.rows, hexToDouble)
  out.values[`${key}/shape`] = [
    aot.objective,
    String(aot.numFeatures),
    String(aot.numClass),
    String(aot.numTrees),
  ]
  out.values[`${key}/raw`] = attempt(() => aot.predictRaw(rows))
  out.values[`${key}/leaf`] = attempt(() => aot.predictLeafIndex(rows), true)
  // The `out` arguments are reused as given.
  const raw = new Float64Array(aot.numClass * (rows.length / aot.numFeatures))
  out.values[`${key}/raw-into`] = attempt(() => (aot.predictRaw(rows, raw) === raw ? raw : []))
}

async function packagePath(input: CorePathInput, out: CorePathOutput): Promise<void> {
  const source = memorySource(input.packageFiles, { label: 'runtime-test' })
  for (const spec of input.packages) {
    const key = `package/${spec.name}/${spec.version}`
    const pkg = await loadPackage(source, spec.name, spec.version)
    out.values[`${key}/facts`] = [pkg.id, pkg.task, pkg.classes.join(','), String(pkg.numFeatures)]
    out.values[`${key}/normalized`] = hexes(pkg.normalizeMany(spec.records))
    out.values[`${key}/predict`] = hexes(pkg.predictMany(spec.records))
    out.values[`${key}/predict-raw`] = hexes(pkg.predictMany(spec.records, { raw: true }))
    const first = pkg.classProbabilities(pkg.predict(spec.records[0]))
    out.values[`${key}/class-probabilities`] = first ? hexes(first) : ['regression']
  }
  const missing = await loadPackage(source, 'no-such-model', 'v1.0.0').then(
    () => 'loaded',
    (error: { code?: string }) => `error:${error.code}`,
  )
  out.values['package/missing'] = [missing]
}

async function manifestPath(input: CorePathInput, out: CorePathOutput): Promise<void> {
  const registry = createManifestRegistry(input.manifest)
  const ids = (result: {
    success: boolean
    data?: { modelName: string; modelVersion: string; status: string }[]
  }) =>
    result.success && result.data
      ? result.data.map((m) => `${m.modelName}/${m.modelVersion}:${m.status}`)
      : ['failed']
  out.values['manifest/deployed'] = ids(await registry.getDeployedModels())
  out.values['manifest/deployed-free'] = ids(await registry.getDeployedModels({ tier: 'free' }))
  out.values['manifest/shadow'] = ids(await registry.listModels({ status: 'shadow' }))
  const found = await registry.getModel('sentiment-fusion', 'v1.1.0')
  out.values['manifest/get'] = found.success
    ? [found.data.modelId, String(found.data.createdAt.getTime())]
    : ['failed']
  const absent = await registry.getModel('sentiment-fusion', 'v9.9.9')
  out.values['manifest/absent'] = absent.success ? ['found'] : [absent.error.code]
}

function analysisValues(analysis: Analysis): string[] {
  const out: string[] = []
  const c = analysis.consensus
  out.push(c ? `${c.signal}:${c.score}:${doubleToHex(c.confidence)}` : 'no-consensus')
  if (c) out.push(...hexes([c.probabilities.BEARISH, c.probabilities.NEUTRAL, c.probabilities.BULLISH]))
  for (const vote of [...analysis.votes, ...analysis.shadowVotes]) {
    out.push(
      `${vote.modelName}/${vote.modelVersion}:${vote.signal}:${doubleToHex(vote.confidence)}:${doubleToHex(vote.weight)}`,
    )
    out.push(...hexes(vote.prediction))
    for (const feature of vote.topFeatures ?? [])
      out.push(JSON.stringify(feature, (_, v) => (typeof v === 'number' ? doubleToHex(v) : v)))
  }
  for (const error of analysis.errors)
    out.push(`error:${error.modelName}/${error.modelVersion}:${error.message}`)
  out.push(`generation:${analysis.generation}:${analysis.tier}`)
  return out
}

async function ensemblePath(input: CorePathInput, out: CorePathOutput): Promise<void> {
  // The same interface as a live registry: the ensemble reads the static manifest.
  const ensemble = await createEnsemble({
    registry: createManifestRegistry(input.manifest),
    source: memorySource(input.packageFiles),
    tier: 'premium',
    explain: { top: 3 },
  })
  out.values['ensemble/members'] = [
    ...ensemble.current.deployed.map((m) => `deployed:${m.package.id}:${doubleToHex(m.weight)}`),
    ...ensemble.current.shadow.map((m) => `shadow:${m.package.id}`),
    ...ensemble.failures.map((f) => `failed:${f.modelName}/${f.modelVersion}`),
  ]
  ensemble.analyzeMany(input.ensembleRecords).forEach((analysis, i) => {
    out.values[`ensemble/analysis-${i}`] = analysisValues(analysis)
  })
  out.values['ensemble/single'] = analysisValues(
    ensemble.analyze(input.ensembleRecords[0], { explain: false }),
  )
}

/**
 * Runs the whole core path; `runtime` names the runtime in the output, `aot` holds the
 * modules compiled ahead of time, by fixture name.
 */
export async function runCorePath(
  input: CorePathInput,
  runtime: string,
  aot: Record<string, AotModule> = {},
): Promise<CorePathOutput> {
  const out: CorePathOutput = { runtime, values: {}, facts: {} }
  const probe = parseModel(input.fixtures[0].model)
  out.facts.codeGeneration = probe.compile()
  for (const fixture of input.fixtures) await fixturePath(fixture, out)
  for (const [name, module] of Object.entries(aot)) aotPath(name, module, input, out)
  await packagePath(input, out)
  await manifestPath(input, out)
  await ensemblePath(input, out)
  return out
}
