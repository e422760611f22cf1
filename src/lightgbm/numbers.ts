// Number lists of a model line, read straight from bytes. Integers are read digit by
// digit; doubles use an exact fast path (Clinger: at most 15 significant digits and a
// power of ten below 1e23, one correctly rounded IEEE operation) and otherwise the
// runtime's own correctly rounding Number() on a slice of the line's text, decoded once
// per line. Tokens are separated by spaces (runs of spaces are allowed, as in
// linear-tree lines).

/** Thrown for a token that is not a number; the parser adds line, tree and key. */
export class TokenError extends Error {
  constructor(readonly token: string) {
    super(`'${token}' is not a number`)
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
    // Fast path: [sign] digits [. digits] [e [sign] digits], at most 15 significant digits.
    let negative = false
    if (c === MINUS || c === PLUS) {
      negative = c === MINUS
      i++
    }
    let mantissa = 0
    let significant = 0
    let exponent = 0
    let sawDigit = false
    for (; i < end; i++) {
      c = bytes[i]
      if (c < ZERO || c > NINE) break
      sawDigit = true
      if (significant > 0 || c !== ZERO) {
        mantissa = mantissa * 10 + (c - ZERO)
        significant++
      }
    }
    if (i < end && bytes[i] === DOT) {
      i++
      for (; i < end; i++) {
        c = bytes[i]
        if (c < ZERO || c > NINE) break
        sawDigit = true
        if (significant > 0 || c !== ZERO) {
          mantissa = mantissa * 10 + (c - ZERO)
          significant++
        }
        exponent--
      }
    }
    let fast = sawDigit && significant <= 15
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
      let value: number
      if (mantissa === 0) value = 0
      else if (exponent === 0) value = mantissa
      else if (exponent > 0 && exponent <= 22) value = mantissa * POW10[exponent]
      else if (exponent < 0 && exponent >= -22) value = mantissa / POW10[-exponent]
      else value = Number.NaN
      if (value === value) {
        out[count++] = negative ? -value : value
        continue
      }
    }
    // Slow path: the token through Number(), which rounds correctly. The line is
    // decoded once, at its first slow token (LightGBM writes most doubles with 17
    // significant digits, so most tokens of a threshold or leaf_value line come here).
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
