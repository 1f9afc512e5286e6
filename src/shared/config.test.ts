import { describe, expect, it } from 'vitest';
import { configFromHash, configToHash, DEFAULT_CONFIG, validateConfig, withMethod } from './config';

describe('config validation', () => {
  it('accepts the defaults and an empty object', () => {
    expect(validateConfig({})).toEqual({ ok: true, config: DEFAULT_CONFIG });
    expect(validateConfig({ ...DEFAULT_CONFIG }).ok).toBe(true);
  });

  it.each([
    [{ temperature: Number.NaN }, 'temperature τ must be a finite number'],
    [{ temperature: -0.1 }, 'temperature τ must be greater than 0'],
    [{ temperature: 0 }, 'temperature τ must be greater than 0'],
    [{ batchSize: 1 }, 'batch size must be at least 2'],
    [{ batchSize: 16.5 }, 'batch size must be a whole number'],
    [{ method: 'moco-v9' }, 'unknown method "moco-v9"'],
    [{ lr: 'fast' }, 'learning rate must be a finite number'],
    [{ projection: 'maybe' }, 'projection must be true or false'],
    [{ colour: 'red' }, 'unknown setting "colour"'],
    [{ steps: 10, warmupSteps: 10 }, 'warm-up steps (10) must be fewer than steps (10)'],
  ])('rejects %j with a clear message', (raw, message) => {
    const r = validateConfig(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('\n')).toContain(message);
  });

  it('rejects what is not an object', () => {
    for (const raw of [null, 3, 'x', [1]]) expect(validateConfig(raw).ok).toBe(false);
  });

  it('reports every bad field at once', () => {
    const r = validateConfig({ temperature: -1, batchSize: 0 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toHaveLength(2);
  });
});

describe('config in the URL hash', () => {
  it('round-trips, writing only what differs from the defaults', () => {
    const c = { ...DEFAULT_CONFIG, temperature: 0.1, projection: false, optimizer: 'sgd' as const, seed: 42 };
    const hash = configToHash(c);
    expect(hash).toBe('projection=false&temperature=0.1&optimizer=sgd&seed=42');
    expect(configFromHash(`#${hash}`)).toEqual({ config: c, errors: [] });
    expect(configToHash(DEFAULT_CONFIG)).toBe('');
  });

  it('rejects bad values one by one and keeps the rest', () => {
    const { config, errors } = configFromHash('#temperature=0.2&batchSize=1e400&lr=abc&evil=%3Cscript%3E&steps=50');
    expect(config.temperature).toBe(0.2);
    expect(config.steps).toBe(50);
    expect(config.batchSize).toBe(DEFAULT_CONFIG.batchSize);
    expect(config.lr).toBe(DEFAULT_CONFIG.lr);
    expect(errors).toHaveLength(3);
    expect(errors.join('\n')).toContain('unknown setting "evil"');
  });
});

describe('methods in the config', () => {
  it('a config that names a method starts from that method’s preset', () => {
    const r = validateConfig({ method: 'moco' });
    expect(r.ok && r.config.temperature).toBe(0.2);
    const s = validateConfig({ method: 'supcon', temperature: 0.3 });
    expect(s.ok && s.config.temperature).toBe(0.3); // an explicit value wins
    const b = validateConfig({ method: 'byol' });
    expect(b.ok && b.config.headBN).toBe(true);
  });

  it('a link carries the method and only what differs from its preset, and round-trips', () => {
    const c = { ...withMethod(DEFAULT_CONFIG, 'moco'), mocoQueue: 512, mocoSymmetric: true };
    const hash = configToHash(c);
    expect(hash).toBe('method=moco&mocoQueue=512&mocoSymmetric=true');
    expect(configFromHash(hash)).toEqual({ config: c, errors: [] });
    // τ = 0.5 differs from MoCo's 0.2, so it is written.
    expect(configToHash({ ...c, temperature: 0.5 })).toContain('temperature=0.5');
  });

  it('switching the method loads its preset and keeps the rest', () => {
    const c = withMethod({ ...DEFAULT_CONFIG, batchSize: 64, temperature: 0.9 }, 'simsiam');
    expect(c).toMatchObject({ method: 'simsiam', batchSize: 64, headBN: true, temperature: 0.9 });
    expect(withMethod(c, 'simclr')).toMatchObject({ headBN: false, temperature: 0.5 });
  });

  it.each([
    [{ mocoQueue: 0 }, 'queue size K must be at least 1'],
    [{ mocoMomentum: 1 }, 'key-encoder momentum m must be at most 0.99999'],
    [{ emaBase: 1.5 }, 'target EMA τ_base must be at most 1'],
    [{ stopGradient: 'no' }, 'stopGradient must be true or false'],
    [{ vicregStd: -1 }, 'variance weight μ must be at least 0'],
    [{ dataset: 'cifar' }, 'unknown dataset "cifar"; expected one of mnist, fashion, digits'],
  ])('rejects %j', (raw, message) => {
    const r = validateConfig(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('\n')).toContain(message);
  });

  it('evaluate every 0 means never, and is valid', () => {
    expect(validateConfig({ evalEvery: 0 }).ok).toBe(true);
  });
});

describe('crop scale range', () => {
  it('max below min is refused in a config file and corrected in a link', () => {
    const r = validateConfig({ cropScaleMin: 0.6, cropScaleMax: 0.4 });
    expect(r.ok ? [] : r.errors).toEqual(['crop scale (max) (0.4) must be at least crop scale (min) (0.6)']);
    const h = configFromHash('cropScaleMin=0.6&cropScaleMax=0.4');
    expect(h.config).toMatchObject({ cropScaleMin: 0.6, cropScaleMax: 1 });
    expect(h.errors).toEqual(['ignored crop scale (max): it must be at least crop scale (min) (0.6)']);
  });
});
