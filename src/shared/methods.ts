/**
 * What the page needs to know about each method, without the engine: its name, paper, which settings it reads,
 * whether it uses labels; the collapse lab's experiments; and the collapse meter's verdict in words.
 */
import { withMethod, type Method, type TrainConfig } from './config';

export interface MethodInfo {
  label: string;
  /** arXiv id of the paper the implementation follows. */
  paper: string;
  /** The loss, in one line for the panel. */
  summary: string;
  /** Settings this method reads beyond the shared ones (model, optimiser, augmentations). */
  knobs: (keyof TrainConfig)[];
  /** True only for SupCon, the supervised reference. */
  usesLabels: boolean;
}

export const METHOD_INFO: Readonly<Record<Method, MethodInfo>> = {
  simclr: {
    label: 'SimCLR',
    paper: '2002.05709',
    summary: 'NT-Xent: each view must pick its partner out of the other 2N − 2 views of the batch, at temperature τ.',
    knobs: ['temperature'],
    usesLabels: false,
  },
  moco: {
    label: 'MoCo v2',
    paper: '2003.04297',
    summary: 'InfoNCE of a query against its key from a momentum encoder and K queued keys of earlier batches.',
    knobs: ['temperature', 'mocoQueue', 'mocoMomentum', 'mocoSymmetric'],
    usesLabels: false,
  },
  byol: {
    label: 'BYOL',
    paper: '2006.07733',
    summary: 'The online network predicts the EMA target network’s projection of the other view: 2 − 2·cos, no negatives.',
    knobs: ['predictor', 'predHidden', 'stopGradient', 'emaBase', 'emaCosine'],
    usesLabels: false,
  },
  simsiam: {
    label: 'SimSiam',
    paper: '2011.10566',
    summary: 'One shared encoder; the predicted view matches the other view’s projection under a stop-gradient.',
    knobs: ['predictor', 'predHidden', 'stopGradient'],
    usesLabels: false,
  },
  barlow: {
    label: 'Barlow Twins',
    paper: '2103.03230',
    summary: 'Drives the cross-correlation of the two views’ standardised embeddings to the identity.',
    knobs: ['barlowLambda'],
    usesLabels: false,
  },
  vicreg: {
    label: 'VICReg',
    paper: '2105.04906',
    summary: 'Invariance (MSE) plus a hinge keeping each dimension’s std above 1 plus a covariance penalty.',
    knobs: ['vicregSim', 'vicregStd', 'vicregCov'],
    usesLabels: false,
  },
  supcon: {
    label: 'SupCon',
    paper: '2004.11362',
    summary: 'Supervised reference: every view with the same label is a positive. The one method here that reads labels.',
    knobs: ['temperature'],
    usesLabels: true,
  },
};

/** One collapse-lab experiment: a change to the config that removes what keeps a method from collapsing. */
export interface CollapseExperiment {
  id: string;
  label: string;
  /** What the papers found, to compare with what the run shows. */
  expect: string;
  patch: Partial<TrainConfig>;
}

export const COLLAPSE_EXPERIMENTS: readonly CollapseExperiment[] = [
  {
    id: 'simsiam-no-sg',
    label: 'SimSiam without stop-gradient',
    expect:
      'Collapses (SimSiam Fig. 2): the std of the normalised output falls toward 0. Batch norm on the projector output is ' +
      'switched off too, since it holds each dimension’s spread at 1 and, in runs this short, hides the collapse.',
    patch: { method: 'simsiam', stopGradient: false, predictor: true, projOutBN: false },
  },
  {
    id: 'simsiam-no-pred',
    label: 'SimSiam without the predictor',
    expect: 'Collapses (SimSiam Table 1, 0.1% accuracy). Batch norm on the projector output is off, as in the experiment above.',
    patch: { method: 'simsiam', stopGradient: true, predictor: false, projOutBN: false },
  },
  {
    id: 'byol-no-pred',
    label: 'BYOL without the predictor',
    expect: 'Collapses or learns far less: BYOL reports the predictor as essential (§5).',
    patch: { method: 'byol', predictor: false, stopGradient: true },
  },
  {
    id: 'byol-no-sg',
    label: 'BYOL without stop-gradient',
    expect: 'The target branch is the online network with gradients flowing: collapses like SimSiam without it.',
    patch: { method: 'byol', predictor: true, stopGradient: false },
  },
  {
    id: 'byol-momentum-0',
    label: 'BYOL with target momentum 0',
    expect: 'The target is the online network of the moment: BYOL reports that this destabilises training (§5, τ_base = 0).',
    patch: { method: 'byol', emaBase: 0, emaCosine: false, predictor: true, stopGradient: true },
  },
  {
    id: 'moco-momentum-0',
    label: 'MoCo with key momentum 0',
    expect: 'Keys drift too fast to compare with the queue: MoCo reports that the loss oscillates and training fails (§4.1, m = 0).',
    patch: { method: 'moco', mocoMomentum: 0 },
  },
  {
    id: 'simclr-no-aug',
    label: 'SimCLR without augmentation',
    expect: 'The task becomes trivial (two copies of one image): the loss drops fast and the kNN accuracy stays low.',
    patch: { method: 'simclr', augment: false },
  },
];

/** A config with one experiment applied: its method's preset and safeguards first, then the experiment's changes. */
export function applyExperiment(config: TrainConfig, e: CollapseExperiment): TrainConfig {
  return { ...withMethod(config, e.patch.method ?? config.method), ...e.patch };
}

/** The collapse meter's figures. */
export interface CollapseMeter {
  /** Mean over dimensions of the std (over samples) of the ℓ2-normalised output. Healthy ≈ 1/√d. */
  zStd: number;
  /** Output dimension d. */
  dim: number;
  /** Effective rank of the output covariance (exp of the entropy of its normalised eigenvalues); 1..d, 0 if none. */
  effRank?: number;
}

export type CollapseVerdict = { level: 'healthy' | 'partial' | 'collapsed'; words: string };

/**
 * The meter in words. Collapsed: the std is under a fifth of its healthy 1/√d (every input maps to nearly the
 * same point). Partial (dimensional collapse): the effective rank is under 3 (under d/2 when d < 6), i.e. the
 * outputs lie near a line or a plane. Thresholds are ours: 300-step SimCLR and MoCo runs on MNIST reach 5–6
 * of 32 and learn well.
 */
export function collapseVerdict(m: CollapseMeter): CollapseVerdict {
  const healthy = 1 / Math.sqrt(m.dim);
  const ratio = m.zStd / healthy;
  if (ratio < 0.2) {
    return {
      level: 'collapsed',
      words: `Collapsed: the outputs barely vary (std ${m.zStd.toFixed(3)}, healthy ≈ ${healthy.toFixed(3)}); every image maps to nearly the same point.`,
    };
  }
  if (m.effRank !== undefined && m.effRank < Math.min(3, m.dim / 2)) {
    return {
      level: 'partial',
      words: `Dimensional collapse: the outputs span about ${m.effRank.toFixed(1)} of ${m.dim} dimensions.`,
    };
  }
  return {
    level: 'healthy',
    words: `Healthy: std ${m.zStd.toFixed(3)} (≈ 1/√d = ${healthy.toFixed(3)})${m.effRank !== undefined ? `, effective rank ${m.effRank.toFixed(1)} of ${m.dim}` : ''}.`,
  };
}
