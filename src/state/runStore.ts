/**
 * The run history, on the page, in IndexedDB (through idb). Two object stores kept in step in every write
 * transaction: 'runs' holds whole records (metrics, embeddings, map: typed arrays stored as they are, since
 * IndexedDB structured-clones them), 'summaries' holds what the history list shows, so listing hundreds of
 * runs reads no embeddings. Records are validated on the way out; a corrupt one is reported, never fatal.
 */
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction } from 'idb';
import type { TrainConfig } from '../shared/config';
import { finalFigures, RUN_STATUSES, validateRunRecord, type FinalFigures, type RunRecord } from '../shared/runs';

/** The database's schema version: bump it and add a step to `upgrade` to change the stores later. */
export const RUN_DB_VERSION = 1;

/** What the history list shows of a run: the record minus its big arrays, plus its final figures. */
export interface RunSummary {
  id: string;
  name: string;
  notes: string;
  createdAt: number;
  updatedAt: number;
  status: RunRecord['status'];
  error?: string;
  config: TrainConfig;
  backend: string | null;
  sweepId?: string;
  sweepLabel?: string;
  /** Steps done, end-of-run loss, last kNN and probe accuracies (as the comparison table reads them). */
  final: FinalFigures;
}

/** A record that could not be read: its key and what is wrong with it, in words. */
export interface CorruptRun {
  id: string;
  error: string;
}

/** What may change on a stored run (its identity, creation time and format version may not). */
export type RunPatch = Partial<Omit<RunRecord, 'id' | 'createdAt' | 'version'>>;

/** The page's handle on the run history. */
export interface RunStore {
  /** Writes (or overwrites) a whole run and its summary. */
  save(run: RunRecord): Promise<void>;
  /** Every readable run's summary, newest first, and the records that could not be read. */
  list(): Promise<{ runs: RunSummary[]; corrupt: CorruptRun[] }>;
  /** One whole run, validated; rejects naming the run when it is missing or corrupt. */
  load(id: string): Promise<RunRecord>;
  /** Deletes a run and its summary (corrupt or not). */
  remove(id: string): Promise<void>;
  /** Renames a run (record and summary together, so the list never shows a stale name). */
  rename(id: string, name: string): Promise<void>;
  /** Replaces a run's notes, likewise in both stores. */
  setNotes(id: string, notes: string): Promise<void>;
  /** Merges a patch into a stored run (a running run's progress); updatedAt defaults to now. */
  update(id: string, patch: RunPatch): Promise<void>;
  /** Marks runs left 'running' (the page was reloaded or closed mid-run) 'interrupted'; returns their ids. */
  recoverInterrupted(): Promise<string[]>;
  /** Deletes every run. */
  clear(): Promise<void>;
  /** Closes the connection (tests; a page that deletes the database). */
  close(): void;
}

interface RunDB extends DBSchema {
  runs: { key: string; value: RunRecord };
  summaries: { key: string; value: RunSummary };
}

const STORES = ['runs', 'summaries'] as const;

/** A run's summary: everything but its big arrays, with its final figures read off the metrics. */
export function summarizeRun(run: RunRecord): RunSummary {
  const s: RunSummary = {
    id: run.id,
    name: run.name,
    notes: run.notes,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    status: run.status,
    config: run.config,
    backend: run.backend,
    final: finalFigures(run),
  };
  if (run.error !== undefined) s.error = run.error;
  if (run.sweepId !== undefined) s.sweepId = run.sweepId;
  if (run.sweepLabel !== undefined) s.sweepLabel = run.sweepLabel;
  return s;
}

const FIGURES = ['loss', 'acc', 'knn', 'knnZ', 'probeH', 'probeZ'] as const satisfies readonly (keyof FinalFigures)[];

/** Checks a stored summary's shape (cheap: the list runs it on every row); the error names the bad field. */
function checkSummary(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null) return 'the summary is not an object';
  const r = raw as Record<string, unknown>;
  for (const k of ['id', 'name', 'notes'] as const) if (typeof r[k] !== 'string') return `the summary's ${k} is not text`;
  for (const k of ['createdAt', 'updatedAt'] as const) {
    if (typeof r[k] !== 'number' || !Number.isFinite(r[k])) return `the summary's ${k} is not a number`;
  }
  if (!(RUN_STATUSES as readonly unknown[]).includes(r.status)) return `the summary's status ${JSON.stringify(r.status)} is unknown`;
  if (typeof r.config !== 'object' || r.config === null) return "the summary's config is missing";
  if (r.backend !== null && typeof r.backend !== 'string') return "the summary's backend is not text";
  const f = r.final as Record<string, unknown> | null | undefined;
  if (typeof f !== 'object' || f === null) return "the summary's final figures are missing";
  if (typeof f.steps !== 'number') return "the summary's step count is not a number";
  for (const k of FIGURES) if (f[k] !== null && typeof f[k] !== 'number') return `the summary's final ${k} is not a number`;
  for (const k of ['error', 'sweepId', 'sweepLabel'] as const) {
    if (r[k] !== undefined && typeof r[k] !== 'string') return `the summary's ${k} is not text`;
  }
  return null;
}

function errorText(e: unknown): string {
  if (e instanceof Error || (typeof DOMException !== 'undefined' && e instanceof DOMException)) return e.message || e.name;
  return String(e);
}

function isQuotaError(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const { name, code } = e as { name?: unknown; code?: unknown };
  // Firefox once named it NS_ERROR_DOM_QUOTA_REACHED; code 22 is the legacy QUOTA_EXCEEDED_ERR.
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || code === 22;
}

/** Rewrites a write's failure as a readable message (the full-storage case in the user's terms). */
function writeError(what: string, e: unknown): Error {
  if (isQuotaError(e)) return new Error("the browser's storage is full: delete some runs", { cause: e });
  return new Error(`could not ${what}: ${errorText(e)}`, { cause: e });
}

/** How a run is named in messages: its name when the record has one, else its id. */
function runLabel(id: string, raw: unknown): string {
  const name = typeof raw === 'object' && raw !== null ? (raw as { name?: unknown }).name : undefined;
  return typeof name === 'string' && name !== '' ? `"${name}" (${id})` : `"${id}"`;
}

/** A failure this module describes itself (passed through as it is, not rewrapped). */
class RunStoreError extends Error {}

type RunTx<M extends IDBTransactionMode> = IDBPTransaction<RunDB, ('runs' | 'summaries')[], M>;

/** Opens (creating or upgrading) the run history; rejects with a readable reason when IndexedDB is unavailable. */
export async function openRunStore(dbName = 'contrastive-playground'): Promise<RunStore> {
  if (typeof indexedDB === 'undefined' || indexedDB === null) {
    throw new Error('this browser gives the page no IndexedDB (private browsing, or site storage blocked)');
  }
  let conn: IDBPDatabase<RunDB> | null = null;
  /** Why the connection went away under us, once it has (a newer tab upgraded it, or the browser closed it). */
  let lost: string | null = null;
  try {
    conn = await new Promise<IDBPDatabase<RunDB>>((resolve, reject) => {
      let gaveUp = false;
      openDB<RunDB>(dbName, RUN_DB_VERSION, {
        upgrade(database, oldVersion) {
          // One step per version, applied in order, so any older database reaches the current schema.
          if (oldVersion < 1) {
            database.createObjectStore('runs', { keyPath: 'id' });
            database.createObjectStore('summaries', { keyPath: 'id' });
          }
        },
        blocked() {
          gaveUp = true;
          reject(new RunStoreError('another tab holds an older version of the run history open: close it and reload'));
        },
        blocking() {
          // A newer version of the page wants to upgrade the schema: step aside.
          lost = 'a newer version of the playground in another tab upgraded the run history: reload this page';
          conn?.close();
        },
        terminated() {
          lost = 'the browser closed the run history database: reload the page';
        },
      }).then((d) => {
        // Opened once the other tab let go, after we had given up: do not leave it open.
        if (gaveUp) d.close();
        else resolve(d);
      }, reject);
    });
  } catch (e) {
    if (e instanceof RunStoreError) throw e;
    throw new Error(`the browser refused to open IndexedDB (${errorText(e)})`, { cause: e });
  }
  const db = conn;

  function tx<M extends IDBTransactionMode>(mode: M): RunTx<M> {
    if (lost) throw new RunStoreError(lost);
    return db.transaction([...STORES], mode);
  }

  /**
   * Runs `body` in one transaction over both stores and waits for it to commit; on any failure aborts it (so
   * the two stores never disagree) and rethrows our own messages as they are, the browser's as readable ones.
   */
  async function inTx<M extends 'readonly' | 'readwrite', T>(mode: M, what: string, body: (t: RunTx<M>) => Promise<T>): Promise<T> {
    const t = tx(mode);
    try {
      const out = await body(t);
      await t.done;
      return out;
    } catch (e) {
      try {
        t.abort();
      } catch {
        // Already committed or aborted.
      }
      await t.done.catch(() => undefined);
      if (e instanceof RunStoreError) throw e;
      throw mode === 'readwrite' ? writeError(what, e) : new Error(`could not ${what}: ${errorText(e)}`, { cause: e });
    }
  }

  /** A raw record, validated; throws naming the run when it is missing or corrupt. */
  function checked(id: string, raw: unknown): RunRecord {
    if (raw === undefined) throw new RunStoreError(`no run "${id}" in the history`);
    const v = validateRunRecord(raw);
    if (!v.ok) throw new RunStoreError(`run ${runLabel(id, raw)} is corrupt: ${v.error}`);
    return v.run;
  }

  /** Read-modify-write of one run and its summary in one transaction. */
  function modify(id: string, what: string, change: (run: RunRecord) => RunRecord): Promise<void> {
    return inTx('readwrite', what, async (t) => {
      const run = checked(id, await t.objectStore('runs').get(id));
      const v = validateRunRecord(change(run));
      if (!v.ok) throw new RunStoreError(`could not ${what}: the result would be invalid (${v.error})`);
      await Promise.all([t.objectStore('runs').put(v.run), t.objectStore('summaries').put(summarizeRun(v.run))]);
    });
  }

  return {
    async save(run) {
      const v = validateRunRecord(run);
      if (!v.ok) throw new RunStoreError(`could not save run ${runLabel(run.id, run)}: ${v.error}`);
      await inTx('readwrite', `save run ${runLabel(run.id, run)}`, async (t) => {
        // The validated copy: unknown fields dropped, so what is stored is what load will accept.
        await Promise.all([t.objectStore('runs').put(v.run), t.objectStore('summaries').put(summarizeRun(v.run))]);
      });
    },

    list() {
      return inTx('readonly', 'read the run history', async (t) => {
        const summaries = t.objectStore('summaries');
        const [keys, values, runKeys] = await Promise.all([
          summaries.getAllKeys(),
          summaries.getAll(),
          // Keys only: the records, embeddings and all, stay on disk.
          t.objectStore('runs').getAllKeys(),
        ]);
        const haveRun = new Set<string>(runKeys.map(String));
        const seen = new Set<string>();
        const runs: RunSummary[] = [];
        const corrupt: CorruptRun[] = [];
        keys.forEach((key, i) => {
          const id = String(key);
          const raw: unknown = values[i];
          seen.add(id);
          const bad = checkSummary(raw);
          if (bad) corrupt.push({ id, error: `run ${runLabel(id, raw)}: ${bad}` });
          else if (!haveRun.has(id)) corrupt.push({ id, error: `run ${runLabel(id, raw)}: its data is missing` });
          else runs.push(raw as RunSummary);
        });
        for (const id of haveRun) if (!seen.has(id)) corrupt.push({ id, error: `run "${id}": its summary is missing` });
        runs.sort((a, b) => b.createdAt - a.createdAt || b.updatedAt - a.updatedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        return { runs, corrupt };
      });
    },

    load(id) {
      return inTx('readonly', `load run "${id}"`, async (t) => checked(id, await t.objectStore('runs').get(id)));
    },

    remove(id) {
      return inTx('readwrite', `delete run "${id}"`, async (t) => {
        await Promise.all([t.objectStore('runs').delete(id), t.objectStore('summaries').delete(id)]);
      });
    },

    rename(id, name) {
      return modify(id, `rename run "${id}"`, (run) => ({ ...run, name, updatedAt: Date.now() }));
    },

    setNotes(id, notes) {
      return modify(id, `save the notes of run "${id}"`, (run) => ({ ...run, notes, updatedAt: Date.now() }));
    },

    update(id, patch) {
      return modify(id, `update run "${id}"`, (run) => ({
        ...run,
        updatedAt: Date.now(),
        ...patch,
        id: run.id,
        createdAt: run.createdAt,
        version: run.version,
      }));
    },

    recoverInterrupted() {
      return inTx('readwrite', 'mark interrupted runs', async (t) => {
        const runsStore = t.objectStore('runs');
        const summaries = t.objectStore('summaries');
        const ids: string[] = [];
        const all: unknown[] = await summaries.getAll();
        for (const s of all) {
          if (checkSummary(s) !== null || (s as RunSummary).status !== 'running') continue;
          const id = (s as RunSummary).id;
          const v = validateRunRecord(await runsStore.get(id));
          if (!v.ok) continue; // Listed as corrupt; nothing to recover.
          // updatedAt stays: it is when the run was last saved, i.e. about when it was cut off.
          const run: RunRecord = { ...v.run, status: 'interrupted' };
          await Promise.all([runsStore.put(run), summaries.put(summarizeRun(run))]);
          ids.push(id);
        }
        return ids;
      });
    },

    clear() {
      return inTx('readwrite', 'clear the run history', async (t) => {
        await Promise.all([t.objectStore('runs').clear(), t.objectStore('summaries').clear()]);
      });
    },

    close() {
      db.close();
    },
  };
}
