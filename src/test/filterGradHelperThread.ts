// A filter-gradient helper on a Node worker thread, for filterGradDirect.test.ts (the app's is worker/filterGrad.worker.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { serveFilterGrad } from '../engine/filterGradDirect';
import { filterGradTilesFor } from '../engine/wasmLoops';

const { memory, ctl, fail } = workerData as { memory: WebAssembly.Memory; ctl: Int32Array; fail: boolean };
const tiles = filterGradTilesFor(memory);
parentPort!.postMessage('started');
if (tiles) {
  // `fail`: tiles that throw, to test that the caller sees a helper's failure.
  serveFilterGrad(ctl, fail ? (new Proxy({}, { get: () => () => { throw new Error('broken tile'); } }) as typeof tiles) : tiles);
}
