import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, runDefaults, validateConfig, withDataset, configFromHash, configToHash, type TrainConfig } from '../shared/config';
import { TOY_SETS } from '../shared/datasets';
import { makeSplit } from './data';
import { mulberry32 } from './rng';
import { augmentPoints, blobs, circles, moons, pointTransforms, spirals, standardise, toyDataset, TOY_SIZE } from './toy';
import { Trainer } from './trainer';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('toy set generators', () => {
  it('moons without noise are scikit-learn make_moons(shuffle=False, noise=0)', () => {
    // make_moons(n_samples=6, shuffle=False, noise=0): outer t = 0, π/2, π; inner 1 − cos t, 1 − sin t − ½.
    const m = moons(6, 0, mulberry32(1));
    const expected = [1, 0, 0, 1, -1, 0, 0, 0.5, 1, -0.5, 2, 0.5];
    m.xy.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
    expect(Array.from(m.labels)).toEqual([0, 0, 0, 1, 1, 1]);
  });

  it('circles without noise lie on radius 1 and `factor`', () => {
    const c = circles(8, 0.5, 0, mulberry32(1));
    for (let i = 0; i < 8; i++) {
      const r = Math.hypot(c.xy[2 * i]!, c.xy[2 * i + 1]!);
      expect(r).toBeCloseTo(c.labels[i] ? 0.5 : 1, 12);
    }
    // make_circles' outer angles: linspace(0, 2π, 4, endpoint=False).
    expect([c.xy[2], c.xy[3]]).toEqual([Math.cos(Math.PI / 2), 1]);
  });

  it('blobs have their centres and spread; spirals keep arms apart', () => {
    const b = blobs(4000, 0.5, mulberry32(3));
    for (let k = 0; k < 4; k++) {
      let sx = 0;
      let sy = 0;
      let n = 0;
      let ss = 0;
      b.labels.forEach((l, i) => {
        if (l !== k) return;
        sx += b.xy[2 * i]!;
        sy += b.xy[2 * i + 1]!;
        n++;
      });
      const cx = sx / n;
      const cy = sy / n;
      expect(Math.abs(cx)).toBeCloseTo(2, 1);
      expect(Math.abs(cy)).toBeCloseTo(2, 1);
      b.labels.forEach((l, i) => {
        if (l === k) ss += (b.xy[2 * i]! - cx) ** 2;
      });
      expect(Math.sqrt(ss / n)).toBeCloseTo(0.5, 1);
    }
    const s = spirals(300, 0, mulberry32(1));
    // Same radius, different arms: angles 2π/3 apart.
    const a0 = Math.atan2(s.xy[1]!, s.xy[0]!);
    const a1 = Math.atan2(s.xy[3]!, s.xy[2]!);
    expect(Math.hypot(s.xy[0]!, s.xy[1]!)).toBeCloseTo(Math.hypot(s.xy[2]!, s.xy[3]!), 12);
    expect(((a1 - a0 + 4 * Math.PI) % (2 * Math.PI)) / ((2 * Math.PI) / 3)).toBeCloseTo(1, 10);
  });

  it('standardise centres and gives unit overall std, keeping the aspect', () => {
    const xy = Float64Array.from([0, 0, 2, 0, 0, 4, 2, 4]);
    const out = standardise(xy);
    const mean = [0, 1].map((d) => (out[d]! + out[2 + d]! + out[4 + d]! + out[6 + d]!) / 4);
    expect(mean[0]).toBeCloseTo(0, 6);
    expect(mean[1]).toBeCloseTo(0, 6);
    expect(Array.from(out, (v) => v * v).reduce((a, b) => a + b) / 8).toBeCloseTo(1, 6);
    // x spread 2, y spread 4 → ratio kept.
    expect((out[2]! - out[0]!) / (out[5]! - out[1]!)).toBeCloseTo(0.5, 6);
  });

  it.each(TOY_SETS.map((s) => [s] as const))('%s is a fixed dataset of 2-D points with every class held out', (name) => {
    const ds = toyDataset(name);
    expect([ds.n, ds.h, ds.w, ds.c]).toEqual([TOY_SIZE, 1, 2, 1]);
    expect(ds.points!.length).toBe(2 * TOY_SIZE);
    expect(ds.images.length).toBe(0);
    expect(toyDataset(name).points).toEqual(ds.points);
    const held = makeSplit(ds.n).heldOut;
    expect(new Set(Array.from(held, (i) => ds.labels[i])).size).toBe(ds.numClasses);
    expect(ds.classNames.length).toBe(ds.numClasses);
  });
});

describe('point augmentations', () => {
  it('the matrices are s·R(θ) with θ and s in range', () => {
    const m = pointTransforms(500, { rotationDeg: 30, scaleJitter: 0.2, noiseStd: 0 }, mulberry32(5));
    for (let i = 0; i < 500; i++) {
      const [a, b, c, d] = m.subarray(4 * i, 4 * i + 4);
      const s = Math.hypot(a!, c!);
      expect(s).toBeGreaterThanOrEqual(0.8 - 1e-6);
      expect(s).toBeLessThanOrEqual(1.2 + 1e-6);
      expect(Math.abs(Math.atan2(c!, a!))).toBeLessThanOrEqual((30 * Math.PI) / 180 + 1e-6);
      expect(d).toBeCloseTo(a!, 6);
      expect(b).toBeCloseTo(-c!, 6);
    }
  });

  it('rotation alone keeps norms; the same seed gives the same view; noise has its std', () => {
    const x = tf.tensor2d([1, 0, 0, 2, 3, 4], [3, 2]);
    const v = augmentPoints(x, { rotationDeg: 90, scaleJitter: 0, noiseStd: 0 }, 7);
    const norms = tf.norm(v, 2, 1).arraySync() as number[];
    expect(norms[0]).toBeCloseTo(1, 5);
    expect(norms[1]).toBeCloseTo(2, 5);
    expect(norms[2]).toBeCloseTo(5, 5);
    expect(augmentPoints(x, { rotationDeg: 90, scaleJitter: 0, noiseStd: 0 }, 7).arraySync()).toEqual(v.arraySync());
    const big = tf.zeros([4000, 2]) as tf.Tensor2D;
    const noisy = augmentPoints(big, { rotationDeg: 0, scaleJitter: 0, noiseStd: 0.3 }, 3);
    const std = Math.sqrt((tf.mean(tf.square(noisy)).arraySync() as number));
    expect(std).toBeCloseTo(0.3, 1.5);
    tf.dispose([x, v, big, noisy]);
  });
});

describe('toy sets in the config and the trainer', () => {
  it('switching to a toy set takes the MLP and a 2-D projection; back to images restores the CNN', () => {
    const toy = withDataset(DEFAULT_CONFIG, 'moons');
    expect(toy).toMatchObject({ dataset: 'moons', encoder: 'mlp', projDim: 2 });
    expect(withDataset(toy, 'spirals')).toMatchObject({ encoder: 'mlp', projDim: 2 });
    expect(withDataset({ ...toy, lr: 0.01 }, 'fashion')).toMatchObject({ encoder: 'cnn-small', projDim: DEFAULT_CONFIG.projDim, lr: 0.01 });
  });

  it('a config file or link naming a toy set starts from its preset; a wrong encoder is refused or corrected', () => {
    const r = validateConfig({ dataset: 'circles' });
    expect(r.ok && r.config.encoder).toBe('mlp');
    const bad = validateConfig({ dataset: 'circles', encoder: 'cnn-small' });
    expect(bad.ok ? [] : bad.errors).toEqual(['the circles set is 2-D points: it needs the mlp encoder (got cnn-small)']);
    const c: TrainConfig = { ...runDefaults('byol', 'blobs'), projDim: 3 };
    expect(configToHash(c)).toBe('method=byol&dataset=blobs&projDim=3');
    expect(configFromHash(configToHash(c))).toEqual({ config: c, errors: [] });
    const fixed = configFromHash('dataset=moons&encoder=cnn-small');
    expect(fixed.config.encoder).toBe('mlp');
    expect(fixed.errors[0]).toContain('needs the mlp encoder');
  });

  it('a link to your own data opens the default dataset with a message', () => {
    const r = configFromHash('dataset=custom&lr=0.01');
    expect(r.config.dataset).toBe('mnist');
    expect(r.config.lr).toBe(0.01);
    expect(r.errors[0]).toContain("sender's own data");
  });

  it('trains an MLP on moons without leaking, and draws z/‖z‖ on the circle', async () => {
    const config = { ...runDefaults('simclr', 'moons'), batchSize: 32, steps: 4, warmupSteps: 0, width: 4 };
    const t = new Trainer(config, toyDataset('moons'));
    expect(t.model.hDim).toBe(16);
    await t.trainStep();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) expect(Number.isFinite((await t.trainStep()).loss)).toBe(true);
    const ev = await t.evaluate();
    expect(tf.memory().numTensors).toBe(before);
    expect(ev.sphere!.length).toBe(2 * 400);
    for (let i = 0; i < 400; i++) expect(Math.hypot(ev.sphere![2 * i]!, ev.sphere![2 * i + 1]!)).toBeCloseTo(1, 5);
    expect(ev.knnAcc).toBeGreaterThan(0.5);
    t.dispose();
    expect(() => new Trainer({ ...config, encoder: 'cnn-small' }, toyDataset('moons'))).toThrow('needs the mlp encoder');
  });

  it('SimCLR learns the two moons in a short run: kNN accuracy on h rises from about 0.89 to near 1', async () => {
    const config = { ...runDefaults('simclr', 'moons'), batchSize: 128, steps: 200, warmupSteps: 5, evalEvery: 0 };
    const t = new Trainer(config, toyDataset('moons'));
    const before = await t.evaluate();
    while (!t.done) await t.trainStep();
    const after = await t.evaluate();
    expect(before.knnAcc).toBeLessThan(0.92);
    expect(after.knnAcc).toBeGreaterThan(0.97);
    t.dispose();
    // About 30 s on a quiet 2-core machine; generous for a loaded one.
  }, 180_000);
});
