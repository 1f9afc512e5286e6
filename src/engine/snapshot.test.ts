import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type TrainConfig } from '../shared/config';
import { toyDataset } from '../test/toyDataset';
import { restoreTrainer, snapshotTrainer } from './snapshot';
import { Trainer } from './trainer';

// SGD without momentum keeps no optimizer state, so a restored run must retrace the uninterrupted one exactly.
const BASE: TrainConfig = { ...DEFAULT_CONFIG, width: 4, projHidden: 16, projDim: 8, batchSize: 8, steps: 6, warmupSteps: 2, evalEvery: 0, optimizer: 'sgd', momentum: 0, lr: 0.05 };

async function losses(t: Trainer, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await t.trainStep()).loss);
  return out;
}

describe('snapshotTrainer / restoreTrainer', () => {
  for (const method of ['simclr', 'moco', 'byol'] as const) {
    it(`a ${method} run restored from step 3 goes on exactly as the uninterrupted run (stateless optimizer)`, async () => {
      const config = { ...BASE, method, mocoQueue: 16 };
      const whole = new Trainer(config, toyDataset());
      const all = await losses(whole, 6);
      const first = new Trainer(config, toyDataset());
      await losses(first, 3);
      const snap = await snapshotTrainer(first);
      expect(snap.step).toBe(3);
      expect(snap.target === null).toBe(method === 'simclr');
      expect(snap.queue === null).toBe(method !== 'moco');
      first.dispose();
      const resumed = new Trainer(config, toyDataset());
      restoreTrainer(resumed, snap);
      expect(resumed.step).toBe(3);
      const rest = await losses(resumed, 3);
      for (let i = 0; i < 3; i++) expect(rest[i]!).toBeCloseTo(all[i + 3]!, 4);
      expect(resumed.done).toBe(true);
      const a = await snapshotTrainer(whole);
      const b = await snapshotTrainer(resumed);
      let maxDiff = 0;
      a.model.forEach((v, i) => v.forEach((x, j) => (maxDiff = Math.max(maxDiff, Math.abs(x - b.model[i]![j]!)))));
      expect(maxDiff).toBeLessThan(1e-4);
      whole.dispose();
      resumed.dispose();
    });
  }

  it('a snapshot of another model is refused and changes nothing', async () => {
    const a = new Trainer(BASE, toyDataset());
    const b = new Trainer({ ...BASE, width: 8 }, toyDataset());
    const snap = await snapshotTrainer(a);
    const before = await snapshotTrainer(b);
    expect(() => restoreTrainer(b, snap)).toThrow(/variable \d+ has \d+ values/);
    const after = await snapshotTrainer(b);
    expect(after.model.map((v) => Array.from(v))).toEqual(before.model.map((v) => Array.from(v)));
    expect(b.step).toBe(0);
    const tensors = tf.memory().numTensors;
    restoreTrainer(a, snap);
    expect(tf.memory().numTensors).toBe(tensors);
    a.dispose();
    b.dispose();
  });
});
