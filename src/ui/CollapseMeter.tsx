/**
 * The collapse meter: the std of the ℓ2-normalised projection per step (healthy ≈ 1/√d, 0 when collapsed, as
 * SimSiam's Fig. 2) and the effective rank of its covariance at each evaluation, with a verdict in words.
 */
import { useMemo } from 'react';
import type { Data } from 'plotly.js-dist-min';
import { collapseVerdict } from '../shared/methods';
import { decimate } from '../shared/decimate';
import { useApp } from '../state/store';
import { LIVE_REDRAW_MS, Plot } from './Plot';

export function CollapseMeter() {
  const metrics = useApp((s) => s.metrics);
  const d = metrics.zDim;
  const steps = useApp((s) => s.runSteps);
  const last = metrics.evalStep.length - 1;
  // The untrained network's outputs are nearly parallel, so the verdict waits for an evaluation after step 0.
  const verdict = last >= 0 && metrics.evalStep[last]! > 0 && d > 0
    ? collapseVerdict({ zStd: metrics.evalZStd[last]!, dim: d, effRank: metrics.effRank[last]! })
    : null;
  const data = useMemo<Data[]>(() => {
    const steps = metrics.step;
    const healthy = d > 0 ? 1 / Math.sqrt(d) : null;
    const thin = decimate(steps, [metrics.zStd]);
    return [
      { x: thin.x, y: thin.ys[0], name: 'std of z/‖z‖ (batch)', mode: 'lines', line: { color: '#9467bd', width: 1.5 } },
      // Always there (empty until d and a step are known): a trace added later would make plotly draw the chart anew.
      {
        x: healthy !== null && steps.length ? [steps[0]!, steps[steps.length - 1]!] : [],
        y: healthy !== null && steps.length ? [healthy, healthy] : [],
        name: '1/√d',
        mode: 'lines',
        line: { color: '#7f7f7f', dash: 'dash', width: 1 },
      },
      { x: metrics.evalStep, y: metrics.effRank, name: 'effective rank (held-out)', mode: 'lines+markers', yaxis: 'y2', line: { color: '#8c564b' }, marker: { maxdisplayed: 100 } },
    ];
  }, [metrics, d]);
  return (
    <div className="collapse-meter" data-testid="collapse.meter">
      <p className={`verdict verdict-${verdict?.level ?? 'none'}`} data-testid="collapse.verdict" data-level={verdict?.level ?? ''}>
        {verdict ? verdict.words : 'The collapse meter reads after the first evaluation.'}
      </p>
      <Plot
        revision={metrics.version}
        minIntervalMs={2 * LIVE_REDRAW_MS}
        htmlLegend
        canvasTraces
        steadyAxes
        xEnd={steps}
        earlyFrame
        testId="chart.collapse"
        height={260}
        data={data}
        layout={{
          title: { text: 'Collapse meter' },
          xaxis: { title: { text: 'step' } },
          yaxis: { title: { text: 'std' }, rangemode: 'tozero' },
          yaxis2: { title: { text: 'effective rank' }, overlaying: 'y', side: 'right', range: [0, Math.max(1, d)], nticks: 5 },
          margin: { l: 50, r: 50, t: 30, b: 40 },
        }}
      />
    </div>
  );
}
