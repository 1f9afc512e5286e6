/**
 * Thins a long per-step series for drawing: charts keep at most `max` points (every k-th, plus the last), so a
 * 30-minute run does not make plotly hold and lay out hundreds of thousands of points. The store keeps every
 * step; only what is drawn is thinned. Short series come back as they are (the same arrays).
 */
export function decimate(x: readonly number[], ys: readonly (readonly number[])[], max = 2000): { x: number[]; ys: number[][] } {
  const n = x.length;
  if (n <= max) return { x: x as number[], ys: ys as number[][] };
  const stride = Math.ceil(n / max);
  const idx: number[] = [];
  for (let i = 0; i < n; i += stride) idx.push(i);
  if (idx[idx.length - 1] !== n - 1) idx.push(n - 1);
  return { x: idx.map((i) => x[i]!), ys: ys.map((y) => idx.map((i) => y[i]!)) };
}
