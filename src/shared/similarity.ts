/**
 * The batch similarity view's arithmetic, on the page (no tfjs): the softmax over each anchor's 2N − 1 others at
 * a temperature τ, as NT-Xent weighs them (SimCLR eq. 1), and the positive / negative similarity split. A τ
 * slider re-weights the same matrix without asking the worker again.
 */

/**
 * Row-wise softmax of s/τ over j ≠ i for a 2N × 2N similarity matrix (row-major); the diagonal is NaN (an
 * anchor is never its own candidate).
 */
export function softmaxRows(sim: Float32Array, size: number, tau: number): Float32Array {
  const out = new Float32Array(size * size);
  for (let i = 0; i < size; i++) {
    let max = -Infinity;
    for (let j = 0; j < size; j++) if (j !== i) max = Math.max(max, sim[i * size + j]! / tau);
    let sum = 0;
    for (let j = 0; j < size; j++) {
      if (j === i) continue;
      const e = Math.exp(sim[i * size + j]! / tau - max);
      out[i * size + j] = e;
      sum += e;
    }
    for (let j = 0; j < size; j++) out[i * size + j] = j === i ? Number.NaN : out[i * size + j]! / sum;
  }
  return out;
}

/** The cosine similarities of positive pairs (i, i ± N) and of negatives (every other j ≠ i), one entry per ordered pair. */
export function splitPairs(sim: Float32Array, n: number): { positives: number[]; negatives: number[] } {
  const size = 2 * n;
  const positives: number[] = [];
  const negatives: number[] = [];
  for (let i = 0; i < size; i++)
    for (let j = 0; j < size; j++) {
      if (j === i) continue;
      (j === (i + n) % size ? positives : negatives).push(sim[i * size + j]!);
    }
  return { positives, negatives };
}

/** Mean softmax weight an anchor gives its positive: the quantity NT-Xent's −log maximises, at this τ. */
export function meanPositiveWeight(weights: Float32Array, n: number): number {
  const size = 2 * n;
  let s = 0;
  for (let i = 0; i < size; i++) s += weights[i * size + ((i + n) % size)]!;
  return s / size;
}

/** The k rows most similar (cosine) to row `query` of an N × d matrix, most similar first, without the query itself. */
export function nearestNeighbours(data: Float32Array, dim: number, query: number, k: number): { index: number; similarity: number }[] {
  const n = data.length / dim;
  const norm = (i: number) => Math.sqrt(data.subarray(i * dim, (i + 1) * dim).reduce((a, v) => a + v * v, 0)) || 1;
  const qn = norm(query);
  const out: { index: number; similarity: number }[] = [];
  for (let i = 0; i < n; i++) {
    if (i === query) continue;
    let dot = 0;
    for (let j = 0; j < dim; j++) dot += data[query * dim + j]! * data[i * dim + j]!;
    out.push({ index: i, similarity: dot / (qn * norm(i)) });
  }
  return out.sort((a, b) => b.similarity - a.similarity || a.index - b.index).slice(0, k);
}
