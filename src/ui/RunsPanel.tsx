/**
 * The run history: every run saved in this browser (IndexedDB), newest first, each with its name (editable),
 * status, settings in brief, final figures and notes; per run, its files (config JSON, metrics CSV, embeddings
 * and metadata TSV for the TensorFlow Embedding Projector, the whole run as JSON) and "Load settings"; an import
 * of a run or a config file; and, with two or more runs ticked, their side-by-side comparison.
 */
import { useEffect, useState, type ChangeEvent, type KeyboardEvent } from 'react';
import { withDataset, type TrainConfig } from '../shared/config';
import { DATASET_LABELS } from '../shared/datasets';
import { configJson, embeddingsTsv, exportName, metadataTsv, metricsCsv, parseConfigJson, runJson } from '../shared/export';
import { METHOD_INFO } from '../shared/methods';
import type { RunRecord } from '../shared/runs';
import { setConfig } from '../state/controller';
import {
  clearHistoryError,
  clearSelected,
  deleteRun,
  ensureHistory,
  historyStore,
  importRunFile,
  loadRun,
  renameRun,
  setRunNotes,
  toggleSelected,
  useHistory,
  type RunSummary,
} from '../state/history';
import { store } from '../state/store';
import { RunCompare } from './RunCompare';

/** Saves text or a Blob as a file: a Blob URL clicked through an <a download>, revoked once the browser has it. */
export function download(name: string, content: string | Blob, type: string): void {
  const blob = typeof content === 'string' ? new Blob([content], { type }) : content;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

/** A figure to three decimals, or a dash where never measured. */
export function fmt(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits);
}

const STATUS_WORDS: Record<RunSummary['status'], string> = {
  running: 'running',
  done: 'done',
  stopped: 'stopped',
  error: 'error',
  interrupted: 'interrupted',
};

const STATUS_TITLES: Partial<Record<RunSummary['status'], string>> = {
  running: 'training now (saved every few seconds)',
  interrupted: 'the page was closed or reloaded while this run trained: it holds what was saved until then',
};

function when(ms: number): string {
  const d = new Date(ms);
  return d.toLocaleString(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message || e.name : String(e);
}

/** Larger files than this are refused before reading (a run with its embeddings is a few MB). */
const MAX_IMPORT_BYTES = 256 * 1024 * 1024;

/**
 * Applies a config from a run or a file. A run on your own data needs those data loaded: without them, the
 * other settings apply on MNIST, and the message says so.
 */
function applyConfig(config: TrainConfig, what: string): string {
  if (config.dataset === 'custom' && !store.getState().custom.summary) {
    setConfig(withDataset(config, 'mnist'));
    return `${what} applied, on MNIST: the run trained on your own data, which is not loaded (load it under Data, then pick it)`;
  }
  setConfig(config);
  return `${what} applied: press Start to train with them`;
}

/** Reads an imported file: a run joins the history, a config sets the panel; the error names what is wrong. */
async function importFile(file: File): Promise<{ ok: true; message: string } | { ok: false; error: string }> {
  if (file.size > MAX_IMPORT_BYTES) return { ok: false, error: `the file is too large (${Math.round(file.size / 2 ** 20)} MB; at most 256 MB)` };
  let text: string;
  try {
    text = await file.text();
  } catch (e) {
    return { ok: false, error: `could not read the file (${errorText(e)})` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // parseConfigJson words the syntax error.
    const c = parseConfigJson(text);
    return { ok: false, error: c.ok ? 'not a JSON file' : (c.errors[0] ?? 'not a JSON file') };
  }
  // A run has metrics (a config never does); a run file that lost them is still read as a run, to say so.
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw) && ('metrics' in raw || ('version' in raw && 'config' in raw))) {
    const r = await importRunFile(text);
    if (!r.ok) return r;
    const name = historyStore.getState().runs.find((x) => x.id === r.id)?.name;
    return { ok: true, message: `imported ${file.name} into the history${name ? ` as "${name}"` : ''}` };
  }
  const c = parseConfigJson(text);
  if (!c.ok) {
    const shown = c.errors.slice(0, 6).join('; ');
    return { ok: false, error: `not a playground run or config: ${shown}${c.errors.length > 6 ? `; and ${c.errors.length - 6} more` : ''}` };
  }
  return { ok: true, message: applyConfig(c.config, `settings from ${file.name}`) };
}

export function RunsPanel() {
  useEffect(() => {
    void ensureHistory();
  }, []);
  const available = useHistory((s) => s.available);
  const error = useHistory((s) => s.error);
  const runs = useHistory((s) => s.runs);
  const corrupt = useHistory((s) => s.corrupt);
  const selected = useHistory((s) => s.selected);
  const [message, setMessage] = useState<string | null>(null);
  const [importError, setImportError] = useState<string | null>(null);
  const [importing, setImporting] = useState(false);

  async function onImport(e: ChangeEvent<HTMLInputElement>) {
    const input = e.currentTarget;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    setImportError(null);
    setMessage(null);
    setImporting(true);
    try {
      const outcome = await importFile(file);
      if (outcome.ok) setMessage(outcome.message);
      else setImportError(`${file.name}: ${outcome.error}`);
    } finally {
      setImporting(false);
    }
  }

  return (
    <details className="view-pairs runs" data-testid="runs" data-count={runs.length} data-available={available}>
      <summary>Run history{runs.length > 0 ? ` (${runs.length})` : ''}</summary>
      <p className="hint">
        Every run is saved in this browser (IndexedDB) with its settings, seed, metrics and the final embeddings of the held-out
        set; it survives a reload. Tick two or more to compare them.
      </p>
      {error && (
        <p className="runs-alert" data-testid="runs.error" role="alert">
          {error}{' '}
          {available && (
            <button type="button" className="runs-small" onClick={clearHistoryError} aria-label="dismiss">
              ×
            </button>
          )}
        </p>
      )}
      {corrupt.length > 0 && (
        <div className="runs-alert runs-corrupt" data-testid="runs.corrupt" role="alert">
          {corrupt.length === 1 ? 'One saved run could not be read:' : `${corrupt.length} saved runs could not be read:`}
          <ul>
            {corrupt.map((c) => (
              <li key={c.id} data-id={c.id}>
                {c.error}{' '}
                <button type="button" className="runs-small" data-testid="runs.corrupt.delete" onClick={() => void deleteRun(c.id)}>
                  Delete
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
      <div className="runs-bar">
        <label className="file-button" title="a run file (…-run.json) joins the history; a config file (…-config.json) sets the settings">
          {importing ? 'Importing…' : 'Import a run or config (.json)'}
          <input type="file" accept=".json,application/json" data-testid="runs.import" onChange={(e) => void onImport(e)} disabled={importing} />
        </label>
        {selected.length > 0 && (
          <span className="hint" data-testid="runs.selected">
            {selected.length} ticked{selected.length === 1 ? ': tick another to compare' : ''}{' '}
            <button type="button" className="runs-small" data-testid="runs.clearSelection" onClick={clearSelected}>
              Untick all
            </button>
          </span>
        )}
      </div>
      {importError && (
        <p className="runs-alert" data-testid="runs.importError" role="alert">
          {importError}
        </p>
      )}
      {message && (
        <p className="hint runs-message" data-testid="runs.message" role="status">
          {message}
        </p>
      )}
      {runs.length === 0 ? (
        <p className="hint" data-testid="runs.empty">
          {available ? 'No runs yet: start one and it appears here.' : 'No saved runs.'}
        </p>
      ) : (
        <ul className="runs-list">
          {runs.map((r) => (
            <RunRow key={r.id} run={r} selected={selected.includes(r.id)} onMessage={setMessage} />
          ))}
        </ul>
      )}
      {selected.length >= 2 && <RunCompare ids={selected} />}
    </details>
  );
}

interface RowProps {
  run: RunSummary;
  selected: boolean;
  onMessage: (m: string | null) => void;
}

function RunRow({ run, selected, onMessage }: RowProps) {
  const c = run.config;
  const f = run.final;
  const commitName = (el: HTMLInputElement) => {
    const name = el.value.trim();
    if (name === '' || name === run.name) el.value = run.name;
    else void renameRun(run.id, name);
  };
  const nameKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') e.currentTarget.blur();
    else if (e.key === 'Escape') {
      e.currentTarget.value = run.name;
      e.currentTarget.blur();
    }
  };

  /** Loads the whole record (embeddings and all) for an export; a failure is said in the message line. */
  async function withRecord(what: string, f: (r: RunRecord) => void) {
    try {
      f(await loadRun(run.id));
    } catch (e) {
      onMessage(`could not export ${what} of "${run.name}": ${errorText(e)}`);
    }
  }

  return (
    <li className={`runs-item runs-${run.status}`} data-testid="runs.item" data-id={run.id} data-status={run.status} data-updated={run.updatedAt} aria-selected={selected}>
      <div className="runs-head">
        <input
          type="checkbox"
          data-testid="runs.select"
          checked={selected}
          onChange={() => toggleSelected(run.id)}
          title="tick two or more runs to compare them"
          aria-label={`compare ${run.name}`}
        />
        <input
          key={run.name}
          className="runs-name"
          data-testid="runs.name"
          defaultValue={run.name}
          maxLength={200}
          aria-label="run name"
          onBlur={(e) => commitName(e.currentTarget)}
          onKeyDown={nameKey}
        />
        <span className={`pill runs-status runs-status-${run.status}`} data-testid="runs.status" title={run.status === 'error' ? run.error : STATUS_TITLES[run.status]}>
          {STATUS_WORDS[run.status]}
        </span>
      </div>
      <div className="runs-meta" data-testid="runs.meta">
        {DATASET_LABELS[c.dataset] ?? c.dataset} · {METHOD_INFO[c.method]?.label ?? c.method} · {f.steps} / {c.steps} steps · batch {c.batchSize} · seed {c.seed}
        {run.backend ? ` · ${run.backend}` : ''}
        {run.sweepLabel ? ` · sweep: ${run.sweepLabel}` : ''} · {when(run.createdAt)}
      </div>
      <div className="runs-figures" data-testid="runs.figures">
        kNN <b data-testid="runs.knn">{fmt(f.knn)}</b> · probe h <b data-testid="runs.probe">{fmt(f.probeH)}</b> · probe z {fmt(f.probeZ)} · loss {fmt(f.loss)}
      </div>
      {run.status === 'error' && run.error && <div className="runs-run-error">{run.error}</div>}
      <textarea
        key={run.notes}
        className="runs-notes"
        data-testid="runs.notes"
        defaultValue={run.notes}
        placeholder="Notes"
        rows={1}
        aria-label="notes"
        onBlur={(e) => {
          if (e.currentTarget.value !== run.notes) void setRunNotes(run.id, e.currentTarget.value);
        }}
      />
      <div className="runs-actions">
        <button
          type="button"
          data-testid="runs.load"
          title="put this run's settings (seed included) in the panel"
          onClick={() => onMessage(applyConfig(run.config, `settings of "${run.name}"`))}
        >
          Load settings
        </button>
        <span className="runs-exports">
          Save:{' '}
          <button
            type="button"
            data-testid="runs.export.config"
            title="the settings as JSON (npm run train -- --config FILE reads it; so does the import here)"
            onClick={() => download(exportName(run, 'config.json'), configJson(run.config), 'application/json')}
          >
            config
          </button>
          <button
            type="button"
            data-testid="runs.export.csv"
            title="the metrics as CSV, one row per logged step"
            onClick={() => void withRecord('the metrics', (r) => download(exportName(r, 'metrics.csv'), metricsCsv(r), 'text/csv'))}
          >
            metrics CSV
          </button>
          <button
            type="button"
            data-testid="runs.export.tsv"
            title="vectors.tsv and metadata.tsv: load both at projector.tensorflow.org"
            onClick={() =>
              void withRecord('the embeddings', (r) => {
                const vectors = embeddingsTsv(r);
                const meta = metadataTsv(r);
                if (vectors === null || meta === null) {
                  onMessage(`"${r.name}" has no embeddings yet: they are saved at its first evaluation`);
                  return;
                }
                download(exportName(r, 'vectors.tsv'), vectors, 'text/tab-separated-values');
                download(exportName(r, 'metadata.tsv'), meta, 'text/tab-separated-values');
                onMessage(`saved ${r.embeddings!.n} embeddings of "${r.name}": load both files at projector.tensorflow.org (Load → vectors, then metadata)`);
              })
            }
          >
            embeddings TSV
          </button>
          <button
            type="button"
            data-testid="runs.export.json"
            title="the whole run (settings, metrics, embeddings, map) as JSON, to import here or elsewhere"
            onClick={() => void withRecord('the run', (r) => download(exportName(r, 'run.json'), runJson(r), 'application/json'))}
          >
            run JSON
          </button>
        </span>
        <button type="button" className="runs-delete" data-testid="runs.delete" title="delete this run from the history" onClick={() => void deleteRun(run.id)}>
          Delete
        </button>
      </div>
    </li>
  );
}
