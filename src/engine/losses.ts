/** Contrastive losses and the in-batch metrics that come with them. */
import * as tf from '@tensorflow/tfjs';

/**
 * Row-wise ℓ2 normalisation, z / max(‖z‖, ε) as torch.nn.functional.normalize, written as z·rsqrt(max(Σz², ε²)):
 * tf.norm's gradient at a zero row is NaN (a dead image with the projection head off gives one), this one is 0.
 */
export function l2Normalize(z: tf.Tensor2D, eps = 1e-12): tf.Tensor2D {
  return tf.tidy(() => tf.mul(z, tf.rsqrt(tf.maximum(tf.sum(tf.square(z), 1, true), eps * eps))) as tf.Tensor2D);
}

/**
 * Row-wise log Σ exp, max-shifted for stability, with its gradient written out (softmax · dy). tf.logSumExp's
 * gradient goes back through its max as well (an Equal against the broadcast max, slow on the WASM backend);
 * the max only shifts the sum and its contributions cancel, so this gives the same gradient with fewer ops.
 */
const rowLogSumExp = tf.customGrad((x, save) => {
  const xt = x as tf.Tensor2D;
  const m = tf.max(xt, 1, true);
  const lse = tf.add(m, tf.log(tf.sum(tf.exp(tf.sub(xt, m)), 1, true)));
  (save as tf.GradSaveFunc)([xt, lse]);
  return {
    value: lse,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => tf.mul(dy as tf.Tensor, tf.exp(tf.sub(saved[0]!, saved[1]!))),
  };
});

/** log Σ_j exp(x[i, j]) of a matrix's rows, [N] (or [N, 1] with keepDims). */
export function logSumExpRows(x: tf.Tensor2D, keepDims = false): tf.Tensor {
  return tf.tidy(() => {
    const lse = rowLogSumExp(x) as tf.Tensor2D;
    return keepDims ? lse : tf.reshape(lse, [x.shape[0]]);
  });
}

/**
 * The 2N×2N logits of NT-Xent (SimCLR, arXiv 2002.05709, eq. 1): cosine similarities of the ℓ2-normalised
 * projections of both views divided by τ, with each sample's similarity to itself masked out (−1e9, so it
 * takes no part in the softmax). Row i's positive is column (i + N) mod 2N.
 */
export function ntXentLogits(z1: tf.Tensor2D, z2: tf.Tensor2D, tau: number): tf.Tensor2D {
  return tf.tidy(() => {
    const n2 = z1.shape[0] * 2;
    const z = l2Normalize(tf.concat([z1, z2], 0));
    const sim = tf.div(tf.matMul(z, z, false, true), tau);
    return tf.sub(sim, tf.mul(tf.eye(n2), 1e9)) as tf.Tensor2D;
  });
}

/** The mask of positives: 1 at (i, i+N) and (i+N, i). */
export function positiveMask(n: number): tf.Tensor2D {
  return tf.tidy(() => {
    const eye = tf.eye(n);
    const zero = tf.zerosLike(eye);
    return tf.concat([tf.concat([zero, eye], 1), tf.concat([eye, zero], 1)], 0) as tf.Tensor2D;
  });
}

/**
 * NT-Xent loss from its logits: the mean over all 2N anchors of −log softmax(logits)[i, pos(i)]
 * (SimCLR eq. 1, summed over both orderings of each pair and divided by 2N, as the paper's Algorithm 1).
 */
export function ntXentFromLogits(logits: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const n = logits.shape[0] / 2;
    const pos = tf.sum(tf.mul(logits, positiveMask(n)), 1);
    return tf.mean(tf.sub(logSumExpRows(logits), pos)) as tf.Scalar;
  });
}

/** NT-Xent (normalized temperature-scaled cross entropy) of two batches of projections. */
export function ntXent(z1: tf.Tensor2D, z2: tf.Tensor2D, tau: number): tf.Scalar {
  return tf.tidy(() => ntXentFromLogits(ntXentLogits(z1, z2, tau)));
}

/**
 * In-batch contrastive accuracy: the fraction of the 2N anchors whose positive has the highest logit among
 * the 2N − 1 candidates (the self-similarity is masked).
 */
export function contrastiveAccuracy(logits: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const n2 = logits.shape[0];
    const n = n2 / 2;
    const target = tf.tensor1d(Array.from({ length: n2 }, (_, i) => (i + n) % n2), 'int32');
    return tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), target), 'float32')) as tf.Scalar;
  });
}

const stopGradientOp = tf.customGrad((x) => ({
  value: tf.clone(x as tf.Tensor),
  gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.zerosLike(dy as tf.Tensor),
}));

/**
 * Stop-gradient: the identity forward, a zero gradient backward (PyTorch's `.detach()`, JAX's
 * `stop_gradient`; tfjs has none, so it is a custom gradient).
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return stopGradientOp(x) as T;
}

/** Row-wise cosine similarity of two batches, [N]. */
function rowCosine(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  return tf.sum(tf.mul(l2Normalize(a), l2Normalize(b)), 1) as tf.Tensor1D;
}

/**
 * MoCo's logits (arXiv 1911.05722, Algorithm 1): [N, 1 + K], column 0 the positive q·k, then q against every
 * queued key, all over τ. q and k are ℓ2-normalised here; the queue's rows are stored normalised.
 */
export function mocoLogits(q: tf.Tensor2D, k: tf.Tensor2D, queue: tf.Tensor2D, tau: number): tf.Tensor2D {
  return tf.tidy(() => {
    const qn = l2Normalize(q);
    const kn = l2Normalize(k);
    const pos = tf.sum(tf.mul(qn, kn), 1, true);
    const neg = tf.matMul(qn, queue, false, true);
    return tf.div(tf.concat([pos, neg], 1), tau) as tf.Tensor2D;
  });
}

/** Cross-entropy with the positive in column 0, averaged over rows (MoCo's `CrossEntropyLoss(logits, 0)`). */
export function firstColumnCrossEntropy(logits: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const n = logits.shape[0];
    const pos = tf.reshape(tf.slice(logits, [0, 0], [n, 1]), [n]);
    return tf.mean(tf.sub(logSumExpRows(logits), pos)) as tf.Scalar;
  });
}

/** Fraction of rows whose largest logit is column 0 (the positive key). */
export function firstColumnAccuracy(logits: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), 0), 'float32')) as tf.Scalar);
}

/** MoCo's InfoNCE of queries against their keys and the queue. */
export function mocoLoss(q: tf.Tensor2D, k: tf.Tensor2D, queue: tf.Tensor2D, tau: number): tf.Scalar {
  return tf.tidy(() => firstColumnCrossEntropy(mocoLogits(q, k, queue, tau)));
}

/**
 * BYOL's loss (arXiv 2006.07733, eq. 2 and Appendix J): 2 − 2·cos(p, z′) for each view's prediction against
 * the target projection of the other view, the two terms summed (symmetrised), averaged over the batch. The
 * targets carry no gradient when the caller computes them with the target network outside the tape.
 */
export function byolLoss(p1: tf.Tensor2D, p2: tf.Tensor2D, t1: tf.Tensor2D, t2: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const l = tf.add(tf.sub(2, tf.mul(2, rowCosine(p1, t2))), tf.sub(2, tf.mul(2, rowCosine(p2, t1))));
    return tf.mean(l) as tf.Scalar;
  });
}

/**
 * SimSiam's loss (arXiv 2011.10566, Algorithm 1): D(p1, sg(z2))/2 + D(p2, sg(z1))/2 with D the negative
 * cosine. `stopGrad = false` removes the stop-gradient (the paper's Fig. 2 collapse experiment).
 */
export function simsiamLoss(p1: tf.Tensor2D, p2: tf.Tensor2D, z1: tf.Tensor2D, z2: tf.Tensor2D, stopGrad = true): tf.Scalar {
  return tf.tidy(() => {
    const sg = stopGrad ? stopGradient : <T extends tf.Tensor>(t: T) => t;
    const d1 = tf.neg(tf.mean(rowCosine(p1, sg(z2))));
    const d2 = tf.neg(tf.mean(rowCosine(p2, sg(z1))));
    return tf.add(tf.div(d1, 2), tf.div(d2, 2)) as tf.Scalar;
  });
}

/** Per-dimension mean and unbiased (N − 1) variance over the batch. */
function batchMoments(z: tf.Tensor2D): { mean: tf.Tensor; variance: tf.Tensor } {
  const n = z.shape[0];
  const mean = tf.mean(z, 0, true);
  const variance = tf.div(tf.sum(tf.square(tf.sub(z, mean)), 0, true), n - 1);
  return { mean, variance };
}

/**
 * Barlow Twins' loss (arXiv 2103.03230, Algorithm 1): standardise each dimension over the batch (mean 0,
 * unbiased std 1, as the pseudo-code's `z.std(0)`), C = z1ᵀz2 / N, loss = Σᵢ(1 − Cᵢᵢ)² + λ Σᵢ Σⱼ≠ᵢ Cᵢⱼ².
 */
export function barlowTwinsLoss(z1: tf.Tensor2D, z2: tf.Tensor2D, lambda: number): tf.Scalar {
  return tf.tidy(() => {
    const n = z1.shape[0];
    const d = z1.shape[1];
    const standardise = (z: tf.Tensor2D) => {
      const { mean, variance } = batchMoments(z);
      // The 1e-12 keeps a dead dimension (std 0) finite; it is far below float32 resolution otherwise.
      return tf.div(tf.sub(z, mean), tf.sqrt(tf.add(variance, 1e-12)));
    };
    const c = tf.div(tf.matMul(standardise(z1), standardise(z2), true, false), n);
    const eye = tf.eye(d);
    const weight = tf.add(eye, tf.mul(tf.sub(1, eye), lambda));
    return tf.sum(tf.mul(tf.square(tf.sub(c, eye)), weight)) as tf.Scalar;
  });
}

/** Sum of the squared off-diagonal entries of the unbiased covariance of z, divided by d (VICReg's c(Z)). */
function offDiagonalCovariance(z: tf.Tensor2D): tf.Scalar {
  const [n, d] = z.shape;
  const centred = tf.sub(z, tf.mean(z, 0, true));
  const cov = tf.div(tf.matMul(centred, centred, true, false), n - 1);
  const off = tf.mul(cov, tf.sub(1, tf.eye(d)));
  return tf.div(tf.sum(tf.square(off)), d) as tf.Scalar;
}

export interface VicregWeights {
  sim: number;
  std: number;
  cov: number;
}

/**
 * VICReg's loss (arXiv 2105.04906, Algorithm 1): λ·MSE(z1, z2) + μ·[mean(relu(1 − std(z1))) + mean(relu(1 −
 * std(z2)))] + ν·[c(z1) + c(z2)], std = √(Var + 1e-4) with the unbiased variance.
 */
export function vicregLoss(z1: tf.Tensor2D, z2: tf.Tensor2D, w: VicregWeights): tf.Scalar {
  return tf.tidy(() => {
    const sim = tf.mean(tf.square(tf.sub(z1, z2)));
    const stdTerm = (z: tf.Tensor2D) => tf.mean(tf.relu(tf.sub(1, tf.sqrt(tf.add(batchMoments(z).variance, 1e-4)))));
    const std = tf.add(stdTerm(z1), stdTerm(z2));
    const cov = tf.add(offDiagonalCovariance(z1), offDiagonalCovariance(z2));
    return tf.addN([tf.mul(sim, w.sim), tf.mul(std, w.std), tf.mul(cov, w.cov)]) as tf.Scalar;
  });
}

/** The 2N×2N same-label mask over both views, without the diagonal. */
function sameLabelMask(labels: tf.Tensor1D): tf.Tensor2D {
  const l2 = tf.concat([labels, labels], 0);
  const same = tf.cast(tf.equal(tf.expandDims(l2, 1), tf.expandDims(l2, 0)), 'float32');
  return tf.sub(same, tf.eye(l2.shape[0])) as tf.Tensor2D;
}

/**
 * SupCon's L_out (arXiv 2004.11362, eq. 2): for each of the 2N views, the mean over its positives (every other
 * view with the same label) of −log softmax over all other views, at τ; averaged over the 2N anchors. The
 * authors' code also multiplies by τ/0.07; eq. 2 does not, and neither do we.
 */
export function supConLoss(z1: tf.Tensor2D, z2: tf.Tensor2D, labels: tf.Tensor1D, tau: number): tf.Scalar {
  return tf.tidy(() => {
    const logits = ntXentLogits(z1, z2, tau);
    const logProb = tf.sub(logits, logSumExpRows(logits, true));
    const pos = sameLabelMask(labels);
    const perAnchor = tf.div(tf.sum(tf.mul(pos, logProb), 1), tf.sum(pos, 1));
    return tf.neg(tf.mean(perAnchor)) as tf.Scalar;
  });
}

/** Fraction of the 2N views whose most similar other view has the same label (SupCon's in-batch accuracy). */
export function sameLabelAccuracy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const l2 = tf.concat([labels, labels], 0);
    const nearest = tf.gather(l2, tf.argMax(logits, 1));
    return tf.mean(tf.cast(tf.equal(nearest, l2), 'float32')) as tf.Scalar;
  });
}

/**
 * In-batch retrieval accuracy for methods without negatives: the fraction of rows i of `a` whose most
 * cosine-similar row of `b` is row i (chance is 1/N; a collapsed model sits at chance).
 */
export function retrievalAccuracy(a: tf.Tensor2D, b: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const sim = tf.matMul(l2Normalize(a), l2Normalize(b), false, true);
    const n = a.shape[0];
    return tf.mean(tf.cast(tf.equal(tf.argMax(sim, 1), tf.range(0, n, 1, 'int32')), 'float32')) as tf.Scalar;
  });
}
