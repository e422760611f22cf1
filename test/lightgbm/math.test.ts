// exp and log1p of src/lightgbm/math.ts against glibc's own results
// (test/fixtures/math-reference.json, written by scripts/fixtures/make_math_reference.py).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { exp, expExact, fma, log1p } from '../../src/lightgbm/math.ts'
import { repoRoot } from '../support/shared.ts'

interface Reference {
  libc: string
  x: string[]
  exp: string[]
  log1p: string[]
}

const reference = JSON.parse(
  readFileSync(join(repoRoot, 'test', 'fixtures', 'math-reference.json'), 'utf8'),
) as Reference

const bits = new BigUint64Array(1)
const double = new Float64Array(bits.buffer)
function fromBits(hex: string): number {
  bits[0] = BigInt(`0x${hex}`)
  return double[0]
}
function toBits(x: number): string {
  double[0] = x
  return bits[0].toString(16).padStart(16, '0')
}

/** Inputs whose result differs from glibc's: [input bits, expected bits, actual bits]. */
function differing(fn: (x: number) => number, expected: string[]): string[][] {
  const out: string[][] = []
  reference.x.forEach((xBits, i) => {
    const actual = fn(fromBits(xBits))
    if (!Object.is(actual, fromBits(expected[i]))) out.push([xBits, expected[i], toBits(actual)])
  })
  return out
}

/** Seeded uniform doubles in [0, 1) (mulberry32). */
function uniform(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe(`glibc reference values (${reference.libc}, ${reference.x.length} inputs)`, () => {
  it('has about 20,000 inputs including NaN, infinities and -0', () => {
    expect(reference.x.length).toBeGreaterThanOrEqual(20000)
    for (const special of ['7ff8000000000000', '7ff0000000000000', 'fff0000000000000', '8000000000000000'])
      expect(reference.x).toContain(special)
  })

  it('exp equals glibc exp bit for bit', () => {
    expect(differing(exp, reference.exp).slice(0, 5)).toEqual([])
  })

  it('expExact (every fused multiply-add emulated) equals glibc exp bit for bit', () => {
    expect(differing(expExact, reference.exp).slice(0, 5)).toEqual([])
  })

  it('log1p equals glibc log1p bit for bit', () => {
    expect(differing(log1p, reference.log1p).slice(0, 5)).toEqual([])
  })

  it('keeps the sign of zero and NaN', () => {
    expect(Object.is(log1p(-0), -0)).toBe(true)
    expect(Object.is(log1p(0), 0)).toBe(true)
    expect(exp(-0)).toBe(1)
    expect(exp(Number.NaN)).toBeNaN()
    expect(log1p(Number.NaN)).toBeNaN()
    expect(log1p(-2)).toBeNaN()
    expect(log1p(-1)).toBe(Number.NEGATIVE_INFINITY)
    expect(exp(Number.NEGATIVE_INFINITY)).toBe(0)
    expect(exp(710)).toBe(Number.POSITIVE_INFINITY)
  })
})

describe('exp fast path', () => {
  it('equals expExact on 300,000 seeded inputs (raw-score range, |x| < 512, tiny)', () => {
    const random = uniform(7)
    const bad: number[] = []
    for (let i = 0; i < 300000; i++) {
      const u = random()
      const x = i % 3 === 0 ? u * 1024 - 512 : i % 3 === 1 ? (u - 0.5) * 2 ** (-60 * random()) : u * 40 - 20
      if (!Object.is(exp(x), expExact(x))) bad.push(x)
    }
    expect(bad.slice(0, 5)).toEqual([])
  })
})

describe('fma (exact fused multiply-add)', () => {
  it('rounds a * b + c once', () => {
    // 0.1 * 10 - 1 is exactly 2^-54 (0.1 is slightly above 1/10); unfused it is 0.
    expect(fma(0.1, 10, -1)).toBe(2 ** -54)
    expect(0.1 * 10 - 1).toBe(0)
    // (1 + 2^-52)(1 - 2^-52) - 1 = -2^-104 exactly.
    expect(fma(1 + 2 ** -52, 1 - 2 ** -52, -1)).toBe(-(2 ** -104))
    // A tie of the unfused sum broken by the product's low bits.
    expect(fma(1 + 2 ** -30, 1 + 2 ** -23, 2 ** 53)).toBe(2 ** 53 + 2)
  })
})
