/**
 * A run's files: its config (JSON the headless runner reads), its metrics (CSV, one row per step), its
 * embeddings (TSV for the TensorFlow Embedding Projector, projector.tensorflow.org), and the whole run (JSON that
 * the run history imports back). Plain strings in and out; the page turns them into downloads.
 */
import { validateConfig, type ConfigResult, type TrainConfig } from './config';
import { EVAL_SERIES, STEP_SERIES, validateRunRecord, type RunRecord, type RunRecordResult } from './runs';

/** The config as a file: pretty JSON that `npm run train -- --config FILE` and the import both accept. */
export function configJson(config: TrainConfig): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** The metrics file's columns: the step series, then the evaluation series (evalStep folded into step). */
export const METRICS_COLUMNS: readonly string[] = [...STEP_SERIES, ...EVAL_SERIES.filter((k) => k !== 'evalStep')];

function cell(v: number | undefined): string {
  return v !== undefined && Number.isFinite(v) ? String(v) : '';
}

/**
 * The metrics as CSV: a header, then one row per logged step (step, loss, lr, acc, zStd) with the evaluation
 * columns filled on the rows of evaluation steps and empty elsewhere. An evaluation at a step that was not
 * logged (e.g. before the first) gets a row of its own with empty step columns. NaN and ±∞ are empty cells.
 */
export function metricsCsv(run: Pick<RunRecord, 'metrics'>): string {
  const m = run.metrics;
  type Row = { step: number; stepIndex: number; evalIndex: number };
  const rows: Row[] = m.step.map((step, i) => ({ step, stepIndex: i, evalIndex: -1 }));
  const byStep = new Map<number, Row[]>();
  for (const r of rows) {
    const list = byStep.get(r.step);
    if (list) list.push(r);
    else byStep.set(r.step, [r]);
  }
  m.evalStep.forEach((step, j) => {
    const row = byStep.get(step)?.find((r) => r.evalIndex < 0);
    if (row) row.evalIndex = j;
    else rows.push({ step, stepIndex: -1, evalIndex: j });
  });
  // Stable: rows of one step keep their order, the step row before an evaluation-only one.
  rows.sort((a, b) => a.step - b.step);
  const evalKeys = EVAL_SERIES.filter((k) => k !== 'evalStep');
  const lines = [METRICS_COLUMNS.join(',')];
  for (const r of rows) {
    const stepCells = STEP_SERIES.map((k) => (k === 'step' ? cell(r.step) : r.stepIndex >= 0 ? cell(m[k][r.stepIndex]) : ''));
    const evalCells = evalKeys.map((k) => (r.evalIndex >= 0 ? cell(m[k][r.evalIndex]) : ''));
    lines.push([...stepCells, ...evalCells].join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** The shortest decimal that reads back as the same float32 (halves the files against 17-digit doubles). */
export function float32Text(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const f = Math.fround(v);
  for (let p = 1; p < 9; p++) {
    const s = Number(f.toPrecision(p));
    if (Math.fround(s) === f) return String(s);
  }
  return String(Number(f.toPrecision(9)));
}

/**
 * The embeddings as the Embedding Projector's vectors file: one point per line, its dim values tab-separated,
 * no header. Null when the run has none.
 */
export function embeddingsTsv(run: Pick<RunRecord, 'embeddings'>): string | null {
  const e = run.embeddings;
  if (!e) return null;
  const lines: string[] = [];
  const row = new Array<string>(e.dim);
  for (let i = 0; i < e.n; i++) {
    for (let d = 0; d < e.dim; d++) row[d] = float32Text(e.data[i * e.dim + d] ?? Number.NaN);
    lines.push(row.join('\t'));
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** A metadata cell: tabs and line breaks would split the projector's rows, so they become spaces. */
function tsvText(s: string): string {
  return s.replace(/[\t\r\n]+/g, ' ');
}

/**
 * The projector's metadata file, one row per point in the vectors file's order. It has three columns (index,
 * label, class name), and the projector reads a header row only when there is more than one column, so the
 * first line is the header "index\tlabel\tclass". Null when the run has no embeddings.
 */
export function metadataTsv(run: Pick<RunRecord, 'embeddings'>): string | null {
  const e = run.embeddings;
  if (!e) return null;
  const lines = ['index\tlabel\tclass'];
  for (let i = 0; i < e.n; i++) {
    const label = e.labels[i] ?? -1;
    const name = label >= 0 ? (e.classNames[label] ?? String(label)) : '';
    lines.push(`${i}\t${label}\t${tsvText(name)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The whole run as JSON, typed arrays as plain arrays (float32 values at their shortest), NaN as null. */
export function runJson(run: RunRecord): string {
  return JSON.stringify(run, (_key, value: unknown) => {
    if (value instanceof Float32Array) return Array.from(value, (v) => (Number.isFinite(v) ? Number(float32Text(v)) : null));
    if (value instanceof Int32Array) return Array.from(value);
    return value;
  });
}

const MAX_MESSAGE = 160;

function jsonError(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return `not a JSON file (${msg.length > MAX_MESSAGE ? `${msg.slice(0, MAX_MESSAGE)}…` : msg})`;
}

/** Reads a run file back (runJson's output, or a hand-edited one), every field checked. */
export function parseRunJson(text: string): RunRecordResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: jsonError(e) };
  }
  const r = validateRunRecord(raw);
  return r.ok ? r : { ok: false, error: `not a playground run: ${r.error}` };
}

/** Reads a config file, as the headless runner does: every bad field listed, missing ones defaulted. */
export function parseConfigJson(text: string): ConfigResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, errors: [jsonError(e)] };
  }
  return validateConfig(raw);
}

/**
 * Minimal RFC 4180 reader: commas, quoted fields with "" for a quote, CRLF or LF; a final line break ends the
 * last row rather than starting an empty one. Enough to check the exports parse back.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      if (ch === '\r' && text[i + 1] === '\n') i++;
    } else field += ch;
    i++;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** Minimal TSV reader: one row per line (LF or CRLF), cells split on tabs, a final line break ignored. */
export function parseTsv(text: string): string[][] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => l.split('\t'));
}

const GREEK: Readonly<Record<string, string>> = { τ: 'tau', λ: 'lambda', μ: 'mu', ν: 'nu', α: 'alpha', β: 'beta', σ: 'sigma', '×': 'x' };

/** A name as safe file-name text: ASCII letters, digits and dashes, Greek letters spelled out, at most `max` long. */
function slug(s: string, max: number): string {
  return s
    .replace(/[τλμναβσ×]/g, (c) => `-${GREEK[c] ?? ''}-`)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/, '');
}

/**
 * The download name for one of a run's files: its name (or id) made safe for any file system, then the suffix
 * (e.g. "metrics.csv"): "simclr-tau-0-1-metrics.csv".
 */
export function exportName(run: Pick<RunRecord, 'name' | 'id'>, suffix: string): string {
  const base = slug(run.name, 60) || slug(run.id, 60) || 'run';
  const tail = suffix
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 40);
  return tail ? `${base}-${tail}` : base;
}
