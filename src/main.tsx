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
// At the same time the worker sets up the backend, so Start trains at once. (A run started before that set-up
// ends keeps its own backend: the worker's steps run as sections on their run's backend.)
void loadDataset();
void prepareWorker();
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
