/**
 * Barnes-Hut t-SNE (van der Maaten 2014, "Accelerating t-SNE using Tree-Based Algorithms", JMLR 15) in plain
 * TypeScript, following scikit-learn 1.2's `TSNE(method='barnes_hut')` step by step so a Web Worker can map
 * several thousand embeddings to 2-D in seconds: sparse P over the ⌊3·perplexity + 1⌋ nearest neighbours
 * (`_joint_probabilities_nn`), attractive forces over P's non-zeros, repulsive forces from a quadtree with the
 * Barnes-Hut criterion (`_barnes_hut_tsne.gradient`, `_QuadTree.summarize`), and the same gains-and-momentum
 * optimiser (`_gradient_descent`) and PCA initialisation (`init='pca'`).
 *
 * Deliberate differences from scikit-learn, none of which makes the result less accurate: float64 throughout
 * (it uses float32 for distances, P, positions and forces); exact brute-force neighbours (it also uses brute
 * force for d > 15); each binary search is shifted by the row's nearest distance so exp() cannot underflow (same
 * β path); the quadtree is rebuilt each iteration by recursive partition into flat arrays in depth-first order
 * and walked without recursion, and its leaves hold up to LEAF_SIZE points, taken one by one when the leaf is too
 * near to summarise (scikit-learn splits down to single points and may summarise some of them: ours is at least
 * as close to the exact gradient); a point's own term is removed exactly (scikit-learn drops its whole leaf,
 * coincident points included); all iterations always run (it may stop early on a tiny gradient norm or after
 * 300 iterations without progress; on the benchmark sets it runs all 1,000).
 */
import { gaussian, mulberry32 } from './rng';
import type { TsneOptions } from './tsne';

/** Options for {@link tsneBH}: those of the exact `tsne()`, plus the Barnes-Hut angle and the choice of initial layout. */
export interface TsneBHOptions extends Omit<TsneOptions, 'init'> {
  /**
   * Barnes-Hut accuracy θ (default 0.5, as scikit-learn): a cell is summarised by its centre of mass when its
   * widest side is below θ times its distance from the point. 0 gives the exact gradient for the sparse P.
   */
  angle?: number;
  /**
   * 'pca' (default, scikit-learn's init='pca': the first two principal components, scaled so the first has
   * standard deviation 1e-4), 'random' (N(0, 1e-4²) from `seed`), or a warm start: an n*2 row-major layout,
   * with which, as in `tsne()`, early exaggeration is skipped and momentum is 0.8 throughout.
   */
  init?: Float32Array | 'pca' | 'random';
}

/** Binary-search steps per point when matching the perplexity (scikit-learn's n_steps). */
const PERPLEXITY_STEPS = 100;
/** Tolerance on the entropy (in nats) of each conditional distribution (scikit-learn's PERPLEXITY_TOLERANCE). */
const PERPLEXITY_TOLERANCE = 1e-5;
/** Replaces a zero normaliser in the binary search (scikit-learn's EPSILON_DBL). */
const EPSILON_DBL = 1e-8;
/** A quadtree cell narrower than this on both axes is not split further (scikit-learn's _QuadTree EPSILON). */
const DUPLICATE_EPS = 1e-6;
/** Deepest quadtree level: 2⁻⁶⁴ of the root's width is far below DUPLICATE_EPS for any finite layout. */
const MAX_DEPTH = 64;
/** Largest number of points in a quadtree leaf (scikit-learn: 1); a leaf's points are visited exactly when it is near. */
const LEAF_SIZE = 16;
/** Floor on the sum of the Student-t kernel over all pairs (scikit-learn: float64 epsilon). */
const FLOAT64_EPS = 2.220446049250313e-16;
/** Smallest per-parameter gain (scikit-learn's min_gain). */
const MIN_GAIN = 0.01;
/** How often KL(P‖Q) is computed for onProgress (scikit-learn's n_iter_check). */
const KL_EVERY = 50;
/** Momentum during early exaggeration and afterwards (scikit-learn's values). */
const MOMENTUM_EARLY = 0.5;
const MOMENTUM_LATE = 0.8;
/** Standard deviation of the first coordinate of the initial layout (scikit-learn's init='pca' and 'random'). */
const INIT_STD = 1e-4;
/** Rows per tile in the brute-force neighbour search: two 64-row tiles of 64-d float64 fit in L1/L2. */
const KNN_TILE = 64;

/**
 * Symmetric sparse joint probabilities in CSR form (both triangles, columns sorted in each row), as
 * scikit-learn's `_joint_probabilities_nn` returns them; `upper[i]` is the first entry of row i with column > i.
 */
export interface SparseP {
  n: number;
  rowPtr: Int32Array;
  cols: Int32Array;
  vals: Float64Array;
  upper: Int32Array;
}

/**
 * The k nearest neighbours of every row (self excluded), by exact brute force: ‖x‖² + ‖y‖² − 2x·y over
 * 64 × 64 tiles of rows (Gram tiles by 2 × 2 register blocks, so each value loaded serves two products), each
 * pair computed once and offered to both rows' max-heaps. The squared distances returned are then recomputed
 * directly as Σ(x − y)² (no cancellation) and each row is sorted by them, nearest first (ties by index).
 */
export function nearestNeighbours(data: Float32Array, n: number, d: number, k: number): { idx: Int32Array; dist: Float64Array } {
  if (!Number.isInteger(k) || k < 1 || k > n - 1) throw new RangeError(`nearestNeighbours: k (${k}) must be in [1, n − 1 = ${n - 1}]`);
  // Rows padded to an even length, plus one zero row, so the 2 × 2 blocks never need an edge case.
  const dp = d + (d & 1);
  const X = new Float64Array((n + 1) * dp);
  for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) X[i * dp + t] = data[i * d + t]!;
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = i * dp, e = t + dp; t < e; t++) s += X[t]! * X[t]!;
    norms[i] = s;
  }
  // Per row a max-heap of size k (root = current k-th nearest), stored flat.
  const hd = new Float64Array(n * k).fill(Infinity);
  const hi = new Int32Array(n * k).fill(-1);
  const G = new Float64Array(KNN_TILE * KNN_TILE);
  for (let i0 = 0; i0 < n; i0 += KNN_TILE) {
    const i1 = Math.min(n, i0 + KNN_TILE);
    for (let j0 = i0; j0 < n; j0 += KNN_TILE) {
      const j1 = Math.min(n, j0 + KNN_TILE);
      gramTile(X, dp, i0, i1, j0, j1, G);
      for (let i = i0; i < i1; i++) {
        const ni = norms[i]!;
        const ri = i * k;
        const gi = (i - i0) * KNN_TILE - j0;
        for (let j = j0 === i0 ? i + 1 : j0; j < j1; j++) {
          let d2 = ni + norms[j]! - 2 * G[gi + j]!;
          if (d2 < 0) d2 = 0;
          if (d2 < hd[ri]!) heapReplaceTop(hd, hi, ri, k, d2, j);
          if (d2 < hd[j * k]!) heapReplaceTop(hd, hi, j * k, k, d2, i);
        }
      }
    }
  }
  // Exact distances, then sort each row (insertion sort: k is ~90) by distance, ties by index.
  const dist = new Float64Array(n * k);
  const idx = new Int32Array(n * k);
  for (let i = 0; i < n; i++) {
    const base = i * k;
    const oi = i * dp;
    for (let a = 0; a < k; a++) {
      const j = hi[base + a]!;
      const oj = j * dp;
      let s = 0;
      for (let t = 0; t < dp; t++) {
        const diff = X[oi + t]! - X[oj + t]!;
        s += diff * diff;
      }
      let pos = a;
      while (pos > 0) {
        const pd = dist[base + pos - 1]!;
        if (pd < s || (pd === s && idx[base + pos - 1]! < j)) break;
        dist[base + pos] = pd;
        idx[base + pos] = idx[base + pos - 1]!;
        pos--;
      }
      dist[base + pos] = s;
      idx[base + pos] = j;
    }
  }
  return { idx, dist };
}

/**
 * G[(i − i0)·KNN_TILE + (j − j0)] = x_i · x_j for i in [i0, i1), j in [j0, j1), rows of length dp (even) in X,
 * by 2 × 2 blocks of rows with two partial sums each (an odd last row pairs with the next row, or the zero row).
 */
function gramTile(X: Float64Array, dp: number, i0: number, i1: number, j0: number, j1: number, G: Float64Array): void {
  for (let i = i0; i < i1; i += 2) {
    const oa = i * dp;
    const ob = oa + dp;
    for (let j = j0; j < j1; j += 2) {
      const oc = j * dp;
      const od = oc + dp;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      let u00 = 0;
      let u01 = 0;
      let u10 = 0;
      let u11 = 0;
      for (let t = 0; t < dp; t += 2) {
        const a0 = X[oa + t]!;
        const a1 = X[ob + t]!;
        const b0 = X[oc + t]!;
        const b1 = X[od + t]!;
        s00 += a0 * b0;
        s01 += a0 * b1;
        s10 += a1 * b0;
        s11 += a1 * b1;
        const c0 = X[oa + t + 1]!;
        const c1 = X[ob + t + 1]!;
        const e0 = X[oc + t + 1]!;
        const e1 = X[od + t + 1]!;
        u00 += c0 * e0;
        u01 += c0 * e1;
        u10 += c1 * e0;
        u11 += c1 * e1;
      }
      const g = (i - i0) * KNN_TILE + (j - j0);
      G[g] = s00 + u00;
      G[g + 1] = s01 + u01;
      G[g + KNN_TILE] = s10 + u10;
      G[g + KNN_TILE + 1] = s11 + u11;
    }
  }
}

/** Replaces the root of the max-heap at hd/hi[base .. base + k) by (v, j) and sifts it down. */
function heapReplaceTop(hd: Float64Array, hi: Int32Array, base: number, k: number, v: number, j: number): void {
  let pos = 0;
  for (;;) {
    const l = 2 * pos + 1;
    if (l >= k) break;
    let c = l;
    let cv = hd[base + l]!;
    const r = l + 1;
    if (r < k && hd[base + r]! > cv) {
      c = r;
      cv = hd[base + r]!;
    }
    if (cv <= v) break;
    hd[base + pos] = cv;
    hi[base + pos] = hi[base + c]!;
    pos = c;
  }
  hd[base + pos] = v;
  hi[base + pos] = j;
}

/**
 * Conditional p_{j|i} over each row's k neighbours (n × k, rows sum to 1) with the precision β_i binary-searched
 * so the row's perplexity matches (van der Maaten & Hinton 2008, eq. 1), as scikit-learn's
 * `_binary_search_perplexity` with neighbours: same start (β = 1), steps, tolerance and β updates.
 */
function conditionalProbabilities(dist: Float64Array, n: number, k: number, perplexity: number): Float64Array {
  const P = new Float64Array(n * k);
  const shifted = new Float64Array(k);
  const desiredEntropy = Math.log(perplexity);
  for (let i = 0; i < n; i++) {
    const base = i * k;
    // Shift by the nearest distance: p_{j|i} and the entropy are unchanged, but exp cannot underflow to an all-zero row.
    let dMin = Infinity;
    for (let a = 0; a < k; a++) if (dist[base + a]! < dMin) dMin = dist[base + a]!;
    for (let a = 0; a < k; a++) shifted[a] = dist[base + a]! - dMin;
    let beta = 1;
    let betaMin = -Infinity;
    let betaMax = Infinity;
    let sumP = 0;
    for (let step = 0; step < PERPLEXITY_STEPS; step++) {
      sumP = 0;
      let sumDistP = 0;
      for (let a = 0; a < k; a++) {
        const da = shifted[a]!;
        const p = Math.exp(-da * beta);
        P[base + a] = p;
        sumP += p;
        sumDistP += da * p;
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
    const inv = 1 / sumP;
    for (let a = 0; a < k; a++) P[base + a] = P[base + a]! * inv;
  }
  return P;
}

/**
 * Sparse joint probabilities p_ij = (p_{j|i} + p_{i|j}) / Σ over the k = min(n − 1, ⌊3·perplexity + 1⌋) nearest
 * neighbours of each point (van der Maaten 2014, §4.1): scikit-learn's kneighbors_graph + `_joint_probabilities_nn`.
 */
export function jointProbabilitiesNN(data: Float32Array, n: number, d: number, perplexity: number): SparseP {
  const k = Math.min(n - 1, Math.floor(3 * perplexity + 1));
  const { idx, dist } = nearestNeighbours(data, n, d, k);
  const cond = conditionalProbabilities(dist, n, k, perplexity);
  return symmetrise(idx, cond, n, k);
}

/** P + Pᵀ of the n × n matrix whose row i holds cond[i·k + a] at column idx[i·k + a], divided by its sum, as CSR. */
function symmetrise(idx: Int32Array, cond: Float64Array, n: number, k: number): SparseP {
  // Transpose of the neighbour lists: revPtr/rev list, for each j, the rows i that have j as a neighbour.
  const revPtr = new Int32Array(n + 1);
  for (let t = 0; t < n * k; t++) revPtr[idx[t]! + 1]!++;
  for (let j = 0; j < n; j++) revPtr[j + 1] = revPtr[j + 1]! + revPtr[j]!;
  const rev = new Int32Array(n * k);
  const revVal = new Float64Array(n * k);
  const fill = revPtr.slice(0, n);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < k; a++) {
      const j = idx[i * k + a]!;
      const slot = fill[j]!++;
      rev[slot] = i;
      revVal[slot] = cond[i * k + a]!;
    }
  }
  const rowPtr = new Int32Array(n + 1);
  const colsTmp = new Int32Array(2 * n * k);
  const valsTmp = new Float64Array(2 * n * k);
  const acc = new Float64Array(n);
  const seen = new Uint8Array(n);
  let nnz = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const start = nnz;
    for (let a = 0; a < k; a++) {
      const j = idx[i * k + a]!;
      if (!seen[j]) {
        seen[j] = 1;
        colsTmp[nnz++] = j;
      }
      acc[j] = acc[j]! + cond[i * k + a]!;
    }
    for (let t = revPtr[i]!; t < revPtr[i + 1]!; t++) {
      const j = rev[t]!;
      if (!seen[j]) {
        seen[j] = 1;
        colsTmp[nnz++] = j;
      }
      acc[j] = acc[j]! + revVal[t]!;
    }
    colsTmp.subarray(start, nnz).sort();
    for (let t = start; t < nnz; t++) {
      const j = colsTmp[t]!;
      valsTmp[t] = acc[j]!;
      total += acc[j]!;
      acc[j] = 0;
      seen[j] = 0;
    }
    rowPtr[i + 1] = nnz;
  }
  const scale = 1 / Math.max(total, FLOAT64_EPS);
  const cols = colsTmp.slice(0, nnz);
  const vals = valsTmp.slice(0, nnz);
  for (let t = 0; t < nnz; t++) vals[t] = vals[t]! * scale;
  const upper = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let t = rowPtr[i]!;
    while (t < rowPtr[i + 1]! && cols[t]! < i) t++;
    upper[i] = t;
  }
  return { n, rowPtr, cols, vals, upper };
}

/**
 * A 2-D quadtree over the layout, rebuilt every iteration into preallocated flat arrays in depth-first order:
 * per node [centre of mass x, y, point count, criterion] and `skip`, the index just past the node's subtree, so
 * the Barnes-Hut walk is a loop (descend: node + 1; done with the subtree: skip[node]). Cells split at their
 * centre into four as scikit-learn's _QuadTree (same root box and child order), but stop splitting at
 * LEAF_SIZE points (or at a cell narrower than DUPLICATE_EPS, which holds coincident points): a leaf's points
 * lie contiguously in `px`/`py` (tree order) and, unless the leaf as a whole passes the Barnes-Hut test, are
 * visited one by one. The criterion stored is the squared widest side over θ² (the cell stands for its points
 * when that is below the squared distance), −1 for a one-point leaf (always taken), +∞ for cells when θ = 0.
 */
class QuadTree {
  node: Float64Array;
  skip: Int32Array;
  /** Index in tree order of the node's first point (its points are the next `size`). */
  start: Int32Array;
  /** 1 for a leaf. */
  leaf: Uint8Array;
  count = 0;
  /** Point indices in tree order, and their coordinates in that order. */
  readonly perm: Int32Array;
  readonly px: Float64Array;
  readonly py: Float64Array;
  private readonly tmp: Int32Array;
  private readonly quad: Uint8Array;
  private Y: Float64Array = new Float64Array(0);
  private theta2 = 0.25;

  constructor(readonly n: number) {
    const cap = Math.max(16, n);
    this.node = new Float64Array(4 * cap);
    this.skip = new Int32Array(cap);
    this.start = new Int32Array(cap);
    this.leaf = new Uint8Array(cap);
    this.perm = new Int32Array(n);
    this.px = new Float64Array(n);
    this.py = new Float64Array(n);
    this.tmp = new Int32Array(n);
    this.quad = new Uint8Array(n);
  }

  build(Y: Float64Array, theta: number): void {
    const n = this.n;
    this.Y = Y;
    this.theta2 = theta * theta;
    this.count = 0;
    let x0 = Infinity;
    let x1 = -Infinity;
    let y0 = Infinity;
    let y1 = -Infinity;
    for (let i = 0; i < n; i++) {
      this.perm[i] = i;
      const x = Y[2 * i]!;
      const y = Y[2 * i + 1]!;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
    // scikit-learn's root box: the maximum is pushed out so every point lies strictly inside.
    x1 = Math.max(x1 * (1 + 1e-3 * Math.sign(x1)), x1 + 1e-3);
    y1 = Math.max(y1 * (1 + 1e-3 * Math.sign(y1)), y1 + 1e-3);
    if (n > 0) this.buildNode(0, n, x0, x1, y0, y1, 0);
    for (let t = 0; t < n; t++) {
      const p = this.perm[t]!;
      this.px[t] = Y[2 * p]!;
      this.py[t] = Y[2 * p + 1]!;
    }
  }

  /** Squared widest side over θ²: a cell is summarised when this is below its squared distance (never when θ = 0). */
  private criterion(wx: number, wy: number): number {
    return this.theta2 > 0 ? Math.max(wx * wx, wy * wy) / this.theta2 : Infinity;
  }

  private grow(): void {
    const cap = this.skip.length * 2;
    const node = new Float64Array(4 * cap);
    node.set(this.node);
    const skip = new Int32Array(cap);
    skip.set(this.skip);
    const start = new Int32Array(cap);
    start.set(this.start);
    const leaf = new Uint8Array(cap);
    leaf.set(this.leaf);
    this.node = node;
    this.skip = skip;
    this.start = start;
    this.leaf = leaf;
  }

  /** Node for perm[a .. b) inside the box [x0, x1) × [y0, y1); its children follow it, then skip[id] = this.count. */
  private buildNode(a: number, b: number, x0: number, x1: number, y0: number, y1: number, depth: number): void {
    if (this.count >= this.skip.length) this.grow();
    const id = this.count++;
    const Y = this.Y;
    const perm = this.perm;
    const node = this.node;
    const o = 4 * id;
    const size = b - a;
    const wx = x1 - x0;
    const wy = y1 - y0;
    let sx = 0;
    let sy = 0;
    // (The depth cap only matters for a diverged layout with infinite coordinates.)
    if (size <= LEAF_SIZE || (wx <= DUPLICATE_EPS && wy <= DUPLICATE_EPS) || depth >= MAX_DEPTH) {
      for (let t = a; t < b; t++) {
        const p = perm[t]!;
        sx += Y[2 * p]!;
        sy += Y[2 * p + 1]!;
      }
      node[o] = sx / size;
      node[o + 1] = sy / size;
      node[o + 2] = size;
      node[o + 3] = size === 1 ? -1 : this.criterion(wx, wy);
      this.start[id] = a;
      this.leaf[id] = 1;
      this.skip[id] = this.count;
      return;
    }
    const quad = this.quad;
    const cx = (x0 + x1) / 2;
    const cy = (y0 + y1) / 2;
    let c0 = 0;
    let c1 = 0;
    let c2 = 0;
    for (let t = a; t < b; t++) {
      const p = perm[t]!;
      const x = Y[2 * p]!;
      const y = Y[2 * p + 1]!;
      sx += x;
      sy += y;
      // Child index 2·[x ≥ cx] + [y ≥ cy], scikit-learn's order.
      const q = (x >= cx ? 2 : 0) + (y >= cy ? 1 : 0);
      quad[t] = q;
      if (q === 0) c0++;
      else if (q === 1) c1++;
      else if (q === 2) c2++;
    }
    node[o] = sx / size;
    node[o + 1] = sy / size;
    node[o + 2] = size;
    node[o + 3] = this.criterion(wx, wy);
    this.start[id] = a;
    this.leaf[id] = 0;
    // Counting sort of perm[a .. b) by quadrant.
    const tmp = this.tmp;
    let f0 = a;
    let f1 = a + c0;
    let f2 = f1 + c1;
    let f3 = f2 + c2;
    for (let t = a; t < b; t++) {
      const q = quad[t]!;
      const p = perm[t]!;
      if (q === 0) tmp[f0++] = p;
      else if (q === 1) tmp[f1++] = p;
      else if (q === 2) tmp[f2++] = p;
      else tmp[f3++] = p;
    }
    for (let t = a; t < b; t++) perm[t] = tmp[t]!;
    const e0 = a + c0;
    const e1 = e0 + c1;
    const e2 = e1 + c2;
    if (c0 > 0) this.buildNode(a, e0, x0, cx, y0, cy, depth + 1);
    if (c1 > 0) this.buildNode(e0, e1, x0, cx, cy, y1, depth + 1);
    if (c2 > 0) this.buildNode(e1, e2, cx, x1, y0, cy, depth + 1);
    if (b > e2) this.buildNode(e2, b, cx, x1, cy, y1, depth + 1);
    this.skip[id] = this.count;
  }
}

/** Reusable buffers for {@link BarnesHut.gradient}, so the optimiser's loop allocates nothing. */
class BarnesHut {
  readonly tree: QuadTree;
  readonly neg: Float64Array;
  readonly pos: Float64Array;

  constructor(readonly n: number) {
    this.tree = new QuadTree(n);
    this.neg = new Float64Array(2 * n);
    this.pos = new Float64Array(2 * n);
  }

  /**
   * Gradient of KL(αP‖Q) for the Student-t kernel w_ij = 1/(1 + ‖y_i − y_j‖²) (van der Maaten 2014, eq. 3–5):
   * ∂C/∂y_i = 4 (α Σ_j p_ij w_ij (y_i − y_j) − (1/Z) Σ_j w_ij² (y_i − y_j)), Z = Σ_{k≠l} w_kl, with the
   * attractive sum over P's non-zeros and the repulsive sums (and Z) by Barnes-Hut: a cell whose squared widest
   * side is < θ² times its squared distance from y_i stands for all its points at their centre of mass.
   * Writes `grad` (n*2) and returns KL(αP‖Q) if `wantKl`, else NaN.
   */
  gradient(P: SparseP, Y: Float64Array, theta: number, alpha: number, grad: Float64Array, wantKl: boolean): number {
    const n = this.n;
    const sumQ = this.repulsion(Y, theta);
    this.attraction(P, Y);
    const pos = this.pos;
    const neg = this.neg;
    const invZ = 1 / sumQ;
    for (let k = 0; k < 2 * n; k++) grad[k] = 4 * (alpha * pos[k]! - neg[k]! * invZ);
    return wantKl ? klDivergence(P, Y, alpha, sumQ) : Number.NaN;
  }

  /**
   * Repulsive sums Σ_j w_ij² (y_i − y_j) into `neg` by Barnes-Hut (scikit-learn's compute_gradient_negative);
   * returns Z = Σ_{i≠j} w_ij, at least float64 epsilon.
   */
  private repulsion(Y: Float64Array, theta: number): number {
    const n = this.n;
    const tree = this.tree;
    tree.build(Y, theta);
    const T = tree.node;
    const skip = tree.skip;
    const start = tree.start;
    const leaf = tree.leaf;
    const end = tree.count;
    const perm = tree.perm;
    const px = tree.px;
    const py = tree.py;
    const neg = this.neg;
    let sumQ = 0;
    // One walk per point, in tree order so consecutive walks share their path.
    for (let t = 0; t < n; t++) {
      const xi = px[t]!;
      const yi = py[t]!;
      let q = 0;
      let fx = 0;
      let fy = 0;
      let node = 0;
      while (node < end) {
        const o = 4 * node;
        const dx = xi - T[o]!;
        const dy = yi - T[o + 1]!;
        const d2 = dx * dx + dy * dy;
        if (T[o + 3]! < d2) {
          // Far enough (or a single point): the cell's points at their centre of mass.
          const w = 1 / (1 + d2);
          const sw = T[o + 2]! * w;
          q += sw;
          const m = sw * w;
          fx += m * dx;
          fy += m * dy;
          node = skip[node]!;
        } else if (leaf[node]) {
          // A leaf too near to summarise: its points one by one (the point itself adds w = 1 and no force).
          const s = start[node]!;
          const e = s + T[o + 2]!;
          for (let k = s; k < e; k++) {
            const ex = xi - px[k]!;
            const ey = yi - py[k]!;
            const w = 1 / (1 + ex * ex + ey * ey);
            q += w;
            const ww = w * w;
            fx += ww * ex;
            fy += ww * ey;
          }
          node = skip[node]!;
        } else {
          node++;
        }
      }
      // Take the point's own term (w_ii = 1) out of Z: for θ² < 1/2 its leaf is never summarised.
      const i = perm[t]!;
      neg[2 * i] = fx;
      neg[2 * i + 1] = fy;
      sumQ += q - 1;
    }
    return sumQ > FLOAT64_EPS ? sumQ : FLOAT64_EPS;
  }

  /** Attractive sums Σ_j p_ij w_ij (y_i − y_j) into `pos`, over the pairs i < j of P, applied to both ends. */
  private attraction(P: SparseP, Y: Float64Array): void {
    const n = this.n;
    const pos = this.pos;
    pos.fill(0);
    const { rowPtr, cols, vals, upper } = P;
    for (let i = 0; i < n; i++) {
      const xi = Y[2 * i]!;
      const yi = Y[2 * i + 1]!;
      let ax = 0;
      let ay = 0;
      const e = rowPtr[i + 1]!;
      for (let t = upper[i]!; t < e; t++) {
        const j = cols[t]!;
        const dx = xi - Y[2 * j]!;
        const dy = yi - Y[2 * j + 1]!;
        const pw = vals[t]! / (1 + dx * dx + dy * dy);
        const px = pw * dx;
        const py = pw * dy;
        ax += px;
        ay += py;
        pos[2 * j] = pos[2 * j]! - px;
        pos[2 * j + 1] = pos[2 * j + 1]! - py;
      }
      pos[2 * i] = pos[2 * i]! + ax;
      pos[2 * i + 1] = pos[2 * i + 1]! + ay;
    }
  }
}

/** KL(αP‖Q) = Σ_{i≠j} αp_ij log(αp_ij / q_ij) over P's non-zeros, q_ij = w_ij / Z (van der Maaten & Hinton 2008, eq. 2). */
function klDivergence(P: SparseP, Y: Float64Array, alpha: number, sumQ: number): number {
  const { n, rowPtr, cols, vals, upper } = P;
  let plogw = 0;
  let plogp = 0;
  let psum = 0;
  for (let i = 0; i < n; i++) {
    for (let t = upper[i]!; t < rowPtr[i + 1]!; t++) {
      const p = vals[t]!;
      if (!(p > 0)) continue;
      const j = cols[t]!;
      const dx = Y[2 * i]! - Y[2 * j]!;
      const dy = Y[2 * i + 1]! - Y[2 * j + 1]!;
      plogw -= p * Math.log1p(dx * dx + dy * dy);
      plogp += p * Math.log(p);
      psum += p;
    }
  }
  // Both triangles: 2 Σ_{i<j} αp (log α + log p − log w + log Z).
  return 2 * alpha * (plogp + (Math.log(alpha) + Math.log(sumQ)) * psum - plogw);
}

/**
 * One Barnes-Hut gradient of KL(αP‖Q) at layout Y (n*2, float64), for tests and tools; `tsneBH` keeps its
 * buffers between iterations instead. angle 0 gives the exact gradient for the sparse P.
 */
export function barnesHutGradient(P: SparseP, Y: Float64Array, angle = 0.5, exaggeration = 1): { grad: Float64Array; kl: number } {
  const grad = new Float64Array(2 * P.n);
  const kl = new BarnesHut(P.n).gradient(P, Y, angle, exaggeration, grad, true);
  return { grad, kl };
}

/** Eigen-decomposition of a symmetric p × p matrix (row-major, destroyed) by cyclic Jacobi rotations; eigenvectors are the columns of the returned V. */
function jacobiEigen(A: Float64Array, p: number): { values: Float64Array; V: Float64Array } {
  const V = new Float64Array(p * p);
  for (let i = 0; i < p; i++) V[i * p + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < p; i++) {
      diag += A[i * p + i]! * A[i * p + i]!;
      for (let j = i + 1; j < p; j++) off += A[i * p + j]! * A[i * p + j]!;
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let i = 0; i < p; i++) {
      for (let j = i + 1; j < p; j++) {
        const aij = A[i * p + j]!;
        if (aij === 0) continue;
        const aii = A[i * p + i]!;
        const ajj = A[j * p + j]!;
        // Golub & Van Loan, Matrix Computations, §8.5.2: the symmetric Schur decomposition.
        const tau = (ajj - aii) / (2 * aij);
        const t = Math.sign(tau || 1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        for (let r = 0; r < p; r++) {
          const ari = A[r * p + i]!;
          const arj = A[r * p + j]!;
          A[r * p + i] = c * ari - s * arj;
          A[r * p + j] = s * ari + c * arj;
        }
        for (let r = 0; r < p; r++) {
          const air = A[i * p + r]!;
          const ajr = A[j * p + r]!;
          A[i * p + r] = c * air - s * ajr;
          A[j * p + r] = s * air + c * ajr;
        }
        for (let r = 0; r < p; r++) {
          const vri = V[r * p + i]!;
          const vrj = V[r * p + j]!;
          V[r * p + i] = c * vri - s * vrj;
          V[r * p + j] = s * vri + c * vrj;
        }
      }
    }
  }
  const values = new Float64Array(p);
  for (let i = 0; i < p; i++) values[i] = A[i * p + i]!;
  return { values, V };
}

/**
 * The first two principal-component scores of the rows (n × 2, float64), signs as scikit-learn's svd_flip (the
 * score of largest magnitude in each column is positive). The covariance XᵀX of the centred data is formed
 * once (n·d² flops); its top eigenvectors come from subspace iteration on a block of min(d, 8) vectors with
 * Rayleigh–Ritz, started from a seeded random block, until the top two residuals are below 1e-10·λ₁.
 */
export function pcaScores(data: Float32Array, n: number, d: number, seed = 0): Float64Array {
  const Xc = new Float64Array(n * d);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) mean[t] = mean[t]! + data[i * d + t]!;
  for (let t = 0; t < d; t++) mean[t] = mean[t]! / Math.max(n, 1);
  for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) Xc[i * d + t] = data[i * d + t]! - mean[t]!;
  // C = XcᵀXc (upper triangle accumulated row by row, then mirrored).
  const C = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let a = 0; a < d; a++) {
      const xa = Xc[o + a]!;
      if (xa === 0) continue;
      const ca = a * d;
      for (let b = a; b < d; b++) C[ca + b] = C[ca + b]! + xa * Xc[o + b]!;
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) C[a * d + b] = C[b * d + a]!;
  const p = Math.min(d, 8);
  const rand = mulberry32(seed);
  let Q = new Float64Array(d * p); // column-major: column c at [c·d, (c + 1)·d)
  for (let t = 0; t < d * p; t++) Q[t] = gaussian(rand);
  orthonormalise(Q, d, p);
  const Z = new Float64Array(d * p);
  const B = new Float64Array(p * p);
  let top = new Float64Array(2 * d);
  for (let iter = 0; iter < 300; iter++) {
    // Z = C Q; B = Qᵀ C Q; Ritz vectors Q·V.
    for (let c = 0; c < p; c++) {
      for (let a = 0; a < d; a++) {
        let s = 0;
        for (let b = 0; b < d; b++) s += C[a * d + b]! * Q[c * d + b]!;
        Z[c * d + a] = s;
      }
    }
    for (let r = 0; r < p; r++) {
      for (let c = 0; c < p; c++) {
        let s = 0;
        for (let a = 0; a < d; a++) s += Q[r * d + a]! * Z[c * d + a]!;
        B[r * p + c] = s;
      }
    }
    for (let r = 0; r < p; r++) for (let c = 0; c < r; c++) B[r * p + c] = B[c * p + r] = (B[r * p + c]! + B[c * p + r]!) / 2;
    const { values, V } = jacobiEigen(B, p);
    const order = Array.from({ length: p }, (_, i) => i).sort((u, v) => values[v]! - values[u]!);
    // Ritz vectors for the top two, and their residuals ‖C v − λ v‖ = ‖Z·V_c − λ Q·V_c‖.
    let converged = true;
    const lambda1 = Math.max(values[order[0]!]!, 0);
    top = new Float64Array(2 * d);
    for (let c = 0; c < Math.min(2, p); c++) {
      const col = order[c]!;
      const lam = values[col]!;
      let res = 0;
      for (let a = 0; a < d; a++) {
        let v = 0;
        let cv = 0;
        for (let r = 0; r < p; r++) {
          v += Q[r * d + a]! * V[r * p + col]!;
          cv += Z[r * d + a]! * V[r * p + col]!;
        }
        top[c * d + a] = v;
        res += (cv - lam * v) ** 2;
      }
      if (Math.sqrt(res) > 1e-10 * lambda1) converged = false;
    }
    if (converged || p === d) break;
    // Next block: orthonormalised C Q (ordered by Ritz value so the leading columns settle first).
    const next = new Float64Array(d * p);
    for (let c = 0; c < p; c++) {
      const col = order[c]!;
      for (let a = 0; a < d; a++) {
        let s = 0;
        for (let r = 0; r < p; r++) s += Z[r * d + a]! * V[r * p + col]!;
        next[c * d + a] = s;
      }
    }
    orthonormalise(next, d, p);
    Q = next;
  }
  const scores = new Float64Array(2 * n);
  for (let c = 0; c < Math.min(2, d); c++) {
    let best = 0;
    let bestAbs = -1;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let a = 0; a < d; a++) s += Xc[i * d + a]! * top[c * d + a]!;
      scores[2 * i + c] = s;
      if (Math.abs(s) > bestAbs) {
        bestAbs = Math.abs(s);
        best = s;
      }
    }
    if (best < 0) for (let i = 0; i < n; i++) scores[2 * i + c] = -scores[2 * i + c]!;
  }
  return scores;
}

/** Modified Gram–Schmidt on the p columns (length d, column-major) of Q; a column that vanishes is replaced by a unit vector. */
function orthonormalise(Q: Float64Array, d: number, p: number): void {
  for (let c = 0; c < p; c++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let r = 0; r < c; r++) {
        let dot = 0;
        for (let a = 0; a < d; a++) dot += Q[r * d + a]! * Q[c * d + a]!;
        for (let a = 0; a < d; a++) Q[c * d + a] = Q[c * d + a]! - dot * Q[r * d + a]!;
      }
    }
    let norm = 0;
    for (let a = 0; a < d; a++) norm += Q[c * d + a]! ** 2;
    norm = Math.sqrt(norm);
    if (norm < 1e-300) {
      for (let a = 0; a < d; a++) Q[c * d + a] = a === c ? 1 : 0;
      continue;
    }
    for (let a = 0; a < d; a++) Q[c * d + a] = Q[c * d + a]! / norm;
  }
}

/**
 * Reads and checks the options both t-SNE optimisers share (Barnes-Hut here, exact on tfjs in tsneGpu.ts), with
 * scikit-learn's defaults, so the two run the same schedule; `who` names the caller in the messages.
 */
export function readTsneOptions(who: string, data: Float32Array, n: number, d: number, opts: Omit<TsneBHOptions, 'angle'>) {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(d) || d < 1) throw new RangeError(`${who}: bad shape n=${n}, d=${d}`);
  if (data.length < n * d) throw new RangeError(`${who}: data has ${data.length} values, need n*d = ${n * d}`);
  const perplexity = opts.perplexity ?? 30;
  const iterations = opts.iterations ?? 1000;
  const exaggeration = opts.earlyExaggeration ?? 12;
  const init = opts.init ?? 'pca';
  const warm = typeof init !== 'string';
  if (!(perplexity > 0)) throw new RangeError(`${who}: perplexity must be > 0, got ${perplexity}`);
  if (!Number.isInteger(iterations) || iterations < 0) throw new RangeError(`${who}: bad iterations ${iterations}`);
  if (!(exaggeration > 0)) throw new RangeError(`${who}: earlyExaggeration must be > 0, got ${exaggeration}`);
  if (warm && init.length !== n * 2) throw new RangeError(`${who}: init has ${init.length} values, need n*2 = ${n * 2}`);
  if (!warm && init !== 'pca' && init !== 'random') throw new RangeError(`${who}: init must be 'pca', 'random' or a layout, got ${String(init)}`);
  const lrOpt = opts.learningRate ?? 'auto';
  const learningRate = lrOpt === 'auto' ? Math.max(n / exaggeration / 4, 50) : lrOpt;
  if (!(learningRate > 0)) throw new RangeError(`${who}: learningRate must be > 0, got ${learningRate}`);
  const exaggerationIters = warm ? 0 : Math.max(0, Math.min(opts.exaggerationIters ?? 250, iterations));
  // `layout` is the warm start (null for 'pca' or 'random'), so callers need no cast.
  const layout = typeof init === 'string' ? null : init;
  return { perplexity, iterations, exaggeration, init, layout, learningRate, exaggerationIters, onProgress: opts.onProgress, seed: opts.seed ?? 0 };
}

/**
 * Lays out n embeddings (n × d, row-major) in 2-D with Barnes-Hut t-SNE (van der Maaten 2014) in
 * O(N log N) per iteration; returns the centred layout, n*2. Same options and warm-start convention as `tsne()`.
 */
export function tsneBH(data: Float32Array, n: number, d: number, opts: TsneBHOptions = {}): Float32Array {
  const { perplexity, iterations, exaggeration, init, layout, learningRate, exaggerationIters, onProgress, seed } = readTsneOptions('tsneBH', data, n, d, opts);
  const angle = opts.angle ?? 0.5;
  if (!(angle >= 0)) throw new RangeError(`tsneBH: angle must be ≥ 0, got ${angle}`);

  const m = 2 * n;
  const Y = new Float64Array(m);
  if (layout) {
    for (let k = 0; k < m; k++) Y[k] = layout[k]!;
  } else if (n >= 2) {
    let pcaOk = false;
    if (init === 'pca' && d >= 2) {
      const scores = pcaScores(data, n, d, seed);
      // Scaled so the first column has standard deviation 1e-4, as scikit-learn (its issue #18018).
      let s = 0;
      for (let i = 0; i < n; i++) s += scores[2 * i]! * scores[2 * i]!;
      const std = Math.sqrt(s / n);
      if (std > 0 && Number.isFinite(std)) {
        for (let k = 0; k < m; k++) Y[k] = (scores[k]! / std) * INIT_STD;
        pcaOk = true;
      }
    }
    if (!pcaOk) {
      // N(0, (1e-4)²) per coordinate, as scikit-learn's init='random' (and the fallback for data without variance).
      const rand = mulberry32(seed);
      for (let k = 0; k < m; k++) Y[k] = gaussian(rand) * INIT_STD;
    }
  }

  if (n >= 2) {
    const P = jointProbabilitiesNN(data, n, d, perplexity);
    const bh = new BarnesHut(n);
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
      const wantKl = onProgress !== undefined && ((it + 1) % KL_EVERY === 0 || it === iterations - 1);
      const kl = bh.gradient(P, Y, angle, alpha, grad, wantKl);
      // Delta-bar-delta gains (Jacobs 1988) with momentum, exactly scikit-learn's _gradient_descent.
      for (let k = 0; k < m; k++) {
        const g = grad[k]!;
        const u = update[k]!;
        let gain = u * g < 0 ? gains[k]! + 0.2 : gains[k]! * 0.8;
        if (gain < MIN_GAIN) gain = MIN_GAIN;
        gains[k] = gain;
        const next = momentum * u - learningRate * g * gain;
        update[k] = next;
        Y[k] = Y[k]! + next;
      }
      onProgress?.(it + 1, wantKl ? kl : undefined);
    }
  }

  // Centre the layout: t-SNE's cost is translation invariant, so the mean carries no information.
  const out = new Float32Array(m);
  if (n === 0) return out;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += Y[2 * i]!;
    my += Y[2 * i + 1]!;
  }
  mx /= n;
  my /= n;
  for (let i = 0; i < n; i++) {
    out[2 * i] = Y[2 * i]! - mx;
    out[2 * i + 1] = Y[2 * i + 1]! - my;
  }
  return out;
}

/**
 * Aligns a 2-D layout to a reference so successive t-SNE maps do not jump: the similarity transform
 * y ↦ s·R·y + t (isotropic scale s > 0, R orthogonal) minimising Σ‖s·R·m_i + t − r_i‖², the orthogonal
 * Procrustes solution (Schönemann 1966) with translation and scale. In 2-D it is closed-form: with centred
 * points, a = Σ m̃·r̃ and b = Σ m̃ × r̃, the best rotation is atan2(b, a) and s = √(a² + b²) / Σ‖m̃‖².
 * Reflections are allowed by default: t-SNE's cost is unchanged by a mirror image just as by a rotation, so a
 * mirrored re-layout is the same map, and undoing the mirror is what keeps it from jumping; the mirror is only
 * taken when it fits strictly better. Pass `allowReflection = false` for rotations only. Returns an aligned copy.
 */
export function procrustes(reference: Float32Array, moving: Float32Array, n: number, allowReflection = true): Float32Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`procrustes: bad n=${n}`);
  if (reference.length < 2 * n || moving.length < 2 * n) throw new RangeError(`procrustes: layouts need n*2 = ${2 * n} values`);
  const out = new Float32Array(2 * n);
  if (n === 0) return out;
  let rx = 0;
  let ry = 0;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    rx += reference[2 * i]!;
    ry += reference[2 * i + 1]!;
    mx += moving[2 * i]!;
    my += moving[2 * i + 1]!;
  }
  rx /= n;
  ry /= n;
  mx /= n;
  my /= n;
  // a = Σ (m̃x r̃x + m̃y r̃y), b = Σ (m̃x r̃y − m̃y r̃x); with y mirrored (m̃y → −m̃y): a′ and b′.
  let a = 0;
  let b = 0;
  let a2 = 0;
  let b2 = 0;
  let mm = 0;
  let rr = 0;
  for (let i = 0; i < n; i++) {
    const ux = moving[2 * i]! - mx;
    const uy = moving[2 * i + 1]! - my;
    const vx = reference[2 * i]! - rx;
    const vy = reference[2 * i + 1]! - ry;
    a += ux * vx + uy * vy;
    b += ux * vy - uy * vx;
    a2 += ux * vx - uy * vy;
    b2 += ux * vy + uy * vx;
    mm += ux * ux + uy * uy;
    rr += vx * vx + vy * vy;
  }
  const norm = Math.hypot(a, b);
  const normMirror = Math.hypot(a2, b2);
  const mirror = allowReflection && normMirror > norm;
  if (!(mm > 0)) {
    // A layout collapsed to a point has no orientation or scale: only the translation is determined.
    for (let i = 0; i < n; i++) {
      out[2 * i] = rx;
      out[2 * i + 1] = ry;
    }
    return out;
  }
  const best = mirror ? normMirror : norm;
  // Least-squares scale; for layouts with no correlation at all (best = 0) keep the size instead of collapsing.
  const s = best > 0 ? best / mm : Math.sqrt(rr / mm);
  const cos = best > 0 ? (mirror ? a2 : a) / best : 1;
  const sin = best > 0 ? (mirror ? b2 : b) / best : 0;
  const flip = mirror ? -1 : 1;
  for (let i = 0; i < n; i++) {
    const ux = moving[2 * i]! - mx;
    const uy = flip * (moving[2 * i + 1]! - my);
    out[2 * i] = s * (cos * ux - sin * uy) + rx;
    out[2 * i + 1] = s * (sin * ux + cos * uy) + ry;
  }
  return out;
}
