/** The playground's one screen: settings on the left; status, charts and the embedding map on the right. */
import { lazy, Suspense } from 'react';
import { evaluateNow, pause, reset, resume, setConfig, start, stop } from './state/controller';
import { useApp } from './state/store';
import { DATASET_INFO, datasetKind } from './shared/datasets';
import { ConfigPanel } from './ui/ConfigPanel';
import { StatusLine } from './ui/StatusLine';
import { ViewPairsPanel } from './ui/ViewPairs';

// plotly.js is large: the charts load after the first paint.
const Charts = lazy(() => import('./ui/Charts').then((m) => ({ default: m.Charts })));
const EmbeddingMap = lazy(() => import('./ui/EmbeddingMap').then((m) => ({ default: m.EmbeddingMap })));
const SimilarityPanel = lazy(() => import('./ui/SimilarityPanel').then((m) => ({ default: m.SimilarityPanel })));
const AblationPanel = lazy(() => import('./ui/AblationPanel').then((m) => ({ default: m.AblationPanel })));
const SweepPanel = lazy(() => import('./ui/SweepPanel').then((m) => ({ default: m.SweepPanel })));
const SphereView = lazy(() => import('./ui/SphereView').then((m) => ({ default: m.SphereView })));

export function App() {
  const config = useApp((s) => s.config);
  const status = useApp((s) => s.status);
  const notices = useApp((s) => s.notices);
  const trainSize = useApp((s) => s.heldOut?.trainSize);
  const customName = useApp((s) => s.custom.summary?.name);
  const evalNote = useApp((s) => s.evalNote);
  const running = status.kind === 'training' || status.kind === 'starting' || status.kind === 'paused';
  return (
    <div className="app">
      <header>
        <h1>Contrastive Playground</h1>
        <p className="tagline">
          Train a self-supervised model on MNIST, Fashion-MNIST, 8×8 digits, 2-D toy sets or your own images in your browser,
          without labels, and watch it learn (or collapse).
        </p>
      </header>
      {notices.length > 0 && (
        <ul className="notices" data-testid="notices" role="status">
          {notices.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
      <main>
        <aside>
          <div className="controls">
            <button data-testid="run.start" onClick={() => void start()} disabled={status.kind === 'starting'}>
              {running ? 'Restart' : 'Start'}
            </button>
            {status.kind === 'paused' ? (
              <button data-testid="run.resume" onClick={resume}>
                Resume
              </button>
            ) : (
              <button data-testid="run.pause" onClick={pause} disabled={status.kind !== 'training'}>
                Pause
              </button>
            )}
            <button data-testid="run.stop" onClick={stop} disabled={!running}>
              Stop
            </button>
            <button data-testid="run.reset" onClick={reset}>
              Reset
            </button>
            <button
              data-testid="run.evaluate"
              onClick={() => void evaluateNow()}
              disabled={status.kind === 'idle' || status.kind === 'starting'}
              title="kNN, probes, collapse meter and map now, not at the next evaluation step"
            >
              Evaluate now
            </button>
          </div>
          {evalNote && (
            <p className="hint" data-testid="run.evalNote">
              {evalNote}
            </p>
          )}
          {running && <p className="hint">Changed settings apply on the next start.</p>}
          <ConfigPanel config={config} onChange={setConfig} trainSize={trainSize} customName={customName} />
        </aside>
        <section className="results">
          <StatusLine />
          <Suspense fallback={<div className="loading">Loading charts…</div>}>
            <Charts />
            <SphereView />
            <EmbeddingMap />
          </Suspense>
          {datasetKind(config.dataset) !== 'points' && <ViewPairsPanel />}
          <Suspense fallback={null}>
            <SimilarityPanel />
            <SweepPanel />
            <AblationPanel />
          </Suspense>
        </section>
      </main>
      <footer>
        SimCLR, MoCo v2, BYOL, SimSiam, Barlow Twins, VICReg and SupCon on TensorFlow.js · {Object.values(DATASET_INFO).map((d) => d.credit).join(' · ')} ·
        labels are used only to evaluate and colour, never to train, except by SupCon, the supervised reference.
      </footer>
    </div>
  );
}
