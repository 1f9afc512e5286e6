/** Ten distinguishable colours (Tableau 10), one per class: the map, the sphere, the sweep and the comparison. */
export const CLASS_COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** plotly's Viridis colour scale (its stops, as plotly.js defines them). */
export const VIRIDIS: [number, string][] = [
  [0, '#440154'], [0.06274509803921569, '#48186a'], [0.12549019607843137, '#472d7b'], [0.18823529411764706, '#424086'],
  [0.25098039215686274, '#3b528b'], [0.3137254901960784, '#33638d'], [0.3764705882352941, '#2c728e'], [0.4392156862745098, '#26828e'],
  [0.5019607843137255, '#21918c'], [0.5647058823529412, '#1fa088'], [0.6274509803921569, '#28ae80'], [0.6901960784313725, '#3fbc73'],
  [0.7529411764705882, '#5ec962'], [0.8156862745098039, '#84d44b'], [0.8784313725490196, '#addc30'], [0.9411764705882353, '#d8e219'],
  [1, '#fde725'],
];

const hexRgb = (c: string): [number, number, number] => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)) as [number, number, number];

/**
 * The colour at `t` (0–1, clamped) of a plotly colour scale: a list of [stop, '#rrggbb'] pairs, interpolated in
 * RGB as plotly does, or the name 'Viridis' (the only named scale the app uses; any other name is Viridis too).
 */
export function colorscaleColor(scale: unknown, t: number): string {
  const stops = Array.isArray(scale) && scale.every((s) => Array.isArray(s) && typeof s[1] === 'string' && /^#[0-9a-f]{6}$/i.test(s[1])) ? (scale as [number, string][]) : VIRIDIS;
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  let j = 1;
  while (j < stops.length - 1 && stops[j]![0] < u) j++;
  const [t0, c0] = stops[j - 1]!;
  const [t1, c1] = stops[j]!;
  const f = t1 > t0 ? Math.min(1, Math.max(0, (u - t0) / (t1 - t0))) : 0;
  const a = hexRgb(c0);
  const b = hexRgb(c1);
  return `rgb(${a.map((v, i) => Math.round(v + f * (b[i]! - v))).join(', ')})`;
}
