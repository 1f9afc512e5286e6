/**
 * The representation drawn as it is: with a 2-D or 3-D projection, z/‖z‖ of the held-out set lies on the unit
 * circle or sphere (Wang & Isola, arXiv 2005.10242, Fig. 1: aligned classes, spread over the sphere). For the
 * 2-D toy sets the input points are drawn beside it, in the same colours.
 */
import { useMemo } from 'react';
import type { Data } from 'plotly.js-dist-min';
import { useApp } from '../state/store';
import { CLASS_COLORS } from '../shared/palette';
import { Plot } from './Plot';

/** One trace per class from interleaved coordinates (N·dim). */
function byClass(coords: Float32Array, dim: number, labels: Int32Array, names: string[], three: boolean): Data[] {
  const classes = [...new Set(labels)].sort((a, b) => a - b);
  return classes.map((k) => {
    const idx = labels.reduce<number[]>((a, l, i) => (l === k ? (a.push(i), a) : a), []);
    const axis = (j: number) => idx.map((i) => coords[i * dim + j]!);
    const color = CLASS_COLORS[k % CLASS_COLORS.length];
    return three
      ? { type: 'scatter3d', mode: 'markers', name: names[k] ?? String(k), x: axis(0), y: axis(1), z: axis(2), marker: { size: 2.5, color } }
      : { type: 'scatter', mode: 'markers', name: names[k] ?? String(k), x: axis(0), y: axis(1), marker: { size: 5, color, opacity: 0.6 } };
  });
}

const CIRCLE: Data = {
  type: 'scatter',
  mode: 'lines',
  x: Array.from({ length: 129 }, (_, i) => Math.cos((2 * Math.PI * i) / 128)),
  y: Array.from({ length: 129 }, (_, i) => Math.sin((2 * Math.PI * i) / 128)),
  line: { color: '#c3c8d6', width: 1 },
  hoverinfo: 'skip',
  showlegend: false,
};

export function SphereView() {
  const sphere = useApp((s) => s.sphere);
  const held = useApp((s) => s.runHeldOut);
  const projDim = useApp((s) => s.config.projDim);
  const input = useMemo<Data[]>(() => (held?.points ? byClass(held.points, 2, held.labels, held.classNames, false) : []), [held]);
  const rep = useMemo<Data[]>(() => {
    if (!sphere) return [];
    const traces = byClass(sphere.xyz, sphere.dim, sphere.labels, held?.classNames ?? [], sphere.dim === 3);
    return sphere.dim === 2 ? [CIRCLE, ...traces] : traces;
  }, [sphere, held]);
  if (!sphere && !held?.points) {
    return projDim <= 3 ? <p className="hint">The projection is drawn on the {projDim === 3 ? 'sphere' : 'circle'} after the first evaluation.</p> : null;
  }
  const title = sphere ? `z/‖z‖ on the ${sphere.dim === 3 ? 'sphere' : sphere.dim === 2 ? 'circle' : 'line'}, step ${sphere.step}` : 'z/‖z‖ (waiting for an evaluation)';
  return (
    <div className="charts" data-testid="sphere.view">
      {held?.points && (
        <Plot
          testId="chart.input"
          height={340}
          canvasTraces
          data={input}
          layout={{ title: { text: `Input: ${held.name} (held-out points)` }, xaxis: { zeroline: false }, yaxis: { scaleanchor: 'x', zeroline: false }, showlegend: false }}
        />
      )}
      {(sphere || projDim <= 3) && (
        <Plot
          testId="chart.sphere"
          height={340}
          canvasTraces
          data={rep}
          layout={
            sphere?.dim === 3
              ? { title: { text: title }, scene: { aspectmode: 'cube' }, showlegend: false, margin: { l: 0, r: 0, t: 30, b: 0 } }
              : { title: { text: title }, xaxis: { range: [-1.15, 1.15], zeroline: false }, yaxis: { range: [-1.15, 1.15], scaleanchor: 'x', zeroline: false }, showlegend: false }
          }
        />
      )}
    </div>
  );
}
