import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { augmentBatch, drawTransforms, type AugParams } from './augment';

const DEFAULT: AugParams = { cropScaleMin: 0.5, rotationDeg: 15, contrast: 0.4, blurProb: 0.5, blurSigma: 1, noiseStd: 0.1 };
const NONE: AugParams = { cropScaleMin: 1, aspectMin: 1, aspectMax: 1, rotationDeg: 0, contrast: 0, blurProb: 0, blurSigma: 1, noiseStd: 0 };

function batch(n = 6, h = 12, w = 12): tf.Tensor4D {
  return tf.tidy(() => tf.randomUniform([n, h, w, 1], 0, 1, 'float32', 3) as tf.Tensor4D);
}

describe('augmentBatch', () => {
  it('keeps the shape and the [0, 1] range', () => {
    const x = batch();
    const v = augmentBatch(x, { ...DEFAULT, noiseStd: 0.5, contrast: 0.9 }, 1);
    expect(v.shape).toEqual(x.shape);
    const [lo, hi] = [tf.min(v).dataSync()[0]!, tf.max(v).dataSync()[0]!];
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(1);
  });

  it('is a function of the seed: same seed, same view; other seed, other view', () => {
    const x = batch();
    const a = augmentBatch(x, DEFAULT, 11).dataSync();
    const b = augmentBatch(x, DEFAULT, 11).dataSync();
    const c = augmentBatch(x, DEFAULT, 12).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff += Math.abs(a[i]! - c[i]!);
    expect(diff / a.length).toBeGreaterThan(0.01);
  });

  it('with every augmentation off it is the identity', () => {
    const x = batch();
    const v = augmentBatch(x, NONE, 5);
    expect(tf.max(tf.abs(tf.sub(v, x))).dataSync()[0]).toBeLessThan(1e-6);
  });

  it('a full-size, unrotated crop through the transform leaves the image as it is', () => {
    const x = batch(3, 10, 10);
    const t = tf.tensor2d(drawTransforms(3, 10, 10, { ...NONE, cropScaleMin: 0.999999 }, 1), [3, 8]);
    const v = tf.image.transform(x, t, 'bilinear', 'constant', 0);
    expect(tf.max(tf.abs(tf.sub(v, x))).dataSync()[0]).toBeLessThan(1e-3);
  });

  it('crops zoom in: the crop keeps between cropScaleMin and 1 of the area', () => {
    const p = { ...NONE, cropScaleMin: 0.3, aspectMin: 3 / 4, aspectMax: 4 / 3 };
    const m = drawTransforms(200, 28, 28, p, 9);
    for (let i = 0; i < 200; i++) {
      // No rotation: a0 and b1 are the crop's width and height fractions.
      const area = m[i * 8]! * m[i * 8 + 4]!;
      expect(area).toBeGreaterThanOrEqual(0.3 * 0.999 * Math.min(1, 3 / 4) - 1e-6);
      expect(area).toBeLessThanOrEqual(1 + 1e-6);
    }
  });

  it('a centred bright square stays bright at the centre under rotation alone', () => {
    const img = new Float32Array(21 * 21);
    for (let y = 8; y <= 12; y++) for (let x = 8; x <= 12; x++) img[y * 21 + x] = 1;
    const x = tf.tensor4d(img, [1, 21, 21, 1]);
    const v = augmentBatch(x, { ...NONE, rotationDeg: 45 }, 3).dataSync();
    expect(v[10 * 21 + 10]).toBeCloseTo(1, 3);
    expect(v[0]).toBe(0);
  });

  it('noise of std σ adds that much variance on a mid-grey image', () => {
    const x = tf.fill([4, 16, 16, 1], 0.5) as tf.Tensor4D;
    const v = augmentBatch(x, { ...NONE, noiseStd: 0.1 }, 2);
    const std = Math.sqrt(tf.moments(v).variance.dataSync()[0]!);
    expect(std).toBeGreaterThan(0.09);
    expect(std).toBeLessThan(0.11);
  });

  it('leaves no tensors behind', () => {
    const x = batch();
    const before = tf.memory().numTensors;
    tf.dispose(augmentBatch(x, DEFAULT, 1));
    expect(tf.memory().numTensors).toBe(before);
  });
});
