import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, withDataset, withMethod } from './config';
import { configFromWorkerName, trainWorkerName, wasmThreadsFromWorkerName, wasmThreadsFromQuery } from './workerName';

describe('the training worker name', () => {
  it('carries the config it prepares for, whole', () => {
    const c = { ...withMethod(withDataset({ ...DEFAULT_CONFIG }, 'digits'), 'moco'), backend: 'wasm' as const, batchSize: 32, temperature: 0.2 };
    const name = trainWorkerName(c);
    expect(name.startsWith('train ')).toBe(true);
    expect(configFromWorkerName(name)).toEqual(c);
    expect(configFromWorkerName(trainWorkerName({ ...DEFAULT_CONFIG }))).toEqual(DEFAULT_CONFIG);
  });

  it('carries nothing when the name is another, damaged, or names your own data (not in a new worker)', () => {
    expect(configFromWorkerName('train')).toBeNull();
    expect(configFromWorkerName('tsne')).toBeNull();
    expect(configFromWorkerName('train batchSize=banana')).toBeNull();
    expect(configFromWorkerName('train dataset=custom')).toBeNull();
  });

  it('carries a thread count for the benchmarks, with or without a config; a bad count is no count', () => {
    const c = { ...DEFAULT_CONFIG, backend: 'wasm' as const };
    const name = trainWorkerName(c, { wasmThreads: 2 });
    expect(name.startsWith('train threads=2 ')).toBe(true);
    expect(wasmThreadsFromWorkerName(name)).toBe(2);
    expect(configFromWorkerName(name)).toEqual(c);
    expect(trainWorkerName(null, { wasmThreads: 4 })).toBe('train threads=4');
    expect(wasmThreadsFromWorkerName('train threads=4')).toBe(4);
    expect(configFromWorkerName('train threads=4')).toBeNull();
    expect(wasmThreadsFromWorkerName(trainWorkerName(c))).toBeNull();
    for (const bad of ['train threads=0', 'train threads=17', 'train threads=-1', 'train threads=2.5', 'train threads=', 'train threads=999', 'tsne threads=2'])
      expect(wasmThreadsFromWorkerName(bad)).toBeNull();
  });
});

describe('?threads= in the address', () => {
  it('gives a whole number from 1 to 16, and nothing without the parameter', () => {
    expect(wasmThreadsFromQuery('?threads=2')).toEqual({ threads: 2, error: null });
    expect(wasmThreadsFromQuery('?test&threads=16')).toEqual({ threads: 16, error: null });
    expect(wasmThreadsFromQuery('')).toEqual({ threads: null, error: null });
    expect(wasmThreadsFromQuery('?test')).toEqual({ threads: null, error: null });
  });

  it('rejects anything else with a message that shows the value, shortened', () => {
    for (const bad of ['0', '17', '1e1', '-2', '2.5', ' 2', '', 'two', '99999999999999999999999']) {
      const r = wasmThreadsFromQuery(`?threads=${encodeURIComponent(bad)}`);
      expect(r.threads, bad).toBeNull();
      expect(r.error, bad).toMatch(/^ignored threads=".*" in the address: a whole number from 1 to 16/);
    }
    expect(wasmThreadsFromQuery(`?threads=${'9'.repeat(200)}`).error).toContain(`"${'9'.repeat(20)}…"`);
    expect(wasmThreadsFromQuery('?threads=%3Cscript%3E').error).toContain('"<script>"');
  });
});
