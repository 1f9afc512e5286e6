import { describe, expect, it } from 'vitest';
import { checkField, DEFAULT_CONFIG, methodDefaults, runDefaults, type TrainConfig } from './config';
import { knobsFor, MAX_SWEEP_RUNS, parseSweepValues, planSweep, SWEEP_KNOBS, sweepEta, whyInert } from './sweep';

const base: TrainConfig = { ...DEFAULT_CONFIG, seed: 7 };

describe('sweep knobs', () => {
  it('suggest only values the config panel accepts, one knob per setting', () => {
    expect(new Set(SWEEP_KNOBS.map((k) => k.key)).size).toBe(SWEEP_KNOBS.length);
    for (const k of SWEEP_KNOBS) {
      expect(k.defaultValues.length, k.key).toBeGreaterThan(0);
      for (const v of k.defaultValues) expect(checkField(k.key, v).ok, `${k.key} = ${v}`).toBe(true);
      const plan = planSweep(runDefaults(k.methods?.[0] ?? 'simclr', k.kind === 'points' ? 'moons' : 'mnist'), [{ key: k.key, values: k.defaultValues }]);
      expect(plan.ok, k.key).toBe(true);
    }
  });

  it('suggest SimCLR Table 5’s temperatures', () => {
    expect(SWEEP_KNOBS.find((k) => k.key === 'temperature')?.defaultValues).toEqual([0.05, 0.1, 0.2, 0.5, 1]);
  });

  it('are offered only where the method and dataset read them', () => {
    const simclr = knobsFor(base).map((k) => k.key);
    expect(simclr).toContain('temperature');
    expect(simclr).not.toContain('mocoQueue');
    expect(simclr).not.toContain('scaleJitter');
    const moco = knobsFor(methodDefaults('moco')).map((k) => k.key);
    expect(moco).toEqual(expect.arrayContaining(['mocoQueue', 'mocoMomentum', 'temperature']));
    const points = knobsFor(runDefaults('simclr', 'moons')).map((k) => k.key);
    expect(points).toContain('scaleJitter');
    expect(points).not.toContain('cropScaleMin');
  });

  it('say why a knob does nothing', () => {
    const cutoutSize = SWEEP_KNOBS.find((k) => k.key === 'cutoutSize')!;
    expect(whyInert(cutoutSize, base)).toContain('cutout probability is 0');
    expect(whyInert(cutoutSize, { ...base, cutoutProb: 0.5 })).toBeNull();
    const tau = SWEEP_KNOBS.find((k) => k.key === 'temperature')!;
    expect(whyInert(tau, methodDefaults('byol'))).toBe('BYOL does not read it');
  });
});

describe('parseSweepValues', () => {
  it('reads comma- and space-separated lists, dropping duplicates', () => {
    expect(parseSweepValues('temperature', '0.05, 0.1 0.2,0.5;1')).toEqual({ ok: true, values: [0.05, 0.1, 0.2, 0.5, 1] });
    expect(parseSweepValues('temperature', '0.1, 0.10, 1e-1, 0.5')).toEqual({ ok: true, values: [0.1, 0.5] });
    expect(parseSweepValues('batchSize', '  64  ')).toEqual({ ok: true, values: [64] });
  });

  it('reads switches', () => {
    expect(parseSweepValues('augment', 'false, true')).toEqual({ ok: true, values: [false, true] });
    expect(parseSweepValues('projection', '1 0 1')).toEqual({ ok: true, values: [true, false] });
  });

  it.each([
    ['temperature', '0.1, abc', 'temperature τ must be a finite number (got "abc")'],
    ['temperature', '0.1, 0', 'temperature τ must be greater than 0 (got 0)'],
    ['batchSize', '32, 64.5', 'batch size must be a whole number (got 64.5)'],
    ['batchSize', '32 4096', 'batch size must be at most 1024 (got 4096)'],
    ['augment', 'true maybe', 'augment must be true or false (got "maybe")'],
    ['temperature', '', 'give at least one value for temperature τ'],
    ['temperature', ' , ; ', 'give at least one value for temperature τ'],
    ['lr', Array.from({ length: 13 }, (_, i) => 0.001 * (i + 1)).join(','), 'at most 12 values for learning rate (got 13)'],
  ] as const)('%s "%s" is refused: %s', (key, text, message) => {
    expect(parseSweepValues(key, text)).toEqual({ ok: false, error: message });
  });

  it('gives the config panel’s own message', () => {
    const r = parseSweepValues('cropScaleMin', '0.01');
    const panel = checkField('cropScaleMin', '0.01');
    expect(r.ok || panel.ok).toBe(false);
    if (!r.ok && !panel.ok) expect(r.error).toBe(panel.error);
  });

  it('stays short on a wall of text', () => {
    const r = parseSweepValues('temperature', `${'<script>alert(1)</script> '.repeat(5000)}`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.length).toBeLessThan(120);
    const one = parseSweepValues('temperature', 'x'.repeat(100000));
    expect(one.ok).toBe(false);
    if (!one.ok) expect(one.error.length).toBeLessThan(120);
  });

  it('refuses a setting that cannot be swept', () => {
    expect(parseSweepValues('seed', '1 2')).toEqual({ ok: false, error: '"seed" cannot be swept' });
  });
});

describe('planSweep', () => {
  it('runs one axis in order, everything else as the base', () => {
    const plan = planSweep(base, [{ key: 'temperature', values: [0.05, 0.1, 0.5] }]);
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    expect(plan.runs.map((r) => r.label)).toEqual(['τ = 0.05', 'τ = 0.1', 'τ = 0.5']);
    expect(plan.runs.map((r) => r.index)).toEqual([0, 1, 2]);
    expect(plan.runs.map((r) => r.at)).toEqual([[0], [1], [2]]);
    expect(plan.runs[1]!.patch).toEqual({ temperature: 0.1 });
    expect(plan.runs[1]!.config).toEqual({ ...base, temperature: 0.1 });
    expect(plan.warnings).toEqual([]);
  });

  it('expands two axes as a grid, the first axis outer, one seed for all', () => {
    const plan = planSweep(base, [
      { key: 'temperature', values: [0.1, 0.5] },
      { key: 'batchSize', values: [32, 64, 128] },
    ]);
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    expect(plan.runs).toHaveLength(6);
    expect(plan.runs.map((r) => [r.config.temperature, r.config.batchSize])).toEqual([
      [0.1, 32],
      [0.1, 64],
      [0.1, 128],
      [0.5, 32],
      [0.5, 64],
      [0.5, 128],
    ]);
    expect(plan.runs[4]!.label).toBe('τ = 0.5, batch = 64');
    expect(plan.runs[4]!.at).toEqual([1, 1]);
    expect(new Set(plan.runs.map((r) => r.config.seed))).toEqual(new Set([7]));
    for (const r of plan.runs) {
      expect({ ...r.config, temperature: 0, batchSize: 0 }).toEqual({ ...base, temperature: 0, batchSize: 0 });
    }
  });

  it('labels switches in words', () => {
    const plan = planSweep(base, [
      { key: 'augment', values: [false, true] },
      { key: 'projection', values: [true] },
    ]);
    expect(plan.ok && plan.runs.map((r) => r.label)).toEqual(['augmentation off, projection head on', 'augmentation on, projection head on']);
  });

  it('drops duplicate values', () => {
    const plan = planSweep(base, [{ key: 'batchSize', values: [64, 64, 32] }]);
    expect(plan.ok && plan.runs.map((r) => r.config.batchSize)).toEqual([64, 32]);
  });

  it('refuses the same setting on both axes', () => {
    const plan = planSweep(base, [
      { key: 'temperature', values: [0.1] },
      { key: 'temperature', values: [0.5] },
    ]);
    expect(plan).toEqual({ ok: false, errors: ['temperature τ is on both axes: sweep it on one'] });
  });

  it('refuses no axis, three axes, an empty axis, and a bad value', () => {
    expect(planSweep(base, []).ok).toBe(false);
    const three = planSweep(base, [
      { key: 'temperature', values: [0.1] },
      { key: 'batchSize', values: [32] },
      { key: 'lr', values: [0.001] },
    ]);
    expect(three).toEqual({ ok: false, errors: ['a sweep has one or two axes (got 3)'] });
    expect(planSweep(base, [{ key: 'temperature', values: [] }])).toEqual({ ok: false, errors: ['give at least one value for temperature τ'] });
    expect(planSweep(base, [{ key: 'temperature', values: [0.1, -1] }])).toEqual({ ok: false, errors: ['temperature τ must be greater than 0 (got -1)'] });
    expect(planSweep(base, [{ key: 'augment', values: [0.5] }])).toEqual({ ok: false, errors: ['augment must be true or false (got 0.5)'] });
  });

  it(`refuses more than ${MAX_SWEEP_RUNS} runs`, () => {
    const six = [0.05, 0.1, 0.2, 0.3, 0.5, 1];
    expect(planSweep(base, [{ key: 'temperature', values: six }, { key: 'batchSize', values: [16, 32, 64, 128, 256, 512] }]).ok).toBe(true);
    const plan = planSweep(base, [{ key: 'temperature', values: [...six, 2] }, { key: 'batchSize', values: [16, 32, 64, 128, 256, 512] }]);
    expect(plan).toEqual({ ok: false, errors: ['7 × 6 = 42 runs: a sweep has at most 36'] });
    expect(planSweep(base, [{ key: 'temperature', values: six }], { maxRuns: 4 }).ok).toBe(false);
  });

  it('names the run that would be invalid, and why', () => {
    const plan = planSweep({ ...base, cropScaleMax: 0.6 }, [{ key: 'cropScaleMin', values: [0.3, 0.5, 0.8] }]);
    expect(plan).toEqual({ ok: false, errors: ['run 3 (crop min = 0.8): crop scale (max) (0.6) must be at least crop scale (min) (0.8)'] });
  });

  it('reports a fault every run shares once', () => {
    const plan = planSweep({ ...base, steps: 5, warmupSteps: 10 }, [{ key: 'temperature', values: [0.1, 0.5] }]);
    expect(plan).toEqual({ ok: false, errors: ['every run: warm-up steps (10) must be fewer than steps (5)'] });
  });

  it('warns when no run would feel the setting', () => {
    const plan = planSweep(methodDefaults('byol'), [{ key: 'temperature', values: [0.1, 0.5] }]);
    expect(plan.ok && plan.warnings).toEqual(['temperature τ has no effect in any run: BYOL does not read it']);
    const cut = planSweep(base, [
      { key: 'cutoutSize', values: [0.25, 0.5] },
      { key: 'cutoutProb', values: [0, 1] },
    ]);
    expect(cut.ok && cut.warnings).toEqual([]);
    const noEval = planSweep({ ...base, evalEvery: 0 }, [{ key: 'lr', values: [0.001, 0.01] }]);
    expect(noEval.ok && noEval.warnings[0]).toContain('evaluation is off');
  });
});

describe('sweepEta', () => {
  it('is the mean finished duration times the runs left, less the current run’s progress', () => {
    expect(sweepEta([1000, 3000], 3)).toBe(6000);
    expect(sweepEta([1000, 3000], 3, { fraction: 0.5, elapsedMs: 900 })).toBe(5000);
    expect(sweepEta([2000], 1, { fraction: 1, elapsedMs: 2000 })).toBe(0);
  });

  it('falls back on the current run’s pace before any run finishes', () => {
    expect(sweepEta([], 4)).toBeNull();
    expect(sweepEta([], 4, { fraction: 0.01, elapsedMs: 10 })).toBeNull();
    expect(sweepEta([], 4, { fraction: 0.25, elapsedMs: 500 })).toBe(2000 * 3.75);
  });

  it('is 0 when nothing is left and ignores broken durations', () => {
    expect(sweepEta([1000], 0)).toBe(0);
    expect(sweepEta([1000, Number.NaN, -5], 2)).toBe(2000);
    expect(sweepEta([1000], 2, { fraction: Number.NaN, elapsedMs: 0 })).toBe(2000);
  });
});
