/**
 * How many threads XNNPACK gets on the WASM backend. tfjs-backend-wasm sizes its pool as
 * min(requested, hardwareConcurrency / 2), which is one thread on a 2-core laptop: half the machine idle while
 * it trains. Training runs in a worker, so the page's thread keeps its own core time either way; we give
 * XNNPACK at least two threads (measured: `npm run bench:profile -- --browser --cores 4`, the convolutions run
 * 1.6–1.8× faster on this 2-core machine), and tfjs' own choice where that is more. The threaded module only
 * loads on a cross-origin-isolated page; elsewhere this changes nothing.
 */
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

/** The pool size for a machine with `cores` logical cores: tfjs' cores / 2, but at least 2 (and at most 4). */
export function wasmThreadsFor(cores: number): number {
  const c = Number.isFinite(cores) && cores > 0 ? Math.floor(cores) : 1;
  if (c < 2) return 1;
  return Math.min(4, Math.max(2, Math.floor(c / 2)));
}

/**
 * Call before `tf.setBackend('wasm')` in a worker. The module reads navigator.hardwareConcurrency to cap the
 * pool at half of it, so where our choice exceeds that the worker's navigator reports twice our choice (to
 * this worker's scripts only). Returns the pool size asked for.
 */
export function configureWasmThreads(scope: { navigator: Navigator } = self): number {
  const cores = scope.navigator.hardwareConcurrency || 1;
  const threads = wasmThreadsFor(cores);
  if (threads > Math.floor(cores / 2)) {
    Object.defineProperty(scope.navigator, 'hardwareConcurrency', { get: () => 2 * threads, configurable: true });
  }
  setThreadsCount(threads);
  return threads;
}
