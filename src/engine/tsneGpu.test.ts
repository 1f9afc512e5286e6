import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { gaussian, mulberry32 } from './rng';
import { trustworthiness } from './tsne';
import { barnesHutGradient, jointProbabilitiesNN, procrustes, tsneBH } from './tsneBH';
import { TSNE_TF_MAX_N, denseP, exactGradientTf, tsneTf } from './tsneGpu';
// The scikit-learn fixture tsneBH.test.ts checks against (200 points, 10-d, well-separated clusters).
import fixture from './fixtures/tsne_bh.json';

// Runs on tfjs' CPU backend (src/test/setup.ts): the same ops the map worker runs on WebGPU.
const clusters = { data: Float32Array.from(fixture.clusters.data), n: fixture.clusters.n, d: fixture.clusters.d };

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function meanDisplacement(a: Float32Array, b: Float32Array): number {
  const n = a.length / 2;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.hypot(a[2 * i]! - b[2 * i]!, a[2 * i + 1]! - b[2 * i + 1]!);
  return s / n;
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

let converged: Promise<{ layout: Float32Array; kls: [number, number][]; iters: number }> | undefined;
/** One default run (1,000 iterations, PCA init) on the cluster data, shared by the tests that only read it. */
function convergedClusters() {
  converged ??= (async () => {
    const kls: [number, number][] = [];
    let iters = 0;
    const layout = await tsneTf(clusters.data, clusters.n, clusters.d, {
      onProgress: (iter, kl) => {
        iters = iter;
        if (kl !== undefined) kls.push([iter, kl]);
      },
    });
    return { layout, kls, iters };
  })();
  return converged;
}

describe('exactGradientTf', () => {
  const { n, d } = clusters;
  const sparse = jointProbabilitiesNN(clusters.data, n, d, 30);
  const rand = mulberry32(5);
  const Y = Float64Array.from({ length: 2 * n }, () => 5 * gaussian(rand));

  it('equals the Barnes-Hut gradient and KL at θ = 0 (exact for the same sparse P), exaggerated or not', () => {
    const before = tf.memory().numTensors;
    const P = tf.tensor2d(denseP(sparse), [n, n]);
    const Yt = tf.tensor2d(Float32Array.from(Y), [n, 2]);
    for (const alpha of [1, 12]) {
      const want = barnesHutGradient(sparse, Float64Array.from(Float32Array.from(Y)), 0, alpha);
      const got = exactGradientTf(P, Yt, alpha);
      const g = got.grad.dataSync();
      expect(got.grad.shape).toEqual([n, 2]);
      expect(maxAbsDiff(g, want.grad)).toBeLessThan(1e-5 * maxAbs(want.grad));
      expect(Math.abs(got.kl.dataSync()[0]! - want.kl) / want.kl).toBeLessThan(1e-5);
      tf.dispose([got.grad, got.kl]);
    }
    tf.dispose([P, Yt]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('tsneTf', () => {
  it("reaches tsneBH's trustworthiness (k=10) on the cluster data, within 0.01, and a similar KL", async () => {
    const { data, n, d } = clusters;
    const { layout, kls, iters } = await convergedClusters();
    expect(iters).toBe(1000);
    expect(kls.map(([iter]) => iter)).toEqual(Array.from({ length: 20 }, (_, i) => 50 * (i + 1)));
    expect(layout.every(Number.isFinite)).toBe(true);
    const bhKls: number[] = [];
    const bh = tsneBH(data, n, d, { onProgress: (_, kl) => kl !== undefined && bhKls.push(kl) });
    const tGpu = trustworthiness(data, layout, n, d, 2, fixture.trustK);
    const tBh = trustworthiness(data, bh, n, d, 2, fixture.trustK);
    expect(Math.abs(tGpu - tBh)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(tGpu - fixture.clusters.trustworthiness)).toBeLessThanOrEqual(0.01);
    // Final KL(P‖Q): exact gradient against θ = 0.5, both near scikit-learn's.
    const kl = kls[kls.length - 1]![1];
    expect(Math.abs(kl - bhKls[bhKls.length - 1]!) / kl).toBeLessThan(0.05);
    expect(kls[kls.length - 1]![1]).toBeLessThan(kls[5]![1]);
  });

  it('returns a centred layout', async () => {
    const { layout } = await convergedClusters();
    const n = layout.length / 2;
    let mx = 0;
    let my = 0;
    for (let i = 0; i < n; i++) {
      mx += layout[2 * i]!;
      my += layout[2 * i + 1]!;
    }
    expect(Math.abs(mx / n)).toBeLessThan(1e-5 * spread(layout));
    expect(Math.abs(my / n)).toBeLessThan(1e-5 * spread(layout));
  });

  it('warm-started from its own layout of unchanged data, stays nearly in place once aligned by procrustes', async () => {
    const { data, n, d } = clusters;
    const { layout: base } = await convergedClusters();
    const warm = await tsneTf(data, n, d, { init: base, iterations: 100 });
    const raw = meanDisplacement(warm, base);
    const aligned = meanDisplacement(procrustes(base, warm, n), base);
    expect(raw).toBeLessThan(0.05 * spread(base));
    expect(aligned).toBeLessThan(0.025 * spread(base));
    expect(aligned).toBeLessThanOrEqual(raw);
    const t = trustworthiness(data, warm, n, d, 2, fixture.trustK);
    expect(t).toBeGreaterThanOrEqual(trustworthiness(data, base, n, d, 2, fixture.trustK) - 0.005);
  });

  it('gives identical output for the same seed and different output for another', async () => {
    const { data, n, d } = clusters;
    const a = await tsneTf(data, n, d, { seed: 3, iterations: 120, init: 'random' });
    const b = await tsneTf(data, n, d, { seed: 3, iterations: 120, init: 'random' });
    const c = await tsneTf(data, n, d, { seed: 4, iterations: 120, init: 'random' });
    expect(a).toHaveLength(n * 2);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('leaks no tensors, with or without progress reports and across the exaggeration switch', async () => {
    const { data, n, d } = clusters;
    const before = tf.memory().numTensors;
    await tsneTf(data, n, d, { iterations: 60, exaggerationIters: 30 });
    await tsneTf(data, n, d, { iterations: 60, exaggerationIters: 30, onProgress: () => {} });
    await tsneTf(data, 1, d);
    expect(tf.memory().numTensors).toBe(before);
  });

  it(`refuses n > ${TSNE_TF_MAX_N} (the caller falls back to tsneBH) and rejects bad arguments`, async () => {
    await expect(tsneTf(new Float32Array(0), TSNE_TF_MAX_N + 1, 2)).rejects.toThrow(/exceeds 4096/);
    await expect(tsneTf(new Float32Array(4), 2, 2, { init: new Float32Array(3) })).rejects.toThrow(RangeError);
    await expect(tsneTf(new Float32Array(3), 2, 2)).rejects.toThrow(RangeError);
    expect(await tsneTf(new Float32Array(0), 0, 3)).toEqual(new Float32Array(0));
    expect(Array.from(await tsneTf(new Float32Array([1, 2]), 1, 2))).toEqual([0, 0]);
  });
});
