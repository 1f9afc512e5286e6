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
