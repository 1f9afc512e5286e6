import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { registerKernelFixes } from './kernels';
import { createModel } from './model';
import { gaussian, mulberry32 } from './rng';

const SPEC = { inputShape: [12, 12, 1] as [number, number, number], width: 4, projection: true, projHidden: 16, projDim: 8, seed: 3 };

function input(seed: number): tf.Tensor4D {
  // Non-negative images, as the augmented views are.
  const r = mulberry32(seed);
  return tf.tensor4d(Float32Array.from({ length: 6 * 12 * 12 }, () => Math.abs(gaussian(r))), [6, 12, 12, 1]);
}

/** The encoder as plain autodiffed ops (conv2d → add → relu, global mean), on the model's own variables. */
function referenceEncode(vars: tf.Variable[], x: tf.Tensor4D): tf.Tensor2D {
  let a: tf.Tensor4D = x;
  [1, 2, 2].forEach((stride, i) => {
    a = tf.relu(tf.add(tf.conv2d(a, vars[2 * i] as tf.Tensor4D, stride, 'same'), vars[2 * i + 1]!)) as tf.Tensor4D;
  });
  return tf.mean(a, [1, 2]);
}

/** Loss value and gradients for every variable, with our encoder or the reference one. */
function lossAndGrads(reference: boolean): { loss: number; grads: Float32Array[] } {
  const m = createModel(SPEC);
  try {
    return tf.tidy(() => {
      const x = input(7);
      const r = tf.tensor2d(Array.from({ length: 6 * 8 }, (_, i) => Math.sin(i)), [6, 8]);
      const { value, grads } = tf.variableGrads(() => {
        const h = reference ? referenceEncode(m.variables, x) : m.encode(x);
        return tf.sum(tf.mul(m.project(h), r)) as tf.Scalar;
      }, m.variables);
      return { loss: value.dataSync()[0]!, grads: m.variables.map((v) => grads[v.name]!.dataSync() as Float32Array) };
    });
  } finally {
    m.dispose();
  }
}

describe('the CNN encoder (fused conv + bias + ReLU, and global average pooling, with written-out gradients)', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('gives autodiff’s loss and gradients, on cpu and on wasm', async () => {
    registerKernelFixes();
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      const ours = lossAndGrads(false);
      const ref = lossAndGrads(true);
      expect(Math.abs(ours.loss - ref.loss), backend).toBeLessThan(1e-4 * Math.max(1, Math.abs(ref.loss)));
      ref.grads.forEach((g, k) => {
        let maxErr = 0;
        let maxRef = 0;
        for (let i = 0; i < g.length; i++) {
          maxErr = Math.max(maxErr, Math.abs(ours.grads[k]![i]! - g[i]!));
          maxRef = Math.max(maxRef, Math.abs(g[i]!));
        }
        expect(maxErr / Math.max(maxRef, 1e-12), `${backend}: variable ${k}`).toBeLessThan(1e-5);
      });
    }
  });

  it('a training forward and backward leaves no tensors behind', async () => {
    await tf.setBackend('wasm');
    lossAndGrads(false);
    const before = tf.memory().numTensors;
    lossAndGrads(false);
    expect(tf.memory().numTensors).toBe(before);
  });
});
