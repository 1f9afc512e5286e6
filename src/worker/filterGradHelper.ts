/**
 * Starts the direct filter gradient's helper thread (engine/filterGradDirect.ts, worker/filterGrad.worker.ts) for
 * the active WASM backend, where XNNPACK has a pool of two or more threads: the gradient is our kernel, not
 * XNNPACK's, so without a helper it runs on one thread while the pool waits. The helper only counts as a thread
 * of the pool's budget while that kernel runs, when the pool's own threads are idle. Call in the training worker:
 * the kernel blocks in Atomics.wait until the helper is done, which a page's main thread may not.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { CONTROL_BYTES, FilterGradHelper } from '../engine/filterGradDirect';
import { setFilterGradHelper } from '../engine/kernels';
import { isShared, wasmMemoryOf } from '../engine/wasmLoops';

/** The helper serving the backend's memory (a WASM backend made again has a new memory, and gets a new helper). */
let current: { memory: WebAssembly.Memory; worker: Worker; helper: FilterGradHelper } | null = null;

/** Resolves once the helper started is ready (its module compiled), or after `timeoutMs` (then it may never be). */
export async function waitForFilterGradHelper(timeoutMs = 10_000): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  while (current && !current.helper.ready && performance.now() < end) await new Promise((r) => setTimeout(r, 10));
  return current?.helper.ready ?? false;
}

/** Returns whether a helper serves the active WASM backend (started now or before). */
export function startFilterGradHelper(): boolean {
  if (tf.getBackend() !== 'wasm') return false;
  let threads = 1;
  try {
    threads = getThreadsCount();
  } catch {
    return false;
  }
  const memory = wasmMemoryOf(tf.backend());
  if (threads < 2 || !memory || !isShared(memory)) return false;
  if (current?.memory === memory) return true;
  current?.worker.terminate();
  const ctl = new Int32Array(new SharedArrayBuffer(CONTROL_BYTES));
  const worker = new Worker(new URL('./filterGrad.worker.ts', import.meta.url), { type: 'module', name: 'filter-gradient' });
  // A helper that fails to start never says it is ready, and the kernel then sums every image on this thread.
  worker.onerror = (e) => console.error('filter-gradient helper:', e.message);
  worker.postMessage({ memory, ctl });
  const helper = new FilterGradHelper(ctl);
  setFilterGradHelper(helper, memory);
  current = { memory, worker, helper };
  return true;
}

/** Jobs the helper has shared so far (0 without one). */
export function filterGradHelperJobs(): number {
  return current?.helper.jobs ?? 0;
}
