// readDoubles / readIntegers of src/lightgbm/numbers.ts: every double read from a line
// must be exactly Number(token), whatever path (fast or slow) reads it.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { readDoubles, readIntegers, TokenError } from '../../src/lightgbm/numbers.ts'

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
