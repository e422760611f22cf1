// Every zoo case (shared and committed) through every kernel: the compiled one (new
// Function) and the standalone ES module of `leafwise compile` (aot.ts, imported from a
// temp dir): raw scores and leaf indices must be the same bits as LightGBM's, as the
// portable kernel's are (zoo.test.ts). The parallel batches of leafwise/node are
// test/node/parallel.test.ts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { type Model, parseModel } from '../../src/index.ts'
import { aotModuleSource } from '../../src/lightgbm/aot.ts'
import { canCompile, chunkRanges, compileForest, numberLiteral } from '../../src/lightgbm/compile.ts'
import { predictLeafKernel, predictRawKernel } from '../../src/lightgbm/kernel.ts'
import { hasPacked } from '../../src/lightgbm/packed.ts'
import { canCompileWasm } from '../../src/lightgbm/wasm-kernel.ts'
import { walkCovers } from '../../src/lightgbm/wasm-walk.ts'
import { flatRows, ownZooCases, sameDouble, sharedZooCases, type ZooCase } from '../support/fixtures.ts'

const cases: ZooCase[] = [...sharedZooCases(), ...ownZooCases()]
const scratch = mkdtempSync(join(tmpdir(), 'leafwise-aot-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

function firstMismatches(expected: number[][], actual: ArrayLike<number>): string[] {
  const flat = expected.flat()
  expect(actual.length).toBe(flat.length)
  const bad: string[] = []
  for (let i = 0; i < flat.length && bad.length < 5; i++) {
    if (!sameDouble(flat[i], actual[i])) bad.push(`#${i}: expected ${flat[i]}, got ${actual[i]}`)
  }
  return bad
}

function load(zooCase: ZooCase): { model: Model; rows: Float64Array; raw: number[][]; leaf: number[][] } {
  const e = zooCase.expected()
  const model = parseModel(readFileSync(zooCase.modelPath), { source: zooCase.modelPath })
  return { model, rows: flatRows(e.X, e.num_features), raw: e.raw, leaf: e.leaf_index }
}

describe('compiled kernel (new Function)', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThan(0))
  for (const zooCase of cases) {
    it(`${zooCase.name}: raw scores and leaf indices equal LightGBM's`, () => {
      const { model, rows, raw, leaf } = load(zooCase)
      const compiled = model.withKernel('compiled')
      expect(compiled.kernel).toBe('compiled')
      expect(firstMismatches(raw, compiled.predictRaw(rows))).toEqual([])
      expect(firstMismatches(leaf, compiled.predictLeafIndex(rows))).toEqual([])
    })
  }

  it('prints every double so that it reads back as the same double', () => {
    for (const x of [
      0.1,
      -0,
      1e-35,
      1.0000000180025095e-35,
      5e-324,
      -1.7976931348623157e308,
      Infinity,
      -Infinity,
    ]) {
      expect(Object.is(Number(numberLiteral(x)), x)).toBe(true)
    }
  })

  it('cuts a forest into chunks of bounded size', () => {
    const { model } = load(cases.find((c) => c.name === 'deep') ?? cases[0])
    const ranges = chunkRanges(model.forest, 600, 8)
    expect(ranges[0][0]).toBe(0)
    expect(ranges[ranges.length - 1][1]).toBe(model.numTrees)
    for (let i = 0; i < ranges.length; i++) {
      const [start, end] = ranges[i]
      if (i > 0) expect(start).toBe(ranges[i - 1][1])
      expect(end - start).toBeGreaterThan(0)
      expect(end - start).toBeLessThanOrEqual(8)
      const nodes = model.forest.treeNodeOffset[end] - model.forest.treeNodeOffset[start] + (end - start)
      // A chunk stays within the bound unless it is one tree bigger than the bound.
      if (end - start > 1) expect(nodes).toBeLessThanOrEqual(600)
    }
  })

  // Both kernels walk rows in blocks (thousands of rows by default, more than the
  // fixtures have): small blocks and small chunks put many boundaries inside the rows.
  for (const zooCase of cases.filter((c) =>
    ['deep', 'multiclass', 'linear-tree', 'categorical', 'regression-cat-nan', 'missing-zero'].includes(
      c.name,
    ),
  )) {
    it(`${zooCase.name}: blocks of 7 rows and chunks of 3 trees give LightGBM's bits`, () => {
      const { model, rows, raw, leaf } = load(zooCase)
      const forest = model.forest
      const numRows = rows.length / model.numFeatures
      const width = model.numClass
      const out = new Float64Array(numRows * width)
      predictRawKernel(forest, rows, numRows, model.numFeatures, width, 0, forest.numTrees, out, 7)
      expect(firstMismatches(raw, out)).toEqual([])
      const leaves = new Int32Array(numRows * forest.numTrees)
      predictLeafKernel(forest, rows, numRows, model.numFeatures, 0, forest.numTrees, leaves, 7)
      expect(firstMismatches(leaf, leaves)).toEqual([])
      const compiled = compileForest(
        forest,
        { numFeatures: model.numFeatures, width },
        { blockRows: 7, nodesPerChunk: 100, treesPerChunk: 3 },
      )
      if (!compiled) return expect(canCompile()).toBe(false)
      expect(chunkRanges(forest, 100, 3).length).toBeGreaterThan(1)
      expect(
        firstMismatches(raw, compiled.predictRaw(rows, numRows, new Float64Array(numRows * width))),
      ).toEqual([])
      expect(
        firstMismatches(leaf, compiled.predictLeaf(rows, numRows, new Int32Array(numRows * forest.numTrees))),
      ).toEqual([])
    })
  }

  it('the portable and compiled kernels agree on random rows with NaN, zeros and tiny values', () => {
    const zooCase = cases.find((c) => c.name === 'missing-zero') ?? cases[0]
    const { model } = load(zooCase)
    const n = 500
    const rows = new Float64Array(n * model.numFeatures)
    const specials = [Number.NaN, 0, -0, 1e-36, -1e-36, 1e-35, Infinity, -Infinity]
    for (let i = 0; i < rows.length; i++) {
      rows[i] = i % 7 === 0 ? specials[i % specials.length] : Math.sin(i * 12.9898) * 3
    }
    const portableModel = model.withKernel('portable')
    const portable = portableModel.predictRaw(rows)
    expect(portableModel.lastKernel).toBe('portable')
    const compiledModel = model.withKernel('compiled')
    const compiled = compiledModel.predictRaw(rows)
    expect(compiledModel.lastKernel).toBe(canCompile() ? 'compiled' : 'portable')
    expect(firstMismatches([Array.from(portable)], compiled)).toEqual([])
  })

  it('each choice uses its kernel, even once the forest has a compiled kernel', () => {
    const { model, rows } = load(cases[0])
    model.withKernel('compiled').predictRaw(rows)
    const portable = model.withKernel('portable')
    portable.predictRaw(rows)
    expect(portable.lastKernel).toBe('portable')
  })

  it('auto times single rows on both kernels, then keeps the faster one for small batches', () => {
    const zooCase = cases.find((c) => c.name === 'multiclass') ?? cases[0]
    const { model, rows, raw } = load(zooCase)
    const expected = raw.flat()
    const width = model.numClass
    // A fresh forest, so no other test's timings count.
    const auto = parseModel(readFileSync(zooCase.modelPath)).withKernel('auto')
    auto.compile()
    const used = new Set<string>()
    const numRows = rows.length / model.numFeatures
    const lastKernels: string[] = []
    const walk = canCompileWasm() && walkCovers(auto.forest)
    if (walk) {
      // A table walk is not timed against the portable kernel before the portable kernel's
      // packed layout exists (building it for a timing costs about as much as the walk).
      for (let call = 0; call < 40; call++) {
        const r = call % numRows
        const out = auto.predictRaw(rows.subarray(r * model.numFeatures, (r + 1) * model.numFeatures))
        for (let k = 0; k < width; k++) expect(sameDouble(expected[r * width + k], out[k])).toBe(true)
        expect(auto.lastKernel).toBe('wasm')
      }
      expect(hasPacked(auto.forest)).toBe(false)
      auto.withKernel('portable').predictRaw(rows.subarray(0, model.numFeatures))
      expect(hasPacked(auto.forest)).toBe(true)
    }
    for (let call = 0; call < 32 + 2 * 64 + 20; call++) {
      const r = call % numRows
      const out = auto.predictRaw(rows.subarray(r * model.numFeatures, (r + 1) * model.numFeatures))
      for (let k = 0; k < width; k++) expect(sameDouble(expected[r * width + k], out[k])).toBe(true)
      used.add(auto.lastKernel as string)
      lastKernels.push(auto.lastKernel as string)
    }
    // auto's fast kernel is WebAssembly where the runtime compiles it (warmup.ts), else
    // the compiled JavaScript that compile() asked for.
    const fast = canCompileWasm() ? 'wasm' : canCompile() ? 'compiled' : undefined
    if (!fast) return expect([...used]).toEqual(['portable'])
    // Both kernels ran while it was deciding; the last calls all use the one it chose.
    expect(used).toEqual(new Set(['portable', fast]))
    expect(new Set(lastKernels.slice(-20)).size).toBe(1)
  })
})

describe('AOT module (leafwise compile)', () => {
  cases.forEach((zooCase, index) => {
    it(`${zooCase.name}: the imported module's raw scores and leaf indices equal LightGBM's`, async () => {
      const { model, rows, raw, leaf } = load(zooCase)
      // One file per case: shared and committed zoos hold cases of the same name.
      const file = join(scratch, `${index}-${zooCase.name}.mjs`)
      writeFileSync(file, aotModuleSource(model))
      const mod = await import(pathToFileURL(file).href)
      expect(mod.numFeatures).toBe(model.numFeatures)
      expect(mod.numClass).toBe(model.numClass)
      expect(firstMismatches(raw, mod.predictRaw(rows))).toEqual([])
      expect(firstMismatches(leaf, mod.predictLeafIndex(rows))).toEqual([])
    })
  })
})
