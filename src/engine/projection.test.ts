import { describe, expect, it } from 'vitest';
import { pca2, umap2 } from './projection';
import { trustworthiness } from './tsne';
import { gaussian, mulberry32 } from './rng';

function blobs(n: number, d: number, k: number, seed: number): { x: Float32Array; y: Int32Array } {
  const rand = mulberry32(seed);
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, () => 6 * gaussian(rand)));
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % k;
    for (let j = 0; j < d; j++) x[i * d + j] = centres[y[i]!]![j]! + gaussian(rand);
  }
  return { x, y };
}

describe('PCA', () => {
  it('finds the two directions of largest variance of a stretched cloud', () => {
    const rand = mulberry32(3);
    const n = 2000;
    const x = new Float32Array(n * 3);
    // Variances 25, 4, 0.01 along z, x, y.
    for (let i = 0; i < n; i++) x.set([2 * gaussian(rand), 0.1 * gaussian(rand), 5 * gaussian(rand)], i * 3);
    const p = pca2(x, n, 3);
    const varOf = (c: number) => p.filter((_, k) => k % 2 === c).reduce((a, v) => a + v * v, 0) / n;
    const sampleVar = (j: number) => {
      const col = Array.from({ length: n }, (_, i) => x[i * 3 + j]!);
      const m = col.reduce((a, v) => a + v, 0) / n;
      return col.reduce((a, v) => a + (v - m) ** 2, 0) / n;
    };
    // Nearly axis-aligned: the components' variances are the z and x columns' (to the small cross terms).
    expect(varOf(0) / sampleVar(2)).toBeCloseTo(1, 2);
    expect(varOf(1) / sampleVar(0)).toBeCloseTo(1, 2);
    // The first component is the z coordinate (up to its fixed sign).
    for (let i = 0; i < 20; i++) expect(Math.abs(p[2 * i]!)).toBeCloseTo(Math.abs(x[i * 3 + 2]!), 1);
  });
});

describe('UMAP', () => {
  it('keeps separated clusters separated (trustworthiness) and is seeded', () => {
    const { x } = blobs(150, 10, 3, 1);
    const a = umap2(x, 150, 10, 5);
    expect(umap2(x, 150, 10, 5)).toEqual(a);
    expect(trustworthiness(x, a, 150, 10, 2, 10)).toBeGreaterThan(0.9);
  }, 30_000);
});
