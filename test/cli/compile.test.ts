// `leafwise compile`: writes a standalone ES module that predicts the committed fixtures
// with LightGBM's bits, and refuses bad usage with a one-line error.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { cli } from '../support/cli.ts'
import { flatRows, ownZooCases, sameDouble } from '../support/fixtures.ts'

const dir = mkdtempSync(join(tmpdir(), 'leafwise-compile-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const compile = (...argv: string[]) => cli(['compile', ...argv], {}, dir)

describe('leafwise compile', () => {
  const zooCase = ownZooCases().find((c) => c.name === 'binary') ?? ownZooCases()[0]

  it('writes an ES module with no eval whose raw scores equal LightGBM', async () => {
    const run = await compile(zooCase.modelPath, '-o', 'model.js')
    expect(run.code).toBe(0)
    expect(run.stderr).toContain('model.js')
    const source = readFileSync(join(dir, 'model.js'), 'utf8')
    expect(source).not.toMatch(/\beval\(|new Function/)
    const mod = await import(pathToFileURL(join(dir, 'model.js')).href)
    const e = zooCase.expected()
    const raw = mod.predictRaw(flatRows(e.X, e.num_features)) as Float64Array
    const expected = e.raw.flat()
    expect(raw.length).toBe(expected.length)
    expect(expected.every((v, i) => sameDouble(v, raw[i]))).toBe(true)
  })

  it('needs an output file', async () => {
    const run = await compile(zooCase.modelPath)
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/output file is required/)
  })

  it('names a missing model file', async () => {
    const run = await compile('nope/model.txt', '-o', 'x.js')
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('nope/model.txt')
  })
})
