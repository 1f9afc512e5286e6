/**
 * The run configuration: its types, defaults, limits and validation. Shared by the page, the worker and the
 * headless runner, so it imports nothing but the dataset list (no tfjs, no DOM).
 */

import { DATASETS, datasetKind, type DatasetName } from './datasets';

/** Self-supervised methods the engine implements. */
export const METHODS = ['simclr', 'moco', 'byol', 'simsiam', 'barlow', 'vicreg', 'supcon'] as const;
export type Method = (typeof METHODS)[number];

/** Encoders the engine can build: a small CNN for images, an MLP for the 2-D toy sets. */
export const ENCODERS = ['cnn-small', 'mlp'] as const;
export type Encoder = (typeof ENCODERS)[number];

export const OPTIMIZERS = ['adam', 'sgd'] as const;

/** kNN readout: cosine similarity with votes weighted by exp(s/0.07), or Euclidean distance with one vote each. */
export const KNN_METRICS = ['cosine', 'euclidean'] as const;
export type KnnMetric = (typeof KNN_METRICS)[number];
export type OptimizerKind = (typeof OPTIMIZERS)[number];

/** Backends a user may ask for; 'auto' lets the worker measure and choose. */
export const BACKEND_CHOICES = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
export type BackendName = Exclude<BackendChoice, 'auto'>;

/** Everything that defines a run; serialisable, so it fits in a URL hash and a JSON file. */
export interface TrainConfig {
  /** Which dataset to train on: a shipped image set, a 2-D toy set, or the user's own ("custom"). */
  dataset: DatasetName;
  method: Method;
  encoder: Encoder;
  /** Channels of the CNN's first conv layer (doubled twice) or the MLP's units ÷ 4: h has 4·width dimensions. */
  width: number;
  projection: boolean;
  projHidden: number;
  projDim: number;
  /** Batch norm in the hidden layer of the projector and predictor MLPs (as BYOL, SimSiam, Barlow Twins, VICReg). */
  headBN: boolean;
  /** Batch norm (no affine) on the projector's output, as SimSiam's projector. */
  projOutBN: boolean;
  /** BYOL / SimSiam: the predictor MLP q on the online branch. */
  predictor: boolean;
  predHidden: number;
  /** BYOL / SimSiam: stop-gradient on the target branch (off = a collapse-lab experiment). */
  stopGradient: boolean;
  /** Off: both views are the unaugmented image (a collapse-lab experiment). */
  augment: boolean;
  /** MoCo: queue size K (negative keys). */
  mocoQueue: number;
  /** MoCo: momentum m of the key encoder. */
  mocoMomentum: number;
  /** MoCo: symmetric loss (both views as queries). */
  mocoSymmetric: boolean;
  /** BYOL: τ_base, the target network's EMA rate at step 0. */
  emaBase: number;
  /** BYOL: raise τ from τ_base toward 1 with a cosine schedule (off = constant τ_base). */
  emaCosine: boolean;
  /** Barlow Twins: λ, weight of the off-diagonal (redundancy-reduction) term. */
  barlowLambda: number;
  /** VICReg: weights λ (invariance), μ (variance), ν (covariance). */
  vicregSim: number;
  vicregStd: number;
  vicregCov: number;
  batchSize: number;
  temperature: number;
  lr: number;
  optimizer: OptimizerKind;
  /** SGD momentum (ignored by Adam). */
  momentum: number;
  weightDecay: number;
  warmupSteps: number;
  steps: number;
  /** Random resized crop: the kept fraction of the image area is drawn from [min, max] (min = 1: no crop). */
  cropScaleMin: number;
  cropScaleMax: number;
  rotationDeg: number;
  /** Probability that an image is rotated. */
  rotationProb: number;
  noiseStd: number;
  /** Probability that an image gets Gaussian noise. */
  noiseProb: number;
  blurProb: number;
  blurSigma: number;
  /** Contrast jitter strength: factor drawn from [1 − s, 1 + s]. */
  contrast: number;
  /** Horizontal flip probability. */
  flipProb: number;
  /** Probability that colour jitter (brightness, contrast, saturation, hue) applies to an image. */
  jitterProb: number;
  /** Brightness jitter strength: factor from [1 − s, 1 + s]. */
  brightness: number;
  /** Saturation jitter strength (colour images). */
  saturation: number;
  /** Hue jitter: up to ±s of the hue circle (colour images). */
  hue: number;
  /** Grayscale probability (colour images). */
  grayscaleProb: number;
  /** Cutout: probability, and the square's side as a fraction of the image side. */
  cutoutProb: number;
  cutoutSize: number;
  /** 2-D toy sets: scaling by a factor from [1 − s, 1 + s] (with rotation and noise, the points' augmentations). */
  scaleJitter: number;
  seed: number;
  /** Steps between evaluations (kNN, collapse meter on held-out data, t-SNE); 0 = never evaluate. */
  evalEvery: number;
  /** kNN readout: neighbours k and the metric. */
  knnK: number;
  knnMetric: KnnMetric;
  /** At each evaluation, also train linear probes (on h and z, and on h with 1% and 10% of the labels). */
  probes: boolean;
  backend: BackendChoice;
}

/** The augmentation settings, in the order the pipeline applies them (the panel lists them so). */
export const AUGMENTATION_KEYS = [
  'augment',
  'cropScaleMin',
  'cropScaleMax',
  'rotationDeg',
  'rotationProb',
  'flipProb',
  'jitterProb',
  'brightness',
  'contrast',
  'saturation',
  'hue',
  'grayscaleProb',
  'blurProb',
  'blurSigma',
  'noiseStd',
  'noiseProb',
  'cutoutProb',
  'cutoutSize',
] as const satisfies readonly (keyof TrainConfig)[];

/** The augmentations of 2-D points: rotation about the origin, scaling, Gaussian jitter. */
export const POINT_AUGMENTATION_KEYS = ['augment', 'rotationDeg', 'scaleJitter', 'noiseStd'] as const satisfies readonly (keyof TrainConfig)[];

/** The defaults: a SimCLR run that learns visibly within a minute on the WASM backend. */
export const DEFAULT_CONFIG: Readonly<TrainConfig> = Object.freeze({
  dataset: 'mnist',
  method: 'simclr',
  encoder: 'cnn-small',
  width: 16,
  projection: true,
  projHidden: 64,
  projDim: 32,
  headBN: false,
  projOutBN: false,
  predictor: true,
  predHidden: 64,
  stopGradient: true,
  augment: true,
  mocoQueue: 2048,
  mocoMomentum: 0.99,
  mocoSymmetric: false,
  emaBase: 0.99,
  emaCosine: true,
  // ≈ 1/d for d = 32 (Tsai et al. 2021, arXiv 2104.13712); the paper's 0.0051 was tuned for d = 8192, and at
  // d = 32 it reached a kNN accuracy of 0.59 in 300 steps against 0.65 for 0.03 (npm run bench:methods).
  barlowLambda: 0.03,
  vicregSim: 25,
  vicregStd: 25,
  vicregCov: 1,
  batchSize: 128,
  temperature: 0.5,
  lr: 0.003,
  optimizer: 'adam',
  momentum: 0.9,
  weightDecay: 0,
  warmupSteps: 10,
  steps: 300,
  cropScaleMin: 0.5,
  cropScaleMax: 1,
  rotationDeg: 15,
  rotationProb: 1,
  noiseStd: 0.1,
  noiseProb: 1,
  blurProb: 0.3,
  blurSigma: 1,
  contrast: 0.4,
  flipProb: 0,
  jitterProb: 1,
  brightness: 0,
  saturation: 0,
  hue: 0,
  grayscaleProb: 0,
  cutoutProb: 0,
  cutoutSize: 0.5,
  scaleJitter: 0.2,
  seed: 1,
  evalEvery: 25,
  knnK: 20,
  knnMetric: 'cosine',
  probes: true,
  backend: 'auto',
});

/**
 * What each method's paper recommends for the settings methods share; switching the method in the panel loads
 * these, and a config file or link that names a method starts from them. τ: SimCLR 0.5 (its Table 5 on small
 * batches), MoCo v2 0.2, SupCon 0.1. Batch norm in the head's hidden layer: as in the BYOL, SimSiam, Barlow
 * Twins and VICReg heads; MoCo v2's and SupCon's heads have none. Batch norm on the projector's output: SimSiam's.
 */
export const METHOD_PRESETS: Readonly<Record<Method, Partial<TrainConfig>>> = {
  simclr: { temperature: 0.5, headBN: false, projOutBN: false },
  moco: { temperature: 0.2, headBN: false, projOutBN: false },
  byol: { headBN: true, projOutBN: false },
  simsiam: { headBN: true, projOutBN: true },
  barlow: { headBN: true, projOutBN: false },
  vicreg: { headBN: true, projOutBN: false },
  supcon: { temperature: 0.1, headBN: false, projOutBN: false },
};

/** The defaults with a method's preset applied. */
export function methodDefaults(method: Method): TrainConfig {
  return { ...DEFAULT_CONFIG, ...METHOD_PRESETS[method], method };
}

/**
 * What the 2-D toy sets change: the MLP encoder, a 2-D projection (z/‖z‖ on the circle, drawn as it is), and
 * point augmentations strong enough to matter at their scale (the points are standardised). Image sets use
 * DEFAULT_CONFIG's values for the same keys.
 */
export const POINTS_PRESET: Readonly<Partial<TrainConfig>> = {
  encoder: 'mlp',
  projDim: 2,
  rotationDeg: 25,
  noiseStd: 0.1,
  steps: 500,
};
const IMAGES_PRESET: Partial<TrainConfig> = Object.fromEntries(Object.keys(POINTS_PRESET).map((k) => [k, DEFAULT_CONFIG[k as keyof TrainConfig]]));

function kindPreset(dataset: DatasetName): Partial<TrainConfig> {
  return datasetKind(dataset) === 'points' ? POINTS_PRESET : IMAGES_PRESET;
}

/** The defaults for a method on a dataset: the method's preset, then the dataset kind's. */
export function runDefaults(method: Method, dataset: DatasetName): TrainConfig {
  return { ...methodDefaults(method), ...kindPreset(dataset), dataset };
}

/**
 * Switches the dataset. Moving between images and 2-D points swaps the encoder and the settings that differ
 * between them (POINTS_PRESET); moving between two image sets (or two toy sets) keeps every setting.
 */
export function withDataset(config: TrainConfig, dataset: DatasetName): TrainConfig {
  const wasPoints = datasetKind(config.dataset) === 'points';
  const isPoints = datasetKind(dataset) === 'points';
  return wasPoints === isPoints ? { ...config, dataset } : { ...config, ...kindPreset(dataset), dataset };
}

/**
 * The settings the collapse lab switches off (stop-gradient, predictor, augmentation, the EMA rates). Switching
 * the method restores them, so an experiment never carries over silently into another method.
 */
export const SAFEGUARD_KEYS = ['stopGradient', 'predictor', 'augment', 'mocoMomentum', 'emaBase', 'emaCosine'] as const;

/**
 * Switches the method: loads its paper's settings for what methods share (τ, batch norm in the head) and the
 * default safeguards; the rest of the config stays.
 */
export function withMethod(config: TrainConfig, method: Method): TrainConfig {
  const safeguards = Object.fromEntries(SAFEGUARD_KEYS.map((k) => [k, DEFAULT_CONFIG[k]]));
  return { ...config, ...safeguards, ...METHOD_PRESETS[method], method };
}

type NumberKey = { [K in keyof TrainConfig]: TrainConfig[K] extends number ? K : never }[keyof TrainConfig];
type ChoiceKey = 'dataset' | 'method' | 'encoder' | 'optimizer' | 'backend' | 'knnMetric';

/** Limits for each numeric field: the validator and the UI's inputs both read them. */
export interface NumberSpec {
  min: number;
  max: number;
  integer: boolean;
  /** Exclusive lower bound (e.g. τ > 0). */
  exclusiveMin?: boolean;
  label: string;
}

export const NUMBER_SPECS: Readonly<Record<NumberKey, NumberSpec>> = {
  width: { min: 4, max: 64, integer: true, label: 'encoder width' },
  projHidden: { min: 4, max: 1024, integer: true, label: 'projection hidden size' },
  projDim: { min: 2, max: 512, integer: true, label: 'projection output size' },
  predHidden: { min: 2, max: 1024, integer: true, label: 'predictor hidden size' },
  mocoQueue: { min: 1, max: 65536, integer: true, label: 'queue size K' },
  mocoMomentum: { min: 0, max: 0.99999, integer: false, label: 'key-encoder momentum m' },
  emaBase: { min: 0, max: 1, integer: false, label: 'target EMA τ_base' },
  barlowLambda: { min: 0, max: 10, integer: false, label: 'off-diagonal weight λ' },
  vicregSim: { min: 0, max: 100, integer: false, label: 'invariance weight λ' },
  vicregStd: { min: 0, max: 100, integer: false, label: 'variance weight μ' },
  vicregCov: { min: 0, max: 100, integer: false, label: 'covariance weight ν' },
  batchSize: { min: 2, max: 1024, integer: true, label: 'batch size' },
  temperature: { min: 0, max: 10, integer: false, exclusiveMin: true, label: 'temperature τ' },
  lr: { min: 0, max: 10, integer: false, exclusiveMin: true, label: 'learning rate' },
  momentum: { min: 0, max: 0.999, integer: false, label: 'momentum' },
  weightDecay: { min: 0, max: 1, integer: false, label: 'weight decay' },
  warmupSteps: { min: 0, max: 100000, integer: true, label: 'warm-up steps' },
  steps: { min: 1, max: 1000000, integer: true, label: 'steps' },
  cropScaleMin: { min: 0.05, max: 1, integer: false, label: 'crop scale (min)' },
  cropScaleMax: { min: 0.05, max: 1, integer: false, label: 'crop scale (max)' },
  rotationDeg: { min: 0, max: 180, integer: false, label: 'rotation (degrees)' },
  rotationProb: { min: 0, max: 1, integer: false, label: 'rotation probability' },
  noiseStd: { min: 0, max: 1, integer: false, label: 'noise std' },
  noiseProb: { min: 0, max: 1, integer: false, label: 'noise probability' },
  blurProb: { min: 0, max: 1, integer: false, label: 'blur probability' },
  blurSigma: { min: 0.1, max: 3, integer: false, label: 'blur σ' },
  contrast: { min: 0, max: 0.9, integer: false, label: 'contrast jitter' },
  flipProb: { min: 0, max: 1, integer: false, label: 'horizontal flip probability' },
  jitterProb: { min: 0, max: 1, integer: false, label: 'colour jitter probability' },
  brightness: { min: 0, max: 0.9, integer: false, label: 'brightness jitter' },
  saturation: { min: 0, max: 0.9, integer: false, label: 'saturation jitter (colour)' },
  hue: { min: 0, max: 0.5, integer: false, label: 'hue jitter (colour)' },
  grayscaleProb: { min: 0, max: 1, integer: false, label: 'grayscale probability (colour)' },
  cutoutProb: { min: 0, max: 1, integer: false, label: 'cutout probability' },
  cutoutSize: { min: 0.05, max: 1, integer: false, label: 'cutout size' },
  scaleJitter: { min: 0, max: 0.9, integer: false, label: 'scale jitter' },
  seed: { min: 0, max: 2 ** 31 - 1, integer: true, label: 'seed' },
  evalEvery: { min: 0, max: 100000, integer: true, label: 'evaluate every (0: never)' },
  knnK: { min: 1, max: 200, integer: true, label: 'kNN neighbours k' },
};

export const CHOICE_SPECS: Readonly<Record<ChoiceKey, readonly string[]>> = {
  dataset: DATASETS,
  method: METHODS,
  encoder: ENCODERS,
  optimizer: OPTIMIZERS,
  backend: BACKEND_CHOICES,
  knnMetric: KNN_METRICS,
};

const BOOLEAN_KEYS = ['projection', 'headBN', 'projOutBN', 'predictor', 'stopGradient', 'augment', 'mocoSymmetric', 'emaCosine', 'probes'] as const;

export type FieldResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** Checks one field's value, so the panel, the URL reader and the validator give the same message. */
export function checkField<K extends keyof TrainConfig>(key: K, value: unknown): FieldResult<TrainConfig[K]> {
  if (key in NUMBER_SPECS) {
    const spec = NUMBER_SPECS[key as NumberKey];
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isFinite(n)) {
      return { ok: false, error: `${spec.label} must be a finite number (got ${describe(value)})` };
    }
    if (spec.integer && !Number.isInteger(n)) {
      return { ok: false, error: `${spec.label} must be a whole number (got ${n})` };
    }
    if (spec.exclusiveMin ? n <= spec.min : n < spec.min) {
      return { ok: false, error: `${spec.label} must be ${spec.exclusiveMin ? 'greater than' : 'at least'} ${spec.min} (got ${n})` };
    }
    if (n > spec.max) return { ok: false, error: `${spec.label} must be at most ${spec.max} (got ${n})` };
    return { ok: true, value: n as TrainConfig[K] };
  }
  if (key in CHOICE_SPECS) {
    const allowed = CHOICE_SPECS[key as ChoiceKey];
    if (typeof value !== 'string' || !allowed.includes(value)) {
      return { ok: false, error: `unknown ${key} ${describe(value)}; expected one of ${allowed.join(', ')}` };
    }
    return { ok: true, value: value as TrainConfig[K] };
  }
  if ((BOOLEAN_KEYS as readonly string[]).includes(key)) {
    if (value === true || value === 'true' || value === '1') return { ok: true, value: true as TrainConfig[K] };
    if (value === false || value === 'false' || value === '0') return { ok: true, value: false as TrainConfig[K] };
    return { ok: false, error: `${key} must be true or false (got ${describe(value)})` };
  }
  return { ok: false, error: `unknown setting "${String(key)}"` };
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number') return String(value);
  return value === null ? 'null' : typeof value;
}

export const CONFIG_KEYS = Object.keys(DEFAULT_CONFIG) as (keyof TrainConfig)[];

export type ConfigResult = { ok: true; config: TrainConfig } | { ok: false; errors: string[] };

/**
 * Validates a whole config (e.g. a JSON file for the headless runner): every field is checked, unknown keys
 * are errors, missing keys take their defaults.
 */
export function validateConfig(raw: unknown): ConfigResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, errors: ['config must be a JSON object'] };
  }
  const errors: string[] = [];
  const config = startFrom((raw as Record<string, unknown>).method, (raw as Record<string, unknown>).dataset);
  for (const [key, value] of Object.entries(raw)) {
    if (!CONFIG_KEYS.includes(key as keyof TrainConfig)) {
      errors.push(`unknown setting "${key}"`);
      continue;
    }
    const r = checkField(key as keyof TrainConfig, value);
    if (r.ok) (config as unknown as Record<string, unknown>)[key] = r.value;
    else errors.push(r.error);
  }
  errors.push(...crossFieldErrors(config));
  return errors.length ? { ok: false, errors } : { ok: true, config };
}

/** The defaults a config file or link starts from: its method's and its dataset kind's (bad names: the defaults). */
function startFrom(method: unknown, dataset: unknown): TrainConfig {
  const m = checkField('method', method ?? DEFAULT_CONFIG.method);
  const d = checkField('dataset', dataset ?? DEFAULT_CONFIG.dataset);
  return runDefaults(m.ok ? m.value : DEFAULT_CONFIG.method, d.ok ? d.value : DEFAULT_CONFIG.dataset);
}

/** The encoder a dataset needs: the MLP for 2-D points, the CNN for images. */
export function encoderFor(dataset: DatasetName): Encoder {
  return datasetKind(dataset) === 'points' ? 'mlp' : 'cnn-small';
}

/** Rules that involve two fields. */
export function crossFieldErrors(c: TrainConfig): string[] {
  const errors: string[] = [];
  if (c.encoder !== encoderFor(c.dataset)) {
    errors.push(
      datasetKind(c.dataset) === 'points'
        ? `the ${c.dataset} set is 2-D points: it needs the mlp encoder (got ${c.encoder})`
        : `the ${c.dataset} set is images: it needs the cnn-small encoder (got ${c.encoder})`,
    );
  }
  if (c.cropScaleMax < c.cropScaleMin) {
    errors.push(`crop scale (max) (${c.cropScaleMax}) must be at least crop scale (min) (${c.cropScaleMin})`);
  }
  if (c.warmupSteps >= c.steps && c.warmupSteps > 0) {
    errors.push(`warm-up steps (${c.warmupSteps}) must be fewer than steps (${c.steps})`);
  }
  return errors;
}

/**
 * Writes the config into a URL hash: the method, then only the values that differ from that method's defaults,
 * so links stay short.
 */
export function configToHash(c: TrainConfig): string {
  const params = new URLSearchParams();
  const base = runDefaults(c.method, c.dataset);
  if (c.method !== DEFAULT_CONFIG.method) params.set('method', c.method);
  if (c.dataset !== DEFAULT_CONFIG.dataset) params.set('dataset', c.dataset);
  for (const key of CONFIG_KEYS) {
    if (key !== 'method' && key !== 'dataset' && c[key] !== base[key]) params.set(key, String(c[key]));
  }
  return params.toString();
}

/**
 * Reads a config from a URL hash value by value: a bad value is reported and replaced by the default, so a
 * damaged link still opens with everything else it carried.
 */
export function configFromHash(hash: string): { config: TrainConfig; errors: string[] } {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const errors: string[] = [];
  if (params.get('dataset') === 'custom') {
    // The sender's own files never left their browser; the link carries everything else.
    params.delete('dataset');
    errors.push(`this link was made with the sender's own data, which stays in their browser: showing ${DEFAULT_CONFIG.dataset.toUpperCase()} instead (load your own data under Data)`);
  }
  const config = startFrom(params.get('method'), params.get('dataset'));
  for (const [key, value] of params) {
    if (!CONFIG_KEYS.includes(key as keyof TrainConfig)) {
      errors.push(`ignored unknown setting "${key.slice(0, 40)}"`);
      continue;
    }
    const r = checkField(key as keyof TrainConfig, value);
    if (r.ok) (config as unknown as Record<string, unknown>)[key] = r.value;
    else errors.push(`ignored ${r.error}`);
  }
  if (config.encoder !== encoderFor(config.dataset)) {
    errors.push(`ignored encoder: ${crossFieldErrors(config)[0]}`);
    config.encoder = encoderFor(config.dataset);
  }
  if (config.cropScaleMax < config.cropScaleMin) {
    errors.push(`ignored crop scale (max): it must be at least crop scale (min) (${config.cropScaleMin})`);
    config.cropScaleMax = 1;
  }
  for (const e of crossFieldErrors(config)) {
    errors.push(`ignored warm-up steps: ${e}`);
    config.warmupSteps = Math.min(DEFAULT_CONFIG.warmupSteps, config.steps - 1);
  }
  return { config, errors };
}
