/**
 * The training worker's helper thread for the direct filter gradient (engine/filterGradDirect.ts): it gets the WASM
 * backend's shared memory and a control block once, compiles the gradient's tiles on that memory, then serves jobs
 * until the training worker ends. It does nothing else, so it blocks in Atomics.wait between jobs.
 */
import { serveFilterGrad } from '../engine/filterGradDirect';
import { filterGradTilesFor } from '../engine/wasmLoops';

self.onmessage = (e: MessageEvent<{ memory: WebAssembly.Memory; ctl: Int32Array }>) => {
  const tiles = filterGradTilesFor(e.data.memory);
  // Without tiles the helper never says it is ready, and the training worker sums every image itself.
  if (tiles) serveFilterGrad(e.data.ctl, tiles);
};
