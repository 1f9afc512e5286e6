/**
 * Weighted k-nearest-neighbour accuracy on frozen features, the standard label-free training monitor for
 * self-supervised models (Wu et al. 2018, arXiv 1805.01978; as used by DINO and solo-learn): cosine
 * similarity to a labelled memory bank, votes weighted by exp(s / T).
 */
import * as tf from '@tensorflow/tfjs';
import { l2Normalize } from './losses';

export interface KnnOptions {
  k: number;
  /** Vote temperature; 0.07 as in Wu et al. and DINO. */
  temperature: number;
  numClasses: number;
  /** 'cosine' (default): votes weighted by exp(s / T); 'euclidean': the k nearest by distance, one vote each. */
  metric?: 'cosine' | 'euclidean';
}

/** Predicted class per query; returns a plain array. */
export async function knnPredict(
  bank: tf.Tensor2D,
  bankLabels: Int32Array,
  query: tf.Tensor2D,
  o: KnnOptions,
): Promise<Int32Array> {
  const k = Math.min(o.k, bank.shape[0]);
  const scores = tf.tidy(() => {
    const euclidean = o.metric === 'euclidean';
    // Euclidean: −‖q − b‖² = 2q·b − ‖b‖² − ‖q‖², and ‖q‖² does not change the ranking of a query's row.
    const sim = euclidean
      ? tf.sub(tf.mul(2, tf.matMul(query, bank, false, true)), tf.sum(tf.square(bank), 1))
      : tf.matMul(l2Normalize(query), l2Normalize(bank), false, true);
    const { values, indices } = tf.topk(sim, k);
    const labels = tf.gather(tf.tensor1d(bankLabels, 'int32'), indices);
    const weights = euclidean ? tf.onesLike(values) : tf.exp(tf.div(values, o.temperature));
    const votes = tf.mul(tf.oneHot(labels, o.numClasses), tf.expandDims(weights, 2));
    return tf.argMax(tf.sum(votes, 1), 1);
  });
  const pred = (await scores.data()) as Int32Array;
  scores.dispose();
  return Int32Array.from(pred);
}

/** Fraction of queries whose kNN prediction equals their label. */
export async function knnAccuracy(
  bank: tf.Tensor2D,
  bankLabels: Int32Array,
  query: tf.Tensor2D,
  queryLabels: Int32Array,
  o: KnnOptions,
): Promise<number> {
  const pred = await knnPredict(bank, bankLabels, query, o);
  let hit = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === queryLabels[i]) hit++;
  return pred.length ? hit / pred.length : 0;
}
