// Hostile model files: every outcome is a ModelParseError or a model that agrees with
// the reference evaluator bit for bit, within a per-input time bound. The long campaign
// is `npm run fuzz` (test/fuzz/campaign.ts); this suite runs a few thousand inputs.
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ModelParseError, parseModel } from '../../src/index.ts'
import { ownZooCases } from '../support/fixtures.ts'
import { referenceParse, referenceRaw } from '../support/reference.ts'
import { type CorpusEntry, checkInput, KNOWN_LENIENCIES, loadCorpus } from './harness.ts'
import { BYTE_MUTATIONS, inputSeed, latin1Decode, latin1Encode, mutate, Random } from './mutate.ts'

/** One input may take this long (a loaded CI machine included); a hang blows through it. */
const INPUT_BOUND_MS = 3000

const corpus = loadCorpus({ fullLimit: 16 * 1024, cutTrees: 2 })
const small = corpus.filter((entry) => entry.bytes.length <= 12 * 1024)

function judge(bytes: Uint8Array, random: Random, deep: boolean, label: string): void {
  const started = performance.now()
  const outcome = checkInput(bytes, random, { deep })
  const ms = performance.now() - started
  if (outcome.kind === 'crash') expect.fail(`${label}: ${outcome.detail}`)
  if (
    outcome.kind === 'accepted' &&
    outcome.referenceRefusal &&
    !KNOWN_LENIENCIES.has(outcome.referenceRefusal)
  )
    expect.fail(`${label}: the parser accepted a model the reference refuses (${outcome.referenceRefusal})`)
  if (ms > INPUT_BOUND_MS) expect.fail(`${label}: took ${ms.toFixed(0)} ms`)
}

describe('parser fuzzing', () => {
  it('corpus: committed fixtures are present', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(14)
  })

  it('every seed file parses and equals the reference unchanged, with CRLF, bare BOM and both', () => {
    const random = new Random(1)
    for (const entry of corpus) {
      for (const variant of ['plain', 'crlf', 'bom'] as const) {
        const bytes = variant === 'plain' ? entry.bytes : BYTE_MUTATIONS[variant](entry.bytes, random)
        const outcome = checkInput(bytes, random, { deep: true })
        expect(outcome.kind, `${entry.name} ${variant}: ${JSON.stringify(outcome)}`).toBe('accepted')
      }
      const both = BYTE_MUTATIONS.bom(BYTE_MUTATIONS.crlf(entry.bytes, random), random)
      expect(checkInput(both, random).kind, `${entry.name} BOM+CRLF`).toBe('accepted')
    }
  })

  it('truncation at every line of every small seed file', () => {
    let inputs = 0
    for (const entry of small.filter((e) => e.name.endsWith('#cut') || e.bytes.length < 6000).slice(0, 40)) {
      const lines = latin1Decode(entry.bytes).split('\n')
      for (let cut = 0; cut <= lines.length; cut++) {
        const random = new Random(cut)
        judge(
          latin1Encode(lines.slice(0, cut).join('\n')),
          random,
          cut % 8 === 0,
          `${entry.name} cut at line ${cut}`,
        )
        inputs++
      }
    }
    expect(inputs).toBeGreaterThan(500)
  })

  it('deleted and duplicated lines, one at a time, over one seed file of each kind', () => {
    const picks = [
      'lightgbm/linear-tree#cut',
      'lightgbm/multiclass#cut',
      'lightgbm/regression-cat-nan',
      'lightgbm/rf-binary#cut',
    ]
    for (const entry of corpus.filter((e) => picks.includes(e.name))) {
      const lines = latin1Decode(entry.bytes).split('\n')
      for (let at = 0; at < lines.length; at++) {
        const deleted = lines.filter((_, i) => i !== at)
        const duplicated = [...lines.slice(0, at + 1), lines[at], ...lines.slice(at + 1)]
        judge(latin1Encode(deleted.join('\n')), new Random(at), false, `${entry.name} without line ${at + 1}`)
        judge(
          latin1Encode(duplicated.join('\n')),
          new Random(at),
          false,
          `${entry.name} line ${at + 1} twice`,
        )
      }
    }
  })

  it('random stacked mutations of every seed file (fast-check, 2500 inputs)', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), (seed) => {
        const random = new Random(seed)
        const entry: CorpusEntry = corpus[random.int(corpus.length)]
        const { bytes, applied } = mutate(entry.bytes, random)
        judge(bytes, random, seed % 10 === 0, `seed ${seed} ${entry.name} [${applied.join(', ')}]`)
      }),
      { numRuns: 2500, seed: 20261127 },
    )
  })

  it('huge counts with the bounding lines removed are refused at once', () => {
    const text = latin1Decode(corpus.find((e) => e.name === 'lightgbm/binary#cut')!.bytes)
    for (const key of ['max_feature_idx', 'num_class', 'num_tree_per_iteration', 'num_leaves', 'num_cat']) {
      for (const value of [
        '2147483646',
        '2147483647',
        '2147483648',
        '200000000',
        '-1',
        '0x10',
        '1e3',
        '1e-400',
        '99999999999999999999',
      ]) {
        const hostile = text
          .split('\n')
          .filter((line) => !line.startsWith('feature_names=') && !line.startsWith('tree_sizes='))
          .map((line) => (line.startsWith(`${key}=`) ? `${key}=${value}` : line))
          .join('\n')
        const started = performance.now()
        try {
          const model = parseModel(hostile)
          expect(referenceParse(hostile).numFeatures, `${key}=${value} accepted`).toBe(model.numFeatures)
        } catch (error) {
          if (!(error instanceof ModelParseError)) throw error
        }
        expect(performance.now() - started, `${key}=${value}`).toBeLessThan(500)
      }
    }
  })

  it('enormous tokens (100k digits, 1e400, long lines) parse in bounded time', () => {
    const text = latin1Decode(corpus.find((e) => e.name === 'lightgbm/binary#cut')!.bytes)
    const hostile = [
      text.replace(/threshold=(\S+)/, `threshold=${'9'.repeat(100_000)}`),
      text.replace(/leaf_value=(\S+)/, `leaf_value=0.${'0'.repeat(100_000)}1`),
      text.replace(/leaf_value=(\S+)/, 'leaf_value=1e400'),
      text.replace(/split_feature=/, `split_feature=${' 0'.repeat(500_000)}`),
      text.replace(/threshold=(\S+)/, `threshold=1e${'9'.repeat(100_000)}`),
    ]
    hostile.forEach((input, i) => {
      judge(latin1Encode(input), new Random(i), true, `enormous input ${i}`)
    })
  })
})

describe('kernel safety on validated models', () => {
  const hostileDouble = fc.oneof(
    fc.double(),
    fc.constantFrom(
      Number.NaN,
      Infinity,
      -Infinity,
      -0,
      0,
      5e-324,
      -5e-324,
      1e-35,
      1.0000000180025095e-35,
      1e308,
      -1e308,
      2147483648,
      -2147483649,
    ),
    fc.double({ min: -1e-30, max: 1e-30 }),
    fc.integer({ min: -5, max: 40 }),
  )
  it.each(ownZooCases().map((c) => [c.name, c] as const))(
    '%s: random rows never throw and equal the reference',
    (_, c) => {
      const bytes = readFileSync(c.modelPath)
      const model = parseModel(bytes)
      const reference = referenceParse(bytes)
      const compiled = model.withKernel('compiled')
      fc.assert(
        fc.property(
          fc.array(hostileDouble, { minLength: model.numFeatures, maxLength: model.numFeatures }),
          (row) => {
            const expected = referenceRaw(reference, row)
            const rows = Float64Array.from(row)
            for (const m of [model, compiled]) {
              const raw = m.predictRaw(rows)
              expected.forEach((v, k) => {
                if (!(Object.is(raw[k], v) || raw[k] === v || (Number.isNaN(raw[k]) && Number.isNaN(v))))
                  throw new Error(`${m.kernel} raw ${raw[k]} vs reference ${v} for [${row.join(', ')}]`)
              })
              m.predict(rows)
              m.predictLeafIndex(rows)
            }
            if (!model.isLinear) model.predictContrib(rows)
          },
        ),
        { numRuns: 150, seed: inputSeed(7, bytes.length) },
      )
    },
  )
})
