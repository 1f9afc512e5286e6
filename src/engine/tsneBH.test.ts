import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, it, expect } from 'vitest';
import { parseIdx } from './data';
import { gaussian, mulberry32 } from './rng';
import { trustworthiness } from './tsne';
import {
  barnesHutGradient,
  jointProbabilitiesNN,
  nearestNeighbours,
  pcaScores,
  procrustes,
  tsneBH,
  type SparseP,
} from './tsneBH';
// Regenerate with: /usr/bin/python3 scripts/fixtures/tsne_bh.py (needs numpy + scikit-learn; about a minute).
import fixture from './fixtures/tsne_bh.json';

const TRUST_TOLERANCE = 0.005;

/** n points in d dimensions, N(0, 1) per coordinate, from a seed. */
function gaussianData(n: number, d: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: n * d }, () => gaussian(rand));
}

/** The first 1,000 UCI digits as scikit-learn has them (0..16): the repo stores round(v·255/16) as bytes. */
function digits(): Float32Array {
  const path = fileURLToPath(new URL('../../public/data/digits/digits-images-idx3-ubyte.gz', import.meta.url));
  const img = parseIdx(gunzipSync(readFileSync(path)));
  const n = fixture.digits.n;
  const d = fixture.digits.d;
  return Float32Array.from(img.data.subarray(0, n * d), (b) => Math.round((b * 16) / 255));
}

/** Dense n × n copy of a sparse P. */
function dense(P: SparseP): Float64Array {
  const out = new Float64Array(P.n * P.n);
  for (let i = 0; i < P.n; i++) for (let t = P.rowPtr[i]!; t < P.rowPtr[i + 1]!; t++) out[i * P.n + P.cols[t]!] = P.vals[t]!;
  return out;
}

/**
 * Joint P computed directly: full sort of each row's squared distances, bisection on log β to machine precision
 * for the perplexity, dense (P + Pᵀ) / sum. Independent of tsneBH.ts's heap, binary search and CSR code.
 */
function directP(data: Float32Array, n: number, d: number, perplexity: number): Float64Array {
  const k = Math.min(n - 1, Math.floor(3 * perplexity + 1));
  const cond = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const others = Array.from({ length: n }, (_, j) => j).filter((j) => j !== i);
    const dist = others.map((j) => {
      let s = 0;
      for (let t = 0; t < d; t++) s += (data[i * d + t]! - data[j * d + t]!) ** 2;
      return s;
    });
    const order = others.map((_, a) => a).sort((a, b) => dist[a]! - dist[b]! || others[a]! - others[b]!).slice(0, k);
    const ds = order.map((a) => dist[a]!);
    const d0 = Math.min(...ds);
    const entropy = (beta: number) => {
      const w = ds.map((x) => Math.exp(-(x - d0) * beta));
      const z = w.reduce((s, x) => s + x, 0);
      return Math.log(z) + (beta * w.reduce((s, x, a) => s + x * (ds[a]! - d0), 0)) / z;
    };
    let lo = -30;
    let hi = 30;
    for (let step = 0; step < 200; step++) {
      const mid = (lo + hi) / 2;
      if (entropy(Math.exp(mid)) > Math.log(perplexity)) lo = mid;
      else hi = mid;
    }
    const beta = Math.exp((lo + hi) / 2);
    const w = ds.map((x) => Math.exp(-(x - d0) * beta));
    const z = w.reduce((s, x) => s + x, 0);
    order.forEach((a, r) => (cond[i * n + others[a]!] = w[r]! / z));
  }
  const P = new Float64Array(n * n);
  let sum = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sum += (P[i * n + j] = cond[i * n + j]! + cond[j * n + i]!);
  return P.map((p) => p / sum);
}

/** Exact gradient and KL of KL(αP‖Q) by the naive O(N²) double loop over a dense P. */
function naiveGradient(Pd: Float64Array, Y: Float64Array, n: number, alpha: number): { grad: Float64Array; kl: number } {
  let z = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) z += 1 / (1 + (Y[2 * i]! - Y[2 * j]!) ** 2 + (Y[2 * i + 1]! - Y[2 * j + 1]!) ** 2);
  const grad = new Float64Array(2 * n);
  let kl = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const dx = Y[2 * i]! - Y[2 * j]!;
      const dy = Y[2 * i + 1]! - Y[2 * j + 1]!;
      const w = 1 / (1 + dx * dx + dy * dy);
      const p = alpha * Pd[i * n + j]!;
      grad[2 * i] = grad[2 * i]! + 4 * (p - w / z) * w * dx;
      grad[2 * i + 1] = grad[2 * i + 1]! + 4 * (p - w / z) * w * dy;
      if (p > 0) kl += p * Math.log(p / (w / z));
    }
  }
  return { grad, kl };
}

function norm(v: Float64Array): number {
  return Math.sqrt(v.reduce((s, x) => s + x * x, 0));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Root-mean-square distance of the layout's points from its centroid. */
function spread(layout: Float32Array): number {
  const n = layout.length / 2;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += layout[2 * i]!;
    my += layout[2 * i + 1]!;
  }
  mx /= n;
  my /= n;
  let s = 0;
  for (let i = 0; i < n; i++) s += (layout[2 * i]! - mx) ** 2 + (layout[2 * i + 1]! - my) ** 2;
  return Math.sqrt(s / n);
}

function meanDisplacement(a: Float32Array, b: Float32Array): number {
  const n = a.length / 2;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.hypot(a[2 * i]! - b[2 * i]!, a[2 * i + 1]! - b[2 * i + 1]!);
  return s / n;
}

const clusters = { data: Float32Array.from(fixture.clusters.data), n: fixture.clusters.n, d: fixture.clusters.d };
let clusterLayout: Float32Array | undefined;
/** One default run on the cluster data, shared by the tests that only read it. */
function convergedClusters(): Float32Array {
  clusterLayout ??= tsneBH(clusters.data, clusters.n, clusters.d);
  return clusterLayout;
}

describe('nearestNeighbours', () => {
  it('finds the same k nearest neighbours as a full sort, nearest first', () => {
    const n = 150;
    const d = 7;
    const k = 20;
    const data = gaussianData(n, d, 11);
    const { idx, dist } = nearestNeighbours(data, n, d, k);
    for (let i = 0; i < n; i++) {
      const all = Array.from({ length: n }, (_, j) => j)
        .filter((j) => j !== i)
        .map((j) => {
          let s = 0;
          for (let t = 0; t < d; t++) s += (data[i * d + t]! - data[j * d + t]!) ** 2;
          return { j, s };
        })
        .sort((a, b) => a.s - b.s || a.j - b.j)
        .slice(0, k);
      expect(Array.from(idx.subarray(i * k, (i + 1) * k))).toEqual(all.map((e) => e.j));
      expect(maxAbsDiff(dist.subarray(i * k, (i + 1) * k), all.map((e) => e.s))).toBe(0);
    }
  });
});

describe('jointProbabilitiesNN', () => {
  it('matches a direct dense computation (full sort, bisection to machine precision)', () => {
    for (const [n, d, perplexity] of [
      [60, 5, 5],
      [90, 3, 30],
    ] as const) {
      const data = gaussianData(n, d, n);
      const P = jointProbabilitiesNN(data, n, d, perplexity);
      const want = directP(data, n, d, perplexity);
      const got = dense(P);
      // Same support, symmetric, sums to 1; values differ only by the binary search's entropy tolerance (1e-5 nats).
      for (let t = 0; t < n * n; t++) expect(got[t]! > 0).toBe(want[t]! > 0);
      expect(maxAbsDiff(got, want)).toBeLessThan(1e-4 * Math.max(...want));
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(got[i * n + j]).toBe(got[j * n + i]);
      expect(got.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 12);
    }
  });

  for (const ref of fixture.probabilities) {
    it(`matches scikit-learn's _joint_probabilities_nn (n=${ref.n}, perplexity ${ref.perplexity}, k=${ref.k})`, () => {
      const P = jointProbabilitiesNN(Float32Array.from(ref.data), ref.n, ref.d, ref.perplexity);
      expect(Array.from(P.rowPtr)).toEqual(ref.indptr);
      expect(Array.from(P.cols)).toEqual(ref.indices);
      // scikit-learn rounds distances and P to float32: agree to a few float32 ulps.
      let worst = 0;
      ref.values.forEach((v, t) => (worst = Math.max(worst, Math.abs(P.vals[t]! - v) / v)));
      expect(worst).toBeLessThan(5e-6);
    });
  }
});

describe('barnesHutGradient', () => {
  const n = 200;
  const P = jointProbabilitiesNN(clusters.data, n, clusters.d, 30);
  const Pd = dense(P);
  const rand = mulberry32(5);
  const Y = Float64Array.from({ length: 2 * n }, () => 5 * gaussian(rand));

  it('with angle 0 equals the exact gradient and KL (naive O(N²) loop), exaggerated or not', () => {
    for (const alpha of [1, 12]) {
      const want = naiveGradient(Pd, Y, n, alpha);
      const got = barnesHutGradient(P, Y, 0, alpha);
      expect(maxAbsDiff(got.grad, want.grad)).toBeLessThan(1e-12 * Math.max(...want.grad.map(Math.abs)));
      expect(got.kl).toBeCloseTo(want.kl, 10);
    }
  });

  it('with angle 0 stays exact when points coincide', () => {
    // 20 points on top of point 0 (more than a leaf holds), one more 1e-8 away.
    const Yd = Y.slice();
    for (let i = 1; i <= 20; i++) {
      Yd[2 * i] = Yd[0]!;
      Yd[2 * i + 1] = Yd[1]!;
    }
    Yd[42] = Yd[0]! + 1e-8;
    Yd[43] = Yd[1]!;
    const want = naiveGradient(Pd, Yd, n, 1);
    const got = barnesHutGradient(P, Yd, 0, 1);
    // Coincident points end in one leaf, whose points are taken one by one.
    expect(maxAbsDiff(got.grad, want.grad)).toBeLessThan(1e-12 * Math.max(...want.grad.map(Math.abs)));
  });

  it('returns (NaN, not a hang) for a diverged layout with infinite coordinates', () => {
    const Yd = Y.slice();
    Yd[4] = Infinity;
    Yd[7] = Number.NaN;
    expect(barnesHutGradient(P, Yd, 0.5, 1).grad).toHaveLength(2 * n);
  });

  it('with angle 0.5 is within 5% of the exact gradient', () => {
    const want = naiveGradient(Pd, Y, n, 1);
    const got = barnesHutGradient(P, Y, 0.5, 1);
    const err = norm(got.grad.map((g, k) => g - want.grad[k]!));
    expect(err / norm(want.grad)).toBeLessThan(0.05);
    expect(Math.abs(got.kl - want.kl) / want.kl).toBeLessThan(0.01);
  });
});

describe('tsneBH', () => {
  it("starts from scikit-learn's init='pca' layout", () => {
    const x = digits();
    const { n, d } = fixture.digits;
    const scores = pcaScores(x, n, d);
    let s = 0;
    for (let i = 0; i < n; i++) s += scores[2 * i]! ** 2;
    const scale = 1e-4 / Math.sqrt(s / n);
    const rows = fixture.digits.initRows.length / 2;
    const ours = Array.from(scores.subarray(0, 2 * rows), (v) => v * scale);
    expect(maxAbsDiff(ours, fixture.digits.initRows)).toBeLessThan(1e-9);
  });

  it('gives identical output for the same seed and different output for another', () => {
    const { data, n, d } = clusters;
    const a = tsneBH(data, n, d, { seed: 3, iterations: 200, init: 'random' });
    const b = tsneBH(data, n, d, { seed: 3, iterations: 200, init: 'random' });
    const c = tsneBH(data, n, d, { seed: 4, iterations: 200, init: 'random' });
    expect(a).toHaveLength(n * 2);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    expect(Array.from(tsneBH(data, n, d, { iterations: 200 }))).toEqual(Array.from(tsneBH(data, n, d, { iterations: 200 })));
  });

  it(`keeps the cluster data's trustworthiness (k=10) within ${TRUST_TOLERANCE} of scikit-learn's`, () => {
    const { data, n, d } = clusters;
    const t = trustworthiness(data, convergedClusters(), n, d, 2, fixture.trustK);
    expect(Math.abs(t - fixture.clusters.trustworthiness)).toBeLessThanOrEqual(TRUST_TOLERANCE);
  });

  it(`keeps the 1,000 digits' trustworthiness (k=10) within ${TRUST_TOLERANCE} of scikit-learn's`, () => {
    const x = digits();
    const { n, d } = fixture.digits;
    expect(x.reduce((s, v) => s + v, 0)).toBe(fixture.digits.sum);
    expect(x.reduce((s, v) => s + v * v, 0)).toBe(fixture.digits.sumSquares);
    const kls: number[] = [];
    const layout = tsneBH(x, n, d, { onProgress: (_, kl) => kl !== undefined && kls.push(kl) });
    expect(layout.every(Number.isFinite)).toBe(true);
    const t = trustworthiness(x, layout, n, d, 2, fixture.trustK);
    expect(Math.abs(t - fixture.digits.trustworthiness)).toBeLessThanOrEqual(TRUST_TOLERANCE);
    // The final KL is scikit-learn's to within a few percent.
    expect(Math.abs(kls[kls.length - 1]! - fixture.digits.kl) / fixture.digits.kl).toBeLessThan(0.05);
  });

  it('returns a centred layout and reports KL every 50 iterations and on the last', () => {
    const { data, n, d } = clusters;
    const iters: number[] = [];
    const kls: [number, number][] = [];
    const layout = tsneBH(data, n, d, {
      iterations: 420,
      onProgress: (iter, kl) => {
        iters.push(iter);
        if (kl !== undefined) kls.push([iter, kl]);
      },
    });
    expect(iters).toEqual(Array.from({ length: 420 }, (_, i) => i + 1));
    expect(kls.map(([iter]) => iter)).toEqual([50, 100, 150, 200, 250, 300, 350, 400, 420]);
    expect(kls[kls.length - 1]![1]).toBeLessThan(kls[5]![1]);
    let mx = 0;
    let my = 0;
    for (let i = 0; i < n; i++) {
      mx += layout[2 * i]!;
      my += layout[2 * i + 1]!;
    }
    expect(Math.abs(mx / n)).toBeLessThan(1e-5 * spread(layout));
    expect(Math.abs(my / n)).toBeLessThan(1e-5 * spread(layout));
  });

  it('warm start from a converged layout stays close to it, closer still once aligned by procrustes', () => {
    const { data, n, d } = clusters;
    const base = convergedClusters();
    // The layout keeps expanding slowly (and turning a little): alignment takes that out.
    const warm = tsneBH(data, n, d, { init: base, iterations: 100 });
    const raw = meanDisplacement(warm, base);
    const aligned = meanDisplacement(procrustes(base, warm, n), base);
    expect(raw).toBeLessThan(0.05 * spread(base));
    expect(aligned).toBeLessThan(0.025 * spread(base));
    expect(aligned).toBeLessThan(raw);
    const t = trustworthiness(data, warm, n, d, 2, fixture.trustK);
    expect(t).toBeGreaterThanOrEqual(trustworthiness(data, base, n, d, 2, fixture.trustK) - 0.005);
  });

  it('handles degenerate sizes and rejects bad arguments', () => {
    expect(tsneBH(new Float32Array(0), 0, 3)).toEqual(new Float32Array(0));
    expect(Array.from(tsneBH(new Float32Array([1, 2, 3]), 1, 3))).toEqual([0, 0]);
    const two = tsneBH(new Float32Array([0, 0, 1, 1]), 2, 2, { iterations: 50 });
    expect(two.every(Number.isFinite)).toBe(true);
    const same = tsneBH(new Float32Array(20).fill(1), 10, 2, { iterations: 50 });
    expect(same.every(Number.isFinite)).toBe(true);
    expect(() => tsneBH(new Float32Array(5), 2, 3)).toThrow(RangeError);
    expect(() => tsneBH(new Float32Array(6), 2, 3, { init: new Float32Array(3) })).toThrow(RangeError);
    expect(() => tsneBH(new Float32Array(6), 2, 3, { perplexity: 0 })).toThrow(RangeError);
    expect(() => tsneBH(new Float32Array(6), 2, 3, { angle: -1 })).toThrow(RangeError);
  });
});

describe('procrustes', () => {
  const n = 100;
  const rand = mulberry32(9);
  const moving = Float32Array.from({ length: 2 * n }, () => 3 * gaussian(rand));
  /** s·R(θ)·(mirror ? (x, −y) : (x, y)) + t for every point. */
  const transform = (y: Float32Array, theta: number, s: number, tx: number, ty: number, mirror = false) =>
    Float32Array.from({ length: 2 * n }, (_, k) => {
      const i = k >> 1;
      const x = y[2 * i]!;
      const v = mirror ? -y[2 * i + 1]! : y[2 * i + 1]!;
      return k & 1 ? s * (Math.sin(theta) * x + Math.cos(theta) * v) + ty : s * (Math.cos(theta) * x - Math.sin(theta) * v) + tx;
    });

  it('recovers a known rotation, scale and translation', () => {
    for (const theta of [0.3, 2.5, -1.9, Math.PI]) {
      const reference = transform(moving, theta, 1.7, 4, -2);
      const aligned = procrustes(reference, moving, n);
      expect(maxAbsDiff(aligned, reference)).toBeLessThan(1e-4);
      // Without reflections the answer is the same for a proper rotation.
      expect(maxAbsDiff(procrustes(reference, moving, n, false), reference)).toBeLessThan(1e-4);
    }
  });

  it('undoes a mirror image only when reflections are allowed', () => {
    const reference = transform(moving, 0.8, 0.5, -1, 3, true);
    expect(maxAbsDiff(procrustes(reference, moving, n), reference)).toBeLessThan(1e-4);
    const rotationOnly = procrustes(reference, moving, n, false);
    expect(meanDisplacement(rotationOnly, reference)).toBeGreaterThan(0.3 * spread(reference));
  });

  it('reduces the jump between two noisy copies of a layout, and handles degenerate input', () => {
    const noisy = Float32Array.from(transform(moving, 1.2, 2, 5, 5), (v) => v + 0.1 * gaussian(rand));
    const aligned = procrustes(moving, noisy, n);
    expect(meanDisplacement(aligned, moving)).toBeLessThan(0.1);
    expect(procrustes(moving, noisy, 0)).toEqual(new Float32Array(0));
    const point = procrustes(moving, new Float32Array(2 * n).fill(1), n);
    expect(point.every(Number.isFinite)).toBe(true);
  });
});
