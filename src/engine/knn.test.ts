import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { knnAccuracy, knnPredict } from './knn';
import { mulberry32 } from './rng';

describe('weighted kNN', () => {
  it('classifies a hand-made set by cosine similarity', async () => {
    // Class 0 points along +x, class 1 along +y; lengths differ, which cosine ignores.
    const bank = tf.tensor2d([
      [1, 0.1],
      [5, -0.2],
      [2, 0],
      [0.1, 1],
      [-0.1, 3],
      [0, 0.5],
    ]);
    const labels = Int32Array.from([0, 0, 0, 1, 1, 1]);
    const query = tf.tensor2d([
      [10, 1],
      [0.2, 7],
      [1, 1.1],
    ]);
    const pred = await knnPredict(bank, labels, query, { k: 3, temperature: 0.07, numClasses: 2 });
    expect(Array.from(pred)).toEqual([0, 1, 1]);
    expect(await knnAccuracy(bank, labels, query, Int32Array.from([0, 1, 0]), { k: 3, temperature: 0.07, numClasses: 2 })).toBeCloseTo(2 / 3);
  });

  it('weights votes by similarity: two far neighbours lose to one very close one', async () => {
    const bank = tf.tensor2d([
      [1, 0],
      [0.2, 1],
      [0.2, -1],
    ]);
    const labels = Int32Array.from([1, 0, 0]);
    const pred = await knnPredict(bank, labels, tf.tensor2d([[1, 0.01]]), { k: 3, temperature: 0.07, numClasses: 2 });
    expect(pred[0]).toBe(1);
  });

  it('is near chance on random labels and near 100% on separated clusters', async () => {
    const n = 400;
    const centres = tf.mul(tf.oneHot(tf.tensor1d(Array.from({ length: n }, (_, i) => i % 4), 'int32'), 8), 5);
    const x = tf.add(centres, tf.randomNormal([n, 8], 0, 0.5, 'float32', 1)) as tf.Tensor2D;
    const y = Int32Array.from({ length: n }, (_, i) => i % 4);
    const bank = tf.slice(x, [0, 0], [300, -1]);
    const query = tf.slice(x, [300, 0], [100, -1]);
    const o = { k: 20, temperature: 0.07, numClasses: 4 };
    expect(await knnAccuracy(bank, y.slice(0, 300), query, y.slice(300), o)).toBeGreaterThan(0.97);
    const rand = mulberry32(9);
    const shuffled = Int32Array.from({ length: n }, () => Math.floor(rand() * 4));
    const acc = await knnAccuracy(bank, shuffled.slice(0, 300), query, shuffled.slice(300), o);
    expect(acc).toBeLessThan(0.45);
  });

  it('euclidean kNN ranks by distance (length matters) and votes one each', async () => {
    // By cosine, the query (10, 1) is nearest the +x points; by distance it is nearest the far point (9, 3).
    const bank = tf.tensor2d([
      [1, 0],
      [2, 0],
      [9, 3],
      [0, 1],
    ]);
    const labels = Int32Array.from([0, 0, 1, 1]);
    const q = tf.tensor2d([[10, 1]]);
    expect((await knnPredict(bank, labels, q, { k: 1, temperature: 0.07, numClasses: 2 }))[0]).toBe(0);
    expect((await knnPredict(bank, labels, q, { k: 1, temperature: 0.07, numClasses: 2, metric: 'euclidean' }))[0]).toBe(1);
    // Two votes beat one, whatever the distances.
    const near = tf.tensor2d([[3, 0]]);
    expect((await knnPredict(bank, labels, near, { k: 3, temperature: 0.07, numClasses: 2, metric: 'euclidean' }))[0]).toBe(0);
    tf.dispose([bank, q, near]);
  });
});

