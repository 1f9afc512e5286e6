/** Entry point: read the config from the URL, load the dataset in the worker, render. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { loadConfigFromUrl, loadDataset, prepareWorker, setMapEngine } from './state/controller';
import { initHistory } from './state/history';
import './styles.css';

// The run history opens first: a run left 'running' by a reload becomes 'interrupted' before any new run starts.
void initHistory();
loadConfigFromUrl();
window.addEventListener('hashchange', loadConfigFromUrl);
// Then the worker sets up the backend, so Start trains at once.
void loadDataset().then(() => prepareWorker());
// A developer switch in the query (not the shared hash): ?mapEngine=gpu|cpu picks the map's t-SNE engine.
const mapEngine = new URLSearchParams(location.search).get('mapEngine');
if (mapEngine === 'gpu' || mapEngine === 'cpu') void setMapEngine(mapEngine);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
