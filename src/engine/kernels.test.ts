import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { registerKernelFixes } from './kernels';
import { gaussian, mulberry32 } from './rng';

function rand(shape: number[], seed: number): tf.Tensor {
  const r = mulberry32(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => gaussian(r)), shape);
}

const CASES = [
  { x: [2, 8, 8, 3], f: [3, 3, 3, 4], s: 1, pad: 'same' },
  { x: [3, 28, 28, 2], f: [3, 3, 2, 5], s: 2, pad: 'same' },
  { x: [2, 7, 7, 4], f: [3, 3, 4, 2], s: 2, pad: 'same' },
  { x: [2, 9, 10, 1], f: [2, 3, 1, 3], s: 1, pad: 'valid' },
  { x: [1, 11, 11, 2], f: [3, 3, 2, 2], s: 3, pad: 'valid' },
] as const;

/** The filter gradient of Σ conv2d(x, w) · r, computed by tf.grad on the active backend. */
function filterGrad(xs: readonly number[], fs: readonly number[], s: number, pad: 'same' | 'valid', seed: number): Float32Array {
  return tf.tidy(() => {
    const x = rand([...xs], seed) as tf.Tensor4D;
    const w = rand([...fs], seed + 1) as tf.Tensor4D;
    const probe = tf.conv2d(x, w, s, pad);
    const r = rand(probe.shape, seed + 2);
    const g = tf.grad((wv: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, wv as tf.Tensor4D, s, pad), r)))(w);
    return g.dataSync() as Float32Array;
  });
}

/** Each image transformed alone, stacked: what a batched transform must equal. */
function transformOneByOne(x: tf.Tensor4D, t: tf.Tensor2D): Float32Array {
  return tf.tidy(() => {
    const parts = tf.unstack(x).map((img, i) =>
      tf.image.transform(tf.expandDims(img, 0) as tf.Tensor4D, tf.slice(t, [i, 0], [1, 8]), 'bilinear', 'constant', 0),
    );
    return tf.concat(parts, 0).dataSync() as Float32Array;
  });
}

describe('Transform with a batch of matrices', () => {
  it('applies each image its own matrix, on cpu and on wasm', async () => {
    const x = rand([4, 9, 9, 2], 5) as tf.Tensor4D;
    const t = tf.tensor2d(
      [
        [1, 0, 0.5, 0, 1, -0.5, 0, 0],
        [0.9, -0.2, 1, 0.2, 0.9, 0, 0, 0],
        [1.1, 0, -1, 0, 0.8, 0.3, 0, 0],
        [0.7, 0.1, 2, -0.1, 0.7, 1, 0, 0],
      ],
    );
    for (const backend of ['cpu', 'wasm']) {
      registerKernelFixes();
      await tf.setBackend(backend);
      const batched = tf.image.transform(x, t, 'bilinear', 'constant', 0).dataSync();
      const single = transformOneByOne(x, t);
      let maxErr = 0;
      for (let i = 0; i < single.length; i++) maxErr = Math.max(maxErr, Math.abs(batched[i]! - single[i]!));
      expect(maxErr, backend).toBeLessThan(1e-5);
    }
    await tf.setBackend('cpu');
  });
});

describe('Conv2DBackpropFilter for WASM', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('gradients on the WASM backend match the CPU backend', async () => {
    await tf.setBackend('cpu');
    const refs = CASES.map((c, i) => filterGrad(c.x, c.f, c.s, c.pad, 10 * i));
    registerKernelFixes();
    expect(await tf.setBackend('wasm')).toBe(true);
    CASES.forEach((c, i) => {
      const got = filterGrad(c.x, c.f, c.s, c.pad, 10 * i);
      const ref = refs[i]!;
      let maxErr = 0;
      let maxRef = 0;
      for (let k = 0; k < ref.length; k++) {
        maxErr = Math.max(maxErr, Math.abs(got[k]! - ref[k]!));
        maxRef = Math.max(maxRef, Math.abs(ref[k]!));
      }
      expect(maxErr / maxRef).toBeLessThan(1e-4);
    });
    // No tensors leak through the kernel.
    const before = tf.memory().numTensors;
    filterGrad(CASES[1].x, CASES[1].f, CASES[1].s, CASES[1].pad, 1);
    expect(tf.memory().numTensors).toBe(before);
  });
});
