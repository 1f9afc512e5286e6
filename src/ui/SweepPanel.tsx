/**
 * Sweeps: pick one knob (or two, for a grid) and its values, run one model per value with everything else fixed
 * (same seed), and watch the loss curves overlaid, each run's small map, and the final accuracies against the
 * knob; a parallel-coordinates view shows every run at once (the W&B sweeps pattern).
 */
import { useEffect, useMemo, useState } from 'react';
import type { Data } from 'plotly.js-dist-min';
import { cancelSweep, clearSweep, pauseSweep, resumeSweep, startSweep } from '../state/controller';
import { useApp, type SweepRunState, type SweepState } from '../state/store';
import { finalFigures } from '../shared/runs';
import { formatSweepValue, knobsFor, parseSweepValues, planSweep, sweepKnob, whyInert, type SweepAxis, type SweepKey } from '../shared/sweep';
import type { SweepMode } from '../shared/messages';
import { Plot } from './Plot';
import { CLASS_COLORS } from '../shared/palette';

/** Distinct line colours for up to 36 runs (plotly's default cycle, then Tableau's). */
const RUN_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const runColor = (i: number) => RUN_COLORS[i % RUN_COLORS.length]!;

function formatEta(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

/** Steps done over steps planned, and the time left at the pace so far. */
function progress(sweep: SweepState): { done: number; text: string } {
  const total = sweep.runs.reduce((a, r) => a + r.config.steps, 0);
  const stepsDone = sweep.runs.reduce((a, r) => a + (r.status === 'done' ? r.config.steps : r.metrics.step.length), 0);
  const runsDone = sweep.runs.filter((r) => r.status === 'done' || r.status === 'error' || r.status === 'stopped').length;
  const elapsed = performance.now() - sweep.startedAt;
  let text = `${runsDone} of ${sweep.runs.length} runs done`;
  if (sweep.status === 'running' && stepsDone > 0 && stepsDone < total) text += ` · about ${formatEta((elapsed * (total - stepsDone)) / stepsDone)} left`;
  if (sweep.status === 'paused') text += ' · paused';
  if (sweep.status === 'stopped') text += ' · cancelled';
  if (sweep.status === 'done') text += ` · finished in ${formatEta(elapsed)}`;
  return { done: total ? stepsDone / total : 0, text };
}

function AxisPicker({ n, axis, keys, onChange }: { n: number; axis: { key: string; text: string }; keys: { key: SweepKey; label: string }[]; onChange: (a: { key: string; text: string }) => void }) {
  return (
    <div className="sweep-axis">
      <label>
        {n === 0 ? 'sweep' : 'and'}{' '}
        <select
          data-testid={`sweep.knob${n}`}
          value={axis.key}
          onChange={(e) => {
            onChange({ key: e.target.value, text: defaultText(e.target.value) });
          }}
        >
          {n > 0 && <option value="">(nothing: one axis)</option>}
          {keys.map((k) => (
            <option key={k.key} value={k.key}>
              {k.label}
            </option>
          ))}
        </select>
      </label>
      {axis.key && (
        <label>
          values{' '}
          <input data-testid={`sweep.values${n}`} value={axis.text} onChange={(e) => onChange({ ...axis, text: e.target.value })} size={28} />
        </label>
      )}
    </div>
  );
}

function defaultText(key: string): string {
  const k = sweepKnob(key);
  return k ? k.defaultValues.map((v) => String(v)).join(', ') : '';
}

/** The final figure of each run against the first axis (one line per value of the second axis). */
function finalTraces(sweep: SweepState): Data[] {
  const [a0, a1] = sweep.axes;
  if (!a0) return [];
  const numeric = typeof a0.values[0] === 'number';
  const x = (r: SweepRunState) => (numeric ? (a0.values[r.at[0]!] as number) : formatSweepValue(a0.values[r.at[0]!]!));
  const groups = a1 ? a1.values.map((v, j) => ({ name: `${sweepKnob(a1.key)?.short ?? a1.key} = ${formatSweepValue(v)}`, runs: sweep.runs.filter((r) => r.at[1] === j) })) : [{ name: '', runs: sweep.runs }];
  const out: Data[] = [];
  const series: { key: 'knn' | 'probeH' | 'acc'; label: string; dash: 'solid' | 'dash' | 'dot' }[] = [
    { key: 'knn', label: 'kNN on h', dash: 'solid' },
    { key: 'probeH', label: 'linear probe on h', dash: 'dash' },
    { key: 'acc', label: 'in-batch (contrastive) acc', dash: 'dot' },
  ];
  groups.forEach((g, gi) => {
    for (const s of series) {
      const pts = g.runs.map((r) => ({ x: x(r), y: finalFigures(r)[s.key] })).filter((p) => p.y !== null);
      if (!pts.length) continue;
      out.push({
        x: pts.map((p) => p.x),
        y: pts.map((p) => p.y),
        name: g.name ? `${s.label}, ${g.name}` : s.label,
        mode: 'lines+markers',
        line: { color: a1 ? runColor(gi) : s.key === 'knn' ? '#d62728' : s.key === 'probeH' ? '#9467bd' : '#2ca02c', dash: s.dash },
      });
    }
  });
  return out;
}

function parcoords(sweep: SweepState): Data[] {
  const dims: { label: string; values: number[]; range?: [number, number]; tickvals?: number[]; ticktext?: string[] }[] = [];
  for (const a of sweep.axes) {
    const k = sweepKnob(a.key);
    const numeric = typeof a.values[0] === 'number';
    const vals = sweep.runs.map((r) => {
      const v = a.values[r.at[sweep.axes.indexOf(a)]!]!;
      return numeric ? (k?.log ? Math.log10(v as number) : (v as number)) : v ? 1 : 0;
    });
    dims.push({
      label: k?.log ? `${k.short} (log₁₀)` : (k?.short ?? a.key),
      values: vals,
      ...(numeric ? {} : { tickvals: [0, 1], ticktext: ['off', 'on'], range: [0, 1] as [number, number] }),
    });
  }
  const figs = sweep.runs.map((r) => finalFigures(r));
  const add = (label: string, pick: (f: ReturnType<typeof finalFigures>) => number | null, range?: [number, number]) =>
    dims.push({ label, values: figs.map((f) => pick(f) ?? Number.NaN), ...(range ? { range } : {}) });
  add('kNN on h', (f) => f.knn, [0, 1]);
  add('probe on h', (f) => f.probeH, [0, 1]);
  add('in-batch acc', (f) => f.acc, [0, 1]);
  add('final loss', (f) => f.loss);
  const color = figs.map((f) => f.knn ?? 0);
  return [{ type: 'parcoords', line: { color, colorscale: 'Viridis', cmin: 0, cmax: 1, showscale: true }, dimensions: dims } as unknown as Data];
}

function SmallMap({ run, index, classNames }: { run: SweepRunState; index: number; classNames: string[] }) {
  const data = useMemo<Data[]>(() => {
    const map = run.map;
    if (!map) return [];
    // Every k-th point (at most ~400): dozens of small maps stay light; the full map is the main one.
    const every = Math.max(1, Math.ceil(map.labels.length / 400));
    const byClass = new Map<number, number[]>();
    for (let i = 0; i < map.labels.length; i += every) {
      const l = map.labels[i]!;
      const list = byClass.get(l);
      if (list) list.push(i);
      else byClass.set(l, [i]);
    }
    return [...byClass.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([k, idx]) => ({
        type: 'scatter' as const,
        x: idx.map((i) => map.xy[2 * i]!),
        y: idx.map((i) => map.xy[2 * i + 1]!),
        mode: 'markers' as const,
        name: classNames[k] ?? String(k),
        marker: { size: 3, color: CLASS_COLORS[k % CLASS_COLORS.length] },
        hoverinfo: 'none' as const,
      }));
  }, [run.map, classNames]);
  const f = finalFigures(run);
  return (
    <figure className="sweep-map" data-testid="sweep.map" data-index={index} data-step={run.map?.step ?? ''}>
      <Plot
        testId={`sweep.map.${index}`}
        height={180}
        canvasTraces
        data={data}
        layout={{
          title: { text: run.label, font: { size: 11 } },
          showlegend: false,
          xaxis: { visible: false },
          yaxis: { visible: false, scaleanchor: 'x' },
          margin: { l: 5, r: 5, t: 24, b: 5 },
        }}
      />
      <figcaption>
        {run.status === 'error' ? `error: ${run.message}` : run.status}
        {f.knn !== null && ` · kNN ${f.knn.toFixed(3)}`}
        {run.map && ` · map at step ${run.map.step}`}
      </figcaption>
    </figure>
  );
}

export function SweepPanel() {
  const config = useApp((s) => s.config);
  const sweep = useApp((s) => s.sweep);
  const heldOut = useApp((s) => s.heldOut);
  const classNames = useMemo(() => heldOut?.classNames ?? [], [heldOut]);
  const keys = useMemo(() => knobsFor(config).map((k) => ({ key: k.key, label: k.label })), [config]);
  const [axes, setAxes] = useState<{ key: string; text: string }[]>([
    { key: 'temperature', text: defaultText('temperature') },
    { key: '', text: '' },
  ]);
  const [mode, setMode] = useState<SweepMode>('interleaved');
  const [error, setError] = useState<string[]>([]);
  // A knob that no longer applies (the method changed) falls back to the first one that does.
  useEffect(() => {
    if (keys.length && !keys.some((k) => k.key === axes[0]!.key)) setAxes((a) => [{ key: keys[0]!.key, text: defaultText(keys[0]!.key) }, a[1]!]);
  }, [keys, axes]);

  const plan = () => {
    const parsed: SweepAxis[] = [];
    const errs: string[] = [];
    for (const a of axes) {
      if (!a.key) continue;
      const r = parseSweepValues(a.key as SweepKey, a.text);
      if (r.ok) parsed.push({ key: a.key as SweepKey, values: r.values });
      else errs.push(r.error);
    }
    if (errs.length) return { ok: false as const, errors: errs };
    return planSweep(config, parsed);
  };
  const preview = plan();
  const inert = axes
    .map((a) => sweepKnob(a.key))
    .filter((k) => !!k)
    .map((k) => ({ k: k!, why: whyInert(k!, config) }))
    .filter((x) => x.why);

  const run = () => {
    const p = plan();
    if (!p.ok) {
      setError(p.errors);
      return;
    }
    setError([]);
    void startSweep(p, mode);
  };
  const active = sweep && (sweep.status === 'running' || sweep.status === 'paused');

  const lossData = useMemo<Data[]>(
    () => (sweep ? sweep.runs.map((r, i) => ({ x: r.metrics.step, y: r.metrics.lossSmooth, name: r.label, mode: 'lines', line: { color: runColor(i), width: 2 } })) : []),
    [sweep],
  );
  const knnData = useMemo<Data[]>(
    () => (sweep ? sweep.runs.map((r, i) => ({ x: r.metrics.evalStep, y: r.metrics.knn, name: r.label, mode: 'lines+markers', line: { color: runColor(i) } })) : []),
    [sweep],
  );
  const finals = useMemo(() => (sweep ? finalTraces(sweep) : []), [sweep]);
  const par = useMemo(() => (sweep ? parcoords(sweep) : []), [sweep]);
  const firstKnob = sweep?.axes[0] ? sweepKnob(sweep.axes[0].key) : undefined;
  const p = sweep ? progress(sweep) : null;

  return (
    <details className="view-pairs sweep" data-testid="sweep" open={!!sweep}>
      <summary>Sweep: one model per value, everything else fixed</summary>
      <p className="hint">
        Each run uses the settings on the left, the same seed, and one value of the knob (two knobs: every pair). SimCLR's
        Table 5 swept τ from 0.05 to 1 with ℓ2-normalised outputs: τ = 0.1 gave the best linear probe, smaller and larger
        τ did worse; without the normalisation the contrastive task was solved more often, yet the features were worse.
      </p>
      {axes.map((a, n) => (
        <AxisPicker key={n} n={n} axis={a} keys={keys} onChange={(next) => setAxes((cur) => cur.map((c, i) => (i === n ? next : c)))} />
      ))}
      <div className="sweep-bar">
        <label>
          runs share the device{' '}
          <select data-testid="sweep.mode" value={mode} onChange={(e) => setMode(e.target.value as SweepMode)}>
            <option value="interleaved">taking turns, step by step (all curves grow together)</option>
            <option value="sequential">one after another</option>
          </select>
        </label>
        <button data-testid="sweep.start" onClick={run} disabled={!!active}>
          {preview.ok ? `Run ${preview.runs.length} run${preview.runs.length === 1 ? '' : 's'}` : 'Run sweep'}
        </button>
        {sweep?.status === 'paused' ? (
          <button data-testid="sweep.resume" onClick={resumeSweep}>
            Resume
          </button>
        ) : (
          <button data-testid="sweep.pause" onClick={pauseSweep} disabled={sweep?.status !== 'running'}>
            Pause
          </button>
        )}
        <button data-testid="sweep.cancel" onClick={cancelSweep} disabled={!active}>
          Cancel
        </button>
        <button data-testid="sweep.clear" onClick={clearSweep} disabled={!sweep || !!active}>
          Clear
        </button>
      </div>
      {(error.length > 0 || !preview.ok) && (
        <ul className="error" data-testid="sweep.error">
          {(error.length ? error : preview.ok ? [] : preview.errors).map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      )}
      {inert.map(({ k, why }) => (
        <p key={k.key} className="hint warning" data-testid="sweep.warning">
          {k.label}: {why}, so every run would be the same.
        </p>
      ))}
      {sweep && p && (
        <>
          <div className="sweep-progress" data-testid="sweep.progress" data-status={sweep.status}>
            <progress max={1} value={p.done} /> {p.text}
            {sweep.message && <span className="error"> · {sweep.message}</span>}
          </div>
          <div className="charts">
            <Plot revision={sweep.version} testId="sweep.loss" data={lossData} layout={{ title: { text: 'Loss (smoothed), one curve per run' }, xaxis: { title: { text: 'step' } }, legend: { font: { size: 10 } } }} />
            <Plot revision={sweep.version} testId="sweep.knn" data={knnData} layout={{ title: { text: 'kNN accuracy on h' }, xaxis: { title: { text: 'step' } }, yaxis: { range: [0, 1] }, legend: { font: { size: 10 } } }} />
            <Plot
              revision={sweep.version}
              testId="sweep.final"
              data={finals}
              layout={{
                title: { text: `At the end of each run, against ${firstKnob?.label ?? 'the knob'}` },
                xaxis: { title: { text: firstKnob?.label ?? '' }, type: firstKnob?.log ? 'log' : typeof sweep.axes[0]?.values[0] === 'boolean' ? 'category' : 'linear' },
                yaxis: { range: [0, 1] },
                legend: { orientation: 'h', y: -0.3, font: { size: 10 } },
                margin: { l: 50, r: 10, t: 30, b: 90 },
              }}
            />
          </div>
          <div className="sweep-wide">
            <Plot revision={sweep.version} testId="sweep.parcoords" data={par} height={300} layout={{ title: { text: 'Every run: knob values and final figures (colour: kNN on h; drag along an axis to filter)' }, margin: { l: 60, r: 60, t: 70, b: 20 } }} />
          </div>
          <div className="sweep-maps" data-testid="sweep.maps">
            {sweep.runs.map((r, i) => (
              <SmallMap key={`${sweep.id}-${i}`} run={r} index={i} classNames={classNames} />
            ))}
          </div>
        </>
      )}
    </details>
  );
}
