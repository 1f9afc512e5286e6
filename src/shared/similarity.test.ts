import { describe, expect, it } from 'vitest';
import { meanPositiveWeight, nearestNeighbours, softmaxRows, splitPairs } from './similarity';

/** N = 2: views 0, 1 then their second views 2, 3; 0 ~ 2 and 1 ~ 3. */
const SIM = Float32Array.from([1, 0.1, 0.9, 0.3, 0.1, 1, 0.2, 0.8, 0.9, 0.2, 1, 0.4, 0.3, 0.8, 0.4, 1]);

describe('batch similarity view', () => {
  it('softmax rows sum to 1 over the others and match a hand computation', () => {
    const w = softmaxRows(SIM, 4, 0.5);
    for (let i = 0; i < 4; i++) {
      expect(Number.isNaN(w[i * 4 + i]!)).toBe(true);
      expect([0, 1, 2, 3].filter((j) => j !== i).reduce((a, j) => a + w[i * 4 + j]!, 0)).toBeCloseTo(1, 6);
    }
    const z = Math.exp(0.1 / 0.5) + Math.exp(0.9 / 0.5) + Math.exp(0.3 / 0.5);
    expect(w[2]).toBeCloseTo(Math.exp(0.9 / 0.5) / z, 6);
  });

  it('a low τ puts the weight on the most similar candidate; a high τ spreads it evenly', () => {
    const cold = softmaxRows(SIM, 4, 0.01);
    expect(cold[2]).toBeCloseTo(1, 6);
    const hot = softmaxRows(SIM, 4, 1000);
    for (const j of [1, 2, 3]) expect(hot[j]).toBeCloseTo(1 / 3, 3);
    expect(meanPositiveWeight(cold, 2)).toBeGreaterThan(meanPositiveWeight(hot, 2));
  });

  it('splits positives (i, i ± N) from negatives', () => {
    const { positives, negatives } = splitPairs(SIM, 2);
    expect(positives.map((v) => +v.toFixed(2))).toEqual([0.9, 0.8, 0.9, 0.8]);
    expect(negatives.length).toBe(4 * 3 - 4);
    expect(negatives.map((v) => +v.toFixed(2)).sort()).toEqual([0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.4, 0.4]);
  });
});

describe('nearest-neighbour gallery', () => {
  it('ranks rows by cosine similarity to the query, excluding it', () => {
    const data = Float32Array.from([1, 0, 10, 1, 0, 1, -1, 0, 2, 0.1]);
    const nn = (q: number, k: number) => nearestNeighbours(data, 2, q, k).map((r) => r.index);
    expect(nn(0, 4)).toEqual([4, 1, 2, 3]);
    expect(nearestNeighbours(data, 2, 0, 1)[0]!.similarity).toBeCloseTo(2 / Math.hypot(2, 0.1), 6);
    // Opposite to the others, (−1, 0) is least far from the orthogonal (0, 1).
    expect(nn(3, 1)).toEqual([2]);
  });
});
