import { describe, expect, it } from 'vitest';
import { wasmThreadsFor } from './wasmThreads';

describe('wasmThreadsFor (XNNPACK pool size)', () => {
  it('is half the cores (one on a 2-core machine: the other is the page’s), at least 1, at most 4', () => {
    expect([1, 2, 3, 4, 6, 8, 16, 64, 0, Number.NaN, -4].map(wasmThreadsFor)).toEqual([1, 1, 1, 2, 3, 4, 4, 4, 1, 1, 1]);
  });
});
