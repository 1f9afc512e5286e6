/**
 * Batched, seeded image augmentations, run as tensor ops on the training backend (no per-image canvas work).
 * The geometric part (random resized crop, SimCLR's main augmentation, plus rotation) is one projective
 * transform per image; photometric parts follow: contrast jitter, Gaussian blur, Gaussian noise.
 */
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from './rng';

export interface AugParams {
  /** Smallest fraction of the image area a crop keeps (torchvision RandomResizedCrop's scale[0]). */
  cropScaleMin: number;
  /** Aspect-ratio range of the crop; torchvision's default is [3/4, 4/3]. */
  aspectMin?: number;
  aspectMax?: number;
  rotationDeg: number;
  contrast: number;
  blurProb: number;
  blurSigma: number;
  noiseStd: number;
}

/** The per-image parameters of the geometric transform, drawn in JS from the seed. */
export function drawTransforms(n: number, h: number, w: number, p: AugParams, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(n * 8);
  const logAMin = Math.log(p.aspectMin ?? 3 / 4);
  const logAMax = Math.log(p.aspectMax ?? 4 / 3);
  const ocx = (w - 1) / 2;
  const ocy = (h - 1) / 2;
  for (let i = 0; i < n; i++) {
    const scale = p.cropScaleMin + (1 - p.cropScaleMin) * rand();
    const aspect = Math.exp(logAMin + (logAMax - logAMin) * rand());
    // Crop size as a fraction of the side; capped at the whole image.
    const cw = Math.min(1, Math.sqrt(scale * aspect));
    const ch = Math.min(1, Math.sqrt(scale / aspect));
    // Crop centre, uniform over the positions that keep the crop inside the image.
    const cx = cw / 2 + (1 - cw) * rand();
    const cy = ch / 2 + (1 - ch) * rand();
    const theta = ((2 * rand() - 1) * p.rotationDeg * Math.PI) / 180;
    const cos = Math.cos(theta);
    const sin = Math.sin(theta);
    // Output pixel (x, y) ↦ input (x', y') = C + R(θ)·diag(cw, ch)·((x, y) − o): tf.image.transform's
    // matrix maps output coordinates to input coordinates.
    const a0 = cos * cw;
    const a1 = -sin * ch;
    const b0 = sin * cw;
    const b1 = cos * ch;
    const Cx = cx * w - 0.5;
    const Cy = cy * h - 0.5;
    out.set([a0, a1, Cx - a0 * ocx - a1 * ocy, b0, b1, Cy - b0 * ocx - b1 * ocy, 0, 0], i * 8);
  }
  return out;
}

/** A normalised 2-D Gaussian kernel for a depthwise conv, [k, k, c, 1]. */
function gaussianKernel(sigma: number, channels: number): tf.Tensor4D {
  const r = Math.max(1, Math.ceil(2 * sigma));
  const k = 2 * r + 1;
  const g = new Float32Array(k);
  let sum = 0;
  for (let i = 0; i < k; i++) sum += g[i] = Math.exp(-((i - r) ** 2) / (2 * sigma * sigma));
  const w = new Float32Array(k * k * channels);
  for (let y = 0; y < k; y++)
    for (let x = 0; x < k; x++)
      for (let c = 0; c < channels; c++) w[(y * k + x) * channels + c] = (g[y]! * g[x]!) / (sum * sum);
  return tf.tensor4d(w, [k, k, channels, 1]);
}

/**
 * One augmented view of a batch x ∈ [0, 1]^{N×H×W×C}; the same seed gives the same view. Returns a new
 * tensor in [0, 1] of the same shape.
 */
export function augmentBatch(x: tf.Tensor4D, p: AugParams, seed: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const rand = mulberry32(seed ^ 0x9e3779b9);
    let v: tf.Tensor4D = x;
    const identityGeometry = p.cropScaleMin >= 1 && p.rotationDeg === 0 && (p.aspectMin ?? 3 / 4) === (p.aspectMax ?? 4 / 3);
    if (!identityGeometry) {
      const t = tf.tensor2d(drawTransforms(n, h, w, p, seed), [n, 8]);
      v = tf.image.transform(v, t, 'bilinear', 'constant', 0) as tf.Tensor4D;
    }
    if (p.contrast > 0) {
      const f = Float32Array.from({ length: n }, () => 1 - p.contrast + 2 * p.contrast * rand());
      const factor = tf.tensor4d(f, [n, 1, 1, 1]);
      const mean = tf.mean(v, [1, 2, 3], true);
      v = tf.add(tf.mul(tf.sub(v, mean), factor), mean);
    }
    if (p.blurProb > 0) {
      const mask = Float32Array.from({ length: n }, () => (rand() < p.blurProb ? 1 : 0));
      if (mask.some((m) => m > 0)) {
        const blurred = tf.depthwiseConv2d(v, gaussianKernel(p.blurSigma, c), 1, 'same');
        const m = tf.tensor4d(mask, [n, 1, 1, 1]);
        v = tf.add(v, tf.mul(m, tf.sub(blurred, v)));
      }
    }
    if (p.noiseStd > 0) {
      v = tf.add(v, tf.randomNormal(v.shape, 0, p.noiseStd, 'float32', seed % 2147483647));
    }
    return tf.clipByValue(v, 0, 1) as tf.Tensor4D;
  });
}
