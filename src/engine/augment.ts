/**
 * Batched, seeded image augmentations, run as tensor ops on the training backend (no per-image canvas work).
 * The geometric part (random resized crop, SimCLR's main augmentation, plus rotation) is one projective
 * transform per image; then, in SimCLR's order (arXiv 2002.05709, Appendix A): horizontal flip, colour jitter
 * (brightness, contrast, saturation, hue) with probability p, grayscale, Gaussian blur; then Gaussian noise and
 * cutout (DeVries & Taylor, arXiv 1708.04552). Saturation, hue and grayscale act on colour images only.
 */
import * as tf from '@tensorflow/tfjs';
import { fillGaussian, mixSeed, mulberry32 } from './rng';

export interface AugParams {
  /** Smallest fraction of the image area a crop keeps (torchvision RandomResizedCrop's scale[0]). */
  cropScaleMin: number;
  /** Largest fraction (scale[1]); 1 when not given. */
  cropScaleMax?: number;
  /** Aspect-ratio range of the crop; torchvision's default is [3/4, 4/3]. */
  aspectMin?: number;
  aspectMax?: number;
  rotationDeg: number;
  /** Probability that an image is rotated (by an angle from [−rotationDeg, rotationDeg]); 1 when not given. */
  rotationProb?: number;
  contrast: number;
  blurProb: number;
  blurSigma: number;
  noiseStd: number;
  /** Probability that an image gets Gaussian noise; 1 when not given. */
  noiseProb?: number;
  /** Probability of a horizontal flip. */
  flipProb?: number;
  /** Probability that colour jitter (brightness, contrast, saturation, hue) is applied to an image; 1 = always. */
  jitterProb?: number;
  /** Brightness jitter: factor from [1 − s, 1 + s] (torchvision ColorJitter). */
  brightness?: number;
  /** Saturation jitter (colour only): factor from [1 − s, 1 + s]. */
  saturation?: number;
  /** Hue jitter (colour only): rotation by up to ±s of the hue circle (s ≤ 0.5). */
  hue?: number;
  /** Probability of converting to grayscale (colour only). */
  grayscaleProb?: number;
  /** Probability of cutting out a square, and its side as a fraction of the image side. */
  cutoutProb?: number;
  cutoutSize?: number;
}

/** ITU-R 601 luma weights, as torchvision's rgb_to_grayscale. */
const LUMA = [0.299, 0.587, 0.114];

/** Per-image 3×3 hue rotations in YIQ space (rows act on RGB column vectors), [n, 3, 3] row-major. */
export function hueMatrices(angles: Float32Array): Float32Array {
  // RGB → YIQ and back (NTSC); a hue shift is a rotation of the (I, Q) plane.
  const T = [
    [0.299, 0.587, 0.114],
    [0.596, -0.274, -0.322],
    [0.211, -0.523, 0.312],
  ];
  const Ti = [
    [1, 0.956, 0.621],
    [1, -0.272, -0.647],
    [1, -1.106, 1.703],
  ];
  const out = new Float32Array(angles.length * 9);
  angles.forEach((a, n) => {
    const c = Math.cos(a);
    const s = Math.sin(a);
    const R = [
      [1, 0, 0],
      [0, c, -s],
      [0, s, c],
    ];
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let v = 0;
        for (let k = 0; k < 3; k++) for (let l = 0; l < 3; l++) v += Ti[i]![k]! * R[k]![l]! * T[l]![j]!;
        out[n * 9 + i * 3 + j] = v;
      }
  });
  return out;
}

/** Cutout masks: 1 everywhere except, with probability p, one square of side ⌈size·min(h, w)⌉ set to 0. */
export function cutoutMasks(n: number, h: number, w: number, p: number, size: number, rand: () => number): Float32Array {
  const m = new Float32Array(n * h * w).fill(1);
  const side = Math.max(1, Math.ceil(size * Math.min(h, w)));
  for (let i = 0; i < n; i++) {
    if (rand() >= p) continue;
    // Centre anywhere in the image; the square is clipped at the borders (as in the paper).
    const cy = Math.floor(rand() * h);
    const cx = Math.floor(rand() * w);
    const y0 = Math.max(0, cy - Math.floor(side / 2));
    const x0 = Math.max(0, cx - Math.floor(side / 2));
    for (let y = y0; y < Math.min(h, cy - Math.floor(side / 2) + side); y++)
      for (let x = x0; x < Math.min(w, cx - Math.floor(side / 2) + side); x++) m[i * h * w + y * w + x] = 0;
  }
  return m;
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
    const scaleMax = Math.max(p.cropScaleMin, p.cropScaleMax ?? 1);
    const scale = p.cropScaleMin + (scaleMax - p.cropScaleMin) * rand();
    // A scale of 1 means no crop: the whole image, without the aspect-ratio jitter a crop brings.
    const aspect = p.cropScaleMin >= 1 ? (rand(), 1) : Math.exp(logAMin + (logAMax - logAMin) * rand());
    // Crop size as a fraction of the side; capped at the whole image.
    const cw = Math.min(1, Math.sqrt(scale * aspect));
    const ch = Math.min(1, Math.sqrt(scale / aspect));
    // Crop centre, uniform over the positions that keep the crop inside the image.
    const cx = cw / 2 + (1 - cw) * rand();
    const cy = ch / 2 + (1 - ch) * rand();
    let theta = ((2 * rand() - 1) * p.rotationDeg * Math.PI) / 180;
    // The gate is drawn only when it can say no, so configs without it keep their random stream.
    const rotationProb = p.rotationProb ?? 1;
    if (rotationProb < 1 && rand() >= rotationProb) theta = 0;
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
    let v: tf.Tensor = x;
    const identityGeometry = p.cropScaleMin >= 1 && (p.rotationDeg === 0 || p.rotationProb === 0);
    if (!identityGeometry) {
      const t = tf.tensor2d(drawTransforms(n, h, w, p, seed), [n, 8]);
      v = tf.image.transform(v as tf.Tensor4D, t, 'bilinear', 'constant', 0) as tf.Tensor4D;
    }
    const perImage = (draw: () => number) => tf.tensor4d(Float32Array.from({ length: n }, draw), [n, 1, 1, 1]);
    const flipProb = p.flipProb ?? 0;
    if (flipProb > 0) {
      const m = perImage(() => (rand() < flipProb ? 1 : 0));
      v = tf.add(v, tf.mul(m, tf.sub(tf.reverse(v, 2), v)));
    }
    // Colour jitter: each image is jittered with probability jitterProb; a factor of 1 (or angle 0) is no change.
    const jitterProb = p.jitterProb ?? 1;
    // With p = 1 nothing is drawn, so links made before this setting existed give the same views.
    const jittered = Float32Array.from({ length: n }, () => (jitterProb >= 1 || rand() < jitterProb ? 1 : 0));
    const factor = (s: number) => perImage(() => 1 - s + 2 * s * rand());
    const gate = (f: tf.Tensor) => tf.add(1, tf.mul(tf.sub(f, 1), tf.tensor4d(jittered, [n, 1, 1, 1])));
    const brightness = p.brightness ?? 0;
    if (brightness > 0) v = tf.mul(v, gate(factor(brightness)));
    if (p.contrast > 0) {
      const mean = tf.mean(v, [1, 2, 3], true);
      v = tf.add(tf.mul(tf.sub(v, mean), gate(factor(p.contrast))), mean);
    }
    const luma = (t: tf.Tensor) => tf.sum(tf.mul(t, tf.tensor1d(LUMA)), 3, true);
    const saturation = p.saturation ?? 0;
    if (c === 3 && saturation > 0) {
      const gray = luma(v);
      v = tf.add(gray, tf.mul(tf.sub(v, gray), gate(factor(saturation))));
    }
    const hue = p.hue ?? 0;
    if (c === 3 && hue > 0) {
      const angles = Float32Array.from({ length: n }, (_, i) => (jittered[i] ? (2 * rand() - 1) * hue * 2 * Math.PI : 0));
      const mats = tf.tensor3d(hueMatrices(angles), [n, 3, 3]);
      v = tf.reshape(tf.matMul(tf.reshape(v, [n, h * w, 3]), mats, false, true), [n, h, w, 3]);
    }
    const grayscaleProb = p.grayscaleProb ?? 0;
    if (c === 3 && grayscaleProb > 0) {
      const m = perImage(() => (rand() < grayscaleProb ? 1 : 0));
      v = tf.add(v, tf.mul(m, tf.sub(tf.tile(luma(v), [1, 1, 1, 3]), v)));
    }
    if (p.blurProb > 0) {
      const mask = Float32Array.from({ length: n }, () => (rand() < p.blurProb ? 1 : 0));
      if (mask.some((m) => m > 0)) {
        const blurred = tf.depthwiseConv2d(v as tf.Tensor4D, gaussianKernel(p.blurSigma, c), 1, 'same');
        const m = tf.tensor4d(mask, [n, 1, 1, 1]);
        v = tf.add(v, tf.mul(m, tf.sub(blurred, v)));
      }
    }
    const noiseProb = p.noiseProb ?? 1;
    if (p.noiseStd > 0 && noiseProb > 0) {
      let noise: tf.Tensor = tf.tensor(fillGaussian(new Float32Array(v.size), p.noiseStd, mixSeed(seed, 0x6015e)), v.shape);
      if (noiseProb < 1) noise = tf.mul(noise, perImage(() => (rand() < noiseProb ? 1 : 0)));
      v = tf.add(v, noise);
    }
    v = tf.clipByValue(v, 0, 1);
    const cutoutProb = p.cutoutProb ?? 0;
    if (cutoutProb > 0) {
      v = tf.mul(v, tf.tensor4d(cutoutMasks(n, h, w, cutoutProb, p.cutoutSize ?? 0.5, rand), [n, h, w, 1]));
    }
    return v as tf.Tensor4D;
  });
}
