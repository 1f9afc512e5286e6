/**
 * Scatter markers drawn on a canvas under plotly's axes (ui/Plot.tsx, `canvasMarkers`). plotly draws each marker
 * as an SVG path with its own transform: on the map's 1,000 points that is a redraw of about 110 ms, and every
 * frame of the page after it pays for it again (each transform is a paint chunk the compositor re-sorts whenever
 * any chart changes: `npm run bench:app` counted 18 long tasks in 20 s with the map shown, 4 without). On a canvas
 * the same points take a few milliseconds. plotly keeps the traces (hidden, so `gd.data` still holds them) and
 * draws the axes; these helpers fix the axis ranges plotly would have chosen, place the points in pixels, paint
 * them and find the one under the mouse.
 */

/** The parts of a plotly scatter trace the canvas reads. */
export interface MarkerTrace {
  type?: string;
  mode?: string;
  visible?: boolean | 'legendonly';
  x?: ArrayLike<number | null>;
  y?: ArrayLike<number | null>;
  marker?: { size?: number; color?: unknown; opacity?: number };
}

/** plotly's default marker size (diameter, px) and colour where a trace gives none. */
const DEFAULT_SIZE = 6;
const DEFAULT_COLOR = '#1f77b4';

/** Whether a trace is drawn on the canvas: a 2-D scatter of markers only (lines and the rest stay plotly's). */
export function onCanvas(t: MarkerTrace): boolean {
  return (t.type ?? 'scatter') === 'scatter' && t.mode === 'markers';
}

/** A linear axis range, [from, to]. */
export type Range = [number, number];

/**
 * The x and y ranges that hold every finite point of the shown canvas traces, padded by `pad` of the extent on each
 * side (half a unit where all points share a coordinate); null where there is no such point.
 */
export function markerExtent(traces: readonly MarkerTrace[], pad = 0.05): { x: Range; y: Range } | null {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const t of traces) {
    if (!shown(t)) continue;
    const n = Math.min(t.x!.length, t.y!.length);
    for (let i = 0; i < n; i++) {
      const x = t.x![i];
      const y = t.y![i];
      if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  if (x0 > x1) return null;
  const padded = (a: number, b: number): Range => {
    const d = b - a;
    return d > 0 ? [a - pad * d, b + pad * d] : [a - 0.5, b + 0.5];
  };
  return { x: padded(x0, x1), y: padded(y0, y1) };
}

/** The plot area in CSS pixels (plotly's `_fullLayout._size`) and the ranges its axes ended up with. */
export interface PlotArea {
  l: number;
  t: number;
  w: number;
  h: number;
  x: Range;
  y: Range;
}

/** Every shown canvas point, in CSS pixels from the plot area's top left, with its trace and index in the trace. */
export interface MarkerLayer {
  px: Float32Array;
  py: Float32Array;
  /** The trace's index in the chart's data (plotly's curveNumber). */
  curve: Int32Array;
  /** The point's index in its trace (plotly's pointIndex). */
  point: Int32Array;
  /** Per point: its radius (px), colour and opacity, by trace. */
  radius: Float32Array;
  styles: { color: string; opacity: number; from: number; to: number }[];
}

/** Places the points of the shown canvas traces in the plot area (linear axes; y grows upwards). */
export function layoutMarkers(traces: readonly MarkerTrace[], area: PlotArea): MarkerLayer {
  let total = 0;
  for (const t of traces) if (shown(t)) total += Math.min(t.x!.length, t.y!.length);
  const px = new Float32Array(total);
  const py = new Float32Array(total);
  const curve = new Int32Array(total);
  const point = new Int32Array(total);
  const radius = new Float32Array(total);
  const styles: MarkerLayer['styles'] = [];
  const sx = area.w / (area.x[1] - area.x[0]);
  const sy = area.h / (area.y[1] - area.y[0]);
  let k = 0;
  traces.forEach((t, c) => {
    if (!shown(t)) return;
    const from = k;
    const r = (t.marker?.size ?? DEFAULT_SIZE) / 2;
    const n = Math.min(t.x!.length, t.y!.length);
    for (let i = 0; i < n; i++) {
      const x = t.x![i];
      const y = t.y![i];
      if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) continue;
      px[k] = (x - area.x[0]) * sx;
      py[k] = (area.y[1] - y) * sy;
      curve[k] = c;
      point[k] = i;
      radius[k] = r;
      k++;
    }
    const color = typeof t.marker?.color === 'string' ? t.marker.color : DEFAULT_COLOR;
    styles.push({ color, opacity: t.marker?.opacity ?? 1, from, to: k });
  });
  return { px: px.subarray(0, k), py: py.subarray(0, k), curve: curve.subarray(0, k), point: point.subarray(0, k), radius: radius.subarray(0, k), styles };
}

function shown(t: MarkerTrace): boolean {
  return onCanvas(t) && t.visible !== false && t.visible !== 'legendonly' && !!t.x && !!t.y;
}

/** The canvas calls paintMarkers makes (a CanvasRenderingContext2D has them all). */
export type MarkerContext = Pick<CanvasRenderingContext2D, 'beginPath' | 'moveTo' | 'arc' | 'fill' | 'fillStyle' | 'globalAlpha'>;

/**
 * Paints the layer, one path per trace, in trace order (as plotly stacks them); `scale` maps CSS pixels to the
 * canvas' pixels (devicePixelRatio, or an export's scale) and (dx, dy) moves the layer (the plot area's place in a
 * whole-chart image).
 */
export function paintMarkers(ctx: MarkerContext, layer: MarkerLayer, scale = 1, dx = 0, dy = 0): void {
  for (const s of layer.styles) {
    if (s.to === s.from || s.opacity <= 0) continue;
    ctx.fillStyle = s.color;
    ctx.globalAlpha = Math.min(1, s.opacity);
    ctx.beginPath();
    for (let k = s.from; k < s.to; k++) {
      const x = dx + layer.px[k]! * scale;
      const y = dy + layer.py[k]! * scale;
      const r = layer.radius[k]! * scale;
      ctx.moveTo(x + r, y);
      ctx.arc(x, y, r, 0, 2 * Math.PI);
    }
    ctx.fill();
  }
  ctx.globalAlpha = 1;
}

/**
 * The point nearest (x, y) (CSS pixels from the plot area's top left) within its radius plus `slack` pixels, the
 * one drawn last where several are as near (it is the one on top); -1 where none is.
 */
export function nearestMarker(layer: MarkerLayer, x: number, y: number, slack = 3): number {
  let best = -1;
  let bestD = Infinity;
  for (let k = 0; k < layer.px.length; k++) {
    const dx = layer.px[k]! - x;
    const dy = layer.py[k]! - y;
    const d = dx * dx + dy * dy;
    const reach = layer.radius[k]! + slack;
    if (d <= reach * reach && d <= bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}
