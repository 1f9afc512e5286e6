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
 * Eigenvalues of a symmetric n×n matrix (row-major), sorted descending, in float64: Householder reduction to
 * tridiagonal form, then the QL algorithm with implicit shifts (Numerical Recipes' tred2 and tqli, eigenvalues
 * only). O(n³): about 0.3 s for n = 512, milliseconds for the usual d ≤ 128.
 */
export function symmetricEigenvalues(matrix: ArrayLike<number>, n: number): Float64Array {
  const a: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const row = new Float64Array(n);
    // Symmetrise (float32 round-off can leave a and aᵀ differing in the last bit).
    for (let j = 0; j < n; j++) row[j] = (Number(matrix[i * n + j]) + Number(matrix[j * n + i])) / 2;
    a.push(row);
  }
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  // Householder: A → tridiagonal with diagonal d and sub-diagonal e[1..n−1].
  for (let i = n - 1; i > 0; i--) {
    const ai = a[i]!;
    const l = i - 1;
    let h = 0;
    if (l > 0) {
      let scale = 0;
      for (let k = 0; k <= l; k++) scale += Math.abs(ai[k]!);
      if (scale === 0) e[i] = ai[l]!;
      else {
        for (let k = 0; k <= l; k++) {
          ai[k]! /= scale;
          h += ai[k]! * ai[k]!;
        }
        let f = ai[l]!;
        let g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
        e[i] = scale * g;
        h -= f * g;
        ai[l] = f - g;
        f = 0;
        for (let j = 0; j <= l; j++) {
          g = 0;
          for (let k = 0; k <= j; k++) g += a[j]![k]! * ai[k]!;
          for (let k = j + 1; k <= l; k++) g += a[k]![j]! * ai[k]!;
          e[j] = g / h;
          f += e[j]! * ai[j]!;
        }
        const hh = f / (h + h);
        for (let j = 0; j <= l; j++) {
          f = ai[j]!;
          g = e[j]! - hh * f;
          e[j] = g;
          const aj = a[j]!;
          for (let k = 0; k <= j; k++) aj[k]! -= f * e[k]! + g * ai[k]!;
        }
      }
    } else e[i] = ai[l]!;
  }
  for (let i = 0; i < n; i++) d[i] = a[i]![i]!;
  // QL with implicit shifts on the tridiagonal matrix.
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  if (n > 0) e[n - 1] = 0;
  for (let l = 0; l < n; l++) {
    let iter = 0;
    let m: number;
    do {
      for (m = l; m < n - 1; m++) {
        const dd = Math.abs(d[m]!) + Math.abs(d[m + 1]!);
        if (Math.abs(e[m]!) <= Number.EPSILON * dd) break;
      }
      if (m !== l) {
        if (iter++ === 60) throw new Error('eigenvalues: QL did not converge');
        let g = (d[l + 1]! - d[l]!) / (2 * e[l]!);
        let r = Math.hypot(g, 1);
        g = d[m]! - d[l]! + e[l]! / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
        let s = 1;
        let c = 1;
        let p = 0;
        let i: number;
        for (i = m - 1; i >= l; i--) {
          const f = s * e[i]!;
          const b = c * e[i]!;
          r = Math.hypot(f, g);
          e[i + 1] = r;
          if (r === 0) {
            d[i + 1]! -= p;
            e[m] = 0;
            break;
          }
          s = f / r;
          c = g / r;
          g = d[i + 1]! - p;
          r = (d[i]! - g) * s + 2 * c * b;
          p = s * r;
          d[i + 1] = g + p;
          g = c * r - b;
        }
        if (r === 0 && i >= l) continue;
        d[l]! -= p;
        e[l] = g;
        e[m] = 0;
      }
    } while (m !== l);
  }
  return d.sort().reverse();
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
