// Number lists of a model line, read straight from bytes. Integers are read digit by
// digit. Doubles of up to 19 significant digits (LightGBM writes 17) take an exact fast
// path: a double-double product that is used only when it provably rounds to the same
// double as Number().
// Anything else goes to the runtime's own correctly rounding Number() on a slice of the
// line's text, decoded once per line. Tokens are separated by spaces (runs of spaces are
// allowed, as in linear-tree lines).
import { LeafwiseError } from '../errors.ts'

/** Thrown for a token that is not a number; the parser adds line, tree and key. */
export class TokenError extends LeafwiseError {
  constructor(readonly token: string) {
    super('INVALID_NUMBER', `'${token}' is not a number`)
    this.name = 'TokenError'
  }
}

const SPACE = 32
const TAB = 9
const MINUS = 45
const PLUS = 43
const DOT = 46
const ZERO = 48
const NINE = 57

const POW10 = new Float64Array(23)
for (let i = 0, p = 1; i < 23; i++, p *= 10) POW10[i] = p

// Powers of ten 10^k for POW_MIN <= k <= POW_MAX as double-double pairs: POW_HI[k] is the
// double nearest 10^k and POW_LO[k] the double nearest 10^k - POW_HI[k], so the pair is
// within 2^-106 of 10^k (relative). POW_HEAD + POW_TAIL is POW_HI split into two 26-bit
// halves for exact products. An entry is computed with BigInt on its first use (0 means
// not yet): most models need a handful of exponents, and module load stays free. The
// range keeps every intermediate of nearestDouble() far from overflow and underflow: a
// value D * 10^k with 1 <= D < 10^19 lies between 1e-250 and 1e299.
const POW_MIN = -250
const POW_MAX = 280
const POW_HI = new Float64Array(POW_MAX - POW_MIN + 1)
const POW_LO = new Float64Array(POW_MAX - POW_MIN + 1)
const POW_HEAD = new Float64Array(POW_MAX - POW_MIN + 1)
const POW_TAIL = new Float64Array(POW_MAX - POW_MIN + 1)

// 2^27 + 1: multiplying by it and subtracting splits a double into two halves of at most
// 26 significant bits each, whose products are exact (Veltkamp).
const SPLITTER = 134217729

function bitLength(n: bigint): number {
  return n.toString(2).length
}

/**
 * n / d (both positive) rounded to 53 bits, ties to even, as [q, shift] with the
 * result q * 2^-shift (q at most 2^53, so Number(q) is exact).
 */
function roundQuotient(n: bigint, d: bigint): [bigint, number] {
  // n / d lies in (2^(ln-ld-1), 2^(ln-ld+1)), so q starts in (2^51, 2^53).
  let shift = 52 - (bitLength(n) - bitLength(d))
  for (;;) {
    const numerator = shift >= 0 ? n << BigInt(shift) : n
    const divisor = shift >= 0 ? d : d << BigInt(-shift)
    let q = numerator / divisor
    if (q < 1n << 52n) {
      shift++
      continue
    }
    const twice = (numerator % divisor) * 2n
    if (twice > divisor || (twice === divisor && (q & 1n) === 1n)) q++
    return [q, shift]
  }
}

/** The double nearest to n / d (n signed, d positive), in the normal range. */
function nearestQuotient(n: bigint, d: bigint): number {
  if (n === 0n) return 0
  const [q, shift] = roundQuotient(n < 0n ? -n : n, d)
  const value = Number(q) * 2 ** -shift
  return n < 0n ? -value : value
}

function fillPower(index: number): void {
  const k = index + POW_MIN
  // 10^k = n / d exactly.
  const n = k >= 0 ? 10n ** BigInt(k) : 1n
  const d = k >= 0 ? 1n : 10n ** BigInt(-k)
  const [q, shift] = roundQuotient(n, d)
  const hi = Number(q) * 2 ** -shift
  // 10^k - q / 2^shift, over a common denominator.
  const lo =
    shift >= 0
      ? nearestQuotient((n << BigInt(shift)) - q * d, d << BigInt(shift))
      : nearestQuotient(n - ((q * d) << BigInt(-shift)), d)
  const big = SPLITTER * hi
  const head = big - (big - hi)
  POW_LO[index] = lo
  POW_HEAD[index] = head
  POW_TAIL[index] = hi - head
  POW_HI[index] = hi
}

// Error bound of nearestDouble(), with u = 2^-53. The digits D are exact as s + t
// (s = fl(D), |t| <= u*s). The power is 10^k = ph + pl + eta with |pl| <= u*ph and
// |eta| <= u^2*ph. Dekker's product gives x + y = s*ph exactly. Of the rest,
// s*pl + t*ph is summed in doubles (each term at most u*x, so the four roundings of c
// cost at most 7u^2*x) and t*pl + D*eta is dropped (at most 2.1u^2*x). So the true value
// V lies within 10u^2*x < 2^-102*x of x + c. Widening by MARGIN*x = 2^-96*x covers that
// and the rounding of c +- MARGIN*x, so x + fl(c - MARGIN*x) <= V <= x + fl(c + MARGIN*x).
// Rounding is monotonic: when both ends round to the same double, so does V, which is
// then exactly what Number() returns. Otherwise (V within about 2^-43 ulp of a midpoint
// between two doubles, exact ties included) the caller falls back to Number(). Every
// intermediate stays in the normal range for POW_MIN <= k <= POW_MAX, so the
// error-free transformations are exact.
const MARGIN = 2 ** -96

/**
 * The double nearest to D * 10^exponent, or NaN when that cannot be proved here. D is
 * `head` (the first up to 15 significant digits, so exact) followed, when `significant`
 * is 16 to 19, by the remaining `significant - 15` digits in `tail`.
 */
function nearestDouble(head: number, tail: number, significant: number, exponent: number): number {
  if (exponent < POW_MIN || exponent > POW_MAX) return Number.NaN
  // D as s + t exactly. For 16 to 19 digits, D = head * 10^j + tail with head in
  // [10^14, 10^15) and 10^j <= 10^4 < 2^14. With head cut into two 25-bit halves,
  // a = top * 10^j and b = (head - top) * 10^j + tail are exact integers and a > b, so
  // Fast2Sum gives the pair.
  let s = head
  let t = 0
  if (significant > 15) {
    const scale = POW10[significant - 15]
    const top = Math.floor(head * 2 ** -25) * 2 ** 25
    const a = top * scale
    const b = (head - top) * scale + tail
    s = a + b
    t = b - (s - a)
  }
  const index = exponent - POW_MIN
  let ph = POW_HI[index]
  if (ph === 0) {
    fillPower(index)
    ph = POW_HI[index]
  }
  // x + y = s * ph exactly (Dekker's product with Veltkamp's split of s).
  const big = SPLITTER * s
  const sHead = big - (big - s)
  const sTail = s - sHead
  const pHead = POW_HEAD[index]
  const pTail = POW_TAIL[index]
  const x = s * ph
  const y = sTail * pTail - (x - sHead * pHead - sTail * pHead - sHead * pTail)
  const c = y + s * POW_LO[index] + t * ph
  const margin = x * MARGIN
  const low = x + (c - margin)
  return low === x + (c + margin) ? low : Number.NaN
}

/** For tests and benchmarks: how many doubles readDoubles() has read through the slow Number() path. */
export let slowTokenCount = 0

// One UTF-16 unit per byte, so string offsets are byte offsets. windows-1252 (what the
// 'latin1' label decodes) maps 0x80-0x9f elsewhere, but only ASCII tokens reach Number().
const latin1Decoder = (() => {
  try {
    return new TextDecoder('latin1')
  } catch {
    return undefined // runtimes with UTF-8 only
  }
})()

/** `bytes[start..end)` as text, one character per byte. */
function byteText(bytes: Uint8Array, start: number, end: number): string {
  if (latin1Decoder !== undefined) return latin1Decoder.decode(bytes.subarray(start, end))
  let text = ''
  for (let i = start; i < end; i += 4096) {
    const part = bytes.subarray(i, Math.min(end, i + 4096))
    text += String.fromCharCode.apply(null, part as unknown as number[])
  }
  return text
}

function tokenText(bytes: Uint8Array, start: number, end: number): string {
  let text = ''
  for (let i = start; i < end && i < start + 64; i++) text += String.fromCharCode(bytes[i])
  return text
}

function isSeparator(c: number): boolean {
  return c === SPACE || c === TAB
}

/** Counts the tokens of `bytes[start..end)`. */
export function countTokens(bytes: Uint8Array, start: number, end: number): number {
  let count = 0
  let inToken = false
  for (let i = start; i < end; i++) {
    const sep = isSeparator(bytes[i])
    if (!sep && !inToken) count++
    inToken = !sep
  }
  return count
}

/**
 * Reads whitespace-separated integers into `out` (which must be large enough) and
 * returns how many were read. Values must fit in a signed 32-bit integer, or in
 * `[0, 2^53)` when `wide` is set (counts).
 */
export function readIntegers(
  bytes: Uint8Array,
  start: number,
  end: number,
  out: Int32Array | Float64Array,
): number {
  let count = 0
  let i = start
  const limit = out instanceof Int32Array ? 2147483647 : 9007199254740991
  while (i < end) {
    let c = bytes[i]
    if (isSeparator(c)) {
      i++
      continue
    }
    const tokenStart = i
    let negative = false
    if (c === MINUS || c === PLUS) {
      negative = c === MINUS
      i++
    }
    let value = 0
    let digits = 0
    while (i < end) {
      c = bytes[i]
      if (c < ZERO || c > NINE) break
      value = value * 10 + (c - ZERO)
      digits++
      i++
    }
    if (digits === 0 || (i < end && !isSeparator(bytes[i])) || value > limit + (negative ? 1 : 0)) {
      let tokenEnd = i
      while (tokenEnd < end && !isSeparator(bytes[tokenEnd])) tokenEnd++
      throw new TokenError(tokenText(bytes, tokenStart, tokenEnd))
    }
    out[count++] = negative ? -value : value
  }
  return count
}

function specialValue(text: string): number | undefined {
  switch (text.toLowerCase()) {
    case 'inf':
    case '+inf':
    case 'infinity':
    case '+infinity':
      return Number.POSITIVE_INFINITY
    case '-inf':
    case '-infinity':
      return Number.NEGATIVE_INFINITY
    case 'nan':
    case '-nan':
    case 'na':
    case 'null':
      return Number.NaN
    default:
      return undefined
  }
}

/** Reads whitespace-separated doubles into `out` and returns how many were read. */
export function readDoubles(bytes: Uint8Array, start: number, end: number, out: Float64Array): number {
  let count = 0
  let i = start
  let lineText: string | undefined
  while (i < end) {
    let c = bytes[i]
    if (isSeparator(c)) {
      i++
      continue
    }
    const tokenStart = i
    // Fast paths: [sign] digits [. digits] [e [sign] digits], at most 19 significant
    // digits: the first 15 in mantissa (exact), the rest in tail.
    let negative = false
    if (c === MINUS || c === PLUS) {
      negative = c === MINUS
      i++
    }
    let mantissa = 0
    let tail = 0
    let significant = 0
    let exponent = 0
    const digitsStart = i
    while (i < end && bytes[i] === ZERO) i++
    for (; i < end; i++) {
      const d = bytes[i] - ZERO
      if (d < 0 || d > 9) break
      if (significant < 15) mantissa = mantissa * 10 + d
      else tail = tail * 10 + d
      significant++
    }
    let sawDigit = i > digitsStart
    if (i < end && bytes[i] === DOT) {
      i++
      const fractionStart = i
      if (significant === 0) while (i < end && bytes[i] === ZERO) i++
      for (; i < end; i++) {
        const d = bytes[i] - ZERO
        if (d < 0 || d > 9) break
        if (significant < 15) mantissa = mantissa * 10 + d
        else tail = tail * 10 + d
        significant++
      }
      exponent = fractionStart - i
      if (i > fractionStart) sawDigit = true
    }
    let fast = sawDigit && significant <= 19
    if (fast && i < end && (bytes[i] | 0x20) === 101) {
      i++
      let expNegative = false
      if (i < end && (bytes[i] === MINUS || bytes[i] === PLUS)) {
        expNegative = bytes[i] === MINUS
        i++
      }
      let e = 0
      let expDigits = 0
      for (; i < end; i++) {
        c = bytes[i]
        if (c < ZERO || c > NINE) break
        if (e < 100000) e = e * 10 + (c - ZERO)
        expDigits++
      }
      if (expDigits === 0) fast = false
      exponent += expNegative ? -e : e
    }
    if (fast && (i === end || isSeparator(bytes[i]))) {
      const value = mantissa === 0 ? 0 : nearestDouble(mantissa, tail, significant, exponent)
      if (value === value) {
        out[count++] = negative ? -value : value
        continue
      }
    }
    // Slow path: the token through Number(), which rounds correctly. The line is
    // decoded once, at its first slow token (rare now: more than 19 significant digits,
    // extreme exponents, a double-double result too close to a rounding midpoint, or
    // words such as inf and nan).
    slowTokenCount++
    let tokenEnd = i
    while (tokenEnd < end && !isSeparator(bytes[tokenEnd])) tokenEnd++
    let plain = true
    for (let k = tokenStart; k < tokenEnd; k++) {
      const ch = bytes[k]
      // Only digits, '.', 'e', 'E', '+' and '-': Number() would also take hex or binary forms.
      if (
        !((ch >= ZERO && ch <= NINE) || ch === DOT || ch === 101 || ch === 69 || ch === PLUS || ch === MINUS)
      ) {
        plain = false
        break
      }
    }
    let value = Number.NaN
    if (plain) {
      if (lineText === undefined) lineText = byteText(bytes, start, end)
      value = Number(lineText.slice(tokenStart - start, tokenEnd - start))
    }
    if (value !== value) {
      const special = plain ? undefined : specialValue(tokenText(bytes, tokenStart, tokenEnd))
      if (special === undefined) throw new TokenError(tokenText(bytes, tokenStart, tokenEnd))
      value = special
    }
    out[count++] = value
    i = tokenEnd
  }
  return count
}
