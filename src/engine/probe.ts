/**
 * Evaluation of frozen representations beyond kNN: a linear probe (multinomial logistic regression on the
 * features, SimCLR §B.6's linear evaluation in miniature), few-shot subsets of the labels (SimCLR Table 7's 1% and
 * 10%), and Wang & Isola's alignment and uniformity (arXiv 2005.10242, §4.1: L_align with α = 2 and L_uniform
 * with t = 2, both on ℓ2-normalised outputs).
 */
import * as tf from '@tensorflow/tfjs';
import { l2Normalize } from './losses';
import { mulberry32, shuffleInPlace } from './rng';

export interface ProbeOptions {
  numClasses: number;
  /** Full-batch Adam iterations (default 150). */
  iterations?: number;
  /** Adam's learning rate (default 0.05). */
  lr?: number;
  /** L2 penalty λ·‖W‖² added to the mean cross-entropy (default 1e-4). */
  l2?: number;
}

/**
 * Trains a logistic-regression layer on standardised training features (mean and std from the training set,
 * applied to both) and returns its accuracy on the test features, and on the training features (a probe that
 * cannot fit its own training set says the features are not linearly separable).
 */
export async function linearProbe(
  trainX: tf.Tensor2D,
  trainY: Int32Array,
  testX: tf.Tensor2D,
  testY: Int32Array,
  o: ProbeOptions,
): Promise<{ accuracy: number; trainAccuracy: number }> {
  const d = trainX.shape[1];
  const c = o.numClasses;
  const [mean, std] = tf.tidy(() => {
    const m = tf.moments(trainX, 0);
    return [m.mean, tf.add(tf.sqrt(m.variance), 1e-6)];
  });
  const standardise = (x: tf.Tensor2D) => tf.tidy(() => tf.div(tf.sub(x, mean), std) as tf.Tensor2D);
  const xs = standardise(trainX);
  const xt = standardise(testX);
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(trainY, 'int32'), c));
  const n = trainX.shape[0];
  const l2 = o.l2 ?? 1e-4;
  const lr = o.lr ?? 0.05;
  // W and b as one [d + 1, c] matrix on features with a column of ones. The gradient of
  // mean CE + λ‖W‖² is written out, Xᵀ(softmax(XW) − Y)/n + 2λW (no penalty on b), and Adam is applied by hand
  // (torch.optim.Adam's rule, as engine/optim.ts): a fifth of the kernel calls of autodiff plus the optimizer
  // (the four probes of an evaluation took seconds), the same arithmetic.
  const xa = tf.tidy(() => tf.concat([xs, tf.ones([n, 1])], 1) as tf.Tensor2D);
  const xaT = tf.tidy(() => tf.transpose(xa) as tf.Tensor2D);
  const penalty = tf.tidy(() => tf.concat([tf.fill([d, c], 2 * l2), tf.zeros([1, c])], 0));
  let wb: tf.Tensor2D = tf.zeros([d + 1, c]);
  let m1: tf.Tensor2D = tf.zeros([d + 1, c]);
  let m2: tf.Tensor2D = tf.zeros([d + 1, c]);
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  try {
    for (let t = 1; t <= (o.iterations ?? 150); t++) {
      const next = tf.tidy(() => {
        const p = tf.softmax(tf.matMul(xa, wb));
        const g = tf.add(tf.div(tf.matMul(xaT, tf.sub(p, ys)), n), tf.mul(penalty, wb));
        const nm1 = tf.add(tf.mul(m1, b1), tf.mul(g, 1 - b1));
        const nm2 = tf.add(tf.mul(m2, b2), tf.mul(tf.square(g), 1 - b2));
        const step = tf.div(tf.div(nm1, 1 - b1 ** t), tf.add(tf.sqrt(tf.div(nm2, 1 - b2 ** t)), eps));
        return [tf.sub(wb, tf.mul(step, lr)), nm1, nm2] as tf.Tensor2D[];
      });
      tf.dispose([wb, m1, m2]);
      [wb, m1, m2] = next as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    }
    const acc = async (x: tf.Tensor2D, y: Int32Array) => {
      const pred = tf.tidy(() => tf.argMax(tf.matMul(tf.concat([x, tf.ones([x.shape[0], 1])], 1), wb), 1));
      const p = await pred.data();
      pred.dispose();
      let hit = 0;
      for (let i = 0; i < y.length; i++) if (p[i] === y[i]) hit++;
      return y.length ? hit / y.length : 0;
    };
    return { accuracy: await acc(xt, testY), trainAccuracy: await acc(xs, trainY) };
  } finally {
    tf.dispose([mean, std, xs, xt, ys, xa, xaT, penalty, wb, m1, m2]);
  }
}

/**
 * Indices of a labelled subset with about `fraction` of the samples, at least one per class present, drawn per
 * class with a seed (the few-shot probes' 1% and 10%).
 */
export function fewShotIndices(labels: Int32Array, fraction: number, numClasses: number, seed: number): Int32Array {
  const rand = mulberry32(seed);
  const out: number[] = [];
  for (let k = 0; k < numClasses; k++) {
    const members = Int32Array.from(labels.reduce<number[]>((a, l, i) => (l === k ? (a.push(i), a) : a), []));
    if (members.length === 0) continue;
    shuffleInPlace(members, rand);
    out.push(...members.subarray(0, Math.max(1, Math.round(fraction * members.length))));
  }
  return Int32Array.from(out.sort((a, b) => a - b));
}

/** L_align = E‖f(x) − f(y)‖₂^α over positive pairs (rows of z1 and z2), on ℓ2-normalised outputs. */
export function alignment(z1: tf.Tensor2D, z2: tf.Tensor2D, alpha = 2): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.pow(tf.norm(tf.sub(l2Normalize(z1), l2Normalize(z2)), 2, 1), alpha)) as tf.Scalar);
}

/** L_uniform = log E_{i<j} exp(−t‖f(xᵢ) − f(xⱼ)‖²), on ℓ2-normalised outputs (−4 is the floor on a wide sphere at t = 2). */
export function uniformity(z: tf.Tensor2D, t = 2): tf.Scalar {
  return tf.tidy(() => {
    const n = z.shape[0];
    const u = l2Normalize(z);
    // ‖a − b‖² = 2 − 2·a·b on the unit sphere.
    const sq = tf.maximum(tf.sub(2, tf.mul(2, tf.matMul(u, u, false, true))), 0);
    const upper = tf.tensor2d(Float32Array.from({ length: n * n }, (_, k) => (Math.floor(k / n) < k % n ? 1 : 0)), [n, n]);
    const mean = tf.div(tf.sum(tf.mul(tf.exp(tf.mul(sq, -t)), upper)), (n * (n - 1)) / 2);
    return tf.log(mean) as tf.Scalar;
  });
}
