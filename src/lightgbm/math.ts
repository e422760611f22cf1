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

/** A C hexadecimal floating literal such as `-0x1.62e42fefa0000p-8`, exactly. */
function hexDouble(text: string): number {
  const match = /^(-?)0x([0-9a-f])\.?([0-9a-f]*)p([-+]?\d+)$/.exec(text)
  if (match === null) throw new Error(`bad hexadecimal double ${text}`)
  const [, sign, lead, fraction, exponent] = match
  const mantissa = Number.parseInt(lead + fraction, 16) // at most 53 bits: exact
  const e = Number(exponent) - 4 * fraction.length
  const value = mantissa * fromWords((e + 1023) << 20, 0) // 2^e, normal for our constants
  return sign === '-' ? -value : value
}

const N = 128
const INV_LN2_N = hexDouble('0x1.71547652b82fep0') * N
const NEG_LN2_HI_N = hexDouble('-0x1.62e42fefa0000p-8')
const NEG_LN2_LO_N = hexDouble('-0x1.cf79abc9e3b3ap-47')
const SHIFT = hexDouble('0x1.8p52')
const C2 = hexDouble('0x1.ffffffffffdbdp-2')
const C3 = hexDouble('0x1.555555555543cp-3')
const C4 = hexDouble('0x1.55555cf172b91p-5')
const C5 = hexDouble('0x1.1111167a4d017p-7')
const P1009 = hexDouble('0x1p1009')
const P_1022 = hexDouble('0x1p-1022')

// __exp_data.tab: 2^(j/N) ~= H[j] * (1 + T[j]); tab[2j] = asuint64(T[j]),
// tab[2j+1] = asuint64(H[j]) - (j << 45).
// biome-ignore format: two words a line, as in e_exp_data.c
const TAB = [
  '0x0', '0x3ff0000000000000',
  '0x3c9b3b4f1a88bf6e', '0x3feff63da9fb3335',
  '0xbc7160139cd8dc5d', '0x3fefec9a3e778061',
  '0xbc905e7a108766d1', '0x3fefe315e86e7f85',
  '0x3c8cd2523567f613', '0x3fefd9b0d3158574',
  '0xbc8bce8023f98efa', '0x3fefd06b29ddf6de',
  '0x3c60f74e61e6c861', '0x3fefc74518759bc8',
  '0x3c90a3e45b33d399', '0x3fefbe3ecac6f383',
  '0x3c979aa65d837b6d', '0x3fefb5586cf9890f',
  '0x3c8eb51a92fdeffc', '0x3fefac922b7247f7',
  '0x3c3ebe3d702f9cd1', '0x3fefa3ec32d3d1a2',
  '0xbc6a033489906e0b', '0x3fef9b66affed31b',
  '0xbc9556522a2fbd0e', '0x3fef9301d0125b51',
  '0xbc5080ef8c4eea55', '0x3fef8abdc06c31cc',
  '0xbc91c923b9d5f416', '0x3fef829aaea92de0',
  '0x3c80d3e3e95c55af', '0x3fef7a98c8a58e51',
  '0xbc801b15eaa59348', '0x3fef72b83c7d517b',
  '0xbc8f1ff055de323d', '0x3fef6af9388c8dea',
  '0x3c8b898c3f1353bf', '0x3fef635beb6fcb75',
  '0xbc96d99c7611eb26', '0x3fef5be084045cd4',
  '0x3c9aecf73e3a2f60', '0x3fef54873168b9aa',
  '0xbc8fe782cb86389d', '0x3fef4d5022fcd91d',
  '0x3c8a6f4144a6c38d', '0x3fef463b88628cd6',
  '0x3c807a05b0e4047d', '0x3fef3f49917ddc96',
  '0x3c968efde3a8a894', '0x3fef387a6e756238',
  '0x3c875e18f274487d', '0x3fef31ce4fb2a63f',
  '0x3c80472b981fe7f2', '0x3fef2b4565e27cdd',
  '0xbc96b87b3f71085e', '0x3fef24dfe1f56381',
  '0x3c82f7e16d09ab31', '0x3fef1e9df51fdee1',
  '0xbc3d219b1a6fbffa', '0x3fef187fd0dad990',
  '0x3c8b3782720c0ab4', '0x3fef1285a6e4030b',
  '0x3c6e149289cecb8f', '0x3fef0cafa93e2f56',
  '0x3c834d754db0abb6', '0x3fef06fe0a31b715',
  '0x3c864201e2ac744c', '0x3fef0170fc4cd831',
  '0x3c8fdd395dd3f84a', '0x3feefc08b26416ff',
  '0xbc86a3803b8e5b04', '0x3feef6c55f929ff1',
  '0xbc924aedcc4b5068', '0x3feef1a7373aa9cb',
  '0xbc9907f81b512d8e', '0x3feeecae6d05d866',
  '0xbc71d1e83e9436d2', '0x3feee7db34e59ff7',
  '0xbc991919b3ce1b15', '0x3feee32dc313a8e5',
  '0x3c859f48a72a4c6d', '0x3feedea64c123422',
  '0xbc9312607a28698a', '0x3feeda4504ac801c',
  '0xbc58a78f4817895b', '0x3feed60a21f72e2a',
  '0xbc7c2c9b67499a1b', '0x3feed1f5d950a897',
  '0x3c4363ed60c2ac11', '0x3feece086061892d',
  '0x3c9666093b0664ef', '0x3feeca41ed1d0057',
  '0x3c6ecce1daa10379', '0x3feec6a2b5c13cd0',
  '0x3c93ff8e3f0f1230', '0x3feec32af0d7d3de',
  '0x3c7690cebb7aafb0', '0x3feebfdad5362a27',
  '0x3c931dbdeb54e077', '0x3feebcb299fddd0d',
  '0xbc8f94340071a38e', '0x3feeb9b2769d2ca7',
  '0xbc87deccdc93a349', '0x3feeb6daa2cf6642',
  '0xbc78dec6bd0f385f', '0x3feeb42b569d4f82',
  '0xbc861246ec7b5cf6', '0x3feeb1a4ca5d920f',
  '0x3c93350518fdd78e', '0x3feeaf4736b527da',
  '0x3c7b98b72f8a9b05', '0x3feead12d497c7fd',
  '0x3c9063e1e21c5409', '0x3feeab07dd485429',
  '0x3c34c7855019c6ea', '0x3feea9268a5946b7',
  '0x3c9432e62b64c035', '0x3feea76f15ad2148',
  '0xbc8ce44a6199769f', '0x3feea5e1b976dc09',
  '0xbc8c33c53bef4da8', '0x3feea47eb03a5585',
  '0xbc845378892be9ae', '0x3feea34634ccc320',
  '0xbc93cedd78565858', '0x3feea23882552225',
  '0x3c5710aa807e1964', '0x3feea155d44ca973',
  '0xbc93b3efbf5e2228', '0x3feea09e667f3bcd',
  '0xbc6a12ad8734b982', '0x3feea012750bdabf',
  '0xbc6367efb86da9ee', '0x3fee9fb23c651a2f',
  '0xbc80dc3d54e08851', '0x3fee9f7df9519484',
  '0xbc781f647e5a3ecf', '0x3fee9f75e8ec5f74',
  '0xbc86ee4ac08b7db0', '0x3fee9f9a48a58174',
  '0xbc8619321e55e68a', '0x3fee9feb564267c9',
  '0x3c909ccb5e09d4d3', '0x3feea0694fde5d3f',
  '0xbc7b32dcb94da51d', '0x3feea11473eb0187',
  '0x3c94ecfd5467c06b', '0x3feea1ed0130c132',
  '0x3c65ebe1abd66c55', '0x3feea2f336cf4e62',
  '0xbc88a1c52fb3cf42', '0x3feea427543e1a12',
  '0xbc9369b6f13b3734', '0x3feea589994cce13',
  '0xbc805e843a19ff1e', '0x3feea71a4623c7ad',
  '0xbc94d450d872576e', '0x3feea8d99b4492ed',
  '0x3c90ad675b0e8a00', '0x3feeaac7d98a6699',
  '0x3c8db72fc1f0eab4', '0x3feeace5422aa0db',
  '0xbc65b6609cc5e7ff', '0x3feeaf3216b5448c',
  '0x3c7bf68359f35f44', '0x3feeb1ae99157736',
  '0xbc93091fa71e3d83', '0x3feeb45b0b91ffc6',
  '0xbc5da9b88b6c1e29', '0x3feeb737b0cdc5e5',
  '0xbc6c23f97c90b959', '0x3feeba44cbc8520f',
  '0xbc92434322f4f9aa', '0x3feebd829fde4e50',
  '0xbc85ca6cd7668e4b', '0x3feec0f170ca07ba',
  '0x3c71affc2b91ce27', '0x3feec49182a3f090',
  '0x3c6dd235e10a73bb', '0x3feec86319e32323',
  '0xbc87c50422622263', '0x3feecc667b5de565',
  '0x3c8b1c86e3e231d5', '0x3feed09bec4a2d33',
  '0xbc91bbd1d3bcbb15', '0x3feed503b23e255d',
  '0x3c90cc319cee31d2', '0x3feed99e1330b358',
  '0x3c8469846e735ab3', '0x3feede6b5579fdbf',
  '0xbc82dfcd978e9db4', '0x3feee36bbfd3f37a',
  '0x3c8c1a7792cb3387', '0x3feee89f995ad3ad',
  '0xbc907b8f4ad1d9fa', '0x3feeee07298db666',
  '0xbc55c3d956dcaeba', '0x3feef3a2b84f15fb',
  '0xbc90a40e3da6f640', '0x3feef9728de5593a',
  '0xbc68d6f438ad9334', '0x3feeff76f2fb5e47',
  '0xbc91eee26b588a35', '0x3fef05b030a1064a',
  '0x3c74ffd70a5fddcd', '0x3fef0c1e904bc1d2',
  '0xbc91bdfbfa9298ac', '0x3fef12c25bd71e09',
  '0x3c736eae30af0cb3', '0x3fef199bdd85529c',
  '0x3c8ee3325c9ffd94', '0x3fef20ab5fffd07a',
  '0x3c84e08fd10959ac', '0x3fef27f12e57d14b',
  '0x3c63cdaf384e1a67', '0x3fef2f6d9406e7b5',
  '0x3c676b2c6c921968', '0x3fef3720dcef9069',
  '0xbc808a1883ccb5d2', '0x3fef3f0b555dc3fa',
  '0xbc8fad5d3ffffa6f', '0x3fef472d4a07897c',
  '0xbc900dae3875a949', '0x3fef4f87080d89f2',
  '0x3c74a385a63d07a7', '0x3fef5818dcfba487',
  '0xbc82919e2040220f', '0x3fef60e316c98398',
  '0x3c8e5a50d5c192ac', '0x3fef69e603db3285',
  '0x3c843a59ac016b4b', '0x3fef7321f301b460',
  '0xbc82d52107b43e1f', '0x3fef7c97337b9b5f',
  '0xbc892ab93b470dc9', '0x3fef864614f5a129',
  '0x3c74b604603a88d3', '0x3fef902ee78b3ff6',
  '0x3c83c5ec519d7271', '0x3fef9a51fbc74c83',
  '0xbc8ff7128fd391f0', '0x3fefa4afa2a490da',
  '0xbc8dae98e223747d', '0x3fefaf482d8e67f1',
  '0x3c8ec3bc41aa2008', '0x3fefba1bee615a27',
  '0x3c842b94c3a9eb32', '0x3fefc52b376bba97',
  '0x3c8a64a931d185ee', '0x3fefd0765b6e4540',
  '0xbc8e37bae43be3ed', '0x3fefdbfdad9cbe14',
  '0x3c77893b4d91cd9d', '0x3fefe7c1819e90d8',
  '0x3c5305c14160cc89', '0x3feff3c22b8f71f1',
]

/** asdouble(tab[2j]): the tail T[j]. */
const TAIL = new Float64Array(N)
/** High and low words of tab[2j+1]. */
const SBITS_HI = new Int32Array(N)
const SBITS_LO = new Uint32Array(N)
for (let j = 0; j < N; j++) {
  const tail = TAB[2 * j].slice(2).padStart(16, '0')
  u32[1] = Number.parseInt(tail.slice(0, 8), 16)
  u32[0] = Number.parseInt(tail.slice(8), 16)
  TAIL[j] = f64[0]
  const sbits = TAB[2 * j + 1].slice(2).padStart(16, '0')
  SBITS_HI[j] = Number.parseInt(sbits.slice(0, 8), 16) | 0
  SBITS_LO[j] = Number.parseInt(sbits.slice(8), 16)
}
/** H[j] = asdouble(tab[2j+1] + (j << 45)), in [1, 2). */
const SCALE_HEAD = new Float64Array(N)
for (let j = 0; j < N; j++) SCALE_HEAD[j] = fromWords(SBITS_HI[j] + (j << 13), SBITS_LO[j])
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

const TINY = hexDouble('0x1p-54')

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

const LN2_HI = hexDouble('0x1.62e42fee00000p-1')
const LN2_LO = hexDouble('0x1.a39ef35793c76p-33')
// 0.66666666666666666 in the source: 0x3fe5555555555555.
const TWO_THIRDS = hexDouble('0x1.5555555555555p-1')
const LP1 = hexDouble('0x1.5555555555593p-1')
const LP2 = hexDouble('0x1.999999997fa04p-2')
const LP3 = hexDouble('0x1.2492494229359p-2')
const LP4 = hexDouble('0x1.c71c51d8e78afp-3')
const LP5 = hexDouble('0x1.7466496cb03dep-3')
const LP6 = hexDouble('0x1.39a09d078c69fp-3')
const LP7 = hexDouble('0x1.2f112df3e5244p-3')

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
