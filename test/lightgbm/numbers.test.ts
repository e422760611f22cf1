// readDoubles / readIntegers of src/lightgbm/numbers.ts: every double read from a line
// must be exactly Number(token), whatever path (fast or slow) reads it.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { readDoubles, readIntegers, slowTokenCount, TokenError } from '../../src/lightgbm/numbers.ts'
import { seededUniform } from '../support/random.ts'

const encoder = new TextEncoder()

function readLine(line: string): number[] {
  const bytes = encoder.encode(line)
  const out = new Float64Array(bytes.length + 1)
  return Array.from(out.subarray(0, readDoubles(bytes, 0, bytes.length, out)))
}

/** C's `%.17g`, as LightGBM writes doubles (Common::ArrayToString, precision 17). */
function printfG17(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0' : '0'
  const [mantissa, exponentText] = x.toExponential(16).split('e')
  const exponent = Number(exponentText)
  const strip = (text: string) => (text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text)
  if (exponent < -4 || exponent >= 17) {
    const sign = exponent < 0 ? '-' : '+'
    return `${strip(mantissa)}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`
  }
  return strip(x.toFixed(16 - exponent))
}

const finite = fc.double({ noNaN: true, noDefaultInfinity: true })
const subnormal = fc
  .tuple(fc.integer({ min: 1, max: 2 ** 52 - 1 }), fc.boolean())
  .map(([m, negative]) => (negative ? -1 : 1) * m * 2 ** -1074)
// Values like LightGBM's thresholds and leaf outputs: moderate magnitudes.
const modelLike = fc
  .tuple(fc.double({ min: -10, max: 10, noNaN: true }), fc.integer({ min: -12, max: 6 }))
  .map(([x, e]) => x * 10 ** e)
const anyDouble = fc.oneof(finite, subnormal, modelLike)

const formats: [string, (x: number) => string][] = [
  ['toPrecision(17)', (x) => x.toPrecision(17)],
  ['String', (x) => String(x)],
  ['%.17g', printfG17],
  ['toExponential', (x) => x.toExponential()],
  ['toExponential(20)', (x) => x.toExponential(20)],
  ['toPrecision(15)', (x) => x.toPrecision(15)],
  ['toPrecision(16)', (x) => x.toPrecision(16)],
]

describe('readDoubles', () => {
  for (const [name, format] of formats) {
    it(`equals Number(token) on random doubles printed with ${name}`, () => {
      fc.assert(
        fc.property(fc.array(anyDouble, { minLength: 1, maxLength: 40 }), (values) => {
          const tokens = values.map(format)
          const read = readLine(tokens.join(' '))
          expect(read.length).toBe(tokens.length)
          for (let i = 0; i < tokens.length; i++) {
            if (!Object.is(read[i], Number(tokens[i]))) {
              throw new Error(`'${tokens[i]}' read as ${read[i]}, Number() gives ${Number(tokens[i])}`)
            }
          }
        }),
        { numRuns: 300 },
      )
    })
  }

  it('equals Number(token) on lines mixing fast and slow tokens, runs of spaces and tabs', () => {
    const token = fc.oneof(
      anyDouble.map(printfG17),
      anyDouble.map((x) => x.toPrecision(17)),
      fc.integer({ min: -1e6, max: 1e6 }).map(String),
      fc.constantFrom(
        '0',
        '-0',
        '1e-308',
        '2.2250738585072014e-308',
        '4.9406564584124654e-324',
        '1.7976931348623157e+308',
      ),
    )
    const separator = fc.constantFrom(' ', '  ', '\t', ' \t ')
    fc.assert(
      fc.property(fc.array(fc.tuple(token, separator), { minLength: 1, maxLength: 30 }), (parts) => {
        const line = parts.map(([t, s]) => t + s).join('')
        const read = readLine(line)
        expect(read).toEqual(parts.map(([t]) => Number(t)))
      }),
      { numRuns: 500 },
    )
  })

  it('reads LightGBM tokens exactly', () => {
    const tokens = [
      '-0.044892896063762386',
      '1.2347656702326635',
      '1.0000000000000001e-05',
      '-1.0000000180025095e-35',
      '11.999999999999998',
      '4.9999999999999991',
      '1e+300',
      '9007199254740993',
      '0.30000000000000004',
    ]
    expect(readLine(tokens.join(' '))).toEqual(tokens.map(Number))
  })

  it('reads inf and nan words, and refuses hex, binary and junk', () => {
    expect(readLine('inf -inf nan -nan')).toEqual([
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.NaN,
      Number.NaN,
    ])
    for (const bad of ['0x10', '0b1', '1.5x', '1..2', '--1', 'e5', '1e', '1,5', '1.2345678901234567\u00e9']) {
      expect(() => readLine(`1 ${bad} 2`), bad).toThrow(TokenError)
    }
  })
})

/** Reads the tokens as lines of up to 100 and throws on the first that differs from Number(). */
function expectSameAsNumber(tokens: string[]): void {
  for (let from = 0; from < tokens.length; from += 100) {
    const part = tokens.slice(from, from + 100)
    const read = readLine(part.join(' '))
    expect(read.length).toBe(part.length)
    for (let i = 0; i < part.length; i++) {
      if (!Object.is(read[i], Number(part[i]))) {
        throw new Error(`'${part[i]}' read as ${read[i]}, Number() gives ${Number(part[i])}`)
      }
    }
  }
}

/** The exact decimal digits of q * 2^power (q a positive integer), as digits and exponent of ten. */
function exactDecimal(q: bigint, power: number): [string, number] {
  if (power >= 0) return [(q << BigInt(power)).toString(), 0]
  return [(q * 5n ** BigInt(-power)).toString(), power]
}

/** digits * 10^exponent written as a token, in one of a few styles. */
function decimalToken(digits: string, exponent: number, style: number): string {
  const stripped = digits.replace(/0+$/, '')
  const exp = exponent + digits.length - stripped.length
  const d = stripped === '' ? '0' : stripped
  if (style === 0) return `${d}e${exp}`
  if (style === 1) {
    const e10 = exp + d.length - 1
    return `${d[0]}.${d.slice(1)}e${e10 < 0 ? '-' : '+'}${String(Math.abs(e10)).padStart(2, '0')}`
  }
  if (exp >= 0) return d + '0'.repeat(exp)
  const point = d.length + exp
  return point > 0 ? `${d.slice(0, point)}.${d.slice(point)}` : `0.${'0'.repeat(-point)}${d}`
}

/** Midpoints between adjacent doubles that need at most 19 significant digits, and their neighbours. */
function midpointTokens(random: () => number, count: number): string[] {
  const tokens: string[] = []
  const randomBits = (bits: number) => {
    let n = 0n
    for (let b = 0; b < bits; b += 26) n = (n << 26n) | BigInt(Math.floor(random() * 2 ** 26))
    return n & ((1n << BigInt(bits)) - 1n)
  }
  while (tokens.length < count) {
    // A 54-bit odd q times 2^power lies halfway between two adjacent doubles. It has at
    // most 19 significant digits when power is small, or when q is a multiple of 5^k and
    // the value ends in k zeros.
    const k = random() < 0.5 ? 0 : Math.floor(random() * 23)
    const five = 5n ** BigInt(k)
    let q = ((1n << 53n) | randomBits(53)) / five
    if (q % 2n === 0n) q += 1n
    q *= five
    if (q >> 54n !== 0n || q >> 53n === 0n) continue
    const power = Math.floor(random() * 140) - 70
    const [digits, exponent] = exactDecimal(q, power)
    const significant = digits.replace(/0+$/, '').length
    if (significant > 19) continue
    const width = Math.max(significant, 16 + Math.floor(random() * 4))
    const padded = digits.slice(0, width).padEnd(width, '0')
    const shift = exponent + digits.length - width
    const style = Math.floor(random() * 3)
    const sign = random() < 0.5 ? '-' : ''
    const at = BigInt(padded)
    for (const n of [at, at - 1n, at + 1n]) tokens.push(sign + decimalToken(n.toString(), shift, style))
    if (width < 19) {
      // One more digit either side of the midpoint.
      for (const n of [at * 10n - 1n, at * 10n + 1n])
        tokens.push(sign + decimalToken(n.toString(), shift - 1, style))
    }
  }
  return tokens
}

describe('readDoubles, 16 to 19 significant digits', () => {
  it('equals Number(token) on 200,000 seeded random doubles in many formats', () => {
    const random = seededUniform(20240611)
    const tokens: string[] = []
    for (let n = 0; n < 200_000; n++) {
      const magnitude = 10 ** (Math.floor(random() * 61) - 30)
      const x = (random() < 0.5 ? -1 : 1) * (1 + 9 * random()) * magnitude
      switch (n % 7) {
        case 0:
          tokens.push(x.toPrecision(17))
          break
        case 1:
          tokens.push(x.toPrecision(16))
          break
        case 2:
          tokens.push(x.toPrecision(18))
          break
        case 3:
          tokens.push(x.toPrecision(19))
          break
        case 4:
          tokens.push(x.toExponential(16))
          break
        case 5:
          tokens.push(printfG17(x))
          break
        default: {
          // 17 to 20 random digits with the point anywhere, sometimes an exponent.
          const length = 17 + Math.floor(random() * 4)
          let digits = String(1 + Math.floor(random() * 9))
          for (let d = 1; d < length; d++) digits += String(Math.floor(random() * 10))
          const point = Math.floor(random() * (length + 1))
          let token = point === length ? digits : `${digits.slice(0, point)}.${digits.slice(point)}`
          if (random() < 0.3) token = `0.${'0'.repeat(Math.floor(random() * 30))}${digits}`
          if (random() < 0.4) token += `e${Math.floor(random() * 61) - 30}`
          tokens.push((random() < 0.5 ? '-' : '') + token)
        }
      }
    }
    expectSameAsNumber(tokens)
  })

  it('equals Number(token) at and around exact midpoints between adjacent doubles', () => {
    expectSameAsNumber([
      '9007199254740993', // 2^53 + 1, halfway: ties to even (2^53)
      '9007199254740995', // 2^53 + 3: ties to even (2^53 + 4)
      '9007199254740992.9',
      '9007199254740993.1',
      '9007199254740994.9',
      '9007199254740995.1',
      '18014398509481986', // 2^54 + 2
      '18014398509481985',
      '18014398509481987',
      '18014398509481990', // 2^54 + 6
      '1.8014398509481986e16',
      '180143985094819860e-1',
      '9223372036854775808', // 2^63
      '9223372036854776832', // 2^63 + 1024, halfway
      '9223372036854776833',
      '9223372036854776831',
      '1152921504606847104', // 2^60 + 128, halfway
      '1152921504606847103',
      '1152921504606847105',
      '4503599627370496.5', // 2^52 + 0.5, halfway
      '4503599627370497.5',
      '4503599627370496.4',
      '4503599627370496.6',
    ])
    expectSameAsNumber(midpointTokens(seededUniform(7), 20_000))
  })

  it('equals Number(token) at powers of two and their neighbours', () => {
    const tokens: string[] = []
    for (let power = -200; power <= 200; power++) {
      const x = 2 ** power
      const [digits, exponent] = exactDecimal(1n, power)
      for (const width of [16, 17, 18, 19]) {
        const top = BigInt(digits.slice(0, width).padEnd(width, '0'))
        const shift = exponent + digits.length - width
        for (const n of [top - 1n, top, top + 1n]) tokens.push(decimalToken(n.toString(), shift, power & 1))
      }
      for (const y of [x, x * (1 + 2 ** -52), x * (1 - 2 ** -53), x * (1 - 2 ** -52)]) {
        tokens.push(y.toPrecision(17), y.toPrecision(19), y.toExponential(16), String(-y))
      }
    }
    expectSameAsNumber(tokens)
  })

  it('equals Number(token) at every power of ten, extremes, zeros and LightGBM constants', () => {
    const tokens: string[] = []
    for (let k = -340; k <= 320; k++) {
      for (const digits of [
        '1',
        '1234567890123456',
        '12345678901234567',
        '1234567890123456789',
        '9999999999999999999',
      ]) {
        tokens.push(`${digits}e${k}`, `-${digits.slice(0, 1)}.${digits.slice(1)}e${k}`)
      }
    }
    tokens.push(
      '1.7976931348623157e+308',
      '1.7976931348623158e+308',
      '1.797693134862315807e308', // just below the overflow threshold
      '1.797693134862315808e308',
      '2.2250738585072014e-308',
      '2.2250738585072011e-308',
      '2.2250738585072009e-308', // subnormal
      '4.9406564584124654e-324',
      '2.4703282292062327e-324',
      '2.4703282292062328e-324',
      '1e-400',
      '1e400',
      '-0',
      '-0.0',
      '0.0000000000000000',
      '-0.0000000000000000',
      '+0.0000000000000000000000',
      '0000000000000000000000001.2345678901234567',
      '1.2345678901234567000000000000',
      '1.5000000000000000000',
      '123456789012345678901234567890',
      '0.000000000000000000000000000000000010000000180025095',
      '1.0000000180025095e-35', // LightGBM's kZeroThreshold
      '-1.0000000180025095e-35',
      '1.0000000180025095E-35',
      '1e-35',
      '+1.2345678901234567',
      '+.12345678901234567',
      '12345678901234567.',
      '-.00012345678901234567e+3',
      '0.1',
      '0.30000000000000004',
      '0.99999999999999994',
      '0.99999999999999995',
    )
    expectSameAsNumber(tokens)
    expect(Object.is(readLine('-0.0000000000000000')[0], -0)).toBe(true)
  })

  it('reads most 17-digit tokens without Number()', () => {
    const random = seededUniform(99)
    const tokens: string[] = []
    for (let n = 0; n < 20_000; n++) {
      const x = (random() * 2 - 1) * 10 ** (Math.floor(random() * 19) - 12)
      tokens.push(n % 2 === 0 ? printfG17(x) : x.toPrecision(17))
    }
    tokens.push('1.0000000180025095e-35', '-0.044892896063762386', '11.999999999999998')
    const before = slowTokenCount
    expectSameAsNumber(tokens)
    // Only a token within about 2^-43 ulp of a rounding midpoint may need Number().
    expect(slowTokenCount - before).toBeLessThanOrEqual(2)
    // (And the counter counts: words such as nan always take Number().)
    const after = slowTokenCount
    readLine('nan 1 inf')
    expect(slowTokenCount - after).toBe(2)
  })

  it('still refuses junk after 16 to 19 digits', () => {
    for (const bad of [
      '1.2345678901234567e',
      '1.2345678901234567x',
      '12345678901234567..',
      '1.2345678901234567e+-3',
    ]) {
      expect(() => readLine(`1 ${bad} 2`), bad).toThrow(TokenError)
    }
    expect(readLine('\t1.2345678901234567 \t  -2.3456789012345678\t')).toEqual([
      1.2345678901234567, -2.3456789012345678,
    ])
  })
})

describe('readIntegers', () => {
  it('reads int32 values and refuses values outside the range', () => {
    const bytes = encoder.encode('0 -2147483648 2147483647 17')
    const out = new Int32Array(8)
    expect(Array.from(out.subarray(0, readIntegers(bytes, 0, bytes.length, out)))).toEqual([
      0, -2147483648, 2147483647, 17,
    ])
    const over = encoder.encode('2147483648')
    expect(() => readIntegers(over, 0, over.length, out)).toThrow(TokenError)
  })
})
