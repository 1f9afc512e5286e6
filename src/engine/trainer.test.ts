import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../shared/config';
import { toyDataset } from '../test/toyDataset';
import { lrAt } from './schedule';
import { createOptimizer } from './optim';
import { BatchSampler, Trainer } from './trainer';


const CONFIG = { ...DEFAULT_CONFIG, width: 4, projHidden: 16, projDim: 8, batchSize: 8, steps: 6, warmupSteps: 2, evalEvery: 3 };

describe('Trainer', () => {
  it('a training step leaves tf.memory().numTensors unchanged', async () => {
    const t = new Trainer(CONFIG, toyDataset());
    await t.trainStep(); // optimizer slots are made on construction; the first step allocates nothing lasting
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await t.trainStep();
    await t.evaluate();
    expect(tf.memory().numTensors).toBe(before);
    t.dispose();
  });

  it('trains: finite losses, the schedule’s learning rates, and the same numbers for the same seed', async () => {
    const run = async () => {
      const t = new Trainer(CONFIG, toyDataset());
      const out = [];
      while (!t.done) out.push(await t.trainStep());
      t.dispose();
      return out;
    };
    const a = await run();
    const b = await run();
    expect(a.map((m) => m.loss)).toEqual(b.map((m) => m.loss));
    a.forEach((m, i) => {
      expect(Number.isFinite(m.loss)).toBe(true);
      expect(m.lr).toBeCloseTo(lrAt(i, CONFIG.lr, CONFIG.warmupSteps, CONFIG.steps), 10);
      expect(m.acc).toBeGreaterThanOrEqual(0);
      expect(m.acc).toBeLessThanOrEqual(1);
    });
    // The first loss is near log(2N − 1), the value for uninformative embeddings.
    expect(Math.abs(a[0]!.loss - Math.log(2 * CONFIG.batchSize - 1))).toBeLessThan(1);
  });

  it('evaluates kNN accuracy and returns held-out embeddings of h', async () => {
    const t = new Trainer(CONFIG, toyDataset());
    const ev = await t.evaluate();
    expect(ev.dim).toBe(4 * CONFIG.width);
    expect(ev.embeddings.length).toBe(t.split.heldOut.length * ev.dim);
    expect(ev.knnAcc).toBeGreaterThanOrEqual(0);
    expect(ev.knnAcc).toBeLessThanOrEqual(1);
    t.dispose();
  });

  it('stops with a message that names the step when the loss is not finite', async () => {
    const t = new Trainer({ ...CONFIG, lr: 10, optimizer: 'sgd', temperature: 0.0001 }, toyDataset());
    let error: Error | null = null;
    try {
      while (!t.done) await t.trainStep();
    } catch (e) {
      error = e as Error;
    }
    t.dispose();
    if (error) expect(error.message).toMatch(/the loss became (NaN|Infinity|-Infinity) at step \d+/);
  });
});

describe('BatchSampler', () => {
  it('visits every example once per epoch', () => {
    const s = new BatchSampler(Int32Array.from({ length: 10 }, (_, i) => i), 3);
    const seen = [...s.next(5), ...s.next(5)].sort((a, b) => a - b);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('learning-rate schedule', () => {
  it('warms up linearly, then follows a cosine to zero', () => {
    expect(lrAt(0, 1, 4, 104)).toBeCloseTo(0.25);
    expect(lrAt(3, 1, 4, 104)).toBeCloseTo(1);
    expect(lrAt(4, 1, 4, 104)).toBeCloseTo(1);
    expect(lrAt(54, 1, 4, 104)).toBeCloseTo(0.5);
    expect(lrAt(104, 1, 4, 104)).toBeCloseTo(0);
  });
});

describe('optimizers', () => {
  it('Adam takes PyTorch’s first two steps on f(p) = p²/2 (gradient p)', () => {
    const p = tf.variable(tf.tensor1d([1, -2]), true, 'adam-p');
    const opt = createOptimizer([p], { kind: 'adam', momentum: 0, weightDecay: 0 });
    // Step 1: m̂ = g, v̂ = g², so p ← p − lr·g/(|g| + ε) = p − lr·sign(g).
    opt.step({ 'adam-p': p.clone() }, 0.1);
    expect(Array.from(p.dataSync())).toEqual([expect.closeTo(0.9, 6), expect.closeTo(-1.9, 6)]);
    // Step 2 by hand: g = (0.9, −1.9).
    const g2 = [0.9, -1.9];
    const want = [0.9, -1.9].map((pv, i) => {
      const g1 = [1, -2][i]!;
      const m = (0.9 * 0.1 * g1 + 0.1 * g2[i]!) / (1 - 0.9 ** 2);
      const v = (0.999 * 0.001 * g1 * g1 + 0.001 * g2[i]! ** 2) / (1 - 0.999 ** 2);
      return pv - (0.1 * m) / (Math.sqrt(v) + 1e-8);
    });
    opt.step({ 'adam-p': p.clone() }, 0.1);
    const got = p.dataSync();
    expect(got[0]).toBeCloseTo(want[0]!, 5);
    expect(got[1]).toBeCloseTo(want[1]!, 5);
    opt.dispose();
    p.dispose();
  });

  it('SGD with momentum follows torch.optim.SGD', () => {
    const p = tf.variable(tf.tensor1d([1]), true, 'sgd-p');
    const opt = createOptimizer([p], { kind: 'sgd', momentum: 0.9, weightDecay: 0 });
    opt.step({ 'sgd-p': tf.tensor1d([1]) }, 0.1); // buf = 1, p = 0.9
    opt.step({ 'sgd-p': tf.tensor1d([1]) }, 0.1); // buf = 1.9, p = 0.71
    expect(p.dataSync()[0]).toBeCloseTo(0.71, 6);
    opt.dispose();
    p.dispose();
  });
});
