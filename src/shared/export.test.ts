import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, methodDefaults, validateConfig } from './config';
import {
  configJson,
  embeddingsTsv,
  exportName,
  float32Text,
  metadataTsv,
  METRICS_COLUMNS,
  metricsCsv,
  parseConfigJson,
  parseCsv,
  parseRunJson,
  parseTsv,
  runJson,
} from './export';
import { EVAL_SERIES, STEP_SERIES, type RunRecord } from './runs';

/** A finished run: 30 steps, evaluations every 10, 7 held-out points of 4 dimensions, awkward floats. */
function makeRun(): RunRecord {
  const steps = Array.from({ length: 30 }, (_, i) => i + 1);
  const evals = [10, 20, 30];
  const n = 7;
  const dim = 4;
  return {
    id: 'r-42',
    name: 'MoCo τ = 0.2 / K = 512',
    notes: 'a "quoted", note\nwith a line break',
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_100_000,
    status: 'done',
    config: { ...methodDefaults('moco'), mocoQueue: 512, seed: 3 },
    backend: 'webgpu',
    metrics: {
      step: steps,
      loss: steps.map((s) => Math.fround(Math.log(s + 1) / 3)),
      lr: steps.map((s) => 0.003 * Math.min(1, s / 10)),
      acc: steps.map((s) => (s === 5 ? Number.NaN : Math.fround(s / 31))),
      zStd: steps.map((s) => Math.fround(0.1 + 1 / (s + 7))),
      evalStep: evals,
      knn: [0.31, 0.52, 0.68],
      knnZ: [0.3, 0.5, 0.6],
      probeH: [Number.NaN, Number.NaN, Number.NaN],
      probeZ: [Number.NaN, Number.NaN, Number.NaN],
      probeH1: [Number.NaN, Number.NaN, Number.NaN],
      probeH10: [Number.NaN, Number.NaN, Number.NaN],
      align: [0.9, 0.7, 0.5],
      uniform: [-1.5, -2.5, -3.25],
      evalZStd: [0.12, 0.15, 0.16],
      effRank: [3.5, 6.25, 7],
      zDim: 32,
    },
    embeddings: {
      step: 30,
      dim,
      n,
      data: Float32Array.from({ length: n * dim }, (_, i) => Math.sin(i) * 3.7),
      labels: Int32Array.from([0, 1, 2, 0, 1, 2, 5]),
      classNames: ['T-shirt/top', 'Trouser', 'Bag\twith tab'],
    },
    map: { step: 30, xy: Float32Array.from({ length: 2 * n }, (_, i) => i * 0.37) },
    version: 1,
  };
}

/** A copy without some keys (a test's way to drop fields). */
function omit<T extends object, K extends keyof T>(o: T, ...keys: K[]): Omit<T, K> {
  const out = { ...o };
  for (const k of keys) delete out[k];
  return out;
}

const num = (s: string | undefined): number => (s === undefined || s === '' ? Number.NaN : Number(s));

describe('configJson', () => {
  it('is pretty JSON that validates back to the same config', () => {
    const c = { ...DEFAULT_CONFIG, temperature: 0.07, projection: false };
    const text = configJson(c);
    expect(text).toContain('\n  "temperature": 0.07,\n');
    expect(validateConfig(JSON.parse(text))).toEqual({ ok: true, config: c });
    expect(parseConfigJson(text)).toEqual({ ok: true, config: c });
  });

  it('parseConfigJson lists what is wrong', () => {
    expect(parseConfigJson('{ "temperature": 0, ')).toMatchObject({ ok: false, errors: [expect.stringMatching(/^not a JSON file \(/)] });
    const r = parseConfigJson('{"temperature": 0, "colour": "red"}');
    expect(r).toEqual({ ok: false, errors: ['temperature τ must be greater than 0 (got 0)', 'unknown setting "colour"'] });
    expect(parseConfigJson('[1]')).toEqual({ ok: false, errors: ['config must be a JSON object'] });
  });
});

describe('metricsCsv', () => {
  it('has a header and one row per step; it parses back to the run’s series', () => {
    const run = makeRun();
    const rows = parseCsv(metricsCsv(run));
    expect(rows[0]).toEqual([...METRICS_COLUMNS]);
    expect(rows).toHaveLength(1 + run.metrics.step.length);
    for (const r of rows) expect(r).toHaveLength(METRICS_COLUMNS.length);
    const col = (name: string): number[] => rows.slice(1).map((r) => num(r[METRICS_COLUMNS.indexOf(name)]));
    for (const k of STEP_SERIES) expect(col(k), k).toEqual(run.metrics[k]);
    // Evaluation columns: filled on the evaluation steps, empty (NaN) elsewhere.
    const evalRows = rows.slice(1).filter((r) => r[METRICS_COLUMNS.indexOf('knn')] !== '');
    expect(evalRows.map((r) => num(r[0]))).toEqual(run.metrics.evalStep);
    for (const k of EVAL_SERIES.filter((s) => s !== 'evalStep')) {
      expect(evalRows.map((r) => num(r[METRICS_COLUMNS.indexOf(k)])), k).toEqual(run.metrics[k]);
    }
  });

  it('writes NaN as an empty cell', () => {
    const rows = parseCsv(metricsCsv(makeRun()));
    expect(rows[5]![METRICS_COLUMNS.indexOf('acc')]).toBe('');
    expect(rows[10]![METRICS_COLUMNS.indexOf('probeH')]).toBe('');
    expect(rows[9]![METRICS_COLUMNS.indexOf('knn')]).toBe('');
    expect(rows[10]![METRICS_COLUMNS.indexOf('knn')]).toBe('0.31');
  });

  it('gives an evaluation at an unlogged step a row of its own, in step order', () => {
    const run = makeRun();
    const m = { ...run.metrics, evalStep: [0, 10, 20], knn: [0.1, 0.2, 0.3] };
    const rows = parseCsv(metricsCsv({ metrics: m })).slice(1);
    expect(rows).toHaveLength(31);
    expect(rows[0]!.slice(0, 2)).toEqual(['0', '']);
    expect(rows[0]![METRICS_COLUMNS.indexOf('knn')]).toBe('0.1');
    expect(rows[10]![METRICS_COLUMNS.indexOf('knn')]).toBe('0.2');
  });

  it('is a header alone for a run without steps', () => {
    const run = makeRun();
    const empty = Object.fromEntries(Object.keys(run.metrics).map((k) => [k, []])) as unknown as RunRecord['metrics'];
    expect(metricsCsv({ metrics: { ...empty, zDim: 0 } })).toBe(`${METRICS_COLUMNS.join(',')}\n`);
  });
});

describe('Embedding Projector files', () => {
  it('vectors: n rows of dim tab-separated numbers, no header, equal to the embeddings as float32', () => {
    const run = makeRun();
    const text = embeddingsTsv(run)!;
    const rows = parseTsv(text);
    expect(rows).toHaveLength(7);
    for (const r of rows) expect(r).toHaveLength(4);
    expect(Float32Array.from(rows.flat().map(Number))).toEqual(run.embeddings!.data);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('metadata: a header (several columns), then n rows of index, label, class', () => {
    const rows = parseTsv(metadataTsv(makeRun())!);
    expect(rows).toHaveLength(1 + 7);
    expect(rows[0]).toEqual(['index', 'label', 'class']);
    expect(rows[1]).toEqual(['0', '0', 'T-shirt/top']);
    // A tab in a class name would split the row: it becomes a space.
    expect(rows[3]).toEqual(['2', '2', 'Bag with tab']);
    // A label beyond the class names keeps its number.
    expect(rows[7]).toEqual(['6', '5', '5']);
    for (const r of rows) expect(r).toHaveLength(3);
  });

  it('are null without embeddings', () => {
    const run = { ...makeRun(), embeddings: null };
    expect(embeddingsTsv(run)).toBeNull();
    expect(metadataTsv(run)).toBeNull();
  });

  it('float32Text is the shortest text that reads back as the same float32', () => {
    for (const v of [0.1, 1 / 3, 3.7, -2.5e-8, 123456.789, 0, 1]) {
      const t = float32Text(v);
      expect(Math.fround(Number(t))).toBe(Math.fround(v));
      expect(t.replace(/[-.]|e.*$/g, '').replace(/^0+/, '').length).toBeLessThanOrEqual(9);
    }
    expect(float32Text(Math.fround(0.1))).toBe('0.1');
    expect(float32Text(Number.NaN)).toBe('NaN');
  });
});

describe('run JSON', () => {
  it('round-trips a whole run, typed arrays and NaN included', () => {
    const run = makeRun();
    const text = runJson(run);
    expect(text).not.toContain('NaN');
    expect(JSON.parse(text).embeddings.data).toBeInstanceOf(Array);
    const back = parseRunJson(text);
    expect(back.ok).toBe(true);
    if (back.ok) expect(back.run).toEqual(run);
  });

  it('round-trips a run with no embeddings or map', () => {
    const run = omit({ ...makeRun(), embeddings: null }, 'map');
    const back = parseRunJson(runJson(run));
    expect(back).toEqual({ ok: true, run });
  });

  it('says clearly what is wrong with a bad file', () => {
    expect(parseRunJson('')).toMatchObject({ ok: false, error: expect.stringMatching(/^not a JSON file/) });
    expect(parseRunJson('{"id": "x"')).toMatchObject({ ok: false, error: expect.stringMatching(/^not a JSON file/) });
    expect(parseRunJson('[]')).toEqual({ ok: false, error: 'not a playground run: a run must be an object (got a list)' });
    const run = JSON.parse(runJson(makeRun()));
    run.metrics.loss.pop();
    expect(parseRunJson(JSON.stringify(run))).toEqual({ ok: false, error: 'not a playground run: metrics.loss has 29 values but metrics.step has 30' });
    const long = parseRunJson(`{${'"a":'.repeat(50000)}`);
    expect(!long.ok && long.error.length).toBeLessThan(250);
  });
});

describe('parsers', () => {
  it('parseCsv reads quotes, doubled quotes, commas and CRLF', () => {
    expect(parseCsv('a,"b,c","d ""e"""\r\n1,,3\n')).toEqual([
      ['a', 'b,c', 'd "e"'],
      ['1', '', '3'],
    ]);
    expect(parseCsv('x\n"multi\nline",y')).toEqual([['x'], ['multi\nline', 'y']]);
    expect(parseCsv('')).toEqual([]);
  });

  it('parseTsv splits rows and tabs', () => {
    expect(parseTsv('1\t2\r\n3\t4\n')).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
    expect(parseTsv('')).toEqual([]);
  });
});

describe('exportName', () => {
  it('makes a safe file name from the run name, Greek spelled out', () => {
    expect(exportName(makeRun(), 'metrics.csv')).toBe('moco-tau-0-2-k-512-metrics.csv');
    expect(exportName({ id: 'x', name: 'SimCLR τ = 0.1' }, 'embeddings.tsv')).toBe('simclr-tau-0-1-embeddings.tsv');
  });

  it('falls back on the id, then on "run", and never lets a path through', () => {
    expect(exportName({ id: 'abc-123', name: '' }, 'config.json')).toBe('abc-123-config.json');
    expect(exportName({ id: '', name: '///' }, 'run.json')).toBe('run-run.json');
    const evil = exportName({ id: 'x', name: '../../etc/passwd<script>' }, '../x.json');
    expect(evil).toMatch(/^[a-z0-9.-]+$/);
    expect(evil).not.toContain('..');
    expect(exportName({ id: 'x', name: 'é'.repeat(500) }, 'metrics.csv').length).toBeLessThanOrEqual(60 + 1 + 'metrics.csv'.length);
    expect(exportName({ id: 'x', name: 'Café run' }, 'a.csv')).toBe('cafe-run-a.csv');
  });
});
