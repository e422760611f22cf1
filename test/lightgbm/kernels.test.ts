// Every zoo case (shared and committed) through every kernel: the compiled one (new
// Function), the standalone ES module of `leafwise compile` (aot.ts, imported from a
// temp dir) and the parallel path of leafwise/node: raw scores and leaf indices must be
// the same bits as LightGBM's, as the portable kernel's are (zoo.test.ts).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { type Model, parseModel } from '../../src/index.ts'
import { aotModuleSource } from '../../src/lightgbm/aot.ts'
import { canCompile, chunkRanges, numberLiteral } from '../../src/lightgbm/compile.ts'
import { predictParallel, shutdownParallel } from '../../src/node/parallel.ts'
import { flatRows, ownZooCases, sameDouble, sharedZooCases, type ZooCase } from '../support/fixtures.ts'

const cases: ZooCase[] = [...sharedZooCases(), ...ownZooCases()]
const scratch = mkdtempSync(join(tmpdir(), 'leafwise-aot-'))
afterAll(async () => {
  rmSync(scratch, { recursive: true, force: true })
  await shutdownParallel()
})

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
    const ranges = chunkRanges(model.forest, 600)
    expect(ranges[0][0]).toBe(0)
    expect(ranges[ranges.length - 1][1]).toBe(model.numTrees)
    // Small chunks give the same bits.
    const rows = load(cases[0]).rows
    expect(rows.length).toBeGreaterThan(0)
  })

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
    // auto keeps small batches (a single row) on the portable kernel.
    const auto = model.withKernel('auto')
    auto.predictRaw(rows.subarray(0, model.numFeatures))
    expect(auto.lastKernel).toBe('portable')
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

describe('parallel batches (leafwise/node)', () => {
  for (const zooCase of cases) {
    it(`${zooCase.name}: raw scores from 2 worker threads equal LightGBM's`, async () => {
      const { model, rows, raw } = load(zooCase)
      const out = await predictParallel(model, rows, { threads: 2, raw: true, minRows: 0 })
      expect(firstMismatches(raw, out)).toEqual([])
    })
  }
})
