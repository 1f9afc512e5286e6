import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, withDataset, withMethod } from './config';
import { configFromWorkerName, trainWorkerName, wasmThreadsFromWorkerName } from './workerName';

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
