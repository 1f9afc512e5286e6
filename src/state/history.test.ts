/** The run history's page glue (fake-indexeddb in Node): tracking, throttled saves, reload recovery, edits, import. */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CONFIG, methodDefaults } from '../shared/config';
import { runJson } from '../shared/export';
import { emptyRunMetrics, type RunEmbeddings, type RunMap, type RunMetrics } from '../shared/runs';
import {
  SAVE_EVERY_MS,
  clearSelected,
  defaultRunName,
  deleteRun,
  historyIdle,
  historyStore,
  importRunFile,
  initHistory,
  loadRun,
  renameRun,
  setRunNotes,
  toRunMetrics,
  toggleSelected,
  trackRun,
} from './history';
import { emptyMetrics } from './store';

let dbCount = 0;
function dbName(): string {
  return `history-test-${++dbCount}-${Math.random().toString(36).slice(2)}`;
}

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

/** Metrics of `n` logged steps with an evaluation at each of `evals`. */
function metrics(n: number, evals: number[] = []): RunMetrics {
  const m = emptyRunMetrics();
  for (let i = 1; i <= n; i++) {
    m.step.push(i);
    m.loss.push(5 - i / 10);
    m.lr.push(0.003);
    m.acc.push(i / (n + 1));
    m.zStd.push(0.15);
  }
  for (const s of evals) {
    m.evalStep.push(s);
    m.knn.push(0.5 + s / 1000);
    m.knnZ.push(0.4);
    m.probeH.push(0.6);
    m.probeZ.push(0.55);
    m.probeH1.push(Number.NaN);
    m.probeH10.push(Number.NaN);
    m.align.push(1);
    m.uniform.push(-2);
    m.evalZStd.push(0.15);
    m.effRank.push(5);
  }
  m.zDim = 32;
  return m;
}

function embeddings(step: number, n = 6, dim = 4): RunEmbeddings {
  return {
    step,
    dim,
    n,
    data: Float32Array.from({ length: n * dim }, (_, i) => i / 3),
    labels: Int32Array.from({ length: n }, (_, i) => i % 3),
    classNames: ['0', '1', '2'],
  };
}

function map(step: number, n = 6): RunMap {
  return { step, xy: Float32Array.from({ length: 2 * n }, (_, i) => i - n) };
}

/** Fakes setTimeout and the clock only: fake-indexeddb schedules with the real setImmediate. */
function fakeClock(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
}

const stored = (id: string) => loadRun(id);

describe('run history', () => {
  it('saves a tracked run as running at once, under a default name built from its config', async () => {
    await initHistory(dbName());
    expect(historyStore.getState()).toMatchObject({ available: true, error: null, runs: [] });
    const h = trackRun({ config: { ...DEFAULT_CONFIG } });
    await historyIdle();
    const { runs } = historyStore.getState();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ id: h.id, status: 'running', backend: null });
    expect(runs[0]!.name).toMatch(/^SimCLR · MNIST · τ 0\.5 · \d\d:\d\d$/);
    const run = await stored(h.id);
    expect(run.status).toBe('running');
    expect(run.metrics.step).toEqual([]);
    expect(run.embeddings).toBeNull();
  });

  it('names runs by method, dataset, τ (when the method reads it) and time; keeps a given name and sweep', async () => {
    const at = new Date(2024, 0, 2, 14, 2);
    expect(defaultRunName({ ...DEFAULT_CONFIG }, at)).toBe('SimCLR · MNIST · τ 0.5 · 14:02');
    expect(defaultRunName({ ...methodDefaults('moco'), dataset: 'digits' }, at)).toBe('MoCo v2 · Digits 8×8 · τ 0.2 · 14:02');
    expect(defaultRunName({ ...methodDefaults('byol') }, new Date(2024, 0, 2, 9, 5))).toBe('BYOL · MNIST · 09:05');
    await initHistory(dbName());
    const h = trackRun({ config: { ...DEFAULT_CONFIG }, name: 'mine', sweepId: 'sw1', sweepLabel: 'τ = 0.1' });
    await h.finish('done');
    expect(await stored(h.id)).toMatchObject({ name: 'mine', sweepId: 'sw1', sweepLabel: 'τ = 0.1', status: 'done' });
  });

  it('throttles progress to one save per interval, the newest progress winning; the first evaluation saves at once', async () => {
    fakeClock();
    await initHistory(dbName());
    const h = trackRun({ config: { ...DEFAULT_CONFIG } });
    await historyIdle();
    h.update({ metrics: metrics(3), backend: 'wasm' });
    await historyIdle();
    expect((await stored(h.id)).metrics.step).toEqual([]);
    await vi.advanceTimersByTimeAsync(SAVE_EVERY_MS);
    await historyIdle();
    let run = await stored(h.id);
    expect(run.metrics.step).toEqual([1, 2, 3]);
    expect(run.backend).toBe('wasm');
    expect(historyStore.getState().runs[0]!.final.steps).toBe(3);

    // Two updates within one interval: one save, of the newer.
    h.update({ metrics: metrics(5) });
    await vi.advanceTimersByTimeAsync(SAVE_EVERY_MS / 3);
    h.update({ metrics: metrics(7) });
    await historyIdle();
    expect((await stored(h.id)).metrics.step).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(SAVE_EVERY_MS);
    await historyIdle();
    expect((await stored(h.id)).metrics.step).toHaveLength(7);

    // The first evaluation (with its embeddings) is saved without waiting for the interval.
    h.update({ metrics: metrics(8, [8]), embeddings: embeddings(8) });
    await historyIdle();
    run = await stored(h.id);
    expect(run.metrics.evalStep).toEqual([8]);
    expect(run.embeddings?.data).toBeInstanceOf(Float32Array);
    expect(Array.from(run.embeddings!.labels)).toEqual([0, 1, 2, 0, 1, 2]);
    // Later ones wait again.
    h.update({ metrics: metrics(9, [8, 9]), embeddings: embeddings(9) });
    await historyIdle();
    expect((await stored(h.id)).metrics.evalStep).toEqual([8]);
    await vi.advanceTimersByTimeAsync(SAVE_EVERY_MS);
    await historyIdle();
    expect((await stored(h.id)).metrics.evalStep).toEqual([8, 9]);
  });

  it('finish writes the final state at once, pending and last progress included; a late map follows', async () => {
    fakeClock();
    await initHistory(dbName());
    const h = trackRun({ config: { ...DEFAULT_CONFIG } });
    h.update({ metrics: metrics(4) });
    await h.finish('done', undefined, { metrics: metrics(10, [5, 10]), embeddings: embeddings(10), map: map(10), backend: 'cpu' });
    const run = await stored(h.id);
    expect(run.status).toBe('done');
    expect(run.metrics.step).toHaveLength(10);
    expect(run.metrics.evalStep).toEqual([5, 10]);
    expect(run.embeddings?.step).toBe(10);
    expect(Array.from(run.map!.xy)).toEqual(Array.from(map(10).xy));
    expect(run.backend).toBe('cpu');
    await historyIdle();
    expect(historyStore.getState().runs[0]).toMatchObject({ status: 'done', final: { steps: 10, knn: 0.51, probeH: 0.6 } });
    // A late arrival (the last map, laid out after the end) is written at once; the status stays.
    h.update({ map: map(11) });
    await historyIdle();
    expect(await stored(h.id)).toMatchObject({ status: 'done', map: { step: 11 } });
    expect((await stored(h.id)).metrics.step).toHaveLength(10);
  });

  it('keeps the order of a burst of updates: one write in flight, the final state last', async () => {
    await initHistory(dbName());
    const h = trackRun({ config: { ...DEFAULT_CONFIG } });
    for (let i = 1; i <= 20; i++) h.update({ metrics: metrics(i, [i]), embeddings: embeddings(i) });
    const done = h.finish('stopped');
    h.update({ map: map(20) });
    await done;
    await historyIdle();
    const run = await stored(h.id);
    expect(run.status).toBe('stopped');
    expect(run.metrics.step).toHaveLength(20);
    expect(run.embeddings?.step).toBe(20);
    expect(run.map?.step).toBe(20);
  });

  it('records an error run with its message', async () => {
    await initHistory(dbName());
    const h = trackRun({ config: { ...DEFAULT_CONFIG } });
    await h.finish('error', 'the training worker crashed');
    expect(await stored(h.id)).toMatchObject({ status: 'error', error: 'the training worker crashed' });
  });

  it('after a reload, a run left running is in the history as interrupted, with its saved metrics', async () => {
    fakeClock();
    const name = dbName();
    await initHistory(name);
    const h = trackRun({ config: { ...DEFAULT_CONFIG } });
    h.update({ metrics: metrics(6, [5]), embeddings: embeddings(5), map: map(5) });
    await historyIdle();
    h.update({ metrics: metrics(12, [5]) });
    await vi.advanceTimersByTimeAsync(SAVE_EVERY_MS);
    await historyIdle();
    // The page reloads mid-run: the history opens afresh on the same database.
    await initHistory(name);
    const { runs, available } = historyStore.getState();
    expect(available).toBe(true);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ id: h.id, status: 'interrupted', final: { steps: 12, knn: 0.505 } });
    const run = await stored(h.id);
    expect(run.status).toBe('interrupted');
    expect(run.embeddings?.n).toBe(6);
    expect(run.map?.step).toBe(5);
    // The old page's handle writes nothing into the new page's history.
    await h.finish('done');
    await historyIdle();
    expect((await stored(h.id)).status).toBe('interrupted');
  });

  it('renames, annotates, selects and deletes runs; a deleted running run stops saving', async () => {
    await initHistory(dbName());
    const a = trackRun({ config: { ...DEFAULT_CONFIG }, name: 'a' });
    await a.finish('done', undefined, { metrics: metrics(3) });
    const b = trackRun({ config: { ...DEFAULT_CONFIG, seed: 2 }, name: 'b' });
    await historyIdle();
    await renameRun(a.id, 'first');
    await setRunNotes(a.id, 'τ too high?');
    let { runs } = historyStore.getState();
    expect(runs.map((r) => r.name).sort()).toEqual(['b', 'first']);
    expect(runs.find((r) => r.id === a.id)?.notes).toBe('τ too high?');
    expect(await stored(a.id)).toMatchObject({ name: 'first', notes: 'τ too high?' });

    toggleSelected(a.id);
    toggleSelected(b.id);
    expect(historyStore.getState().selected).toEqual([a.id, b.id]);
    const loaded = await loadRun(a.id);
    expect(historyStore.getState().loaded[a.id]).toBe(loaded);
    expect(await loadRun(a.id)).toBe(loaded);
    // A change to the run invalidates the cached record.
    await renameRun(a.id, 'first!');
    expect((await loadRun(a.id)).name).toBe('first!');
    toggleSelected(a.id);
    expect(historyStore.getState().selected).toEqual([b.id]);
    expect(historyStore.getState().loaded[a.id]).toBeUndefined();

    await deleteRun(b.id);
    b.update({ metrics: metrics(5, [5]), embeddings: embeddings(5) });
    await b.finish('done');
    await historyIdle();
    ({ runs } = historyStore.getState());
    expect(runs.map((r) => r.id)).toEqual([a.id]);
    expect(historyStore.getState().selected).toEqual([]);
    expect(historyStore.getState().error).toBeNull();
    await expect(loadRun(b.id)).rejects.toThrow(/no run/);
    clearSelected();
  });

  it('imports a run file as a new run and refuses a bad one, changing nothing', async () => {
    await initHistory(dbName());
    const h = trackRun({ config: { ...DEFAULT_CONFIG, seed: 7 }, name: 'exported' });
    await h.finish('done', undefined, { metrics: metrics(10, [10]), embeddings: embeddings(10), map: map(10) });
    const original = await loadRun(h.id);
    const r = await importRunFile(runJson(original));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.id).not.toBe(h.id);
    const copy = await loadRun(r.id);
    expect(copy).toMatchObject({ name: 'exported', status: 'done', config: { seed: 7 } });
    expect(copy.metrics.knn).toEqual(original.metrics.knn);
    expect(Array.from(copy.embeddings!.data)).toEqual(Array.from(original.embeddings!.data));
    expect(historyStore.getState().runs).toHaveLength(2);

    const bad = await importRunFile('{"version": 1, "id": "x"}');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toMatch(/^not a playground run: /);
    const notJson = await importRunFile('{oops');
    expect(notJson.ok).toBe(false);
    if (!notJson.ok) expect(notJson.error).toMatch(/^not a JSON file/);
    expect(historyStore.getState().runs).toHaveLength(2);
  });

  it('an imported run that was running comes in as interrupted', async () => {
    await initHistory(dbName());
    const h = trackRun({ config: { ...DEFAULT_CONFIG } });
    await historyIdle();
    const r = await importRunFile(runJson(await loadRun(h.id)));
    expect(r.ok && (await loadRun(r.id)).status).toBe('interrupted');
  });

  it('a failed save goes to the error line, never to the caller', async () => {
    await initHistory(dbName());
    const h = trackRun({ config: { ...DEFAULT_CONFIG } });
    // A map of 4 points for embeddings of 6: the store refuses the record.
    h.update({ metrics: metrics(2, [2]), embeddings: embeddings(2), map: map(2, 4) });
    await historyIdle();
    expect(historyStore.getState().error).toMatch(/could not update run/);
    await expect(h.finish('done')).resolves.toBeUndefined();
  });

  it('without IndexedDB, the history is off and says why; tracking still works, saving nothing', async () => {
    vi.stubGlobal('indexedDB', undefined);
    await initHistory(dbName());
    const s = historyStore.getState();
    expect(s.available).toBe(false);
    expect(s.error).toMatch(/^run history is off: .*IndexedDB/);
    const h = trackRun({ config: { ...DEFAULT_CONFIG } });
    h.update({ metrics: metrics(2, [2]), embeddings: embeddings(2) });
    await expect(h.finish('done')).resolves.toBeUndefined();
    expect(historyStore.getState().runs).toEqual([]);
    await expect(loadRun(h.id)).rejects.toThrow(/run history is off/);
    expect(await importRunFile('{}')).toMatchObject({ ok: false });
    await renameRun(h.id, 'x');
  });

  it('toRunMetrics copies the page store series, without its display-only fields', () => {
    const m = emptyMetrics();
    m.step.push(1, 2);
    m.loss.push(3, 2);
    m.lossSmooth.push(3, 2.9);
    m.lr.push(0.1, 0.1);
    m.acc.push(0.2, 0.3);
    m.zStd.push(0.1, 0.1);
    m.stepMs.push(5, 5);
    m.evalStep.push(2);
    for (const k of ['knn', 'knnZ', 'probeH', 'probeZ', 'probeH1', 'probeH10', 'align', 'uniform', 'evalZStd', 'effRank'] as const) m[k].push(0.5);
    m.zDim = 16;
    const r = toRunMetrics(m);
    expect(Object.keys(r).sort()).toEqual(Object.keys(emptyRunMetrics()).sort());
    expect(r).toMatchObject({ step: [1, 2], loss: [3, 2], evalStep: [2], knn: [0.5], zDim: 16 });
    m.step.push(3);
    m.knn.push(0.6);
    expect(r.step).toEqual([1, 2]);
    expect(r.knn).toEqual([0.5]);
  });
});
