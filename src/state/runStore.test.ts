/** The run history in IndexedDB (fake-indexeddb in Node): round trips, summaries, corrupt records, recovery. */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CONFIG } from '../shared/config';
import { emptyRunMetrics, type RunRecord } from '../shared/runs';
import { openRunStore, type RunStore } from './runStore';

let dbCount = 0;
const opened: RunStore[] = [];

/** A fresh database per test, so tests never see each other's runs. */
async function freshStore(): Promise<{ store: RunStore; dbName: string }> {
  const dbName = `runstore-test-${++dbCount}-${Math.random().toString(36).slice(2)}`;
  const store = await openRunStore(dbName);
  opened.push(store);
  return { store, dbName };
}

afterEach(() => {
  for (const s of opened.splice(0)) s.close();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

function makeRun(id: string, createdAt: number, over: Partial<RunRecord> = {}): RunRecord {
  const n = 5;
  const dim = 3;
  const metrics = emptyRunMetrics();
  metrics.step = [1, 2, 3];
  metrics.loss = [3, 2, 1];
  metrics.lr = [0.1, 0.1, 0.1];
  metrics.acc = [0.1, 0.2, 0.3];
  metrics.zStd = [0.2, 0.2, 0.2];
  for (const [k, v] of [
    ['evalStep', [2, 3]],
    ['knn', [0.5, 0.75]],
    ['knnZ', [0.4, 0.6]],
    ['probeH', [0.6, Number.NaN]],
    ['probeZ', [0.5, Number.NaN]],
    ['probeH1', [0.3, 0.3]],
    ['probeH10', [0.4, 0.4]],
    ['align', [1, 1]],
    ['uniform', [-2, -2]],
    ['evalZStd', [0.2, 0.2]],
    ['effRank', [2, 3]],
  ] as const) {
    metrics[k] = [...v];
  }
  metrics.zDim = 16;
  return {
    id,
    name: `run ${id}`,
    notes: '',
    createdAt,
    updatedAt: createdAt,
    status: 'done',
    config: { ...DEFAULT_CONFIG },
    backend: 'cpu',
    metrics,
    embeddings: {
      step: 3,
      dim,
      n,
      data: Float32Array.from({ length: n * dim }, (_, i) => i / 7),
      labels: Int32Array.from({ length: n }, (_, i) => i % 2),
      classNames: ['a', 'b'],
    },
    map: { step: 3, xy: Float32Array.from({ length: 2 * n }, (_, i) => -i) },
    version: 1,
    ...over,
  };
}

/** Writes a value straight into one object store with the raw IndexedDB API (bypassing the store's checks). */
function rawPut(dbName: string, storeName: 'runs' | 'summaries', value: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(dbName);
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result;
      const tx = db.transaction(storeName, 'readwrite');
      tx.objectStore(storeName).put(value);
      tx.oncomplete = () => {
        db.close();
        resolve();
      };
      tx.onerror = () => {
        db.close();
        reject(tx.error);
      };
    };
  });
}

describe('run store', () => {
  it('saves, lists, loads and deletes runs, typed arrays intact', async () => {
    const { store } = await freshStore();
    const a = makeRun('a', 1000, { sweepId: 'sw', sweepLabel: 'τ = 0.1' });
    const b = makeRun('b', 2000, { status: 'error', error: 'NaN loss' });
    await store.save(a);
    await store.save(b);

    const { runs, corrupt } = await store.list();
    expect(corrupt).toEqual([]);
    expect(runs.map((r) => r.id)).toEqual(['b', 'a']);
    const sa = runs[1]!;
    expect(sa).toMatchObject({ id: 'a', name: 'run a', status: 'done', backend: 'cpu', sweepId: 'sw', sweepLabel: 'τ = 0.1' });
    expect(sa.config).toEqual(DEFAULT_CONFIG);
    expect(sa.final.steps).toBe(3);
    expect(sa.final.knn).toBe(0.75);
    expect(sa.final.probeH).toBe(0.6); // the last evaluation that measured it
    expect(sa.final.loss).toBeCloseTo(2);
    expect(runs[0]).toMatchObject({ status: 'error', error: 'NaN loss' });

    const back = await store.load('a');
    expect(back.embeddings!.data).toBeInstanceOf(Float32Array);
    expect(back.embeddings!.labels).toBeInstanceOf(Int32Array);
    expect(back.map!.xy).toBeInstanceOf(Float32Array);
    expect(Array.from(back.embeddings!.data)).toEqual(Array.from(a.embeddings!.data));
    expect(Array.from(back.embeddings!.labels)).toEqual(Array.from(a.embeddings!.labels));
    expect(Array.from(back.map!.xy)).toEqual(Array.from(a.map!.xy));
    expect(back.metrics.probeH[1]).toBeNaN();
    expect(back).toEqual(a);

    await store.remove('a');
    expect((await store.list()).runs.map((r) => r.id)).toEqual(['b']);
    await expect(store.load('a')).rejects.toThrow('no run "a" in the history');

    await store.clear();
    expect(await store.list()).toEqual({ runs: [], corrupt: [] });
  });

  it('keeps runs across connections (same database, reopened)', async () => {
    const { store, dbName } = await freshStore();
    await store.save(makeRun('x', 5));
    store.close();
    const again = await openRunStore(dbName);
    opened.push(again);
    expect((await again.list()).runs.map((r) => r.id)).toEqual(['x']);
  });

  it('renames and annotates a run, in the record and its summary', async () => {
    const { store } = await freshStore();
    await store.save(makeRun('a', 1000));
    await store.rename('a', 'baseline');
    await store.setNotes('a', 'τ too low?');
    const [s] = (await store.list()).runs;
    expect(s).toMatchObject({ name: 'baseline', notes: 'τ too low?' });
    expect(s!.updatedAt).toBeGreaterThan(1000);
    const run = await store.load('a');
    expect(run.name).toBe('baseline');
    expect(run.notes).toBe('τ too low?');
    expect(run.createdAt).toBe(1000);
    await expect(store.rename('nope', 'x')).rejects.toThrow('no run "nope"');
  });

  it('updates a running run and keeps the summary in step', async () => {
    const { store } = await freshStore();
    const run = makeRun('r', 1000, { status: 'running', embeddings: null, map: null, metrics: emptyRunMetrics() });
    await store.save(run);
    expect((await store.list()).runs[0]!.final).toMatchObject({ steps: 0, knn: null, loss: null });
    const done = makeRun('r', 1000);
    await store.update('r', { status: 'done', metrics: done.metrics, embeddings: done.embeddings, map: done.map, updatedAt: 4000 });
    const [s] = (await store.list()).runs;
    expect(s).toMatchObject({ status: 'done', updatedAt: 4000, createdAt: 1000 });
    expect(s!.final).toMatchObject({ steps: 3, knn: 0.75 });
    expect(Array.from((await store.load('r')).embeddings!.data)).toEqual(Array.from(done.embeddings!.data));
    // A patch that would make the record invalid changes nothing.
    await expect(store.update('r', { status: 'bogus' as RunRecord['status'] })).rejects.toThrow(/invalid.*status/);
    expect((await store.load('r')).status).toBe('done');
  });

  it('lists from the summaries alone: no run record (and so no embeddings) is read', async () => {
    const { store } = await freshStore();
    for (let i = 0; i < 20; i++) await store.save(makeRun(`r${i}`, i));
    const proto = globalThis.IDBObjectStore.prototype;
    const reads: string[] = [];
    for (const m of ['get', 'getAll', 'openCursor'] as const) {
      const orig = proto[m] as (...args: unknown[]) => unknown;
      vi.spyOn(proto, m).mockImplementation(function (this: IDBObjectStore, ...args: unknown[]) {
        reads.push(`${this.name}.${m}`);
        return orig.apply(this, args);
      } as never);
    }
    const { runs } = await store.list();
    expect(runs).toHaveLength(20);
    expect(reads.filter((r) => r.startsWith('runs.'))).toEqual([]);
    expect(reads).toContain('summaries.getAll');
    for (const s of runs) {
      expect(s).not.toHaveProperty('embeddings');
      expect(s).not.toHaveProperty('metrics');
      expect(s).not.toHaveProperty('map');
    }
  });

  it('reports corrupt records and still lists the others', async () => {
    const { store, dbName } = await freshStore();
    await store.save(makeRun('good', 1000));
    await store.save(makeRun('bad-body', 2000));
    // A run row with no summary, a summary that is garbage, a summary whose run is gone, a run whose body is garbage.
    await rawPut(dbName, 'runs', { id: 'junk', hello: 'world' });
    await rawPut(dbName, 'summaries', { id: 'garbled', name: 42 });
    await rawPut(dbName, 'summaries', { id: 'orphan', name: 'orphan', notes: '', createdAt: 1, updatedAt: 1, status: 'done', config: {}, backend: null, final: { steps: 0, loss: null, acc: null, knn: null, knnZ: null, probeH: null, probeZ: null } });
    await rawPut(dbName, 'runs', { id: 'bad-body', name: 'bad one', version: 1, metrics: 'nope' });

    const { runs, corrupt } = await store.list();
    // bad-body's summary is sound, so the list shows it; loading it is what finds the damage.
    expect(runs.map((r) => r.id)).toEqual(['bad-body', 'good']);
    const byId = Object.fromEntries(corrupt.map((c) => [c.id, c.error]));
    expect(Object.keys(byId).sort()).toEqual(['garbled', 'junk', 'orphan']);
    expect(byId.garbled).toMatch(/name is not text/);
    expect(byId.orphan).toMatch(/data is missing/);
    expect(byId.junk).toMatch(/summary is missing/);

    await expect(store.load('junk')).rejects.toThrow(/run "junk" is corrupt: .*version/);
    await expect(store.load('bad-body')).rejects.toThrow(/run "bad one" \(bad-body\) is corrupt: .*metrics must be an object/);
    await expect(store.rename('bad-body', 'x')).rejects.toThrow(/is corrupt/);
    expect((await store.load('good')).name).toBe('run good');

    // Deleting works on corrupt rows too, clearing them from the list.
    for (const id of ['junk', 'garbled', 'orphan', 'bad-body']) await store.remove(id);
    expect(await store.list()).toMatchObject({ corrupt: [], runs: [{ id: 'good' }] });
  });

  it('turns runs left running (a reload mid-run) into interrupted ones', async () => {
    const { store } = await freshStore();
    await store.save(makeRun('live', 1000, { status: 'running' }));
    await store.save(makeRun('live2', 1500, { status: 'running', updatedAt: 1700 }));
    await store.save(makeRun('old', 500));
    expect((await store.recoverInterrupted()).sort()).toEqual(['live', 'live2']);
    const { runs } = await store.list();
    expect(runs.map((r) => [r.id, r.status])).toEqual([
      ['live2', 'interrupted'],
      ['live', 'interrupted'],
      ['old', 'done'],
    ]);
    expect(runs[0]!.updatedAt).toBe(1700);
    expect((await store.load('live')).status).toBe('interrupted');
    expect(await store.recoverInterrupted()).toEqual([]);
  });

  it('lists newest first', async () => {
    const { store } = await freshStore();
    for (const [id, t] of [['m', 200], ['o', 100], ['n', 300], ['p', 250]] as const) await store.save(makeRun(id, t));
    expect((await store.list()).runs.map((r) => r.id)).toEqual(['n', 'p', 'm', 'o']);
  });

  it('refuses to save an invalid record', async () => {
    const { store } = await freshStore();
    await expect(store.save({ ...makeRun('v', 1), createdAt: Number.NaN })).rejects.toThrow(/could not save run "run v" \(v\): createdAt/);
    expect((await store.list()).runs).toEqual([]);
  });

  it('says the storage is full on a quota error, and writes neither store', async () => {
    const { store } = await freshStore();
    await store.save(makeRun('a', 1));
    const proto = globalThis.IDBObjectStore.prototype;
    const orig = proto.put;
    vi.spyOn(proto, 'put').mockImplementation(function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (this.name === 'runs') throw new DOMException('quota exceeded', 'QuotaExceededError');
      return orig.apply(this, args);
    });
    await expect(store.save(makeRun('b', 2))).rejects.toThrow("the browser's storage is full: delete some runs");
    await expect(store.rename('a', 'bigger')).rejects.toThrow("the browser's storage is full");
    vi.restoreAllMocks();
    const { runs, corrupt } = await store.list();
    expect(corrupt).toEqual([]);
    expect(runs.map((r) => [r.id, r.name])).toEqual([['a', 'run a']]);
  });

  it('rejects with a readable reason when IndexedDB is unavailable', async () => {
    vi.stubGlobal('indexedDB', undefined);
    await expect(openRunStore('nowhere')).rejects.toThrow(/no IndexedDB/);
  });
});
