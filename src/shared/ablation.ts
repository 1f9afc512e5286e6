/**
 * The augmentation ablation (the shape of SimCLR's Fig. 5, arXiv 2002.05709): short runs with each augmentation
 * alone (the diagonal) and each pair (below it), everything else fixed, scored by kNN accuracy at the end.
 * Unlike the paper, which augments one branch and leaves the other as the identity, both views are augmented,
 * as in training; our pipeline applies augmentations in a fixed order, so cell (i, j) equals (j, i) and only
 * the lower triangle is run. One extra run without any augmentation is the baseline.
 */
import type { TrainConfig } from './config';
import { datasetKind } from './datasets';

export interface AblationAug {
  id: string;
  label: string;
  /** The settings that switch this augmentation on (at SimCLR-like strengths), on top of NO_AUGMENTATION. */
  patch: Partial<TrainConfig>;
}

/** Every augmentation off, but `augment` on: the two views are the image itself unless a patch adds one. */
export const NO_AUGMENTATION: Readonly<Partial<TrainConfig>> = {
  augment: true,
  cropScaleMin: 1,
  rotationDeg: 0,
  flipProb: 0,
  jitterProb: 1,
  brightness: 0,
  contrast: 0,
  saturation: 0,
  hue: 0,
  grayscaleProb: 0,
  blurProb: 0,
  noiseStd: 0,
  cutoutProb: 0,
  scaleJitter: 0,
};

/** Image augmentations, in SimCLR Fig. 5's order (without Sobel filtering). */
export const IMAGE_ABLATION_AUGS: readonly AblationAug[] = [
  { id: 'crop', label: 'crop', patch: { cropScaleMin: 0.3 } },
  { id: 'cutout', label: 'cutout', patch: { cutoutProb: 1, cutoutSize: 0.5 } },
  { id: 'colour', label: 'colour', patch: { jitterProb: 0.8, brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 } },
  { id: 'noise', label: 'noise', patch: { noiseStd: 0.15 } },
  { id: 'blur', label: 'blur', patch: { blurProb: 1, blurSigma: 1 } },
  { id: 'rotate', label: 'rotate', patch: { rotationDeg: 30 } },
];

/** The 2-D points' augmentations. */
export const POINT_ABLATION_AUGS: readonly AblationAug[] = [
  { id: 'rotate', label: 'rotate', patch: { rotationDeg: 25 } },
  { id: 'scale', label: 'scale', patch: { scaleJitter: 0.2 } },
  { id: 'jitter', label: 'jitter', patch: { noiseStd: 0.1 } },
];

export function ablationAugs(config: TrainConfig): readonly AblationAug[] {
  return datasetKind(config.dataset) === 'points' ? POINT_ABLATION_AUGS : IMAGE_ABLATION_AUGS;
}

export interface AblationCell {
  /** Row and column in the matrix (indices into the augmentation list); -1, -1 is the no-augmentation baseline. */
  row: number;
  col: number;
  config: TrainConfig;
}

/**
 * The runs of an ablation: the baseline, then for each row i every column j ≤ i (i = j: the augmentation alone,
 * else the pair), each with `steps` steps, evaluation only at the end, and the same seed.
 */
export function ablationPlan(base: TrainConfig, augs: readonly AblationAug[], steps: number): AblationCell[] {
  const run = (patch: Partial<TrainConfig>): TrainConfig => ({
    ...base,
    ...NO_AUGMENTATION,
    ...patch,
    steps,
    warmupSteps: Math.min(base.warmupSteps, Math.max(0, steps - 1)),
    evalEvery: steps,
  });
  const cells: AblationCell[] = [{ row: -1, col: -1, config: run({}) }];
  augs.forEach((a, i) => {
    for (let j = 0; j <= i; j++) cells.push({ row: i, col: j, config: run(i === j ? a.patch : { ...augs[j]!.patch, ...a.patch }) });
  });
  return cells;
}
