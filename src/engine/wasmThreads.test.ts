import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { configureWasmThreads, wasmThreadsFor } from './wasmThreads';

describe('wasmThreadsFor (XNNPACK pool size)', () => {
  it('is half the cores (one on a 2-core machine: the other is the page’s), at least 1, at most 4', () => {
    expect([1, 2, 3, 4, 6, 8, 16, 64, 0, Number.NaN, -4].map(wasmThreadsFor)).toEqual([1, 1, 1, 2, 3, 4, 4, 4, 1, 1, 1]);
  });
});

describe('configureWasmThreads', () => {
  const scope = (cores: number) => ({ navigator: { hardwareConcurrency: cores } as Navigator });
  const flagSet = () => 'WASM_HAS_MULTITHREAD_SUPPORT' in tf.env().getFlags();
  afterEach(() => tf.env().reset());

  it('loads the module without threads when the pool has one thread (a threaded one would start a pthread worker for nothing)', () => {
    expect(configureWasmThreads(scope(2))).toBe(1);
    expect(flagSet()).toBe(true);
    expect(tf.env().getFlags()['WASM_HAS_MULTITHREAD_SUPPORT']).toBe(false);
  });
  it('leaves the choice of module to tfjs when the pool has more than one thread', () => {
    expect(configureWasmThreads(scope(8))).toBe(4);
    expect(flagSet()).toBe(false);
    const s = scope(2);
    expect(configureWasmThreads(s, 2)).toBe(2); // asked for: the navigator then reports enough cores
    expect(s.navigator.hardwareConcurrency).toBe(4);
    expect(flagSet()).toBe(false);
  });
});
