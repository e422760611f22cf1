// `leafwise compile`: writes a standalone ES module that predicts the committed fixtures
// with LightGBM's bits, and refuses bad usage with a one-line error.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import type { CliIO } from '../../src/cli/io.ts'
import { runCli } from '../../src/cli/main.ts'
import { flatRows, ownZooCases, sameDouble } from '../support/fixtures.ts'

const dir = mkdtempSync(join(tmpdir(), 'leafwise-compile-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function capture(): { io: CliIO; out: string[]; err: string[] } {
  const out: string[] = []
  const err: string[] = []
  return { io: { stdout: (t) => out.push(t), stderr: (t) => err.push(t), cwd: dir, env: {} }, out, err }
}

describe('leafwise compile', () => {
  const zooCase = ownZooCases().find((c) => c.name === 'binary') ?? ownZooCases()[0]

  it('writes an ES module with no eval whose raw scores equal LightGBM', async () => {
    const { io, err } = capture()
    expect(await runCli(['compile', zooCase.modelPath, '-o', 'model.js'], io)).toBe(0)
    expect(err.join('')).toContain('model.js')
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
    const { io, err } = capture()
    expect(await runCli(['compile', zooCase.modelPath], io)).toBe(2)
    expect(err.join('')).toMatch(/output file is required/)
  })

  it('names a missing model file', async () => {
    const { io, err } = capture()
    expect(await runCli(['compile', 'nope/model.txt', '-o', 'x.js'], io)).toBe(1)
    expect(err.join('')).toContain('nope/model.txt')
  })
})
