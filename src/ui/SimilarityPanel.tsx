/**
 * The batch as the loss sees it: the 2N × 2N cosine similarities of a fresh batch's projections under the run's
 * model, shown as the softmax weights each anchor (row) gives the others at a temperature τ (NT-Xent's), with a
 * τ slider that re-weights them live; and histograms of positive and negative similarities. A low τ puts nearly
 * all of a row's weight on its hardest negatives (or its positive), a high τ spreads it evenly.
 */
import { useMemo, useState } from 'react';
import type { Data } from 'plotly.js-dist-min';
import { meanPositiveWeight, softmaxRows, splitPairs } from '../shared/similarity';
import { batchSimilarity } from '../state/controller';
import { Plot } from './Plot';

const COUNT = 32;

export function SimilarityPanel() {
  const [batch, setBatch] = useState<{ sim: Float32Array; n: number; step: number; temperature: number } | null>(null);
  const [logTau, setLogTau] = useState(Math.log10(0.5));
  const [seed, setSeed] = useState(1);
  const [message, setMessage] = useState<string | null>(null);
  const tau = 10 ** logTau;
  const refresh = () => {
    setSeed((s) => s + 1);
    batchSimilarity(COUNT, seed)
      .then((b) => {
        if (!b) setMessage('Start a run first: the matrix is computed with the run’s model.');
        else {
          setBatch(b);
          setMessage(null);
          setLogTau(Math.log10(b.temperature));
        }
      })
      .catch((e: unknown) => setMessage(`could not compute the similarities: ${(e as Error).message}`));
  };
  const heat = useMemo<Data[]>(() => {
    if (!batch) return [];
    const size = 2 * batch.n;
    const w = softmaxRows(batch.sim, size, tau);
    const z = Array.from({ length: size }, (_, i) => Array.from(w.subarray(i * size, (i + 1) * size), (v) => (Number.isNaN(v) ? null : v)));
    return [{ type: 'heatmap', z, colorscale: 'Viridis', zmin: 0, colorbar: { title: { text: 'weight' } }, hovertemplate: 'anchor %{y} → %{x}: %{z:.3f}<extra></extra>' } as Data];
  }, [batch, tau]);
  const hist = useMemo<Data[]>(() => {
    if (!batch) return [];
    const { positives, negatives } = splitPairs(batch.sim, batch.n);
    const bins = { start: -1, end: 1, size: 0.05 };
    return [
      { type: 'histogram', x: negatives, name: 'negatives', histnorm: 'probability density', xbins: bins, opacity: 0.6, marker: { color: '#d62728' } },
      { type: 'histogram', x: positives, name: 'positives', histnorm: 'probability density', xbins: bins, opacity: 0.6, marker: { color: '#2ca02c' } },
    ];
  }, [batch]);
  const posWeight = batch ? meanPositiveWeight(softmaxRows(batch.sim, 2 * batch.n, tau), batch.n) : null;
  return (
    <details className="view-pairs" data-testid="similarity" data-n={batch?.n ?? 0}>
      <summary>The batch as the loss sees it: similarities and the softmax at τ</summary>
      <div className="view-pairs-bar">
        <button type="button" data-testid="similarity.refresh" onClick={refresh}>
          {batch ? 'Another batch' : 'Compute for a batch'}
        </button>
        <label>
          τ = <output data-testid="similarity.tau">{tau.toPrecision(2)}</output>{' '}
          <input
            type="range"
            data-testid="similarity.slider"
            min={-2}
            max={0.3}
            step={0.01}
            value={logTau}
            onChange={(e) => setLogTau(Number(e.target.value))}
            aria-label="temperature τ (log scale)"
          />
        </label>
        {posWeight !== null && (
          <span className="hint" data-testid="similarity.posWeight">
            mean weight on the positive: {posWeight.toFixed(3)} (uniform would be {(1 / (2 * batch!.n - 1)).toFixed(3)})
          </span>
        )}
      </div>
      {message && <p className="hint">{message}</p>}
      {batch && (
        <div className="charts">
          <Plot
            testId="chart.similarity"
            height={380}
            data={heat}
            layout={{
              title: { text: `softmax of cos/τ per anchor (row), ${batch.n} images × 2 views, step ${batch.step}` },
              yaxis: { autorange: 'reversed', title: { text: 'anchor' } },
              xaxis: { title: { text: 'candidate (positive at ±' + batch.n + ')' } },
            }}
          />
          <Plot
            testId="chart.simHist"
            height={380}
            data={hist}
            layout={{ title: { text: 'cosine similarity of positive and negative pairs' }, barmode: 'overlay', xaxis: { title: { text: 'cos(zᵢ, zⱼ)' }, range: [-1, 1] } }}
          />
        </div>
      )}
    </details>
  );
}
