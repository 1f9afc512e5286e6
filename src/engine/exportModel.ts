/**
 * Export of a trained encoder in TensorFlow.js format (issue 6): the encoder f of `createModel` rebuilt as a
 * `tf.LayersModel` with the same layers and the model's weights copied in, so `exported.predict(x)` equals
 * `model.encode(x)` (h), and saved as a `model.json` plus one weights file that `tf.loadLayersModel` reads.
 *
 * - 'cnn-small': Conv2D 3×3 (width, stride 1) → Conv2D 3×3 (2·width, stride 2) → Conv2D 3×3 (4·width, stride 2),
 *   each with bias, 'same' padding and ReLU, then GlobalAveragePooling2D. Input NHWC, pixels scaled to [0, 1].
 * - 'mlp' (2-D points): Flatten → Dense(4·width, ReLU) → Dense(4·width, ReLU).
 *
 * The projection head z = g(h) can be added as a second output (`withHead`). Without batch norm in the head it
 * matches `model.project(h)` exactly. With batch norm our code normalises with batch statistics (the training
 * batch, or a reference set at evaluation: `project(h, statsFrom)`), while a Keras BatchNormalization layer at
 * inference uses fixed moving statistics: the export then freezes those to the statistics of a reference batch
 * `statsFrom` (as the app's evaluation uses the bank's), and matches `model.project(h, statsFrom)`; without a
 * reference batch it refuses. The predictor of BYOL/SimSiam is never exported (it is a training device).
 */
import * as tf from '@tensorflow/tfjs';
// Layers from their own package: the browser build's `@tensorflow/tfjs` (engine/tfBrowser.ts) leaves them out, and
// the training worker imports this module only when an encoder is exported.
import * as tfl from '@tensorflow/tfjs-layers';
import type { TrainConfig } from '../shared/config';
import type { Model } from './model';

/** Must equal BN_EPS in model.ts. */
const BN_EPS = 1e-5;
/** The weights file named in model.json's manifest. */
export const WEIGHTS_FILE = 'encoder.weights.bin';

export interface ExportOptions {
  /** Adds z = g(h) as a second output: the model then predicts [h, z]. Needs a model with a projection head. */
  withHead?: boolean;
  /** Batch norm after the head's output (SimSiam's projector): the Model does not record it, so say so here. */
  projOutBN?: boolean;
  /**
   * A reference batch of representations h for the head's batch-norm statistics (frozen into the Keras layers'
   * moving mean and variance). Required with `withHead` when the head has batch norm.
   */
  statsFrom?: tf.Tensor2D;
}

type EncoderKind = 'cnn-small' | 'mlp';

/** The encoder's kind and its variables, read from the model's variables (their ranks and count). */
function encoderParts(model: Model, inputShape: [number, number, number]): { kind: EncoderKind; vars: tf.Variable[]; head: tf.Variable[] } {
  const all = model.backboneVariables;
  const first = all[0];
  if (!first) throw new Error('the model has no variables');
  const [h, w, c] = inputShape;
  if (first.shape.length === 4) {
    if (first.shape[2] !== c) throw new Error(`the encoder takes ${first.shape[2]} channels, the input shape has ${c}`);
    return { kind: 'cnn-small', vars: all.slice(0, 6), head: all.slice(6) };
  }
  if (first.shape[0] !== h * w * c) throw new Error(`the encoder takes ${first.shape[0]} inputs, the input shape has ${h * w * c}`);
  return { kind: 'mlp', vars: all.slice(0, 4), head: all.slice(4) };
}

function layerWeights(vars: tf.Variable[]): tf.Tensor[] {
  return vars.map((v) => v as tf.Tensor);
}

/** Adds the encoder's layers after `input`, with the model's weights; returns h. */
function buildEncoder(kind: EncoderKind, vars: tf.Variable[], input: tfl.SymbolicTensor): { h: tfl.SymbolicTensor; layers: [tfl.layers.Layer, tf.Variable[]][] } {
  const layers: [tfl.layers.Layer, tf.Variable[]][] = [];
  let a = input;
  if (kind === 'cnn-small') {
    [1, 2, 2].forEach((stride, i) => {
      const W = vars[2 * i]!;
      const layer = tfl.layers.conv2d({ name: `conv${i}`, filters: W.shape[3]!, kernelSize: 3, strides: stride, padding: 'same', activation: 'relu', useBias: true });
      a = layer.apply(a) as tfl.SymbolicTensor;
      layers.push([layer, [W, vars[2 * i + 1]!]]);
    });
    a = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(a) as tfl.SymbolicTensor;
  } else {
    a = tfl.layers.flatten({ name: 'flatten' }).apply(a) as tfl.SymbolicTensor;
    [0, 1].forEach((i) => {
      const W = vars[2 * i]!;
      const layer = tfl.layers.dense({ name: `fc${i}`, units: W.shape[1]!, activation: 'relu', useBias: true });
      a = layer.apply(a) as tfl.SymbolicTensor;
      layers.push([layer, [W, vars[2 * i + 1]!]]);
    });
  }
  return { h: a, layers };
}

/** Whether the head has batch norm (hidden, output), or why it cannot be exported; checked before any layer is built. */
function checkHead(head: tf.Variable[], options: ExportOptions): { bn: boolean; outBN: boolean } {
  if (head.length !== 4 && head.length !== 5) throw new Error('the model has no projection head to export');
  const bn = head.length === 5;
  const outBN = options.projOutBN ?? false;
  if ((bn || outBN) && !options.statsFrom) throw new Error('the head has batch norm: give `statsFrom` (a reference batch of h) to freeze its statistics');
  if (options.statsFrom && options.statsFrom.shape[1] !== head[0]!.shape[0]) throw new Error(`statsFrom has ${options.statsFrom.shape[1]} features, h has ${head[0]!.shape[0]}`);
  return { bn, outBN };
}

/**
 * The head g: Dense(projHidden) [→ BatchNorm] → ReLU → Dense(projDim) [→ BatchNorm without scale and offset].
 * Returns z and, per layer, the weights to set (owned by the caller when computed: the frozen statistics).
 */
function buildHead(head: tf.Variable[], h: tfl.SymbolicTensor, options: ExportOptions): { z: tfl.SymbolicTensor; layers: [tfl.layers.Layer, tf.Tensor[]][]; owned: tf.Tensor[] } {
  const { bn, outBN } = checkHead(head, options);
  const [W1, ...rest] = head as [tf.Variable, ...tf.Variable[]];
  const [W2, b2] = rest.slice(-2) as [tf.Variable, tf.Variable];
  const layers: [tfl.layers.Layer, tf.Tensor[]][] = [];
  const owned: tf.Tensor[] = [];
  let stats: { m1: tf.Tensor1D; v1: tf.Tensor1D; m2: tf.Tensor1D; v2: tf.Tensor1D } | null = null;
  if (bn || outBN) {
    const ref = options.statsFrom!;
    // The statistics model.project(·, ref) uses: those of ref·W1, then of the head's output on ref (itself normalised with its own).
    stats = tf.tidy(() => {
      let a = tf.matMul(ref, W1);
      const s1 = tf.moments(a, 0);
      a = bn ? tf.batchNorm(a, s1.mean, s1.variance, rest[1]!, rest[0]!, BN_EPS) : tf.add(a, rest[0]!);
      const out = tf.add(tf.matMul(tf.relu(a), W2), b2);
      const s2 = tf.moments(out, 0);
      return { m1: s1.mean as tf.Tensor1D, v1: s1.variance as tf.Tensor1D, m2: s2.mean as tf.Tensor1D, v2: s2.variance as tf.Tensor1D };
    });
    owned.push(stats.m1, stats.v1, stats.m2, stats.v2);
  }
  const fc1 = tfl.layers.dense({ name: 'proj_fc1', units: W1.shape[1]!, useBias: !bn });
  let a = fc1.apply(h) as tfl.SymbolicTensor;
  layers.push([fc1, bn ? [W1] : [W1, rest[0]!]]);
  if (bn) {
    const norm = tfl.layers.batchNormalization({ name: 'proj_bn1', epsilon: BN_EPS });
    a = norm.apply(a) as tfl.SymbolicTensor;
    // Keras order: gamma, beta, moving mean, moving variance.
    layers.push([norm, [rest[0]!, rest[1]!, stats!.m1, stats!.v1]]);
  }
  a = tfl.layers.reLU({ name: 'proj_relu' }).apply(a) as tfl.SymbolicTensor;
  const fc2 = tfl.layers.dense({ name: 'proj_fc2', units: W2.shape[1]!, useBias: true });
  a = fc2.apply(a) as tfl.SymbolicTensor;
  layers.push([fc2, [W2, b2]]);
  if (outBN) {
    const norm = tfl.layers.batchNormalization({ name: 'proj_bn2', epsilon: BN_EPS, center: false, scale: false });
    a = norm.apply(a) as tfl.SymbolicTensor;
    layers.push([norm, [stats!.m2, stats!.v2]]);
  }
  return { z: a, layers, owned };
}

/**
 * The encoder of `model` as a `tfl.LayersModel` taking [N, ...inputShape] and predicting h (and z with
 * `withHead`: then [h, z]), with copies of the model's current weights. The caller disposes it.
 */
export function encoderAsLayersModel(model: Model, inputShape: [number, number, number], options: ExportOptions = {}): tfl.LayersModel {
  const { kind, vars, head } = encoderParts(model, inputShape);
  if (options.withHead) checkHead(head, options);
  const input = tfl.input({ shape: inputShape, name: 'x' });
  const enc = buildEncoder(kind, vars, input);
  const built = options.withHead ? buildHead(head, enc.h, options) : null;
  const out = tfl.model({ name: `encoder_${kind.replace('-', '_')}`, inputs: input, outputs: built ? [enc.h, built.z] : enc.h });
  try {
    for (const [layer, w] of enc.layers) layer.setWeights(layerWeights(w));
    for (const [layer, w] of built?.layers ?? []) layer.setWeights(w);
  } catch (e) {
    out.dispose();
    throw e;
  } finally {
    tf.dispose(built?.owned ?? []);
  }
  return out;
}

/** What the export records about the run, beside the weights. */
export interface ExportMeta {
  config: TrainConfig;
  /** Training steps done when exported. */
  step: number;
}

export interface EncoderArtifacts {
  /** The content of model.json: topology, a manifest naming WEIGHTS_FILE, and the run's metadata. */
  modelJson: string;
  /** The content of WEIGHTS_FILE (float32, little-endian, in the manifest's order). */
  weights: ArrayBuffer;
}

/**
 * Saves the encoder (h only, the representation the app evaluates) as TensorFlow.js layers-model artifacts.
 * The temporary LayersModel is disposed; no tensors are left behind.
 */
export async function saveEncoderArtifacts(model: Model, inputShape: [number, number, number], meta: ExportMeta): Promise<EncoderArtifacts> {
  const { kind } = encoderParts(model, inputShape);
  const layersModel = encoderAsLayersModel(model, inputShape);
  const userDefinedMetadata = {
    contrastivePlayground: {
      method: meta.config.method,
      dataset: meta.config.dataset,
      step: meta.step,
      encoder: kind,
      inputShape,
      input: kind === 'cnn-small' ? 'NHWC images, pixel values / 255' : '2-D points, standardised as the toy set was',
      output: `h, [N, ${model.hDim}]`,
      config: meta.config,
    },
  };
  try {
    const saved: { result?: EncoderArtifacts } = {};
    await layersModel.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const weightSpecs = artifacts.weightSpecs ?? [];
        const weightData = artifacts.weightData ?? new ArrayBuffer(0);
        const weights = tf.io.CompositeArrayBuffer.join(weightData);
        const json: tf.io.ModelJSON = {
          modelTopology: artifacts.modelTopology as object,
          format: artifacts.format ?? 'layers-model',
          generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tfl.version_layers}`,
          convertedBy: null,
          weightsManifest: [{ paths: [WEIGHTS_FILE], weights: weightSpecs }],
          userDefinedMetadata,
        };
        saved.result = { modelJson: JSON.stringify(json), weights };
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
      }),
    );
    if (!saved.result) throw new Error('the model was not saved');
    return saved.result;
  } finally {
    layersModel.dispose();
  }
}
