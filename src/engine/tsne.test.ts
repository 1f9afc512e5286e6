import { describe, it, expect } from 'vitest';
import { mulberry32 } from './rng';
import { trustworthiness, tsne } from './tsne';
// Regenerate with: /usr/bin/python3 scripts/fixtures/trustworthiness.py (needs numpy + scikit-learn).
import fixture from './fixtures/trustworthiness.json';

const CLUSTERS = 4;
const PER_CLUSTER = 50;
const DIM = 10;

/** 4 well-separated Gaussian clusters × 50 points in 10-D: centre c is 10·e_c, unit-variance noise. */
function clusterData(seed = 7): { data: Float32Array; labels: Int32Array; n: number; d: number } {
  const n = CLUSTERS * PER_CLUSTER;
  const rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const data = new Float32Array(n * DIM);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % CLUSTERS;
    labels[i] = c;
    for (let k = 0; k < DIM; k++) data[i * DIM + k] = (k === c ? 10 : 0) + gauss();
  }
  return { data, labels, n, d: DIM };
}

/** Leave-one-out k-nearest-neighbour accuracy of `labels` on a 2-D layout (majority vote). */
function knnAccuracy(layout: Float32Array, labels: Int32Array, k: number): number {
  const n = labels.length;
  const dist = new Float64Array(n);
  const order = new Int32Array(n);
  let correct = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const dx = layout[2 * i]! - layout[2 * j]!;
      const dy = layout[2 * i + 1]! - layout[2 * j + 1]!;
      dist[j] = j === i ? Infinity : dx * dx + dy * dy;
      order[j] = j;
    }
    order.sort((a, b) => dist[a]! - dist[b]!);
    const votes = new Int32Array(CLUSTERS);
    for (let a = 0; a < k; a++) votes[labels[order[a]!]!]!++;
    let best = 0;
    for (let c = 1; c < CLUSTERS; c++) if (votes[c]! > votes[best]!) best = c;
    if (best === labels[i]) correct++;
  }
  return correct / n;
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

const clusters = clusterData();
let converged: Float32Array | undefined;
/** One full default run on the cluster data, shared by the tests that only read it. */
function convergedLayout(): Float32Array {
  converged ??= tsne(clusters.data, clusters.n, clusters.d, { seed: 1 });
  return converged;
}

describe('mulberry32', () => {
  it('is deterministic per seed and stays in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    let differs = false;
    for (let i = 0; i < 1000; i++) {
      const x = a();
      expect(x).toBe(b());
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      if (x !== c()) differs = true;
    }
    expect(differs).toBe(true);
  });
});

describe('tsne', () => {
  it('gives identical output for the same seed and different output for another seed', () => {
    const { data, n, d } = clusters;
    const a = tsne(data, n, d, { seed: 3, iterations: 300 });
    const b = tsne(data, n, d, { seed: 3, iterations: 300 });
    const c = tsne(data, n, d, { seed: 4, iterations: 300 });
    expect(a).toHaveLength(n * 2);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('keeps well-separated Gaussian clusters apart (5-NN accuracy on the layout ≥ 0.98)', () => {
    const layout = convergedLayout();
    expect(layout.every(Number.isFinite)).toBe(true);
    expect(knnAccuracy(layout, clusters.labels, 5)).toBeGreaterThanOrEqual(0.98);
  });

  it('returns a centred layout', () => {
    const layout = convergedLayout();
    let mx = 0;
    let my = 0;
    for (let i = 0; i < clusters.n; i++) {
      mx += layout[2 * i]!;
      my += layout[2 * i + 1]!;
    }
    const scale = spread(layout);
    expect(Math.abs(mx / clusters.n)).toBeLessThan(1e-5 * scale);
    expect(Math.abs(my / clusters.n)).toBeLessThan(1e-5 * scale);
  });

  it('has trustworthiness ≥ 0.95 on the cluster data', () => {
    const t = trustworthiness(clusters.data, convergedLayout(), clusters.n, clusters.d, 2, 5);
    expect(t).toBeGreaterThanOrEqual(0.95);
  });

  it('warm start from a converged layout stays close to it', () => {
    const { data, n, d, labels } = clusters;
    const base = convergedLayout();
    const warm = tsne(data, n, d, { init: base, iterations: 100 });
    let displacement = 0;
    for (let i = 0; i < n; i++) {
      displacement += Math.hypot(warm[2 * i]! - base[2 * i]!, warm[2 * i + 1]! - base[2 * i + 1]!);
    }
    displacement /= n;
    expect(displacement).toBeLessThan(0.05 * spread(base));
    expect(knnAccuracy(warm, labels, 5)).toBeGreaterThanOrEqual(0.98);
  });

  it('reports progress every iteration and the KL divergence every 50 and on the last', () => {
    const { data, n, d } = clusters;
    const iters: number[] = [];
    const kls: [number, number][] = [];
    tsne(data, n, d, {
      iterations: 420,
      onProgress: (iter, kl) => {
        iters.push(iter);
        if (kl !== undefined) kls.push([iter, kl]);
      },
    });
    expect(iters).toEqual(Array.from({ length: 420 }, (_, i) => i + 1));
    expect(kls.map(([iter]) => iter)).toEqual([50, 100, 150, 200, 250, 300, 350, 400, 420]);
    for (const [, kl] of kls) expect(kl).toBeGreaterThan(0);
    // After exaggeration ends the plain KL keeps falling.
    expect(kls[kls.length - 1]![1]).toBeLessThan(kls[5]![1]);
  });

  it('handles degenerate sizes and rejects bad arguments', () => {
    expect(tsne(new Float32Array(0), 0, 3)).toEqual(new Float32Array(0));
    expect(Array.from(tsne(new Float32Array([1, 2, 3]), 1, 3))).toEqual([0, 0]);
    expect(() => tsne(new Float32Array(5), 2, 3)).toThrow(RangeError);
    expect(() => tsne(new Float32Array(6), 2, 3, { init: new Float32Array(3) })).toThrow(RangeError);
    expect(() => tsne(new Float32Array(6), 2, 3, { perplexity: 0 })).toThrow(RangeError);
  });
});

describe('trustworthiness', () => {
  const high = Float32Array.from(fixture.high);
  const low = Float32Array.from(fixture.low);

  for (const { k, value } of fixture.expected) {
    it(`matches sklearn.manifold.trustworthiness for k=${k}`, () => {
      const t = trustworthiness(high, low, fixture.n, fixture.dHigh, fixture.dLow, k);
      expect(Math.abs(t - value)).toBeLessThanOrEqual(1e-9);
    });
  }

  it('is 1 for a layout that is the data itself and rejects k ≥ n/2', () => {
    expect(trustworthiness(low, low, fixture.n, fixture.dLow, fixture.dLow, 5)).toBe(1);
    expect(() => trustworthiness(high, low, fixture.n, fixture.dHigh, fixture.dLow, fixture.n / 2)).toThrow(RangeError);
  });
});
