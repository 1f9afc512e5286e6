/** The live training charts: the method's loss (raw and smoothed), learning rate, in-batch and kNN accuracy, collapse meter. */
import { useMemo } from 'react';
import type { Data } from 'plotly.js-dist-min';
import { METHOD_INFO } from '../shared/methods';
import { useApp } from '../state/store';
import { CollapseMeter } from './CollapseMeter';
import { Plot } from './Plot';

export function Charts() {
  const metrics = useApp((s) => s.metrics);
  const method = useApp((s) => s.runMethod);
  const loss = useMemo<Data[]>(
    () => [
      { x: metrics.step, y: metrics.loss, name: 'loss', mode: 'lines', line: { color: 'rgba(31,119,180,0.35)', width: 1 } },
      { x: metrics.step, y: metrics.lossSmooth, name: 'smoothed', mode: 'lines', line: { color: '#1f77b4', width: 2 } },
    ],
    [metrics],
  );
  const lr = useMemo<Data[]>(() => [{ x: metrics.step, y: metrics.lr, name: 'lr', mode: 'lines', line: { color: '#ff7f0e' } }], [metrics]);
  const acc = useMemo<Data[]>(
    () => [
      { x: metrics.step, y: metrics.acc, name: 'in-batch acc (positive ranked first)', mode: 'lines', line: { color: '#2ca02c' } },
      { x: metrics.evalStep, y: metrics.knn, name: 'kNN acc (k=20, h)', mode: 'lines+markers', line: { color: '#d62728' } },
    ],
    [metrics],
  );
  return (
    <div className="charts">
      <Plot revision={metrics.version} testId="chart.loss" data={loss} layout={{ title: { text: `${METHOD_INFO[method].label} loss` }, xaxis: { title: { text: 'step' } }, legend: { orientation: 'h', y: -0.35 }, margin: { l: 50, r: 10, t: 30, b: 75 } }} />
      <Plot revision={metrics.version} testId="chart.accuracy" data={acc} layout={{ title: { text: 'Accuracy' }, xaxis: { title: { text: 'step' } }, yaxis: { range: [0, 1] }, legend: { orientation: 'h', y: -0.35 }, margin: { l: 50, r: 10, t: 30, b: 75 } }} />
      <CollapseMeter />
      <Plot revision={metrics.version} testId="chart.lr" data={lr} layout={{ title: { text: 'Learning rate' }, xaxis: { title: { text: 'step' } }, showlegend: false }} />
    </div>
  );
}
