import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from './config';
import { emptyRunMetrics, finalFigures, validateRunRecord, type RunRecord } from './runs';

/** A small finished run: 20 steps, evaluations at 0, 10 and 20, 5 points of 3 dimensions. */
function makeRun(): RunRecord {
  const steps = Array.from({ length: 20 }, (_, i) => i + 1);
  const evals = [0, 10, 20];
  return {
    id: 'run-1',
    name: 'SimCLR τ = 0.1',
    notes: '',
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_060_000,
    status: 'done',
    config: { ...DEFAULT_CONFIG, temperature: 0.1 },
    backend: 'wasm',
    sweepId: 'sweep-1',
    sweepLabel: 'τ = 0.1',
    metrics: {
      step: steps,
      loss: steps.map((s) => 5 - s / 10),
      lr: steps.map(() => 0.003),
      acc: steps.map((s) => s / 20),
      zStd: steps.map(() => 0.17),
      evalStep: evals,
      knn: [0.1, 0.5, 0.7],
      knnZ: [0.1, 0.4, 0.6],
      probeH: [Number.NaN, 0.6, 0.8],
      probeZ: [Number.NaN, 0.5, 0.7],
      probeH1: [Number.NaN, 0.3, 0.4],
      probeH10: [Number.NaN, 0.5, 0.6],
      align: [0.1, 0.5, 0.6],
      uniform: [-1, -2, -3],
      evalZStd: [0.1, 0.15, 0.17],
      effRank: [2, 5, 6],
      zDim: 32,
    },
    embeddings: {
      step: 20,
      dim: 3,
      n: 5,
      data: Float32Array.from({ length: 15 }, (_, i) => i / 7),
      labels: Int32Array.from([0, 1, 2, 1, 0]),
      classNames: ['zero', 'one', 'two'],
    },
    map: { step: 20, xy: Float32Array.from({ length: 10 }, (_, i) => i) },
    version: 1,
  };
}

/** A copy without some keys (a test's way to drop fields). */
function omit<T extends object, K extends keyof T>(o: T, ...keys: K[]): Omit<T, K> {
  const out = { ...o };
  for (const k of keys) delete out[k];
  return out;
}

function errorOf(raw: unknown): string {
  const r = validateRunRecord(raw);
  expect(r.ok).toBe(false);
  return r.ok ? '' : r.error;
}

describe('validateRunRecord', () => {
  it('accepts a whole run as it is, typed arrays and NaN included', () => {
    const run = makeRun();
    expect(validateRunRecord(run)).toEqual({ ok: true, run });
  });

  it('accepts a run without optional fields, and one that has not started', () => {
    const bare = omit(makeRun(), 'sweepId', 'sweepLabel', 'map');
    const r = validateRunRecord({ ...bare, status: 'running', metrics: emptyRunMetrics(), embeddings: null, backend: null });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect('map' in r.run).toBe(false);
      expect('sweepId' in r.run).toBe(false);
    }
  });

  it('reads plain arrays (from JSON) as typed arrays, null as NaN', () => {
    const run = makeRun();
    const plain = JSON.parse(JSON.stringify({ ...run, embeddings: { ...run.embeddings, data: Array.from(run.embeddings!.data), labels: [0, 1, 2, 1, 0] }, map: { step: 20, xy: Array.from(run.map!.xy) } }));
    const r = validateRunRecord(plain);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.run.embeddings!.data).toBeInstanceOf(Float32Array);
    expect(r.run.embeddings!.labels).toBeInstanceOf(Int32Array);
    expect(r.run.map!.xy).toBeInstanceOf(Float32Array);
    expect(Number.isNaN(r.run.metrics.probeH[0])).toBe(true);
    expect(r.run).toEqual(run);
  });

  it('fills config keys a record lacks with their defaults and drops unknown top-level fields', () => {
    const run = makeRun();
    const partial = omit(run.config, 'temperature');
    const r = validateRunRecord({ ...run, config: { ...partial, method: 'moco' }, extra: 1 });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.run.config.temperature).toBe(0.2);
      expect('extra' in r.run).toBe(false);
    }
  });

  it.each([
    ['not an object', null, 'a run must be an object (got null)'],
    ['another version', { ...makeRun(), version: 2 }, 'unsupported run format version 2'],
    ['an empty id', { ...makeRun(), id: '' }, 'id must be non-empty text'],
    ['a bad status', { ...makeRun(), status: 'paused' }, 'status must be one of running, done, stopped, error, interrupted (got "paused")'],
    ['a bad date', { ...makeRun(), createdAt: 'yesterday' }, 'createdAt must be a finite number'],
    ['a bad config', { ...makeRun(), config: { ...DEFAULT_CONFIG, temperature: -1 } }, 'config: temperature τ must be greater than 0 (got -1)'],
    ['a missing config', { ...makeRun(), config: undefined }, 'config: config must be a JSON object'],
    ['a numeric backend', { ...makeRun(), backend: 3 }, 'backend must be text'],
    ['a non-text error', { ...makeRun(), error: 42 }, 'error must be text'],
  ])('refuses %s', (_what, raw, message) => {
    expect(errorOf(raw)).toContain(message);
  });

  it('refuses step series of different lengths', () => {
    const run = makeRun();
    expect(errorOf({ ...run, metrics: { ...run.metrics, loss: run.metrics.loss.slice(1) } })).toBe('metrics.loss has 19 values but metrics.step has 20');
  });

  it('refuses evaluation series of different lengths', () => {
    const run = makeRun();
    expect(errorOf({ ...run, metrics: { ...run.metrics, effRank: [1] } })).toBe('metrics.effRank has 1 values but metrics.evalStep has 3');
  });

  it('refuses a step that is not a number, and a missing series', () => {
    const run = makeRun();
    expect(errorOf({ ...run, metrics: { ...run.metrics, step: [1, null, 3] } })).toContain('metrics.step[1] must be a finite number (got null)');
    const missing = omit(run.metrics, 'knnZ');
    expect(errorOf({ ...run, metrics: missing })).toContain('metrics.knnZ must be a list of numbers (got undefined)');
    expect(errorOf({ ...run, metrics: { ...run.metrics, loss: ['a'] } })).toContain('metrics.loss[0] must be a number');
  });

  it('refuses embeddings whose sizes disagree', () => {
    const run = makeRun();
    const e = run.embeddings!;
    expect(errorOf({ ...run, embeddings: { ...e, data: e.data.subarray(1) } })).toContain('embeddings.data has 14 values but n · dim = 5 · 3 = 15');
    expect(errorOf({ ...run, embeddings: { ...e, labels: e.labels.subarray(1) } })).toContain('embeddings.labels has 4 values but n = 5');
    expect(errorOf({ ...run, embeddings: { ...e, labels: [0, 1, 2.5, 1, 0] } })).toContain('embeddings.labels[2] must be a whole number');
    expect(errorOf({ ...run, embeddings: { ...e, dim: 0 } })).toContain('embeddings.dim must be a whole number of at least 1');
    expect(errorOf({ ...run, embeddings: { ...e, classNames: ['a', 2] } })).toContain('embeddings.classNames[1] must be text');
  });

  it('refuses a map that does not match the embeddings', () => {
    const run = makeRun();
    expect(errorOf({ ...run, map: { step: 20, xy: new Float32Array(7) } })).toContain('map.xy must hold x, y pairs');
    expect(errorOf({ ...run, map: { step: 20, xy: new Float32Array(8) } })).toContain('map.xy has 4 points but the embeddings have 5');
    expect(validateRunRecord({ ...run, map: null }).ok).toBe(true);
  });

  it('lists several faults at once, boundedly', () => {
    const run = makeRun();
    const error = errorOf({ ...run, id: 1, name: 2, notes: 3, createdAt: 'x', updatedAt: 'y', status: 's', backend: 4, metrics: {}, embeddings: 5 });
    expect(error).toContain('id must be');
    expect(error).toContain('name must be');
    expect(error).toMatch(/and \d+ more$/);
    expect(error.length).toBeLessThan(1000);
  });
});

describe('finalFigures', () => {
  it('reads the last evaluation and smooths the end of training', () => {
    const f = finalFigures(makeRun());
    expect(f.steps).toBe(20);
    expect(f.knn).toBe(0.7);
    expect(f.knnZ).toBe(0.6);
    expect(f.probeH).toBe(0.8);
    expect(f.probeZ).toBe(0.7);
    // Last 10 steps are 11..20: loss 5 − s/10, mean 5 − 1.55.
    expect(f.loss).toBeCloseTo(3.45, 12);
    // Last 10% of 20 steps = the last 2: acc 19/20 and 20/20.
    expect(f.acc).toBeCloseTo(0.975, 12);
  });

  it('skips evaluations that did not measure, and is null before any', () => {
    const run = makeRun();
    const probesOff = { ...run.metrics, probeH: [Number.NaN, 0.6, Number.NaN] };
    expect(finalFigures({ metrics: probesOff }).probeH).toBe(0.6);
    expect(finalFigures({ metrics: emptyRunMetrics() })).toEqual({ steps: 0, loss: null, acc: null, knn: null, knnZ: null, probeH: null, probeZ: null });
  });

  it('uses at least one step for the accuracy', () => {
    const m = { ...emptyRunMetrics(), step: [1, 2, 3], loss: [3, 2, Number.NaN], lr: [0, 0, 0], acc: [0.1, 0.2, 0.3], zStd: [0, 0, 0] };
    expect(finalFigures({ metrics: m })).toMatchObject({ steps: 3, acc: 0.3, loss: 2.5 });
  });
});
