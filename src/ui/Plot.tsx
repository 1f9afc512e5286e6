/**
 * A plotly.js chart (the cartesian build unless a trace needs the full one). The library loads lazily (`loadPlotly`:
 * main.tsx asks for it after the first paint, and a chart with something to draw asks too): its evaluation holds
 * the main thread for a second or so on a slow machine, and the first paint does not wait for it. Until then a
 * chart is an empty box with its title.
 *
 * Redraws take turns (one chart per task, one per animation frame, the browser free to handle input and
 * the worker's messages in between), so a training step that changes four charts makes four short tasks, not one
 * long one; a live chart redraws at most every `minIntervalMs`. Axis tick labels are not measured for overflow
 * (`ticklabeloverflow: 'allow'`): that measuring was the largest part of each redraw.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Data, Layout, Config, PlotlyHTMLElement } from 'plotly.js-dist-min';
import { backgroundRedrawsHeld, onBackgroundRelease } from './redrawHold';
import { drawingEnds, drawingStarts } from './pageDrawing';
import { layoutChanges } from '../shared/layoutDiff';
import { layoutMarkers, markerExtent, nearestMarker, onCanvas, paintMarkers, steadyExtent, tooltipLines, type AxisRule, type Extent, type MarkerLayer, type MarkerTrace, type PlotArea } from '../shared/markers';

type PlotlyModule = typeof import('plotly.js-dist-min');
/**
 * plotly.js comes in three builds, each loaded only when a chart needs it: its basic bundle (scatter, bar, pie: every
 * live chart and map; 1.2 MB, evaluated in about half the time of the cartesian one, 0.4 s against 0.85 here), its
 * cartesian bundle (heatmap, histogram: the similarity and ablation panels; 1.5 MB) and the full strict bundle
 * (5 MB: scatter3d for a 3-D projection, parcoords for sweeps; its WebGL code precompiled, so no eval).
 */
export type PlotlyBundle = 'basic' | 'cartesian' | 'full';
const bundles: Partial<Record<PlotlyBundle, Promise<PlotlyModule>>> = {};

const imports: Record<PlotlyBundle, () => Promise<unknown>> = {
  basic: () => import('plotly.js-basic-dist-min'),
  cartesian: () => import('plotly.js-cartesian-dist-min'),
  full: () => import('plotly.js-dist-min'),
};

/** Loads a plotly.js build once, on first use. */
export function loadPlotly(bundle: PlotlyBundle = 'basic'): Promise<PlotlyModule> {
  const unwrap = (m: unknown) => ((m as { default?: PlotlyModule }).default ?? (m as PlotlyModule));
  bundles[bundle] ??= imports[bundle]().then(
    (m) => {
      loaded[bundle] = unwrap(m);
      // The charts that waited for a build take their turn again (see the redraw job).
      for (const job of waiting) queue.add(job);
      waiting.clear();
      void pump();
      return loaded[bundle];
    },
    (e: unknown) => {
      delete bundles[bundle]; // a failed load (a dropped connection) is tried again at the next change
      throw e;
    },
  );
  return bundles[bundle];
}
/** The builds that have finished loading. */
const loaded: Partial<Record<PlotlyBundle, PlotlyModule>> = {};

/** Trace types only the full build has. */
const FULL_ONLY = new Set(['scatter3d', 'parcoords', 'surface', 'mesh3d', 'scattergl', 'splom', 'parcats']);

/** Trace types the basic build has (a trace without a type is a scatter). */
const BASIC = new Set(['scatter', 'bar', 'pie']);

/** The smallest build that has every trace type of `data`. */
export function bundleFor(data: Data[]): PlotlyBundle {
  const types = data.map((d) => (d as { type?: string }).type ?? 'scatter');
  if (types.some((t) => FULL_ONLY.has(t))) return 'full';
  return types.every((t) => BASIC.has(t)) ? 'basic' : 'cartesian';
}

/**
 * A chart's redraw. `early`: the empty frame of a chart (Plot's earlyFrame): behind every foreground redraw and
 * ahead of the other background ones (EARLY_FRAME_PRIORITY), drawn without waiting for a quiet spell, even while a
 * run starts (the page is idle then, waiting for the worker's first step, and the new plot later, among the run's
 * first points, would be a long task).
 */
type Job = (() => Promise<void>) & { priority?: number; early?: boolean };
const queue = new Set<Job>();
/**
 * An empty frame's priority: below every foreground redraw, above the other background ones. A background redraw
 * waits for a quiet spell (the map's placeholder waits for a run's first points), and the pump waits with it: an
 * empty frame queued behind it at the same priority waited too, and was drawn among the run's first points.
 */
export const EARLY_FRAME_PRIORITY = -0.5;
/** The next redraw: the first asked of those with the highest priority. */
export function pickJob<J extends { priority?: number }>(jobs: Iterable<J>): J | undefined {
  let best: J | undefined;
  for (const j of jobs) if (!best || (j.priority ?? 0) > (best.priority ?? 0)) best = j;
  return best;
}
const nextJob = (): Job => pickJob(queue)!;
/** Charts waiting for a plotly build to load. */
const waiting = new Set<Job>();
let pumping = false;
const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * A background redraw (negative priority) waits for QUIET_MS without other redraws, and while the page holds
 * background redraws (a run is starting: its first points come first), at most BACKGROUND_MAX_MS in all.
 */
const QUIET_MS = 500;
const BACKGROUND_MAX_MS = 8000;
onBackgroundRelease(() => wake?.());
/** When the last redraw that was not a background one was asked for or ended. */
let lastForeground = 0;
/** How much longer a background redraw first considered at `since` waits (0: it may draw now). */
function backgroundWait(since: number, job: Job): number {
  if (job.early) return 0; // behind the foreground redraws, but not waiting for a quiet spell (see Job)
  const now = performance.now();
  const left = since + BACKGROUND_MAX_MS - now;
  if (left <= 0) return 0;
  return backgroundRedrawsHeld() ? left : Math.max(0, Math.min(left, lastForeground + QUIET_MS - now));
}
/** Ends the pump's wait for a quiet spell early (a new redraw was asked for). */
let wake: (() => void) | null = null;
const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(() => (wake = null, resolve()), ms);
    wake = () => {
      clearTimeout(timer);
      wake = null;
      resolve();
    };
  });

/**
 * Runs queued redraws one per task, the highest priority first, in the order asked within a priority (a chart
 * asked again before its turn is drawn once). A background one (the map's placeholder: its chart made before the
 * run, a new plot several times the cost of an update) waits for a quiet spell, so it does not hold up a run's
 * first points.
 */
async function pump(): Promise<void> {
  if (pumping) return;
  pumping = true;
  try {
    let backgroundSince = 0;
    while (queue.size) {
      const job = nextJob();
      const background = (job.priority ?? 0) < 0;
      if (background) {
        backgroundSince ||= performance.now();
        const wait = backgroundWait(backgroundSince, job);
        if (wait > 0) {
          await sleep(wait);
          continue;
        }
      }
      // Paced by frames, but drawn in a task of its own after the frame: the browser's layout and paint of the
      // change then run in the next frame's task, not in the same long one.
      await nextFrame();
      await nextTask();
      // A background redraw gives way to anything asked for in the meantime.
      if (background && (nextJob() !== job || backgroundWait(backgroundSince, job) > 0)) continue;
      backgroundSince = 0;
      queue.delete(job);
      drawingStarts();
      try {
        await job();
      } catch {
        // A redraw that fails leaves the chart as it was; the next change tries again.
      } finally {
        drawingEnds();
      }
      if (!background) lastForeground = performance.now();
    }
  } finally {
    pumping = false;
  }
}

/** Whether any trace has points (an empty chart does not need plotly yet). */
function hasPoints(data: Data[]): boolean {
  return data.some((d) => {
    const t = d as { x?: ArrayLike<unknown>; z?: ArrayLike<unknown>; values?: ArrayLike<unknown>; dimensions?: unknown[]; type?: string };
    return (t.x?.length ?? 0) > 0 || (t.z?.length ?? 0) > 0 || (t.values?.length ?? 0) > 0 || (t.dimensions?.length ?? 0) > 0;
  });
}

/**
 * The layout with our defaults under it: fixed margins, and cartesian axes whose labels are not measured. `extent`
 * (canvas traces) gives the ranges of the axes the layout leaves to autorange: plotly does not see those points.
 */
function fullLayout(layout: Partial<Layout>, height: number, revision: number | undefined, extent?: Extent | null): Partial<Layout> {
  const axis = (a: unknown, range?: [number, number]) => {
    const given = a as { range?: unknown } | undefined;
    const fixed = range && !given?.range ? { range, autorange: false } : {};
    return { ticklabeloverflow: 'allow' as const, ...fixed, ...(a as object | undefined) };
  };
  // datarevision only for charts that grow their arrays in place: once it is set, Plotly.react looks at it alone
  // to see whether the data changed, and a chart that hands it new arrays would never move its points.
  const rev = revision === undefined ? {} : { datarevision: revision };
  const second = layout.yaxis2 ? { yaxis2: axis(layout.yaxis2, extent?.y2) } : {};
  return { height, margin: { l: 50, r: 10, t: 30, b: 40 }, ...rev, ...layout, xaxis: axis(layout.xaxis, extent?.x), yaxis: axis(layout.yaxis, extent?.y), ...second };
}

/** What decides the autorange of each axis of a layout (its rangemode). */
function axisRules(layout: Partial<Layout>): { x?: AxisRule; y?: AxisRule; y2?: AxisRule } {
  const rule = (a: unknown) => ({ rangemode: (a as AxisRule | undefined)?.rangemode });
  return { x: rule(layout.xaxis), y: rule(layout.yaxis), y2: rule(layout.yaxis2) };
}

/** The axis titles a canvas trace's tooltip names its x and y by (its y axis' title: the first's or the second's). */
function tipAxes(layout: Partial<Layout>, t: MarkerTrace): { x?: string; y?: string } {
  return { x: titleText(layout.xaxis), y: titleText(t.yaxis === 'y2' ? layout.yaxis2 : layout.yaxis) };
}

/** The title text of a layout or of one of its axes (plotly takes a string or { text }), if it has one. */
function titleText(a: unknown): string | undefined {
  const t = (a as { title?: string | { text?: string } } | undefined)?.title;
  return typeof t === 'string' ? t : t?.text;
}

/** What Plot reads of plotly's internal layout: the plot area and the axes' ranges once constraints are applied. */
interface Drawn {
  _fullLayout?: {
    width: number;
    height: number;
    _size: { l: number; t: number; w: number; h: number };
    xaxis?: { range: [number, number] };
    yaxis?: { range: [number, number] };
    yaxis2?: { range: [number, number] };
  };
}

/** The plot area of a drawn chart, or null before plotly has laid it out. */
function plotArea(gd: HTMLElement): PlotArea | null {
  const fl = (gd as HTMLElement & Drawn)._fullLayout;
  if (!fl?.xaxis || !fl.yaxis) return null;
  const { l, t, w, h } = fl._size;
  const range = (r: [number, number]): [number, number] => [Number(r[0]), Number(r[1])];
  return { l, t, w, h, x: range(fl.xaxis.range), y: range(fl.yaxis.range), ...(fl.yaxis2 ? { y2: range(fl.yaxis2.range) } : {}) };
}

/**
 * A chart with canvas markers, as tests and the PNG export see it: the markers as placed (CSS pixels from the
 * plot area's top left) and the plot area.
 */
export interface MarkerChart extends HTMLElement {
  markers?: { layer: MarkerLayer; area: PlotArea };
}

/**
 * The whole chart as a PNG at `scale`: plotly's image of the axes, with the canvas markers painted on it (plotly's
 * own export does not know of them). Downloaded as `filename`.png.
 */
async function downloadPng(Plotly: PlotlyModule, gd: MarkerChart, filename: string, scale = 2): Promise<void> {
  const fl = (gd as HTMLElement & Drawn)._fullLayout;
  const url = await Plotly.toImage(gd, { format: 'png', width: fl?.width ?? gd.clientWidth, height: fl?.height ?? gd.clientHeight, scale });
  const img = new Image();
  img.src = url;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(img, 0, 0);
  const m = gd.markers;
  if (m) {
    ctx.save();
    ctx.beginPath();
    ctx.rect(m.area.l * scale, m.area.t * scale, m.area.w * scale, m.area.h * scale);
    ctx.clip();
    paintMarkers(ctx, m.layer, scale, m.area.l * scale, m.area.t * scale);
    ctx.restore();
  }
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('the chart could not be turned into a PNG');
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `${filename}.png`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

export interface PlotProps {
  data: Data[];
  layout: Partial<Layout>;
  testId: string;
  height?: number;
  /**
   * For charts whose data arrays grow in place: bump it at each change (Plotly.react then redraws on it alone).
   * Leave it out when each change hands new arrays (they are compared by reference).
   */
  revision?: number;
  /** A live chart's shortest time between redraws (ms; LIVE_REDRAW_MS or a multiple); the last change is always drawn. */
  minIntervalMs?: number;
  /**
   * Redraws with a higher priority go first (the loss chart: a run's first point is what a user waits for); a
   * negative one is a background redraw, drawn after a quiet spell of the others (at most a few seconds later).
   */
  priority?: number;
  /**
   * The legend as HTML under the chart instead of plotly's (which measures every entry's text at each redraw,
   * a third of a live chart's redraw): one button per named trace, which hides or shows it.
   */
  htmlLegend?: boolean;
  /**
   * Scatter traces (markers, straight lines or both, on x and y or y2) are drawn on a canvas over plotly's axes
   * (shared/markers.ts): for charts that redraw live (the map's hundreds of points, the per-step curves). plotly
   * holds them hidden (its `data` still has them), the axes the layout leaves to autorange get the ranges plotly
   * would have given them, and hover (a tooltip as plotly's), click, zoom and the PNG export work as before. Give
   * such a chart an HTML legend (plotly's leaves hidden traces out).
   */
  canvasTraces?: boolean;
  /**
   * With canvasTraces, for a chart that grows live: the y axes plotly would autorange snap outward to a round step
   * (1, 2 or 5 times a power of ten, the one nearest a fifth of their span) and the x axis grows ahead of the data
   * (see xEnd), so they stay as they are while most new points come in, and those changes repaint the canvas alone.
   */
  steadyAxes?: boolean;
  /**
   * With steadyAxes, where the x data will end (a run's step count): the x axis grows ahead of the data by round
   * bounds (1, 2, 3 or 5 times a power of ten) and not past this (shared/markers.ts growingRange).
   */
  xEnd?: number;
  /**
   * Draws the chart's empty frame (its axes) before it has points, as a background redraw: in the idle time before
   * a run, so that its first points are an update (a few ms) and not a new plot (40–70 ms) in the middle of training.
   */
  earlyFrame?: boolean;
  /** A title before the HTML legend's entries (htmlLegend). */
  legendTitle?: string;
  onHover?: (pointIndex: number, curveNumber: number) => void;
  onUnhover?: () => void;
  onClick?: (pointIndex: number, curveNumber: number) => void;
}

/**
 * The per-step charts redraw at most this often (ms): each redraw, with the page's layout and paint after it, is a
 * task of 20–60 ms on the main thread of a 2-core machine that is also training.
 */
export const LIVE_REDRAW_MS = 1000;

const CONFIG: Partial<Config> = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ['lasso2d', 'select2d'] };

/**
 * The mode bar of a chart with canvas traces: its own PNG export, and its own reset of the axes (the mode bar's
 * home button and a double click, which Plot handles: plotly's would go back to the ranges of the chart's first
 * plot, not those it was last relaid out with).
 */
function canvasConfig(Plotly: PlotlyModule, filename: string, reset: () => void): Partial<Config> {
  return {
    ...CONFIG,
    doubleClick: false,
    modeBarButtonsToRemove: ['lasso2d', 'select2d', 'toImage', 'autoScale2d', 'resetScale2d'],
    modeBarButtonsToAdd: [
      { name: 'toImage', title: 'Download plot as a PNG', icon: Plotly.Icons.camera, click: (gd) => void downloadPng(Plotly, gd as MarkerChart, filename) },
      { name: 'resetAxes', title: 'Reset axes', icon: Plotly.Icons.home, click: reset },
    ],
  };
}

/** A chart's PNG file name: its test id without the `chart.` prefix. */
const pngName = (testId: string) => testId.replace(/^chart\./, '');

export function Plot({ data: given, layout: givenLayout, testId, height = 260, revision, minIntervalMs = 0, priority = 0, htmlLegend = false, canvasTraces = false, steadyAxes = false, xEnd = Infinity, earlyFrame = false, legendTitle, onHover, onUnhover, onClick }: PlotProps) {
  const ref = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const tipRef = useRef<HTMLDivElement>(null);
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const data = useMemo(
    () => (htmlLegend && hidden.size ? given.map((d) => (hidden.has(d.name ?? '') ? ({ ...d, visible: 'legendonly' } as Data) : d)) : given),
    [given, hidden, htmlLegend],
  );
  const layout = useMemo(() => (htmlLegend ? { ...givenLayout, showlegend: false } : givenLayout), [givenLayout, htmlLegend]);
  const latest = useRef({ data, layout, height, revision, canvasTraces, steadyAxes, xEnd, testId });
  latest.current = { data, layout, height, revision, canvasTraces, steadyAxes, xEnd, testId };
  /** The traces the canvas shows (the last drawn data) and the point under the mouse. */
  const drawnTraces = useRef<MarkerTrace[]>([]);
  const hovering = useRef(-1);
  const hover = useRef({ onHover, onUnhover, onClick });
  hover.current = { onHover, onUnhover, onClick };
  const lastDraw = useRef(-Infinity);
  const drawnWith = useRef<PlotlyBundle>('basic');
  /** The layout plotly last drew a canvas chart's axes with, and its number of traces. */
  const axesDrawn = useRef<{ layout?: Partial<Layout>; traces: number }>({ traces: 0 });
  /** Whether a canvas chart shows a view the user zoomed or panned to (kept until they reset the axes). */
  const userView = useRef(false);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  // Changes asked for and changes drawn: while they differ the chart carries `data-pending` (tests and benchmarks
  // wait for it to go before they read what is drawn).
  const asked = useRef(0);

  // One redraw job per chart (a stable function, so the queue holds it once).
  const job = useRef<Job>(async () => {
    const el = ref.current;
    if (!el || !el.isConnected) return;
    const cur = latest.current;
    const upTo = asked.current;
    const settle = () => {
      if (asked.current === upTo) delete el.dataset.pending;
    };
    let created = el.classList.contains('js-plotly-plot');
    const bundle = bundleFor(cur.data);
    // Nothing to draw yet: an empty chart does not ask for plotly. A priority chart (the loss) draws its empty
    // frame once plotly is loaded, in the idle time before a run, so a run's first point needs only an update (a
    // new plot costs several times a redraw); the others wait for their points, to keep page load light.
    const empty = !created && !hasPoints(cur.data);
    if (empty && !job.current.priority) return settle();
    const Plotly = loaded[bundle];
    if (!Plotly) {
      // Not loaded yet: the chart takes its turn again once a build has loaded, and the charts behind it do not
      // wait for it (the full build takes seconds to load on a slow machine).
      waiting.add(job.current);
      if (empty) settle();
      else void loadPlotly(bundle).catch(() => undefined);
      return;
    }
    if (created && drawnWith.current !== bundle) {
      // The chart changes build (e.g. a 2-D projection becomes 3-D): the old build lets go of it first.
      (await loadPlotly(drawnWith.current)).purge(el);
      created = false;
    }
    drawnWith.current = bundle;
    const t0 = performance.now();
    /** Which way plotly was asked to draw (the measure's name says it). */
    let path = 'react';
    let gd = el as unknown as PlotlyHTMLElement;
    if (cur.canvasTraces) {
      const traces = cur.data as MarkerTrace[];
      const plotted = cur.data.map((d) => (onCanvas(d as MarkerTrace) ? ({ ...d, visible: false } as Data) : d));
      // An axis without points gets [0, 1], so that the layout keeps its shape from the empty frame on (and the
      // first points are a relayout, not a new plot).
      const whole = (e: Extent | null): Extent => ({ x: e?.x ?? [0, 1], y: e?.y ?? [0, 1], y2: e?.y2 ?? [0, 1] });
      const found = whole(markerExtent(traces, axisRules(cur.layout)));
      // Steady axes snap the data's own extent (x ahead of it, up to xEnd), padded only where the data comes near a bound.
      const extent = cur.steadyAxes ? steadyExtent(whole(markerExtent(traces, axisRules(cur.layout), 0)), found, cur.xEnd) : found;
      const lay = fullLayout(cur.layout, cur.height, cur.revision, extent);
      // What plotly draws of a chart whose traces are all on the canvas depends on its layout alone. Where only
      // values of it changed (steady axes' ranges, a title), plotly is asked to relayout those (4–15 ms here);
      // where none did (most of a live chart's changes), plotly is left alone; either way the canvas is painted
      // again (a millisecond). A whole redraw (react) is 25–60 ms. `gd.data` is what plotly would hold (tests and the
      // PNG export read it; plotly draws none of it).
      const sameTraces = created && plotted.length === axesDrawn.current.traces && plotted.every((d) => d.visible === false);
      const changes = sameTraces ? layoutChanges(axesDrawn.current.layout, lay) : null;
      if (changes) {
        gd.data = plotted;
        // A view the user zoomed or panned to stays until they reset it: the new ranges wait (resetAxes).
        const update = userView.current ? Object.fromEntries(Object.entries(changes).filter(([k]) => !/^[xy]axis\d*\.(range|autorange)$/.test(k))) : changes;
        path = 'repaint';
        if (Object.keys(update).length) {
          path = `relayout ${Object.keys(update).join(',')}`;
          await Plotly.relayout(el, update as Partial<Layout>);
          el.dataset.axesDraws = String(Number(el.dataset.axesDraws ?? 0) + 1);
        }
      } else {
        gd = await Plotly.react(el, plotted, lay, canvasConfig(Plotly, pngName(cur.testId), resetAxes));
        userView.current = false; // a new plot has the chart's own ranges
        el.dataset.axesDraws = String(Number(el.dataset.axesDraws ?? 0) + 1);
      }
      // A copy: plotly writes into the layout it holds (a zoom sets its ranges).
      axesDrawn.current = { layout: JSON.parse(JSON.stringify(lay)) as Partial<Layout>, traces: plotted.length };
      drawnTraces.current = traces;
      paintCanvas();
    } else {
      gd = await Plotly.react(el, cur.data, fullLayout(cur.layout, cur.height, cur.revision), { ...CONFIG, toImageButtonOptions: { filename: pngName(cur.testId) } });
    }
    const t1 = performance.now();
    // An empty frame does not count against the interval: a run's first points draw at once.
    if (hasPoints(cur.data)) lastDraw.current = t1;
    if (!created) {
      gd.on('plotly_hover', (ev) => {
        const p = ev.points[0];
        if (p) hover.current.onHover?.(p.pointIndex, p.curveNumber);
      });
      gd.on('plotly_unhover', () => hover.current.onUnhover?.());
      gd.on('plotly_click', (ev) => {
        const p = ev.points[0];
        if (p) hover.current.onClick?.(p.pointIndex, p.curveNumber);
      });
      if (cur.canvasTraces) {
        gd.on('plotly_relayout', (ev) => {
          // A zoom box or a pan gives each bound ('xaxis.range[0]'); Plot's own relayouts give whole ranges.
          if (Object.keys(ev ?? {}).some((k) => /^[xy]axis\d*\.range\[\d\]$/.test(k))) userView.current = true;
          paintCanvas();
        });
        gd.on('plotly_relayouting', paintCanvas);
        // plotly's own reset is turned off (canvasConfig); it still tells of a double click.
        gd.on('plotly_doubleclick', () => {
          resetAxes();
          return false;
        });
      }
    }
    // How long the redraw held the main thread (the benchmarks read it; DevTools' timeline shows the measure).
    el.dataset.drawMs = (t1 - t0).toFixed(1);
    // Named for the chart and the path ('redraw chart.loss relayout xaxis.range'): bench:app lays long tasks against
    // them.
    const measure = `redraw ${cur.testId} ${created ? path : 'new plot'}`;
    performance.measure(measure, { start: t0, end: t1 });
    performance.clearMeasures(measure); // the trace has it; the page's buffer need not grow
    el.dataset.draws = String(Number(el.dataset.draws ?? 0) + 1);
    el.dataset.points = String(cur.data.reduce((a, d) => a + ((d as { x?: unknown[] }).x?.length ?? 0), 0));
    settle();
  });

  // A chart that draws its empty frame early does it as a background redraw (in the idle time before a run).
  job.current.early = earlyFrame && !ref.current?.classList.contains('js-plotly-plot') && !hasPoints(data);
  job.current.priority = job.current.early ? EARLY_FRAME_PRIORITY : priority;

  /** Gives a canvas chart's axes back the ranges Plot last drew them with (after a zoom or a pan). */
  function resetAxes(): void {
    const el = ref.current;
    const drawnLayout = axesDrawn.current.layout;
    const Plotly = loaded[drawnWith.current];
    if (!el || !drawnLayout || !Plotly || !el.classList.contains('js-plotly-plot')) return;
    userView.current = false;
    const update: Record<string, unknown> = {};
    for (const a of ['xaxis', 'yaxis', 'yaxis2'] as const) {
      const range = (drawnLayout[a] as { range?: unknown } | undefined)?.range;
      if (range) update[`${a}.range`] = range;
    }
    void Plotly.relayout(el, update as Partial<Layout>);
  }

  /** Places and paints the canvas markers where plotly's axes now are (after a redraw, a zoom, a pan or a resize). */
  function paintCanvas(): void {
    const el = ref.current as MarkerChart | null;
    const canvas = canvasRef.current;
    if (!el || !canvas) return;
    const area = plotArea(el);
    if (!area) {
      // No 2-D axes (a 3-D scene): nothing of the canvas' is shown.
      canvas.width = canvas.height = 1;
      delete el.markers;
      delete el.dataset.markers;
      return;
    }
    const layer = layoutMarkers(drawnTraces.current, area);
    el.markers = { layer, area };
    // The point under the mouse may have moved or gone: the tooltip waits for the mouse to move again.
    if (hovering.current >= 0 && !hover.current.onHover && tipRef.current) {
      tipRef.current.hidden = true;
      hovering.current = -1;
    }
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(area.w * dpr));
    const h = Math.max(1, Math.round(area.h * dpr));
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
    }
    Object.assign(canvas.style, { left: `${area.l}px`, top: `${area.t}px`, width: `${area.w}px`, height: `${area.h}px` });
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, w, h);
    paintMarkers(ctx, layer, dpr);
    el.dataset.markers = String(layer.px.length);
  }

  // Hover and click on canvas markers (plotly sees none), on the chart's element (it outlives a purge).
  useEffect(() => {
    const el = ref.current as MarkerChart | null;
    if (!canvasTraces || !el) return;
    const under = (e: MouseEvent): number => {
      const m = el.markers;
      if (!m) return -1;
      const r = el.getBoundingClientRect();
      const x = e.clientX - r.left - m.area.l;
      const y = e.clientY - r.top - m.area.t;
      if (x < 0 || y < 0 || x > m.area.w || y > m.area.h) return -1;
      return nearestMarker(m.layer, x, y);
    };
    // Without a hover handler, the point under the mouse is described in the chart's tooltip (as plotly's hover
    // label: the trace's name, its text, x and y under the axes' titles), unless its trace asks for no hover info.
    const tooltip = (k: number) => {
      const tip = tipRef.current;
      const m = el.markers;
      if (!tip) return;
      const t = k < 0 || !m ? undefined : drawnTraces.current[m.layer.curve[k]!];
      const lines = t && t.hoverinfo !== 'none' && t.hoverinfo !== 'skip' ? tooltipLines(t, m!.layer.point[k]!, tipAxes(latest.current.layout, t)) : [];
      if (!lines.length || !m) {
        tip.hidden = true;
        return;
      }
      tip.replaceChildren(...lines.map((line, i) => Object.assign(document.createElement(i === 0 && t!.name ? 'b' : 'span'), { textContent: line })));
      tip.hidden = false;
      // Beside the point, on the side with room.
      const x = m.area.l + m.layer.px[k]!;
      const y = m.area.t + m.layer.py[k]!;
      const right = x + 12 + tip.offsetWidth <= el.clientWidth;
      tip.style.left = `${right ? x + 12 : Math.max(0, x - 12 - tip.offsetWidth)}px`;
      tip.style.top = `${Math.max(0, Math.min(el.clientHeight - tip.offsetHeight, y - tip.offsetHeight / 2))}px`;
    };
    const move = (e: MouseEvent) => {
      const k = under(e);
      if (k === hovering.current) return;
      hovering.current = k;
      const m = el.markers;
      if (!hover.current.onHover) tooltip(k);
      if (k < 0 || !m) hover.current.onUnhover?.();
      else hover.current.onHover?.(m.layer.point[k]!, m.layer.curve[k]!);
    };
    const leave = () => {
      if (hovering.current < 0) return;
      hovering.current = -1;
      if (tipRef.current) tipRef.current.hidden = true;
      hover.current.onUnhover?.();
    };
    // plotly's drag layer sends a click where the mouse went down and up without a drag.
    const click = (e: MouseEvent) => {
      const k = under(e);
      const m = el.markers;
      if (k >= 0 && m) hover.current.onClick?.(m.layer.point[k]!, m.layer.curve[k]!);
    };
    el.addEventListener('mousemove', move);
    el.addEventListener('mouseleave', leave);
    el.addEventListener('click', click);
    return () => {
      el.removeEventListener('mousemove', move);
      el.removeEventListener('mouseleave', leave);
      el.removeEventListener('click', click);
    };
  }, [canvasTraces]);

  // Layouts are written inline (a new object each render): compare them by value, or every render redraws.
  const layoutKey = JSON.stringify(layout);
  useEffect(() => {
    clearTimeout(timer.current);
    asked.current += 1;
    if (ref.current) ref.current.dataset.pending = '';
    const wait = Math.max(0, lastDraw.current + minIntervalMs - performance.now());
    const ask = () => {
      if ((job.current.priority ?? 0) >= 0) lastForeground = performance.now();
      queue.add(job.current);
      wake?.();
      void pump();
    };
    if (wait > 0) timer.current = setTimeout(ask, wait);
    else ask();
    return () => clearTimeout(timer.current);
  }, [data, layoutKey, height, revision, minIntervalMs, priority]);

  useEffect(() => {
    const el = ref.current;
    const j = job.current;
    return () => {
      queue.delete(j);
      waiting.delete(j);
      const drawn = bundles[drawnWith.current];
      if (el && drawn && el.classList.contains('js-plotly-plot')) void drawn.then((Plotly) => Plotly.purge(el));
    };
  }, []);

  const title = titleText(layout);
  const chart = (
    <div ref={ref} data-testid={testId} className="plot" style={{ minHeight: height }}>
      {title && <div className="plot-placeholder">{title}</div>}
      {canvasTraces && <canvas ref={canvasRef} className="plot-markers" width={1} height={1} />}
      {canvasTraces && <div ref={tipRef} className="plot-tip" data-testid={`${testId}.tip`} hidden />}
    </div>
  );
  if (!htmlLegend) return chart;
  const entries = given.filter((d) => d.name && (d as { showlegend?: boolean }).showlegend !== false);
  return (
    <div className="plot-with-legend">
      {chart}
      <div className="plot-legend" data-testid={`${testId}.legend`}>
        {legendTitle && <span className="plot-legend-title">{legendTitle}</span>}
        {entries.map((d) => {
          const name = d.name!;
          const t = d as { mode?: string; line?: { color?: string; dash?: string }; marker?: { color?: unknown } };
          const color = t.line?.color ?? (typeof t.marker?.color === 'string' ? t.marker.color : '#888');
          const off = hidden.has(name);
          return (
            <button
              key={name}
              type="button"
              className={off ? 'off' : ''}
              aria-pressed={!off}
              title={off ? 'Show this trace' : 'Hide this trace'}
              onClick={() =>
                setHidden((h) => {
                  const next = new Set(h);
                  if (off) next.delete(name);
                  else next.add(name);
                  return next;
                })
              }
            >
              {t.mode === 'markers' ? (
                <span className="swatch dot" style={{ background: color }} />
              ) : (
                <span className="swatch" style={{ borderTopColor: color, borderTopStyle: t.line?.dash && t.line.dash !== 'solid' ? 'dashed' : 'solid' }} />
              )}
              {name}
            </button>
          );
        })}
      </div>
    </div>
  );
}
