import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../shared/config';
import { toyDataset } from '../test/toyDataset';
import { NonFiniteLossError, Trainer } from './trainer';

const CONFIG = { ...DEFAULT_CONFIG, width: 4, projHidden: 16, projDim: 8, batchSize: 8, steps: 6, warmupSteps: 2, evalEvery: 3 };

describe('Trainer.trainSteps (one readback per k steps)', () => {
  it('gives trainStep’s metrics, in order, and stops at the end of the run', async () => {
    const a = new Trainer(CONFIG, toyDataset());
    const one = [];
    while (!a.done) one.push(await a.trainStep());
    a.dispose();
    const b = new Trainer(CONFIG, toyDataset());
    const batched = [...(await b.trainSteps(4)), ...(await b.trainSteps(4))];
    expect(await b.trainSteps(4)).toEqual([]);
    b.dispose();
    expect(batched.map((m) => m.step)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const key of ['loss', 'lr', 'acc', 'zStd'] as const) expect(batched.map((m) => m[key])).toEqual(one.map((m) => m[key]));
  });

  it('leaves tf.memory().numTensors unchanged', async () => {
    const t = new Trainer({ ...CONFIG, steps: 20 }, toyDataset());
    await t.trainSteps(2);
    const before = tf.memory().numTensors;
    await t.trainSteps(3);
    await t.trainSteps(1);
    expect(tf.memory().numTensors).toBe(before);
    t.dispose();
  });

  it('throws NonFiniteLossError naming the first step whose loss is not finite', async () => {
    const t = new Trainer({ ...CONFIG, steps: 40, lr: 10, optimizer: 'sgd', temperature: 0.0001 }, toyDataset());
    let error: unknown = null;
    try {
      while (!t.done) await t.trainSteps(5);
    } catch (e) {
      error = e;
    }
    t.dispose();
    if (error) expect(error).toBeInstanceOf(NonFiniteLossError);
  });
});

describe('Trainer.evaluateWith (step 0 evaluated after the first step)', () => {
  it('equals evaluate() at the weights given, reports their step, and puts the current weights back', async () => {
    const t = new Trainer({ ...CONFIG, probes: true }, toyDataset());
    const before = await t.evaluate();
    const initial = t.cloneWeights();
    await t.trainStep();
    await t.trainStep();
    const trained = await t.evaluate();
    const tensors = tf.memory().numTensors;
    const late = await t.evaluateWith(initial, 0);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(late.step).toBe(0);
    expect(t.step).toBe(2);
    expect(Array.from(late.embeddings)).toEqual(Array.from(before.embeddings));
    for (const key of ['knnAcc', 'knnAccZ', 'probeH', 'align', 'uniform', 'zStd'] as const) expect(late[key]).toBe(before[key]);
    // The trained weights are back: evaluating again gives the trained figures.
    const again = await t.evaluate();
    expect(Array.from(again.embeddings)).toEqual(Array.from(trained.embeddings));
    expect(Array.from(trained.embeddings)).not.toEqual(Array.from(before.embeddings));
    tf.dispose(initial);
    t.dispose();
  });
});
