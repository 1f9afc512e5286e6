/**
 * The settings panel. Every input is checked with the same rules as the URL and the headless runner; a bad
 * value shows its message beside the input and the config keeps its last good value. The method section shows
 * only the knobs the chosen method reads; the collapse lab applies one experiment's settings in a click. A lesson
 * link can hide single settings (by config key) and whole sections (`section.<id>`, share.ts's HIDEABLE_SECTIONS).
 */
import { useEffect, useState } from 'react';
import {
  AUGMENTATION_KEYS,
  CHOICE_SPECS,
  checkField,
  crossFieldErrors,
  NUMBER_SPECS,
  POINT_AUGMENTATION_KEYS,
  withDataset,
  withMethod,
  type Method,
  type TrainConfig,
} from '../shared/config';
import { DATASET_LABELS, datasetKind, IMAGE_SETS, TOY_SETS, type DatasetName } from '../shared/datasets';
import { DataSource } from './DataSource';
import { applyExperiment, COLLAPSE_EXPERIMENTS, METHOD_INFO } from '../shared/methods';
import { setHidden } from '../state/controller';
import { useApp } from '../state/store';

type NumberKey = keyof typeof NUMBER_SPECS;
type ChoiceKey = keyof typeof CHOICE_SPECS;

/** The sections after Data; the augmentations shown depend on whether the data are images or 2-D points. */
function sections(points: boolean): { id: string; title: string; fields: (keyof TrainConfig)[] }[] {
  return [
    { id: 'section.model', title: 'Model', fields: ['encoder', 'width', 'projection', 'projHidden', 'projDim', 'headBN', 'projOutBN'] },
    { id: 'section.optim', title: 'Optimisation', fields: ['optimizer', 'lr', 'momentum', 'weightDecay', 'batchSize', 'steps', 'warmupSteps'] },
    {
      id: 'section.augment',
      title: points ? 'Augmentations (2-D points)' : 'Augmentations',
      fields: points ? [...POINT_AUGMENTATION_KEYS] : [...AUGMENTATION_KEYS],
    },
    { id: 'section.run', title: 'Run', fields: ['seed', 'evalEvery', 'backend'] },
    { id: 'section.eval', title: 'Evaluation', fields: ['knnK', 'knnMetric', 'probes'] },
  ];
}

const LABELS: Partial<Record<keyof TrainConfig, string>> = {
  method: 'method',
  dataset: 'dataset',
  encoder: 'encoder',
  optimizer: 'optimizer (cosine decay, linear warm-up)',
  backend: 'backend',
  projection: 'projection head',
  headBN: 'batch norm in the head',
  projOutBN: 'batch norm on the projector output',
  predictor: 'predictor',
  stopGradient: 'stop-gradient on the target branch',
  augment: 'augment (off: both views are the same image)',
  mocoSymmetric: 'symmetric loss',
  emaCosine: 'cosine schedule from τ_base to 1',
  knnMetric: 'kNN metric',
  probes: 'linear probes (h, z, 1% and 10% of labels)',
};

/** A setting's name as the panel shows it (the share box lists hidden settings by it). */
export function settingLabel(key: keyof TrainConfig): string {
  return LABELS[key] ?? (key in NUMBER_SPECS ? NUMBER_SPECS[key as NumberKey].label : key);
}

const OPTION_LABELS: Partial<Record<ChoiceKey, Record<string, string>>> = {
  dataset: DATASET_LABELS,
  method: Object.fromEntries(Object.entries(METHOD_INFO).map(([k, v]) => [k, v.label])),
};

/** The method list in two groups, so the one that reads labels stands apart. */
const OPTION_GROUPS: Partial<Record<ChoiceKey, { label: string; options: string[] }[]>> = {
  dataset: [
    { label: 'Images', options: [...IMAGE_SETS] },
    { label: '2-D toy sets (MLP encoder)', options: [...TOY_SETS] },
    { label: 'Your own', options: ['custom'] },
  ],
  method: [
    { label: 'Self-supervised (no labels)', options: Object.keys(METHOD_INFO).filter((m) => !METHOD_INFO[m as Method].usesLabels) },
    { label: 'Supervised reference (uses labels)', options: Object.keys(METHOD_INFO).filter((m) => METHOD_INFO[m as Method].usesLabels) },
  ],
};

export interface ConfigPanelProps {
  config: TrainConfig;
  onChange: (next: TrainConfig) => void;
  /** Images in the training split, when known (MoCo's queue should not exceed it). */
  trainSize?: number;
  /** The name of your own data once loaded; until then "Your own data" cannot be chosen. */
  customName?: string;
}

export function ConfigPanel({ config, onChange, trainSize, customName }: ConfigPanelProps) {
  const [crossError, setCrossError] = useState<string | null>(null);
  const [experiment, setExperiment] = useState<string | null>(null);
  const hidden = useApp((s) => s.hidden);
  const shows = (id: string) => !hidden.includes(id);
  const commit = (next: TrainConfig): string | null => {
    const cross = crossFieldErrors(next);
    if (cross.length) {
      setCrossError(cross[0]!);
      return cross[0]!;
    }
    setCrossError(null);
    onChange(next);
    return null;
  };
  const update = (key: keyof TrainConfig, value: unknown): string | null => {
    const r = checkField(key, value);
    if (!r.ok) return r.error;
    setExperiment(null);
    if (key === 'method') return commit(withMethod(config, r.value as Method));
    if (key === 'dataset') return commit(withDataset(config, r.value as DatasetName));
    return commit({ ...config, [key]: r.value } as TrainConfig);
  };
  const info = METHOD_INFO[config.method];
  const chosen = COLLAPSE_EXPERIMENTS.find((e) => e.id === experiment);
  const field = (key: keyof TrainConfig) => (shows(key) ? <Field key={key} name={key} value={config[key]} onCommit={(v) => update(key, v)} /> : null);
  const datasetField = (
    <Field
      name="dataset"
      value={config.dataset}
      onCommit={(v) => update('dataset', v)}
      disabled={customName ? [] : ['custom']}
      labels={{ ...DATASET_LABELS, custom: customName ? `Your own: ${customName}` : 'Your own data (load below)' }}
    />
  );
  return (
    <form className="config" data-testid="config.panel" onSubmit={(e) => e.preventDefault()}>
      {hidden.length > 0 && (
        <p className="hidden-note" data-testid="hidden.note">
          Some settings are hidden by this lesson link.{' '}
          <button type="button" data-testid="hidden.showAll" onClick={() => setHidden([])}>
            Show all
          </button>
        </p>
      )}
      {shows('section.method') && (
        <fieldset data-testid="section.method">
          <legend>Method</legend>
          {field('method')}
          <p className="method-summary" data-testid="method.summary">
            {info.usesLabels && (
              <strong className="badge badge-labels" data-testid="method.usesLabels">
                uses labels
              </strong>
            )}{' '}
            {info.summary}{' '}
            <a href={`https://arxiv.org/abs/${info.paper}`} target="_blank" rel="noreferrer">
              arXiv {info.paper}
            </a>
          </p>
          {info.knobs.map(field)}
          {config.method === 'moco' && trainSize !== undefined && config.mocoQueue > trainSize && (
            <p className="field-warning" data-testid="method.warning" role="status">
              The queue (K = {config.mocoQueue}) is larger than the training set ({trainSize} images): it will hold older keys of the
              very images in the batch, so some “negatives” are the query’s own image.
            </p>
          )}
          {config.method === 'moco' && config.headBN && (
            <p className="field-warning" data-testid="method.bnWarning" role="status">
              Batch norm in the head lets the query see batch statistics the key shares, a shortcut MoCo avoids with
              shuffling BN (§3.3), which this playground does not do.
            </p>
          )}
        </fieldset>
      )}
      {/* Your own data changes the dataset too: the section goes with the dataset setting. */}
      {shows('section.data') && shows('dataset') && (
        <fieldset data-testid="section.data">
          <legend>Data</legend>
          {datasetField}
          <DataSource />
        </fieldset>
      )}
      {sections(datasetKind(config.dataset) === 'points')
        // A section whose every setting is hidden goes with them.
        .filter((s) => shows(s.id) && s.fields.some(shows))
        .map((s) => (
          <fieldset key={s.id} data-testid={s.id}>
            <legend>{s.title}</legend>
            {s.fields.map(field)}
          </fieldset>
        ))}
      {shows('section.collapse') && (
        <fieldset data-testid="section.collapse">
          <legend>Collapse lab</legend>
          <p className="hint">Remove what keeps a method from collapsing, then start, and watch the collapse meter.</p>
          <div className="lab-buttons">
            {COLLAPSE_EXPERIMENTS.map((e) => (
              <button
                type="button"
                key={e.id}
                data-testid={`collapse.${e.id}`}
                aria-pressed={experiment === e.id}
                onClick={() => {
                  if (commit(applyExperiment(config, e)) === null) setExperiment(e.id);
                }}
              >
                {e.label}
              </button>
            ))}
          </div>
          {chosen && (
            <p className="hint" data-testid="collapse.expect">
              Expected: {chosen.expect}
            </p>
          )}
        </fieldset>
      )}
      {crossError && <p className="field-error">{crossError}</p>}
    </form>
  );
}

interface FieldProps {
  name: keyof TrainConfig;
  value: unknown;
  onCommit: (v: unknown) => string | null;
  /** Choices shown but not selectable. */
  disabled?: string[];
  /** Names of the choices, when they differ from OPTION_LABELS. */
  labels?: Record<string, string>;
}

function Field({ name, value, onCommit, disabled, labels: labelOverride }: FieldProps) {
  const [text, setText] = useState(String(value));
  const [error, setError] = useState<string | null>(null);
  // Follow outside changes (a loaded link, a reset) unless the user is mid-edit with an error showing.
  useEffect(() => {
    setText(String(value));
    setError(null);
  }, [value]);
  const id = `cfg-${name}`;
  if (name in CHOICE_SPECS) {
    const labels = labelOverride ?? OPTION_LABELS[name as ChoiceKey];
    const option = (o: string) => (
      <option key={o} value={o} disabled={disabled?.includes(o)}>
        {labels?.[o] ?? o}
      </option>
    );
    const groups = OPTION_GROUPS[name as ChoiceKey];
    return (
      <label className="field" htmlFor={id}>
        <span>{LABELS[name] ?? name}</span>
        <select id={id} data-testid={`config.${name}`} value={String(value)} onChange={(e) => setError(onCommit(e.target.value))}>
          {groups
            ? groups.map((g) => (
                <optgroup key={g.label} label={g.label}>
                  {g.options.map(option)}
                </optgroup>
              ))
            : CHOICE_SPECS[name as ChoiceKey].map(option)}
        </select>
        {error && <small className="field-error">{error}</small>}
      </label>
    );
  }
  if (typeof value === 'boolean') {
    return (
      <label className="field field-check" htmlFor={id}>
        <input id={id} type="checkbox" data-testid={`config.${name}`} checked={value} onChange={(e) => setError(onCommit(e.target.checked))} />
        <span>{LABELS[name] ?? name}</span>
      </label>
    );
  }
  const spec = NUMBER_SPECS[name as NumberKey];
  return (
    <label className="field" htmlFor={id}>
      <span>{spec.label}</span>
      <input
        id={id}
        data-testid={`config.${name}`}
        type="text"
        inputMode="decimal"
        value={text}
        aria-invalid={error ? true : undefined}
        onChange={(e) => {
          setText(e.target.value);
          setError(onCommit(e.target.value));
        }}
        onBlur={() => {
          if (error) {
            // Leave the message, restore the last good value so the panel shows what will run.
            setText(String(value));
          }
        }}
      />
      {error && <small className="field-error" data-testid={`config.${name}.error`}>{error}</small>}
    </label>
  );
}
