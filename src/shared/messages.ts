/** What crosses the worker boundary, besides the config: plain data only. */
import type { BackendName } from './config';

/** Figures of one training step. */
export interface StepMetrics {
  step: number;
  loss: number;
  lr: number;
  /** In-batch contrastive accuracy: the positive ranks first among the 2N − 1 candidates. */
  acc: number;
  /** Wall time of the step, ms. */
  ms: number;
}

/** Figures of one evaluation. */
export interface EvalMetrics {
  step: number;
  knnAcc: number;
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
  | { type: 'eval'; runId: number; eval: EvalMetrics; embeddings: Float32Array; dim: number; labels: Int32Array }
  | { type: 'error'; runId: number; message: string; step?: number };

/** The held-out images, sent once so the page can show them on hover. */
export interface HeldOutImages {
  images: Uint8Array;
  labels: Int32Array;
  h: number;
  w: number;
  c: number;
  classNames: string[];
}
