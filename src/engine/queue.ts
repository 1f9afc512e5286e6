/**
 * MoCo's dictionary (arXiv 1911.05722, §3.2): a queue of the K most recent keys. Each step enqueues the newest
 * batch of keys and dequeues the oldest. Stored as one [K, d] variable, oldest row first, so its order is
 * visible and testable. It starts as random unit vectors, as the authors' code does.
 */
import * as tf from '@tensorflow/tfjs';
import { gaussian, mulberry32 } from './rng';

export class KeyQueue {
  private readonly keys: tf.Variable<tf.Rank.R2>;
  /** Keys enqueued so far (the queue is full of real keys once this reaches K). */
  private enqueuedCount = 0;

  constructor(
    readonly size: number,
    readonly dim: number,
    seed: number,
  ) {
    const rand = mulberry32(seed);
    const v = new Float32Array(size * dim);
    for (let i = 0; i < v.length; i++) v[i] = gaussian(rand);
    this.keys = tf.tidy(() => {
      const t = tf.tensor2d(v, [size, dim]);
      return tf.variable(tf.div(t, tf.maximum(tf.norm(t, 'euclidean', 1, true), 1e-12)) as tf.Tensor2D, false);
    });
  }

  /** The queue, [K, d], oldest first. Owned by the queue: do not dispose. */
  get value(): tf.Tensor2D {
    return this.keys;
  }

  get enqueued(): number {
    return this.enqueuedCount;
  }

  /** Appends a batch of keys [B, d] at the end and drops the B oldest; with B ≥ K only the newest K remain. */
  enqueue(batch: tf.Tensor2D): void {
    const b = batch.shape[0];
    const k = this.size;
    tf.tidy(() => {
      const next =
        b >= k ? tf.slice(batch, [b - k, 0], [k, -1]) : tf.concat([tf.slice(this.keys, [b, 0], [k - b, -1]), batch], 0);
      this.keys.assign(next as tf.Tensor2D);
    });
    this.enqueuedCount += b;
  }

  /** Puts back a snapshot's keys [K, d] (oldest first) and count, e.g. on a new backend (engine/snapshot.ts). */
  load(keys: Float32Array, enqueued: number): void {
    tf.tidy(() => this.keys.assign(tf.tensor2d(keys, [this.size, this.dim])));
    this.enqueuedCount = enqueued;
  }

  dispose(): void {
    this.keys.dispose();
  }
}
