// The parallel load of leafwise/node (parallel-load.ts): worker threads parse ranges of
// trees straight into shared arrays. Every zoo model it can split must give the same
// arrays, facts and predictions as the one-thread parser; the rest (categorical and
// linear trees) must fall back with a reason, and a broken tree must still give the
// one-thread parser's error, with its line.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ModelParseError, parseModel } from '../../src/index.ts'
import { loadModelFile } from '../../src/node/index.ts'
import { parseModelFileParallel } from '../../src/node/parallel-load.ts'
import { flatRows, ownZooCases, sameDouble, sharedZooCases } from '../support/fixtures.ts'

const cases = [...sharedZooCases(), ...ownZooCases()]
const scratch = mkdtempSync(join(tmpdir(), 'leafwise-pload-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

// From the sources each worker compiles the TypeScript parser through tsx (about a
// second); the worker bundled once to JavaScript starts as fast as the built package's.
const workerUrl = pathToFileURL(join(scratch, 'parse-worker.mjs'))
beforeAll(async () => {
  await build({
    entryPoints: ['src/node/parse-worker.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: fileURLToPath(workerUrl),
  })
})

// Small files split too: no size minimum, and as many parts as threads.
const SPLIT = { threads: 3, minBytes: 0, workerUrl }

/** Why a zoo model may not be split (anything else is a failure). */
const ACCEPTED_REASONS = ['the model has categorical splits', 'numeric trees only', 'too few trees to split']

describe('parallel model load', () => {
  const split: string[] = []

  for (const zooCase of cases) {
    it(`${zooCase.name}: the same forest, facts and predictions as the one-thread parser`, async () => {
      const serial = parseModel(readFileSync(zooCase.modelPath))
      const parallel = await parseModelFileParallel(zooCase.modelPath, SPLIT)
      if (typeof parallel === 'string') {
        expect(
          ACCEPTED_REASONS.some((reason) => parallel.includes(reason)),
          parallel,
        ).toBe(true)
        return
      }
      split.push(zooCase.name)
      for (const [key, value] of Object.entries(serial.forest)) {
        const got = (parallel.forest as unknown as Record<string, unknown>)[key]
        if (typeof value === 'number') {
          expect(got, key).toBe(value)
          continue
        }
        const want = value as ArrayLike<number>
        const have = got as ArrayLike<number>
        expect(have.length, key).toBe(want.length)
        for (let i = 0; i < want.length; i++) {
          if (!Object.is(want[i], have[i]))
            expect(`${key}[${i}] = ${have[i]}`).toBe(`${key}[${i}] = ${want[i]}`)
        }
      }
      expect(parallel.info).toEqual(serial.info)
      const model = await loadModelFile(zooCase.modelPath, SPLIT)
      const e = zooCase.expected()
      const raw = model.predictRaw(flatRows(e.X, e.num_features))
      const flat = e.raw.flat()
      for (let i = 0; i < flat.length; i++) expect(sameDouble(flat[i], raw[i])).toBe(true)
    })
  }

  it('splits most zoo models (so the comparisons above compare something)', () => {
    expect(split.length).toBeGreaterThanOrEqual(Math.floor(cases.length / 2))
  })

  it('falls back to the one-thread parser for a broken tree, which names its line', async () => {
    const zooCase = cases.find((c) => c.name === 'binary') ?? cases[0]
    const text = readFileSync(zooCase.modelPath, 'latin1')
    // Break the threshold line of the last tree (the last worker's range), keeping its size.
    const at = text.lastIndexOf('\nthreshold=') + '\nthreshold='.length
    const broken = `${text.slice(0, at)}x${text.slice(at + 1)}`
    const path = join(scratch, 'broken.txt')
    writeFileSync(path, broken, 'latin1')
    const reason = await parseModelFileParallel(path, SPLIT)
    expect(typeof reason).toBe('string')
    expect(reason).toMatch(/part \d+ of \d+/)
    const line = broken.slice(0, at).split('\n').length
    const error = await loadModelFile(path, SPLIT).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ModelParseError)
    expect((error as ModelParseError).line).toBe(line)
    expect(String((error as Error).message)).toContain(path)
  })

  it('falls back when tree_sizes does not lead to the trees', async () => {
    const zooCase = cases.find((c) => c.name === 'binary') ?? cases[0]
    const text = readFileSync(zooCase.modelPath, 'latin1')
    const path = join(scratch, 'sizes.txt')
    writeFileSync(
      path,
      text.replace(/^tree_sizes=(\d+)/m, (_, n) => `tree_sizes=${Number(n) + 1}`),
      'latin1',
    )
    expect(await parseModelFileParallel(path, SPLIT)).toBe('tree_sizes does not lead to Tree=1')
    writeFileSync(path, text.replace(/^tree_sizes=.*\n/m, ''), 'latin1')
    expect(await parseModelFileParallel(path, SPLIT)).toBe('the header has no tree_sizes')
    // The one-thread parser still loads the file.
    expect((await loadModelFile(path, SPLIT)).numTrees).toBe(parseModel(text).numTrees)
  })

  it('runs its TypeScript worker from the sources (through tsx)', async () => {
    const zooCase = cases.find((c) => c.name === 'multiclass') ?? cases[0]
    const parallel = await parseModelFileParallel(zooCase.modelPath, { threads: 2, minBytes: 0 })
    expect(typeof parallel === 'string' ? parallel : parallel.forest.threshold).toEqual(
      parseModel(readFileSync(zooCase.modelPath)).forest.threshold,
    )
  })

  it('keeps small files and one thread on the calling thread', async () => {
    const path = cases[0].modelPath
    expect(await parseModelFileParallel(path, { threads: 4 })).toBe('the file is small')
    expect(await parseModelFileParallel(path, { threads: 1, minBytes: 0 })).toBe('one thread')
    expect(await parseModelFileParallel(join(scratch, 'missing.txt'), SPLIT)).toBe(
      'the file cannot be opened',
    )
  })
})
