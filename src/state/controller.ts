/**
 * The page side of the worker boundary: owns the training and t-SNE workers, turns their events into store
 * updates, and keeps the URL hash in step with the config. No tensor work happens here.
 */
import * as Comlink from 'comlink';
import { withDataset, type TrainConfig } from '../shared/config';
import { parseShareHash, shareHash } from '../shared/share';
import { trainWorkerName, wasmThreadsFromQuery } from '../shared/workerName';
import { holdBackgroundRedraws } from '../ui/redrawHold';
import { drawingFlag } from '../ui/pageDrawing';
import { toRunMetrics, trackRun, type RunHandle } from './history';
import type { CustomDataOptions, CustomDataSummary, EvalMetrics, FileEntry, LoadProgress, StepMetrics, SweepEvent, SweepMode, ViewPairs, WorkerEvent } from '../shared/messages';
import type { TrainWorkerApi } from '../worker/train.worker';
import type { MapOptions, TsneWorkerApi } from '../worker/tsne.worker';
import { ablationAugs, ablationPlan } from '../shared/ablation';
import { emptyMetrics, store, type AblationState, type Metrics, type SweepState } from './store';
import type { SweepPlan } from '../shared/sweep';

/** Smoothing of the loss curve (an exponential moving average, as TensorBoard's slider). */
const SMOOTHING = 0.9;

let trainWorker: Worker | null = null;
let trainApi: Comlink.Remote<TrainWorkerApi> | null = null;
let tsneApi: Comlink.Remote<TsneWorkerApi> | null = null;
/** Events of older runs are dropped: only this run's id is current. */
let currentRun = 0;
let tsneBusy = false;
let tsnePending: { embeddings: Float32Array; dim: number; labels: Int32Array; step: number; run: number } | null = null;
const pageStart = performance.now();
/** The run history's handle on the single run in progress (finished when the run ends, fails or is replaced). */
let runHandle: RunHandle | null = null;
/** Metrics go to the history at most this often (ms) between evaluations; each copy is O(steps). */
const METRICS_SAVE_MS = 1000;
let lastMetricsSave = 0;

/** Ends the history record of the current single run (if any) with this status. */
function finishRun(status: 'done' | 'stopped' | 'error', error?: string): void {
  holdBackgroundRedraws(false);
  const h = runHandle;
  runHandle = null;
  if (h) void h.finish(status, error, { metrics: toRunMetrics(store.getState().metrics) });
}

/**
 * The first training worker's answer to a ping posted as soon as it was created. The messages the page posts to a
 * worker whose script is still loading are held on the page's side and handed over by the page's thread; a long
 * task there (plotly's evaluation) holds them up, a run's start among them (seen: 1.2 s, the worker then warming up
 * for nothing and starting the run late). The answer means they have been handed over.
 */
let firstAnswer: Promise<unknown> | null = null;

/**
 * Resolves once the training worker has answered its first message, or after `maxMs` (a worker busy with its
 * warm-up step answers late, and one whose script failed to load never does: the page must not wait forever).
 */
export function trainWorkerReady(maxMs = 3000): Promise<void> {
  getTrainApi();
  return Promise.race([firstAnswer!.then(() => undefined, () => undefined), new Promise<void>((r) => setTimeout(r, maxMs))]);
}

function getTrainApi(): Comlink.Remote<TrainWorkerApi> {
  if (!trainApi) {
    // The worker's name carries the config it gets ready for as soon as its script has run (see prepare() there):
    // a message would wait for this thread, which is busy evaluating plotly at that moment.
    const { threads } = wasmThreadsFromQuery(location.search);
    const name = trainWorkerName(store.getState().config, threads === null ? {} : { wasmThreads: threads });
    const w = new Worker(new URL('../worker/train.worker.ts', import.meta.url), { type: 'module', name });
    trainWorker = w;
    w.addEventListener('error', (e) => {
      // An uncaught error in the worker (it may live on) or a script that failed to load (it never started).
      const message = `the training worker crashed: ${e.message || 'unknown error'}`;
      store.setState({ status: { kind: 'error', message, restart: true } });
      finishRun('error', message);
    });
    w.addEventListener('messageerror', () => fail('a message from the training worker could not be read'));
    trainApi = Comlink.wrap<TrainWorkerApi>(w);
    firstAnswer ??= trainApi.ping();
    watchLife(w, trainApi);
  }
  return trainApi;
}

/** Ping period and how long the worker may stay silent, where there are no Web Locks (ms). */
const PING_MS = 2000;
const SILENT_MS = 60_000;

/**
 * Notices a training worker that stopped without a word (terminated, crashed, killed for memory): no event
 * fires then, and calls to it would wait forever. The worker holds a Web Lock for as long as it lives; the page
 * asks for the same lock and gets it when the worker is gone. Without Web Locks (an insecure context), a ping
 * every PING_MS while the worker exists, and SILENT_MS without an answer count as death.
 */
function watchLife(w: Worker, api: Comlink.Remote<TrainWorkerApi>): void {
  const name = `contrastive-playground-train-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  const lost = () => workerLost(w, 'the training worker stopped unexpectedly (it may have run out of memory or crashed)');
  void api.holdLifeLock(name).then((held) => {
    if (trainWorker !== w) return;
    if (held && locks) {
      void locks.request(name, () => lost());
      return;
    }
    let answered = performance.now();
    const timer = setInterval(() => {
      if (trainWorker !== w) return clearInterval(timer);
      if (performance.now() - answered > SILENT_MS) {
        clearInterval(timer);
        lost();
        return;
      }
      void api.ping().then(() => (answered = performance.now()));
    }, PING_MS);
  });
}

/**
 * The training worker `w` is gone: says so with a restart button, ends the run's history record (with its
 * metrics so far) as an error, and ends a sweep, ablation or data load that was waiting on it. Its calls never
 * answer; they are left behind, and the next use of the worker makes a new one.
 */
function workerLost(w: Worker, message: string): void {
  if (trainWorker !== w) return;
  w.terminate();
  trainWorker = null;
  trainApi = null;
  currentRun++;
  store.setState({ status: { kind: 'error', message, restart: true } });
  finishRun('error', message);
  const sweep = store.getState().sweep;
  if (sweep && (sweep.status === 'running' || sweep.status === 'paused')) {
    sweep.runs.forEach((r, i) => {
      if (r.status !== 'training') return;
      void sweepHandle(sweep.id, i)?.finish('error', message, { metrics: toRunMetrics(r.metrics) });
    });
    setSweep(sweep.id, (s) => ({
      status: 'error',
      message,
      runs: s.runs.map((r) => (r.status === 'training' || r.status === 'queued' ? { ...r, status: 'error' as const, message } : r)),
    }));
  }
  const ablation = store.getState().ablation;
  if (ablation?.status === 'running') {
    ablationRun++;
    store.setState({ ablation: { ...ablation, status: 'error', message } });
  }
  if (store.getState().custom.busy) store.setState({ custom: { ...store.getState().custom, busy: false, progress: null, error: message } });
}

/**
 * Starts a new training worker after the last one was lost (the status line's button) and loads the dataset in
 * it. Your own data lived in the old worker: it must be loaded again. The map worker is not touched.
 */
export function restartWorker(): void {
  trainWorker?.terminate();
  trainWorker = null;
  trainApi = null;
  currentRun++;
  store.setState({ status: { kind: 'idle' } });
  void loadDataset();
}

/** Test hook: ends the training worker as a crash would, without telling the rest of the controller. */
export function terminateWorkerForTest(): void {
  trainWorker?.terminate();
}

/** Test hook: destroys the training worker's WebGPU device mid-run (false when it is not on WebGPU). */
export async function simulateDeviceLoss(): Promise<boolean> {
  return trainApi ? trainApi.simulateDeviceLoss() : false;
}

// Browser tests reach the hooks through the page (`?test` in the address); nothing else does.
if (typeof window !== 'undefined' && typeof location !== 'undefined' && new URLSearchParams(location.search).has('test')) {
  (window as Window & { __playground?: unknown }).__playground = {
    terminateWorker: terminateWorkerForTest,
    simulateDeviceLoss,
    workerMemory: () => getTrainApi().memory(),
    workerTimeline: () => getTrainApi().timeline(),
  };
}

function getTsneApi(): Comlink.Remote<TsneWorkerApi> {
  if (!tsneApi) {
    const w = new Worker(new URL('../worker/tsne.worker.ts', import.meta.url), { type: 'module', name: 'tsne' });
    tsneApi = Comlink.wrap<TsneWorkerApi>(w);
    // Its t-SNE gives way while a chart redraws (shared memory: the same flag, not a copy).
    if (drawingFlag) void tsneApi.givesWayTo(drawingFlag);
  }
  return tsneApi;
}

function fail(message: string): void {
  store.setState({ status: { kind: 'error', message } });
}

/** The held-out images being loaded now: a second call for the same data from the same worker waits for it. */
let loadingHeldOut: { name: string; worker: Worker | null; done: Promise<void> } | null = null;

/**
 * Loads the config's dataset in the worker and keeps its held-out images for hover previews (at start-up and
 * when the dataset setting changes). A failed load says so and leaves the previous images.
 */
export function loadDataset(): Promise<void> {
  const name = store.getState().config.dataset;
  const api = getTrainApi();
  if (loadingHeldOut?.name === name && loadingHeldOut.worker === trainWorker) return loadingHeldOut.done;
  const load = async () => {
    try {
      const heldOut = await api.loadDataset(name);
      if (store.getState().config.dataset === name) store.setState({ heldOut });
    } catch (e) {
      fail(`could not load the dataset: ${(e as Error).message}`);
    }
  };
  const done: Promise<void> = load().finally(() => {
    if (loadingHeldOut?.done === done) loadingHeldOut = null;
  });
  loadingHeldOut = { name, worker: trainWorker, done };
  return done;
}

/** Appends streamed steps to a run's series (in place, for the charts' revision) and returns a new handle. */
export function appendSteps(m: Metrics, steps: readonly StepMetrics[]): Metrics {
  for (const s of steps) {
    const prev = m.lossSmooth.length ? m.lossSmooth[m.lossSmooth.length - 1]! : s.loss;
    m.step.push(s.step + 1);
    m.loss.push(s.loss);
    m.lossSmooth.push(m.lossSmooth.length ? SMOOTHING * prev + (1 - SMOOTHING) * s.loss : s.loss);
    m.lr.push(s.lr);
    m.acc.push(s.acc);
    m.zStd.push(s.zStd);
    m.stepMs.push(s.ms);
  }
  return { ...m, version: m.version + 1 };
}

/** Appends one evaluation's figures to a run's series and returns a new handle. */
export function appendEval(m: Metrics, e: EvalMetrics): Metrics {
  m.evalStep.push(e.step);
  m.knn.push(e.knnAcc);
  m.knnZ.push(e.knnAccZ);
  m.probeH.push(e.probeH);
  m.probeZ.push(e.probeZ);
  m.probeH1.push(e.probeH1);
  m.probeH10.push(e.probeH10);
  m.align.push(e.align);
  m.uniform.push(e.uniform);
  m.evalZStd.push(e.zStd);
  m.effRank.push(e.effRank);
  return { ...m, zDim: e.zDim, version: m.version + 1 };
}

/**
 * Starts the training worker, which gets ready for the current config (its backend initialised, its dataset
 * parsed, a step trained to warm it up) while the page is idle, so Start trains at once.
 */
export function prepareWorker(): void {
  getTrainApi();
}

/** Applies a batch of the current run's events (the worker's own run ids are not used on this side). */
function onEvents(events: WorkerEvent[], run: number): void {
  for (const ev of events) {
    switch (ev.type) {
      case 'status':
        store.setState({ status: { kind: ev.status } });
        if (ev.status === 'done' || ev.status === 'stopped') finishRun(ev.status);
        break;
      case 'backend':
        store.setState({ backend: ev.info });
        runHandle?.update({ backend: ev.info.name });
        break;
      case 'steps': {
        if (!store.getState().metrics.step.length) setTimeout(() => holdBackgroundRedraws(false), 0);
        const m = appendSteps(store.getState().metrics, ev.steps);
        const first = store.getState().firstLossMs ?? performance.now() - pageStart;
        store.setState({ metrics: m, firstLossMs: first });
        if (runHandle && performance.now() - lastMetricsSave > METRICS_SAVE_MS) {
          lastMetricsSave = performance.now();
          runHandle.update({ metrics: toRunMetrics(m) });
        }
        break;
      }
      case 'eval': {
        const m = appendEval(store.getState().metrics, ev.eval);
        store.setState({ metrics: m });
        runHandle?.update({
          metrics: toRunMetrics(m),
          embeddings: { step: ev.eval.step, dim: ev.dim, n: ev.labels.length, data: ev.embeddings.slice(), labels: ev.labels.slice(), classNames: (store.getState().runHeldOut ?? store.getState().heldOut)?.classNames ?? [] },
        });
        if (ev.sphere) store.setState({ sphere: { step: ev.eval.step, xyz: ev.sphere, dim: ev.eval.zDim, labels: ev.labels } });
        // A copy stays on the page for the neighbour gallery; the original goes to the t-SNE worker.
        store.setState({ heldEmbeddings: { step: ev.eval.step, data: ev.embeddings.slice(), dim: ev.dim } });
        requestMap({ embeddings: ev.embeddings, dim: ev.dim, labels: ev.labels, step: ev.eval.step, run });
        break;
      }
      case 'error':
        fail(ev.message);
        finishRun('error', ev.message);
        break;
    }
  }
}

/** The history handle a run's late map belongs to (the map may arrive after the run has finished). */
let mapHandle: RunHandle | null = null;

/** Queues a t-SNE layout; only the newest embeddings wait while one is being computed. */
function requestMap(job: NonNullable<typeof tsnePending>): void {
  tsnePending = job;
  if (!tsneBusy) void drainMap();
}

async function drainMap(): Promise<void> {
  tsneBusy = true;
  try {
    while (tsnePending) {
      const job = tsnePending;
      tsnePending = null;
      const n = job.labels.length;
      const prev = store.getState().map;
      const init = prev && prev.xy.length === n * 2 ? prev.xy.slice() : null;
      const seed = store.getState().config.seed;
      const view = store.getState().mapView;
      const t0 = performance.now();
      const { xy, workerMs, pageWaitMs, engine } = await getTsneApi().layout(
        Comlink.transfer(job.embeddings, [job.embeddings.buffer]),
        n,
        job.dim,
        init ? Comlink.transfer(init, [init.buffer]) : null,
        seed,
        view,
      );
      const ms = performance.now() - t0;
      if (job.run === currentRun) {
        store.setState({ map: { step: job.step, xy, labels: job.labels, method: view.method, ms, workerMs, pageWaitMs, engine } });
        mapHandle?.update({ map: { step: job.step, xy: xy.slice() } });
      }
    }
  } catch (e) {
    fail(`t-SNE failed: ${(e as Error).message}`);
  } finally {
    tsneBusy = false;
  }
}

/** Starts a new run with the current config, discarding the previous run's charts. */
export async function start(): Promise<void> {
  const config = store.getState().config;
  const run = ++currentRun;
  store.setState({ metrics: emptyMetrics(), map: null, heldEmbeddings: null, sphere: null, status: { kind: 'starting' }, runMethod: config.method, runSteps: config.steps, evalNote: null });
  // The run's held-out images (hover thumbnails) are pinned: loading other data later does not change them. If
  // they have not arrived yet, the run starts anyway and pins them when they come (the first evaluation, which
  // needs them, comes after the first step).
  const pinHeldOut = () => {
    const h = store.getState().heldOut;
    if (run === currentRun && h?.dataset === config.dataset) store.setState({ runHeldOut: h });
  };
  store.setState({ runHeldOut: null });
  if (store.getState().heldOut?.dataset === config.dataset) pinHeldOut();
  else void loadDataset().then(pinHeldOut);
  finishRun('stopped');
  // The map's placeholder (a new plot: several times an update) waits until the run's first points are drawn (or it ends).
  holdBackgroundRedraws(true);
  runHandle = trackRun({ config });
  mapHandle = runHandle;
  lastMetricsSave = 0;
  try {
    // Events of a run that was since restarted or reset are dropped here.
    await getTrainApi().start(
      config,
      Comlink.proxy((events: WorkerEvent[]) => {
        if (run === currentRun) onEvents(events, run);
      }),
    );
  } catch (e) {
    if (run === currentRun) {
      fail(`the training worker failed: ${(e as Error).message}`);
      finishRun('error', `the training worker failed: ${(e as Error).message}`);
    }
  }
}

export function pause(): void {
  void trainApi?.pause();
}

export function resume(): void {
  void trainApi?.resume();
}

export function stop(): void {
  void trainApi?.stop();
}

/**
 * Evaluates the run's model now (kNN, probes, collapse meter, map) rather than at the next evaluation step; the
 * result arrives as a usual evaluation. Says what happened in the store's `evalNote`.
 */
export async function evaluateNow(): Promise<void> {
  if (!trainApi) {
    store.setState({ evalNote: 'there is no model to evaluate yet: start a run' });
    return;
  }
  store.setState({ evalNote: 'evaluating…' });
  try {
    const r = await trainApi.evaluateNow();
    store.setState({ evalNote: r.message });
  } catch (e) {
    store.setState({ evalNote: `evaluation failed: ${(e as Error).message}` });
  }
}

/**
 * The last run's trained encoder in TensorFlow.js format (model.json and its weights file, loadable with
 * tf.loadLayersModel), or null before any run.
 */
export async function exportEncoder(): Promise<{ modelJson: string; weights: ArrayBuffer } | null> {
  return trainApi ? trainApi.exportEncoder() : null;
}

/** Stops any run and clears the charts and map; the config stays. */
export function reset(): void {
  finishRun('stopped');
  currentRun++;
  void trainApi?.stop();
  void trainApi?.release();
  store.setState({ metrics: emptyMetrics(), map: null, heldEmbeddings: null, sphere: null, status: { kind: 'idle' }, evalNote: null });
}

/** Writes the config, the hidden controls and the lesson into the URL hash (a shareable link). */
function writeHash(): void {
  const { config, hidden, lesson } = store.getState();
  const hash = shareHash(config, hidden, lesson);
  history.replaceState(null, '', hash ? `#${hash}` : location.pathname + location.search);
}

/** Replaces the config (already validated by the panel) and mirrors it to the URL hash. */
export function setConfig(config: TrainConfig): void {
  const before = store.getState().config.dataset;
  store.setState({ config });
  if (config.dataset !== before) void loadDataset();
  writeHash();
}

/** Hides controls (a teacher's stripped-down lesson link) and mirrors the choice to the URL hash. */
export function setHidden(hidden: string[]): void {
  store.setState({ hidden });
  writeHash();
}

/** Opens a lesson (or closes it, with null): its config and hidden controls, mirrored to the URL hash. */
export function openLesson(id: string | null): void {
  if (id === null) {
    store.setState({ lesson: null, hidden: [] });
    writeHash();
    return;
  }
  const { config, hidden, lesson, errors } = parseShareHash(`lesson=${encodeURIComponent(id)}`);
  const before = store.getState().config.dataset;
  store.setState({ config, hidden, lesson, notices: errors });
  if (config.dataset !== before) void loadDataset();
  writeHash();
}

/** Reads the config, hidden controls and lesson from the URL hash; rejected values (and a bad ?threads=) are listed as notices. */
export function loadConfigFromUrl(): void {
  const before = store.getState().config.dataset;
  const { config, errors, hidden, lesson } = parseShareHash(location.hash);
  const threads = wasmThreadsFromQuery(location.search).error;
  store.setState({ config, notices: threads ? [...errors, threads] : errors, hidden, lesson });
  if (config.dataset !== before && store.getState().heldOut) void loadDataset();
}

/**
 * Loads your own data in the worker (files or URLs). While it loads, a progress bar; when it succeeds, the
 * dataset becomes "custom" and the panel switches to it; when it fails, the message shows and the current
 * dataset, config and run stay as they were.
 */
async function loadCustom(load: (onProgress: (p: LoadProgress) => void) => Promise<CustomDataSummary>): Promise<boolean> {
  const set = (patch: Partial<ReturnType<typeof store.getState>['custom']>) =>
    store.setState({ custom: { ...store.getState().custom, ...patch } });
  set({ busy: true, progress: null, error: null });
  try {
    const summary = await load(Comlink.proxy((p: LoadProgress) => set({ progress: p })));
    set({ busy: false, progress: null, summary });
    const before = store.getState().config.dataset;
    setConfig(withDataset(store.getState().config, 'custom'));
    // setConfig reloads the held-out images when the dataset name changes; a second load must replace them too.
    if (before === 'custom') void loadDataset();
    return true;
  } catch (e) {
    set({ busy: false, progress: null, error: (e as Error).message || String(e) });
    return false;
  }
}

export function loadCustomFiles(entries: FileEntry[], options: CustomDataOptions): Promise<boolean> {
  if (entries.length === 0) {
    store.setState({ custom: { ...store.getState().custom, error: 'no files were chosen' } });
    return Promise.resolve(false);
  }
  return loadCustom((onProgress) => getTrainApi().loadCustomFiles(entries, options, onProgress));
}

export function loadCustomUrls(urls: string[], options: CustomDataOptions): Promise<boolean> {
  return loadCustom((onProgress) => getTrainApi().loadCustomUrls(urls, options, onProgress));
}

/** The view-pair inspector's images for the current config: `count` training images picked by `seed`. */
export function previewViews(count: number, seed: number): Promise<ViewPairs> {
  return getTrainApi().previewViews(store.getState().config, count, seed);
}

/**
 * Where the map worker runs t-SNE: 'auto' (WebGPU on a hardware adapter, else Barnes-Hut on the CPU), 'gpu'
 * (WebGPU even on a software adapter: tests and the curious, `?mapEngine=gpu`), or 'cpu'.
 */
export function setMapEngine(mode: 'auto' | 'gpu' | 'cpu'): Promise<void> {
  return getTsneApi().setMapEngine(mode);
}

/** Changes how the map is drawn and redraws the latest embeddings that way (from scratch: a new method or perplexity). */
export function setMapView(view: MapOptions): void {
  store.setState({ mapView: view });
  const emb = store.getState().heldEmbeddings;
  const map = store.getState().map;
  if (!emb || !map) return;
  // Drop the old layout so t-SNE starts afresh; the new one is still aligned to nothing, then later ones to it.
  store.setState({ map: null });
  requestMap({ embeddings: emb.data.slice(), dim: emb.dim, labels: map.labels, step: emb.step, run: currentRun });
}

/** The similarity matrix of a fresh batch under the run's model (null before any run). */
export function batchSimilarity(count: number, seed: number) {
  return getTrainApi().batchSimilarity(count, seed);
}

/** Test hook: the worker's live tensor count. */
export async function workerMemory(): Promise<{ numTensors: number; backend: string } | null> {
  return trainApi ? trainApi.memory() : null;
}

let ablationRun = 0;

/**
 * Runs the augmentation ablation for the current config: one short run per cell, one after another in the
 * training worker (a live run stops first), filling the matrix as results come in. Cancel with cancelAblation().
 */
export async function runAblation(steps: number): Promise<void> {
  const config = store.getState().config;
  const augs = ablationAugs(config);
  const plan = ablationPlan(config, augs, steps);
  const id = ++ablationRun;
  const n = augs.length;
  const set = (patch: Partial<AblationState>) => {
    const cur = store.getState().ablation;
    if (cur && id === ablationRun) store.setState({ ablation: { ...cur, ...patch } });
  };
  store.setState({
    ablation: {
      status: 'running',
      augs: augs.map((a) => a.label),
      knn: new Array<number>(n * n).fill(Number.NaN),
      baseline: Number.NaN,
      done: 0,
      total: plan.length,
      startedAt: performance.now(),
      steps,
      dataset: config.dataset,
      message: null,
    },
  });
  try {
    for (const cell of plan) {
      const r = await getTrainApi().quickRun(cell.config);
      if (id !== ablationRun) return;
      if (r.stopped) {
        set({ status: 'cancelled', message: 'a training run started and took over the worker' });
        return;
      }
      const cur = store.getState().ablation!;
      if (cell.row < 0) set({ baseline: r.knnAcc, done: cur.done + 1 });
      else {
        const knn = cur.knn.slice();
        knn[cell.row * n + cell.col] = r.knnAcc;
        set({ knn, done: cur.done + 1 });
      }
    }
    set({ status: 'done' });
  } catch (e) {
    set({ status: 'error', message: (e as Error).message || String(e) });
  }
}

export function cancelAblation(): void {
  const cur = store.getState().ablation;
  ablationRun++;
  void trainApi?.stop();
  if (cur?.status === 'running') store.setState({ ablation: { ...cur, status: 'cancelled' } });
}

let sweepCounter = 0;
/** Small-multiple maps wait here, newest embeddings per run; one layout at a time (the map worker is shared). */
const sweepMapPending = new Map<number, { embeddings: Float32Array; dim: number; labels: Int32Array; step: number; sweep: number }>();
let sweepMapBusy = false;
/** Each sweep's history handles by run index, for maps laid out after a run ended. */
let sweepMapHandles: { sweep: number; handles: Map<number, RunHandle> } | null = null;
function sweepHandle(sweep: number, index: number): RunHandle | undefined {
  return sweepMapHandles?.sweep === sweep ? sweepMapHandles.handles.get(index) : undefined;
}

function setSweep(id: number, patch: (s: SweepState) => Partial<SweepState>): void {
  const cur = store.getState().sweep;
  if (cur && cur.id === id) store.setState({ sweep: { ...cur, ...patch(cur), version: cur.version + 1 } });
}

function setSweepRun(id: number, index: number, patch: (r: SweepState['runs'][number]) => Partial<SweepState['runs'][number]>): void {
  setSweep(id, (s) => ({ runs: s.runs.map((r, i) => (i === index ? { ...r, ...patch(r) } : r)) }));
}

/** Lays out each run's newest embeddings for the small multiples (t-SNE warm-started per run, fewer iterations). */
async function drainSweepMaps(): Promise<void> {
  if (sweepMapBusy) return;
  sweepMapBusy = true;
  try {
    while (sweepMapPending.size) {
      const [index, job] = sweepMapPending.entries().next().value!;
      sweepMapPending.delete(index);
      const sweep = store.getState().sweep;
      if (!sweep || sweep.id !== job.sweep) continue;
      const prev = sweep.runs[index]?.map;
      const n = job.labels.length;
      const init = prev && prev.xy.length === n * 2 ? prev.xy.slice() : null;
      const view = store.getState().mapView;
      const { xy } = await getTsneApi().layout(
        Comlink.transfer(job.embeddings, [job.embeddings.buffer]),
        n,
        job.dim,
        init ? Comlink.transfer(init, [init.buffer]) : null,
        store.getState().config.seed,
        { ...view, iterations: Math.min(view.iterations, 400) },
      );
      setSweepRun(job.sweep, index, () => ({ map: { step: job.step, xy, labels: job.labels } }));
      sweepHandle(job.sweep, index)?.update({ map: { step: job.step, xy: xy.slice() } });
    }
  } catch (e) {
    const sweep = store.getState().sweep;
    if (sweep) setSweep(sweep.id, () => ({ message: `a map failed: ${(e as Error).message}` }));
  } finally {
    sweepMapBusy = false;
  }
}

/**
 * Runs a planned sweep in the training worker (a live run stops first): every run's curves grow as it trains,
 * each evaluation refreshes its small map, and the sweep can be paused, resumed or cancelled.
 */
export async function startSweep(plan: Extract<SweepPlan, { ok: true }>, mode: SweepMode): Promise<void> {
  const id = ++sweepCounter;
  finishRun('stopped'); // the worker stops a single run in progress when the sweep takes over
  currentRun++; // and its events stop streaming into the charts
  const sweepId = `sweep-${Date.now().toString(36)}-${id}`;
  const handles = new Map<number, RunHandle>();
  const lastSave = new Map<number, number>();
  sweepMapHandles = { sweep: id, handles };
  const runs = plan.runs.map((r) => ({
    label: r.label,
    at: r.at,
    config: r.config,
    status: 'queued' as const,
    metrics: emptyMetrics(),
    map: null,
    startedAt: null,
    endedAt: null,
    message: null,
    lastEval: null,
  }));
  sweepMapPending.clear();
  store.setState({ sweep: { id, axes: plan.axes, runs, status: 'running', mode, startedAt: performance.now(), message: null, version: 0 } });
  if (store.getState().status.kind === 'training' || store.getState().status.kind === 'paused' || store.getState().status.kind === 'starting') {
    store.setState({ status: { kind: 'stopped' } });
  }
  const onEvents = (events: SweepEvent[]) => {
    for (const ev of events) {
      switch (ev.type) {
        case 'status':
          setSweep(id, () => ({ status: ev.status === 'paused' ? 'paused' : 'running' }));
          break;
        case 'run-start': {
          setSweepRun(id, ev.index, () => ({ status: 'training', startedAt: performance.now(), backend: ev.backend.name }));
          const r = plan.runs[ev.index]!;
          const h = trackRun({ config: r.config, sweepId, sweepLabel: r.label });
          h.update({ backend: ev.backend.name });
          handles.set(ev.index, h);
          break;
        }
        case 'steps':
          setSweepRun(id, ev.index, (r) => ({ metrics: appendSteps(r.metrics, ev.steps) }));
          if (performance.now() - (lastSave.get(ev.index) ?? 0) > METRICS_SAVE_MS) {
            lastSave.set(ev.index, performance.now());
            const r = store.getState().sweep?.runs[ev.index];
            if (r) handles.get(ev.index)?.update({ metrics: toRunMetrics(r.metrics) });
          }
          break;
        case 'eval': {
          setSweepRun(id, ev.index, (r) => ({ metrics: appendEval(r.metrics, ev.eval), lastEval: { step: ev.eval.step, data: ev.embeddings.slice(), dim: ev.dim, labels: ev.labels } }));
          const r = store.getState().sweep?.runs[ev.index];
          if (r) {
            handles.get(ev.index)?.update({
              metrics: toRunMetrics(r.metrics),
              embeddings: { step: ev.eval.step, dim: ev.dim, n: ev.labels.length, data: ev.embeddings.slice(), labels: ev.labels.slice(), classNames: store.getState().heldOut?.classNames ?? [] },
            });
          }
          sweepMapPending.set(ev.index, { embeddings: ev.embeddings, dim: ev.dim, labels: ev.labels, step: ev.eval.step, sweep: id });
          void drainSweepMaps();
          break;
        }
        case 'run-end': {
          setSweepRun(id, ev.index, () => ({
            status: ev.status,
            endedAt: performance.now(),
            message: ev.message ?? null,
          }));
          const r = store.getState().sweep?.runs[ev.index];
          void handles.get(ev.index)?.finish(ev.status, ev.message, r ? { metrics: toRunMetrics(r.metrics) } : undefined);
          break;
        }
      }
    }
  };
  try {
    const result = await getTrainApi().sweep(
      plan.runs.map((r) => r.config),
      Comlink.proxy(onEvents),
      { mode },
    );
    setSweep(id, (s) => ({
      status: result,
      // Runs that never started (cancelled before their turn) say so.
      runs: s.runs.map((r) => (r.status === 'queued' ? { ...r, status: 'stopped' as const, message: 'not run: the sweep was cancelled' } : r)),
    }));
  } catch (e) {
    setSweep(id, () => ({ status: 'error', message: (e as Error).message || String(e) }));
  }
}

export function pauseSweep(): void {
  void trainApi?.pause();
}

export function resumeSweep(): void {
  void trainApi?.resume();
}

/** Cancels the sweep: the run in progress stops, the rest do not start; finished runs stay. */
export function cancelSweep(): void {
  void trainApi?.stop();
}

/** Clears the sweep's results from the page. */
export function clearSweep(): void {
  sweepCounter++;
  sweepMapPending.clear();
  store.setState({ sweep: null });
}
