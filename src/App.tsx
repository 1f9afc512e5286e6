/** The playground's one screen: settings on the left; status, charts and the embedding map on the right. */
import { lazy, Suspense } from 'react';
import { evaluateNow, exportEncoder, pause, reset, resume, setConfig, start, stop } from './state/controller';
import { store, useApp } from './state/store';
import { DATASET_INFO, datasetKind } from './shared/datasets';
import { ConfigPanel } from './ui/ConfigPanel';
import { LessonBar } from './ui/LessonBar';
import { StatusLine } from './ui/StatusLine';
import { ViewPairsPanel } from './ui/ViewPairs';

// plotly.js is large: the charts load after the first paint.
const Charts = lazy(() => import('./ui/Charts').then((m) => ({ default: m.Charts })));
const EmbeddingMap = lazy(() => import('./ui/EmbeddingMap').then((m) => ({ default: m.EmbeddingMap })));
const SimilarityPanel = lazy(() => import('./ui/SimilarityPanel').then((m) => ({ default: m.SimilarityPanel })));
const AblationPanel = lazy(() => import('./ui/AblationPanel').then((m) => ({ default: m.AblationPanel })));
const RunsPanel = lazy(() => import('./ui/RunsPanel').then((m) => ({ default: m.RunsPanel })));
const SweepPanel = lazy(() => import('./ui/SweepPanel').then((m) => ({ default: m.SweepPanel })));
const SphereView = lazy(() => import('./ui/SphereView').then((m) => ({ default: m.SphereView })));

/** Saves the last run's encoder as two files; says so in the run note when there is none. */
async function downloadEncoder(): Promise<void> {
  const r = await exportEncoder();
  if (!r) {
    store.setState({ evalNote: 'there is no trained model yet: start a run' });
    return;
  }
  const { download } = await import('./ui/RunsPanel');
  download('model.json', r.modelJson, 'application/json');
  download('encoder.weights.bin', new Blob([r.weights]), 'application/octet-stream');
}

export function App() {
  const config = useApp((s) => s.config);
  const status = useApp((s) => s.status);
  const notices = useApp((s) => s.notices);
  const trainSize = useApp((s) => s.heldOut?.trainSize);
  const customName = useApp((s) => s.custom.summary?.name);
  const evalNote = useApp((s) => s.evalNote);
  const hidden = useApp((s) => s.hidden);
  const running = status.kind === 'training' || status.kind === 'starting' || status.kind === 'paused';
  return (
    <div className="app">
      <header>
        <h1>Contrastive Playground</h1>
        <p className="tagline">
          Train a self-supervised model on MNIST, Fashion-MNIST, 8×8 digits, 2-D toy sets or your own images in your browser,
          without labels, and watch it learn (or collapse).
        </p>
        <LessonBar />
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
          <button
            data-testid="run.exportModel"
            className="link-button"
            disabled={status.kind === 'idle' || status.kind === 'starting'}
            onClick={() => void downloadEncoder()}
            title="The trained encoder (h = f(x)) as model.json + encoder.weights.bin, loadable with tf.loadLayersModel"
          >
            Download the trained encoder (TensorFlow.js)
          </button>
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
            {!hidden.includes('map') && <SphereView />}
            {!hidden.includes('map') && <EmbeddingMap />}
          </Suspense>
          {datasetKind(config.dataset) !== 'points' && !hidden.includes('views') && <ViewPairsPanel />}
          <Suspense fallback={null}>
            {!hidden.includes('similarity') && <SimilarityPanel />}
            {!hidden.includes('panel.sweep') && <SweepPanel />}
            {!hidden.includes('panel.runs') && <RunsPanel />}
            {!hidden.includes('panel.ablation') && <AblationPanel />}
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
