/** The t-SNE worker: lays out held-out embeddings off the main thread and off the training worker. */
import * as Comlink from 'comlink';
import { tsne } from '../engine/tsne';

const api = {
  /**
   * 2-D layout of n points of dimension d. With `init` (the previous layout) it warm-starts, so successive
   * maps of a training run move smoothly instead of jumping.
   */
  layout(data: Float32Array, n: number, d: number, init: Float32Array | null, seed: number): Float32Array {
    const out = init
      ? tsne(data, n, d, { init, iterations: 300, seed, perplexity: 30 })
      : tsne(data, n, d, { iterations: 600, seed, perplexity: 30 });
    return Comlink.transfer(out, [out.buffer]);
  },
};

export type TsneWorkerApi = typeof api;

Comlink.expose(api);
