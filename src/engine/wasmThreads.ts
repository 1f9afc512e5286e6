/**
 * How many threads XNNPACK gets on the WASM backend: half the logical cores (tfjs' own rule), at most 4. The other
 * half is the page's: its charts, the map worker's t-SNE and the training worker's own JS all want a core while a
 * run trains. On a 2-core machine that is one thread. Measured here (2 cores, `npm run bench:app -- --seconds 30`,
 * two runs each): with two XNNPACK threads the run trained 100 and 97 steps in 30 s and the page had 14 and 14
 * long tasks; with one, 102 and 94 steps and 4 and 4 long tasks. The chart redraws that became long tasks were
 * 25–35 ms ones stretched by three busy threads on two cores. (Alone, with no page to draw, the step's time moved
 * within the machine's noise either way: `npm run bench:profile -- --browser --threads 1|2`, medians 268 and
 * 209 ms with one thread, 211 and 284 ms with two.) The threaded module only loads on a cross-origin-isolated
 * page; elsewhere this changes nothing.
 *
 * With one thread the module without threads is loaded even on an isolated page: the threaded one would start a
 * pthread worker (its glue script from a blob, the module compiled again there) only to run every op on the
 * calling thread, and that start-up was on the path to a run's first step (the backend's set-up took 350–480 ms
 * here with it and 70–160 ms without, in interleaved loads; steps in 20 s of training: 49 either way).
 */
import * as tf from '@tensorflow/tfjs-core';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

/** The pool size for a machine with `cores` logical cores: half of them, at least 1 and at most 4. */
export function wasmThreadsFor(cores: number): number {
  const c = Number.isFinite(cores) && cores > 0 ? Math.floor(cores) : 1;
  return Math.min(4, Math.max(1, Math.floor(c / 2)));
}

/**
 * Call before `tf.setBackend('wasm')` in a worker, with `requested` to override our choice (the benchmarks ask for
 * two threads on two cores). The module caps the pool at half of navigator.hardwareConcurrency, so where the count
 * exceeds that the worker's navigator reports twice the count (to this worker's scripts only). With one thread the
 * module without threads is the one loaded (see above). Returns the count.
 */
export function configureWasmThreads(scope: { navigator: Navigator } = self, requested?: number): number {
  const cores = scope.navigator.hardwareConcurrency || 1;
  const threads = requested ?? wasmThreadsFor(cores);
  if (threads > Math.floor(cores / 2)) {
    Object.defineProperty(scope.navigator, 'hardwareConcurrency', { get: () => 2 * threads, configurable: true });
  }
  setThreadsCount(threads);
  // The flag picks the module tfjs loads; left unset, it is true on a cross-origin-isolated page.
  if (threads === 1) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  return threads;
}
