/**
 * The page's one store (zustand): config (mirrored to the URL hash), run status, and metrics as append-only
 * arrays that feed the charts.
 */
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { DEFAULT_CONFIG, type Method, type TrainConfig } from '../shared/config';
import type { BackendInfo, CustomDataSummary, HeldOutImages, LoadProgress } from '../shared/messages';
import type { MapOptions } from '../worker/tsne.worker';
import type { SweepAxis } from '../shared/sweep';
import { emptyRunMetrics, type RunMetrics } from '../shared/runs';

/** Where the run is; 'error' carries what went wrong, in words. */
export type RunStatus =
  | { kind: 'idle' }
  | { kind: 'starting' }
  | { kind: 'training' }
  | { kind: 'paused' }
  | { kind: 'done' }
  | { kind: 'stopped' }
  | { kind: 'error'; message: string; /** The training worker is gone: the status line offers a restart. */ restart?: boolean };

/**
 * Append-only series: the saved run's metrics (shared/runs.ts, which documents each series) plus what only the
 * page draws; `version` changes on each append so charts know to redraw.
 */
export interface Metrics extends RunMetrics {
  /** The loss smoothed as TensorBoard's slider (EMA 0.9), and each step's wall time. */
  lossSmooth: number[];
  stepMs: number[];
  version: number;
}

export interface EmbeddingMap {
  step: number;
  xy: Float32Array;
  labels: Int32Array;
  /** How it was laid out, and how long the layout took (ms, round trip to the map worker included). */
  method: MapOptions['method'];
  ms: number;
  /** The map worker's own compute time (ms), and the engine that computed the layout (e.g. "Barnes-Hut t-SNE (CPU)"). */
  workerMs: number;
  /** Of workerMs, the ms its t-SNE gave way to the page's redraws (shared/pageBusy.ts). */
  pageWaitMs: number;
  engine: string;
}

/** The projection on the unit circle or sphere (d ≤ 3), drawn as it is. */
export interface SphereMap {
  step: number;
  /** z/‖z‖, N·dim. */
  xyz: Float32Array;
  dim: number;
  labels: Int32Array;
}

/** Loading your own data: progress while it runs, then the summary or the message of what was wrong. */
export interface CustomLoad {
  busy: boolean;
  progress: LoadProgress | null;
  error: string | null;
  /** The loaded set (kept when a later load fails). */
  summary: CustomDataSummary | null;
}

/** The augmentation ablation: its matrix as it fills, and where it stands. */
export interface AblationState {
  status: 'idle' | 'running' | 'done' | 'cancelled' | 'error';
  /** Augmentation labels (rows and columns). */
  augs: string[];
  /** kNN accuracy per cell, row-major augs × augs; NaN where not run (yet). */
  knn: number[];
  /** The no-augmentation baseline's kNN accuracy (NaN until run). */
  baseline: number;
  done: number;
  total: number;
  startedAt: number;
  steps: number;
  dataset: string;
  message: string | null;
}

/** One run of a sweep as the page shows it: its place in the grid, its curves, and its small map. */
export interface SweepRunState {
  label: string;
  /** Its value index on each axis. */
  at: number[];
  config: TrainConfig;
  status: 'queued' | 'training' | 'done' | 'stopped' | 'error';
  metrics: Metrics;
  map: { step: number; xy: Float32Array; labels: Int32Array } | null;
  /** The newest evaluation's held-out embeddings (saved with the run). */
  lastEval: { step: number; data: Float32Array; dim: number; labels: Int32Array } | null;
  backend?: string;
  startedAt: number | null;
  endedAt: number | null;
  /** Why it ended early (an error's words). */
  message: string | null;
}

/** A sweep: its axes, its runs, and where it stands; `version` changes with every update. */
export interface SweepState {
  id: number;
  axes: SweepAxis[];
  runs: SweepRunState[];
  status: 'running' | 'paused' | 'done' | 'stopped' | 'error';
  mode: 'sequential' | 'interleaved';
  startedAt: number;
  message: string | null;
  version: number;
}

export interface AppState {
  config: TrainConfig;
  /** Messages about rejected settings (from the URL or the panel). */
  notices: string[];
  status: RunStatus;
  backend: BackendInfo | null;
  metrics: Metrics;
  /** The method of the run the charts show (the config may have changed since it started). */
  runMethod: Method;
  /** The step count of the run the charts show: their step axes end there. */
  runSteps: number;
  map: EmbeddingMap | null;
  /** How the map is drawn: t-SNE, PCA or UMAP, and t-SNE's perplexity and iterations. */
  mapView: MapOptions;
  /** The latest evaluation's held-out embeddings h (N·dim), for the nearest-neighbour gallery. */
  heldEmbeddings: { step: number; data: Float32Array; dim: number } | null;
  sphere: SphereMap | null;
  custom: CustomLoad;
  ablation: AblationState | null;
  /** The current dataset's held-out images (the panel's previews). */
  heldOut: HeldOutImages | null;
  /** The held-out images of the run the charts show (the map's thumbnails), pinned when it started. */
  runHeldOut: HeldOutImages | null;
  /** Page load → first loss point, ms (for the benchmark). */
  firstLossMs: number | null;
  /** What the last "Evaluate now" did, in words. */
  evalNote: string | null;
  sweep: SweepState | null;
  /** Controls hidden by a lesson link (ids from shared/share.ts HIDEABLE), and the open lesson's id. */
  hidden: string[];
  lesson: string | null;
}

export function emptyMetrics(): Metrics {
  return { ...emptyRunMetrics(), lossSmooth: [], stepMs: [], version: 0 };
}

export const store = createStore<AppState>(() => ({
  config: { ...DEFAULT_CONFIG },
  notices: [],
  status: { kind: 'idle' },
  backend: null,
  metrics: emptyMetrics(),
  runMethod: DEFAULT_CONFIG.method,
  runSteps: DEFAULT_CONFIG.steps,
  map: null,
  mapView: { method: 'tsne', perplexity: 30, iterations: 600 },
  heldEmbeddings: null,
  sphere: null,
  ablation: null,
  custom: { busy: false, progress: null, error: null, summary: null },
  heldOut: null,
  runHeldOut: null,
  firstLossMs: null,
  evalNote: null,
  sweep: null,
  hidden: [],
  lesson: null,
}));

/** React hook over the store with a selector. */
export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(store, selector);
}
