/** Seeded randomness for everything the engine draws in JavaScript, so a seed reproduces a run on any backend. */

/** A small, fast 32-bit PRNG (mulberry32); returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes several integers into one seed (for per-step, per-view streams derived from the run's seed). */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0x5bd1e995) >>> 0;
  }
  return h >>> 0;
}

/** A standard normal draw (Box–Muller) from a uniform source. */
export function gaussian(rand: () => number): number {
  const u = 1 - rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * Φ⁻¹(p), the standard normal quantile, for 0 < p < 1: Acklam's rational approximation (relative error below
 * 1.2·10⁻⁹), central region |p − ½| ≤ 0.47575 and the two tails.
 */
export function normalQuantile(p: number): number {
  if (p < P_LOW) return quantileTail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - P_LOW) return -quantileTail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((A0 * r + A1) * r + A2) * r + A3) * r + A4) * r + A5) * q) / (((((B0 * r + B1) * r + B2) * r + B3) * r + B4) * r + 1);
}

const P_LOW = 0.02425;
const [A0, A1, A2, A3, A4, A5] = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
const [B0, B1, B2, B3, B4] = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const [C0, C1, C2, C3, C4, C5] = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const [D0, D1, D2, D3] = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];

/** Acklam's lower tail in q = √(−2 ln p). */
function quantileTail(q: number): number {
  return (((((C0 * q + C1) * q + C2) * q + C3) * q + C4) * q + C5) / ((((D0 * q + D1) * q + D2) * q + D3) * q + 1);
}

const NORMAL_BITS = 16;
let normalTable: Float32Array | null = null;

/**
 * The 2¹⁶ midpoint quantiles Φ⁻¹((k + ½) / 2¹⁶), from −4.33 to 4.33 (each stands for 1/2¹⁶ of the probability,
 * the outermost for the tail beyond ±4.17), scaled to unit variance (they fall 2·10⁻⁵ short of it); built once.
 */
function normals(): Float32Array {
  if (normalTable) return normalTable;
  const size = 1 << NORMAL_BITS;
  const t = new Float64Array(size);
  let ss = 0;
  for (let k = 0; k < size; k++) {
    t[k] = normalQuantile((k + 0.5) / size);
    ss += t[k]! * t[k]!;
  }
  const scale = 1 / Math.sqrt(ss / size);
  normalTable = new Float32Array(size);
  for (let k = 0; k < size; k++) normalTable[k] = t[k]! * scale;
  return normalTable;
}

/** The k-th output of splitmix32 from a seed (the finaliser of MurmurHash3 on seed + k·φ·2³²). */
function splitmix32(seed: number, k: number): number {
  let z = ((seed >>> 0) + Math.imul(k, 0x9e3779b9)) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return z ^ (z >>> 16);
}

/**
 * Fills `out` with N(0, std²) draws from a seed: each draw picks one of 2¹⁶ equiprobable normal quantiles with the
 * top 16 bits of sfc32 (a 128-bit state, seeded by splitmix32: streams from different seeds do not run into one
 * another, as those of a 32-bit generator such as mulberry32 would after a few hundred 100,000-draw calls). A draw
 * costs about 2 ns (tf.randomNormal's 30, Box–Muller's 25 in V8), which matters for augmentation noise (200,000
 * draws a default step); the distribution differs from N(0, std²) by at most 1/2¹⁶ in CDF, and its extremes are ±4.33.
 */
export function fillGaussian(out: Float32Array, std: number, seed: number): Float32Array {
  const t = normals();
  let a = splitmix32(seed, 1) | 0;
  let b = splitmix32(seed, 2) | 0;
  let c = splitmix32(seed, 3) | 0;
  let d = splitmix32(seed, 4) | 0;
  // sfc32 (Chris Doty-Humphrey's small fast counting generator); its first 12 outputs are dropped. (V8 ran this 5
  // times slower without the `| 0` on the seeds above, or as one loop from i = −12 with `if (i >= 0)` on the store.)
  for (let i = 0; i < 12; i++) {
    const x = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (((c << 21) | (c >>> 11)) + x) | 0;
  }
  for (let i = 0; i < out.length; i++) {
    const x = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (((c << 21) | (c >>> 11)) + x) | 0;
    out[i] = std * t[x >>> (32 - NORMAL_BITS)]!;
  }
  return out;
}

/** Fisher–Yates shuffle in place. */
export function shuffleInPlace(a: Int32Array, rand: () => number): Int32Array {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a;
}
