/**
 * The view-pair inspector's data: a few training images and the two augmented views the model would be asked to
 * treat as the same, made by the training pipeline itself (augParams + augmentBatch) on the current backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../shared/config';
import type { ViewPairs } from '../shared/messages';
import { augmentBatch } from './augment';
import { gatherImages, makeSplit, type Dataset } from './data';
import { mixSeed, mulberry32 } from './rng';
import { augParams } from './trainer';

/** `count` training images picked by `seed`, with their two views, as bytes (N·H·W·C each). */
export async function viewPairs(ds: Dataset, config: TrainConfig, count: number, seed: number): Promise<ViewPairs> {
  if (ds.points) throw new Error(`${ds.name} is 2-D points, not images: its views are not drawn as pictures`);
  const train = makeSplit(ds.n).train;
  const rand = mulberry32(mixSeed(seed, 0x71e3));
  const idx = Int32Array.from({ length: Math.min(count, train.length) }, () => train[Math.floor(rand() * train.length)]!);
  const { x, y } = gatherImages(ds, idx);
  const shape: [number, number, number, number] = [idx.length, ds.h, ds.w, ds.c];
  const [v1, v2] = tf.tidy(() => {
    const t = tf.tensor4d(x, shape);
    if (!config.augment) return [tf.clone(t), tf.clone(t)];
    const p = augParams(config);
    return [augmentBatch(t, p, mixSeed(seed, 1)), augmentBatch(t, p, mixSeed(seed, 2))];
  });
  try {
    const toBytes = (f: ArrayLike<number>) => Uint8Array.from(f, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
    const [a, b] = await Promise.all([v1.data(), v2.data()]);
    return { original: toBytes(x), view1: toBytes(a), view2: toBytes(b), labels: y, count: idx.length, h: ds.h, w: ds.w, c: ds.c };
  } finally {
    tf.dispose([v1, v2]);
  }
}
