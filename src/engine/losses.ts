/** Contrastive losses and the in-batch metrics that come with them. */
import * as tf from '@tensorflow/tfjs';

/** Row-wise ℓ2 normalisation, z / max(‖z‖, ε) as torch.nn.functional.normalize. */
export function l2Normalize(z: tf.Tensor2D, eps = 1e-12): tf.Tensor2D {
  return tf.tidy(() => tf.div(z, tf.maximum(tf.norm(z, 'euclidean', 1, true), eps)) as tf.Tensor2D);
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
    return tf.mean(tf.sub(tf.logSumExp(logits, 1), pos)) as tf.Scalar;
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
