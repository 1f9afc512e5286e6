import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../shared/config';
import { encoderAsLayersModel, saveEncoderArtifacts, WEIGHTS_FILE } from './exportModel';
import { createModel, type Model, type ModelSpec } from './model';

type Shape = [number, number, number];

/** A model whose every variable (biases, γ, β included) holds seeded random values, as after training. */
function randomModel(spec: Partial<ModelSpec> & { inputShape: Shape }): Model {
  const model = createModel({ width: 4, projection: false, projHidden: 16, projDim: 8, seed: 7, ...spec });
  model.variables.forEach((v, i) => tf.tidy(() => v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.3, 'float32', 100 + i)))));
  return model;
}

function input(n: number, shape: Shape, seed = 1): tf.Tensor4D {
  return tf.randomUniform([n, ...shape], 0, 1, 'float32', seed) as tf.Tensor4D;
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

const CASES: { name: string; spec: Partial<ModelSpec>; shape: Shape }[] = [
  { name: 'cnn-small on 12×12×1', spec: { encoder: 'cnn-small' }, shape: [12, 12, 1] },
  { name: 'cnn-small on 28×28×1', spec: { encoder: 'cnn-small' }, shape: [28, 28, 1] },
  { name: 'cnn-small on 9×7×3 (odd sizes, stride-2 "same" padding)', spec: { encoder: 'cnn-small', width: 5 }, shape: [9, 7, 3] },
  { name: 'mlp on points as the trainer shapes them, [1, 2, 1]', spec: { encoder: 'mlp' }, shape: [1, 2, 1] },
  { name: 'mlp on [1, 1, 2]', spec: { encoder: 'mlp' }, shape: [1, 1, 2] },
];

describe('encoderAsLayersModel', () => {
  for (const c of CASES) {
    it(`${c.name}: predict(x) equals model.encode(x)`, () => {
      const model = randomModel({ ...c.spec, inputShape: c.shape });
      const x = input(6, c.shape);
      const before = tf.memory().numTensors;
      const exported = encoderAsLayersModel(model, c.shape);
      const h = model.encode(x);
      const y = exported.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([6, model.hDim]);
      expect(maxAbsDiff(y, h)).toBeLessThan(1e-5);
      expect(tf.tidy(() => tf.max(tf.abs(h)).dataSync()[0]!)).toBeGreaterThan(0.01); // not trivially zero
      tf.dispose([h, y]);
      exported.dispose();
      expect(tf.memory().numTensors).toBe(before);
      x.dispose();
      model.dispose();
    });
  }

  it('copies the weights: later changes to the model do not reach the export', () => {
    const shape: Shape = [8, 8, 1];
    const model = randomModel({ inputShape: shape });
    const x = input(3, shape);
    const exported = encoderAsLayersModel(model, shape);
    const h0 = model.encode(x);
    tf.tidy(() => model.variables[0]!.assign(tf.mul(model.variables[0]!, 2)));
    const y = exported.predict(x) as tf.Tensor;
    expect(maxAbsDiff(y, h0)).toBeLessThan(1e-5);
    tf.dispose([h0, y, x]);
    exported.dispose();
    model.dispose();
  });

  it('with the head (no batch norm): predicts [h, z] equal to encode and project', () => {
    const shape: Shape = [10, 10, 1];
    const model = randomModel({ inputShape: shape, projection: true, predictor: true, predHidden: 12 });
    const x = input(5, shape);
    const exported = encoderAsLayersModel(model, shape, { withHead: true });
    const [h, z] = exported.predict(x) as tf.Tensor[];
    const h0 = model.encode(x);
    const z0 = model.project(h0);
    expect(maxAbsDiff(h!, h0)).toBeLessThan(1e-5);
    expect(maxAbsDiff(z!, z0)).toBeLessThan(1e-5);
    tf.dispose([h!, z!, h0, z0, x]);
    exported.dispose();
    model.dispose();
  });

  for (const bn of [
    { headBN: true, projOutBN: false },
    { headBN: false, projOutBN: true },
    { headBN: true, projOutBN: true },
  ]) {
    it(`with the head and batch norm ${JSON.stringify(bn)}: frozen to a reference batch, z equals project(h, ref)`, () => {
      const shape: Shape = [1, 2, 1];
      const model = randomModel({ inputShape: shape, encoder: 'mlp', projection: true, ...bn });
      const ref = model.encode(input(40, shape, 2));
      const x = input(7, shape, 3);
      const before = tf.memory().numTensors;
      expect(() => encoderAsLayersModel(model, shape, { withHead: true, projOutBN: bn.projOutBN })).toThrow(/statsFrom/);
      expect(tf.memory().numTensors).toBe(before);
      const exported = encoderAsLayersModel(model, shape, { withHead: true, projOutBN: bn.projOutBN, statsFrom: ref });
      const [h, z] = exported.predict(x) as tf.Tensor[];
      const h0 = model.encode(x);
      const z0 = model.project(h0, ref);
      expect(maxAbsDiff(h!, h0)).toBeLessThan(1e-5);
      expect(maxAbsDiff(z!, z0)).toBeLessThan(1e-5);
      tf.dispose([h!, z!, h0, z0]);
      exported.dispose();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([ref, x]);
      model.dispose();
    });
  }

  it('refuses a head that is not there and an input shape that does not fit', () => {
    const model = randomModel({ inputShape: [8, 8, 1] });
    expect(() => encoderAsLayersModel(model, [8, 8, 1], { withHead: true })).toThrow(/no projection head/);
    expect(() => encoderAsLayersModel(model, [8, 8, 3])).toThrow(/channels/);
    const mlp = randomModel({ inputShape: [1, 2, 1], encoder: 'mlp' });
    expect(() => encoderAsLayersModel(mlp, [1, 3, 1])).toThrow(/inputs/);
    model.dispose();
    mlp.dispose();
  });
});

describe('saveEncoderArtifacts', () => {
  const roundTrip = async (spec: Partial<ModelSpec>, shape: Shape) => {
    const model = randomModel({ ...spec, inputShape: shape, projection: true, headBN: true });
    const config = { ...DEFAULT_CONFIG, encoder: spec.encoder ?? 'cnn-small', width: 4, method: 'byol' as const };
    const before = tf.memory().numTensors;
    const { modelJson, weights } = await saveEncoderArtifacts(model, shape, { config, step: 123 });
    expect(tf.memory().numTensors).toBe(before);

    const json = JSON.parse(modelJson) as tf.io.ModelJSON;
    expect(json.format).toBe('layers-model');
    expect(json.convertedBy).toBeNull();
    expect(json.generatedBy).toMatch(/TensorFlow\.js/);
    expect(json.weightsManifest).toHaveLength(1);
    expect(json.weightsManifest[0]!.paths).toEqual([WEIGHTS_FILE]);
    const specs = json.weightsManifest[0]!.weights;
    const encoderParams = model.backboneVariables.slice(0, spec.encoder === 'mlp' ? 4 : 6).reduce((a, v) => a + v.size, 0);
    expect(specs.every((s) => s.dtype === 'float32')).toBe(true);
    expect(weights.byteLength).toBe(4 * encoderParams); // the encoder only: no head
    const meta = (json.userDefinedMetadata as { contrastivePlayground: Record<string, unknown> }).contrastivePlayground;
    expect(meta).toMatchObject({ method: 'byol', dataset: config.dataset, step: 123, encoder: config.encoder, inputShape: shape });
    expect(meta.config).toEqual(config);

    const loaded = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: weights }));
    const x = input(4, shape, 5);
    const y = loaded.predict(x) as tf.Tensor;
    const h = model.encode(x);
    expect(maxAbsDiff(y, h)).toBeLessThan(1e-5);
    tf.dispose([x, y, h]);
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  };

  it('cnn-small: model.json and weights load back with tf.loadLayersModel and predict h', () => roundTrip({ encoder: 'cnn-small' }, [12, 12, 1]));
  it('cnn-small on 28×28×1', () => roundTrip({ encoder: 'cnn-small' }, [28, 28, 1]));
  it('mlp on points', () => roundTrip({ encoder: 'mlp' }, [1, 2, 1]));
});
