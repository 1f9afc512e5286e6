/** Entry point: read the config from the URL, load the dataset in the worker, render. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { loadConfigFromUrl, loadDataset, prepareWorker, setMapEngine, trainWorkerReady } from './state/controller';
import { initHistory } from './state/history';
import { store } from './state/store';
import { loadPlotly } from './ui/Plot';
import './styles.css';

// The run history opens first: a run left 'running' by a reload becomes 'interrupted' before any new run starts.
void initHistory();
loadConfigFromUrl();
window.addEventListener('hashchange', loadConfigFromUrl);
// The training worker starts and gets ready for the config (backend, data, a warm-up step), so Start trains at
// once; the page asks it for the held-out images (the map's thumbnails).
performance.mark('main.tsx evaluated');
prepareWorker();
void loadDataset();
// A developer switch in the query (not the shared hash): ?mapEngine=gpu|cpu picks the map's t-SNE engine.
const mapEngine = new URLSearchParams(location.search).get('mapEngine');
if (mapEngine === 'gpu' || mapEngine === 'cpu') void setMapEngine(mapEngine);

// plotly.js (its basic build, for the live charts) is one long task to evaluate (half a second here), so it is
// not loaded before the first paint, nor in the way of a Start click: it loads once a run has been handed to the
// worker (the run's first step trains there meanwhile; a click in the middle of the evaluation would wait for its
// end, then the step), or once the page has been idle for PLOTLY_IDLE_MS, whichever comes first, and in either case
// not before the worker has answered its first message: until then the page's thread hands the worker its messages
// (the run's start among them), and plotly's evaluation would hold them up (controller's trainWorkerReady). A
// chart with something to draw asks for it too, and a failed load is tried again by the next one (loadPlotly
// loads once).
const PLOTLY_IDLE_MS = 1500;
const loadCharts = () => {
  clearTimeout(idleLoad);
  unsubscribe();
  void trainWorkerReady().then(() => setTimeout(() => void loadPlotly().catch(() => undefined), 0));
};
let idleLoad: ReturnType<typeof setTimeout> | undefined;
requestAnimationFrame(() => (idleLoad = setTimeout(loadCharts, PLOTLY_IDLE_MS)));
// start() marks the run 'starting' and then posts it to the worker in the same task: load after that task.
const unsubscribe = store.subscribe((s) => {
  if (s.status.kind === 'starting') setTimeout(loadCharts, 0);
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
