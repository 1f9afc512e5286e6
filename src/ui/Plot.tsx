/**
 * A plotly.js chart that loads the library lazily (first paint does not wait for it) and redraws at most once
 * per animation frame with Plotly.react.
 */
import { useEffect, useRef } from 'react';
import type { Data, Layout, Config, PlotlyHTMLElement } from 'plotly.js-dist-min';

type PlotlyModule = typeof import('plotly.js-dist-min');
let plotlyPromise: Promise<PlotlyModule> | null = null;

/** Loads plotly.js once, on first use. */
export function loadPlotly(): Promise<PlotlyModule> {
  plotlyPromise ??= import('plotly.js-dist-min').then((m) => ((m as unknown as { default?: PlotlyModule }).default ?? m));
  return plotlyPromise;
}

export interface PlotProps {
  data: Data[];
  layout: Partial<Layout>;
  testId: string;
  height?: number;
  /** Bump when the data arrays were appended to in place (Plotly.react compares by reference otherwise). */
  revision?: number;
  onHover?: (pointIndex: number, curveNumber: number) => void;
  onUnhover?: () => void;
  onClick?: (pointIndex: number, curveNumber: number) => void;
}

const CONFIG: Partial<Config> = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ['lasso2d', 'select2d'] };

export function Plot({ data, layout, testId, height = 260, revision = 0, onHover, onUnhover, onClick }: PlotProps) {
  const ref = useRef<HTMLDivElement>(null);
  const frame = useRef(0);
  const latest = useRef({ data, layout });
  latest.current = { data, layout };
  const hover = useRef({ onHover, onUnhover, onClick });
  hover.current = { onHover, onUnhover, onClick };

  useEffect(() => {
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => {
      void loadPlotly().then((Plotly) => {
        const el = ref.current;
        if (!el) return;
        const first = !el.classList.contains('js-plotly-plot');
        const t0 = performance.now();
        void Plotly.react(el, latest.current.data, { height, margin: { l: 50, r: 10, t: 30, b: 40 }, datarevision: revision, ...latest.current.layout }, CONFIG).then((gd: PlotlyHTMLElement) => {
          if (first) {
            gd.on('plotly_hover', (ev) => {
              const p = ev.points[0];
              if (p) hover.current.onHover?.(p.pointIndex, p.curveNumber);
            });
            gd.on('plotly_unhover', () => hover.current.onUnhover?.());
            gd.on('plotly_click', (ev) => {
              const p = ev.points[0];
              if (p) hover.current.onClick?.(p.pointIndex, p.curveNumber);
            });
          }
          // How long the redraw held the main thread (the map benchmark reads it).
          el.dataset.drawMs = (performance.now() - t0).toFixed(1);
          el.dataset.points = String(latest.current.data.reduce((a, d) => a + ((d as { x?: unknown[] }).x?.length ?? 0), 0));
        });
      });
    });
    return () => cancelAnimationFrame(frame.current);
  }, [data, layout, height, revision]);

  useEffect(() => {
    const el = ref.current;
    return () => {
      if (el) void loadPlotly().then((Plotly) => Plotly.purge(el));
    };
  }, []);

  return <div ref={ref} data-testid={testId} className="plot" style={{ minHeight: height }} />;
}
