/**
 * The encoder f (a small CNN) and the projection head g of SimCLR (arXiv 2002.05709, §2.1): h = f(x) is the
 * representation we evaluate, z = g(h) is what the contrastive loss sees. Weights are plain tf.Variables
 * initialised from our own seeded PRNG, so a seed gives the same network on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import { gaussian, mulberry32 } from './rng';

export interface ModelSpec {
  inputShape: [number, number, number];
  width: number;
  projection: boolean;
  projHidden: number;
  projDim: number;
  seed: number;
}

/** A built model: its variables, and pure functions of them. */
export interface Model {
  readonly variables: tf.Variable[];
  /** Representation h, [N, 4·width]. */
  encode(x: tf.Tensor4D): tf.Tensor2D;
  /** Projection z = g(h) (or h itself when the head is off). */
  project(h: tf.Tensor2D): tf.Tensor2D;
  readonly hDim: number;
  readonly zDim: number;
  dispose(): void;
}

/** He-normal weights (for ReLU layers) from a seeded stream. */
function heNormal(shape: number[], fanIn: number, rand: () => number, name: string): tf.Variable {
  const size = shape.reduce((a, b) => a * b, 1);
  const std = Math.sqrt(2 / fanIn);
  const v = new Float32Array(size);
  for (let i = 0; i < size; i++) v[i] = gaussian(rand) * std;
  return tf.variable(tf.tensor(v, shape), true, name);
}

let modelCounter = 0;

/**
 * Builds the small CNN: three 3×3 conv layers (width, 2·width, 4·width channels; the last two with stride 2),
 * ReLU, global average pooling; then the two-layer MLP head of SimCLR when `projection` is on.
 */
export function createModel(spec: ModelSpec): Model {
  const rand = mulberry32(spec.seed);
  const [, , c] = spec.inputShape;
  const w = spec.width;
  const id = `m${modelCounter++}`;
  const convs = [
    { cin: c, cout: w, stride: 1 },
    { cin: w, cout: 2 * w, stride: 2 },
    { cin: 2 * w, cout: 4 * w, stride: 2 },
  ].map((l, i) => ({
    ...l,
    W: heNormal([3, 3, l.cin, l.cout], 9 * l.cin, rand, `${id}/conv${i}/w`),
    b: tf.variable(tf.zeros([l.cout]), true, `${id}/conv${i}/b`),
  }));
  const hDim = 4 * w;
  const head = spec.projection
    ? {
        W1: heNormal([hDim, spec.projHidden], hDim, rand, `${id}/proj/w1`),
        b1: tf.variable(tf.zeros([spec.projHidden]), true, `${id}/proj/b1`),
        W2: heNormal([spec.projHidden, spec.projDim], spec.projHidden, rand, `${id}/proj/w2`),
        b2: tf.variable(tf.zeros([spec.projDim]), true, `${id}/proj/b2`),
      }
    : null;
  const variables = [...convs.flatMap((l) => [l.W, l.b]), ...(head ? [head.W1, head.b1, head.W2, head.b2] : [])];
  return {
    variables,
    hDim,
    zDim: head ? spec.projDim : hDim,
    encode(x) {
      return tf.tidy(() => {
        let a: tf.Tensor4D = x;
        for (const l of convs) a = tf.relu(tf.add(tf.conv2d(a, l.W as tf.Tensor4D, l.stride, 'same'), l.b)) as tf.Tensor4D;
        return tf.mean(a, [1, 2]) as tf.Tensor2D;
      });
    },
    project(h) {
      if (!head) return tf.clone(h);
      return tf.tidy(() => {
        const a = tf.relu(tf.add(tf.matMul(h, head.W1), head.b1));
        return tf.add(tf.matMul(a, head.W2), head.b2) as tf.Tensor2D;
      });
    },
    dispose() {
      for (const v of variables) v.dispose();
    },
  };
}
