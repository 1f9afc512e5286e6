/**
 * Two-dimensional views of embeddings besides t-SNE, for the map worker (plain TypeScript, no tfjs): PCA (the
 * top two principal components, by power iteration with deflation on the covariance) and UMAP (umap-js,
 * seeded). The alignment of a new layout to the previous one (Procrustes) is tsneBH.ts's `procrustes`.
 */
import { UMAP } from 'umap-js';
import { mulberry32 } from './rng';

/** Projects n points of dimension d onto their top two principal components (centred); deterministic up to sign. */
export function pca2(data: Float32Array, n: number, d: number): Float32Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += data[i * d + j]! / n;
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = data[i * d + j]! - mean[j]!;
    for (let a = 0; a < d; a++) {
      const ra = row[a]!;
      if (ra === 0) continue;
      for (let b = a; b < d; b++) cov[a * d + b]! += ra * row[b]!;
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) cov[a * d + b] = cov[b * d + a]!;
  const comps: Float64Array[] = [];
  const rand = mulberry32(7);
  for (let c = 0; c < 2; c++) {
    let v = Float64Array.from({ length: d }, () => rand() - 0.5);
    for (let it = 0; it < 300; it++) {
      const w = new Float64Array(d);
      for (let a = 0; a < d; a++) {
        let s = 0;
        for (let b = 0; b < d; b++) s += cov[a * d + b]! * v[b]!;
        w[a] = s;
      }
      for (const u of comps) {
        const dot = w.reduce((acc, x, k) => acc + x * u[k]!, 0);
        for (let k = 0; k < d; k++) w[k]! -= dot * u[k]!;
      }
      const norm = Math.hypot(...w) || 1;
      const next = w.map((x) => x / norm);
      const change = next.reduce((acc, x, k) => acc + Math.abs(x - v[k]!), 0);
      v = next;
      if (change < 1e-10) break;
    }
    // A fixed sign: the largest coordinate is positive, so refreshes do not flip.
    let big = 0;
    for (let k = 1; k < d; k++) if (Math.abs(v[k]!) > Math.abs(v[big]!)) big = k;
    if (v[big]! < 0) v = v.map((x) => -x);
    comps.push(v);
  }
  const out = new Float32Array(n * 2);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < 2; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (data[i * d + j]! - mean[j]!) * comps[c]![j]!;
      out[i * 2 + c] = s;
    }
  return out;
}

/** UMAP (McInnes et al., arXiv 1802.03426) with umap-js, seeded; neighbours 15 and min_dist 0.1 as umap-learn. */
export function umap2(data: Float32Array, n: number, d: number, seed: number, nNeighbors = 15): Float32Array {
  const rows = Array.from({ length: n }, (_, i) => Array.from(data.subarray(i * d, (i + 1) * d)));
  const u = new UMAP({ nComponents: 2, nNeighbors: Math.min(nNeighbors, n - 1), minDist: 0.1, random: mulberry32(seed) });
  const y = u.fit(rows);
  return Float32Array.from(y.flat());
}
