// The WebAssembly kernel (wasm-kernel.ts) and what `auto` does with it (warmup.ts): raw
// scores bit-identical to LightGBM on every zoo case, to the reference evaluator on hostile
// rows, and `auto` never running anything but the portable kernel until it has the
// WebAssembly kernel compiled.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type Model, parseModel } from '../../src/index.ts'
import { NodeKind } from '../../src/lightgbm/decision.ts'
import { predictRawKernel } from '../../src/lightgbm/kernel.ts'
import { hasPacked } from '../../src/lightgbm/packed.ts'
import {
  COMPILE_VISITS_PER_NODE,
  meanLeafDepth,
  PACK_FIXED_MS,
  PACK_MS_PER_ENTRY,
  SMALL_ROWS,
  SMALL_SAMPLES,
  WALK_FIXED_MS,
  WALK_MS_PER_NODE,
  wasmCoverage,
} from '../../src/lightgbm/warmup.ts'
import {
  canCompileWasm,
  compileWasm,
  type WasmOptions,
  wasmCovers,
  wasmModuleBytes,
} from '../../src/lightgbm/wasm-kernel.ts'
import { WalkForest, walkCovers } from '../../src/lightgbm/wasm-walk.ts'
import { flatRows, ownZooCases, sameDouble, sharedZooCases, type ZooCase } from '../support/fixtures.ts'
import { referenceParse, referenceRaw } from '../support/reference.ts'
import { repoRoot, skipShared } from '../support/shared.ts'

const cases: ZooCase[] = [...sharedZooCases(), ...ownZooCases()]

function load(zooCase: ZooCase): { model: Model; rows: Float64Array; raw: number[][] } {
  const e = zooCase.expected()
  const model = parseModel(readFileSync(zooCase.modelPath), { source: zooCase.modelPath })
  return { model, rows: flatRows(e.X, e.num_features), raw: e.raw }
}

function firstMismatches(expected: ArrayLike<number>, actual: ArrayLike<number>): string[] {
  expect(actual.length).toBe(expected.length)
  const bad: string[] = []
  for (let i = 0; i < expected.length && bad.length < 5; i++) {
    if (!sameDouble(expected[i], actual[i])) bad.push(`#${i}: expected ${expected[i]}, got ${actual[i]}`)
  }
  return bad
}

describe('WebAssembly kernel', () => {
  it('is available under Node', () => expect(canCompileWasm()).toBe(true))

  it('has linear-free cases to cover, and declines linear trees', () => {
    const covered = cases.filter((c) => wasmCovers(load(c).model.forest))
    expect(covered.length).toBeGreaterThan(10)
    const linear = cases.filter((c) => load(c).model.isLinear)
    for (const c of linear) expect(wasmCovers(load(c).model.forest)).toBe(false)
  })

  for (const zooCase of cases) {
    it(`${zooCase.name}: raw scores equal LightGBM's (or the model falls back)`, () => {
      const { model, rows, raw } = load(zooCase)
      const wasm = model.withKernel('wasm')
      const out = wasm.predictRaw(rows)
      expect(wasm.lastKernel).toBe(model.isLinear ? 'portable' : 'wasm')
      expect(firstMismatches(raw.flat(), out)).toEqual([])
      // The nested code (both shapes for a split over two leaves) and the table walk (odd
      // lane counts, rows one by one or in blocks of a few; batches tree by tree, or in
      // chains of one tree, of a few and of every tree), blocks of a few rows.
      const variants: WasmOptions[] = [
        { walk: false, selectLeafPairs: true, blockRows: 3, nodesPerChunk: 64 },
        { walk: false, selectLeafPairs: false, blockRows: 3, nodesPerChunk: 64 },
        { blockRows: 5, walkOptions: { chains: false, rowLanes: 3, treeLanes: 3, unroll: 1 } },
        { walkOptions: { chains: false, rowLanes: 1, treeLanes: 5, unroll: 3, singleBelow: 1000 } },
        { blockRows: 5, walkOptions: { chainLanes: 5, chainBytes: 1, chainUnroll: 1, chainRowTrees: 0 } },
        { blockRows: 29, walkOptions: { chainLanes: 1, chainBytes: 2000, chainUnroll: 3, chainRowTrees: 0 } },
        { walkOptions: { chainBytes: 1 << 30, chainRowTrees: 0 } },
      ]
      for (const options of variants) {
        const kernel = compileWasm(
          model.forest,
          { numFeatures: model.numFeatures, width: model.numClass },
          options,
        )
        if (model.isLinear) {
          expect(kernel).toBeUndefined()
          continue
        }
        const numRows = rows.length / model.numFeatures
        const direct = kernel?.predictRaw(rows, numRows, new Float64Array(numRows * model.numClass))
        expect(firstMismatches(raw.flat(), direct ?? [])).toEqual([])
      }
    })
  }

  it('falls back to the portable kernel where it cannot be had, even once the JavaScript kernel exists', () => {
    const linear = cases.find((c) => load(c).model.isLinear)
    expect(linear).toBeDefined()
    const { model, rows, raw } = load(linear as ZooCase)
    model.withKernel('compiled').predictRaw(rows)
    const wasm = model.withKernel('wasm')
    expect(wasm.kernel).toBe('portable')
    expect(firstMismatches(raw.flat(), wasm.predictRaw(rows))).toEqual([])
    expect(wasm.lastKernel).toBe('portable')
  })

  it('emits a valid module for every non-linear zoo model', () => {
    for (const c of cases) {
      const { model } = load(c)
      if (model.isLinear) continue
      const bytes = wasmModuleBytes(
        model.forest,
        { numFeatures: model.numFeatures, width: model.numClass },
        0,
      )
      expect(WebAssembly.validate(bytes), c.name).toBe(true)
    }
  })

  const hostileDouble = fc.oneof(
    fc.double(),
    fc.constantFrom(
      Number.NaN,
      Infinity,
      -Infinity,
      -0,
      0,
      5e-324,
      1e-35,
      -1e-35,
      1.0000000180025095e-35,
      -1.0000000180025095e-35,
      2147483647.5,
      2147483648,
      -2147483648.5,
      -2147483649,
    ),
    fc.double({ min: -1e-30, max: 1e-30 }),
    fc.integer({ min: -5, max: 70 }),
  )
  it.each(
    ownZooCases()
      .filter((c) => !parseModel(readFileSync(c.modelPath)).isLinear)
      .map((c) => [c.name, c] as const),
  )('%s: hostile rows give the reference evaluator bits', (_, c) => {
    const bytes = readFileSync(c.modelPath)
    const model = parseModel(bytes).withKernel('wasm')
    const reference = referenceParse(bytes)
    fc.assert(
      fc.property(
        fc.array(hostileDouble, { minLength: model.numFeatures, maxLength: model.numFeatures }),
        (row) => {
          const expected = referenceRaw(reference, row)
          const raw = model.predictRaw(Float64Array.from(row))
          if (model.lastKernel !== 'wasm') throw new Error(`ran ${model.lastKernel}`)
          expected.forEach((v, k) => {
            if (!sameDouble(raw[k], v))
              throw new Error(`wasm raw ${raw[k]} vs reference ${v} for [${row.join(', ')}]`)
          })
        },
      ),
      { numRuns: 200, seed: 21 },
    )
  })
})

describe('WebAssembly table walk (wasm-walk.ts)', () => {
  const numeric = cases.filter((c) => {
    const { forest } = load(c).model
    return wasmCovers(forest) && walkCovers(forest)
  })

  it('covers the numeric zoo models, declines categorical ones and NaN thresholds', () => {
    expect(numeric.length).toBeGreaterThan(5)
    for (const c of cases) {
      const { forest } = load(c).model
      const categorical = forest.nodeKind.some((k) => (k & 3) === 3)
      if (categorical) expect(walkCovers(forest), c.name).toBe(false)
    }
    const { forest } = load(numeric[0]).model
    const threshold = forest.threshold.slice()
    threshold[0] = Number.NaN
    expect(walkCovers({ ...forest, threshold })).toBe(false)
  })

  it('finds a categorical kind anywhere in the kinds, at any byte offset (read four at a time)', () => {
    const { forest } = load(numeric[0]).model
    const buffer = new Uint8Array(40)
    for (let offset = 0; offset < 4; offset++) {
      for (let length = 0; length <= 13; length++) {
        // numeric kinds only (ZeroAware with its flags, whose bits 2-3 are set)
        const nodeKind = buffer.subarray(offset, offset + length)
        nodeKind.forEach((_, g) => {
          nodeKind[g] = [0, 1, 2, 6, 10, 14][g % 6]
        })
        const threshold = new Float64Array(length)
        expect(walkCovers({ ...forest, nodeKind, threshold }), `${offset}/${length}`).toBe(true)
        for (let at = 0; at < length; at++) {
          const kinds = nodeKind.slice()
          const shifted = buffer.slice().subarray(offset, offset + length)
          for (const [copy, label] of [
            [kinds, 'copy'],
            [shifted, 'offset'],
          ] as const) {
            copy.set(nodeKind)
            copy[at] = NodeKind.Categorical
            expect(
              walkCovers({ ...forest, nodeKind: copy, threshold }),
              `${label} ${offset}/${length}@${at}`,
            ).toBe(false)
          }
        }
      }
    }
  })

  // Infinite thresholds (LightGBM writes them, e.g. 1.0000000000000001e+300 or inf for a
  // split that only separates missing values) next to NaN and infinite inputs: every
  // variant of the row must still go where the portable kernel goes.
  const special = [Number.NaN, Infinity, -Infinity, 0, -0, 1e-35, -1e-36, 1.0000000180025095e-35, 0.5, -3]
  it.each(numeric.map((c) => [c.name, c] as const))(
    '%s with infinite thresholds: batches and single rows give the portable bits',
    (_, c) => {
      const { model } = load(c)
      const forest = { ...model.forest, threshold: model.forest.threshold.slice() }
      for (let g = 0; g < forest.threshold.length; g++) {
        if (g % 5 === 1) forest.threshold[g] = Number.POSITIVE_INFINITY
        if (g % 5 === 3) forest.threshold[g] = Number.NEGATIVE_INFINITY
      }
      const shape = { numFeatures: model.numFeatures, width: model.numClass }
      const numRows = 37
      const rows = new Float64Array(numRows * shape.numFeatures).map(
        (_, i) => special[(i * 7 + ((i / 3) | 0)) % special.length],
      )
      const expected = new Float64Array(numRows * shape.width)
      predictRawKernel(forest, rows, numRows, shape.numFeatures, shape.width, 0, forest.numTrees, expected)
      for (const walkOptions of [
        {},
        { chainLanes: 3, chainBytes: 100, chainRowTrees: 0 },
        { chains: false, rowLanes: 3, treeLanes: 2, singleBelow: 1000 },
      ]) {
        const kernel = compileWasm(forest, shape, { blockRows: 8, walkOptions })
        const out = kernel?.predictRaw(rows, numRows, new Float64Array(numRows * shape.width)) ?? []
        expect(firstMismatches(expected, out)).toEqual([])
      }
    },
  )
  // extend() writes records from chunks of 2,048 nodes or leaves: slices that start and
  // end inside a chunk, single-leaf trees (a root that is a leaf) and leaves on either side.
  // Without ../shared, the committed zoo's forests of the same kinds (none crosses a chunk).
  const sliceCases = skipShared
    ? ['single-leaf', 'constant-target', 'multiclass']
    : ['deep', 'multiclass-single-leaf', 'constant-target']
  it.each(sliceCases)(
    '%s: records written in uneven slices give the portable bits for the trees covered so far',
    (name) => {
      const c = numeric.find((z) => z.name === name)
      expect(c, name).toBeDefined()
      const { model, rows } = load(c as ZooCase)
      const { forest } = model
      const shape = { numFeatures: model.numFeatures, width: model.numClass }
      const numRows = rows.length / shape.numFeatures
      const ends = [1, 2, Math.ceil(forest.numTrees / 3), forest.numTrees - 1, forest.numTrees]
      let checked = 0
      // chains of every tree a slice gives, of one tree, and no chains
      for (const options of [
        { chainRowTrees: 0 },
        { chainBytes: 1, chainRowTrees: 0 },
        {},
        { chains: false },
      ])
        for (
          let walk = new WalkForest(forest, shape, { blockRows: 7, ...options }), e = 0;
          e < ends.length;
          e++
        ) {
          const end = ends[e]
          if (end < 1 || end > forest.numTrees || end <= walk.covered) continue
          walk.extend(end)
          expect(walk.covered).toBe(end)
          const expected = new Float64Array(numRows * shape.width)
          predictRawKernel(forest, rows, numRows, shape.numFeatures, shape.width, 0, end, expected)
          const batch = walk.predictCovered(rows, numRows, new Float64Array(numRows * shape.width))
          expect(firstMismatches(expected, batch)).toEqual([])
          const one = walk.predictCovered(rows, 1, new Float64Array(shape.width))
          expect(firstMismatches(expected.subarray(0, shape.width), one)).toEqual([])
          checked++
        }
      expect(checked).toBeGreaterThan(2)
    },
  )

  it.each(sliceCases)(
    '%s: batches walk tree by tree until they have walked enough rows to pay for the chains, the same bits before and after',
    (name) => {
      const { model, rows } = load(numeric.find((z) => z.name === name) as ZooCase)
      const { forest } = model
      const shape = { numFeatures: model.numFeatures, width: model.numClass }
      const numRows = rows.length / shape.numFeatures
      const expected = new Float64Array(numRows * shape.width)
      predictRawKernel(forest, rows, numRows, shape.numFeatures, shape.width, 0, forest.numTrees, expected)
      const walk = new WalkForest(forest, shape, { blockRows: 7, chainRowTrees: 3 })
      walk.extend(forest.numTrees)
      const needed = 3 * forest.splitFeature.length
      let walked = 0
      for (let call = 0; call < 1000 && walk.chainedTrees < forest.numTrees; call++) {
        walked += numRows * forest.numTrees
        const out = walk.predictCovered(rows, numRows, new Float64Array(numRows * shape.width))
        expect(firstMismatches(expected, out)).toEqual([])
        expect(walk.chainedTrees).toBe(walked >= needed ? forest.numTrees : 0)
      }
      expect(walk.chainedTrees).toBe(forest.numTrees)
      const out = walk.predictCovered(rows, numRows, new Float64Array(numRows * shape.width))
      expect(firstMismatches(expected, out)).toEqual([])
    },
  )

  it('has single-leaf trees and nodes with a leaf on the left among the cases above', () => {
    const forests = sliceCases.map(
      (name) => load(numeric.find((z) => z.name === name) as ZooCase).model.forest,
    )
    expect(forests.some((f) => f.treeRoot.some((root) => root < 0))).toBe(true)
    expect(forests.some((f) => f.leftChild.some((child) => child < 0))).toBe(true)
  })

  it.skipIf(skipShared)(
    "has a forest whose records cross extend's chunks of 2,048 among the cases above",
    () => {
      const deep = load(numeric.find((z) => z.name === 'deep') as ZooCase).model.forest
      expect(deep.splitFeature.length).toBeGreaterThan(2 * 2048)
    },
  )
})

describe('auto (warmup.ts)', () => {
  const deep = cases.find((c) => c.name === 'deep') ?? cases[0]
  const fresh = () => parseModel(readFileSync(deep.modelPath))
  // Forests the table walk does not cover (categorical nodes) are compiled as nested code,
  // a slice of trees at a time: the shared zoo's `categorical` (40 trees) has enough trees
  // for slices (the committed categorical model's 15 small trees make one slice).
  const nested = cases.find((c) => c.name === 'categorical')
  const freshNested = () => parseModel(readFileSync(nested?.modelPath ?? ''))

  it('has forests of both kinds to test', () => {
    expect(walkCovers(fresh().forest)).toBe(true)
    const ownCategorical = cases.find((c) => c.name === 'regression-cat-nan')
    expect(walkCovers(parseModel(readFileSync(ownCategorical?.modelPath ?? '')).forest)).toBe(false)
  })

  it.skipIf(skipShared)("has the shared zoo's categorical forest for the nested-code tests", () => {
    expect(walkCovers(freshNested().forest)).toBe(false)
  })

  it('builds a table walk whole, once the portable work pays for it, the same bits throughout', () => {
    const model = fresh()
    const rows = new Float64Array(2000 * model.numFeatures).map((_, i) =>
      i % 13 === 0 ? Number.NaN : Math.sin(i),
    )
    const expected = model.withKernel('portable').predictRaw(rows)
    // Until built, every call runs portable; the build covers every tree at once.
    const coverage: number[] = []
    for (let call = 0; call < 500 && wasmCoverage(model.forest) === 0; call++) {
      expect(firstMismatches(expected, model.predictRaw(rows))).toEqual([])
      coverage.push(wasmCoverage(model.forest))
      expect(model.lastKernel).toBe(coverage[coverage.length - 1] === 0 ? 'portable' : 'wasm')
    }
    expect(new Set(coverage)).toEqual(new Set(coverage.length > 1 ? [0, model.numTrees] : [model.numTrees]))
    expect(firstMismatches(expected, model.predictRaw(rows))).toEqual([])
    expect(model.lastKernel).toBe('wasm')
    expect(model.kernel).toBe('wasm')
    // Windows of iterations stay on the portable kernel.
    model.predictRaw(rows, undefined, { numIteration: 3 })
    expect(model.lastKernel).toBe('portable')
  })

  it('builds a table walk in a timer once small calls add up to a share of its cost, off their path', async () => {
    const model = fresh()
    const row = new Float64Array(model.numFeatures).map((_, i) => Math.sin(i + 1))
    const expected = model.withKernel('portable').predictRaw(row)
    let calls = 0
    while (calls < 100_000 && wasmCoverage(model.forest) === 0) {
      expect(firstMismatches(expected, model.predictRaw(row))).toEqual([])
      expect(model.lastKernel).toBe('portable')
      // A call builds it only once the calls' work reaches its whole cost: the timer, set
      // at a quarter of it, runs first when the event loop is free between calls.
      expect(wasmCoverage(model.forest)).toBe(0)
      calls++
      await new Promise((resolve) => setTimeout(resolve, 0))
    }
    expect(calls).toBeGreaterThan(1)
    expect(wasmCoverage(model.forest)).toBe(model.numTrees)
    // Then small calls time both kernels, then keep one, the same bits either way.
    const used: string[] = []
    for (let i = 0; i < 2 * SMALL_SAMPLES + 10; i++) {
      expect(firstMismatches(expected, model.predictRaw(row))).toEqual([])
      used.push(model.lastKernel as string)
    }
    expect(new Set(used.slice(0, 2 * SMALL_SAMPLES))).toEqual(new Set(['portable', 'wasm']))
    expect(new Set(used.slice(-10)).size).toBe(1)
    model.predictRaw(new Float64Array(SMALL_ROWS * model.numFeatures).fill(0.5))
    expect(model.lastKernel).toBe('wasm')
  })

  it('builds a table walk within a loop of synchronous small calls (the timer never runs), the same bits', () => {
    const model = fresh()
    const rows = new Float64Array(8 * model.numFeatures).map((_, i) =>
      i % 7 === 0 ? Number.NaN : Math.cos(i),
    )
    const expected = model.withKernel('portable').predictRaw(rows)
    const one = (i: number) => rows.subarray((i % 8) * model.numFeatures, ((i % 8) + 1) * model.numFeatures)
    let i = 0
    for (; i < 100_000 && wasmCoverage(model.forest) === 0; i++) {
      expect(firstMismatches(expected.subarray(i % 8, (i % 8) + 1), model.predictRaw(one(i)))).toEqual([])
    }
    expect(wasmCoverage(model.forest)).toBe(model.numTrees)
    const used = new Set<string>()
    for (let j = i; j < i + 2 * SMALL_SAMPLES + 10; j++) {
      expect(firstMismatches(expected.subarray(j % 8, (j % 8) + 1), model.predictRaw(one(j)))).toEqual([])
      used.add(model.lastKernel as string)
    }
    expect(used).toEqual(new Set(['portable', 'wasm']))
  })

  it.skipIf(skipShared)(
    'nested code: runs the first batch portable, then compiles a slice of trees a batch, the same bits throughout',
    () => {
      const model = freshNested()
      const rows = new Float64Array(2000 * model.numFeatures).map((_, i) =>
        i % 13 === 0 ? Number.NaN : Math.sin(i) * 4 + 4,
      )
      const expected = model.withKernel('portable').predictRaw(rows)
      const out = model.predictRaw(rows)
      expect(model.lastKernel).toBe('portable')
      expect(model.kernel).toBe('portable')
      expect(wasmCoverage(model.forest)).toBe(0)
      expect(firstMismatches(expected, out)).toEqual([])
      // How many trees a batch compiles follows measured times (a share of the batch's
      // portable time): on a loaded machine the forest takes more batches, so the test asks
      // for growth in steps, not for a number of batches, then completes it with compile().
      const coverage: number[] = []
      for (let call = 0; call < 300 && new Set(coverage).size < 3; call++) {
        expect(firstMismatches(expected, model.predictRaw(rows))).toEqual([])
        coverage.push(wasmCoverage(model.forest))
      }
      expect(new Set(coverage).size).toBeGreaterThanOrEqual(3)
      expect(coverage[coverage.length - 1]).toBeGreaterThan(0)
      for (let i = 1; i < coverage.length; i++) expect(coverage[i]).toBeGreaterThanOrEqual(coverage[i - 1])
      expect(model.lastKernel).toBe('wasm')
      expect(model.compile()).toBe(true)
      expect(wasmCoverage(model.forest)).toBe(model.numTrees)
      expect(firstMismatches(expected, model.predictRaw(rows))).toEqual([])
      expect(model.lastKernel).toBe('wasm')
      expect(model.kernel).toBe('wasm')
    },
  )

  /** Small calls of one row before their work adds up to compiling the nested forest. */
  const callsBeforeCompile = (model: ReturnType<typeof fresh>) => {
    const nodes = model.forest.splitFeature.length + model.numTrees
    return Math.ceil((COMPILE_VISITS_PER_NODE * nodes) / model.numTrees / meanLeafDepth(model.forest)) - 1
  }

  it.skipIf(skipShared)(
    'nested code: compiles nothing for small calls until they add up, then the rest in a timer',
    async () => {
      const model = freshNested()
      const row = new Float64Array(model.numFeatures).map((_, i) => Math.sin(i + 1) * 4 + 4)
      for (let i = 0; i < callsBeforeCompile(model); i++) {
        model.predictRaw(row)
        expect(model.lastKernel).toBe('portable')
      }
      expect(wasmCoverage(model.forest)).toBe(0)
      // The call whose work reaches the forest's compile cost compiles one slice (an eighth
      // of the forest) and sets a timer for the rest.
      model.predictRaw(row)
      expect(model.lastKernel).toBe('portable')
      const slice = wasmCoverage(model.forest)
      expect(slice).toBeGreaterThan(0)
      expect(slice).toBeLessThan(model.numTrees)
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(wasmCoverage(model.forest)).toBe(model.numTrees)
      // Compiled in the timer: small calls now time both kernels, then keep one.
      const used: string[] = []
      const expected = model.withKernel('portable').predictRaw(row)
      for (let i = 0; i < 2 * SMALL_SAMPLES + 10; i++) {
        expect(firstMismatches(expected, model.predictRaw(row))).toEqual([])
        used.push(model.lastKernel as string)
      }
      expect(new Set(used.slice(0, 2 * SMALL_SAMPLES))).toEqual(new Set(['portable', 'wasm']))
      expect(new Set(used.slice(-10)).size).toBe(1)
      const batch = new Float64Array(SMALL_ROWS * model.numFeatures).fill(0.5)
      model.predictRaw(batch)
      expect(model.lastKernel).toBe('wasm')
    },
  )

  it.skipIf(skipShared)(
    'nested code: compiles a slice a call in a loop of synchronous small calls (the timer never runs), the same bits throughout',
    () => {
      const model = freshNested()
      const rows = new Float64Array(8 * model.numFeatures).map((_, i) =>
        i % 7 === 0 ? Number.NaN : Math.cos(i) * 4 + 4,
      )
      const expected = model.withKernel('portable').predictRaw(rows)
      const one = (i: number) => rows.subarray((i % 8) * model.numFeatures, ((i % 8) + 1) * model.numFeatures)
      const before = callsBeforeCompile(model)
      const coverage: number[] = []
      for (let i = 0; i < before + 16 && wasmCoverage(model.forest) < model.numTrees; i++) {
        const out = model.predictRaw(one(i))
        expect(firstMismatches(expected.subarray(i % 8, (i % 8) + 1), out)).toEqual([])
        if (i >= before) coverage.push(wasmCoverage(model.forest))
      }
      // Slices of about an eighth of the forest (whole trees), each call adding one.
      expect(coverage.length).toBeGreaterThanOrEqual(2)
      expect(coverage[coverage.length - 1]).toBe(model.numTrees)
      for (let i = 1; i < coverage.length; i++) expect(coverage[i]).toBeGreaterThan(coverage[i - 1])
      // Then small calls time both kernels and keep one, the same bits either way.
      const used = new Set<string>()
      for (let i = 0; i < 2 * SMALL_SAMPLES + 10; i++) {
        expect(firstMismatches(expected.subarray(i % 8, (i % 8) + 1), model.predictRaw(one(i)))).toEqual([])
        used.add(model.lastKernel as string)
      }
      expect(used).toEqual(new Set(['portable', 'wasm']))
    },
  )

  // The committed sentiment-fusion model (750 trees, 22,500 nodes): its packed layout is
  // assumed to cost more than its table walk, as measured in fresh processes.
  const bigPath = join(repoRoot, 'models/sentiment-fusion/v1.1.0/model.txt')
  const entries = (model: Model) => model.forest.splitFeature.length + model.forest.leafValue.length
  const packWins = (model: Model) =>
    PACK_FIXED_MS + entries(model) * PACK_MS_PER_ENTRY <
    WALK_FIXED_MS + model.forest.splitFeature.length * WALK_MS_PER_NODE

  it("builds a big forest's table walk on its first call, never its packed layout, the same bits", () => {
    for (const batch of [1, 3, 200]) {
      const model = parseModel(readFileSync(bigPath))
      expect(packWins(model)).toBe(false)
      const rows = new Float64Array(batch * 8 * model.numFeatures).map((_, i) =>
        i % 11 === 0 ? Number.NaN : Math.sin(i) * 2,
      )
      const expected = parseModel(readFileSync(bigPath)).withKernel('portable').predictRaw(rows)
      const first = model.predictRaw(rows.subarray(0, batch * model.numFeatures))
      expect(firstMismatches(expected.subarray(0, batch * model.numClass), first)).toEqual([])
      expect(model.lastKernel).toBe('wasm')
      expect(wasmCoverage(model.forest)).toBe(model.numTrees)
      // Small calls keep the walk (the portable kernel is not timed before its layout exists).
      for (let i = 0; i < 8; i++) {
        const part = rows.subarray(i * batch * model.numFeatures, (i + 1) * batch * model.numFeatures)
        const want = expected.subarray(i * batch * model.numClass, (i + 1) * batch * model.numClass)
        expect(firstMismatches(want, model.predictRaw(part))).toEqual([])
        expect(model.lastKernel).toBe('wasm')
      }
      expect(hasPacked(model.forest)).toBe(false)
    }
  })

  it("runs a small forest's first call portable: its packed layout costs less than the walk's module", () => {
    const small = cases.filter((c) => {
      const model = parseModel(readFileSync(c.modelPath))
      return walkCovers(model.forest) && packWins(model)
    })
    expect(small.length).toBeGreaterThan(0)
    for (const c of small.slice(0, 3)) {
      const { model, rows, raw } = load(c)
      const one = rows.subarray(0, model.numFeatures)
      expect(firstMismatches(raw[0], model.predictRaw(one))).toEqual([])
      expect(model.lastKernel).toBe('portable')
      expect(wasmCoverage(model.forest)).toBe(0)
      expect(hasPacked(model.forest)).toBe(true)
    }
  })

  it('measures the mean leaf depth', () => {
    // multiclass: trees of several shapes; a single-leaf tree counts as depth 1.
    for (const c of cases) {
      const { model } = load(c)
      const depth = meanLeafDepth(model.forest)
      expect(depth).toBeGreaterThanOrEqual(1)
      expect(depth).toBeLessThanOrEqual(
        Math.max(
          1,
          ...Array.from(model.forest.treeNodeOffset.slice(1), (v, t) => v - model.forest.treeNodeOffset[t]),
        ),
      )
    }
  })

  it.skipIf(skipShared)("measures deep's mean leaf depth", () => {
    const { model } = load(deep)
    // deep: 255-leaf trees are at least 8 levels deep on average (a balanced tree's depth).
    expect(meanLeafDepth(model.forest)).toBeGreaterThan(8)
  })

  it('agrees with the portable kernel block by block on batches of odd sizes', () => {
    const { model } = load(deep)
    const kernel = compileWasm(model.forest, { numFeatures: model.numFeatures, width: model.numClass })
    for (const numRows of [1, 1023, 1024, 1025, 3000]) {
      const rows = new Float64Array(numRows * model.numFeatures).map((_, i) =>
        i % 11 === 0 ? Number.NaN : Math.sin(i * 0.37) * 2,
      )
      const expected = new Float64Array(numRows * model.numClass)
      predictRawKernel(
        model.forest,
        rows,
        numRows,
        model.numFeatures,
        model.numClass,
        0,
        model.numTrees,
        expected,
      )
      const out = kernel?.predictRaw(rows, numRows, new Float64Array(numRows * model.numClass)) ?? []
      expect(firstMismatches(expected, out)).toEqual([])
    }
  })
})
