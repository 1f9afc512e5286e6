/**
 * The augmentation ablation preset: each augmentation alone and in pairs, a short run each, kNN accuracy as a
 * lower-triangular matrix (the shape of SimCLR's Fig. 5), filled as the runs finish, with the no-augmentation
 * baseline beside it.
 */
import { useMemo, useState } from 'react';
import type { Data } from 'plotly.js-dist-min';
import { ablationAugs } from '../shared/ablation';
import { cancelAblation, runAblation } from '../state/controller';
import { useApp } from '../state/store';
import { Plot } from './Plot';

export function AblationPanel() {
  const ablation = useApp((s) => s.ablation);
  const config = useApp((s) => s.config);
  const [steps, setSteps] = useState(100);
  const augs = ablationAugs(config);
  const cells = augs.length + (augs.length * (augs.length - 1)) / 2 + 1;
  const running = ablation?.status === 'running';
  const data = useMemo<Data[]>(() => {
    if (!ablation) return [];
    const n = ablation.augs.length;
    // Rows top to bottom in list order; the upper triangle is empty (cell (i, j) = (j, i)).
    const z = ablation.augs.map((_, i) => ablation.augs.map((__, j) => (j <= i ? ablation.knn[i * n + j]! : null)));
    const text = z.map((row) => row.map((v) => (v === null || Number.isNaN(v) ? '' : v.toFixed(3))));
    return [
      {
        type: 'heatmap',
        x: ablation.augs,
        y: ablation.augs,
        z: z.map((row) => row.map((v) => (v === null || Number.isNaN(v) ? null : v))),
        text,
        texttemplate: '%{text}',
        colorscale: 'Viridis',
        colorbar: { title: { text: 'kNN acc' } },
        hovertemplate: '%{y} + %{x}: %{z:.3f}<extra></extra>',
      } as Data,
    ];
  }, [ablation]);
  const eta = ablation && running && ablation.done > 0 ? ((performance.now() - ablation.startedAt) / ablation.done) * (ablation.total - ablation.done) : null;
  return (
    <details className="view-pairs" data-testid="ablation" data-status={ablation?.status ?? 'idle'} data-done={ablation?.done ?? 0}>
      <summary>Augmentation ablation: which augmentations matter (SimCLR Fig. 5)</summary>
      <p className="hint">
        {cells} short runs with everything but the augmentations fixed: none, each of {augs.map((a) => a.label).join(', ')} alone (the
        diagonal), and each pair (below it); kNN accuracy at the end of each. Both views are augmented, as in training.
      </p>
      <div className="view-pairs-bar">
        <label>
          steps per run{' '}
          <input
            data-testid="ablation.steps"
            type="number"
            min={1}
            max={5000}
            value={steps}
            onChange={(e) => setSteps(Math.max(1, Math.min(5000, Math.round(Number(e.target.value)) || 1)))}
            style={{ width: 70 }}
          />
        </label>
        {running ? (
          <button type="button" data-testid="ablation.cancel" onClick={cancelAblation}>
            Cancel
          </button>
        ) : (
          <button type="button" data-testid="ablation.start" onClick={() => void runAblation(steps)}>
            Run {cells} runs
          </button>
        )}
        {ablation && (
          <span className="hint" data-testid="ablation.progress" role="status">
            {ablation.done} / {ablation.total} runs
            {eta !== null && ` · about ${Math.ceil(eta / 1000)} s left`}
            {ablation.status === 'cancelled' && ' · cancelled'}
            {ablation.status === 'done' && ' · done'}
            {!Number.isNaN(ablation.baseline) && ` · no augmentation: ${ablation.baseline.toFixed(3)}`}
          </span>
        )}
      </div>
      {ablation?.message && (
        <p className="error" role="alert" data-testid="ablation.error">
          {ablation.message}
        </p>
      )}
      {ablation && (
        <Plot
          testId="chart.ablation"
          height={360}
          // A new datarevision per finished run: Plotly.react otherwise keeps the heatmap's first rendering.
          revision={ablation.done}
          data={data}
          layout={{
            title: { text: `kNN accuracy after ${ablation.steps} steps on ${ablation.dataset}: row = 1st, column = 2nd augmentation` },
            yaxis: { autorange: 'reversed' },
            margin: { l: 70, r: 10, t: 40, b: 60 },
          }}
        />
      )}
    </details>
  );
}
