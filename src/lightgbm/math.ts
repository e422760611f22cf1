// exp and log1p as glibc computes them on x86-64, from IEEE +, -, *, / alone, so every
// JavaScript engine gives the same bits (Math.exp and Math.log1p differ between V8,
// JavaScriptCore and others in the last bit) and LightGBM's transformed outputs are
// reproduced exactly.
//
// glibc picks its implementation at load time (ifunc). On any x86-64 CPU with FMA and
// AVX2 (Intel since 2013, AMD since 2015) it runs __exp_fma and __log1p_fma: the C
// sources sysdeps/ieee754/dbl-64/e_exp.c (from ARM optimized-routines math/exp.c,
// EXP_TABLE_BITS = 7, TOINT_INTRINSICS = 0) and s_log1p.c (fdlibm), compiled with
// -mfma so GCC contracts a * b + c into one fused multiply-add. The contractions below
// follow the machine code of glibc 2.36's libm.so.6 instruction by instruction; `fma`
// is an exact emulation of one fused multiply-add. On CPUs without FMA glibc runs the
// same C unfused and its exp differs in the last bit for about 1 input in 1,500.

const f64 = new Float64Array(1)
const u32 = new Uint32Array(f64.buffer) // little-endian: u32[0] low word, u32[1] high word

/** Veltkamp splitter 2^27 + 1. */
const SPLIT = 134217729

/**
 * Correctly rounded a * b + c for finite operands whose product neither overflows nor
 * underflows: exact product (Dekker), exact sum (Knuth), then the low parts added with
 * rounding to odd and the whole rounded once (Boldo and Melquiond, "Emulation of FMA
 * and correctly rounded sums: proved algorithms using rounding to odd", 2008).
 */
export function fma(a: number, b: number, c: number): number {
  const p = a * b
  let t = SPLIT * a
  const ah = t - (t - a)
  const al = a - ah
  t = SPLIT * b
  const bh = t - (t - b)
  const bl = b - bh
  const pe = ah * bh - p + ah * bl + al * bh + al * bl
  const s = c + p
  let bb = s - c
  const se = c - (s - bb) + (p - bb)
  const v = se + pe
  bb = v - se
  const ve = se - (v - bb) + (pe - bb)
  if (ve === 0) return s + v
  return s + roundToOdd(v, ve)
}

/** v rounded to odd, knowing the exact value was v + e with e != 0 (so v != 0). */
function roundToOdd(v: number, e: number): number {
  f64[0] = v
  const lo = u32[0]
  if ((lo & 1) === 1) return v
  // Even: step one ulp towards the exact value, onto the odd neighbour.
  if (e > 0 === v > 0) u32[0] = lo + 1
  else if (lo !== 0) u32[0] = lo - 1
  else {
    u32[0] = 0xffffffff
    u32[1] = u32[1] - 1
  }
  return f64[0]
}

// ---- exp: sysdeps/ieee754/dbl-64/e_exp.c with e_exp_data.c (__exp_data) ----

/** asdouble of a 64-bit pattern given as high (any int, taken mod 2^32) and low words. */
function fromWords(hi: number, lo: number): number {
  u32[1] = hi
  u32[0] = lo
  return f64[0]
}

// Constants are glibc's hexadecimal literals (in comments) written as decimal literals
// that read back as the same doubles.
const N = 128
const INV_LN2_N = Math.LOG2E /* 0x1.71547652b82fep0 */ * N
const NEG_LN2_HI_N = -0.005415212348111709 /* -0x1.62e42fefa0000p-8 */
const NEG_LN2_LO_N = -1.2864023111638346e-14 /* -0x1.cf79abc9e3b3ap-47 */
const SHIFT = 6755399441055744 /* 0x1.8p52 */
const C2 = 0.49999999999996786 /* 0x1.ffffffffffdbdp-2 */
const C3 = 0.16666666666665886 /* 0x1.555555555543cp-3 */
const C4 = 0.0416666808410674 /* 0x1.55555cf172b91p-5 */
const C5 = 0.008333335853059549 /* 0x1.1111167a4d017p-7 */
const P1009 = 5.486124068793689e303 /* 0x1p1009 */
const P_1022 = 2.2250738585072014e-308 /* 0x1p-1022 */

// __exp_data.tab: 2^(j/N) ~= H[j] * (1 + T[j]), tab[2j] = asuint64(T[j]),
// tab[2j+1] = asuint64(H[j]) - (j << 45). H[j] is the double nearest 2^(j/N) and T[j]
// the double nearest 2^(j/N) / H[j] - 1, so the table is computed here in 300-bit fixed
// point rather than stored (256 words); math.test.ts checks every word against the
// table of e_exp_data.c.

/** Bits after the point of the fixed-point values below. */
const FIXED = 300n

/** floor(sqrt(n)) for a positive bigint, by Newton's method from above. */
function isqrt(n: bigint): bigint {
  let x = 1n << BigInt((n.toString(2).length >> 1) + 1)
  for (;;) {
    const next = (x + n / x) >> 1n
    if (next >= x) return x
    x = next
  }
}

/**
 * The double nearest v * 2^-FIXED (v > 0, result normal). Ties round up: none occurs, as
 * the values rounded are within 2^-290 of irrational numbers.
 */
function nearestDouble(v: bigint): number {
  let shift = BigInt(v.toString(2).length - 53)
  let mantissa = v >> shift
  if (v - (mantissa << shift) >= 1n << (shift - 1n)) mantissa++
  if (mantissa >> 53n) {
    mantissa >>= 1n
    shift++
  }
  const exponent = Number(shift - FIXED) + 52 + 1023
  return fromWords((exponent << 20) | Number((mantissa >> 32n) & 0xfffffn), Number(mantissa & 0xffffffffn))
}

/** asdouble(tab[2j]): the tail T[j]. */
const TAIL = new Float64Array(N)
/** High and low words of tab[2j+1]. */
const SBITS_HI = new Int32Array(N)
const SBITS_LO = new Uint32Array(N)
/** H[j] = asdouble(tab[2j+1] + (j << 45)), in [1, 2). */
const SCALE_HEAD = new Float64Array(N)
{
  let root = 2n << FIXED // 2^(1/N) after seven square roots
  for (let i = 0; i < 7; i++) root = isqrt(root << FIXED)
  let power = 1n << FIXED // 2^(j/N), truncated (error below 2^-290)
  for (let j = 0; j < N; j++) {
    const head = nearestDouble(power)
    SCALE_HEAD[j] = head
    f64[0] = head
    SBITS_HI[j] = u32[1] - (j << 13)
    SBITS_LO[j] = u32[0]
    // T = (2^(j/N) - H) / H; bigint division truncates towards zero.
    const headFixed = ((BigInt((u32[1] & 0xfffff) | 0x100000) << 32n) | BigInt(u32[0])) << (FIXED - 52n)
    const tail = ((power - headFixed) << FIXED) / headFixed
    TAIL[j] = tail === 0n ? 0 : tail > 0n ? nearestDouble(tail) : -nearestDouble(-tail)
    power = (power * root) >> FIXED
  }
}
/** Exported for math.test.ts, which compares them with e_exp_data.c. */
export const EXP_TABLE = { TAIL, SBITS_HI, SBITS_LO }
/** POW2[e + 1023] = 2^e for normal e. */
const POW2 = new Float64Array(2047)
for (let e = -1022; e <= 1023; e++) POW2[e + 1023] = fromWords((e + 1023) << 20, 0)

/** specialcase() of e_exp.c: the result may overflow or underflow (|x| >= 512). */
function expSpecial(tmp: number, hi: number, lo: number, k: number): number {
  if (k >= 0) {
    // k > 0: the exponent of scale might have overflowed by <= 460.
    const scale = fromWords(hi - (1009 << 20), lo)
    return P1009 * fma(scale, tmp, scale)
  }
  const scale = fromWords(hi + (1022 << 20), lo)
  let y = scale + scale * tmp
  if (y < 1.0) {
    // Round y to the right precision before scaling it into the subnormal range.
    let lo2 = scale - y + scale * tmp
    const hi2 = 1.0 + y
    lo2 = 1.0 - hi2 + y + lo2
    y = hi2 + lo2 - 1.0
    if (y === 0) y = 0 // avoid -0
  }
  return P_1022 * y
}

const TINY = 5.551115123125783e-17 /* 0x1p-54 */

/**
 * e^x, bit for bit as glibc's exp on x86-64 with FMA.
 *
 * Fast path: each fused step c + a * b is computed as c + RN(a * b). When the product
 * is at least two binades below the sum (evident for the polynomial steps, checked for
 * the others), the sum's exact error `se` is a multiple of ulp(a * b), so unless the sum
 * is an exact tie (`se` half an ulp, checked) it stays an ulp(a * b) away from the
 * rounding boundary, farther than the product's own error. Ties, failed checks,
 * |x| >= 512 and |x| < 2^-54 take `expExact`: about 3 calls in 1,000 in [-20, 20].
 */
export function exp(x: number): number {
  const ax = Math.abs(x)
  if (!(ax >= TINY && ax < 512)) return expExact(x)
  let p = INV_LN2_N * x
  const s = SHIFT + p
  let se = SHIFT - s + p
  if (se !== 0 && s + 2 * se - s === 2 * se) return expExact(x)
  const kd = s - SHIFT
  const k = kd | 0
  // kd * NEG_LN2_HI_N is exact: a 36-bit constant times |k| < 2^17.
  const r1 = x + kd * NEG_LN2_HI_N
  p = kd * NEG_LN2_LO_N
  const r = r1 + p
  se = r1 - r + p
  // |p| < 2^-29 but r1 may be small too: require p two binades below r.
  if ((se !== 0 && r + 2 * se - r === 2 * se) || !(Math.abs(p) <= Math.abs(r) * 0.25)) return expExact(x)
  const r2 = r * r
  p = r * C3
  const p23 = C2 + p
  se = C2 - p23 + p
  if (se !== 0 && p23 + 2 * se - p23 === 2 * se) return expExact(x)
  p = r * C5
  const p45 = C4 + p
  se = C4 - p45 + p
  if (se !== 0 && p45 + 2 * se - p45 === 2 * se) return expExact(x)
  const a = TAIL[k & (N - 1)] + r
  p = p23 * r2
  const t = a + p
  se = a - t + p
  if ((se !== 0 && t + 2 * se - t === 2 * se) || !(Math.abs(p) <= Math.abs(t) * 0.25)) return expExact(x)
  p = r2 * r2 * p45
  const tmp = t + p
  se = t - tmp + p
  if ((se !== 0 && tmp + 2 * se - tmp === 2 * se) || !(Math.abs(p) <= Math.abs(tmp) * 0.25))
    return expExact(x)
  // scale = asdouble(tab[2j+1] + (k << 45)) = H[j] * 2^(k >> 7), |k >> 7| <= 739.
  const scale = SCALE_HEAD[k & (N - 1)] * POW2[(k >> 7) + 1023]
  p = scale * tmp
  const y = scale + p
  se = scale - y + p
  if (se !== 0 && y + 2 * se - y === 2 * se) return expExact(x)
  return y
}

/** glibc's __exp_fma step by step, every fused multiply-add emulated exactly. */
export function expExact(x: number): number {
  f64[0] = x
  const xhi = u32[1]
  let abstop = (xhi >>> 20) & 0x7ff
  if ((abstop - 0x3c9) >>> 0 >= 0x408 - 0x3c9) {
    // |x| < 2^-54 (abstop - 0x3c9 wraps) or |x| >= 512 or not finite.
    if (abstop < 0x3c9) return 1.0 + x
    if (abstop >= 0x409) {
      if (x === Number.NEGATIVE_INFINITY) return 0.0
      if (abstop >= 0x7ff) return 1.0 + x
      return xhi >>> 31 ? 0 : Number.POSITIVE_INFINITY
    }
    abstop = 0 // 512 <= |x| < 1024: specialcase below
  }
  const shifted = fma(INV_LN2_N, x, SHIFT)
  f64[0] = shifted
  const k = u32[0] | 0 // low word of asuint64(kd): k as int32
  const kd = shifted - SHIFT
  const r = fma(kd, NEG_LN2_LO_N, fma(kd, NEG_LN2_HI_N, x))
  const j = k & (N - 1)
  const hi = (SBITS_HI[j] + (k << 13)) | 0 // top = ki << 45 lands in the high word
  const lo = SBITS_LO[j]
  const r2 = r * r
  const tmp = fma(r2 * r2, fma(r, C5, C4), fma(fma(r, C3, C2), r2, TAIL[j] + r))
  if (abstop === 0) return expSpecial(tmp, hi, lo, k)
  const scale = fromWords(hi, lo)
  return fma(scale, tmp, scale)
}

// ---- log1p: sysdeps/ieee754/dbl-64/s_log1p.c (fdlibm) ----

const LN2_HI = 0.6931471803691238 /* 0x1.62e42fee00000p-1 */
const LN2_LO = 1.9082149292705877e-10 /* 0x1.a39ef35793c76p-33 */
// 0.66666666666666666 in the source: 0x3fe5555555555555.
const TWO_THIRDS = 0.6666666666666666 /* 0x1.5555555555555p-1 */
const LP1 = 0.6666666666666735 /* 0x1.5555555555593p-1 */
const LP2 = 0.3999999999940942 /* 0x1.999999997fa04p-2 */
const LP3 = 0.2857142874366239 /* 0x1.2492494229359p-2 */
const LP4 = 0.22222198432149784 /* 0x1.c71c51d8e78afp-3 */
const LP5 = 0.1818357216161805 /* 0x1.7466496cb03dep-3 */
const LP6 = 0.15313837699209373 /* 0x1.39a09d078c69fp-3 */
const LP7 = 0.14798198605116586 /* 0x1.2f112df3e5244p-3 */

/** log(1 + x), bit for bit as glibc's log1p on x86-64 with FMA. */
export function log1p(x: number): number {
  f64[0] = x
  const hx = u32[1] | 0
  const ax = hx & 0x7fffffff
  let k = 1
  let f = 0
  let c = 0
  let hu = 0
  if (hx < 0x3fda827a) {
    // x < 0.41422
    if (ax >= 0x3ff00000) {
      // x <= -1.0
      if (x === -1.0) return Number.NEGATIVE_INFINITY
      return Number.NaN
    }
    if (ax < 0x3e200000) {
      // |x| < 2^-29
      if (ax < 0x3c900000) return x // |x| < 2^-54
      return fma(-(x * x), 0.5, x)
    }
    if (hx > 0 || hx <= (0xbfd2bec3 | 0)) {
      // -0.2929 < x < 0.41422
      k = 0
      f = x
      hu = 1
    }
  } else if (hx >= 0x7ff00000) return x + x
  if (k !== 0) {
    let u: number
    if (hx < 0x43400000) {
      u = 1.0 + x
      f64[0] = u
      hu = u32[1] | 0
      k = (hu >> 20) - 1023
      c = k > 0 ? 1.0 - (u - x) : x - (u - 1.0) // correction term
      c /= u
    } else {
      u = x
      hu = hx
      k = (hu >> 20) - 1023
      c = 0
    }
    hu &= 0x000fffff
    f64[0] = u
    if (hu < 0x6a09e) {
      u32[1] = hu | 0x3ff00000 // normalize u
    } else {
      k += 1
      u32[1] = hu | 0x3fe00000 // normalize u/2
      hu = (0x00100000 - hu) >> 2
    }
    f = f64[0] - 1.0
  }
  const hfsq = 0.5 * f * f
  if (hu === 0) {
    // |f| < 2^-20
    if (f === 0) {
      if (k === 0) return 0
      return fma(k, LN2_HI, fma(k, LN2_LO, c))
    }
    const R = hfsq * fma(-f, TWO_THIRDS, 1.0)
    if (k === 0) return f - R
    return fma(k, LN2_HI, -(R - fma(k, LN2_LO, c) - f))
  }
  const s = f / (2.0 + f)
  const z = s * s
  const z2 = z * z
  const z4 = z2 * z2
  const z6 = z2 * z4
  const R2 = fma(z, LP3, LP2)
  const R3 = fma(z, LP5, LP4)
  const R4 = fma(z, LP7, LP6)
  const R = fma(z6, R4, fma(z4, R3, fma(z, LP1, z2 * R2)))
  const sR = s * (R + hfsq)
  if (k === 0) return f - (hfsq - sR)
  return fma(k, LN2_HI, -(hfsq - (sR + fma(k, LN2_LO, c)) - f))
}
