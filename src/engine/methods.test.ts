/**
 * The methods inside the trainer: every method trains without leaking tensors, MoCo's queue keeps its order
 * and size, the EMA follows its formula, gradients never reach a target branch, and the collapse meter
 * matches numpy (scripts/fixtures/losses.py).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, METHODS, methodDefaults, validateConfig, withMethod, type TrainConfig } from '../shared/config';
import { applyExperiment, COLLAPSE_EXPERIMENTS, collapseVerdict } from '../shared/methods';
import { effectiveRank, normalizedStd, collapseMeter, symmetricEigenvalues } from './collapse';
import { toyDataset } from '../test/toyDataset';
import fixtures from './fixtures/losses.json';
import { simsiamLoss } from './losses';
import { createModel, emaUpdate } from './model';
import { newKeys, objective, targets } from './objectives';
import { KeyQueue } from './queue';
import { gaussian, mulberry32 } from './rng';
import { emaRateAt } from './schedule';
import { Trainer } from './trainer';


const SMALL = { width: 4, projHidden: 16, projDim: 8, predHidden: 8, batchSize: 8, steps: 6, warmupSteps: 2, evalEvery: 3, mocoQueue: 40 };
const configFor = (method: TrainConfig['method'], extra: Partial<TrainConfig> = {}): TrainConfig => ({
  ...methodDefaults(method),
  ...SMALL,
  ...extra,
});

const snapshot = (vars: tf.Variable[]) => vars.map((v) => v.dataSync().slice());

describe('every method in the trainer', () => {
  const variants: [string, TrainConfig][] = [
    ...METHODS.map((m) => [m, configFor(m)] as [string, TrainConfig]),
    ['moco symmetric', configFor('moco', { mocoSymmetric: true })],
    ['byol without stop-gradient', configFor('byol', { stopGradient: false })],
    ['byol without predictor, momentum 0', configFor('byol', { predictor: false, emaBase: 0, emaCosine: false })],
    ['simsiam without stop-gradient', configFor('simsiam', { stopGradient: false })],
    ['simsiam without predictor', configFor('simsiam', { predictor: false })],
    ['simclr without augmentation', configFor('simclr', { augment: false })],
  ];

  it.each(variants)('%s: finite losses and metrics, and tf.memory().numTensors flat across steps', async (_, config) => {
    const t = new Trainer(config, toyDataset());
    const first = await t.trainStep();
    const before = tf.memory().numTensors;
    const steps = [first];
    for (let i = 0; i < 3; i++) steps.push(await t.trainStep());
    const ev = await t.evaluate();
    expect(tf.memory().numTensors).toBe(before);
    for (const m of steps) {
      expect(Number.isFinite(m.loss)).toBe(true);
      expect(m.acc).toBeGreaterThanOrEqual(0);
      expect(m.acc).toBeLessThanOrEqual(1);
      expect(m.zStd).toBeGreaterThanOrEqual(0);
    }
    expect(ev.zDim).toBe(SMALL.projDim);
    expect(ev.effRank).toBeGreaterThanOrEqual(0);
    expect(ev.effRank).toBeLessThanOrEqual(SMALL.projDim + 1e-6);
    t.dispose();
  });

  it('the same seed gives the same losses for every method', async () => {
    for (const m of METHODS) {
      const run = async () => {
        const t = new Trainer(configFor(m, { steps: 3 }), toyDataset());
        const out: number[] = [];
        while (!t.done) out.push((await t.trainStep()).loss);
        t.dispose();
        return out;
      };
      expect(await run()).toEqual(await run());
    }
  });
});

describe('MoCo queue', () => {
  it('enqueues the newest batch at the end and drops the oldest, keeping K rows', () => {
    const q = new KeyQueue(5, 2, 7);
    const initial = q.value.arraySync();
    const batch = (v: number) => tf.tensor2d([
      [v, 0],
      [0, v],
    ]);
    q.enqueue(batch(1));
    q.enqueue(batch(2));
    q.enqueue(batch(3));
    expect(q.value.shape).toEqual([5, 2]);
    expect(q.value.arraySync()).toEqual([[0, 1], [2, 0], [0, 2], [3, 0], [0, 3]]);
    expect(q.enqueued).toBe(6);
    // Before the third batch the first row was still a random initial key, now gone.
    expect(initial.every((r) => Math.abs(Math.hypot(r[0]!, r[1]!) - 1) < 1e-6)).toBe(true);
    q.enqueue(tf.tensor2d([[4, 4], [5, 5], [6, 6], [7, 7], [8, 8], [9, 9]])); // B ≥ K: the newest K only
    expect(q.value.arraySync()).toEqual([[5, 5], [6, 6], [7, 7], [8, 8], [9, 9]]);
    q.dispose();
  });

  it('in training: after 3 steps of batch 8, the first K − 24 rows are the old rows shifted and the rest are unit keys', async () => {
    const t = new Trainer(configFor('moco', { mocoQueue: 40, steps: 5 }), toyDataset());
    const start = t.queue!.value.arraySync();
    for (let i = 0; i < 3; i++) await t.trainStep();
    const after = t.queue!.value.arraySync();
    expect(after.length).toBe(40);
    expect(after.slice(0, 16)).toEqual(start.slice(24));
    for (const row of after.slice(16)) expect(Math.hypot(...row)).toBeCloseTo(1, 5);
    expect(after.slice(16)).not.toEqual(start.slice(0, 24));
    t.dispose();
  });
});

describe('momentum (EMA) updates', () => {
  it('emaUpdate is θ_t ← m·θ_t + (1 − m)·θ_o on the backbone, and m = 0 copies', () => {
    const spec = { inputShape: [8, 8, 1] as [number, number, number], width: 2, projection: true, projHidden: 4, projDim: 3 };
    const online = createModel({ ...spec, seed: 1, predictor: true, predHidden: 4 });
    const target = createModel({ ...spec, seed: 2, trainable: false });
    const o = snapshot(online.backboneVariables);
    const t0 = snapshot(target.backboneVariables);
    emaUpdate(target, online, 0.9);
    target.backboneVariables.forEach((v, i) =>
      v.dataSync().forEach((x, j) => expect(x).toBeCloseTo(0.9 * t0[i]![j]! + 0.1 * o[i]![j]!, 6)),
    );
    emaUpdate(target, online, 0);
    expect(snapshot(target.backboneVariables)).toEqual(o);
    expect(target.variables.every((v) => !v.trainable)).toBe(true);
    online.dispose();
    target.dispose();
  });

  it('MoCo moves the key encoder before each step: after step 2 it is m·θ_k + (1 − m)·θ_q(after step 1)', async () => {
    const m = 0.9;
    const t = new Trainer(configFor('moco', { mocoMomentum: m }), toyDataset());
    await t.trainStep();
    const key0 = snapshot(t.target!.backboneVariables);
    const query1 = snapshot(t.model.backboneVariables);
    await t.trainStep();
    t.target!.backboneVariables.forEach((v, i) =>
      v.dataSync().forEach((x, j) => expect(x).toBeCloseTo(m * key0[i]![j]! + (1 - m) * query1[i]![j]!, 5)),
    );
    t.dispose();
  });

  it('BYOL moves the target after each step at the cosine-scheduled τ', async () => {
    const config = configFor('byol', { emaBase: 0.9, emaCosine: true, steps: 6 });
    const t = new Trainer(config, toyDataset());
    await t.trainStep();
    const target0 = snapshot(t.target!.backboneVariables);
    await t.trainStep(); // step index 1
    const online1 = snapshot(t.model.backboneVariables);
    const tau = emaRateAt(1, 6, 0.9, true);
    t.target!.backboneVariables.forEach((v, i) =>
      v.dataSync().forEach((x, j) => expect(x).toBeCloseTo(tau * target0[i]![j]! + (1 - tau) * online1[i]![j]!, 5)),
    );
    t.dispose();
  });

  it('BYOL’s schedule goes from τ_base to 1 along a cosine', () => {
    expect(emaRateAt(0, 100, 0.99, true)).toBeCloseTo(0.99, 12);
    expect(emaRateAt(50, 100, 0.99, true)).toBeCloseTo(0.995, 12);
    expect(emaRateAt(100, 100, 0.99, true)).toBeCloseTo(1, 12);
    expect(emaRateAt(50, 100, 0.99, false)).toBe(0.99);
  });
});

describe('heads with batch norm', () => {
  const spec = { inputShape: [8, 8, 1] as [number, number, number], width: 2, projection: true, projHidden: 6, projDim: 4, seed: 5 };
  const batch = (seed: number, n = 16) => {
    const r = mulberry32(seed);
    return tf.tensor2d(Array.from({ length: n }, () => Array.from({ length: 8 }, () => gaussian(r) + 1)));
  };

  it('output batch norm standardises each dimension over the batch; at evaluation the reference set’s statistics apply', () => {
    const m = createModel({ ...spec, headBN: true, projOutBN: true });
    const h = batch(1);
    const z = m.project(h);
    const { mean, variance } = tf.moments(z, 0);
    mean.dataSync().forEach((v) => expect(v).toBeCloseTo(0, 5));
    variance.dataSync().forEach((v) => expect(v).toBeCloseTo(1, 3));
    // Statistics from the batch itself give the training output; another reference gives another output.
    expect(tf.sub(m.project(h, h), z).abs().max().dataSync()[0]).toBeLessThan(1e-5);
    expect(tf.sub(m.project(h, batch(2, 40)), z).abs().max().dataSync()[0]).toBeGreaterThan(1e-3);
    m.dispose();
  });

  it('without batch norm the head ignores the reference set', () => {
    const m = createModel(spec);
    const h = batch(3);
    expect(tf.sub(m.project(h, batch(4)), m.project(h)).abs().max().dataSync()[0]).toBe(0);
    m.dispose();
  });
});

describe('stop-gradient', () => {
  const views = () => {
    const r = mulberry32(3);
    const v = () => tf.tensor4d(Float32Array.from({ length: 8 * 12 * 12 }, () => Math.abs(gaussian(r))), [8, 12, 12, 1]);
    return [v(), v()] as const;
  };

  it.each(['moco', 'byol'] as const)('%s: the loss has no path to the target network’s variables', (method) => {
    const config = configFor(method);
    const t = new Trainer(config, toyDataset());
    const [v1, v2] = views();
    // As in Trainer.enqueueStep: the targets are computed before the tape starts.
    const tg = targets(t.target, v1, v2);
    const loss = () => objective({ config, online: t.model, v1, v2, labels: null, queue: t.queue?.value ?? null, targets: tg }).loss;
    // The engine refuses a gradient with respect to tensors the loss does not depend on.
    expect(() => tf.engine().gradients(loss, t.target!.variables)).toThrow(/Cannot compute gradient/);
    expect(() => tf.engine().gradients(loss, t.model.variables)).not.toThrow();
    // …while the online network does learn from the loss.
    const { grads } = tf.variableGrads(loss, t.model.variables);
    expect(t.model.variables.every((v) => grads[v.name] !== undefined)).toBe(true);
    expect(t.model.variables.some((v) => grads[v.name]!.abs().max().dataSync()[0]! > 0)).toBe(true);
    t.dispose();
  });

  it('BYOL without stop-gradient has no target network: the online network is its own target', () => {
    const t = new Trainer(configFor('byol', { stopGradient: false }), toyDataset());
    expect(t.target).toBeNull();
    t.dispose();
  });

  it('MoCo enqueues the normalised keys of view 2, then (symmetric) of view 1', () => {
    const t1 = tf.tensor2d([[3, 4]]);
    const t2 = tf.tensor2d([[0, 2]]);
    expect(newKeys(configFor('moco'), { t1, t2 }).arraySync()).toEqual([[0, 1]]);
    const sym = newKeys(configFor('moco', { mocoSymmetric: true }), { t1, t2 }).arraySync();
    expect(sym[0]).toEqual([0, 1]);
    expect(sym[1]![0]).toBeCloseTo(0.6, 6);
    expect(sym[1]![1]).toBeCloseTo(0.8, 6);
  });

  it('SimSiam: the online gradients equal those with the target branch fed in as constants, and differ without it', () => {
    const config = configFor('simsiam');
    const t = new Trainer(config, toyDataset());
    const m = t.model;
    const [v1, v2] = views();
    const withSg = tf.variableGrads(() => objective({ config, online: m, v1, v2, labels: null, queue: null, targets: null }).loss, m.variables);
    const z1c = m.project(m.encode(v1));
    const z2c = m.project(m.encode(v2));
    const constTarget = tf.variableGrads(() => {
      const z1 = m.project(m.encode(v1));
      const z2 = m.project(m.encode(v2));
      return simsiamLoss(m.predict(z1), m.predict(z2), z1c, z2c, false);
    }, m.variables);
    const noSg = tf.variableGrads(
      () => objective({ config: { ...config, stopGradient: false }, online: m, v1, v2, labels: null, queue: null, targets: null }).loss,
      m.variables,
    );
    let maxDiffConst = 0;
    let maxDiffNoSg = 0;
    for (const v of m.variables) {
      maxDiffConst = Math.max(maxDiffConst, tf.sub(withSg.grads[v.name]!, constTarget.grads[v.name]!).abs().max().dataSync()[0]!);
      maxDiffNoSg = Math.max(maxDiffNoSg, tf.sub(withSg.grads[v.name]!, noSg.grads[v.name]!).abs().max().dataSync()[0]!);
    }
    expect(maxDiffConst).toBeLessThan(1e-6);
    expect(maxDiffNoSg).toBeGreaterThan(1e-4);
    t.dispose();
  });
});

describe('collapse meter', () => {
  interface CollapseCase {
    name: string;
    kind: string;
    inputs: { x: number[][] };
    zstd: number;
    erank: number;
    eigenvalues: number[];
  }
  const cases = (fixtures.cases as unknown as CollapseCase[]).filter((c) => c.kind === 'collapse');

  it.each(cases.map((c) => [c.name, c] as const))('%s: std, eigenvalues and effective rank match numpy', async (_, c) => {
    const x = tf.tensor2d(c.inputs.x);
    const meter = await collapseMeter(x);
    expect(meter.zStd).toBeCloseTo(c.zstd, 5);
    expect(meter.effRank!).toBeCloseTo(c.erank, 3);
    x.dispose();
  });

  it.each([1, 6, 40])('eigenvalues of a rotated diagonal matrix of size %i are the diagonal', (n) => {
    const r = mulberry32(9 + n);
    const want = Array.from({ length: n }, (_, i) => (i < n / 3 ? 0 : r() * 5)).sort((a, b) => b - a);
    // Q = a product of plane rotations; A = Q·diag·Qᵀ, in float64.
    const q: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (__, j) => (i === j ? 1 : 0)));
    for (let k = 0; k < 4 * n; k++) {
      const i = Math.floor(r() * n);
      const j = (i + 1 + Math.floor(r() * (n - 1))) % n;
      if (i === j) continue;
      const th = r() * Math.PI;
      for (const row of q) {
        const [a, b] = [row[i]!, row[j]!];
        row[i] = Math.cos(th) * a - Math.sin(th) * b;
        row[j] = Math.sin(th) * a + Math.cos(th) * b;
      }
    }
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) a[i * n + j]! += q[i]![k]! * want[k]! * q[j]![k]!;
    const eig = symmetricEigenvalues(a, n);
    Array.from(eig).forEach((e, i) => expect(e).toBeCloseTo(want[i]!, 9));
  });

  it('effective rank: d for equal eigenvalues, 1 for one, 0 for none', () => {
    expect(effectiveRank([1, 1, 1, 1])).toBeCloseTo(4, 12);
    expect(effectiveRank([1, 0, 0])).toBeCloseTo(1, 12);
    expect(effectiveRank([0, 0])).toBe(0);
  });

  it('std of the normalised output is ≈ 1/√d for isotropic outputs and 0 for identical ones', () => {
    const d = 16;
    const r = mulberry32(4);
    const iso = tf.tensor2d(Array.from({ length: 4000 }, () => Array.from({ length: d }, () => gaussian(r))));
    expect(normalizedStd(iso).dataSync()[0]).toBeCloseTo(1 / Math.sqrt(d), 2);
    const same = tf.tile(tf.tensor2d([[1, 2, 3, 4]]), [10, 1]) as tf.Tensor2D;
    expect(normalizedStd(same).dataSync()[0]).toBeCloseTo(0, 6);
    tf.dispose([iso, same]);
  });

  it('the verdict words: healthy, dimensional collapse, collapsed', () => {
    expect(collapseVerdict({ zStd: 0.17, dim: 32, effRank: 20 }).level).toBe('healthy');
    expect(collapseVerdict({ zStd: 0.17, dim: 32, effRank: 2.5 }).level).toBe('partial');
    expect(collapseVerdict({ zStd: 0.17, dim: 32, effRank: 3.5 }).level).toBe('healthy');
    // With d = 2 (a circle) a rank under 1 is a line's worth of nothing: only d/2 applies.
    expect(collapseVerdict({ zStd: 0.5, dim: 2, effRank: 1.5 }).level).toBe('healthy');
    const c = collapseVerdict({ zStd: 0.001, dim: 32, effRank: 1 });
    expect(c.level).toBe('collapsed');
    expect(c.words).toMatch(/^Collapsed/);
  });
});

describe('method presets and the collapse lab', () => {
  it('each method’s defaults pass validation', () => {
    for (const m of METHODS) {
      expect(methodDefaults(m).method).toBe(m);
      expect(validateConfig(methodDefaults(m))).toEqual({ ok: true, config: methodDefaults(m) });
    }
    expect(methodDefaults('moco').temperature).toBe(0.2);
    expect(methodDefaults('simclr')).toEqual(DEFAULT_CONFIG);
  });

  it('experiments do not carry over: each starts from its method’s safeguards, and switching methods restores them', () => {
    const byId = (id: string) => COLLAPSE_EXPERIMENTS.find((e) => e.id === id)!;
    let c = applyExperiment(DEFAULT_CONFIG, byId('byol-momentum-0'));
    expect(c).toMatchObject({ method: 'byol', emaBase: 0, emaCosine: false });
    c = applyExperiment(c, byId('byol-no-pred'));
    expect(c).toMatchObject({ method: 'byol', predictor: false, emaBase: DEFAULT_CONFIG.emaBase, emaCosine: true });
    c = applyExperiment(c, byId('simclr-no-aug'));
    expect(c).toMatchObject({ method: 'simclr', augment: false, predictor: true });
    c = applyExperiment(c, byId('simsiam-no-sg'));
    expect(c).toMatchObject({ method: 'simsiam', augment: true, stopGradient: false, projOutBN: false });
    expect(withMethod(c, 'byol')).toMatchObject({ stopGradient: true, augment: true });
    // Every experiment is a valid config that differs from its method's defaults.
    for (const e of COLLAPSE_EXPERIMENTS) {
      const x = applyExperiment(DEFAULT_CONFIG, e);
      expect(validateConfig(x).ok).toBe(true);
      expect(x).not.toEqual(methodDefaults(x.method));
    }
  });
});
