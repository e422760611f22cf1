// Benchmark rows: a seeded standard normal with 2% NaN, the same for every benchmark and
// for the LightGBM side (written as little-endian float64, row-major).

/** mulberry32: a small seeded generator, so every run draws the same rows. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** `numRows * numFeatures` values drawn from N(0, 1) (Box-Muller), each NaN with probability `nanRate`. */
export function normalRows(numRows: number, numFeatures: number, seed = 42, nanRate = 0.02): Float64Array {
  const random = mulberry32(seed)
  const out = new Float64Array(numRows * numFeatures)
  for (let i = 0; i < out.length; i++) {
    if (random() < nanRate) {
      out[i] = Number.NaN
      continue
    }
    const u = 1 - random()
    const v = random()
    out[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }
  return out
}
