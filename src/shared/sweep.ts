/**
 * Sweeps: a grid of short runs over one or two settings, everything else fixed (the seed included), so the
 * only difference between runs is the setting swept. The plan is pure data; the worker runs it one run at a
 * time, and the results land in the run history, tagged with the sweep.
 */
import { checkField, validateConfig, type Method, type TrainConfig } from './config';
import { datasetKind } from './datasets';
import { METHOD_INFO } from './methods';

/** A swept value: a number, or on/off for a switch (augmentation, the projection head). */
export type SweepValue = number | boolean;

/** Settings that hold a number or a switch, the only kind a sweep can step through. */
export type SweepKey = { [K in keyof TrainConfig]: TrainConfig[K] extends number | boolean ? K : never }[keyof TrainConfig];

/** A setting the sweep panel offers, with the values it suggests. */
export interface SweepKnob {
  key: SweepKey;
  /** The name in the sweep menu. */
  label: string;
  /** The name in run labels: "τ = 0.1", "augmentation off". */
  short: string;
  defaultValues: SweepValue[];
  /** The methods that read this setting (absent: all). */
  methods?: Method[];
  /** The dataset kind whose pipeline reads it (absent: both; your own data counts as images). */
  kind?: 'images' | 'points';
  /** Suggested values are spaced by factors rather than steps (a log axis on charts). */
  log?: boolean;
  /** Why a run would not feel this setting (e.g. cutout size while cutout is off); null when it would. */
  inert?: (c: TrainConfig) => string | null;
}

/** Most values on one axis. */
export const MAX_SWEEP_VALUES = 12;
/** Most runs in one sweep (e.g. 6 × 6): beyond that a sweep takes longer than a lesson should. */
export const MAX_SWEEP_RUNS = 36;

const CONTRASTIVE: Method[] = ['simclr', 'moco', 'supcon'];
const PREDICTOR: Method[] = ['byol', 'simsiam'];
const augOff = (c: TrainConfig): string | null => (c.augment ? null : 'augmentation is off');

/** What a user can sweep, with suggested values from the papers where they have one. */
export const SWEEP_KNOBS: readonly SweepKnob[] = [
  // SimCLR Table 5 (arXiv 2002.05709).
  { key: 'temperature', label: 'temperature τ', short: 'τ', defaultValues: [0.05, 0.1, 0.2, 0.5, 1], methods: CONTRASTIVE, log: true },
  // SimCLR Fig. 9: larger batches, more negatives.
  { key: 'batchSize', label: 'batch size', short: 'batch', defaultValues: [32, 64, 128, 256], log: true },
  { key: 'lr', label: 'learning rate', short: 'lr', defaultValues: [0.0003, 0.001, 0.003, 0.01], log: true },
  { key: 'projection', label: 'projection head', short: 'projection head', defaultValues: [false, true] },
  { key: 'projDim', label: 'projection output size', short: 'proj dim', defaultValues: [8, 16, 32, 64, 128], log: true, inert: (c) => (c.projection ? null : 'the projection head is off') },
  { key: 'width', label: 'encoder width', short: 'width', defaultValues: [8, 16, 32], log: true },
  { key: 'augment', label: 'augmentation (on/off)', short: 'augmentation', defaultValues: [false, true] },
  { key: 'cropScaleMin', label: 'crop scale (min)', short: 'crop min', defaultValues: [0.08, 0.3, 0.5, 1], kind: 'images', inert: augOff },
  { key: 'rotationDeg', label: 'rotation (degrees)', short: 'rotation', defaultValues: [0, 15, 30, 60], inert: (c) => augOff(c) ?? (c.rotationProb > 0 ? null : 'the rotation probability is 0') },
  { key: 'noiseStd', label: 'noise std', short: 'noise', defaultValues: [0, 0.05, 0.1, 0.2], inert: (c) => augOff(c) ?? (c.noiseProb > 0 || datasetKind(c.dataset) === 'points' ? null : 'the noise probability is 0') },
  { key: 'brightness', label: 'brightness jitter', short: 'brightness', defaultValues: [0, 0.2, 0.4, 0.8], kind: 'images', inert: (c) => augOff(c) ?? (c.jitterProb > 0 ? null : 'the colour jitter probability is 0') },
  { key: 'contrast', label: 'contrast jitter', short: 'contrast', defaultValues: [0, 0.2, 0.4, 0.8], kind: 'images', inert: (c) => augOff(c) ?? (c.jitterProb > 0 ? null : 'the colour jitter probability is 0') },
  { key: 'blurProb', label: 'blur probability', short: 'blur p', defaultValues: [0, 0.5, 1], kind: 'images', inert: augOff },
  { key: 'cutoutProb', label: 'cutout probability', short: 'cutout p', defaultValues: [0, 0.5, 1], kind: 'images', inert: augOff },
  { key: 'cutoutSize', label: 'cutout size', short: 'cutout size', defaultValues: [0.25, 0.5, 0.75], kind: 'images', inert: (c) => augOff(c) ?? (c.cutoutProb > 0 ? null : 'the cutout probability is 0') },
  { key: 'scaleJitter', label: 'scale jitter (2-D points)', short: 'scale', defaultValues: [0, 0.1, 0.2, 0.4], kind: 'points', inert: augOff },
  // MoCo Fig. 3 (arXiv 1911.05722): accuracy grows with the queue; it should stay under the training set's size.
  { key: 'mocoQueue', label: 'queue size K', short: 'K', defaultValues: [128, 512, 2048], methods: ['moco'], log: true },
  // MoCo Table 4: m = 0 fails, 0.99–0.999 works.
  { key: 'mocoMomentum', label: 'key-encoder momentum m', short: 'm', defaultValues: [0, 0.9, 0.99, 0.999], methods: ['moco'] },
  { key: 'emaBase', label: 'target EMA τ_base', short: 'τ_base', defaultValues: [0, 0.9, 0.99, 0.996], methods: ['byol'] },
  { key: 'stopGradient', label: 'stop-gradient (on/off)', short: 'stop-gradient', defaultValues: [false, true], methods: PREDICTOR },
  { key: 'predictor', label: 'predictor (on/off)', short: 'predictor', defaultValues: [false, true], methods: PREDICTOR },
  { key: 'barlowLambda', label: 'off-diagonal weight λ', short: 'λ', defaultValues: [0.005, 0.03, 0.1], methods: ['barlow'], log: true },
];

/** The knob for a setting, or undefined when it cannot be swept. */
export function sweepKnob(key: string): SweepKnob | undefined {
  return SWEEP_KNOBS.find((k) => k.key === key);
}

/** Why a knob does nothing under a config (wrong method, wrong dataset kind, a switch that is off), or null. */
export function whyInert(knob: SweepKnob, c: TrainConfig): string | null {
  if (knob.methods && !knob.methods.includes(c.method)) return `${METHOD_INFO[c.method].label} does not read it`;
  const points = datasetKind(c.dataset) === 'points';
  if (knob.kind === 'images' && points) return 'the 2-D point sets have no such augmentation';
  if (knob.kind === 'points' && !points) return 'only the 2-D point sets use it';
  return knob.inert?.(c) ?? null;
}

/** The knobs that matter for a config's method and dataset (the sweep menu's options). */
export function knobsFor(c: TrainConfig): SweepKnob[] {
  return SWEEP_KNOBS.filter((k) => {
    if (k.methods && !k.methods.includes(c.method)) return false;
    const points = datasetKind(c.dataset) === 'points';
    return !(k.kind === 'images' && points) && !(k.kind === 'points' && !points);
  });
}

export type SweepValuesResult = { ok: true; values: SweepValue[] } | { ok: false; error: string };

function shortText(s: string): string {
  return JSON.stringify(s.length > 30 ? `${s.slice(0, 30)}…` : s);
}

/** Keeps the first of equal values, in order. */
function unique(values: readonly SweepValue[]): SweepValue[] {
  const out: SweepValue[] = [];
  for (const v of values) if (!out.includes(v)) out.push(v);
  return out;
}

/**
 * Reads the values a user typed for an axis ("0.05, 0.1 0.5"; switches: "false, true" or "0 1"), each checked
 * as the config panel checks it, so a bad value gets the same message; duplicates are dropped.
 */
export function parseSweepValues(key: SweepKey, input: string): SweepValuesResult {
  const knob = sweepKnob(key);
  if (!knob) return { ok: false, error: `${shortText(String(key))} cannot be swept` };
  const tokens = input.split(/[\s,;]+/).filter((t) => t !== '');
  if (tokens.length === 0) return { ok: false, error: `give at least one value for ${knob.label}` };
  // Checked before parsing, so a pasted wall of text costs one message, not thousands.
  if (tokens.length > 10 * MAX_SWEEP_VALUES) return { ok: false, error: `at most ${MAX_SWEEP_VALUES} values for ${knob.label} (got ${tokens.length})` };
  const values: SweepValue[] = [];
  for (const t of tokens) {
    const r = checkField(key, t);
    if (!r.ok) return { ok: false, error: r.error };
    values.push(r.value as SweepValue);
  }
  const distinct = unique(values);
  if (distinct.length > MAX_SWEEP_VALUES) return { ok: false, error: `at most ${MAX_SWEEP_VALUES} values for ${knob.label} (got ${distinct.length})` };
  return { ok: true, values: distinct };
}

/** One axis of a sweep: a setting and the values it takes. */
export interface SweepAxis {
  key: SweepKey;
  values: SweepValue[];
}

/** One run of a sweep. */
export interface SweepRun {
  /** Position in the plan (0-based), the order the runs train in. */
  index: number;
  /** The run's value index on each axis (for a grid or a chart over the axis). */
  at: number[];
  /** Its values in words: "τ = 0.1" or "τ = 0.1, batch = 64". */
  label: string;
  /** What differs from the base config. */
  patch: Partial<TrainConfig>;
  config: TrainConfig;
}

export type SweepPlan =
  | { ok: true; runs: SweepRun[]; axes: SweepAxis[]; warnings: string[] }
  | { ok: false; errors: string[] };

export interface SweepOptions {
  /** Most runs allowed (default MAX_SWEEP_RUNS). */
  maxRuns?: number;
}

/** A value in a run label. */
export function formatSweepValue(v: SweepValue): string {
  return typeof v === 'boolean' ? (v ? 'on' : 'off') : String(v);
}

function axisLabel(knob: SweepKnob, v: SweepValue): string {
  return typeof v === 'boolean' ? `${knob.short} ${formatSweepValue(v)}` : `${knob.short} = ${formatSweepValue(v)}`;
}

const MAX_PLAN_ERRORS = 10;

/**
 * Expands one or two axes into their grid (the first axis outer), each run the base config with its values
 * applied, nothing else changed (same seed). Every run is validated as a config file would be; a plan with an
 * invalid run is refused, naming the run and the reason. Warnings name axes no run would feel.
 */
export function planSweep(base: TrainConfig, axes: readonly SweepAxis[], options: SweepOptions = {}): SweepPlan {
  const maxRuns = options.maxRuns ?? MAX_SWEEP_RUNS;
  if (axes.length < 1 || axes.length > 2) return { ok: false, errors: [`a sweep has one or two axes (got ${axes.length})`] };
  const errors: string[] = [];
  const knobs: SweepKnob[] = [];
  const clean: SweepAxis[] = [];
  for (const axis of axes) {
    const knob = sweepKnob(axis.key);
    if (!knob) {
      errors.push(`${shortText(String(axis.key))} cannot be swept`);
      continue;
    }
    if (knobs.includes(knob)) {
      errors.push(`${knob.label} is on both axes: sweep it on one`);
      continue;
    }
    knobs.push(knob);
    const values: SweepValue[] = [];
    for (const v of axis.values) {
      const r = checkField(axis.key, v);
      if (r.ok) values.push(r.value as SweepValue);
      else errors.push(r.error);
    }
    const distinct = unique(values);
    if (axis.values.length === 0) errors.push(`give at least one value for ${knob.label}`);
    else if (distinct.length > MAX_SWEEP_VALUES) errors.push(`at most ${MAX_SWEEP_VALUES} values for ${knob.label} (got ${distinct.length})`);
    clean.push({ key: axis.key, values: distinct });
  }
  if (errors.length > 0) return { ok: false, errors };

  const total = clean.reduce((n, a) => n * a.values.length, 1);
  if (total > maxRuns) {
    return { ok: false, errors: [`${clean.map((a) => a.values.length).join(' × ')} = ${total} runs: a sweep has at most ${maxRuns}`] };
  }

  const grid: number[][] = clean.length === 1 ? clean[0]!.values.map((_, i) => [i]) : [];
  if (clean.length === 2) {
    for (let i = 0; i < clean[0]!.values.length; i++) for (let j = 0; j < clean[1]!.values.length; j++) grid.push([i, j]);
  }
  const runs: SweepRun[] = [];
  const runErrors: { label: string; index: number; errors: string[] }[] = [];
  grid.forEach((at, index) => {
    const patch: Partial<TrainConfig> = {};
    const words: string[] = [];
    at.forEach((vi, a) => {
      const axis = clean[a]!;
      const v = axis.values[vi]!;
      (patch as Record<string, SweepValue>)[axis.key] = v;
      words.push(axisLabel(knobs[a]!, v));
    });
    const label = words.join(', ');
    const v = validateConfig({ ...base, ...patch });
    if (v.ok) runs.push({ index, at, label, patch, config: v.config });
    else runErrors.push({ label, index, errors: v.errors });
  });

  if (runErrors.length > 0) {
    const first = runErrors[0]!.errors.join('; ');
    if (runErrors.length === grid.length && runErrors.every((r) => r.errors.join('; ') === first)) {
      return { ok: false, errors: [`every run: ${first}`] };
    }
    const listed = runErrors.slice(0, MAX_PLAN_ERRORS).map((r) => `run ${r.index + 1} (${r.label}): ${r.errors.join('; ')}`);
    if (runErrors.length > MAX_PLAN_ERRORS) listed.push(`and ${runErrors.length - MAX_PLAN_ERRORS} more invalid runs`);
    return { ok: false, errors: listed };
  }

  const warnings: string[] = [];
  clean.forEach((_, a) => {
    const knob = knobs[a]!;
    const reasons = runs.map((r) => whyInert(knob, r.config));
    if (reasons.every((r) => r !== null)) warnings.push(`${knob.label} has no effect in any run: ${reasons[0]}`);
  });
  if (runs.length > 1 && runs.every((r) => r.config.evalEvery === 0)) {
    warnings.push('evaluation is off (evaluate every 0): the runs will have no kNN accuracy to compare');
  }
  return { ok: true, runs, axes: clean, warnings };
}

/** What the current run of a sweep has done, for the ETA. */
export interface SweepProgress {
  /** Fraction of its steps done, 0–1. */
  fraction: number;
  /** Milliseconds since it started. */
  elapsedMs: number;
}

/**
 * Milliseconds left in a sweep: each run not yet finished (`remaining`, counting the current one) takes the
 * mean duration of the finished ones, less the fraction the current run has done. Before any run finishes,
 * the current run's own pace stands in (once it is 5% through); null while there is nothing to go on.
 */
export function sweepEta(doneMs: readonly number[], remaining: number, current?: SweepProgress): number | null {
  if (!(remaining > 0)) return 0;
  const fraction = current ? Math.min(1, Math.max(0, Number.isFinite(current.fraction) ? current.fraction : 0)) : 0;
  const durations = doneMs.filter((d) => Number.isFinite(d) && d >= 0);
  let perRun: number;
  if (durations.length > 0) perRun = durations.reduce((s, d) => s + d, 0) / durations.length;
  else if (current && fraction >= 0.05 && Number.isFinite(current.elapsedMs) && current.elapsedMs > 0) perRun = current.elapsedMs / fraction;
  else return null;
  return perRun * Math.max(0, remaining - fraction);
}
