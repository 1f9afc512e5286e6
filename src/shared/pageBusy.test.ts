import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { makePageBusyFlag, setFlag, waitWhileUp } from './pageBusy';

describe('the page-busy flag', () => {
  it('is shared memory, starts down, and a wait on a lowered flag returns at once', () => {
    const flag = makePageBusyFlag()!;
    expect(flag.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(waitWhileUp(flag, 1000)).toBe(0);
    expect(waitWhileUp(null, 1000)).toBe(0);
    setFlag(null, true); // no flag: nothing to do
  });

  it('holds a waiter while it is up, at most maxMs', () => {
    const flag = makePageBusyFlag()!;
    setFlag(flag, true);
    const waited = waitWhileUp(flag, 40);
    expect(waited).toBeGreaterThanOrEqual(39);
    expect(waited).toBeLessThan(2000);
    setFlag(flag, false);
    expect(Atomics.load(flag, 0)).toBe(0);
  });

  it('lets the waiter go when another thread lowers it', async () => {
    const flag = makePageBusyFlag()!;
    setFlag(flag, true);
    // Another thread lowers the flag 50 ms from now; the wait here (bounded by 20 s) ends then, not at its bound.
    const other = new Worker(
      `const { workerData } = require('node:worker_threads');
       const f = new Int32Array(workerData);
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
       Atomics.store(f, 0, 0); Atomics.notify(f, 0);`,
      { eval: true, workerData: flag.buffer },
    );
    const waited = waitWhileUp(flag, 20_000);
    await other.terminate();
    expect(waited).toBeGreaterThan(0);
    expect(waited).toBeLessThan(10_000);
  });
});
