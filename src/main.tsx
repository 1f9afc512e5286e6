/** Entry point: read the config from the URL, load the dataset in the worker, render. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { loadConfigFromUrl, loadDataset } from './state/controller';
import './styles.css';

loadConfigFromUrl();
window.addEventListener('hashchange', loadConfigFromUrl);
void loadDataset();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
