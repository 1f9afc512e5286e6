/**
 * A saved run: the record the run history keeps (in IndexedDB) and that export and import read and write. The
 * shape is a stored format, so it changes only with a new `version`; `validateRunRecord` is the one gate every
 * record passes on its way in (a corrupt database row, an imported file).
 */
import { validateConfig, type TrainConfig } from './config';

/** Where a run stands; 'interrupted' is a run that was 'running' when the page closed. */
export const RUN_STATUSES = ['running', 'done', 'stopped', 'error', 'interrupted'] as const;
export type RunRecordStatus = (typeof RUN_STATUSES)[number];

/** Per-step series (all the same length, one entry per logged step), in the order the CSV export writes them. */
export const STEP_SERIES = ['step', 'loss', 'lr', 'acc', 'zStd'] as const;
/** Per-evaluation series (all the same length, one entry per evaluation), in the CSV export's order. */
export const EVAL_SERIES = ['evalStep', 'knn', 'knnZ', 'probeH', 'probeZ', 'probeH1', 'probeH10', 'align', 'uniform', 'evalZStd', 'effRank'] as const;

/** A run's charts as numbers: the page store's metrics without its display-only fields. NaN = not measured. */
export interface RunMetrics {
  step: number[];
  loss: number[];
  lr: number[];
  acc: number[];
  zStd: number[];
  evalStep: number[];
  knn: number[];
  knnZ: number[];
  probeH: number[];
  probeZ: number[];
  probeH1: number[];
  probeH10: number[];
  align: number[];
  uniform: number[];
  evalZStd: number[];
  effRank: number[];
  /** Dimension d of the projection the collapse meter reads (0 before the first step). */
  zDim: number;
}

/** The held-out embeddings h of the last evaluation: n points of dim values, row-major, with their labels. */
export interface RunEmbeddings {
  step: number;
  dim: number;
  n: number;
  data: Float32Array;
  labels: Int32Array;
  classNames: string[];
}

/** The last 2-D map of those embeddings (t-SNE, PCA or UMAP), n points as x, y pairs. */
export interface RunMap {
  step: number;
  xy: Float32Array;
}

/** One saved run, complete: settings, outcome, metrics, and the last embeddings and map. */
export interface RunRecord {
  id: string;
  name: string;
  notes: string;
  /** Epoch milliseconds. */
  createdAt: number;
  updatedAt: number;
  status: RunRecordStatus;
  /** What went wrong, in words, when status is 'error'. */
  error?: string;
  config: TrainConfig;
  /** The backend the run trained on (webgpu, webgl, wasm, cpu), null before the worker chose. */
  backend: string | null;
  /** The sweep the run belongs to, and its place in it in words ("τ = 0.1"). */
  sweepId?: string;
  sweepLabel?: string;
  metrics: RunMetrics;
  embeddings: RunEmbeddings | null;
  map?: RunMap | null;
  version: 1;
}

/** The current record format; a reader refuses other versions rather than misreading them. */
export const RUN_RECORD_VERSION = 1;

/** Empty metrics, for a run that has just started. */
export function emptyRunMetrics(): RunMetrics {
  return {
    step: [],
    loss: [],
    lr: [],
    acc: [],
    zStd: [],
    evalStep: [],
    knn: [],
    knnZ: [],
    probeH: [],
    probeZ: [],
    probeH1: [],
    probeH10: [],
    align: [],
    uniform: [],
    evalZStd: [],
    effRank: [],
    zDim: 0,
  };
}

export type RunRecordResult = { ok: true; run: RunRecord } | { ok: false; error: string };

const MAX_LISTED = 8;

/** Describes a value's type for a message, briefly (never echoes a long string). */
function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  if (typeof v === 'string') return v.length > 30 ? 'a long string' : JSON.stringify(v);
  if (typeof v === 'number') return String(v);
  return typeof v;
}

function isNumberList(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

/**
 * Reads a list of numbers: a plain array (JSON writes NaN as null, so null reads as NaN) or a typed array
 * (IndexedDB keeps them); `finite` refuses NaN. Returns null and records the error otherwise.
 */
function numbers(v: unknown, path: string, errors: string[], finite = false): number[] | null {
  if (!isNumberList(v)) {
    errors.push(`${path} must be a list of numbers (got ${kind(v)})`);
    return null;
  }
  const out = new Array<number>(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    const n = x === null && !finite ? Number.NaN : x;
    if (typeof n !== 'number' || (finite && !Number.isFinite(n))) {
      errors.push(`${path}[${i}] must be a ${finite ? 'finite ' : ''}number (got ${kind(x)})`);
      return null;
    }
    out[i] = n;
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function wholeNumber(v: unknown, path: string, errors: string[], min = 0): number | null {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    errors.push(`${path} must be a whole number of at least ${min} (got ${kind(v)})`);
    return null;
  }
  return v;
}

function finiteNumber(v: unknown, path: string, errors: string[]): number | null {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    errors.push(`${path} must be a finite number (got ${kind(v)})`);
    return null;
  }
  return v;
}

function text(v: unknown, path: string, errors: string[], nonEmpty = false): string | null {
  if (typeof v !== 'string' || (nonEmpty && v === '')) {
    errors.push(`${path} must be ${nonEmpty ? 'non-empty ' : ''}text (got ${kind(v)})`);
    return null;
  }
  return v;
}

function optionalText(raw: Record<string, unknown>, key: string, errors: string[]): string | undefined {
  return raw[key] === undefined ? undefined : (text(raw[key], key, errors) ?? undefined);
}

function validateMetrics(raw: unknown, errors: string[]): RunMetrics | null {
  if (!isRecord(raw)) {
    errors.push(`metrics must be an object (got ${kind(raw)})`);
    return null;
  }
  const before = errors.length;
  const m = emptyRunMetrics();
  for (const group of [STEP_SERIES, EVAL_SERIES]) {
    const lead = group[0];
    let length: number | null = null;
    for (const key of group) {
      // Steps must be real numbers; the figures may be NaN (not measured).
      const xs = numbers(raw[key], `metrics.${key}`, errors, key === lead);
      if (!xs) continue;
      if (length === null) length = xs.length;
      else if (xs.length !== length) errors.push(`metrics.${key} has ${xs.length} values but metrics.${lead} has ${length}`);
      m[key] = xs;
    }
  }
  const zDim = wholeNumber(raw.zDim, 'metrics.zDim', errors);
  if (zDim !== null) m.zDim = zDim;
  return errors.length === before ? m : null;
}

function validateEmbeddings(raw: unknown, errors: string[]): RunEmbeddings | null | undefined {
  if (raw === null) return null;
  if (!isRecord(raw)) {
    errors.push(`embeddings must be an object or null (got ${kind(raw)})`);
    return undefined;
  }
  const before = errors.length;
  const step = finiteNumber(raw.step, 'embeddings.step', errors);
  const dim = wholeNumber(raw.dim, 'embeddings.dim', errors, 1);
  const n = wholeNumber(raw.n, 'embeddings.n', errors);
  const data = raw.data instanceof Float32Array ? raw.data : numbers(raw.data, 'embeddings.data', errors);
  let labels: Int32Array | null = null;
  if (raw.labels instanceof Int32Array) labels = raw.labels;
  else {
    const xs = numbers(raw.labels, 'embeddings.labels', errors, true);
    if (xs) {
      const bad = xs.findIndex((x) => !Number.isInteger(x) || x < -(2 ** 31) || x >= 2 ** 31);
      if (bad >= 0) errors.push(`embeddings.labels[${bad}] must be a whole number (got ${xs[bad]})`);
      else labels = Int32Array.from(xs);
    }
  }
  let classNames: string[] | null = null;
  if (!Array.isArray(raw.classNames)) errors.push(`embeddings.classNames must be a list of text (got ${kind(raw.classNames)})`);
  else {
    const bad = raw.classNames.findIndex((c) => typeof c !== 'string');
    if (bad >= 0) errors.push(`embeddings.classNames[${bad}] must be text (got ${kind(raw.classNames[bad])})`);
    else classNames = [...(raw.classNames as string[])];
  }
  if (n !== null && dim !== null && data && data.length !== n * dim) {
    errors.push(`embeddings.data has ${data.length} values but n · dim = ${n} · ${dim} = ${n * dim}`);
  }
  if (n !== null && labels && labels.length !== n) errors.push(`embeddings.labels has ${labels.length} values but n = ${n}`);
  if (errors.length > before || step === null || dim === null || n === null || !data || !labels || !classNames) return undefined;
  return { step, dim, n, data: data instanceof Float32Array ? data : Float32Array.from(data), labels, classNames };
}

function validateMap(raw: unknown, n: number | null, errors: string[]): RunMap | null | undefined {
  if (raw === null) return null;
  if (!isRecord(raw)) {
    errors.push(`map must be an object or null (got ${kind(raw)})`);
    return undefined;
  }
  const before = errors.length;
  const step = finiteNumber(raw.step, 'map.step', errors);
  const xy = raw.xy instanceof Float32Array ? raw.xy : numbers(raw.xy, 'map.xy', errors);
  if (xy && xy.length % 2 !== 0) errors.push(`map.xy must hold x, y pairs (got ${xy.length} values)`);
  else if (xy && n !== null && xy.length !== 2 * n) errors.push(`map.xy has ${xy.length / 2} points but the embeddings have ${n}`);
  if (errors.length > before || step === null || !xy) return undefined;
  return { step, xy: xy instanceof Float32Array ? xy : Float32Array.from(xy) };
}

/**
 * Checks a record read from IndexedDB or an imported file, field by field: types, the step series all one
 * length, the evaluation series all one length, embeddings data = n · dim and labels = n, the map n points,
 * and the config through validateConfig. Plain arrays (JSON) become typed arrays; unknown fields are dropped.
 */
export function validateRunRecord(raw: unknown): RunRecordResult {
  if (!isRecord(raw)) return { ok: false, error: `a run must be an object (got ${kind(raw)})` };
  const errors: string[] = [];
  if (raw.version !== RUN_RECORD_VERSION) {
    return { ok: false, error: `unsupported run format version ${kind(raw.version)} (this playground reads version ${RUN_RECORD_VERSION})` };
  }
  const id = text(raw.id, 'id', errors, true);
  const name = text(raw.name, 'name', errors);
  const notes = text(raw.notes, 'notes', errors);
  const createdAt = finiteNumber(raw.createdAt, 'createdAt', errors);
  const updatedAt = finiteNumber(raw.updatedAt, 'updatedAt', errors);
  const status = (RUN_STATUSES as readonly unknown[]).includes(raw.status) ? (raw.status as RunRecordStatus) : null;
  if (status === null) errors.push(`status must be one of ${RUN_STATUSES.join(', ')} (got ${kind(raw.status)})`);
  const error = optionalText(raw, 'error', errors);
  const backend = raw.backend === null ? null : text(raw.backend, 'backend', errors);
  const sweepId = optionalText(raw, 'sweepId', errors);
  const sweepLabel = optionalText(raw, 'sweepLabel', errors);
  const cfg = validateConfig(raw.config);
  if (!cfg.ok) errors.push(...cfg.errors.map((e) => `config: ${e}`));
  const metrics = validateMetrics(raw.metrics, errors);
  const embeddings = validateEmbeddings(raw.embeddings, errors);
  const map = raw.map === undefined ? undefined : validateMap(raw.map, embeddings ? embeddings.n : null, errors);

  if (errors.length > 0 || id === null || name === null || notes === null || createdAt === null || updatedAt === null) {
    return { ok: false, error: listErrors(errors) };
  }
  if (!status || !cfg.ok || !metrics || embeddings === undefined || (raw.map !== undefined && map === undefined)) {
    return { ok: false, error: listErrors(errors) };
  }
  const run: RunRecord = { id, name, notes, createdAt, updatedAt, status, config: cfg.config, backend, metrics, embeddings, version: 1 };
  if (error !== undefined) run.error = error;
  if (sweepId !== undefined) run.sweepId = sweepId;
  if (sweepLabel !== undefined) run.sweepLabel = sweepLabel;
  if (map !== undefined) run.map = map;
  return { ok: true, run };
}

function listErrors(errors: string[]): string {
  if (errors.length === 0) return 'the run is malformed';
  const shown = errors.slice(0, MAX_LISTED).join('; ');
  return errors.length > MAX_LISTED ? `${shown}; and ${errors.length - MAX_LISTED} more` : shown;
}

/** A run's headline figures for the history and the comparison table; null where never measured. */
export interface FinalFigures {
  /** The last logged step (0 before any). */
  steps: number;
  /** Mean loss of the last 10 logged steps. */
  loss: number | null;
  /** Mean in-batch accuracy of the last 10% of logged steps (at least one). */
  acc: number | null;
  /** kNN accuracy on h and on z at the last evaluation that measured it. */
  knn: number | null;
  knnZ: number | null;
  /** Linear-probe accuracy on h and on z at the last evaluation that measured it (null with probes off). */
  probeH: number | null;
  probeZ: number | null;
}

function lastFinite(xs: readonly number[]): number | null {
  for (let i = xs.length - 1; i >= 0; i--) {
    const v = xs[i];
    if (v !== undefined && Number.isFinite(v)) return v;
  }
  return null;
}

function meanFinite(xs: readonly number[]): number | null {
  let sum = 0;
  let count = 0;
  for (const v of xs) {
    if (Number.isFinite(v)) {
      sum += v;
      count++;
    }
  }
  return count > 0 ? sum / count : null;
}

/** The figures a run is compared by: smoothed end-of-run loss and accuracy, the last kNN and probe accuracies. */
export function finalFigures(run: Pick<RunRecord, 'metrics'>): FinalFigures {
  const m = run.metrics;
  const n = m.step.length;
  const tail = Math.max(1, Math.ceil(n / 10));
  return {
    steps: n > 0 ? (m.step[n - 1] ?? 0) : 0,
    loss: meanFinite(m.loss.slice(-10)),
    acc: meanFinite(m.acc.slice(-tail)),
    knn: lastFinite(m.knn),
    knnZ: lastFinite(m.knnZ),
    probeH: lastFinite(m.probeH),
    probeZ: lastFinite(m.probeZ),
  };
}
