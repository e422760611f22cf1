// Multi-core batches of leafwise/node (predictParallel, src/node/parallel.ts): every zoo
// case through two worker threads gives LightGBM's raw scores and the one-thread model's
// predictions, bit for bit; the caller's buffer is filled; a batch whose workers are
// stopped rejects instead of waiting forever, and a program awaiting a batch as its last
// work stays alive for the answer.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type Model, PredictionError, parseModel } from '../../src/index.ts'
import { predictParallel, shutdownParallel } from '../../src/node/index.ts'
import { flatRows, ownZooCases, sameDouble, sharedZooCases, type ZooCase } from '../support/fixtures.ts'
import { repoRoot } from '../support/shared.ts'

const cases: ZooCase[] = [...sharedZooCases(), ...ownZooCases()]
afterAll(() => shutdownParallel())

/** The first values (up to 5) where `actual` is not the same double as `expected`. */
function firstMismatches(expected: ArrayLike<number>, actual: ArrayLike<number>): string[] {
  expect(actual.length).toBe(expected.length)
  const bad: string[] = []
  for (let i = 0; i < expected.length && bad.length < 5; i++) {
    if (!sameDouble(expected[i], actual[i])) bad.push(`#${i}: expected ${expected[i]}, got ${actual[i]}`)
  }
  return bad
}

function load(zooCase: ZooCase): { model: Model; rows: Float64Array; raw: number[][] } {
  const e = zooCase.expected()
  const model = parseModel(readFileSync(zooCase.modelPath), { source: zooCase.modelPath })
  return { model, rows: flatRows(e.X, e.num_features), raw: e.raw }
}

/** `copies` times the rows of `rows`, one after the other. */
function repeated(rows: Float64Array, copies: number): Float64Array {
  const out = new Float64Array(rows.length * copies)
  for (let c = 0; c < copies; c++) out.set(rows, c * rows.length)
  return out
}

describe('predictParallel (leafwise/node)', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThan(0))
  for (const zooCase of cases) {
    it(`${zooCase.name}: raw scores from 2 worker threads equal LightGBM's, predictions the model's`, async () => {
      const { model, rows, raw } = load(zooCase)
      const rawOut = await predictParallel(model, rows, { threads: 2, raw: true, minRows: 0 })
      expect(firstMismatches(raw.flat(), rawOut)).toEqual([])
      const predicted = await predictParallel(model, rows, { threads: 2, minRows: 0 })
      expect(firstMismatches(model.predict(rows), predicted)).toEqual([])
    })
  }

  it("fills the caller's buffer, on worker threads and below minRows alike", async () => {
    const { model, rows } = load(cases.find((c) => c.name === 'multiclass') as ZooCase)
    const many = repeated(rows, 50)
    const expected = model.predict(many)
    for (const minRows of [0, Number.POSITIVE_INFINITY]) {
      const out = new Float64Array(expected.length)
      const returned = await predictParallel(model, many, { threads: 2, minRows, out })
      expect(returned).toBe(out)
      expect(firstMismatches(expected, out)).toEqual([])
    }
  })

  it('reads rows and writes outputs in place when they are on a SharedArrayBuffer (at any offset)', async () => {
    for (const name of ['multiclass', 'categorical', 'linear-tree']) {
      const zooCase = cases.find((c) => c.name === name)
      if (zooCase === undefined) continue
      const { model, rows } = load(zooCase)
      const many = repeated(rows, 20)
      const expected = model.predict(many)
      // Rows and outputs 3 values into their shared buffers, with values around them.
      const sharedRows = new Float64Array(new SharedArrayBuffer((many.length + 5) * 8), 24, many.length)
      sharedRows.set(many)
      const outBuffer = new SharedArrayBuffer((expected.length + 5) * 8)
      new Float64Array(outBuffer).fill(7)
      const out = new Float64Array(outBuffer, 24, expected.length)
      const returned = await predictParallel(model, sharedRows, { threads: 2, minRows: 0, out })
      expect(returned).toBe(out)
      expect(firstMismatches(expected, out), name).toEqual([])
      const whole = new Float64Array(outBuffer)
      expect([...whole.subarray(0, 3), ...whole.subarray(3 + expected.length)], name).toEqual([7, 7, 7, 7, 7])
      const raw = await predictParallel(model, sharedRows, { threads: 2, minRows: 0, raw: true })
      expect(firstMismatches(model.predictRaw(many), raw), name).toEqual([])
    }
  })

  it('a batch whose workers are shut down rejects with a PredictionError instead of hanging', async () => {
    const { model, rows } = load(cases.find((c) => c.name === 'binary') as ZooCase)
    const many = repeated(rows, 200)
    const failure = predictParallel(model, many, { threads: 2, minRows: 0 }).then(
      () => 'resolved',
      (error: unknown) => error,
    )
    await shutdownParallel()
    expect(await failure).toBeInstanceOf(PredictionError)
    // The next batch starts new workers and gives the model's predictions again.
    const again = await predictParallel(model, many, { threads: 2, minRows: 0 })
    expect(firstMismatches(model.predict(many), again)).toEqual([])
  })

  it('a program whose last work is awaiting a batch gets its answer, then exits', () => {
    const dir = mkdtempSync(join(tmpdir(), 'leafwise-parallel-'))
    try {
      const script = join(dir, 'batch.mts')
      const modelPath = join(repoRoot, 'test/fixtures/lightgbm/binary/model.txt')
      writeFileSync(
        script,
        `import { readFileSync } from 'node:fs'
import { parseModel } from ${JSON.stringify(join(repoRoot, 'src/index.ts'))}
import { predictParallel } from ${JSON.stringify(join(repoRoot, 'src/node/index.ts'))}
const model = parseModel(readFileSync(${JSON.stringify(modelPath)}))
const rows = new Float64Array(20000 * model.numFeatures).fill(0.5)
const out = await predictParallel(model, rows, { threads: 2, minRows: 0 })
console.log(out.length, out[0] === model.predict(rows.subarray(0, model.numFeatures))[0])
`,
      )
      const child = spawnSync(process.execPath, ['--import', 'tsx', script], {
        cwd: repoRoot,
        encoding: 'utf8',
        timeout: 60_000,
      })
      expect(child.stderr).toBe('')
      expect(child.status).toBe(0)
      expect(child.stdout.trim()).toBe('20000 true')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
