import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, withDataset, withMethod } from './config';
import { configFromWorkerName, trainWorkerName } from './workerName';

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
});
