/**
 * Exact t-SNE (van der Maaten & Hinton 2008, "Visualizing Data using t-SNE", JMLR 9) with the whole optimisation
 * in TensorFlow.js ops, so it runs on whatever tfjs backend is current: the map worker uses it on a hardware
 * WebGPU adapter, where the O(n²) work per iteration is a few elementwise kernels and reductions, instead of
 * Barnes-Hut on the CPU (`tsneBH`); the gradient is exact rather than approximated.
 *
 * P is the same sparse, symmetrised P as the Barnes-Hut path (`jointProbabilitiesNN`: p_{j|i} over the
 * ⌊3·perplexity + 1⌋ nearest neighbours, p_ij = (p_{j|i} + p_{i|j}) / Σ), computed once on the CPU and uploaded
 * as a dense n × n float32 matrix (so n ≤ {@link TSNE_TF_MAX_N}). Each iteration is then, with
 * w_ij = (1 + ‖y_i − y_j‖²)⁻¹, Z = Σ_{k≠l} w_kl and q_ij = w_ij / Z over all pairs i ≠ j (eq. 4 of the paper),
 *
 *   ∂C/∂y_i = 4 Σ_j (α·p_ij − q_ij) · w_ij · (y_i − y_j)          (eq. 5, P exaggerated by α early on)
 *
 * over all n² pairs (attraction and repulsion), followed by scikit-learn's `_gradient_descent`: per-coordinate
 * gains +0.2 where the step changes sign and ×0.8 where it does not (Jacobs 1988, floored at 0.01), momentum 0.5
 * during the 250 early-exaggeration iterations (α = 12) and 0.8 afterwards, with update and gains reset between
 * the two phases; learning rate 'auto' = max(n / α / 4, 50); init='pca' scaled so the first coordinate has
 * standard deviation 1e-4. A warm start skips exaggeration and uses momentum 0.8 throughout. Every choice is
 * `tsneBH`'s (src/engine/tsneBH.ts), so with θ = 0 the two compute the same gradient (to float32 rounding).
 *
 * All state (P, layout, update, gains) stays on the device; each iteration runs in its own `tf.tidy` and the
 * replaced state is disposed. Every {@link FENCE_EVERY} iterations one scalar is read back (KL when onProgress
 * is given, else one coordinate) so the backend's command queue cannot grow without bound; the layout itself
 * is read back once, at the end.
 */
import * as tf from '@tensorflow/tfjs';
import { gaussian, mulberry32 } from './rng';
import { jointProbabilitiesNN, pcaScores, readTsneOptions, type SparseP, type TsneBHOptions } from './tsneBH';

/** Options for {@link tsneTf}: those of `tsneBH` without the Barnes-Hut angle (the gradient here is exact). */
export type TsneTfOptions = Omit<TsneBHOptions, 'angle'>;

/** Largest n accepted: the dense P, and each n × n temporary, is 4n² bytes (64 MiB at 4,096). */
export const TSNE_TF_MAX_N = 4096;
/** Iterations between read-backs of one scalar, which bound the queued GPU work (and carry KL to onProgress). */
const FENCE_EVERY = 50;
/** Smallest per-parameter gain (scikit-learn's min_gain). */
const MIN_GAIN = 0.01;
/** Momentum during early exaggeration and afterwards (scikit-learn's values). */
const MOMENTUM_EARLY = 0.5;
const MOMENTUM_LATE = 0.8;
/** Standard deviation of the first coordinate of the initial layout (scikit-learn's init='pca' and 'random'). */
const INIT_STD = 1e-4;
/** Floor on Z = Σ_{i≠j} w_ij (as tsneBH: float64 epsilon; only a layout at infinity gets near it). */
const Z_FLOOR = 2.220446049250313e-16;

/** scale·P, for the sparse symmetric P, as a dense n × n row-major float32 matrix (both triangles, zero diagonal). */
export function denseP(P: SparseP, scale = 1): Float32Array {
  const n = P.n;
  const out = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let t = P.rowPtr[i]!; t < P.rowPtr[i + 1]!; t++) out[i * n + P.cols[t]!] = scale * P.vals[t]!;
  return out;
}

/** Σ p_ij log p_ij over P's non-zeros (both triangles), in float64: the constant part of KL(αP‖Q). */
function pLogP(P: SparseP): number {
  let s = 0;
  for (const p of P.vals) if (p > 0) s += p * Math.log(p);
  return s;
}

/**
 * y_i − y_j for one coordinate (row c of the 2 × n layout) as an n × n matrix, exactly (no ‖a‖² + ‖b‖² − 2a·b
 * cancellation), in the form that is fast on the current backend: a broadcast difference (one cheap elementwise
 * kernel on WebGPU), or on tfjs' CPU backend, whose broadcasting is slow, the outer product [y, 1]·[1; −y]
 * (k = 2: y_i·1 + 1·(−y_j), two exact products and one rounding, so the same bits; on WebGPU in SwiftShader
 * that matmul was 50× slower than the broadcast).
 */
function differences(Yt: tf.Tensor2D, c: number): tf.Tensor2D {
  const n = Yt.shape[1];
  const row = tf.slice(Yt, [c, 0], [1, n]);
  const col = tf.reshape(row, [n, 1]);
  if (tf.getBackend() !== 'cpu') return tf.sub(col, row);
  const ones = tf.ones([n, 1]);
  return tf.matMul(tf.concat([col, ones], 1), tf.concat([tf.reshape(ones, [1, n]), tf.neg(row)], 0));
}

/**
 * The exact gradient of KL(αP‖Q) at a coordinate-major layout Yt (2 × n: row 0 the x's, row 1 the y's), as a
 * 2 × n tensor, given `PA` = αP; and KL(αP‖Q) = α (Σ p log p + log α + log Z + Σ p log(1 + d²)) when `plogp`
 * is given. No tidy: the caller's scope owns the temporaries.
 */
function gradientT(PA: tf.Tensor2D, Yt: tf.Tensor2D, alpha: number, plogp?: number): { grad: tf.Tensor2D; kl?: tf.Scalar } {
  const n = PA.shape[0];
  const dx = differences(Yt, 0);
  const dy = differences(Yt, 1);
  const d2 = tf.add(tf.square(dx), tf.square(dy));
  const W = tf.reciprocal(tf.add(d2, 1)) as tf.Tensor2D;
  // w_ii = 1/(1 + 0) = 1 exactly, so Z over i ≠ j is the full sum less n.
  const Z = tf.maximum(tf.sub(tf.sum(W), n), Z_FLOOR) as tf.Scalar;
  // (αp_ij − w_ij/Z) w_ij: the diagonal contributes nothing (p_ii = 0 and y_i − y_i = 0).
  const M = tf.mul(tf.sub(PA, tf.div(W, Z)), W);
  // Σ_j M_ij (y_i − y_j) summed directly (not as rowsum(M)·y_i − (M·y)_i, which cancels in float32).
  const grad = tf.mul(tf.stack([tf.sum(tf.mul(M, dx), 1), tf.sum(tf.mul(M, dy), 1)]), 4) as tf.Tensor2D;
  if (plogp === undefined) return { grad };
  // Σ αp·log(1 + d²) = α Σ p log(1/w).
  const plogw = tf.div(tf.sum(tf.mul(PA, tf.log1p(d2))), alpha);
  const kl = tf.mul(tf.add(tf.add(plogw, tf.log(Z)), plogp + Math.log(alpha)), alpha) as tf.Scalar;
  return { grad, kl };
}

/**
 * One exact gradient of KL(αP‖Q) (van der Maaten & Hinton 2008, eq. 5) at layout Y (n × 2) for a dense P
 * (n × n): ∂C/∂y_i = 4 Σ_j (α p_ij − q_ij) w_ij (y_i − y_j), as an n × 2 tensor, with KL(αP‖Q) as a scalar.
 * For tests and tools; the caller disposes both results.
 */
export function exactGradientTf(P: tf.Tensor2D, Y: tf.Tensor2D, exaggeration = 1): { grad: tf.Tensor2D; kl: tf.Scalar } {
  return tf.tidy(() => {
    // Σ p log p on the device here (tsneTf takes it from the sparse P instead).
    const plogpT = tf.sum(tf.where(tf.greater(P, 0), tf.mul(P, tf.log(tf.maximum(P, 1e-30))), tf.zerosLike(P)));
    const { grad, kl } = gradientT(tf.mul(P, exaggeration), tf.transpose(Y) as tf.Tensor2D, exaggeration, 0);
    return { grad: tf.transpose(grad) as tf.Tensor2D, kl: tf.add(kl!, tf.mul(plogpT, exaggeration)) as tf.Scalar };
  });
}

/**
 * Lays out n embeddings (n × d, row-major) in 2-D with exact t-SNE on the current tfjs backend; resolves to the
 * centred layout, n*2 row-major, after a single read-back. Same options, defaults and warm-start convention as
 * `tsneBH` (angle aside); `onProgress` is called after each iteration is queued, with KL(αP‖Q) of the layout
 * before that step every 50 iterations and on the last (as tsneBH), read back at those fences.
 * Throws a RangeError for n > {@link TSNE_TF_MAX_N} (the dense P would not fit): use `tsneBH` then.
 */
export async function tsneTf(data: Float32Array, n: number, d: number, opts: TsneTfOptions = {}): Promise<Float32Array> {
  if (n > TSNE_TF_MAX_N) throw new RangeError(`tsneTf: n = ${n} exceeds ${TSNE_TF_MAX_N} (the dense n × n P would not fit); use tsneBH`);
  const { perplexity, iterations, exaggeration, init, layout, learningRate, exaggerationIters, onProgress, seed } = readTsneOptions('tsneTf', data, n, d, opts);

  // Initial layout on the CPU, coordinate-major (x's then y's), exactly as tsneBH's.
  const Y0 = new Float32Array(2 * n);
  if (layout) {
    for (let i = 0; i < n; i++) {
      Y0[i] = layout[2 * i]!;
      Y0[n + i] = layout[2 * i + 1]!;
    }
  } else if (n >= 2) {
    let pcaOk = false;
    if (init === 'pca' && d >= 2) {
      const scores = pcaScores(data, n, d, seed);
      let s = 0;
      for (let i = 0; i < n; i++) s += scores[2 * i]! * scores[2 * i]!;
      const std = Math.sqrt(s / n);
      if (std > 0 && Number.isFinite(std)) {
        for (let i = 0; i < n; i++) {
          Y0[i] = (scores[2 * i]! / std) * INIT_STD;
          Y0[n + i] = (scores[2 * i + 1]! / std) * INIT_STD;
        }
        pcaOk = true;
      }
    }
    if (!pcaOk) {
      // Row-major draw order, as tsneBH's, so the same seed gives the same start.
      const rand = mulberry32(seed);
      for (let i = 0; i < n; i++) {
        Y0[i] = gaussian(rand) * INIT_STD;
        Y0[n + i] = gaussian(rand) * INIT_STD;
      }
    }
  }

  let Yc: Float32Array = Y0;
  if (n >= 2) {
    const sparse = jointProbabilitiesNN(data, n, d, perplexity);
    const plogp = pLogP(sparse);
    // αP for the current phase: the exaggerated copy first, replaced by P itself when exaggeration ends.
    let PA = tf.tensor2d(denseP(sparse, exaggerationIters > 0 ? exaggeration : 1), [n, n]);
    let Y = tf.tensor2d(Y0, [2, n]);
    let update = tf.zeros([2, n]) as tf.Tensor2D;
    let gains = tf.ones([2, n]) as tf.Tensor2D;
    try {
      for (let it = 0; it < iterations; it++) {
        const early = it < exaggerationIters;
        if (it === exaggerationIters && it > 0) {
          // scikit-learn starts a fresh _gradient_descent call after exaggeration: update and gains reset.
          update.dispose();
          gains.dispose();
          update = tf.zeros([2, n]);
          gains = tf.ones([2, n]);
          PA.dispose();
          PA = tf.tensor2d(denseP(sparse), [n, n]);
        }
        const alpha = early ? exaggeration : 1;
        const momentum = early ? MOMENTUM_EARLY : MOMENTUM_LATE;
        const fence = (it + 1) % FENCE_EVERY === 0 || it === iterations - 1;
        const wantKl = onProgress !== undefined && fence;
        const pa = PA;
        const yPrev = Y;
        const uPrev = update;
        const gPrev = gains;
        const next = tf.tidy(() => {
          const { grad, kl } = gradientT(pa, yPrev, alpha, wantKl ? plogp : undefined);
          // Delta-bar-delta gains with momentum, exactly scikit-learn's _gradient_descent.
          const g = tf.maximum(tf.where(tf.less(tf.mul(uPrev, grad), 0), tf.add(gPrev, 0.2), tf.mul(gPrev, 0.8)), MIN_GAIN) as tf.Tensor2D;
          const u = tf.sub(tf.mul(uPrev, momentum), tf.mul(tf.mul(grad, g), learningRate)) as tf.Tensor2D;
          return { Y: tf.add(yPrev, u) as tf.Tensor2D, update: u, gains: g, kl };
        });
        Y = next.Y;
        update = next.update;
        gains = next.gains;
        yPrev.dispose();
        uPrev.dispose();
        gPrev.dispose();
        let kl: number | undefined;
        if (next.kl) {
          kl = (await next.kl.data())[0];
          next.kl.dispose();
        } else if (fence && it < iterations - 1) {
          // A one-value read-back: resolves once the queued iterations have run.
          const probe = tf.slice(Y, [0, 0], [1, 1]);
          await probe.data();
          probe.dispose();
        }
        onProgress?.(it + 1, kl);
      }
      Yc = (await Y.data()) as Float32Array;
    } finally {
      tf.dispose([PA, Y, update, gains]);
    }
  }

  // Back to row-major, centred (in float64): t-SNE's cost is translation invariant.
  const out = new Float32Array(2 * n);
  if (n === 0) return out;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += Yc[i]!;
    my += Yc[n + i]!;
  }
  mx /= n;
  my /= n;
  for (let i = 0; i < n; i++) {
    out[2 * i] = Yc[i]! - mx;
    out[2 * i + 1] = Yc[n + i]! - my;
  }
  return out;
}
