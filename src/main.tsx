/** Entry point: read the config from the URL, load the dataset in the worker, render. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { loadConfigFromUrl, loadDataset, prepareWorker, setMapEngine } from './state/controller';
import { initHistory } from './state/history';
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

// plotly.js (its cartesian build) loads right after the first paint: its evaluation is one long task (about a
// second here), better over before Start is pressed than in the middle of a run; the first paint does not wait.
// A failed load is tried again by the first chart that has something to draw.
requestAnimationFrame(() => setTimeout(() => void loadPlotly().catch(() => undefined), 0));

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
