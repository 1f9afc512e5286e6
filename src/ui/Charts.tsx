/**
 * The live training charts: the method's loss (raw and smoothed), learning rate, accuracies (in-batch, kNN and
 * linear probes on h and on z, few-shot probes), the collapse meter, and each evaluation's place in the
 * alignment–uniformity plane (Wang & Isola, arXiv 2005.10242, Fig. 5: lower left is better).
 */
import { useMemo } from 'react';
import type { Data } from 'plotly.js-dist-min';
import { METHOD_INFO } from '../shared/methods';
import { decimate } from '../shared/decimate';
import { useApp } from '../state/store';
import { CollapseMeter } from './CollapseMeter';
import { LIVE_REDRAW_MS as LIVE_MS, Plot } from './Plot';

/** Markers drawn per evaluation trace at most (a long run has thousands of evaluations; the line shows them all). */
const MAX_MARKERS = 100;

export function Charts() {
  const metrics = useApp((s) => s.metrics);
  const method = useApp((s) => s.runMethod);
  const steps = useApp((s) => s.runSteps);
  const knnLabel = useApp((s) => `k=${s.config.knnK}, ${s.config.knnMetric}`);
  // Per-step series are drawn thinned past 2,000 steps (the store keeps them all).
  const thin = useMemo(() => decimate(metrics.step, [metrics.loss, metrics.lossSmooth, metrics.lr, metrics.acc]), [metrics]);
  const loss = useMemo<Data[]>(
    () => [
      { x: thin.x, y: thin.ys[0], name: 'loss', mode: 'lines', line: { color: 'rgba(31,119,180,0.35)', width: 1 } },
      { x: thin.x, y: thin.ys[1], name: 'smoothed', mode: 'lines', line: { color: '#1f77b4', width: 2 } },
    ],
    [thin],
  );
  const lr = useMemo<Data[]>(() => [{ x: thin.x, y: thin.ys[2], name: 'lr', mode: 'lines', line: { color: '#ff7f0e' } }], [thin]);
  const acc = useMemo<Data[]>(
    () => [
      { x: thin.x, y: thin.ys[3], name: 'in-batch acc (positive ranked first)', mode: 'lines', line: { color: '#2ca02c' } },
      { x: metrics.evalStep, y: metrics.knn, name: `kNN on h (${knnLabel})`, mode: 'lines+markers', line: { color: '#d62728' }, marker: { maxdisplayed: MAX_MARKERS } },
      { x: metrics.evalStep, y: metrics.knnZ, name: 'kNN on z', mode: 'lines+markers', line: { color: '#d62728', dash: 'dot' }, marker: { symbol: 'circle-open', maxdisplayed: MAX_MARKERS } },
      { x: metrics.evalStep, y: metrics.probeH, name: 'linear probe on h', mode: 'lines+markers', line: { color: '#9467bd' }, marker: { maxdisplayed: MAX_MARKERS } },
      { x: metrics.evalStep, y: metrics.probeZ, name: 'linear probe on z', mode: 'lines+markers', line: { color: '#9467bd', dash: 'dot' }, marker: { symbol: 'circle-open', maxdisplayed: MAX_MARKERS } },
      { x: metrics.evalStep, y: metrics.probeH10, name: 'probe on h, 10% labels', mode: 'lines', line: { color: '#8c564b', dash: 'dash' } },
      { x: metrics.evalStep, y: metrics.probeH1, name: 'probe on h, 1% labels', mode: 'lines', line: { color: '#8c564b', dash: 'dashdot' } },
    ],
    [metrics, thin, knnLabel],
  );
  const evals = metrics.evalStep.length;
  const au = useMemo<Data[]>(
    () => [
      {
        x: metrics.uniform,
        y: metrics.align,
        text: metrics.evalStep.map((s) => `step ${s}`),
        name: 'this run',
        mode: 'lines+markers',
        marker: { color: metrics.evalStep, colorscale: 'Viridis', size: 8, showscale: false, maxdisplayed: MAX_MARKERS },
        line: { color: '#bbb' },
        hovertemplate: '%{text}<br>uniformity %{x:.3f}<br>alignment %{y:.3f}<extra></extra>',
      },
    ],
    // Only evaluations change this chart (the arrays grow in place; their length is the version).
    [evals],
  );
  return (
    <div className="charts">
      <Plot revision={metrics.version} minIntervalMs={LIVE_MS} priority={1} htmlLegend canvasTraces steadyAxes xEnd={steps} testId="chart.loss" data={loss} layout={{ title: { text: `${METHOD_INFO[method].label} loss` }, xaxis: { title: { text: 'step' } }, margin: { l: 50, r: 10, t: 30, b: 40 } }} />
      <Plot
        revision={metrics.version}
        minIntervalMs={LIVE_MS}
        htmlLegend
        canvasTraces
        steadyAxes
        xEnd={steps}
        earlyFrame
        testId="chart.accuracy"
        height={300}
        data={acc}
        layout={{
          title: { text: 'Accuracy' },
          xaxis: { title: { text: 'step' } },
          yaxis: { range: [0, 1] },
          margin: { l: 50, r: 10, t: 30, b: 40 },
        }}
      />
      <CollapseMeter />
      <Plot
        revision={evals}
        canvasTraces
        earlyFrame
        testId="chart.alignUniform"
        data={au}
        layout={{
          title: { text: 'Alignment vs uniformity (lower left is better)' },
          xaxis: { title: { text: 'L_uniform (t = 2)' } },
          yaxis: { title: { text: 'L_align (α = 2)' }, rangemode: 'tozero' },
          showlegend: false,
        }}
      />
      <Plot revision={metrics.version} minIntervalMs={2 * LIVE_MS} canvasTraces steadyAxes xEnd={steps} earlyFrame testId="chart.lr" data={lr} layout={{ title: { text: 'Learning rate' }, xaxis: { title: { text: 'step' } }, showlegend: false }} />
    </div>
  );
}
