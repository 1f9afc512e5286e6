/**
 * Scatter traces (markers, lines, or both) drawn on a canvas under plotly's axes (ui/Plot.tsx, `canvasTraces`).
 * plotly draws each marker as an SVG path with its own transform and each line as an SVG path it rebuilds at every
 * update: on the map's 1,000 points that was a redraw of about 110 ms, and every frame of the page after it paid
 * for it again (each transform is a paint chunk the compositor re-sorts whenever any chart changes). The live line
 * charts (loss, accuracy, collapse) were 50–75 ms redraws on a 2-core machine that also trains, the last long tasks
 * of a run. On a canvas the same points take a millisecond or two. plotly keeps the traces (hidden, so `gd.data`
 * still holds them) and draws the axes; these helpers fix the axis ranges plotly would have chosen, place the points
 * in pixels, paint them as plotly styles them, and find the one under the mouse.
 */
import { colorscaleColor } from './palette';

/** The parts of a plotly scatter trace the canvas reads. */
export interface MarkerTrace {
  type?: string;
  mode?: string;
  name?: string;
  visible?: boolean | 'legendonly';
  x?: ArrayLike<number | null>;
  y?: ArrayLike<number | null>;
  /** Per-point hover text (plotly's `text`). */
  text?: ArrayLike<string> | string;
  xaxis?: string;
  /** 'y' (the default) or 'y2' (a second y-axis over the first). */
  yaxis?: string;
  fill?: string;
  hoverinfo?: string;
  line?: { color?: string; width?: number; dash?: string; shape?: string };
  marker?: {
    size?: number;
    /** One colour, a colour per point, or numbers mapped through `colorscale`. */
    color?: unknown;
    colorscale?: unknown;
    cmin?: number;
    cmax?: number;
    opacity?: number;
    symbol?: string;
    /** At most this many markers are drawn, evenly spaced along the trace (0: all). */
    maxdisplayed?: number;
  };
}

/** plotly's defaults where a trace gives none: marker diameter (px), colour, line width (px). */
const DEFAULT_SIZE = 6;
const DEFAULT_COLOR = '#1f77b4';
const DEFAULT_WIDTH = 2;
/** How near (px) the mouse must come to a vertex of a line without markers to hover it. */
const LINE_REACH = 8;

const parts = (t: MarkerTrace) => (t.mode ?? '').split('+');
const hasMarkers = (t: MarkerTrace) => parts(t).includes('markers');
const hasLines = (t: MarkerTrace) => parts(t).includes('lines');

/**
 * Whether a trace is drawn on the canvas: a 2-D scatter of markers, straight lines or both, on the x axis and the
 * first or second y axis, without fill (text, fills, splines and the rest stay plotly's).
 */
export function onCanvas(t: MarkerTrace): boolean {
  if ((t.type ?? 'scatter') !== 'scatter' || !t.mode) return false;
  if (!parts(t).every((p) => p === 'markers' || p === 'lines')) return false;
  if (t.fill && t.fill !== 'none') return false;
  if (t.line?.shape && t.line.shape !== 'linear') return false;
  return (t.xaxis ?? 'x') === 'x' && ['y', 'y2'].includes(t.yaxis ?? 'y');
}

/** A linear axis range, [from, to]. */
export type Range = [number, number];

/** What of a layout axis decides its autorange: plotly's `rangemode`. */
export interface AxisRule {
  rangemode?: string;
}

/** The axes' ranges, where a shown canvas trace has points on them. */
export interface Extent {
  x: Range;
  y?: Range;
  y2?: Range;
}

/**
 * The ranges plotly's autorange would give the shown canvas traces: the extent of their finite points, padded by
 * `pad` of it on each side (half a unit where all points share a coordinate). As plotly, x is not padded where every
 * trace is lines only, and `rangemode` 'tozero' takes in 0 (not padded past it), 'nonnegative' stops at 0. Null
 * where there is no such point.
 */
export function markerExtent(traces: readonly MarkerTrace[], rules: { x?: AxisRule; y?: AxisRule; y2?: AxisRule } = {}, pad = 0.05): Extent | null {
  const lo = { x: Infinity, y: Infinity, y2: Infinity };
  const hi = { x: -Infinity, y: -Infinity, y2: -Infinity };
  let padX = false;
  for (const t of traces) {
    if (!shown(t)) continue;
    const ya = t.yaxis === 'y2' ? 'y2' : 'y';
    const n = Math.min(t.x!.length, t.y!.length);
    let any = false;
    for (let i = 0; i < n; i++) {
      const x = t.x![i];
      const y = t.y![i];
      if (!finite(x) || !finite(y)) continue;
      any = true;
      if (x < lo.x) lo.x = x;
      if (x > hi.x) hi.x = x;
      if (y < lo[ya]) lo[ya] = y;
      if (y > hi[ya]) hi[ya] = y;
    }
    if (any && hasMarkers(t)) padX = true;
  }
  if (lo.x > hi.x) return null;
  const range = (a: number, b: number, p: number, rule?: AxisRule): Range | undefined => {
    if (a > b) return undefined;
    const mode = rule?.rangemode;
    if (mode === 'tozero') {
      a = Math.min(a, 0);
      b = Math.max(b, 0);
    }
    const d = b - a;
    if (d === 0) return [a - 0.5, b + 0.5];
    let r: Range = [a === 0 && mode === 'tozero' ? 0 : a - p * d, b === 0 && mode === 'tozero' ? 0 : b + p * d];
    if (mode === 'nonnegative') r = [Math.max(0, r[0]), Math.max(0, r[1])];
    return r;
  };
  const out: Extent = { x: range(lo.x, hi.x, padX ? pad : 0, rules.x)! };
  const y = range(lo.y, hi.y, pad, rules.y);
  const y2 = range(lo.y2, hi.y2, pad, rules.y2);
  if (y) out.y = y;
  if (y2) out.y2 = y2;
  return out;
}

/** `v` rid of floating-point noise (0.30000000000000004 → 0.3): axis bounds that are round stay round. */
function clean(v: number): number {
  return Number(v.toPrecision(12));
}

/** 1, 2 or 5 times a power of ten: the one nearest `x` (> 0) in ratio. */
export function niceStep(x: number): number {
  const p = 10 ** Math.floor(Math.log10(x));
  let best = p;
  for (const m of [2, 5, 10]) if (Math.abs(Math.log(m * p / x)) < Math.abs(Math.log(best / x))) best = m * p;
  return clean(best);
}

/**
 * A range snapped outward to multiples of a round step near a fifth of its span: the range of a live chart's axis
 * that stays put while its data grows a little (it moves when the data crosses a step). `padded` is the data's
 * range with plotly's padding: a side is padded (by as much) only where the data comes within 2% of the snapped
 * bound, so markers there are not cut in half, and a bound well clear of the data is not pushed a step further.
 */
export function steadyRange([a, b]: Range, padded: Range = [a, b], divisions = 5): Range {
  if (!(b > a)) return [Math.min(a, padded[0]), Math.max(b, padded[1])];
  const step = niceStep((b - a) / divisions);
  // The small slack keeps a bound that is a step's multiple in floating point from taking the next one.
  let lo = Math.floor(a / step + 1e-9) * step;
  let hi = Math.ceil(b / step - 1e-9) * step;
  const near = 0.02 * (hi - lo);
  if (a - lo < near) lo -= a - padded[0];
  if (hi - b < near) hi += padded[1] - b;
  return [clean(lo), clean(hi)];
}

/** The smallest of 1, 2, 3 or 5 times a power of ten at or above `b` (> 0): the next bound of a growing axis. */
export function headroomBound(b: number): number {
  const p = 10 ** Math.floor(Math.log10(b));
  const m = [1, 2, 3, 5].find((k) => k * p >= b * (1 - 1e-9)) ?? 10;
  return clean(m * p);
}

/**
 * The range of the axis a live chart's data grows along (its steps). Its upper bound jumps ahead to the next 1, 2, 3
 * or 5 times a power of ten (headroomBound: the data fills at least half of the axis), so the axis moves four times
 * a decade, not at nearly every update of a short run as a range snapped to a fifth of its span would; and it does
 * not pass `end` (the run's step count), so a run's charts end where the run ends. The lower bound is steadyRange's.
 * plotly's padding (`padded`: markers are not cut at the edge) is kept as the same fraction of the grown range, so
 * that it too changes only with the bound.
 */
export function growingRange([a, b]: Range, padded: Range = [a, b], end = Infinity): Range {
  if (!(b > a) || !(b > 0)) return steadyRange([a, b], padded);
  const bound = b <= end ? Math.min(end, headroomBound(b)) : headroomBound(b);
  const [lo] = steadyRange([a, bound]);
  const span = bound - lo;
  // Padded below only where the data starts at the lower bound (as steadyRange), above always (the data gets there).
  const below = a - lo < 0.02 * span ? ((a - padded[0]) / (b - a)) * span : 0;
  return [clean(lo - below), clean(bound + ((padded[1] - b) / (b - a)) * span)];
}

/**
 * An extent with each of its ranges steady, `padded` the same extent with plotly's padding: x grows ahead of the
 * data up to `xEnd` (growingRange), the y axes snap to a round step (steadyRange).
 */
export function steadyExtent(e: Extent, padded: Partial<Extent> = e, xEnd = Infinity): Extent {
  const out: Extent = { x: growingRange(e.x, padded.x ?? e.x, xEnd) };
  if (e.y) out.y = steadyRange(e.y, padded.y ?? e.y);
  if (e.y2) out.y2 = steadyRange(e.y2, padded.y2 ?? e.y2);
  return out;
}

/** The plot area in CSS pixels (plotly's `_fullLayout._size`) and the ranges its axes ended up with. */
export interface PlotArea {
  l: number;
  t: number;
  w: number;
  h: number;
  x: Range;
  y: Range;
  /** The second y axis' range, where the chart has one. */
  y2?: Range;
}

/** How one canvas trace is painted: its line through its points, then its markers. */
export interface TracePaint {
  /** The points of layer.px/py it owns, [from, to). */
  from: number;
  to: number;
  line?: { color: string; width: number; dash: number[] };
  marker?: {
    color: string;
    /** Per point (from `from` on), where the trace colours each. */
    colors?: string[];
    opacity: number;
    /** Outlined ('-open' symbols), not filled. */
    open: boolean;
    /** Every how manieth point carries a marker (marker.maxdisplayed). */
    every: number;
  };
}

/** Every shown canvas point, in CSS pixels from the plot area's top left, with its trace and index in the trace. */
export interface MarkerLayer {
  px: Float32Array;
  py: Float32Array;
  /** The trace's index in the chart's data (plotly's curveNumber). */
  curve: Int32Array;
  /** The point's index in its trace (plotly's pointIndex). */
  point: Int32Array;
  /** Per point: its marker's radius (px; 0 on a line without markers). */
  radius: Float32Array;
  /** Per point: how near the mouse must come to hover it (px, before the slack). */
  reach: Float32Array;
  /** Per point: 1 where the line breaks before it (plotly does not connect gaps). */
  gap: Uint8Array;
  /** The shown traces in the order plotly stacks them. */
  traces: TracePaint[];
}

/** plotly's dash patterns (Drawing.dashStyle): multiples of the line width, at least 3 px. */
export function dashPattern(dash: string | undefined, width: number): number[] {
  const u = Math.max(width, 3);
  switch (dash) {
    case 'dot':
      return [u, u];
    case 'dash':
      return [3 * u, 3 * u];
    case 'longdash':
      return [5 * u, 5 * u];
    case 'dashdot':
      return [3 * u, u, u, u];
    case 'longdashdot':
      return [5 * u, 2 * u, u, 2 * u];
    default:
      return []; // solid
  }
}

/** The colour of each of a trace's markers where it gives one per point (a list, or numbers through a colour scale). */
function pointColors(t: MarkerTrace): string[] | undefined {
  const c = t.marker?.color;
  if (!c || typeof c === 'string' || typeof (c as ArrayLike<unknown>).length !== 'number') return undefined;
  const values = Array.from(c as ArrayLike<unknown>);
  if (values.every((v) => typeof v === 'string')) return values as string[];
  const nums = values.map(Number);
  const finiteNums = nums.filter(Number.isFinite);
  const lo = t.marker?.cmin ?? Math.min(...finiteNums);
  const hi = t.marker?.cmax ?? Math.max(...finiteNums);
  return nums.map((v) => colorscaleColor(t.marker?.colorscale, hi > lo ? (v - lo) / (hi - lo) : 0.5));
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
  const reach = new Float32Array(total);
  const gap = new Uint8Array(total);
  const paints: TracePaint[] = [];
  const sx = area.w / (area.x[1] - area.x[0]);
  let k = 0;
  traces.forEach((t, c) => {
    if (!shown(t)) return;
    const yr = t.yaxis === 'y2' ? area.y2 : area.y;
    if (!yr) return;
    const sy = area.h / (yr[1] - yr[0]);
    const from = k;
    const markers = hasMarkers(t);
    const lines = hasLines(t);
    const r = markers ? (t.marker?.size ?? DEFAULT_SIZE) / 2 : 0;
    const perPoint = markers ? pointColors(t) : undefined;
    const colors: string[] = [];
    const n = Math.min(t.x!.length, t.y!.length);
    let skipped = false;
    for (let i = 0; i < n; i++) {
      const x = t.x![i];
      const y = t.y![i];
      if (!finite(x) || !finite(y)) {
        skipped = true;
        continue;
      }
      px[k] = (x - area.x[0]) * sx;
      py[k] = (yr[1] - y) * sy;
      curve[k] = c;
      point[k] = i;
      radius[k] = r;
      reach[k] = lines ? Math.max(r, LINE_REACH) : r;
      gap[k] = skipped && k > from ? 1 : 0;
      if (perPoint) colors.push(perPoint[i] ?? DEFAULT_COLOR);
      skipped = false;
      k++;
    }
    const paint: TracePaint = { from, to: k };
    const lineColor = t.line?.color ?? (typeof t.marker?.color === 'string' ? t.marker.color : DEFAULT_COLOR);
    if (lines) {
      const width = t.line?.width ?? DEFAULT_WIDTH;
      paint.line = { color: lineColor, width, dash: dashPattern(t.line?.dash, width) };
    }
    if (markers) {
      const max = t.marker?.maxdisplayed ?? 0;
      paint.marker = {
        color: typeof t.marker?.color === 'string' ? t.marker.color : lines ? lineColor : DEFAULT_COLOR,
        ...(perPoint ? { colors } : {}),
        opacity: t.marker?.opacity ?? 1,
        open: (t.marker?.symbol ?? '').endsWith('-open'),
        every: max > 0 ? Math.max(1, Math.ceil((k - from) / max)) : 1,
      };
    }
    paints.push(paint);
  });
  const cut = <T extends { subarray(a: number, b: number): T }>(a: T) => a.subarray(0, k);
  return { px: cut(px), py: cut(py), curve: cut(curve), point: cut(point), radius: cut(radius), reach: cut(reach), gap: cut(gap), traces: paints };
}

function finite(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function shown(t: MarkerTrace): boolean {
  return onCanvas(t) && t.visible !== false && t.visible !== 'legendonly' && !!t.x && !!t.y;
}

/** The canvas calls paintMarkers makes (a CanvasRenderingContext2D has them all). */
export type MarkerContext = Pick<
  CanvasRenderingContext2D,
  'beginPath' | 'moveTo' | 'lineTo' | 'arc' | 'fill' | 'stroke' | 'setLineDash' | 'fillStyle' | 'strokeStyle' | 'lineWidth' | 'lineJoin' | 'globalAlpha'
>;

/**
 * Paints the layer trace by trace, as plotly stacks them: a trace's line (one path, broken at gaps), then its
 * markers (one path per colour). `scale` maps CSS pixels to the canvas' pixels (devicePixelRatio, or an export's
 * scale) and (dx, dy) moves the layer (the plot area's place in a whole-chart image).
 */
export function paintMarkers(ctx: MarkerContext, layer: MarkerLayer, scale = 1, dx = 0, dy = 0): void {
  const X = (k: number) => dx + layer.px[k]! * scale;
  const Y = (k: number) => dy + layer.py[k]! * scale;
  for (const t of layer.traces) {
    if (t.to === t.from) continue;
    if (t.line && t.line.width > 0) {
      ctx.globalAlpha = 1;
      ctx.strokeStyle = t.line.color;
      ctx.lineWidth = t.line.width * scale;
      ctx.lineJoin = 'round';
      ctx.setLineDash(t.line.dash.map((d) => d * scale));
      ctx.beginPath();
      for (let k = t.from; k < t.to; k++) {
        if (k === t.from || layer.gap[k]) ctx.moveTo(X(k), Y(k));
        else ctx.lineTo(X(k), Y(k));
      }
      ctx.stroke();
      ctx.setLineDash([]);
    }
    const m = t.marker;
    if (!m || m.opacity <= 0) continue;
    ctx.globalAlpha = Math.min(1, m.opacity);
    if (m.open) ctx.lineWidth = scale;
    // One path per run of points of the same colour (one path in all for a single-coloured trace).
    let colour = '';
    const flush = () => {
      if (!colour) return;
      if (m.open) ctx.stroke();
      else ctx.fill();
    };
    for (let k = t.from; k < t.to; k += m.every) {
      const c = m.colors ? (m.colors[k - t.from] ?? m.color) : m.color;
      if (c !== colour) {
        flush();
        colour = c;
        if (m.open) ctx.strokeStyle = c;
        else ctx.fillStyle = c;
        ctx.beginPath();
      }
      const r = layer.radius[k]! * scale;
      ctx.moveTo(X(k) + r, Y(k));
      ctx.arc(X(k), Y(k), r, 0, 2 * Math.PI);
    }
    flush();
  }
  ctx.globalAlpha = 1;
}

/**
 * The point nearest (x, y) (CSS pixels from the plot area's top left) within its reach plus `slack` pixels, the
 * one drawn last where several are as near (it is the one on top); -1 where none is.
 */
export function nearestMarker(layer: MarkerLayer, x: number, y: number, slack = 3): number {
  let best = -1;
  let bestD = Infinity;
  for (let k = 0; k < layer.px.length; k++) {
    const dx = layer.px[k]! - x;
    const dy = layer.py[k]! - y;
    const d = dx * dx + dy * dy;
    const reach = layer.reach[k]! + slack;
    if (d <= reach * reach && d <= bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}

/** A number as a tooltip shows it: integers whole, others to 4 significant digits. */
export function formatValue(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}

/**
 * The lines of a hovered point's tooltip: the trace's name, its text for the point, then the point's x and y under
 * the axes' titles ('x', or y's value alone, where an axis has none), only where the chart titles an axis (a map's
 * coordinates mean nothing to a reader).
 */
export function tooltipLines(t: MarkerTrace, i: number, axes: { x?: string; y?: string }): string[] {
  const out: string[] = [];
  if (t.name) out.push(t.name);
  const text = typeof t.text === 'string' ? t.text : t.text?.[i];
  if (text) out.push(text);
  const x = t.x?.[i];
  const y = t.y?.[i];
  if ((axes.x || axes.y) && finite(x) && finite(y)) {
    out.push(`${axes.x ?? 'x'}: ${formatValue(x)}`);
    out.push(axes.y ? `${axes.y}: ${formatValue(y)}` : formatValue(y));
  }
  return out;
}
