/** What crosses the worker boundary, besides the config: plain data only. */
import type { BackendName } from './config';
import type { DatasetName } from './datasets';

/** Figures of one training step. */
export interface StepMetrics {
  step: number;
  loss: number;
  lr: number;
  /**
   * In-batch accuracy: the positive ranks first. SimCLR: among the 2N − 1 other views; MoCo: the key against the
   * queue; SupCon: the most similar other view has the same label; BYOL, SimSiam, Barlow Twins, VICReg: the
   * other view's output is the nearest of the N in the batch (chance 1/N).
   */
  acc: number;
  /** Collapse meter on this batch: mean per-dimension std of the ℓ2-normalised projection (≈ 1/√d healthy). */
  zStd: number;
  /** Wall time of the step, ms. */
  ms: number;
}

/** Figures of one evaluation. */
export interface EvalMetrics {
  step: number;
  /** kNN accuracy on h (the encoder output) and on z (the projection), with the config's k and metric. */
  knnAcc: number;
  knnAccZ: number;
  /**
   * Linear-probe accuracy on the held-out set, trained on the bank's features: on h, on z, and on h with 1% and
   * 10% of the bank's labels. NaN when probes are off or the set has no labels.
   */
  probeH: number;
  probeZ: number;
  probeH1: number;
  probeH10: number;
  /** Wang & Isola's L_align (two augmented views of each held-out image) and L_uniform (held-out z), α = t = 2. */
  align: number;
  uniform: number;
  /** Collapse meter on the held-out projections: std as StepMetrics.zStd, effective rank, and d. */
  zStd: number;
  effRank: number;
  zDim: number;
}

export interface BackendInfo {
  name: BackendName;
  /** Why it was chosen, in words for the status line. */
  reason: string;
}

/** Events the worker streams to the page, in small batches. */
export type WorkerEvent =
  | { type: 'backend'; runId: number; info: BackendInfo }
  | { type: 'status'; runId: number; status: 'starting' | 'training' | 'paused' | 'done' | 'stopped' }
  | { type: 'steps'; runId: number; steps: StepMetrics[] }
  | {
      type: 'eval';
      runId: number;
      eval: EvalMetrics;
      embeddings: Float32Array;
      dim: number;
      labels: Int32Array;
      /** z/‖z‖ of the held-out set (N·d) when d ≤ 3, drawn on the circle or sphere as it is; else null. */
      sphere: Float32Array | null;
    }
  | { type: 'error'; runId: number; message: string; step?: number };

/** How a sweep's runs share the device: one after another, or a step of each in turn (see engine/sweepRunner). */
export type SweepMode = 'sequential' | 'interleaved';

/** Events of a sweep: each names the run (its index in the plan) it belongs to, except the sweep's own status. */
export type SweepEvent =
  | { type: 'run-start'; index: number; backend: BackendInfo }
  | { type: 'steps'; index: number; steps: StepMetrics[] }
  | { type: 'eval'; index: number; eval: EvalMetrics; embeddings: Float32Array; dim: number; labels: Int32Array }
  | { type: 'run-end'; index: number; status: 'done' | 'stopped' | 'error'; message?: string; step?: number }
  | { type: 'status'; status: 'training' | 'paused' };

/** The held-out images, sent once so the page can show them on hover. */
export interface HeldOutImages {
  dataset: DatasetName;
  /** The dataset's own name (for your own data: the folder, zip or file name). */
  name: string;
  /** Bytes N·H·W·C; empty for the 2-D toy sets, whose coordinates are in `points`. */
  images: Uint8Array;
  points: Float32Array | null;
  /** True when the set has no labels (kNN accuracy is then not defined). */
  unlabelled: boolean;
  labels: Int32Array;
  h: number;
  w: number;
  c: number;
  classNames: string[];
  /** Images in the training split (MoCo's queue should not exceed it). */
  trainSize: number;
}

/** The view-pair inspector's images: originals and their two augmented views, bytes N·H·W·C each. */
export interface ViewPairs {
  original: Uint8Array;
  view1: Uint8Array;
  view2: Uint8Array;
  labels: Int32Array;
  count: number;
  h: number;
  w: number;
  c: number;
}

/** Options for loading your own images: the side they are resized to, and colour or grayscale. */
export interface CustomDataOptions {
  size: number;
  channels: 'auto' | 'gray' | 'rgb';
}

/** Progress of loading your own data, for the progress bar. */
export interface LoadProgress {
  phase: 'downloading' | 'reading' | 'decoding';
  done: number;
  total: number;
}

/** What loading your own data gave, in words and numbers for the panel. */
export interface CustomDataSummary {
  name: string;
  n: number;
  h: number;
  w: number;
  c: number;
  classNames: string[];
  unlabelled: boolean;
  /** Files that were skipped (not images), named. */
  skipped: string[];
  ms: number;
}

/** A file handed to the worker: its path (with folders, for class names) and its contents, unread. */
export interface FileEntry {
  path: string;
  file: Blob;
}
