import { describe, expect, it } from 'vitest';
import { wasmThreadsFor } from './wasmThreads';

describe('wasmThreadsFor (XNNPACK pool size)', () => {
  it('is at least 2 where there are 2 cores, tfjs’ half of the cores above that, at most 4', () => {
    expect([1, 2, 3, 4, 6, 8, 16, 64, 0, Number.NaN].map(wasmThreadsFor)).toEqual([1, 2, 2, 2, 3, 4, 4, 4, 1, 1]);
  });
});
