/**
 * Exact t-SNE (van der Maaten & Hinton 2008, "Visualizing Data using t-SNE", JMLR 9) in plain TypeScript,
 * following scikit-learn's `TSNE(method='exact', init='random')` step for step, so a Web Worker can map
 * ~1,000 embeddings to 2-D without tfjs or the DOM. O(N²) time per iteration and N²/2 doubles for P:
 * meant for N ≤ ~2,000. Deliberate differences from scikit-learn: distances stay float64 (it rounds them to
 * float32), p_ij is floored at 1e-12 (it uses float64 epsilon), and all iterations always run (it may stop
 * early on a tiny gradient norm or 300 iterations without KL progress).
 */
import { mulberry32 } from './rng';

/** Options for {@link tsne}, so callers can tune or warm-start a run; numeric defaults are scikit-learn's. */
export interface TsneOptions {
  /** Target perplexity of each point's Gaussian neighbourhood (default 30). Values ≥ n − 1 give (near-)uniform P. */
  perplexity?: number;
  /** Total gradient-descent iterations, exaggeration phase included (default 1000). */
  iterations?: number;
  /** Factor that multiplies P during the first `exaggerationIters` iterations (default 12). */
  earlyExaggeration?: number;
  /** Length of the early-exaggeration phase, run with momentum 0.5 (default 250). */
  exaggerationIters?: number;
  /** Step size; 'auto' (default) is max(N / earlyExaggeration / 4, 50), as scikit-learn. */
  learningRate?: number | 'auto';
  /** Seed of the random initial layout (default 0); the same seed gives bit-identical output. */
  seed?: number;
  /** Warm start: an n*2 row-major layout. When given, early exaggeration is skipped and momentum is 0.8 throughout. */
  init?: Float32Array;
  /**
   * Called after every iteration with the number of iterations done so far (1-based). `kl` — KL(P‖Q) of the
   * layout before that step, with P exaggerated while exaggeration is on, as scikit-learn reports it — is
   * computed only every 50 iterations and on the last one (it costs an extra O(N²) pass with logarithms).
   */
  onProgress?: (iter: number, kl?: number) => void;
}

/** Binary-search steps per point when matching the perplexity (scikit-learn's n_steps). */
const PERPLEXITY_STEPS = 100;
/** Tolerance on the entropy (in nats) of each conditional distribution (scikit-learn's PERPLEXITY_TOLERANCE). */
const PERPLEXITY_TOLERANCE = 1e-5;
/** Replaces a zero normaliser in the binary search (scikit-learn's EPSILON_DBL). */
const EPSILON_DBL = 1e-8;
/** Floor on every joint probability p_ij, so no pair is ignored entirely and log p stays finite (scikit-learn: float64 eps). */
const P_FLOOR = 1e-12;
/** Smallest per-parameter gain (scikit-learn's min_gain). */
const MIN_GAIN = 0.01;
/** How often KL(P‖Q) is computed for onProgress (scikit-learn's n_iter_check). */
const KL_EVERY = 50;
/** Momentum during early exaggeration and afterwards (scikit-learn's values). */
const MOMENTUM_EARLY = 0.5;
const MOMENTUM_LATE = 0.8;


/** Squared euclidean distances from row i of `data` (n × d) to every row, written into `out` (length n). */
function squaredDistancesFrom(data: Float32Array, n: number, d: number, i: number, out: Float64Array): void {
  const oi = i * d;
  for (let j = 0; j < n; j++) {
    const oj = j * d;
    let s = 0;
    for (let k = 0; k < d; k++) {
      const diff = data[oi + k]! - data[oj + k]!;
      s += diff * diff;
    }
    out[j] = s;
  }
}

/**
 * Joint probabilities p_ij for i < j, condensed row by row (pair (i, j) at i(2n − i − 1)/2 + j − i − 1, as
 * scipy's squareform): per-point Gaussian conditionals p_{j|i} whose precision β_i is binary-searched so the
 * perplexity matches (van der Maaten & Hinton 2008, eq. 1 and §2), then p_ij = (p_{j|i} + p_{i|j}) / 2N (§3.1),
 * floored at P_FLOOR. Mirrors scikit-learn's _binary_search_perplexity (same β path from β = 1) and
 * _joint_probabilities, in float64 throughout.
 */
function jointProbabilities(data: Float32Array, n: number, d: number, perplexity: number): Float64Array {
  const P = new Float64Array((n * (n - 1)) / 2);
  const dist = new Float64Array(n);
  const row = new Float64Array(n);
  const desiredEntropy = Math.log(perplexity);
  for (let i = 0; i < n; i++) {
    squaredDistancesFrom(data, n, d, i, dist);
    // Shift by the nearest distance: p_{j|i} and the entropy are unchanged, but exp cannot underflow to an all-zero row.
    let dMin = Infinity;
    for (let j = 0; j < n; j++) if (j !== i && dist[j]! < dMin) dMin = dist[j]!;
    for (let j = 0; j < n; j++) dist[j] = j === i ? 0 : dist[j]! - dMin;
    let beta = 1;
    let betaMin = -Infinity;
    let betaMax = Infinity;
    let sumP = 0;
    for (let step = 0; step < PERPLEXITY_STEPS; step++) {
      sumP = 0;
      let sumDistP = 0;
      for (let j = 0; j < n; j++) {
        const dj = dist[j]!;
        const p = j === i ? 0 : Math.exp(-dj * beta);
        row[j] = p;
        sumP += p;
        sumDistP += dj * p;
      }
      if (sumP === 0) sumP = EPSILON_DBL;
      // Shannon entropy in nats of the normalised row: H = log Σ exp(−βd) + β Σ d·exp(−βd) / Σ exp(−βd).
      const entropyDiff = Math.log(sumP) + (beta * sumDistP) / sumP - desiredEntropy;
      if (Math.abs(entropyDiff) <= PERPLEXITY_TOLERANCE) break;
      if (entropyDiff > 0) {
        betaMin = beta;
        beta = betaMax === Infinity ? beta * 2 : (beta + betaMax) / 2;
      } else {
        betaMax = beta;
        beta = betaMin === -Infinity ? beta / 2 : (beta + betaMin) / 2;
      }
    }
    // The row of the last step (as scikit-learn, also when 100 steps run out), normalised to p_{j|i}.
    const inv = 1 / sumP;
    for (let j = 0; j < n; j++) row[j] = row[j]! * inv;
    // Add p_{j|i} to pair {i, j}: after all rows, P holds p_{j|i} + p_{i|j}.
    for (let j = 0; j < i; j++) {
      const k = pairIndex(n, j, i);
      P[k] = P[k]! + row[j]!;
    }
    const base = pairIndex(n, i, i + 1);
    for (let j = i + 1; j < n; j++) P[base + j - i - 1] = P[base + j - i - 1]! + row[j]!;
  }
  // Σ_{i≠j}(p_{j|i} + p_{i|j}) is 2N up to rounding; dividing by the actual sum is what scikit-learn does.
  let half = 0;
  for (let k = 0; k < P.length; k++) half += P[k]!;
  const scale = 1 / Math.max(2 * half, Number.EPSILON);
  for (let k = 0; k < P.length; k++) P[k] = Math.max(P[k]! * scale, P_FLOOR);
  return P;
}

/** Index of pair (i, j), i < j, in a condensed upper triangle of an n × n matrix. */
function pairIndex(n: number, i: number, j: number): number {
  return (i * (2 * n - i - 1)) / 2 + j - i - 1;
}

/**
 * Gradient of KL(αP‖Q) for the Student-t kernel w_ij = 1/(1+|y_i−y_j|²), q_ij = w_ij/Z
 * (van der Maaten & Hinton 2008, eq. 5): ∂C/∂y_i = 4 Σ_j (αp_ij − q_ij) w_ij (y_i − y_j),
 * computed in one pass over the pairs i < j as 4 (α Σ p_ij w_ij Δ − (1/Z) Σ w_ij² Δ).
 * `S` holds, per point, [x, y, attractive x, attractive y, repulsive x, repulsive y] (stride 6) so the inner
 * loop touches one array; P is condensed in the same pair order as the loop.
 */
function gradient(P: Float64Array, S: Float64Array, n: number, alpha: number, grad: Float64Array): void {
  const end = 6 * n;
  for (let o = 0; o < end; o += 6) {
    S[o + 2] = 0;
    S[o + 3] = 0;
    S[o + 4] = 0;
    S[o + 5] = 0;
  }
  let z = 0;
  let k = 0;
  for (let oi = 0; oi < end; oi += 6) {
    const yix = S[oi]!;
    const yiy = S[oi + 1]!;
    let ax = 0;
    let ay = 0;
    let rx = 0;
    let ry = 0;
    let zi = 0;
    for (let o = oi + 6; o < end; o += 6) {
      const dx = yix - S[o]!;
      const dy = yiy - S[o + 1]!;
      const w = 1 / (1 + dx * dx + dy * dy);
      zi += w;
      const pw = P[k++]! * w;
      const ww = w * w;
      const pwx = pw * dx;
      const pwy = pw * dy;
      const wwx = ww * dx;
      const wwy = ww * dy;
      ax += pwx;
      ay += pwy;
      rx += wwx;
      ry += wwy;
      S[o + 2] = S[o + 2]! - pwx;
      S[o + 3] = S[o + 3]! - pwy;
      S[o + 4] = S[o + 4]! - wwx;
      S[o + 5] = S[o + 5]! - wwy;
    }
    S[oi + 2] = S[oi + 2]! + ax;
    S[oi + 3] = S[oi + 3]! + ay;
    S[oi + 4] = S[oi + 4]! + rx;
    S[oi + 5] = S[oi + 5]! + ry;
    z += zi;
  }
  const invZ = 1 / (2 * z); // Z = Σ_{i≠j} w_ij
  for (let i = 0; i < n; i++) {
    const o = 6 * i;
    grad[2 * i] = 4 * (alpha * S[o + 2]! - S[o + 4]! * invZ);
    grad[2 * i + 1] = 4 * (alpha * S[o + 3]! - S[o + 5]! * invZ);
  }
}

/**
 * KL(αP‖Q) = Σ_{i≠j} αp_ij log(αp_ij / q_ij) (van der Maaten & Hinton 2008, eq. 2 with joint P), using
 * precomputed Σ_{i<j} p and Σ_{i<j} p log p so only log w is evaluated per pair. Positions are S[6i], S[6i+1].
 */
function klDivergence(P: Float64Array, S: Float64Array, n: number, alpha: number, sumP: number, sumPlogP: number): number {
  const end = 6 * n;
  let z = 0;
  let sumPlogW = 0;
  let k = 0;
  for (let oi = 0; oi < end; oi += 6) {
    const yix = S[oi]!;
    const yiy = S[oi + 1]!;
    for (let o = oi + 6; o < end; o += 6) {
      const dx = yix - S[o]!;
      const dy = yiy - S[o + 1]!;
      const d2 = dx * dx + dy * dy;
      z += 1 / (1 + d2);
      sumPlogW -= P[k++]! * Math.log1p(d2);
    }
  }
  const logZ = Math.log(2 * z);
  // Both triangles: 2 Σ_{i<j} αp (log α + log p − log w + log Z).
  return 2 * alpha * (sumPlogP + (Math.log(alpha) + logZ) * sumP - sumPlogW);
}

/** Lays out n embeddings (n × d, row-major) in 2-D for viewing: exact t-SNE (van der Maaten & Hinton 2008), centred n*2. */
export function tsne(data: Float32Array, n: number, d: number, opts: TsneOptions = {}): Float32Array {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(d) || d < 1) throw new RangeError(`tsne: bad shape n=${n}, d=${d}`);
  if (data.length < n * d) throw new RangeError(`tsne: data has ${data.length} values, need n*d = ${n * d}`);
  const perplexity = opts.perplexity ?? 30;
  const iterations = opts.iterations ?? 1000;
  const exaggeration = opts.earlyExaggeration ?? 12;
  const init = opts.init;
  if (!(perplexity > 0)) throw new RangeError(`tsne: perplexity must be > 0, got ${perplexity}`);
  if (!Number.isInteger(iterations) || iterations < 0) throw new RangeError(`tsne: bad iterations ${iterations}`);
  if (!(exaggeration > 0)) throw new RangeError(`tsne: earlyExaggeration must be > 0, got ${exaggeration}`);
  if (init !== undefined && init.length !== n * 2) throw new RangeError(`tsne: init has ${init.length} values, need n*2 = ${n * 2}`);
  const lrOpt = opts.learningRate ?? 'auto';
  const learningRate = lrOpt === 'auto' ? Math.max(n / exaggeration / 4, 50) : lrOpt;
  if (!(learningRate > 0)) throw new RangeError(`tsne: learningRate must be > 0, got ${learningRate}`);
  const exaggerationIters = init ? 0 : Math.max(0, Math.min(opts.exaggerationIters ?? 250, iterations));
  const onProgress = opts.onProgress;

  const m = 2 * n;
  // Per point: [x, y, attractive x, attractive y, repulsive x, repulsive y]; see gradient().
  const S = new Float64Array(6 * n);
  if (init) {
    for (let i = 0; i < n; i++) {
      S[6 * i] = init[2 * i]!;
      S[6 * i + 1] = init[2 * i + 1]!;
    }
  } else {
    // N(0, (1e-4)²) per coordinate, as scikit-learn's init='random'; one Box–Muller pair per point.
    const rand = mulberry32(opts.seed ?? 0);
    for (let i = 0; i < n; i++) {
      const r = Math.sqrt(-2 * Math.log(1 - rand())) * 1e-4;
      const theta = 2 * Math.PI * rand();
      S[6 * i] = r * Math.cos(theta);
      S[6 * i + 1] = r * Math.sin(theta);
    }
  }

  if (n >= 2) {
    const P = jointProbabilities(data, n, d, perplexity);
    let sumP = 0;
    let sumPlogP = 0;
    if (onProgress) {
      for (let k = 0; k < P.length; k++) {
        const p = P[k]!;
        sumP += p;
        sumPlogP += p * Math.log(p);
      }
    }
    const update = new Float64Array(m);
    const gains = new Float64Array(m).fill(1);
    const grad = new Float64Array(m);
    for (let it = 0; it < iterations; it++) {
      const early = it < exaggerationIters;
      if (it === exaggerationIters && it > 0) {
        // scikit-learn starts a fresh _gradient_descent call after exaggeration: update and gains reset.
        update.fill(0);
        gains.fill(1);
      }
      const alpha = early ? exaggeration : 1;
      const momentum = early ? MOMENTUM_EARLY : MOMENTUM_LATE;
      const kl =
        onProgress && ((it + 1) % KL_EVERY === 0 || it === iterations - 1)
          ? klDivergence(P, S, n, alpha, sumP, sumPlogP)
          : undefined;
      gradient(P, S, n, alpha, grad);
      // Delta-bar-delta gains (Jacobs 1988) with momentum, exactly scikit-learn's _gradient_descent.
      for (let k = 0; k < m; k++) {
        const g = grad[k]!;
        const u = update[k]!;
        let gain = u * g < 0 ? gains[k]! + 0.2 : gains[k]! * 0.8;
        if (gain < MIN_GAIN) gain = MIN_GAIN;
        gains[k] = gain;
        const next = momentum * u - learningRate * g * gain;
        update[k] = next;
        const s = 6 * (k >> 1) + (k & 1);
        S[s] = S[s]! + next;
      }
      onProgress?.(it + 1, kl);
    }
  }

  // Centre the layout: t-SNE's cost is translation invariant, so the mean carries no information.
  const out = new Float32Array(m);
  if (n === 0) return out;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += S[6 * i]!;
    my += S[6 * i + 1]!;
  }
  mx /= n;
  my /= n;
  for (let i = 0; i < n; i++) {
    out[2 * i] = S[6 * i]! - mx;
    out[2 * i + 1] = S[6 * i + 1]! - my;
  }
  return out;
}

/** Scores how well a layout keeps k-neighbourhoods: exactly sklearn.manifold.trustworthiness (euclidean). */
export function trustworthiness(
  high: Float32Array,
  low: Float32Array,
  n: number,
  dHigh: number,
  dLow: number,
  k: number,
): number {
  if (!Number.isInteger(k) || k < 1 || k >= n / 2) throw new RangeError(`trustworthiness: k (${k}) must be ≥ 1 and < n/2 (${n / 2})`);
  if (high.length < n * dHigh || low.length < n * dLow) throw new RangeError('trustworthiness: arrays shorter than n × d');
  // T(k) = 1 − 2/(nk(2n − 3k − 1)) Σ_i Σ_{j ∈ kNN_low(i)} max(0, r(i, j) − k)   (Venna & Kaski 2001), where
  // r(i, j) is j's 1-based rank among i's neighbours in the input space. Ties rank by index (a stable sort);
  // k must be < n/2, as scikit-learn requires. Ranks are counted, not sorted: O(n·(d + k)) per point.
  const distHigh = new Float64Array(n);
  const distLow = new Float64Array(n);
  const nbrIdx = new Int32Array(k);
  const nbrDist = new Float64Array(k);
  let penalty = 0;
  for (let i = 0; i < n; i++) {
    squaredDistancesFrom(low, n, dLow, i, distLow);
    // k nearest neighbours of i in the layout (self excluded), by insertion into a sorted list of size k.
    let count = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const dj = distLow[j]!;
      if (count === k && dj >= nbrDist[k - 1]!) continue;
      let pos = count < k ? count++ : k - 1;
      while (pos > 0 && nbrDist[pos - 1]! > dj) {
        nbrDist[pos] = nbrDist[pos - 1]!;
        nbrIdx[pos] = nbrIdx[pos - 1]!;
        pos--;
      }
      nbrDist[pos] = dj;
      nbrIdx[pos] = j;
    }
    squaredDistancesFrom(high, n, dHigh, i, distHigh);
    for (let a = 0; a < k; a++) {
      const j = nbrIdx[a]!;
      const dj = distHigh[j]!;
      // 1-based rank of j among i's neighbours in the input space.
      let rank = 1;
      for (let l = 0; l < n; l++) {
        if (l === i) continue;
        const dl = distHigh[l]!;
        if (dl < dj || (dl === dj && l < j)) rank++;
      }
      if (rank > k) penalty += rank - k;
    }
  }
  return 1 - penalty * (2 / (n * k * (2 * n - 3 * k - 1)));
}
