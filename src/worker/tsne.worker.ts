/**
 * The map worker: lays out held-out embeddings in 2-D off the main thread and off the training worker, by
 * t-SNE, PCA or UMAP, and turns each new layout onto the previous one (Procrustes) so the map does not jump.
 */
import * as Comlink from 'comlink';
import { procrustes, tsneBH } from '../engine/tsneBH';
import { pca2, umap2 } from '../engine/projection';

export type MapMethod = 'tsne' | 'pca' | 'umap';

export interface MapOptions {
  method: MapMethod;
  /** t-SNE: perplexity and iterations (a warm start runs half as many). */
  perplexity: number;
  iterations: number;
}

/** A layout and what it cost: the worker's own compute time (ms) and which engine computed it. */
export interface MapLayout {
  xy: Float32Array;
  workerMs: number;
  engine: string;
}

const api = {
  /**
   * 2-D layout of n points of dimension d. With `previous` (the last layout of the same points) t-SNE warm-starts
   * from it, and every method's result is aligned to it by rotation, reflection, scale and shift.
   */
  layout(data: Float32Array, n: number, d: number, previous: Float32Array | null, seed: number, o: MapOptions): MapLayout {
    const t0 = performance.now();
    let out: Float32Array;
    const engine = o.method === 'tsne' ? 'Barnes-Hut t-SNE (CPU)' : o.method === 'pca' ? 'PCA (CPU)' : 'UMAP (CPU)';
    if (o.method === 'pca') out = pca2(data, n, d);
    else if (o.method === 'umap') out = umap2(data, n, d, seed);
    else {
      const perplexity = Math.min(o.perplexity, Math.max(1, (n - 1) / 3));
      // Barnes-Hut t-SNE (scikit-learn's algorithm; about half its time here, bench/tsne.ts), PCA-initialised.
      out = previous
        ? tsneBH(data, n, d, { init: previous, iterations: Math.max(50, Math.round(o.iterations / 2)), seed, perplexity })
        : tsneBH(data, n, d, { iterations: o.iterations, seed, perplexity });
    }
    if (previous && previous.length === out.length) out = procrustes(previous, out, n);
    return Comlink.transfer({ xy: out, workerMs: performance.now() - t0, engine }, [out.buffer]);
  },
};

export type TsneWorkerApi = typeof api;

Comlink.expose(api);
