/**
 * The training worker: the comlink-exposed API and the run loop. All tensor work happens here; the page
 * gets plain numbers in small batches and embeddings as transferred typed arrays.
 */
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { BackendChoice, BackendName, TrainConfig } from '../shared/config';
import type { BackendInfo, HeldOutImages, StepMetrics, ViewPairs, WorkerEvent } from '../shared/messages';
import { viewPairs } from '../engine/preview';
import { chooseBackend, type BackendEnv } from '../engine/backend';
import { datasetFromIdx, makeSplit, type Dataset } from '../engine/data';
import { DATASET_INFO, type DatasetName } from '../shared/datasets';
import { Trainer } from '../engine/trainer';
import { registerKernelFixes } from '../engine/kernels';

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
});
registerKernelFixes();

/** Flush streamed steps at least this often (ms) or every STEP_BATCH steps. */
const FLUSH_MS = 100;
const STEP_BATCH = 10;

/** Parsed datasets, kept once loaded (switching back is instant). */
const datasets = new Map<DatasetName, Promise<Dataset>>();
let control = { paused: false, stopped: false, wake: () => {} };
let runCounter = 0;
const backendCache = new Map<BackendChoice, BackendInfo>();

async function fetchBytes(path: string): Promise<Uint8Array> {
  const url = new URL(import.meta.env.BASE_URL + path, self.location.origin);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not load ${path}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

const env: BackendEnv = {
  async register(name: BackendName) {
    if (name === 'webgpu') {
      if (!('gpu' in navigator)) return false;
      await import('@tensorflow/tfjs-backend-webgpu');
      return true;
    }
    if (name === 'webgl') return typeof OffscreenCanvas !== 'undefined';
    return true;
  },
  async requestAdapter() {
    const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
    return gpu ? gpu.requestAdapter({ powerPreference: 'high-performance' }) : null;
  },
  async measure() {
    if (!activeConfig) throw new Error('no run to measure');
    const dataset = await getDataset(activeConfig.dataset);
    const probe = new Trainer({ ...activeConfig!, batchSize: Math.min(activeConfig!.batchSize, 64), steps: 3, warmupSteps: 0 }, dataset, makeSplit(dataset.n, 100, 100));
    try {
      await probe.trainStep(); // compiles shaders / warms caches
      const t0 = performance.now();
      await probe.trainStep();
      await probe.trainStep();
      return (performance.now() - t0) / 2;
    } finally {
      probe.dispose();
    }
  },
};
let activeConfig: TrainConfig | null = null;
/** The backend set up by the last run, if any (previews use it, and the plain CPU backend before any run). */
let currentBackend: string | null = null;

function getDataset(name: DatasetName): Promise<Dataset> {
  let p = datasets.get(name);
  if (!p) {
    const info = DATASET_INFO[name];
    p = Promise.all([fetchBytes(info.images), fetchBytes(info.labels)]).then(([images, labels]) =>
      datasetFromIdx(info.label, images, labels, info.classNames),
    );
    // A failed load is not cached, so a retry fetches again.
    p.catch(() => datasets.delete(name));
    datasets.set(name, p);
  }
  return p;
}

function nextTick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** The worker's API; the page's client is typed from it. */
const api = {
  /** Loads a shipped dataset and returns its held-out images (for hover previews). */
  async loadDataset(name: DatasetName): Promise<HeldOutImages> {
    const ds = await getDataset(name);
    const split = makeSplit(ds.n);
    const held = split.heldOut;
    const per = ds.h * ds.w * ds.c;
    const images = new Uint8Array(held.length * per);
    const labels = new Int32Array(held.length);
    held.forEach((j, i) => {
      images.set(ds.images.subarray(j * per, (j + 1) * per), i * per);
      labels[i] = ds.labels[j]!;
    });
    const out: HeldOutImages = { dataset: name, images, labels, h: ds.h, w: ds.w, c: ds.c, classNames: ds.classNames, trainSize: split.train.length };
    return Comlink.transfer(out, [images.buffer, labels.buffer]);
  },

  /**
   * Runs training to the end (or until stopped), streaming events; resolves when the run is over.
   * `evaluate: false` skips kNN and embeddings (the benchmarks time steps alone).
   */
  async start(config: TrainConfig, emit: (events: WorkerEvent[]) => void, options: { evaluate?: boolean } = {}): Promise<void> {
    const evaluate = (options.evaluate ?? true) && config.evalEvery > 0;
    const runId = ++runCounter;
    control.stopped = true;
    control.wake();
    const my = { paused: false, stopped: false, wake: () => {} };
    control = my;
    let trainer: Trainer | null = null;
    try {
      emit([{ type: 'status', runId, status: 'starting' }]);
      const dataset = await getDataset(config.dataset);
      activeConfig = config;
      let info = backendCache.get(config.backend);
      if (info) await tf.setBackend(info.name);
      else {
        info = await chooseBackend(config.backend, env);
        backendCache.set(config.backend, info);
      }
      currentBackend = info.name;
      emit([{ type: 'backend', runId, info }]);
      trainer = new Trainer(config, dataset);
      const sendEval = async () => {
        if (!evaluate) return;
        const { embeddings, dim, ...metrics } = await trainer!.evaluate();
        const labels = trainer!.heldLabels.slice();
        emit(
          Comlink.transfer(
            [{ type: 'eval', runId, eval: metrics, embeddings, dim, labels }],
            [embeddings.buffer, labels.buffer],
          ),
        );
      };
      await sendEval();
      emit([{ type: 'status', runId, status: 'training' }]);
      let pending: StepMetrics[] = [];
      let lastFlush = performance.now();
      const flush = () => {
        if (pending.length) emit([{ type: 'steps', runId, steps: pending }]);
        pending = [];
        lastFlush = performance.now();
      };
      while (!trainer.done && !my.stopped) {
        if (my.paused) {
          flush();
          emit([{ type: 'status', runId, status: 'paused' }]);
          await new Promise<void>((resolve) => (my.wake = resolve));
          if (my.stopped) break;
          emit([{ type: 'status', runId, status: 'training' }]);
        }
        pending.push(await trainer.trainStep());
        if (pending.length >= STEP_BATCH || performance.now() - lastFlush > FLUSH_MS) flush();
        if (evaluate && (trainer.step % config.evalEvery === 0 || trainer.done)) {
          flush();
          await sendEval();
        }
        await nextTick(); // lets pause/stop messages in
      }
      flush();
      emit([{ type: 'status', runId, status: my.stopped ? 'stopped' : 'done' }]);
    } catch (e) {
      const err = e as Error & { step?: number };
      emit([{ type: 'error', runId, message: err.message || String(e), step: err.step }]);
    } finally {
      trainer?.dispose();
    }
  },

  /**
   * The view-pair inspector: `count` training images picked by `seed` and their two views under this config's
   * augmentations, on the run's backend (the CPU backend before any run: a dozen small images need no more).
   */
  async previewViews(config: TrainConfig, count: number, seed: number): Promise<ViewPairs> {
    const ds = await getDataset(config.dataset);
    // engine().backendName reads the current backend without initialising one (tf.getBackend() would).
    const backend = currentBackend ?? 'cpu';
    if (tf.engine().backendName !== backend) await tf.setBackend(backend);
    const out = await viewPairs(ds, config, count, seed);
    return Comlink.transfer(out, [out.original.buffer, out.view1.buffer, out.view2.buffer, out.labels.buffer]);
  },

  pause(): void {
    control.paused = true;
  },

  resume(): void {
    control.paused = false;
    control.wake();
  },

  stop(): void {
    control.stopped = true;
    control.wake();
  },

  /** Live tensor count, for leak checks from tests. */
  memory(): { numTensors: number; backend: string } {
    return { numTensors: tf.memory().numTensors, backend: tf.getBackend() };
  },
};

export type TrainWorkerApi = typeof api;

Comlink.expose(api);
