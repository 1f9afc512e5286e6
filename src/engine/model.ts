/**
 * The encoder f (a small CNN) and the projection head g of SimCLR (arXiv 2002.05709, §2.1): h = f(x) is the
 * representation we evaluate, z = g(h) is what the contrastive loss sees. Weights are plain tf.Variables
 * initialised from our own seeded PRNG, so a seed gives the same network on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import { gaussian, mulberry32 } from './rng';

export interface ModelSpec {
  inputShape: [number, number, number];
  /** 'cnn-small' (default) for images; 'mlp' for 2-D points (inputs flattened). */
  encoder?: 'cnn-small' | 'mlp';
  width: number;
  projection: boolean;
  projHidden: number;
  projDim: number;
  /** Batch norm in the hidden layer of the projector and predictor (the Linear before it then has no bias). */
  headBN?: boolean;
  /** Batch norm without affine parameters on the projector's output, as SimSiam's projector. */
  projOutBN?: boolean;
  /** BYOL/SimSiam predictor q: an MLP projDim → predHidden → projDim. */
  predictor?: boolean;
  predHidden?: number;
  /** False for a target / key network that only follows the online one by EMA. */
  trainable?: boolean;
  seed: number;
}

/** A built model: its variables, and pure functions of them. */
export interface Model {
  readonly variables: tf.Variable[];
  /** The encoder's and projector's variables (without the predictor), in the same order for every model of a spec. */
  readonly backboneVariables: tf.Variable[];
  /** Representation h, [N, 4·width]. */
  encode(x: tf.Tensor4D): tf.Tensor2D;
  /**
   * Projection z = g(h) (or h itself when the head is off). With batch norm in the head, statistics come from
   * this batch (training), or from `statsFrom` when given (evaluation: the statistics of a reference set).
   */
  project(h: tf.Tensor2D, statsFrom?: tf.Tensor2D): tf.Tensor2D;
  /** Prediction q(z); the identity when the model has no predictor. */
  predict(z: tf.Tensor2D): tf.Tensor2D;
  readonly hasPredictor: boolean;
  readonly hDim: number;
  readonly zDim: number;
  dispose(): void;
}

/** He-normal weights (for ReLU layers) from a seeded stream. */
function heNormal(shape: number[], fanIn: number, rand: () => number, name: string, trainable: boolean): tf.Variable {
  const size = shape.reduce((a, b) => a * b, 1);
  const std = Math.sqrt(2 / fanIn);
  const v = new Float32Array(size);
  for (let i = 0; i < size; i++) v[i] = gaussian(rand) * std;
  return tf.tidy(() => tf.variable(tf.tensor(v, shape), trainable, name));
}

let modelCounter = 0;

const BN_EPS = 1e-5;

/** Batch norm over the batch axis without affine parameters; statistics from `ref` (tf.batchNorm without scale
 * and offset cannot be differentiated on the WASM backend, so it is written out). */
function standardise(x: tf.Tensor2D, ref: tf.Tensor2D): tf.Tensor2D {
  const { mean, variance } = tf.moments(ref, 0);
  return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, BN_EPS))) as tf.Tensor2D;
}

/** A two-layer MLP, Linear → [BN] → ReLU → Linear [→ BN], as the heads of SimCLR, BYOL and SimSiam. */
function mlp(inDim: number, hidden: number, outDim: number, bn: boolean, outBN: boolean, rand: () => number, name: string, trainable: boolean) {
  const W1 = heNormal([inDim, hidden], inDim, rand, `${name}/w1`, trainable);
  const W2 = heNormal([hidden, outDim], hidden, rand, `${name}/w2`, trainable);
  const b1 = bn ? null : tf.tidy(() => tf.variable(tf.zeros([hidden]), trainable, `${name}/b1`));
  const gamma = bn ? tf.tidy(() => tf.variable(tf.ones([hidden]), trainable, `${name}/gamma`)) : null;
  const beta = bn ? tf.tidy(() => tf.variable(tf.zeros([hidden]), trainable, `${name}/beta`)) : null;
  const b2 = tf.tidy(() => tf.variable(tf.zeros([outDim]), trainable, `${name}/b2`));
  const variables = [W1, ...(b1 ? [b1] : []), ...(gamma && beta ? [gamma, beta] : []), W2, b2];
  const hiddenPre = (x: tf.Tensor2D, statsFrom?: tf.Tensor2D): tf.Tensor2D => {
    const a = tf.matMul(x, W1);
    if (!gamma || !beta) return tf.add(a, b1!) as tf.Tensor2D;
    // Batch norm over the batch axis with the biased variance, as torch.nn.BatchNorm1d in training mode.
    const { mean, variance } = tf.moments(statsFrom ? tf.matMul(statsFrom, W1) : a, 0);
    return tf.batchNorm(a, mean, variance, beta, gamma, BN_EPS) as tf.Tensor2D;
  };
  return {
    variables,
    apply(x: tf.Tensor2D, statsFrom?: tf.Tensor2D): tf.Tensor2D {
      return tf.tidy(() => {
        const forward = (a: tf.Tensor2D, stats?: tf.Tensor2D) => tf.add(tf.matMul(tf.relu(hiddenPre(a, stats)), W2), b2) as tf.Tensor2D;
        const out = forward(x, statsFrom);
        if (!outBN) return out;
        return standardise(out, statsFrom ? forward(statsFrom) : out);
      });
    },
  };
}

/** The encoder f: a function of the input batch, and its variables. */
interface Encoder {
  variables: tf.Variable[];
  apply(x: tf.Tensor4D): tf.Tensor2D;
}

/**
 * relu(conv2d(x, W, 'same') + b) as one op: the forward is one FusedConv2D kernel (bias and ReLU inside the
 * convolution), and the gradient is written out: g = dy · step(y), dW = Conv2DBackpropFilter(x, g), db = Σ g over
 * N, H, W, and dx = conv2dTranspose(g, W) only when the input needs one (`inputGrad`; the encoder's input is data,
 * so its first layer skips it). Autodiff through conv2d, add and relu computes the same, with three taped ops
 * (and their saved copies) instead of one.
 */
function convBiasRelu(x: tf.Tensor4D, W: tf.Tensor4D, b: tf.Tensor1D, stride: number, inputGrad: boolean): tf.Tensor4D {
  const strides: [number, number] = [stride, stride];
  const op = tf.customGrad((xi, wi, bi, save) => {
    const y = tf.engine().runKernel(
      tf.FusedConv2D,
      { x: xi as tf.Tensor4D, filter: wi as tf.Tensor4D, bias: bi as tf.Tensor1D },
      { strides, pad: 'same', dataFormat: 'NHWC', dilations: [1, 1], activation: 'relu' } as unknown as tf.NamedAttrMap,
    ) as tf.Tensor4D;
    (save as tf.GradSaveFunc)([xi as tf.Tensor, wi as tf.Tensor, y]);
    return {
      value: y,
      // In a tidy: the ReLU mask and g are freed as soon as the layer's gradients are made, not kept to the end of
      // the backward pass (the WASM heap after a default SimCLR step: 91 MB instead of 131).
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [xs, ws, ys] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
          const g = tf.mul(dy as tf.Tensor4D, tf.step(ys)) as tf.Tensor4D;
          const dx = inputGrad ? tf.conv2dTranspose(g, ws, xs.shape, strides, 'same') : tf.zerosLike(xs);
          const dW = tf.engine().runKernel(
            tf.Conv2DBackpropFilter,
            { x: xs, dy: g },
            { strides, pad: 'same', dataFormat: 'NHWC', filterShape: ws.shape } as unknown as tf.NamedAttrMap,
          ) as tf.Tensor4D;
          return [dx, dW, tf.sum(g, [0, 1, 2])];
        }),
    };
  });
  return op(x, W, b) as tf.Tensor4D;
}

/**
 * Global average pooling, mean over H and W of NHWC, with its gradient written out: dy broadcast over H and W
 * times 1/(H·W). tfjs' gradient of mean multiplies dy by a ones tensor of x's shape that it fills in JS and uploads
 * at every step (2 ms a default SimCLR step on WASM); here the Fill kernel makes 1/(H·W) on the backend (the
 * WASM backend's Tile, the other way to broadcast, took 20 ms for that shape).
 */
function globalAvgPool(x: tf.Tensor4D): tf.Tensor2D {
  const [n, h, w, c] = x.shape;
  const op = tf.customGrad((xi) => ({
    value: tf.mean(xi as tf.Tensor4D, [1, 2]),
    gradFunc: (dy) => tf.tidy(() => tf.mul(tf.reshape(dy as tf.Tensor2D, [n, 1, 1, c]), tf.fill([n, h, w, c], 1 / (h * w)))),
  }));
  return op(x) as tf.Tensor2D;
}

/** Three 3×3 conv layers (width, 2·width, 4·width channels; the last two with stride 2), ReLU, global average pooling. */
function cnnEncoder(c: number, w: number, rand: () => number, id: string, trainable: boolean): Encoder {
  const convs = [
    { cin: c, cout: w, stride: 1 },
    { cin: w, cout: 2 * w, stride: 2 },
    { cin: 2 * w, cout: 4 * w, stride: 2 },
  ].map((l, i) => ({
    ...l,
    W: heNormal([3, 3, l.cin, l.cout], 9 * l.cin, rand, `${id}/conv${i}/w`, trainable),
    b: tf.tidy(() => tf.variable(tf.zeros([l.cout]), trainable, `${id}/conv${i}/b`)),
  }));
  return {
    variables: convs.flatMap((l) => [l.W, l.b]),
    apply(x) {
      let a: tf.Tensor4D = x;
      convs.forEach((l, i) => (a = convBiasRelu(a, l.W as tf.Tensor4D, l.b as tf.Tensor1D, l.stride, i > 0)));
      return globalAvgPool(a);
    },
  };
}

/** For 2-D points: the flattened input → 4·width → ReLU → 4·width → ReLU. */
function mlpEncoder(inDim: number, w: number, rand: () => number, id: string, trainable: boolean): Encoder {
  const layers = [
    [inDim, 4 * w],
    [4 * w, 4 * w],
  ].map(([i, o], k) => ({
    W: heNormal([i!, o!], i!, rand, `${id}/fc${k}/w`, trainable),
    b: tf.tidy(() => tf.variable(tf.zeros([o!]), trainable, `${id}/fc${k}/b`)),
  }));
  return {
    variables: layers.flatMap((l) => [l.W, l.b]),
    apply(x) {
      let a = tf.reshape(x, [x.shape[0], inDim]) as tf.Tensor2D;
      for (const l of layers) a = tf.relu(tf.add(tf.matMul(a, l.W), l.b)) as tf.Tensor2D;
      return a;
    },
  };
}

/**
 * Builds the encoder (the small CNN for images, the MLP for points), then the two-layer MLP projection head
 * when `projection` is on, and the predictor when asked for. The seeded stream draws the encoder, then the projector, then the predictor, so an
 * online model and its target built from one seed start equal.
 */
export function createModel(spec: ModelSpec): Model {
  const rand = mulberry32(spec.seed);
  const trainable = spec.trainable ?? true;
  const bn = spec.headBN ?? false;
  const [h, wd, c] = spec.inputShape;
  const w = spec.width;
  const id = `m${modelCounter++}`;
  const encoder = spec.encoder === 'mlp' ? mlpEncoder(h * wd * c, w, rand, id, trainable) : cnnEncoder(c, w, rand, id, trainable);
  const hDim = 4 * w;
  const head = spec.projection ? mlp(hDim, spec.projHidden, spec.projDim, bn, spec.projOutBN ?? false, rand, `${id}/proj`, trainable) : null;
  const zDim = head ? spec.projDim : hDim;
  const pred = spec.predictor ? mlp(zDim, spec.predHidden ?? zDim, zDim, bn, false, rand, `${id}/pred`, trainable) : null;
  const backboneVariables = [...encoder.variables, ...(head ? head.variables : [])];
  const variables = [...backboneVariables, ...(pred ? pred.variables : [])];
  return {
    variables,
    backboneVariables,
    hDim,
    zDim,
    hasPredictor: pred !== null,
    encode(x) {
      return tf.tidy(() => encoder.apply(x));
    },
    project(h, statsFrom) {
      return head ? head.apply(h, statsFrom) : tf.clone(h);
    },
    predict(z) {
      return pred ? pred.apply(z) : tf.clone(z);
    },
    dispose() {
      for (const v of variables) v.dispose();
    },
  };
}

/**
 * Moves the target's backbone toward the online one: θ_t ← m·θ_t + (1 − m)·θ_o (MoCo's momentum update, BYOL's
 * EMA); m = 0 copies.
 */
export function emaUpdate(target: Model, online: Model, m: number): void {
  const t = target.backboneVariables;
  const o = online.backboneVariables;
  if (t.length !== o.length) throw new Error(`EMA between different architectures (${t.length} vs ${o.length} variables)`);
  tf.tidy(() => {
    for (let i = 0; i < t.length; i++) {
      t[i]!.assign(m === 0 ? o[i]! : tf.add(tf.mul(t[i]!, m), tf.mul(o[i]!, 1 - m)));
    }
  });
}
