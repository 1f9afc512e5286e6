/** Benchmark harness page: runs the real training worker with a given config and reports per-step times. */
import * as Comlink from 'comlink';
import type { TrainConfig } from '../src/shared/config';
import type { SweepEvent, WorkerEvent } from '../src/shared/messages';
import type { TrainWorkerApi } from '../src/worker/train.worker';
import { trainWorkerName } from '../src/shared/workerName';

export interface BenchResult {
  backend: string;
  reason: string;
  stepMs: number[];
  error?: string;
}

/** `wasmThreads`: XNNPACK's pool size, where the run is to override the app's choice (engine/wasmThreads.ts). */
async function runBench(config: TrainConfig, wasmThreads?: number): Promise<BenchResult> {
  const name = trainWorkerName(null, wasmThreads === undefined ? {} : { wasmThreads });
  const worker = new Worker(new URL('../src/worker/train.worker.ts', import.meta.url), { type: 'module', name });
  const api = Comlink.wrap<TrainWorkerApi>(worker);
  const out: BenchResult = { backend: '', reason: '', stepMs: [] };
  await api.start(
    config,
    Comlink.proxy((events: WorkerEvent[]) => {
      for (const e of events) {
        if (e.type === 'backend') Object.assign(out, { backend: e.info.name, reason: e.info.reason });
        if (e.type === 'steps') out.stepMs.push(...e.steps.map((s) => s.ms));
        if (e.type === 'error') out.error = e.message;
      }
    }),
    { evaluate: false },
  );
  worker.terminate();
  return out;
}

/** Augmentation throughput on a backend, and the time to fetch and parse MNIST, in a fresh worker. */
async function augBench(config: TrainConfig, shape: [number, number, number, number]): Promise<{ imagesPerSec: number; backend: string; loadMs: number }> {
  const worker = new Worker(new URL('../src/worker/train.worker.ts', import.meta.url), { type: 'module' });
  const api = Comlink.wrap<TrainWorkerApi>(worker);
  try {
    const loadMs = await api.benchLoad('mnist');
    return { ...(await api.benchAugment(config, shape, 10)), loadMs };
  } finally {
    worker.terminate();
  }
}

/** Your own data: ms to read, decode and resize a set of image files in a warm worker (as the folder input would). */
async function customLoadBench(files: { path: string; bytes: number[] }[], size: number): Promise<{ ms: number; n: number }> {
  const worker = new Worker(new URL('../src/worker/train.worker.ts', import.meta.url), { type: 'module' });
  const api = Comlink.wrap<TrainWorkerApi>(worker);
  try {
    await api.memory(); // the worker has started
    const entries = files.map((f) => ({ path: f.path, file: new Blob([new Uint8Array(f.bytes)]) }));
    const t0 = performance.now();
    const summary = await api.loadCustomFiles(entries, { size, channels: 'auto' }, Comlink.proxy(() => {}));
    return { ms: performance.now() - t0, n: summary.n };
  } finally {
    worker.terminate();
  }
}

/**
 * Sweep throughput: the same configs trained as separate runs (start() once per config, as a user would one
 * after another) or as one sweep in the given mode, in one fresh worker. Returns wall time and steps.
 */
async function sweepBench(configs: TrainConfig[], how: 'singles' | 'sequential' | 'interleaved'): Promise<{ ms: number; steps: number; errors: string[] }> {
  const worker = new Worker(new URL('../src/worker/train.worker.ts', import.meta.url), { type: 'module' });
  const api = Comlink.wrap<TrainWorkerApi>(worker);
  let steps = 0;
  const errors: string[] = [];
  try {
    await api.loadDataset(configs[0]!.dataset); // data fetched and parsed before the clock starts
    const t0 = performance.now();
    if (how === 'singles') {
      for (const c of configs) {
        await api.start(
          c,
          Comlink.proxy((events: WorkerEvent[]) => {
            for (const e of events) {
              if (e.type === 'steps') steps += e.steps.length;
              if (e.type === 'error') errors.push(e.message);
            }
          }),
        );
      }
    } else {
      await api.sweep(
        configs,
        Comlink.proxy((events: SweepEvent[]) => {
          for (const e of events) {
            if (e.type === 'steps') steps += e.steps.length;
            if (e.type === 'run-end' && e.message) errors.push(e.message);
          }
        }),
        { mode: how },
      );
    }
    return { ms: performance.now() - t0, steps, errors };
  } finally {
    worker.terminate();
  }
}

Object.assign(window, { runBench, augBench, customLoadBench, sweepBench });
