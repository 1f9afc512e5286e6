/**
 * Two-dimensional toy sets (moons, circles, blobs, spirals) for MLP encoders, and their augmentations
 * (rotation, scaling, jitter). With a 2-D or 3-D projection the learned representation z/‖z‖ lies on a circle or
 * a sphere and can be drawn as it is (Wang & Isola, arXiv 2005.10242, Fig. 1).
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from './data';
import { gaussian, mulberry32 } from './rng';
import { TOY_SETS, type ToySet } from '../shared/datasets';

/** Points per toy set; the held-out split takes the last fifth (400). */
export const TOY_SIZE = 2000;

/** A fixed seed per set, so every user and every run sees the same points. */
const TOY_SEED = 20260;

interface RawToy {
  xy: Float64Array;
  labels: Uint8Array;
  classNames: string[];
}

/**
 * scikit-learn's make_moons without shuffling: the outer moon (cos t, sin t) and the inner one
 * (1 − cos t, 1 − sin t − ½) for t evenly spaced on [0, π], then Gaussian noise.
 */
export function moons(n: number, noise: number, rand: () => number): RawToy {
  const nOut = Math.floor(n / 2);
  const nIn = n - nOut;
  const xy = new Float64Array(2 * n);
  const labels = new Uint8Array(n);
  const space = (i: number, m: number) => (m === 1 ? 0 : (Math.PI * i) / (m - 1));
  for (let i = 0; i < nOut; i++) xy.set([Math.cos(space(i, nOut)), Math.sin(space(i, nOut))], 2 * i);
  for (let i = 0; i < nIn; i++) {
    xy.set([1 - Math.cos(space(i, nIn)), 1 - Math.sin(space(i, nIn)) - 0.5], 2 * (nOut + i));
    labels[nOut + i] = 1;
  }
  addNoise(xy, noise, rand);
  return { xy, labels, classNames: ['upper moon', 'lower moon'] };
}

/** scikit-learn's make_circles: an outer unit circle and an inner one scaled by `factor` (angles on [0, 2π)). */
export function circles(n: number, factor: number, noise: number, rand: () => number): RawToy {
  const nOut = Math.floor(n / 2);
  const nIn = n - nOut;
  const xy = new Float64Array(2 * n);
  const labels = new Uint8Array(n);
  for (let i = 0; i < nOut; i++) {
    const t = (2 * Math.PI * i) / nOut;
    xy.set([Math.cos(t), Math.sin(t)], 2 * i);
  }
  for (let i = 0; i < nIn; i++) {
    const t = (2 * Math.PI * i) / nIn;
    xy.set([factor * Math.cos(t), factor * Math.sin(t)], 2 * (nOut + i));
    labels[nOut + i] = 1;
  }
  addNoise(xy, noise, rand);
  return { xy, labels, classNames: ['outer circle', 'inner circle'] };
}

/** Four isotropic Gaussian blobs (std `std`) centred on the corners of a square of side 4. */
export function blobs(n: number, std: number, rand: () => number): RawToy {
  const centres = [
    [-2, -2],
    [2, -2],
    [-2, 2],
    [2, 2],
  ];
  const xy = new Float64Array(2 * n);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % centres.length;
    labels[i] = k;
    xy.set([centres[k]![0]! + std * gaussian(rand), centres[k]![1]! + std * gaussian(rand)], 2 * i);
  }
  return { xy, labels, classNames: ['blob 1', 'blob 2', 'blob 3', 'blob 4'] };
}

/** Three interleaved Archimedean spiral arms: radius r ∈ [0.1, 1], angle 3πr + 2πk/3 for arm k, then noise. */
export function spirals(n: number, noise: number, rand: () => number): RawToy {
  const arms = 3;
  const xy = new Float64Array(2 * n);
  const labels = new Uint8Array(n);
  const per = Math.ceil(n / arms);
  for (let i = 0; i < n; i++) {
    const k = i % arms;
    const j = Math.floor(i / arms);
    const r = 0.1 + (0.9 * j) / Math.max(1, per - 1);
    const a = 3 * Math.PI * r + (2 * Math.PI * k) / arms;
    labels[i] = k;
    xy.set([r * Math.cos(a), r * Math.sin(a)], 2 * i);
  }
  addNoise(xy, noise, rand);
  return { xy, labels, classNames: ['arm 1', 'arm 2', 'arm 3'] };
}

function addNoise(xy: Float64Array, std: number, rand: () => number): void {
  if (std > 0) for (let i = 0; i < xy.length; i++) xy[i]! += std * gaussian(rand);
}

/**
 * Centres the points and divides by one overall standard deviation (so shapes keep their aspect), making the
 * augmentation strengths mean the same on every set.
 */
export function standardise(xy: Float64Array): Float32Array {
  const n = xy.length / 2;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xy[2 * i]!;
    my += xy[2 * i + 1]!;
  }
  mx /= n;
  my /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (xy[2 * i]! - mx) ** 2 + (xy[2 * i + 1]! - my) ** 2;
  const s = Math.sqrt(ss / (2 * n)) || 1;
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    out[2 * i] = (xy[2 * i]! - mx) / s;
    out[2 * i + 1] = (xy[2 * i + 1]! - my) / s;
  }
  return out;
}

/** A toy set as a Dataset: standardised points in a seeded random order (so the held-out tail has every class). */
export function toyDataset(name: ToySet, n = TOY_SIZE): Dataset {
  const rand = mulberry32(TOY_SEED + TOY_SETS.indexOf(name));
  const raw =
    name === 'moons' ? moons(n, 0.08, rand) : name === 'circles' ? circles(n, 0.5, 0.06, rand) : name === 'blobs' ? blobs(n, 0.6, rand) : spirals(n, 0.02, rand);
  const xy = standardise(raw.xy);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const points = new Float32Array(2 * n);
  const labels = new Uint8Array(n);
  order.forEach((src, i) => {
    points[2 * i] = xy[2 * src]!;
    points[2 * i + 1] = xy[2 * src + 1]!;
    labels[i] = raw.labels[src]!;
  });
  return { name, images: new Uint8Array(0), points, labels, n, h: 1, w: 2, c: 1, numClasses: raw.classNames.length, classNames: raw.classNames };
}

export interface PointAugParams {
  /** Rotation about the origin by an angle from [−r, r] degrees. */
  rotationDeg: number;
  /** Scaling by a factor from [1 − s, 1 + s]. */
  scaleJitter: number;
  /** Gaussian jitter added to each coordinate. */
  noiseStd: number;
}

/** Per-point 2×2 matrices s·R(θ), [n, 2, 2] row-major (rows act on column vectors). */
export function pointTransforms(n: number, p: PointAugParams, rand: () => number): Float32Array {
  const out = new Float32Array(4 * n);
  for (let i = 0; i < n; i++) {
    const t = ((2 * rand() - 1) * p.rotationDeg * Math.PI) / 180;
    const s = 1 - p.scaleJitter + 2 * p.scaleJitter * rand();
    out.set([s * Math.cos(t), -s * Math.sin(t), s * Math.sin(t), s * Math.cos(t)], 4 * i);
  }
  return out;
}

/** One augmented view of a batch of points x ∈ R^{N×2}: x' = s·R(θ)·x + ε, seeded. */
export function augmentPoints(x: tf.Tensor2D, p: PointAugParams, seed: number): tf.Tensor2D {
  return tf.tidy(() => {
    const n = x.shape[0];
    const m = tf.tensor3d(pointTransforms(n, p, mulberry32(seed ^ 0x5bd1e995)), [n, 2, 2]);
    let v = tf.reshape(tf.matMul(m, tf.reshape(x, [n, 2, 1])), [n, 2]) as tf.Tensor2D;
    if (p.noiseStd > 0) v = tf.add(v, tf.randomNormal([n, 2], 0, p.noiseStd, 'float32', seed % 2147483647));
    return v;
  });
}
