/**
 * The collapse meter (issue 3): how much the ℓ2-normalised outputs still vary. Two figures:
 * - zStd, the std over samples of each dimension of z/‖z‖, averaged over dimensions. SimSiam (arXiv 2011.10566,
 *   Fig. 2) plots it: about 1/√d when the outputs spread over the sphere, 0 when they collapse to one point.
 * - the effective rank of their covariance, exp of the entropy of its normalised eigenvalues (Roy & Vetterli
 *   2007; RankMe, arXiv 2210.02885): d when every direction is used equally, 1 when one is, which catches
 *   dimensional collapse that zStd misses.
 */
import * as tf from '@tensorflow/tfjs';
import type { CollapseMeter } from '../shared/methods';
import { l2Normalize } from './losses';

/** zStd of a batch as a scalar tensor: population std (÷M) per dimension of z/‖z‖, averaged over dimensions. */
export function normalizedStd(z: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.sqrt(tf.moments(l2Normalize(z), 0).variance)) as tf.Scalar);
}

/** Covariance (÷ (M − 1)) of z/‖z‖, [d, d]. */
export function normalizedCovariance(z: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const y = l2Normalize(z);
    const c = tf.sub(y, tf.mean(y, 0, true));
    return tf.div(tf.matMul(c, c, true, false), Math.max(1, z.shape[0] - 1)) as tf.Tensor2D;
  });
}

/**
 * Eigenvalues of a symmetric n×n matrix (row-major), by cyclic Jacobi rotations in float64, sorted descending.
 * O(n³) per sweep and a handful of sweeps: milliseconds for the meter's usual d ≤ 128.
 */
export function symmetricEigenvalues(matrix: ArrayLike<number>, n: number): Float64Array {
  const a = Float64Array.from(matrix);
  // Symmetrise (float32 round-off can leave a and aᵀ differing in the last bit).
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const m = (a[i * n + j]! + a[j * n + i]!) / 2;
      a[i * n + j] = m;
      a[j * n + i] = m;
    }
  }
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += a[i * n + i]! ** 2;
      for (let j = i + 1; j < n; j++) off += a[i * n + j]! ** 2;
    }
    if (off <= 1e-30 * Math.max(diag, 1e-300)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const app = a[p * n + p]!;
        const aqq = a[q * n + q]!;
        // Rotation angle that zeroes a[p][q] (Golub & Van Loan, Algorithm 8.4.1).
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  const eig = new Float64Array(n);
  for (let i = 0; i < n; i++) eig[i] = a[i * n + i]!;
  return eig.sort().reverse();
}

/**
 * Effective rank: exp(−Σ pᵢ log pᵢ) with pᵢ = λᵢ / Σλ over the non-negative eigenvalues. 0 when there is no
 * variance at all (trace below 1e-12): a fully collapsed output has no directions, not one.
 */
export function effectiveRank(eigenvalues: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < eigenvalues.length; i++) sum += Math.max(0, eigenvalues[i]!);
  if (sum < 1e-12) return 0;
  let h = 0;
  for (let i = 0; i < eigenvalues.length; i++) {
    const p = Math.max(0, eigenvalues[i]!) / sum;
    if (p > 0) h -= p * Math.log(p);
  }
  return Math.exp(h);
}

/** Both meter figures for a batch of outputs (reads back d² + 1 numbers). */
export async function collapseMeter(z: tf.Tensor2D): Promise<CollapseMeter> {
  const d = z.shape[1];
  const std = normalizedStd(z);
  const cov = normalizedCovariance(z);
  try {
    const [s, c] = await Promise.all([std.data(), cov.data()]);
    return { zStd: s[0]!, dim: d, effRank: effectiveRank(symmetricEigenvalues(c, d)) };
  } finally {
    std.dispose();
    cov.dispose();
  }
}
