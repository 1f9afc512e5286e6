import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { augmentBatch, cutoutMasks, drawTransforms, hueMatrices, type AugParams } from './augment';
import { mulberry32 } from './rng';

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

describe('flip, colour jitter, grayscale and cutout', () => {
  const colour = (n = 4, h = 6, w = 6) => tf.tidy(() => tf.randomUniform([n, h, w, 3], 0, 1, 'float32', 9) as tf.Tensor4D);
  const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;

  it('flip with probability 1 mirrors every image left to right, and 0 leaves them', () => {
    const x = batch(3, 5, 7);
    expect(maxDiff(augmentBatch(x, { ...NONE, flipProb: 1 }, 2), tf.reverse(x, 2))).toBeLessThan(1e-7);
    expect(maxDiff(augmentBatch(x, { ...NONE, flipProb: 0 }, 2), x)).toBeLessThan(1e-7);
  });

  it('flip with probability ½ flips some images and keeps the rest, each exactly', () => {
    const x = batch(40, 4, 5);
    const v = augmentBatch(x, { ...NONE, flipProb: 0.5 }, 3);
    const r = tf.reverse(x, 2);
    let flipped = 0;
    for (let i = 0; i < 40; i++) {
      const vi = tf.slice(v, [i, 0, 0, 0], [1, -1, -1, -1]);
      const isFlip = maxDiff(vi, tf.slice(r, [i, 0, 0, 0], [1, -1, -1, -1])) < 1e-7;
      const isSame = maxDiff(vi, tf.slice(x, [i, 0, 0, 0], [1, -1, -1, -1])) < 1e-7;
      expect(isFlip || isSame).toBe(true);
      if (isFlip) flipped++;
    }
    expect(flipped).toBeGreaterThan(8);
    expect(flipped).toBeLessThan(32);
  });

  it('brightness scales each image by one factor within [1 − s, 1 + s]', () => {
    const x = tf.fill([20, 4, 4, 1], 0.5) as tf.Tensor4D;
    const v = augmentBatch(x, { ...NONE, brightness: 0.4 }, 4).dataSync();
    for (let i = 0; i < 20; i++) {
      const px = v.slice(i * 16, (i + 1) * 16);
      expect(Math.max(...px) - Math.min(...px)).toBeLessThan(1e-6); // one factor per image
      expect(px[0]! / 0.5).toBeGreaterThanOrEqual(0.6 - 1e-6);
      expect(px[0]! / 0.5).toBeLessThanOrEqual(1.4 + 1e-6);
    }
  });

  it('jitter probability 0 switches brightness and contrast off', () => {
    const x = batch();
    expect(maxDiff(augmentBatch(x, { ...NONE, jitterProb: 0, brightness: 0.8, contrast: 0.8 }, 5), x)).toBeLessThan(1e-6);
  });

  it('grayscale with probability 1 gives three equal channels holding the luma', () => {
    const x = colour();
    const v = augmentBatch(x, { ...NONE, grayscaleProb: 1 }, 6);
    const [r, g, b] = tf.split(v, 3, 3);
    expect(maxDiff(r!, g!)).toBeLessThan(1e-6);
    expect(maxDiff(g!, b!)).toBeLessThan(1e-6);
    const [xr, xg, xb] = tf.split(x, 3, 3);
    const luma = tf.addN([tf.mul(xr!, 0.299), tf.mul(xg!, 0.587), tf.mul(xb!, 0.114)]);
    expect(maxDiff(r!, luma)).toBeLessThan(1e-6);
  });

  it('saturation and hue leave gray images gray, and hue keeps the luma of colour images', () => {
    const gray = tf.tile(tf.randomUniform([4, 6, 6, 1], 0.2, 0.8, 'float32', 7), [1, 1, 1, 3]) as tf.Tensor4D;
    expect(maxDiff(augmentBatch(gray, { ...NONE, saturation: 0.8, hue: 0.5 }, 8), gray)).toBeLessThan(1e-3);
    // Mid-range colours so clipping does not bite; a hue rotation in YIQ keeps Y.
    const x = tf.tidy(() => tf.randomUniform([4, 6, 6, 3], 0.4, 0.6, 'float32', 10) as tf.Tensor4D);
    const v = augmentBatch(x, { ...NONE, hue: 0.1 }, 9);
    const y = (t: tf.Tensor) => tf.sum(tf.mul(t, tf.tensor1d([0.299, 0.587, 0.114])), 3);
    expect(maxDiff(y(v), y(x))).toBeLessThan(2e-3);
    expect(maxDiff(v, x)).toBeGreaterThan(1e-3);
  });

  it('hue matrices: angle 0 is the identity, and a full turn comes back', () => {
    const m = hueMatrices(Float32Array.from([0, 2 * Math.PI]));
    const eye = [1, 0, 0, 0, 1, 0, 0, 0, 1];
    // YIQ's published matrices are inverses to about 3 decimals.
    for (let k = 0; k < 2; k++) for (let i = 0; i < 9; i++) expect(m[k * 9 + i]!).toBeCloseTo(eye[i]!, 2);
  });

  it('cutout zeroes one square per chosen image: its area is size² of the image away from the borders', () => {
    const rand = mulberry32(3);
    const m = cutoutMasks(200, 20, 20, 1, 0.3, rand);
    let zeros = 0;
    for (const v of m) if (v === 0) zeros++;
    const mean = zeros / 200 / 400;
    // A 6×6 square is 9% of the image; clipping at the borders makes the mean a little smaller.
    expect(mean).toBeLessThanOrEqual(0.09);
    expect(mean).toBeGreaterThan(0.06);
    expect(Array.from(cutoutMasks(10, 20, 20, 0, 0.3, rand)).every((v) => v === 1)).toBe(true);
  });

  it('every new augmentation keeps the shape, the range, and the same view for the same seed', () => {
    const x = colour();
    const all: AugParams = { ...DEFAULT, flipProb: 0.5, jitterProb: 0.8, brightness: 0.4, saturation: 0.4, hue: 0.1, grayscaleProb: 0.2, cutoutProb: 0.5, cutoutSize: 0.4 };
    const a = augmentBatch(x, all, 21);
    expect(a.shape).toEqual(x.shape);
    expect(tf.min(a).dataSync()[0]).toBeGreaterThanOrEqual(0);
    expect(tf.max(a).dataSync()[0]).toBeLessThanOrEqual(1);
    expect(maxDiff(a, augmentBatch(x, all, 21))).toBe(0);
    const before = tf.memory().numTensors;
    tf.dispose(augmentBatch(x, all, 22));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('crop scale range and probabilities of rotation and noise', () => {
  it('the crop area stays within [cropScaleMin, cropScaleMax]', () => {
    const m = drawTransforms(300, 28, 28, { ...NONE, cropScaleMin: 0.2, cropScaleMax: 0.4 }, 4);
    for (let i = 0; i < 300; i++) {
      const area = m[i * 8]! * m[i * 8 + 4]!;
      expect(area).toBeGreaterThanOrEqual(0.2 - 1e-6);
      expect(area).toBeLessThanOrEqual(0.4 + 1e-6);
    }
  });

  it('rotation applies to about rotationProb of the images, and 1 keeps the old random stream', () => {
    const angle = (m: Float32Array, i: number) => Math.atan2(m[i * 8 + 3]!, m[i * 8]!);
    const some = drawTransforms(1000, 28, 28, { ...NONE, rotationDeg: 30, rotationProb: 0.3 }, 8);
    const rotated = Array.from({ length: 1000 }, (_, i) => angle(some, i)).filter((a) => Math.abs(a) > 1e-9).length;
    expect(rotated / 1000).toBeGreaterThan(0.25);
    expect(rotated / 1000).toBeLessThan(0.35);
    expect(drawTransforms(20, 28, 28, { ...NONE, rotationDeg: 30, rotationProb: 1 }, 8)).toEqual(drawTransforms(20, 28, 28, { ...NONE, rotationDeg: 30 }, 8));
  });

  it('noise reaches about noiseProb of the images; the others are untouched', () => {
    const x = tf.fill([400, 4, 4, 1], 0.5) as tf.Tensor4D;
    const v = augmentBatch(x, { ...NONE, noiseStd: 0.1, noiseProb: 0.25 }, 5);
    const changed = (tf.max(tf.abs(tf.sub(v, x)), [1, 2, 3]).arraySync() as number[]).filter((d) => d > 0).length;
    expect(changed / 400).toBeGreaterThan(0.18);
    expect(changed / 400).toBeLessThan(0.32);
    tf.dispose([x, v]);
  });
});
