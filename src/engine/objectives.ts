/**
 * Each method's training objective for one batch of two views: which networks see which view, what carries a
 * gradient, and which loss compares them. The trainer calls `objective` inside `tf.variableGrads`; the target
 * networks (MoCo's key encoder, BYOL's target) run in `targets`, outside the tape, so no gradient can reach them.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../shared/config';
import {
  barlowTwinsLoss,
  byolLoss,
  contrastiveAccuracy,
  firstColumnAccuracy,
  firstColumnCrossEntropy,
  l2Normalize,
  mocoLogits,
  ntXentFromLogits,
  ntXentLogits,
  retrievalAccuracy,
  sameLabelAccuracy,
  simsiamLoss,
  supConLoss,
  vicregLoss,
} from './losses';
import type { Model } from './model';

/** Outputs of the target network for both views (MoCo keys, BYOL targets); constants for the tape. */
export interface TargetOutputs {
  t1: tf.Tensor2D;
  t2: tf.Tensor2D;
}

export interface ObjectiveInputs {
  config: TrainConfig;
  online: Model;
  v1: tf.Tensor4D;
  v2: tf.Tensor4D;
  /** Labels of the batch: SupCon only. */
  labels: tf.Tensor1D | null;
  /** MoCo's queue of normalised keys, [K, d], oldest first. */
  queue: tf.Tensor2D | null;
  targets: TargetOutputs | null;
}

export interface ObjectiveOutputs {
  loss: tf.Scalar;
  /** In-batch accuracy: the positive ranks first (see StepMetrics.acc for each method's definition). */
  acc: tf.Scalar;
  /** The online projection of view 1, for the collapse meter. */
  z: tf.Tensor2D;
}

/** Runs the target network on both views (call outside the gradient tape); null for methods without one. */
export function targets(target: Model | null, v1: tf.Tensor4D, v2: tf.Tensor4D): TargetOutputs | null {
  if (!target) return null;
  return tf.tidy(() => ({ t1: target.project(target.encode(v1)), t2: target.project(target.encode(v2)) }));
}

/**
 * Whether a method keeps a separate target network: MoCo's key encoder, BYOL's target (not when its
 * stop-gradient is off: then the online network is the target, gradients flowing).
 */
export function needsTarget(config: TrainConfig): boolean {
  return config.method === 'moco' || (config.method === 'byol' && config.stopGradient);
}

/** The loss of one batch; call inside `tf.variableGrads`. Tensors it returns besides the loss are the caller's. */
export function objective(inp: ObjectiveInputs): ObjectiveOutputs {
  const { config: c, online: m, v1, v2 } = inp;
  const z1 = m.project(m.encode(v1));
  const z2 = m.project(m.encode(v2));
  switch (c.method) {
    case 'simclr': {
      const logits = ntXentLogits(z1, z2, c.temperature);
      return { loss: ntXentFromLogits(logits), acc: contrastiveAccuracy(logits), z: z1 };
    }
    case 'supcon': {
      if (!inp.labels) throw new Error('SupCon needs the batch labels');
      const loss = supConLoss(z1, z2, inp.labels, c.temperature);
      return { loss, acc: sameLabelAccuracy(ntXentLogits(z1, z2, c.temperature), inp.labels), z: z1 };
    }
    case 'moco': {
      if (!inp.queue || !inp.targets) throw new Error('MoCo needs its queue and key encoder');
      const l12 = mocoLogits(z1, inp.targets.t2, inp.queue, c.temperature);
      if (!c.mocoSymmetric) return { loss: firstColumnCrossEntropy(l12), acc: firstColumnAccuracy(l12), z: z1 };
      const l21 = mocoLogits(z2, inp.targets.t1, inp.queue, c.temperature);
      return {
        loss: tf.mul(tf.add(firstColumnCrossEntropy(l12), firstColumnCrossEntropy(l21)), 0.5) as tf.Scalar,
        acc: tf.mul(tf.add(firstColumnAccuracy(l12), firstColumnAccuracy(l21)), 0.5) as tf.Scalar,
        z: z1,
      };
    }
    case 'byol': {
      const p1 = m.predict(z1);
      const p2 = m.predict(z2);
      // Without stop-gradient the target branch is the online network itself, gradients flowing.
      const t = inp.targets ?? { t1: z1, t2: z2 };
      return { loss: byolLoss(p1, p2, t.t1, t.t2), acc: retrievalAccuracy(p1, t.t2), z: z1 };
    }
    case 'simsiam': {
      const p1 = m.predict(z1);
      const p2 = m.predict(z2);
      return { loss: simsiamLoss(p1, p2, z1, z2, c.stopGradient), acc: retrievalAccuracy(p1, z2), z: z1 };
    }
    case 'barlow':
      return { loss: barlowTwinsLoss(z1, z2, c.barlowLambda), acc: retrievalAccuracy(z1, z2), z: z1 };
    case 'vicreg':
      return {
        loss: vicregLoss(z1, z2, { sim: c.vicregSim, std: c.vicregStd, cov: c.vicregCov }),
        acc: retrievalAccuracy(z1, z2),
        z: z1,
      };
  }
}

/** The keys MoCo enqueues after a step: the normalised keys of the newest batch (both views when symmetric). */
export function newKeys(config: TrainConfig, t: TargetOutputs): tf.Tensor2D {
  return tf.tidy(() => (config.mocoSymmetric ? l2Normalize(tf.concat([t.t2, t.t1], 0)) : l2Normalize(t.t2)));
}
