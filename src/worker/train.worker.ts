/**
 * The training worker: the comlink-exposed API and the run loop. All tensor work happens here; the page
 * gets plain numbers in small batches and embeddings as transferred typed arrays.
 */
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { BackendChoice, BackendName, TrainConfig } from '../shared/config';
import type {
  BackendInfo,
  CustomDataOptions,
  CustomDataSummary,
  EvalMetrics,
  FileEntry,
  HeldOutImages,
  LoadProgress,
  StepMetrics,
  SweepEvent,
  ViewPairs,
  WorkerEvent,
} from '../shared/messages';
import { runSweep, type SweepMode } from '../engine/sweepRunner';
import { viewPairs } from '../engine/preview';
import { augmentBatch } from '../engine/augment';
import { augParams } from '../engine/trainer';
import { chooseBackend, type BackendEnv } from '../engine/backend';
import { datasetFromIdx, makeSplit, type Dataset } from '../engine/data';
import { DATASET_INFO, isImageSet, type DatasetName } from '../shared/datasets';
import { datasetFromFiles, type InputFile } from '../engine/imageFiles';
import { toyDataset } from '../engine/toy';
import { decodeImageBrowser } from './decodeImage';
import { NonFiniteLossError, Trainer } from '../engine/trainer';
import { restoreTrainer, snapshotTrainer, type TrainerSnapshot } from '../engine/snapshot';
import { destroyDevice, dropBackend, fallbackBackend, lostDevice, watchDevice, type DeviceWatch } from '../engine/backendFallback';
import { registerKernelFixes } from '../engine/kernels';
import { configureWasmThreads } from '../engine/wasmThreads';
import { filterGradHelperJobs, startFilterGradHelper, waitForFilterGradHelper } from './filterGradHelper';
import { gunzipResponse } from '../engine/gunzip';
import { configFromWorkerName, wasmThreadsFromWorkerName } from '../shared/workerName';

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
});
configureWasmThreads(self, wasmThreadsFromWorkerName(self.name) ?? undefined);
registerKernelFixes();
// The plain CPU backend (synchronous to set up) is active until a run chooses one: without it, the first tensor
// call would try to set up the highest-priority registered backend (WASM), which is asynchronous, and throw.
void tf.setBackend('cpu');

/**
 * When the worker got to each stage of its start-up and first run, as [stage, ms since the epoch] (the page's
 * clock differs from a worker's; the epoch is shared): `npm run bench:app` prints where the first loss's time goes.
 */
const timeline: [string, number][] = [['worker created', performance.timeOrigin]];
const mark = (stage: string) => {
  if (timeline.length < 64) timeline.push([stage, performance.timeOrigin + performance.now()]);
};
mark('worker script evaluated');

/** Flush streamed steps at least this often (ms) or every STEP_BATCH steps. */
const FLUSH_MS = 100;
const STEP_BATCH = 10;
/** On WebGPU, the run's weights are copied to the CPU this often (steps) and at each evaluation, to survive a lost device. */
const SNAPSHOT_EVERY = 20;

/** Parsed datasets, kept once loaded (switching back is instant); "custom" is replaced by each successful load. */
const datasets = new Map<DatasetName, Promise<Dataset>>();
/** The running loop's control: pause/stop flags, the wake-up of a paused loop, and an on-demand evaluation request. */
interface RunControl {
  paused: boolean;
  stopped: boolean;
  wake: () => void;
  /** Set by evaluateNow while the loop trains: it evaluates after the current step and calls this back. */
  evalRequest: ((evaluated: boolean) => void) | null;
}
let control: RunControl = { paused: false, stopped: false, wake: () => {}, evalRequest: null };
/** Evaluates the last trainer and emits the result; set by the run that owns it (kept after the run ends). */
let evaluateLast: (() => Promise<void>) | null = null;
/** The step of the last trainer's newest evaluation, so a second request at the same step does nothing. */
let lastEvalStep = -1;
/** The trainer whose loop is running now (null between runs). */
let activeRunTrainer: Trainer | null = null;
let runCounter = 0;
/** How the last run's loop ended ('done', 'stopped' or 'error: …'), even when the page no longer listens (tests). */
let lastRunOutcome: string | null = null;
const backendCache = new Map<BackendChoice, BackendInfo>();

/** Fetches one of the app's own files (a `.gz` one decompressed natively where it can be: gunzipResponse). */
async function fetchBytes(path: string): Promise<Uint8Array> {
  const url = new URL(import.meta.env.BASE_URL + path, self.location.origin);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not load ${path}: HTTP ${res.status}`);
  if (!path.endsWith('.gz')) return new Uint8Array(await res.arrayBuffer());
  try {
    return await gunzipResponse(res);
  } catch (e) {
    throw new Error(`could not load ${path}: ${(e as Error).message}`);
  }
}

const env: BackendEnv = {
  async register(name: BackendName) {
    if (name === 'webgpu') {
      if (!('gpu' in navigator)) return false;
      await import('@tensorflow/tfjs-backend-webgpu');
      return true;
    }
    if (name === 'webgl') {
      if (typeof OffscreenCanvas === 'undefined') return false;
      await import('@tensorflow/tfjs-backend-webgl'); // registers itself (only in the browser build is it not yet)
      return true;
    }
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
/** The last run's trainer, kept after the run ends (the similarity view reads its model) until the next run. */
let lastTrainer: Trainer | null = null;
/** The backend set up by the last run, if any (previews use it, and the plain CPU backend before any run). */
let currentBackend: string | null = null;

function getDataset(name: DatasetName): Promise<Dataset> {
  let p = datasets.get(name);
  if (p) return p;
  if (name === 'custom') return Promise.reject(new Error('no data of your own is loaded: choose a folder, a zip or files under Data'));
  if (!isImageSet(name)) {
    p = Promise.resolve(toyDataset(name));
    datasets.set(name, p);
  } else {
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

/**
 * Fetches a URL for your own data, reporting bytes as they arrive. A network or CORS failure says so in words
 * (a browser gives no detail), and an HTTP error names its status.
 */
async function download(url: string, onProgress: (p: LoadProgress) => void): Promise<InputFile> {
  let parsed: URL;
  try {
    parsed = new URL(url, self.location.href);
  } catch {
    throw new Error(`"${url.slice(0, 80)}" is not a URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error(`${parsed.protocol} URLs are not supported (use http or https)`);
  // The page's Content Security Policy allows plain http only to this computer (and this page's own origin).
  const local = parsed.hostname === 'localhost' || parsed.hostname === '127.0.0.1';
  if (parsed.protocol === 'http:' && !local && parsed.origin !== self.location.origin) {
    throw new Error(`${parsed.href}: plain http is allowed only from this computer (localhost); use an https URL`);
  }
  let res: Response;
  try {
    res = await fetch(parsed);
  } catch {
    throw new Error(`could not download ${parsed.href}: the server did not answer, or does not allow other sites to read it (CORS)`);
  }
  if (!res.ok) throw new Error(`could not download ${parsed.href}: HTTP ${res.status}`);
  const total = Number(res.headers.get('content-length')) || 0;
  const chunks: Uint8Array[] = [];
  let done = 0;
  const reader = res.body?.getReader();
  if (reader) {
    for (;;) {
      const { value, done: end } = await reader.read();
      if (end) break;
      chunks.push(value);
      done += value.length;
      onProgress({ phase: 'downloading', done, total: Math.max(total, done) });
    }
  } else chunks.push(new Uint8Array(await res.arrayBuffer()));
  const bytes = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    bytes.set(c, off);
    off += c.length;
  }
  const path = decodeURIComponent(parsed.pathname.split('/').filter(Boolean).pop() ?? 'download');
  return { path, bytes };
}

/** Builds your own dataset from files; on success it becomes "custom", on failure nothing changes. */
async function buildCustom(files: InputFile[], options: CustomDataOptions, onProgress: (p: LoadProgress) => void, t0: number): Promise<CustomDataSummary> {
  const ds = await datasetFromFiles(files, options, decodeImageBrowser, onProgress);
  datasets.set('custom', Promise.resolve(ds));
  return { name: ds.name, n: ds.n, h: ds.h, w: ds.w, c: ds.c, classNames: ds.classNames, unlabelled: !!ds.unlabelled, skipped: ds.skipped, ms: performance.now() - t0 };
}

/** How the WASM module runs: XNNPACK's threads (the threaded build loads only on a cross-origin-isolated page). */
function wasmThreadsNote(): string {
  try {
    const n = getThreadsCount();
    return `${n} thread${n === 1 ? '' : 's'}`;
  } catch {
    return 'threads unknown';
  }
}

/** Sets up the backend a config asks for (measured once per choice, then cached) and returns what was chosen. */
async function useBackend(config: TrainConfig): Promise<BackendInfo> {
  activeConfig = config;
  let info = backendCache.get(config.backend);
  if (info) await tf.setBackend(info.name);
  else {
    info = await chooseBackend(config.backend, env);
    if (info.name === 'wasm') {
      const helper = info.name === tf.getBackend() && startFilterGradHelper() && (await waitForFilterGradHelper(3000));
      info = { ...info, reason: `${info.reason} (${wasmThreadsNote()}${helper ? ', and a helper thread for the filter gradient' : ''})` };
    }
    backendCache.set(config.backend, info);
  }
  currentBackend = info.name;
  return info;
}

/**
 * Sections that choose or switch the backend and build tensors on it run one at a time: without this, a
 * preview arriving while a run sets up its backend could switch to another backend in between, and the run's
 * tensors would meet kernels of the wrong backend.
 */
let backendQueue: Promise<unknown> = Promise.resolve();
function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  const next = backendQueue.then(fn, fn);
  backendQueue = next.catch(() => undefined);
  return next;
}

/**
 * An exclusive section on backend `name`: a training step, an evaluation. Another section (a preview, another
 * run being set up, the page's early prepare) may have left another backend active since the last one; a step must
 * neither meet another backend's kernels nor have the backend switched in the middle of it (tfjs then throws
 * "Backend … has not yet been initialized" at the step's next op).
 */
function onBackend<T>(name: string | (() => string), fn: () => Promise<T>): Promise<T> {
  return exclusive(async () => {
    await switchTo(typeof name === 'function' ? name() : name);
    return fn();
  });
}

/** Makes `name` the active backend (inside an exclusive section). */
async function switchTo(name: string): Promise<void> {
  if (tf.engine().backendName !== name) await tf.setBackend(name);
}

/** One step of a throwaway model of `config`'s shape on a few hundred images, then freed (see prepare). */
async function warmUp(config: TrainConfig, dataset: Dataset): Promise<void> {
  const n = Math.min(dataset.n, Math.max(2 * config.batchSize, 256));
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  const few = Math.min(100, Math.floor(n / 4));
  const t = new Trainer({ ...config, steps: 1, warmupSteps: 0, evalEvery: 0 }, dataset, { train: idx, bank: idx.slice(0, few), heldOut: idx.slice(n - few) });
  try {
    await t.trainStep();
  } finally {
    t.dispose();
  }
}

/** Takes over the run slot: any run in progress stops; the new one gets its own control. */
let controlsTaken = 0;
function takeControl() {
  controlsTaken++;
  control.stopped = true;
  control.wake();
  control.evalRequest?.(false);
  const my: RunControl = { paused: false, stopped: false, wake: () => {}, evalRequest: null };
  control = my;
  return my;
}

function nextTick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A WebGPU step or evaluation, failing as soon as the device is lost (a read-back from a lost device may never settle). */
function orLost<T>(p: Promise<T>, watch: DeviceWatch | null): Promise<T> {
  if (!watch) return p;
  p.catch(() => undefined);
  return Promise.race([p, watch.whenLost.then((why) => Promise.reject(new Error(`the WebGPU device was lost (${why})`)))]);
}

/**
 * After the WebGPU device was lost at step `lostAt`: drops the dead backend, activates the next one, and builds
 * the run's trainer there from the last snapshot (or afresh, the same seed giving the same initial weights).
 * The optimizer's state is not in a snapshot: it restarts, and the reason says so.
 */
async function continueAfterDeviceLoss(config: TrainConfig, dataset: Dataset, old: Trainer, from: TrainerSnapshot | null, lostAt: number): Promise<{ trainer: Trainer; info: BackendInfo }> {
  try {
    old.dispose();
  } catch {
    // Its buffers died with the device.
  }
  return exclusive(async () => {
    const { name, skipped } = await fallbackBackend(env, 'webgpu');
    dropBackend('webgpu');
    for (const [choice, info] of backendCache) if (info.name === 'webgpu') backendCache.delete(choice);
    currentBackend = name;
    // On WASM, with XNNPACK's pool of 2+ threads, the filter gradient's helper (as for a run begun on WASM).
    if (name === 'wasm' && startFilterGradHelper()) await waitForFilterGradHelper(3000);
    const trainer = new Trainer(config, dataset);
    try {
      if (from) restoreTrainer(trainer, from);
    } catch (e) {
      trainer.dispose();
      throw e;
    }
    const optimizer = config.optimizer === 'adam' ? "Adam's moments" : 'the momentum buffer';
    const reason =
      `WebGPU device lost at step ${lostAt}: continuing on ${name} from the weights of step ${from?.step ?? 0}; ${optimizer} restarted from zero` +
      (skipped.length ? ` (skipped: ${skipped.join('; ')})` : '');
    return { trainer, info: { name, reason } };
  });
}

/** The worker's API; the page's client is typed from it. */
const api = {
  /** Loads a dataset (shipped, toy, or your own once loaded) and returns its held-out images (for hover previews). */
  async loadDataset(name: DatasetName): Promise<HeldOutImages> {
    mark(`loadDataset(${name}) asked`);
    const ds = await getDataset(name);
    mark(`loadDataset(${name}): parsed`);
    const split = makeSplit(ds.n);
    const held = split.heldOut;
    const per = ds.h * ds.w * ds.c;
    const images = new Uint8Array(ds.points ? 0 : held.length * per);
    const points = ds.points ? new Float32Array(held.length * per) : null;
    const labels = new Int32Array(held.length);
    held.forEach((j, i) => {
      if (points) points.set(ds.points!.subarray(j * per, (j + 1) * per), i * per);
      else images.set(ds.images.subarray(j * per, (j + 1) * per), i * per);
      labels[i] = ds.labels[j]!;
    });
    const out: HeldOutImages = {
      dataset: name,
      name: ds.name,
      images,
      points,
      unlabelled: !!ds.unlabelled,
      labels,
      h: ds.h,
      w: ds.w,
      c: ds.c,
      classNames: ds.classNames,
      trainSize: split.train.length,
    };
    return Comlink.transfer(out, [images.buffer, labels.buffer, ...(points ? [points.buffer] : [])]);
  },

  /**
   * Your own data from files the page hands over unread (a folder, a zip, images, IDX or CIFAR-10 batches):
   * read, decoded and resized here, so the page never blocks. A bad file throws with a message and leaves the
   * previous data (and any run) as they were.
   */
  async loadCustomFiles(entries: FileEntry[], options: CustomDataOptions, onProgress: (p: LoadProgress) => void): Promise<CustomDataSummary> {
    const t0 = performance.now();
    const files: InputFile[] = [];
    // Read in groups: one await per file would take a round trip each.
    for (let i = 0; i < entries.length; i += 64) {
      const group = entries.slice(i, i + 64);
      const bytes = await Promise.all(group.map((e) => e.file.arrayBuffer()));
      group.forEach((e, k) => files.push({ path: e.path, bytes: new Uint8Array(bytes[k]!) }));
      onProgress({ phase: 'reading', done: i + group.length, total: entries.length });
    }
    return buildCustom(files, options, onProgress, t0);
  },

  /** Your own data from one or more URLs (the same formats as files), downloaded here. */
  async loadCustomUrls(urls: string[], options: CustomDataOptions, onProgress: (p: LoadProgress) => void): Promise<CustomDataSummary> {
    const t0 = performance.now();
    if (urls.length === 0) throw new Error('give at least one URL');
    const files: InputFile[] = [];
    for (const url of urls) files.push(await download(url, onProgress));
    return buildCustom(files, options, onProgress, t0);
  },

  /**
   * Runs training to the end (or until stopped), streaming events; resolves when the run is over.
   * `evaluate: false` skips kNN and embeddings (the benchmarks time steps alone).
   */
  async start(config: TrainConfig, emit: (events: WorkerEvent[]) => void, options: { evaluate?: boolean } = {}): Promise<void> {
    const evaluate = (options.evaluate ?? true) && config.evalEvery > 0;
    const runId = ++runCounter;
    const my = takeControl();
    let trainer: Trainer | null = null;
    /** The initial weights, until step 0 is evaluated with them. */
    let initial: tf.Tensor[] | null = null;
    try {
      emit([{ type: 'status', runId, status: 'starting' }]);
      mark(`run ${runId} asked`);
      const dataset = await getDataset(config.dataset);
      mark(`run ${runId} has its dataset`);
      const { info, built } = await exclusive(async () => {
        mark(`run ${runId} sets up its backend`);
        const info = await useBackend(config);
        mark(`run ${runId} has its backend`);
        return { info, built: new Trainer(config, dataset) };
      });
      mark(`run ${runId} built its trainer`);
      trainer = built;
      lastTrainer?.dispose();
      lastTrainer = trainer;
      emit([{ type: 'backend', runId, info }]);
      /** The backend the run's tensors live on (another after a lost device). */
      let runBackend = info.name;
      // On WebGPU: a watch on the device and a recent copy of the weights, to go on elsewhere if the device is lost.
      let watch = watchDevice();
      let snapshot: TrainerSnapshot | null = null;
      /** Steps streamed so far: after a fallback, the steps trained again from the snapshot are not sent twice. */
      let streamed = 0;
      /** Evaluates now, or, given the initial weights, as step 0 (see below). */
      const sendEval = async (step0Weights?: tf.Tensor[]) => {
        if (!evaluate) return;
        lastEvalStep = step0Weights ? 0 : trainer!.step;
        const { embeddings, dim, sphere, ...metrics } = step0Weights ? await trainer!.evaluateWith(step0Weights, 0) : await trainer!.evaluate();
        const labels = trainer!.heldLabels.slice();
        emit(
          Comlink.transfer(
            [{ type: 'eval', runId, eval: metrics, embeddings, dim, labels, sphere }],
            [embeddings.buffer, labels.buffer, ...(sphere ? [sphere.buffer] : [])],
          ),
        );
      };
      lastEvalStep = -1;
      evaluateLast = () => onBackend(runBackend, () => sendEval());
      // Step 0's evaluation (the untrained encoder's kNN and probes) takes seconds; it runs on a copy of the
      // initial weights right after the first step, so the first loss point comes first.
      initial = evaluate ? trainer.cloneWeights() : null;
      emit([{ type: 'status', runId, status: 'training' }]);
      activeRunTrainer = trainer;
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
        try {
          const t = trainer;
          const m = await onBackend(runBackend, () => orLost(t.trainStep(), watch));
          if (m.step === 0) mark(`run ${runId} trained its first step`);
          if (m.step >= streamed) pending.push(m);
          streamed = Math.max(streamed, m.step + 1);
          if (pending.length >= STEP_BATCH || performance.now() - lastFlush > FLUSH_MS) flush();
          if (initial) {
            flush();
            const w = initial;
            initial = null;
            try {
              await onBackend(runBackend, () => orLost(sendEval(w), watch));
            } finally {
              tf.dispose(w);
            }
          }
          if (evaluate && (trainer.step % config.evalEvery === 0 || trainer.done || my.evalRequest)) {
            flush();
            await onBackend(runBackend, () => orLost(sendEval(), watch));
            if (watch) snapshot = await onBackend(runBackend, () => orLost(snapshotTrainer(t), watch));
          } else if (watch && trainer.step % SNAPSHOT_EVERY === 0) snapshot = await onBackend(runBackend, () => orLost(snapshotTrainer(t), watch));
        } catch (e) {
          if (e instanceof NonFiniteLossError || !(await lostDevice(watch))) {
            flush(); // the steps before the failure stay on the charts
            throw e;
          }
          const old: Trainer = trainer;
          const lostAt: number = old.step;
          if (lastTrainer === old) lastTrainer = null;
          if (activeRunTrainer === old) activeRunTrainer = null;
          const next: { trainer: Trainer; info: BackendInfo } = await continueAfterDeviceLoss(config, dataset, old, snapshot, lostAt).catch((err: Error) => {
            throw new Error(`the WebGPU device was lost at step ${lostAt} and the run could not go on elsewhere: ${err.message}`);
          });
          trainer = lastTrainer = activeRunTrainer = next.trainer;
          runBackend = next.info.name;
          watch = null;
          snapshot = null;
          flush();
          emit([{ type: 'backend', runId, info: next.info }]);
          continue;
        }
        my.evalRequest?.(evaluate);
        my.evalRequest = null;
        await nextTick(); // lets pause/stop messages in
      }
      flush();
      my.evalRequest?.(false);
      my.evalRequest = null;
      emit([{ type: 'status', runId, status: my.stopped ? 'stopped' : 'done' }]);
      lastRunOutcome = my.stopped ? 'stopped' : 'done';
    } catch (e) {
      const err = e as Error & { step?: number };
      if (trainer && trainer === lastTrainer) {
        lastTrainer = null;
        evaluateLast = null;
      }
      emit([{ type: 'error', runId, message: err.message || String(e), step: err.step }]);
      lastRunOutcome = `error: ${err.message || String(e)}`;
    } finally {
      if (initial) tf.dispose(initial);
      if (activeRunTrainer === trainer) activeRunTrainer = null;
      // A stopped or finished run's model stays for the similarity view; a failed one is released.
      if (trainer && trainer !== lastTrainer) trainer.dispose();
    }
  },

  /**
   * Runs a sweep (one config per run, all on the first config's backend), streaming each run's steps and
   * evaluations tagged with its index; pause, resume and stop act on the sweep as on a run. Resolves with
   * 'done' or 'stopped' when every run has ended.
   */
  async sweep(configs: TrainConfig[], emit: (events: SweepEvent[]) => void, options: { mode: SweepMode }): Promise<'done' | 'stopped'> {
    if (configs.length === 0) throw new Error('a sweep needs at least one run');
    const my = takeControl();
    const info = await exclusive(() => useBackend(configs[0]!));
    let pending: SweepEvent[] = [];
    const steps = new Map<number, StepMetrics[]>();
    let lastFlush = performance.now();
    const flush = () => {
      const out: SweepEvent[] = [];
      for (const [index, s] of steps) out.push({ type: 'steps', index, steps: s });
      steps.clear();
      out.push(...pending);
      pending = [];
      if (out.length) emit(Comlink.transfer(out, out.flatMap((e) => (e.type === 'eval' ? [e.embeddings.buffer, e.labels.buffer] : []))));
      lastFlush = performance.now();
    };
    emit([{ type: 'status', status: 'training' }]);
    try {
      return await runSweep(
        configs,
        async (c) => {
          const dataset = await getDataset(c.dataset);
          return exclusive(async () => new Trainer(c, dataset));
        },
        options.mode,
        {
          guard: (fn) => onBackend(info.name, fn),
          onRunStart: (index) => void pending.push({ type: 'run-start', index, backend: info }),
          onStep: (index, m) => {
            const s = steps.get(index);
            if (s) s.push(m);
            else steps.set(index, [m]);
          },
          shouldEvaluate: (_i, t) => t.config.evalEvery > 0 && (t.step % t.config.evalEvery === 0 || t.done),
          evaluate: async (index, t) => {
            const r = await t.evaluate();
            const { embeddings, dim } = r;
            const metrics: EvalMetrics = { ...r };
            delete (metrics as Partial<typeof r>).embeddings;
            delete (metrics as Partial<typeof r>).sphere;
            delete (metrics as Partial<typeof r>).dim;
            pending.push({ type: 'eval', index, eval: metrics, embeddings, dim, labels: t.heldLabels.slice() });
            flush();
          },
          onRunEnd: (index, status, error) => {
            pending.push({ type: 'run-end', index, status, message: error?.message, step: error?.step });
            flush();
          },
          checkpoint: async () => {
            if (performance.now() - lastFlush > FLUSH_MS) flush();
            if (my.paused && !my.stopped) {
              flush();
              emit([{ type: 'status', status: 'paused' }]);
              await new Promise<void>((resolve) => (my.wake = resolve));
              if (!my.stopped) emit([{ type: 'status', status: 'training' }]);
            }
            await nextTick(); // lets pause/stop messages in
            return my.stopped;
          },
        },
      );
    } finally {
      flush();
    }
  },

  /**
   * Trains one run to the end without streaming its steps and returns the final kNN accuracy and loss (a cell
   * of the augmentation ablation). stop() or a new run ends it early: it then resolves with `stopped: true`.
   */
  async quickRun(config: TrainConfig): Promise<{ knnAcc: number; loss: number; ms: number; backend: string; stopped: boolean }> {
    const my = takeControl();
    const t0 = performance.now();
    const dataset = await getDataset(config.dataset);
    const { info, trainer } = await exclusive(async () => {
      const info = await useBackend(config);
      return { info, trainer: new Trainer(config, dataset) };
    });
    try {
      let loss = Number.NaN;
      while (!trainer.done && !my.stopped) {
        loss = (await onBackend(info.name, () => trainer.trainStep())).loss;
        await nextTick();
      }
      if (my.stopped) return { knnAcc: Number.NaN, loss, ms: performance.now() - t0, backend: info.name, stopped: true };
      const ev = await onBackend(info.name, () => trainer.evaluate());
      return { knnAcc: ev.knnAcc, loss, ms: performance.now() - t0, backend: info.name, stopped: false };
    } finally {
      trainer.dispose();
    }
  },

  /**
   * The view-pair inspector: `count` training images picked by `seed` and their two views under this config's
   * augmentations, on the run's backend (the CPU backend before any run: a dozen small images need no more).
   */
  async previewViews(config: TrainConfig, count: number, seed: number): Promise<ViewPairs> {
    const ds = await getDataset(config.dataset);
    // The backend is read when the section runs, not when it is queued: a preview asked for while the first run or
    // the start-up prepare sets a backend up must not switch back to CPU after it (the prepare's warm-up step once
    // ran on CPU that way, 50 s of a blocked worker).
    const out = await onBackend(() => currentBackend ?? 'cpu', async () => viewPairs(ds, config, count, seed));
    return Comlink.transfer(out, [out.original.buffer, out.view1.buffer, out.view2.buffer, out.labels.buffer]);
  },

  /**
   * For `npm run bench`: images per second of the augmentation pipeline for `config` on its backend, a batch of
   * the given shape, results read back; and the time to fetch and parse a shipped dataset in a fresh cache.
   */
  async benchAugment(config: TrainConfig, shape: [number, number, number, number], iterations: number): Promise<{ imagesPerSec: number; backend: string }> {
    const info = await exclusive(() => useBackend(config));
    const x = tf.randomUniform(shape, 0, 1) as tf.Tensor4D;
    const ms: number[] = [];
    try {
      for (let i = 0; i < iterations + 2; i++) {
        const t0 = performance.now();
        const v = augmentBatch(x, augParams(config), i);
        await v.data();
        v.dispose();
        if (i >= 2) ms.push(performance.now() - t0);
      }
    } finally {
      x.dispose();
    }
    ms.sort((a, b) => a - b);
    return { imagesPerSec: (shape[0] * 1000) / ms[Math.floor(ms.length / 2)]!, backend: info.name };
  },

  async benchLoad(name: DatasetName): Promise<number> {
    datasets.delete(name);
    const t0 = performance.now();
    await getDataset(name);
    return performance.now() - t0;
  },

  /**
   * The similarity matrix of a fresh batch under the current (or last) run's model: see Trainer.similarityMatrix.
   * Null before any run.
   */
  async batchSimilarity(count: number, seed: number): Promise<{ sim: Float32Array; n: number; step: number; temperature: number } | null> {
    const t = lastTrainer;
    if (!t) return null;
    const sim = await onBackend(t.backend, () => t.similarityMatrix(count, seed));
    return Comlink.transfer({ sim, n: Math.round(Math.sqrt(sim.length) / 2), step: t.step, temperature: t.config.temperature }, [sim.buffer]);
  },

  /**
   * Evaluates now rather than at the next `evalEvery` step: a training run evaluates after its current step; a
   * paused, stopped or finished run's model is evaluated at once. The result streams as the run's usual 'eval'
   * event. Resolves to what happened, in words for the page ("evaluated at step 40", or why not).
   */
  async evaluateNow(): Promise<{ ok: boolean; message: string }> {
    const t = lastTrainer;
    if (!t || !evaluateLast) return { ok: false, message: 'there is no model to evaluate yet: start a run' };
    if (t.config.evalEvery === 0) return { ok: false, message: 'evaluation is off for this run (evaluate every = 0)' };
    const my = control;
    const training = !my.stopped && !my.paused && !t.done && t === lastTrainer && activeRunTrainer === t;
    if (training) {
      const ok = await new Promise<boolean>((resolve) => {
        my.evalRequest?.(false);
        my.evalRequest = resolve;
      });
      return ok ? { ok, message: `evaluated at step ${lastEvalStep}` } : { ok, message: 'the run ended before it could evaluate' };
    }
    if (lastEvalStep === t.step) return { ok: true, message: `already evaluated at step ${t.step}` };
    await evaluateLast();
    return { ok: true, message: `evaluated at step ${t.step}` };
  },

  /**
   * The current (or last) run's encoder f, which gives h, as TensorFlow.js layers-model artifacts: the content of
   * model.json (its manifest names 'encoder.weights.bin', with the run's config, method, dataset and step as
   * metadata) and of that weights file (transferred). See engine/exportModel. Null before any run.
   */
  async exportEncoder(): Promise<{ modelJson: string; weights: ArrayBuffer } | null> {
    const t = lastTrainer;
    if (!t) return null;
    // The layers API (a third of tfjs' code) loads now, not with the worker's script on the way to a first step.
    const { saveEncoderArtifacts } = await import('../engine/exportModel');
    // The weights are copied synchronously when the export starts, so a running loop cannot change them halfway.
    const result = await onBackend(t.backend, async () =>
      t === lastTrainer ? saveEncoderArtifacts(t.model, [t.dataset.h, t.dataset.w, t.dataset.c], { config: t.config, step: t.step }) : null,
    );
    return result ? Comlink.transfer(result, [result.weights]) : null;
  },

  /**
   * Gets a config's backend and dataset ready before Start is pressed (the worker calls it at start-up with the
   * config its name carries), so the first run starts training at once: the backend set up, the data parsed, and
   * one step of a throwaway model of the same shape trained (the first step on a backend compiles and allocates
   * what the later ones reuse). A run asked for meanwhile goes first; a failure here is not reported: start() meets
   * it again and says so.
   */
  async prepare(config: TrainConfig): Promise<void> {
    mark('prepare asked');
    try {
      // Both at once: the backend's set-up (compiling WASM, a WebGPU device) does not need the data.
      const [dataset] = await Promise.all([
        getDataset(config.dataset).then((d) => (mark('prepare: dataset ready'), d)),
        exclusive(async () => {
          // Once a run, sweep or ablation has set a backend up, there is nothing left to prepare for.
          if (currentBackend !== null || backendCache.has(config.backend)) return;
          mark('prepare: backend set-up begins');
          const info = await useBackend(config);
          mark(`prepare: backend ready: ${info.name}`);
        }),
      ]);
      await exclusive(async () => {
        if (controlsTaken > 0) return; // a run, sweep or ablation asked for meanwhile goes first, without it
        const chosen = backendCache.get(config.backend);
        if (!chosen) return; // its set-up failed: start() meets it again and says so
        // A section queued in between (a preview) may have left another backend active: the warm-up is for this one.
        await switchTo(chosen.name);
        await warmUp(config, dataset);
        mark(`prepare: warm-up step trained on ${tf.getBackend()}`); // the browser tests check it is the one chosen
      });
    } catch {
      // start() reports it.
    }
  },

  /**
   * Frees the last run's model and data (Reset). A model still in use is not freed under it: a running loop frees
   * its trainer when it ends (it is no longer the last one), and an evaluation, similarity batch or export in
   * progress (all exclusive sections) finishes before the dispose queued behind it.
   */
  release(): Promise<void> {
    const t = lastTrainer;
    lastTrainer = null;
    evaluateLast = null;
    if (!t || t === activeRunTrainer) return Promise.resolve();
    return exclusive(async () => t.dispose());
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

  /**
   * Takes a Web Lock named `name` and holds it for as long as this worker lives: the page then asks for the same
   * lock, which it gets only when the worker is gone (terminated or crashed), its way to notice a silent death.
   * Resolves true once held; false where there are no Web Locks (the page then falls back to pings).
   */
  holdLifeLock(name: string): Promise<boolean> {
    const locks = (navigator as Navigator & { locks?: LockManager }).locks;
    if (!locks) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      locks
        .request(name, () => {
          resolve(true);
          return new Promise<void>(() => {});
        })
        .catch(() => resolve(false));
    });
  },

  /** Answers at once: the page's liveness check where there are no Web Locks. */
  ping(): boolean {
    return true;
  },

  /** Test hook: destroys the WebGPU device under a run, as a lost device would be (false when not on WebGPU). */
  simulateDeviceLoss(): boolean {
    return destroyDevice();
  },

  /** The start-up timeline (see `timeline`). */
  timeline(): [string, number][] {
    return timeline.slice();
  },

  /** Live tensor count, for leak checks from tests; and how many filter gradients the helper thread shared. */
  memory(): Promise<{ numTensors: number; backend: string; lastRunOutcome: string | null; filterGradHelperJobs: number }> {
    // Between the sections that switch backends (in the middle of a switch tfjs has no backend to ask).
    return exclusive(async () => ({ numTensors: tf.memory().numTensors, backend: tf.getBackend(), lastRunOutcome, filterGradHelperJobs: filterGradHelperJobs() }));
  },
};

export type TrainWorkerApi = typeof api;

Comlink.expose(api);
// Gets ready for the config its name carries, without waiting for a message (see shared/workerName.ts).
const initialConfig = configFromWorkerName(self.name);
if (initialConfig) void api.prepare(initialConfig);
