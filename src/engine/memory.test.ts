/**
 * Memory (issue 7): every method, and the variants with their own state (MoCo's queue, symmetric or not; BYOL's
 * EMA target, scheduled or constant; the collapse lab's switches), trains 30 steps with two evaluations and a
 * similarity matrix (the live views) without tf.memory() moving after the first step, and Trainer.dispose()
 * returns numTensors and numBytes to their values before the trainer was built ("memory released when a run is
 * reset"). `npm run bench:soak` runs the same check over 10,000 steps on WASM.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { METHODS, methodDefaults, runDefaults, type TrainConfig } from '../shared/config';
import { toyDataset as barsDataset } from '../test/toyDataset';
import { toyDataset } from './toy';
import type { Dataset } from './data';
import { Trainer } from './trainer';

const STEPS = 30;
const TINY = { width: 4, projHidden: 16, projDim: 8, predHidden: 8, batchSize: 8, steps: STEPS, warmupSteps: 5, evalEvery: 15, mocoQueue: 40, knnK: 5, probes: false };
const configFor = (method: TrainConfig['method'], extra: Partial<TrainConfig> = {}): TrainConfig => ({ ...methodDefaults(method), ...TINY, ...extra });

const memory = () => {
  const m = tf.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes };
};

/**
 * Trains a run through: step 1, then steps 2..30 with an evaluation at 15 and 30 and a similarity matrix after
 * each; returns tf.memory() before construction, after step 1, after every later step, and after dispose().
 */
async function soak(config: TrainConfig, dataset: Dataset) {
  const before = memory();
  const t = new Trainer(config, dataset);
  const queueSize = t.queue?.value.shape[0];
  await t.trainStep();
  const afterFirst = memory();
  const later: { step: number; numTensors: number; numBytes: number }[] = [];
  while (!t.done) {
    await t.trainStep();
    if (t.step % config.evalEvery === 0) {
      await t.evaluate();
      await t.similarityMatrix(8, t.step);
    }
    later.push({ step: t.step, ...memory() });
  }
  // MoCo's queue keeps its size (its old value is disposed at each enqueue, not kept alongside).
  if (t.queue) expect(t.queue.value.shape[0]).toBe(queueSize);
  t.dispose();
  return { before, afterFirst, later, afterDispose: memory() };
}

function expectFlatAndReleased(r: Awaited<ReturnType<typeof soak>>): void {
  const moved = r.later.filter((m) => m.numTensors !== r.afterFirst.numTensors || m.numBytes !== r.afterFirst.numBytes);
  expect(moved, `tf.memory() after step 1 was ${JSON.stringify(r.afterFirst)}`).toEqual([]);
  expect(r.later.length).toBe(STEPS - 1);
  expect(r.afterDispose).toEqual(r.before);
}

describe('memory: tf.memory() flat over training and evaluation, released by dispose()', () => {
  // Probes off but in SimCLR's run: they cost ~0.8 s an evaluation on the CPU backend and do the same in every method.
  const variants: [string, TrainConfig][] = [
    ...METHODS.map((m) => [m, configFor(m, { probes: m === 'simclr' })] as [string, TrainConfig]),
    ['moco symmetric (both views as queries, two keys per image enqueued)', configFor('moco', { mocoSymmetric: true })],
    ['byol, constant EMA rate τ_base', configFor('byol', { emaCosine: false })],
  ];

  it.each(variants)('%s', async (_, config) => {
    expectFlatAndReleased(await soak(config, barsDataset()));
  });

  it('a 2-D toy set (MLP encoder, z on the circle) with MoCo and BYOL', async () => {
    const moons = toyDataset('moons', 400);
    for (const method of ['moco', 'byol'] as const) {
      expectFlatAndReleased(await soak({ ...runDefaults(method, 'moons'), ...TINY, projDim: 2 }, moons));
    }
  });

  it('a run replaced by the next one (the worker builds the new trainer, then disposes the old) leaves nothing', async () => {
    const ds = barsDataset();
    const before = memory();
    let last: Trainer | null = null;
    for (const m of ['simclr', 'moco', 'byol'] as const) {
      const t = new Trainer(configFor(m, { steps: 3, mocoQueue: 4 }), ds);
      last?.dispose();
      last = t;
      while (!t.done) await t.trainStep();
      await t.evaluate();
    }
    last!.dispose();
    expect(memory()).toEqual(before);
  });
});
