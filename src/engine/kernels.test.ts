import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { directFilterGradActive, registerKernelFixes, setWasmKernelOptions, wasmLoopsActive } from './kernels';
import { gaussian, mulberry32 } from './rng';

function rand(shape: number[], seed: number): tf.Tensor {
  const r = mulberry32(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => gaussian(r)), shape);
}

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
interface ConvCase {
  x: readonly number[];
  f: readonly number[];
  s: number | [number, number];
  pad: Pad;
}

const CASES: ConvCase[] = [
  { x: [2, 8, 8, 3], f: [3, 3, 3, 4], s: 1, pad: 'same' },
  { x: [3, 28, 28, 2], f: [3, 3, 2, 5], s: 2, pad: 'same' },
  { x: [2, 7, 7, 4], f: [3, 3, 4, 2], s: 2, pad: 'same' },
  { x: [2, 9, 10, 1], f: [2, 3, 1, 3], s: 1, pad: 'valid' },
  { x: [1, 11, 11, 2], f: [3, 3, 2, 2], s: 3, pad: 'valid' },
  // The model's layers (batch cut down): 28×28 stride 1, then two stride-2 layers.
  { x: [4, 28, 28, 1], f: [3, 3, 1, 16], s: 1, pad: 'same' },
  { x: [4, 28, 28, 16], f: [3, 3, 16, 32], s: 2, pad: 'same' },
  { x: [4, 14, 14, 32], f: [3, 3, 32, 64], s: 2, pad: 'same' },
  // Odd sizes, a filter smaller than the stride, a big filter, mixed strides, explicit padding.
  { x: [2, 9, 9, 3], f: [1, 1, 3, 2], s: 2, pad: 'same' },
  { x: [2, 13, 12, 2], f: [5, 5, 2, 3], s: 2, pad: 'same' },
  { x: [2, 10, 9, 2], f: [3, 2, 2, 3], s: [2, 1], pad: 'same' },
  { x: [2, 8, 8, 2], f: [3, 3, 2, 2], s: 2, pad: [[0, 0], [2, 1], [0, 2], [0, 0]] },
  { x: [1, 6, 6, 1], f: [3, 3, 1, 1], s: 1, pad: [[0, 0], [3, 0], [0, 3], [0, 0]] },
  // Every tile of the direct filter gradient and its remainders: Cin = 1, 3, 5, 6, 8 (4-channel tiles plus
  // 1-channel ones); Cout = 1, 3, 4, 12, 16, 20, 31 (8-, 4- and 1-channel tiles, and 16 for one input channel).
  { x: [3, 10, 9, 1], f: [3, 3, 1, 31], s: 1, pad: 'same' },
  { x: [2, 9, 11, 3], f: [3, 3, 3, 12], s: 2, pad: 'same' },
  { x: [2, 11, 10, 5], f: [3, 2, 5, 1], s: 3, pad: 'same' },
  { x: [2, 8, 9, 6], f: [2, 3, 6, 3], s: [1, 2], pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
  { x: [3, 7, 7, 8], f: [3, 3, 8, 4], s: 3, pad: [[0, 0], [2, 2], [1, 3], [0, 0]] },
  { x: [2, 6, 7, 4], f: [3, 3, 4, 20], s: 1, pad: 'valid' },
  { x: [2, 9, 9, 1], f: [5, 5, 1, 16], s: 2, pad: 'same' },
  // Many images (the direct path's blocks of images), a filter larger than the image with padding.
  { x: [40, 12, 12, 8], f: [3, 3, 8, 8], s: 1, pad: 'same' },
  { x: [2, 3, 3, 4], f: [5, 5, 4, 8], s: 1, pad: 'same' },
];

/** Gradients of Σ relu(conv2d(x, w) + b) · r with respect to x, w and b, computed on the active backend. */
function convGrads(c: ConvCase, seed: number, fused = false): Float32Array[] {
  return tf.tidy(() => {
    const x = rand([...c.x], seed) as tf.Tensor4D;
    const w = rand([...c.f], seed + 1) as tf.Tensor4D;
    const b = rand([c.f[3]!], seed + 3) as tf.Tensor1D;
    const probe = tf.conv2d(x, w, c.s, c.pad);
    const r = rand(probe.shape, seed + 2);
    const f = (xv: tf.Tensor, wv: tf.Tensor, bv: tf.Tensor) => {
      const y = fused
        ? tf.fused.conv2d({ x: xv as tf.Tensor4D, filter: wv as tf.Tensor4D, strides: c.s, pad: c.pad, bias: bv })
        : tf.add(tf.conv2d(xv as tf.Tensor4D, wv as tf.Tensor4D, c.s, c.pad), bv);
      return tf.sum(tf.mul(tf.relu(y), r));
    };
    return tf.grads(f)([x, w, b]).map((g) => g.dataSync() as Float32Array);
  });
}

/** Largest difference relative to the largest reference value. */
function relErr(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  expect(got.length).toBe(ref.length);
  let maxErr = 0;
  let maxRef = 0;
  for (let k = 0; k < ref.length; k++) {
    maxErr = Math.max(maxErr, Math.abs(got[k]! - ref[k]!));
    maxRef = Math.max(maxRef, Math.abs(ref[k]!));
  }
  return maxErr / Math.max(maxRef, 1e-30);
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

describe('convolution gradients on WASM (Conv2DBackpropFilter, Conv2DBackpropInput)', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('match the CPU backend for x, the filter and the bias, plain and fused', async () => {
    await tf.setBackend('cpu');
    const refs = CASES.map((c, i) => convGrads(c, 10 * i));
    registerKernelFixes();
    expect(await tf.setBackend('wasm')).toBe(true);
    expect(wasmLoopsActive()).toBe(true);
    expect(directFilterGradActive()).toBe(true);
    // The filter gradient direct (the default) and as im2col + GEMM; with the compiled copy loops (the default)
    // and with their JS versions.
    for (const filterGrad of ['direct', 'gemm'] as const) {
      for (const [fused, wasmLoops] of [[false, true], [true, true], [false, false]]) {
        setWasmKernelOptions({ filterGrad, wasmLoops });
        expect(directFilterGradActive()).toBe(filterGrad === 'direct');
        CASES.forEach((c, i) => {
          const got = convGrads(c, 10 * i, fused);
          const what = `case ${i}, ${filterGrad}${fused ? ', fused' : ''}${wasmLoops ? '' : ', JS loops'}`;
          ['dx', 'dW', 'db'].forEach((name, k) => expect(relErr(got[k]!, refs[i]![k]!), `${name} of ${what}`).toBeLessThan(1e-5));
        });
      }
    }
    setWasmKernelOptions({ filterGrad: 'direct', wasmLoops: true });
  });

  it('leave no tensors and no heap memory behind', async () => {
    registerKernelFixes();
    await tf.setBackend('wasm');
    const heapIds = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    for (const filterGrad of ['direct', 'gemm'] as const) {
      setWasmKernelOptions({ filterGrad });
      convGrads(CASES[7]!, 1);
      const before = { ...tf.memory(), ids: heapIds() };
      for (let i = 0; i < 3; i++) convGrads(CASES[7]!, 1);
      for (let i = 0; i < 3; i++) convGrads(CASES[10]!, 1, true);
      for (let i = 0; i < 3; i++) convGrads(CASES[16]!, 1);
      expect(tf.memory().numTensors, filterGrad).toBe(before.numTensors);
      expect(tf.memory().numDataBuffers, filterGrad).toBe(before.numDataBuffers);
      expect(heapIds(), filterGrad).toBe(before.ids);
    }
    setWasmKernelOptions({ filterGrad: 'direct' });
  });
});

describe('WASM kernels we reroute: matmuls with a transposed operand, Sum and Mean over non-inner axes, Identity', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  const run = () =>
    tf.tidy(() => {
      const a = rand([5, 7], 1);
      const b = rand([7, 3], 2);
      const at = rand([7, 5], 3);
      const bt = rand([3, 7], 4);
      const a3 = rand([2, 5, 7], 5);
      const b3t = rand([2, 3, 7], 6);
      const a3t = rand([2, 7, 5], 7);
      const big = rand([70, 45], 8);
      const bigB = rand([70, 33], 9);
      const x = rand([3, 4, 5, 6], 10);
      const wide = rand([64, 40, 40, 8], 11);
      return [
        tf.matMul(a, bt, false, true),
        tf.matMul(at, b, true, false),
        tf.matMul(at, bt, true, true),
        tf.matMul(a3, b3t, false, true),
        tf.matMul(a3t, b3t, true, true),
        tf.matMul(big, bigB, true, false),
        tf.sum(x, [0, 1, 2]),
        tf.sum(x, [0]),
        tf.sum(x, [1, 2], true),
        tf.sum(x, [2, 1]),
        tf.sum(x, 3),
        tf.sum(x, [0, 2]),
        tf.mean(x, [1, 2]),
        tf.mean(x, [0, 1, 2], true),
        tf.mean(x, -1),
        tf.sum(wide, [0, 1, 2]),
        tf.mean(wide, [1, 2]),
        tf.clone(x),
        tf.cast(x, 'float32'),
        tf.gather(x, tf.tensor1d([2, 0, 2, 1], 'int32')),
        tf.gather(x, tf.tensor2d([[1, 0], [2, 2]], [2, 2], 'int32')),
        tf.gather(x, tf.tensor1d([3, 1], 'int32'), 1),
        tf.depthwiseConv2d(rand([5, 9, 8, 1], 12) as tf.Tensor4D, rand([5, 5, 1, 1], 13) as tf.Tensor4D, 1, 'same'),
        tf.depthwiseConv2d(rand([3, 9, 8, 1], 14) as tf.Tensor4D, rand([3, 2, 1, 1], 15) as tf.Tensor4D, 2, 'valid'),
        tf.depthwiseConv2d(rand([3, 9, 8, 2], 16) as tf.Tensor4D, rand([3, 3, 2, 1], 17) as tf.Tensor4D, 1, 'same'),
        tf.image.transform(
          rand([3, 7, 6, 2], 18) as tf.Tensor4D,
          tf.tensor2d([
            [0.9, -0.2, 1, 0.2, 0.9, 0, 0, 0],
            [1.1, 0, -1, 0, 0.8, 0.3, 0.01, -0.02],
            [0.7, 0.1, 2, -0.1, 0.7, 1, 0, 0],
          ]),
          'bilinear',
          'constant',
          0.25,
        ),
        tf.image.transform(rand([2, 7, 6, 1], 19) as tf.Tensor4D, tf.tensor2d([[0.8, 0.3, 1.5, -0.3, 0.8, 0.5, 0, 0]]), 'nearest', 'constant', 0, [5, 9]),
      ].map((t) => ({ shape: t.shape, values: Array.from(t.dataSync()) }));
    });

  it('give the CPU backend’s results', async () => {
    await tf.setBackend('cpu');
    const ref = run();
    registerKernelFixes();
    await tf.setBackend('wasm');
    const got = run();
    got.forEach((g, i) => {
      expect(g.shape, `output ${i}`).toEqual(ref[i]!.shape);
      expect(relErr(g.values, ref[i]!.values), `output ${i}`).toBeLessThan(1e-5);
    });
  });

  it('a gather out of range throws, as the stock kernel does', async () => {
    registerKernelFixes();
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    expect(() => tf.tidy(() => tf.gather(tf.zeros([3, 2]), tf.tensor1d([0, 3], 'int32')))).toThrow(/not in \[0, 2\]/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a clone shares its buffer and outlives its source', async () => {
    registerKernelFixes();
    await tf.setBackend('wasm');
    const x = tf.tensor([1, 2, 3]);
    const y = tf.clone(x);
    const buffers = tf.memory().numDataBuffers;
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    y.dispose();
    expect(tf.memory().numDataBuffers).toBe(buffers - 1);
  });
});
