import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { alignment, fewShotIndices, linearProbe, uniformity } from './probe';
import { gaussian, mulberry32 } from './rng';
import { Trainer } from './trainer';
import { DEFAULT_CONFIG } from '../shared/config';
import { toyDataset } from '../test/toyDataset';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** n points in d dimensions around `classes` random centres (spread `sep`), unit noise; labels i mod classes. */
function clusters(n: number, d: number, classes: number, sep: number, seed: number) {
  const rand = mulberry32(seed);
  const centres = Array.from({ length: classes }, () => Array.from({ length: d }, () => sep * gaussian(rand)));
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % classes;
    for (let j = 0; j < d; j++) x[i * d + j] = centres[y[i]!]![j]! + gaussian(rand);
  }
  return { x: tf.tensor2d(x, [n, d]), y };
}

describe('linear probe', () => {
  it('separates well-separated clusters almost perfectly', async () => {
    const train = clusters(400, 16, 5, 4, 1);
    const test = clusters(200, 16, 5, 4, 1); // same centres (same seed stream start), new noise below
    const noisy = tf.add(test.x, tf.randomNormal(test.x.shape, 0, 0.3, 'float32', 5)) as tf.Tensor2D;
    const r = await linearProbe(train.x, train.y, noisy, test.y, { numClasses: 5 });
    expect(r.trainAccuracy).toBeGreaterThan(0.98);
    expect(r.accuracy).toBeGreaterThan(0.98);
    tf.dispose([train.x, test.x, noisy]);
  });

  it('is near chance on random labels, and leaks no tensors', async () => {
    const rand = mulberry32(9);
    const x = tf.randomNormal([600, 8], 0, 1, 'float32', 3) as tf.Tensor2D;
    const y = Int32Array.from({ length: 600 }, () => Math.floor(rand() * 4));
    const train = tf.slice(x, [0, 0], [400, 8]) as tf.Tensor2D;
    const test = tf.slice(x, [400, 0], [200, 8]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const r = await linearProbe(train, y.subarray(0, 400), test, y.subarray(400), { numClasses: 4 });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.accuracy).toBeGreaterThan(0.1);
    expect(r.accuracy).toBeLessThan(0.4);
    tf.dispose([x, train, test]);
  });
});

describe('few-shot subsets', () => {
  it('take about the fraction of each class, at least one each, seeded', () => {
    const labels = Int32Array.from({ length: 1000 }, (_, i) => (i < 900 ? i % 9 : 9)); // class 9 has 100
    const idx = fewShotIndices(labels, 0.1, 10, 4);
    const per = new Array(10).fill(0);
    idx.forEach((i) => per[labels[i]!]++);
    expect(per).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 10]);
    expect(fewShotIndices(labels, 0.1, 10, 4)).toEqual(idx);
    expect(fewShotIndices(labels, 0.1, 10, 5)).not.toEqual(idx);
    const one = fewShotIndices(labels, 0.01, 10, 4);
    expect(one.length).toBe(10);
    expect(new Set(Array.from(one, (i) => labels[i])).size).toBe(10);
  });
});

describe('alignment and uniformity (Wang & Isola)', () => {
  const naive = (a: number[][], b: number[][]) => {
    const unit = (v: number[]) => {
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    };
    const ua = a.map(unit);
    const ub = b.map(unit);
    const align = ua.reduce((s, v, i) => s + v.reduce((t, x, j) => t + (x - ub[i]![j]!) ** 2, 0), 0) / ua.length;
    let sum = 0;
    let count = 0;
    for (let i = 0; i < ua.length; i++)
      for (let j = i + 1; j < ua.length; j++) {
        sum += Math.exp(-2 * ua[i]!.reduce((t, x, k) => t + (x - ua[j]![k]!) ** 2, 0));
        count++;
      }
    return { align, uniform: Math.log(sum / count) };
  };

  it('match a naive computation', () => {
    const rand = mulberry32(2);
    const a = Array.from({ length: 30 }, () => Array.from({ length: 5 }, () => gaussian(rand)));
    const b = a.map((v) => v.map((x) => x + 0.3 * gaussian(rand)));
    const ref = naive(a, b);
    const za = tf.tensor2d(a);
    const zb = tf.tensor2d(b);
    expect(alignment(za, zb).arraySync()).toBeCloseTo(ref.align, 5);
    expect(uniformity(za).arraySync()).toBeCloseTo(ref.uniform, 5);
    tf.dispose([za, zb]);
  });

  it('identical views align perfectly; one repeated point is the least uniform (0)', () => {
    const z = tf.randomNormal([20, 4], 0, 1, 'float32', 1) as tf.Tensor2D;
    expect(alignment(z, z).arraySync()).toBeCloseTo(0, 6);
    const same = tf.tile(tf.tensor2d([[1, 2, 3, 4]]), [20, 1]) as tf.Tensor2D;
    expect(uniformity(same).arraySync()).toBeCloseTo(0, 5);
    // n points evenly on a circle: over all ordered pairs, E exp(−2‖a − b‖²) = e⁻⁴·I₀(4) (I₀(4) = 11.3019…); without
    // the n self-pairs (each exp(0) = 1) the mean over i < j is (n·e⁻⁴I₀(4) − 1)/(n − 1).
    const n = 400;
    const circle = tf.tensor2d(Array.from({ length: n }, (_, i) => [Math.cos((2 * Math.PI * i) / n), Math.sin((2 * Math.PI * i) / n)]));
    expect(uniformity(circle).arraySync()).toBeCloseTo(Math.log((n * 11.3019219521 * Math.exp(-4) - 1) / (n - 1)), 4);
    tf.dispose([z, same, circle]);
  });
});

describe('evaluation in the trainer', () => {
  const config = { ...DEFAULT_CONFIG, batchSize: 16, steps: 2, warmupSteps: 0, width: 4 };

  it('reports kNN on h and z, the four probes and alignment/uniformity; probes off gives NaN', async () => {
    const t = new Trainer(config, toyDataset());
    const ev = await t.evaluate();
    for (const v of [ev.knnAcc, ev.knnAccZ, ev.probeH, ev.probeZ, ev.probeH1, ev.probeH10]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    // Two bars are linearly separable from the untrained CNN's features.
    expect(ev.probeH).toBeGreaterThan(0.9);
    expect(ev.align).toBeGreaterThan(0);
    expect(ev.uniform).toBeLessThanOrEqual(0);
    t.dispose();
    const off = new Trainer({ ...config, probes: false, augment: false }, toyDataset());
    const e2 = await off.evaluate();
    expect([e2.probeH, e2.probeZ, e2.probeH1, e2.probeH10].every(Number.isNaN)).toBe(true);
    // Without augmentation both views are the image: perfectly aligned.
    expect(e2.align).toBeCloseTo(0, 6);
    off.dispose();
  });

  it('an unlabelled set has no kNN or probe accuracy', async () => {
    const t = new Trainer(config, { ...toyDataset(), unlabelled: true });
    const ev = await t.evaluate();
    expect([ev.knnAcc, ev.knnAccZ, ev.probeH].every(Number.isNaN)).toBe(true);
    expect(Number.isFinite(ev.uniform)).toBe(true);
    t.dispose();
  });

  it('the batch similarity matrix is 2N × 2N, symmetric, with ones on the diagonal, and leaks nothing', async () => {
    const t = new Trainer(config, toyDataset());
    await t.similarityMatrix(4, 1);
    const before = tf.memory().numTensors;
    const sim = await t.similarityMatrix(6, 2);
    expect(tf.memory().numTensors).toBe(before);
    expect(sim.length).toBe(144);
    for (let i = 0; i < 12; i++) {
      expect(sim[i * 12 + i]).toBeCloseTo(1, 5);
      for (let j = 0; j < 12; j++) expect(sim[i * 12 + j]).toBeCloseTo(sim[j * 12 + i]!, 5);
    }
    expect(await t.similarityMatrix(6, 2)).toEqual(sim);
    t.dispose();
  });
});

