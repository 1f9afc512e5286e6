import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { contrastiveAccuracy, ntXent, ntXentLogits } from './losses';
import { gaussian, mulberry32 } from './rng';

function randomMatrix(n: number, d: number, seed: number): number[][] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, () => gaussian(r)));
}

/** NT-Xent written as the paper's Algorithm 1: a loop over anchors and candidates, in float64. */
function naiveNtXent(z1: number[][], z2: number[][], tau: number): number {
  const z = [...z1, ...z2].map((v) => {
    const norm = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
    return v.map((x) => x / norm);
  });
  const n = z1.length;
  const sim = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
  let total = 0;
  for (let i = 0; i < 2 * n; i++) {
    const pos = (i + n) % (2 * n);
    let denom = 0;
    for (let k = 0; k < 2 * n; k++) if (k !== i) denom += Math.exp(sim(z[i]!, z[k]!) / tau);
    total += -Math.log(Math.exp(sim(z[i]!, z[pos]!) / tau) / denom);
  }
  return total / (2 * n);
}

describe('NT-Xent', () => {
  it('matches a naive loop over pairs', () => {
    for (const [n, d, tau] of [
      [4, 8, 0.5],
      [8, 3, 0.1],
      [16, 32, 1.0],
    ] as const) {
      const a = randomMatrix(n, d, n * 7 + d);
      const b = randomMatrix(n, d, n * 11 + d);
      const got = ntXent(tf.tensor2d(a), tf.tensor2d(b), tau).dataSync()[0]!;
      expect(got).toBeCloseTo(naiveNtXent(a, b, tau), 4);
    }
  });

  it('identical orthogonal views give log(1 + (2N−2)·e^(−1/τ))', () => {
    const n = 4;
    const eye = tf.eye(n, 6) as tf.Tensor2D;
    for (const tau of [0.1, 0.5, 2]) {
      const got = ntXent(eye, eye, tau).dataSync()[0]!;
      expect(got).toBeCloseTo(Math.log(1 + (2 * n - 2) * Math.exp(-1 / tau)), 5);
    }
  });

  it('collapsed embeddings give log(2N − 1) at any τ', () => {
    const n = 5;
    const same = tf.ones([n, 3]) as tf.Tensor2D;
    for (const tau of [0.05, 0.5, 1]) {
      expect(ntXent(same, same, tau).dataSync()[0]).toBeCloseTo(Math.log(2 * n - 1), 4);
    }
  });

  it('lower τ sharpens: a good embedding loses less, a random one more', () => {
    const z = randomMatrix(8, 16, 3);
    const zt = tf.tensor2d(z);
    const noisy = tf.add(zt, tf.mul(tf.randomNormal([8, 16], 0, 1, 'float32', 5), 0.1)) as tf.Tensor2D;
    const lossAt = (tau: number) => ntXent(zt, noisy, tau).dataSync()[0]!;
    expect(lossAt(0.1)).toBeLessThan(lossAt(1));
  });

  it('its gradient matches central finite differences', () => {
    const n = 3;
    const d = 4;
    const tau = 0.3;
    const a = randomMatrix(n, d, 42);
    const b = randomMatrix(n, d, 43);
    const g = tf.grad((x: tf.Tensor) => ntXent(x as tf.Tensor2D, tf.tensor2d(b), tau))(tf.tensor2d(a));
    const analytic = g.arraySync() as number[][];
    const eps = 1e-2;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const plus = a.map((r) => r.slice());
        const minus = a.map((r) => r.slice());
        plus[i]![j]! += eps;
        minus[i]![j]! -= eps;
        const fd = (naiveNtXent(plus, b, tau) - naiveNtXent(minus, b, tau)) / (2 * eps);
        expect(analytic[i]![j]!).toBeCloseTo(fd, 3);
      }
    }
  });

  it('contrastive accuracy counts the anchors whose positive ranks first', () => {
    // Anchors 0 and 1 of view 1 match their views; anchor 2's view 2 points elsewhere.
    const z1 = tf.tensor2d([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    const z2 = tf.tensor2d([
      [1, 0.1, 0],
      [0, 1, 0.1],
      [1, 0, 0.2],
    ]);
    const acc = contrastiveAccuracy(ntXentLogits(z1, z2, 0.5)).dataSync()[0]!;
    // Rows: 0 → best is z2[0] ✓ (z2[2] is close but less); 1 ✓; 2 → z2[2] has sim 0.196 vs z2[1] 0.0995 ✓;
    // row 3 (z2[0]) → z1[0] ✓; row 4 ✓; row 5 (z2[2]) → z1[0] (0.98) beats z1[2] (0.196) ✗. So 5/6.
    expect(acc).toBeCloseTo(5 / 6, 6);
  });
});
