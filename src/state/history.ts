/**
 * The run history on the page: the glue between the runs the controller trains and the IndexedDB run store
 * (runStore.ts). A small store of its own (the list the history panel shows, the runs picked for comparison, the
 * records loaded for it), run tracking (a record saved as 'running' at once, then its progress, throttled, one
 * write in flight per run), and the user's edits. Nothing here throws into the caller: a storage failure goes to
 * `historyStore.error`, and without IndexedDB every save is a no-op.
 */
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { TrainConfig } from '../shared/config';
import { DATASET_LABELS } from '../shared/datasets';
import { parseRunJson } from '../shared/export';
import { METHOD_INFO } from '../shared/methods';
import { EVAL_SERIES, RUN_RECORD_VERSION, STEP_SERIES, emptyRunMetrics, type RunEmbeddings, type RunMap, type RunMetrics, type RunRecord } from '../shared/runs';
import { openRunStore, type CorruptRun, type RunPatch, type RunStore, type RunSummary } from './runStore';
import type { Metrics } from './store';

export type { CorruptRun, RunSummary } from './runStore';

export interface HistoryState {
  /** False until the store opens, and for good when it cannot (no IndexedDB, blocked): `error` says why. */
  available: boolean;
  /** The last storage failure, in words (null when none). */
  error: string | null;
  /** Every readable run, newest first. */
  runs: RunSummary[];
  /** Records that could not be read, with what is wrong with each. */
  corrupt: CorruptRun[];
  /** Ids picked for comparison, in the order they were picked. */
  selected: string[];
  /** Whole records loaded for comparison or export, by id (a cache: reloaded when the run changes). */
  loaded: Record<string, RunRecord>;
}

export const historyStore = createStore<HistoryState>(() => ({
  available: false,
  error: null,
  runs: [],
  corrupt: [],
  selected: [],
  loaded: {},
}));

/** React hook over the history store with a selector. */
export function useHistory<T>(selector: (s: HistoryState) => T): T {
  return useStore(historyStore, selector);
}

/** How often a running run's progress is written at most (ms). */
export const SAVE_EVERY_MS = 3000;

/** The open store, or null while opening and when there is none; every write waits for `ready`. */
let db: RunStore | null = null;
let ready: Promise<RunStore | null> | null = null;
/** Counts initHistory calls: an open that a later call overtook closes itself. */
let openCount = 0;
/** Writes and list reads in flight (historyIdle waits for them). */
const inFlight = new Set<Promise<unknown>>();
/** The runs being tracked now, by id (a deleted run's tracker stops writing). */
const trackers = new Map<string, Tracker>();

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}

function setError(e: unknown): void {
  historyStore.setState({ error: errorText(e) });
}

/** Counts a promise as in flight until it settles (never rejects: errors are reported by the caller). */
function track<T>(p: Promise<T>): Promise<T> {
  const settled = p.then(
    () => undefined,
    () => undefined,
  );
  inFlight.add(settled);
  void settled.then(() => inFlight.delete(settled));
  return p;
}

/** Resolves once no write or list read is in flight (pending throttled saves are not waited for). */
export async function historyIdle(): Promise<void> {
  while (inFlight.size > 0) await Promise.all([...inFlight]);
}

/**
 * Opens the run history (the IndexedDB database `dbName`), marks runs the last page left 'running' as
 * 'interrupted', and reads the list. Calling it again reopens it, as a reload would. Never throws: when the
 * browser gives no storage, `available` stays false and `error` says why.
 */
export function initHistory(dbName?: string): Promise<void> {
  const previous = db;
  db = null;
  previous?.close();
  // As after a reload: the runs tracked so far are no longer this page's (they will read 'interrupted').
  for (const t of trackers.values()) t.drop();
  trackers.clear();
  historyStore.setState({ available: false, error: null, runs: [], corrupt: [], selected: [], loaded: {} });
  const token = ++openCount;
  const opening = (async (): Promise<RunStore | null> => {
    let store: RunStore;
    try {
      store = await openRunStore(dbName);
    } catch (e) {
      if (token === openCount) historyStore.setState({ available: false, error: `run history is off: ${errorText(e)}` });
      return null;
    }
    if (token !== openCount) {
      // A later initHistory took over while this one was opening.
      store.close();
      return null;
    }
    db = store;
    try {
      await store.recoverInterrupted();
    } catch (e) {
      setError(e);
    }
    historyStore.setState({ available: true });
    await refresh(store);
    return store;
  })();
  ready = opening;
  return track(opening).then(() => undefined);
}

/** Opens the history with the default database unless it was opened (or is opening) already. */
export function ensureHistory(): Promise<void> {
  return ready ? ready.then(() => undefined) : initHistory();
}

function store(): Promise<RunStore | null> {
  return ready ?? (void initHistory(), ready!);
}

let refreshing: Promise<void> | null = null;
let refreshAgain = false;

/** Re-reads the list (coalesced: one read at a time, one more after it when asked meanwhile). */
function refresh(s: RunStore | null = db): Promise<void> {
  if (!s) return Promise.resolve();
  if (refreshing) {
    refreshAgain = true;
    return refreshing;
  }
  const run = async () => {
    do {
      refreshAgain = false;
      try {
        const { runs, corrupt } = await s.list();
        if (db !== s) return;
        const ids = new Set(runs.map((r) => r.id));
        const { selected, loaded } = historyStore.getState();
        const keep = selected.filter((id) => ids.has(id));
        const cache = Object.fromEntries(Object.entries(loaded).filter(([id]) => ids.has(id)));
        historyStore.setState({ runs, corrupt, selected: keep.length === selected.length ? selected : keep, loaded: cache });
      } catch (e) {
        setError(e);
      }
    } while (refreshAgain);
  };
  refreshing = track(run()).finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** Re-reads the run list from storage. */
export function refreshHistory(): Promise<void> {
  return store().then((s) => refresh(s));
}

/** What a running run reports: the newest of each (omitted: unchanged). */
export interface RunProgress {
  metrics?: RunMetrics;
  embeddings?: RunEmbeddings | null;
  map?: RunMap | null;
  backend?: string | null;
}

export interface RunHandle {
  readonly id: string;
  /** Keeps the newest progress; saved at most every SAVE_EVERY_MS, at once for the first evaluation. */
  update(p: RunProgress): void;
  /**
   * Saves the run's final state (and `last` progress); resolves when written (never rejects). Progress that
   * arrives later (the last map, laid out after the end) is still saved, at once; the status stays.
   */
  finish(status: 'done' | 'stopped' | 'error', error?: string, last?: RunProgress): Promise<void>;
}

/** The page store's metrics as a run's (copies: the page appends to its arrays in place). */
export function toRunMetrics(m: Metrics): RunMetrics {
  const out = emptyRunMetrics();
  for (const k of STEP_SERIES) out[k] = m[k].slice();
  for (const k of EVAL_SERIES) out[k] = m[k].slice();
  out.zDim = m.zDim;
  return out;
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}

/** A run's default name from its config and start time: "SimCLR · MNIST · τ 0.5 · 14:02". */
export function defaultRunName(config: TrainConfig, at: Date = new Date()): string {
  const method = METHOD_INFO[config.method];
  const parts = [method?.label ?? config.method, DATASET_LABELS[config.dataset] ?? config.dataset];
  if (method?.knobs.includes('temperature')) parts.push(`τ ${config.temperature}`);
  parts.push(`${two(at.getHours())}:${two(at.getMinutes())}`);
  return parts.join(' · ');
}

let idCounter = 0;

/** A new run id: random where the browser gives one, else time and a counter. */
function newRunId(): string {
  const c = globalThis.crypto as Crypto | undefined;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  return `run-${Date.now().toString(36)}-${(++idCounter).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

function hasEval(p: RunProgress): boolean {
  return !!p.embeddings || (p.metrics?.evalStep.length ?? 0) > 0;
}

/** One tracked run: its pending progress and its one write in flight. */
class Tracker implements RunHandle {
  readonly id: string;
  private readonly created: Promise<boolean>;
  private pending: RunPatch = {};
  private hasPending = false;
  private writing: Promise<void> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastWrite = 0;
  private evalSaved = false;
  private urgent = false;
  private finished = false;
  private dropped = false;

  constructor(record: RunRecord) {
    this.id = record.id;
    this.lastWrite = Date.now();
    this.created = track(
      store().then(async (s) => {
        if (!s || this.dropped) return false;
        try {
          await s.save(record);
          void refresh(s);
          return true;
        } catch (e) {
          setError(e);
          return false;
        }
      }),
    );
  }

  update(p: RunProgress): void {
    if (this.dropped) return;
    this.merge(p);
    if (!this.evalSaved && hasEval(p)) {
      this.evalSaved = true;
      this.urgent = true;
    }
    // After the end, a late arrival (the last map, laid out after the run ended) is written at once.
    if (this.finished) this.urgent = true;
    this.schedule();
  }

  async finish(status: 'done' | 'stopped' | 'error', error?: string, last?: RunProgress): Promise<void> {
    if (this.finished) return this.writing ?? undefined;
    if (last) this.merge(last);
    this.finished = true;
    this.pending.status = status;
    if (status === 'error') this.pending.error = error ?? 'the run failed';
    this.hasPending = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.writing) await this.writing;
    await this.write();
    trackers.delete(this.id);
    // Progress that came in while the final state was being written.
    this.schedule();
  }

  /** Writes the pending progress now (the page is closing). */
  flush(): void {
    if (this.dropped || !this.hasPending || this.writing) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.launch();
  }

  /** Stops writing (the run was deleted from the history, or the history was reopened). */
  drop(): void {
    this.dropped = true;
    this.hasPending = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private merge(p: RunProgress): void {
    if (p.metrics !== undefined) this.pending.metrics = p.metrics;
    if (p.embeddings !== undefined) this.pending.embeddings = p.embeddings;
    if (p.map !== undefined) this.pending.map = p.map;
    if (p.backend !== undefined) this.pending.backend = p.backend;
    this.hasPending = true;
  }

  /** Plans the next write: now when urgent, else SAVE_EVERY_MS after the last; none while one is in flight. */
  private schedule(): void {
    if (this.writing || this.dropped || !this.hasPending) return;
    if (this.urgent) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.launch();
      return;
    }
    if (this.timer) return;
    const delay = Math.max(0, this.lastWrite + SAVE_EVERY_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.launch();
    }, delay);
  }

  /** Writes now, then plans the next write for what arrived meanwhile. */
  private launch(): void {
    void this.write().then(() => this.schedule());
  }

  /** Writes the pending progress (the one write in flight; a newer progress waits as the next pending one). */
  private write(): Promise<void> {
    if (!this.hasPending || this.dropped) return Promise.resolve();
    const patch = this.pending;
    this.pending = {};
    this.hasPending = false;
    this.urgent = false;
    const w = track(
      (async () => {
        const ok = await this.created;
        const s = db;
        if (!ok || !s || this.dropped) return;
        try {
          await s.update(this.id, patch);
          void refresh(s);
        } catch (e) {
          if (!this.dropped) setError(e);
        } finally {
          this.lastWrite = Date.now();
        }
      })(),
    );
    this.writing = w;
    void w.then(() => {
      if (this.writing === w) this.writing = null;
    });
    return w;
  }
}

/**
 * Starts tracking a run: its record is saved as 'running' at once (with the default name unless given), then
 * `update` saves its progress and `finish` its end. Works, saving nothing, when the history is unavailable.
 */
export function trackRun(init: { config: TrainConfig; name?: string; sweepId?: string; sweepLabel?: string }): RunHandle {
  const now = Date.now();
  const record: RunRecord = {
    id: newRunId(),
    name: init.name ?? defaultRunName(init.config, new Date(now)),
    notes: '',
    createdAt: now,
    updatedAt: now,
    status: 'running',
    config: { ...init.config },
    backend: null,
    metrics: emptyRunMetrics(),
    embeddings: null,
    map: null,
    version: RUN_RECORD_VERSION,
  };
  if (init.sweepId !== undefined) record.sweepId = init.sweepId;
  if (init.sweepLabel !== undefined) record.sweepLabel = init.sweepLabel;
  const t = new Tracker(record);
  trackers.set(t.id, t);
  return t;
}

/** Runs a user's change against the store and refreshes the list; failures go to `error`. */
async function edit(what: (s: RunStore) => Promise<void>): Promise<boolean> {
  const s = await store();
  if (!s) return false;
  try {
    await track(what(s));
    return true;
  } catch (e) {
    setError(e);
    return false;
  } finally {
    await refresh(s);
  }
}

export async function renameRun(id: string, name: string): Promise<void> {
  await edit((s) => s.rename(id, name));
}

export async function setRunNotes(id: string, notes: string): Promise<void> {
  await edit((s) => s.setNotes(id, notes));
}

/** Deletes a run (corrupt or not); a run still training stops being saved. */
export async function deleteRun(id: string): Promise<void> {
  trackers.get(id)?.drop();
  trackers.delete(id);
  const { selected, loaded } = historyStore.getState();
  if (selected.includes(id) || id in loaded) {
    const rest = { ...loaded };
    delete rest[id];
    historyStore.setState({ selected: selected.filter((x) => x !== id), loaded: rest });
  }
  await edit((s) => s.remove(id));
}

/** Picks a run for comparison, or unpicks it. */
export function toggleSelected(id: string): void {
  const { selected, loaded } = historyStore.getState();
  if (selected.includes(id)) {
    const rest = { ...loaded };
    delete rest[id];
    historyStore.setState({ selected: selected.filter((x) => x !== id), loaded: rest });
  } else historyStore.setState({ selected: [...selected, id] });
}

/** Unpicks every run. */
export function clearSelected(): void {
  historyStore.setState({ selected: [], loaded: {} });
}

/** Clears the storage error line. */
export function clearHistoryError(): void {
  historyStore.setState({ error: null });
}

const loading = new Map<string, Promise<RunRecord>>();

/**
 * One whole run (from the cache when it has not changed since it was loaded); rejects with the store's
 * message when it is missing or corrupt, or when there is no history.
 */
export async function loadRun(id: string): Promise<RunRecord> {
  const s = await store();
  if (!s) throw new Error(historyStore.getState().error ?? 'run history is off');
  const cached = historyStore.getState().loaded[id];
  const summary = historyStore.getState().runs.find((r) => r.id === id);
  if (cached && (!summary || summary.updatedAt === cached.updatedAt)) return cached;
  const pending = loading.get(id);
  if (pending) return pending;
  const p = track(s.load(id)).then(
    (run) => {
      if (db === s && (historyStore.getState().selected.includes(id) || id in historyStore.getState().loaded)) {
        historyStore.setState({ loaded: { ...historyStore.getState().loaded, [id]: run } });
      }
      return run;
    },
  );
  loading.set(id, p);
  try {
    return await p;
  } finally {
    loading.delete(id);
  }
}

/** Reads a run file (runJson's format) and adds it to the history as a new run, with a new id. */
export async function importRunFile(text: string): Promise<{ ok: true; id: string } | { ok: false; error: string }> {
  const parsed = parseRunJson(text);
  if (!parsed.ok) return parsed;
  const s = await store();
  if (!s) return { ok: false, error: historyStore.getState().error ?? 'run history is off' };
  const now = Date.now();
  const run: RunRecord = {
    ...parsed.run,
    id: newRunId(),
    createdAt: now,
    updatedAt: now,
    // A run imported mid-training is not training here.
    status: parsed.run.status === 'running' ? 'interrupted' : parsed.run.status,
  };
  try {
    await track(s.save(run));
  } catch (e) {
    return { ok: false, error: errorText(e) };
  } finally {
    await refresh(s);
  }
  return { ok: true, id: run.id };
}

/** The page is going away: write what the running runs have (they are found 'interrupted' on the next load). */
function flushAll(): void {
  for (const t of trackers.values()) t.flush();
}

if (typeof window !== 'undefined' && typeof window.addEventListener === 'function') {
  window.addEventListener('pagehide', flushAll);
}
