/**
 * Evaluation of frozen representations beyond kNN: a linear probe (multinomial logistic regression on the
 * features, SimCLR §B.6's linear evaluation in miniature), few-shot subsets of the labels (SimCLR Table 7's 1% and
 * 10%), and Wang & Isola's alignment and uniformity (arXiv 2005.10242, §4.1: L_align with α = 2 and L_uniform
 * with t = 2, both on ℓ2-normalised outputs).
 */
import * as tf from '@tensorflow/tfjs';
import { l2Normalize } from './losses';
import { createOptimizer } from './optim';
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
  const W = tf.tidy(() => tf.variable(tf.zeros([d, c]), true, `probe/w${probeCounter}`));
  const b = tf.tidy(() => tf.variable(tf.zeros([c]), true, `probe/b${probeCounter++}`));
  const opt = createOptimizer([W, b], { kind: 'adam', momentum: 0, weightDecay: 0 });
  const l2 = o.l2 ?? 1e-4;
  try {
    for (let i = 0; i < (o.iterations ?? 150); i++) {
      const { grads, value } = tf.variableGrads(
        () => {
          // Mean cross-entropy written out (tf.losses.softmaxCrossEntropy leaks a tensor inside a gradient on the CPU backend).
          const logits = tf.add(tf.matMul(xs, W), b);
          const ce = tf.mean(tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(ys, logits), 1)));
          return tf.add(ce, tf.mul(l2, tf.sum(tf.square(W)))) as tf.Scalar;
        },
        [W, b],
      );
      opt.step(grads, o.lr ?? 0.05);
      tf.dispose([value, ...Object.values(grads)]);
    }
    const acc = async (x: tf.Tensor2D, y: Int32Array) => {
      const pred = tf.tidy(() => tf.argMax(tf.add(tf.matMul(x, W), b), 1));
      const p = await pred.data();
      pred.dispose();
      let hit = 0;
      for (let i = 0; i < y.length; i++) if (p[i] === y[i]) hit++;
      return y.length ? hit / y.length : 0;
    };
    return { accuracy: await acc(xt, testY), trainAccuracy: await acc(xs, trainY) };
  } finally {
    tf.dispose([mean, std, xs, xt, ys, W, b]);
    opt.dispose();
  }
}

let probeCounter = 0;

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
