/**
 * Two or more saved runs side by side: their loss curves and kNN accuracies overlaid, a table of the settings
 * that differ between them and their final figures, and their last maps of the held-out set, coloured by class.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Data, Layout } from 'plotly.js-dist-min';
import { CONFIG_KEYS, NUMBER_SPECS, type TrainConfig } from '../shared/config';
import { DATASET_LABELS } from '../shared/datasets';
import { METHOD_INFO } from '../shared/methods';
import { finalFigures, type FinalFigures, type RunRecord } from '../shared/runs';
import { loadRun, useHistory } from '../state/history';
import { CLASS_COLORS } from '../shared/palette';
import { loadPlotly, Plot } from './Plot';

/** Smoothing of the loss curves, as the live chart's (an exponential moving average). */
const SMOOTHING = 0.9;

/** Names of the settings that have no numeric spec (the numeric ones take NUMBER_SPECS' labels). */
const SETTING_LABELS: Partial<Record<keyof TrainConfig, string>> = {
  dataset: 'dataset',
  method: 'method',
  encoder: 'encoder',
  optimizer: 'optimizer',
  backend: 'backend',
  projection: 'projection head',
  headBN: 'batch norm in the head',
  projOutBN: 'batch norm on the projector output',
  predictor: 'predictor',
  stopGradient: 'stop-gradient',
  augment: 'augment',
  mocoSymmetric: 'symmetric loss',
  emaCosine: 'cosine EMA schedule',
  knnMetric: 'kNN metric',
  probes: 'linear probes',
};

function settingLabel(key: keyof TrainConfig): string {
  return (NUMBER_SPECS as Partial<Record<keyof TrainConfig, { label: string }>>)[key]?.label ?? SETTING_LABELS[key] ?? key;
}

function settingValue(key: keyof TrainConfig, config: TrainConfig): string {
  const v = config[key];
  if (key === 'method') return METHOD_INFO[config.method]?.label ?? String(v);
  if (key === 'dataset') return DATASET_LABELS[config.dataset] ?? String(v);
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  return String(v);
}

/** The settings whose values are not the same in every run, in the config's order. */
export function differingSettings(configs: readonly TrainConfig[]): (keyof TrainConfig)[] {
  if (configs.length < 2) return [];
  return CONFIG_KEYS.filter((k) => configs.some((c) => c[k] !== configs[0]![k]));
}

const FIGURE_ROWS: { key: keyof FinalFigures; label: string; best?: 'max' }[] = [
  { key: 'steps', label: 'steps done' },
  { key: 'loss', label: 'loss (mean of the last 10 steps)' },
  { key: 'acc', label: 'in-batch accuracy' },
  { key: 'knn', label: 'kNN accuracy on h', best: 'max' },
  { key: 'knnZ', label: 'kNN accuracy on z', best: 'max' },
  { key: 'probeH', label: 'linear probe on h', best: 'max' },
  { key: 'probeZ', label: 'linear probe on z', best: 'max' },
];

function smooth(xs: readonly number[]): number[] {
  const out: number[] = [];
  let prev = Number.NaN;
  for (const x of xs) {
    prev = Number.isFinite(prev) ? SMOOTHING * prev + (1 - SMOOTHING) * x : x;
    out.push(prev);
  }
  return out;
}

/** NaN (not measured) as a gap in a plotly line. */
function gaps(xs: readonly number[]): (number | null)[] {
  return xs.map((v) => (Number.isFinite(v) ? v : null));
}

function fmt(v: number | null, digits: number): string {
  return v === null || !Number.isFinite(v) ? '–' : v.toFixed(digits);
}

const LOSS_LAYOUT: Partial<Layout> = {
  title: { text: 'Loss (smoothed)' },
  xaxis: { title: { text: 'step' } },
  legend: { orientation: 'h', y: -0.25 },
};
const KNN_LAYOUT: Partial<Layout> = {
  title: { text: 'kNN accuracy on h (held-out)' },
  xaxis: { title: { text: 'step' } },
  yaxis: { rangemode: 'tozero' },
  legend: { orientation: 'h', y: -0.25 },
};

export function RunCompare({ ids }: { ids: string[] }) {
  const summaries = useHistory((s) => s.runs);
  const loaded = useHistory((s) => s.loaded);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [note, setNote] = useState<string | null>(null);
  const wrap = useRef<HTMLDivElement>(null);

  // Loads each picked run (again when it has changed since: a run still training).
  useEffect(() => {
    for (const id of ids) {
      const summary = summaries.find((r) => r.id === id);
      const cached = loaded[id];
      if (cached && (!summary || summary.updatedAt === cached.updatedAt)) continue;
      loadRun(id).then(
        () =>
          setErrors((e) => {
            if (!(id in e)) return e;
            const rest = { ...e };
            delete rest[id];
            return rest;
          }),
        (err: unknown) => setErrors((e) => ({ ...e, [id]: err instanceof Error ? err.message : String(err) })),
      );
    }
  }, [ids, summaries, loaded]);

  const records = useMemo(() => ids.map((id) => loaded[id]).filter((r): r is RunRecord => r !== undefined), [ids, loaded]);
  const loss = useMemo<Data[]>(
    () => records.map((r) => ({ type: 'scatter', mode: 'lines', name: r.name, x: r.metrics.step, y: smooth(r.metrics.loss) })),
    [records],
  );
  const knn = useMemo<Data[]>(
    () => records.map((r) => ({ type: 'scatter', mode: 'lines+markers', name: r.name, x: r.metrics.evalStep, y: gaps(r.metrics.knn), connectgaps: true })),
    [records],
  );
  const differing = useMemo(() => differingSettings(records.map((r) => r.config)), [records]);
  const figures = useMemo(() => records.map((r) => finalFigures(r)), [records]);

  async function savePng() {
    const el = wrap.current?.querySelector<HTMLElement>('[data-testid="compare.loss"]');
    if (!el || !el.classList.contains('js-plotly-plot')) {
      setNote('the chart is still being drawn: try again in a moment');
      return;
    }
    try {
      const Plotly = await loadPlotly();
      await Plotly.downloadImage(el, { format: 'png', filename: 'compare-loss', width: Math.max(600, el.clientWidth), height: 360 });
      setNote(null);
    } catch (e) {
      setNote(`could not save the chart: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  const waiting = ids.filter((id) => !loaded[id] && !errors[id]).length;
  return (
    <div className="compare" data-testid="runs.compare" data-runs={records.length} ref={wrap}>
      <div className="compare-bar">
        <strong>Comparing {ids.length} runs</strong>
        {waiting > 0 && <span className="hint"> · loading {waiting}…</span>}
        <button type="button" className="runs-small" data-testid="compare.png" onClick={() => void savePng()} title="the loss chart as a PNG image (each chart's camera button does the same)">
          PNG
        </button>
      </div>
      {note && (
        <p className="hint" role="status">
          {note}
        </p>
      )}
      {Object.entries(errors).map(([id, e]) => (
        <p key={id} className="runs-alert" role="alert">
          {e}
        </p>
      ))}
      <div className="compare-charts">
        <Plot data={loss} layout={LOSS_LAYOUT} testId="compare.loss" height={300} />
        <Plot data={knn} layout={KNN_LAYOUT} testId="compare.knn" height={300} />
      </div>
      <div className="compare-table-wrap">
        <table className="compare-table" data-testid="compare.table">
          <thead>
            <tr>
              <th scope="col" />
              {records.map((r) => (
                <th key={r.id} scope="col" data-id={r.id}>
                  {r.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {differing.length === 0 ? (
              <tr data-key="settings">
                <th scope="row">settings</th>
                <td colSpan={records.length}>the same in every run</td>
              </tr>
            ) : (
              differing.map((k) => (
                <tr key={k} data-key={k} className="compare-setting">
                  <th scope="row">{settingLabel(k)}</th>
                  {records.map((r) => (
                    <td key={r.id}>{settingValue(k, r.config)}</td>
                  ))}
                </tr>
              ))
            )}
            <tr data-key="status">
              <th scope="row">status</th>
              {records.map((r) => (
                <td key={r.id}>
                  {r.status}
                  {r.backend ? ` (${r.backend})` : ''}
                </td>
              ))}
            </tr>
            {FIGURE_ROWS.map(({ key, label, best }) => {
              const values = figures.map((f) => f[key]);
              const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
              const top = best && finite.length > 1 ? Math.max(...finite) : null;
              return (
                <tr key={key} data-key={key} className="compare-figure">
                  <th scope="row">{label}</th>
                  {values.map((v, i) => (
                    <td key={records[i]!.id} className={top !== null && v === top ? 'compare-best' : undefined}>
                      {key === 'steps' ? String(v ?? 0) : fmt(v, key === 'loss' ? 4 : 3)}
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div className="compare-maps">
        {records.map((r) =>
          r.map ? (
            <figure key={r.id} className="compare-map" data-testid="compare.map" data-id={r.id}>
              <RunMapPlot run={r} />
            </figure>
          ) : (
            <figure key={r.id} className="compare-map compare-map-none" data-id={r.id}>
              <figcaption>{r.name}</figcaption>
              <p className="hint">no map saved</p>
            </figure>
          ),
        )}
      </div>
    </div>
  );
}

/** A run's saved map, small, one trace per class in the live map's colours. */
function RunMapPlot({ run }: { run: RunRecord }) {
  const map = run.map!;
  const data = useMemo<Data[]>(() => {
    const n = map.xy.length / 2;
    const e = run.embeddings;
    const labels = e && e.n === n ? e.labels : null;
    const byClass = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const l = labels ? (labels[i] ?? -1) : -1;
      const list = byClass.get(l);
      if (list) list.push(i);
      else byClass.set(l, [i]);
    }
    return [...byClass.keys()]
      .sort((a, b) => a - b)
      .map((k) => {
        const idx = byClass.get(k)!;
        return {
          type: 'scatter',
          mode: 'markers',
          name: k < 0 ? 'unlabelled' : (e?.classNames[k] ?? String(k)),
          x: idx.map((i) => map.xy[2 * i]!),
          y: idx.map((i) => map.xy[2 * i + 1]!),
          marker: { size: 3, color: k < 0 ? '#888' : CLASS_COLORS[k % CLASS_COLORS.length] },
          hoverinfo: 'name',
        } as Data;
      });
  }, [map, run.embeddings]);
  const layout = useMemo<Partial<Layout>>(
    () => ({
      title: { text: `${run.name.length > 40 ? `${run.name.slice(0, 39)}…` : run.name}<br><sub>step ${map.step}</sub>`, font: { size: 12 } },
      showlegend: false,
      margin: { l: 10, r: 10, t: 44, b: 10 },
      xaxis: { visible: false },
      yaxis: { visible: false, scaleanchor: 'x' },
    }),
    [run.name, map.step],
  );
  return <Plot data={data} layout={layout} testId="compare.mapPlot" height={240} canvasTraces />;
}
