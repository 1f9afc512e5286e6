/**
 * The map worker: lays out held-out embeddings in 2-D off the main thread and off the training worker, by
 * t-SNE, PCA or UMAP, and turns each new layout onto the previous one (Procrustes) so the map does not jump.
 *
 * t-SNE runs on the GPU when there is a hardware one: before the first t-SNE layout the worker asks for a
 * WebGPU adapter once, and only if it is a hardware adapter does it load tfjs and its WebGPU backend (dynamic
 * imports, so without a GPU the worker never downloads tfjs) and run exact t-SNE there (engine/tsneGpu.ts).
 * Otherwise, for n above what the dense P allows, and from the first GPU failure on, Barnes-Hut t-SNE on the
 * CPU (engine/tsneBH.ts). The engine string of each layout says which ran, and why not the GPU when it failed.
 */
import * as Comlink from 'comlink';
import { procrustes, tsneBH } from '../engine/tsneBH';
import { waitWhileUp } from '../shared/pageBusy';
import { pca2, umap2 } from '../engine/projection';
import type { TsneTfOptions } from '../engine/tsneGpu';

export type MapMethod = 'tsne' | 'pca' | 'umap';

/**
 * Where t-SNE runs: 'auto' (WebGPU on a hardware adapter, else the CPU), 'gpu' (WebGPU even on a software
 * fallback adapter such as SwiftShader: correct but slow; for tests), 'cpu' (always Barnes-Hut on the CPU).
 */
export type MapEngineMode = 'auto' | 'gpu' | 'cpu';

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
  /** Of workerMs, the ms t-SNE waited for the page's redraws (CPU t-SNE only). */
  pageWaitMs: number;
  engine: string;
}

/** The page's drawing flag (shared/pageBusy.ts), once the page has shared it. */
let pageDrawing: Int32Array | null = null;
/** The longest one t-SNE iteration waits for the page (a redraw and its frame take 20–90 ms here). */
const MAX_WAIT_PER_ITERATION_MS = 150;
/** The ms the current layout has waited for the page. */
let pageWaitMs = 0;

/** Exact t-SNE on the WebGPU backend, once loaded. */
interface GpuTsne {
  run(data: Float32Array, n: number, d: number, opts: TsneTfOptions): Promise<Float32Array>;
  /** Largest n it accepts (dense n × n P). */
  maxN: number;
  /** Engine string, with the adapter's name. */
  label: string;
}

/** The t-SNE engine for the current mode: WebGPU, or null with a note on why not (shown in the engine string; '' for none). */
interface Decision {
  gpu: GpuTsne | null;
  note: string;
}

const BH_ENGINE = 'Barnes-Hut t-SNE (CPU)';
/** Adapter names of software renderers (as engine/backend.ts; not imported from there, which loads tfjs). */
const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|softpipe|software|basic render/i;

let mode: MapEngineMode = 'auto';
/** Decided once per mode, before the first t-SNE layout; replaced by a CPU decision when the GPU fails. */
let decision: Promise<Decision> | null = null;

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)) || 'unknown error';
}

/** The adapter in a few words, and whether it is a software fallback (`info.isFallbackAdapter`, the legacy flag, or its name). */
function describeAdapter(adapter: GPUAdapter): { text: string; software: boolean } {
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo & { isFallbackAdapter?: boolean } }).info;
  const text = [info?.vendor, info?.architecture, info?.description].filter((p): p is string => !!p).join(' ') || 'unknown adapter';
  const fallback = info?.isFallbackAdapter === true || (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  return { text, software: fallback || SOFTWARE_ADAPTER.test(text) };
}

async function decide(m: MapEngineMode): Promise<Decision> {
  if (m === 'cpu') return { gpu: null, note: '' };
  const quiet = m === 'auto';
  const gpu = typeof navigator !== 'undefined' ? navigator.gpu : undefined;
  if (!gpu) return { gpu: null, note: quiet ? '' : 'no WebGPU in this browser' };
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return { gpu: null, note: quiet ? '' : 'no WebGPU adapter' };
    const a = describeAdapter(adapter);
    // A software adapter is far slower than Barnes-Hut on the CPU: only used when asked for.
    if (a.software && quiet) return { gpu: null, note: '' };
    const [tf, engine] = await Promise.all([import('@tensorflow/tfjs'), import('../engine/tsneGpu'), import('@tensorflow/tfjs-backend-webgpu')]);
    if (!(await tf.setBackend('webgpu'))) throw new Error('the tfjs WebGPU backend did not initialise');
    await tf.ready();
    const label = `exact t-SNE on WebGPU (${a.software ? 'software adapter: ' : ''}${a.text})`;
    return { gpu: { run: engine.tsneTf, maxN: engine.TSNE_TF_MAX_N, label }, note: '' };
  } catch (e) {
    return { gpu: null, note: `WebGPU failed: ${message(e)}` };
  }
}

/** t-SNE of n points on the decided engine, falling back to Barnes-Hut on the CPU; returns the layout and the engine string. */
async function tsneLayout(data: Float32Array, n: number, d: number, opts: TsneTfOptions): Promise<{ out: Float32Array; engine: string }> {
  decision ??= decide(mode);
  const { gpu, note } = await decision;
  let why = note;
  if (gpu && n > gpu.maxN) why = `n = ${n} is over ${gpu.maxN} for exact t-SNE on WebGPU`;
  else if (gpu) {
    try {
      const out = await gpu.run(data, n, d, opts);
      if (!out.every(Number.isFinite)) throw new Error('the layout has non-finite coordinates');
      return { out, engine: gpu.label };
    } catch (e) {
      why = `WebGPU failed: ${message(e)}`;
      // This and every later layout on the CPU (until setMapEngine decides again).
      decision = Promise.resolve({ gpu: null, note: why });
    }
  }
  // Between iterations, the CPU t-SNE gives way while the page draws a chart (on 2 cores the page, the training
  // worker and this one would otherwise share the two three ways).
  const giveWay = () => void (pageWaitMs += waitWhileUp(pageDrawing, MAX_WAIT_PER_ITERATION_MS));
  return { out: tsneBH(data, n, d, { ...opts, onProgress: giveWay }), engine: why ? `Barnes-Hut t-SNE (CPU; ${why})` : BH_ENGINE };
}

const api = {
  /**
   * 2-D layout of n points of dimension d. With `previous` (the last layout of the same points) t-SNE warm-starts
   * from it, and every method's result is aligned to it by rotation, reflection, scale and shift.
   */
  async layout(data: Float32Array, n: number, d: number, previous: Float32Array | null, seed: number, o: MapOptions): Promise<MapLayout> {
    const t0 = performance.now();
    pageWaitMs = 0;
    let out: Float32Array;
    let engine = o.method === 'pca' ? 'PCA (CPU)' : 'UMAP (CPU)';
    if (o.method === 'pca') out = pca2(data, n, d);
    else if (o.method === 'umap') out = umap2(data, n, d, seed);
    else {
      const perplexity = Math.min(o.perplexity, Math.max(1, (n - 1) / 3));
      // PCA-initialised, or warm-started from the previous layout with half the iterations.
      const opts: TsneTfOptions = previous
        ? { init: previous, iterations: Math.max(50, Math.round(o.iterations / 2)), seed, perplexity }
        : { iterations: o.iterations, seed, perplexity };
      ({ out, engine } = await tsneLayout(data, n, d, opts));
    }
    if (previous && previous.length === out.length) out = procrustes(previous, out, n);
    return Comlink.transfer({ xy: out, workerMs: performance.now() - t0, pageWaitMs, engine }, [out.buffer]);
  },

  /** The page's drawing flag: the CPU t-SNE waits between iterations while it is up. */
  givesWayTo(flag: Int32Array): void {
    if (!(flag instanceof Int32Array) || !(flag.buffer instanceof SharedArrayBuffer) || flag.length !== 1) throw new TypeError('givesWayTo: the flag must be one Int32 of shared memory');
    pageDrawing = flag;
  },

  /** Where later t-SNE layouts run (see {@link MapEngineMode}); the choice is made again before the next one. */
  setMapEngine(m: MapEngineMode): void {
    if (m !== 'auto' && m !== 'gpu' && m !== 'cpu') throw new RangeError(`setMapEngine: mode must be 'auto', 'gpu' or 'cpu', got ${String(m)}`);
    mode = m;
    decision = null;
  },
};

export type TsneWorkerApi = typeof api;

Comlink.expose(api);
