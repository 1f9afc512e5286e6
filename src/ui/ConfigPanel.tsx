/**
 * The settings panel. Every input is checked with the same rules as the URL and the headless runner; a bad
 * value shows its message beside the input and the config keeps its last good value.
 */
import { useEffect, useState } from 'react';
import { CHOICE_SPECS, checkField, crossFieldErrors, NUMBER_SPECS, type TrainConfig } from '../shared/config';

type NumberKey = keyof typeof NUMBER_SPECS;
type ChoiceKey = keyof typeof CHOICE_SPECS;

const SECTIONS: { title: string; fields: (keyof TrainConfig)[] }[] = [
  { title: 'Method', fields: ['method', 'temperature'] },
  { title: 'Model', fields: ['encoder', 'width', 'projection', 'projHidden', 'projDim'] },
  { title: 'Optimisation', fields: ['optimizer', 'lr', 'momentum', 'weightDecay', 'batchSize', 'steps', 'warmupSteps'] },
  { title: 'Augmentations', fields: ['cropScaleMin', 'rotationDeg', 'contrast', 'blurProb', 'blurSigma', 'noiseStd'] },
  { title: 'Run', fields: ['seed', 'evalEvery', 'backend'] },
];

const LABELS: Partial<Record<keyof TrainConfig, string>> = {
  method: 'method',
  encoder: 'encoder',
  optimizer: 'optimizer (cosine decay, linear warm-up)',
  backend: 'backend',
  projection: 'projection head',
};

export interface ConfigPanelProps {
  config: TrainConfig;
  onChange: (next: TrainConfig) => void;
}

export function ConfigPanel({ config, onChange }: ConfigPanelProps) {
  const [crossError, setCrossError] = useState<string | null>(null);
  const update = (key: keyof TrainConfig, value: unknown): string | null => {
    const r = checkField(key, value);
    if (!r.ok) return r.error;
    const next = { ...config, [key]: r.value } as TrainConfig;
    const cross = crossFieldErrors(next);
    if (cross.length) {
      setCrossError(cross[0]!);
      return cross[0]!;
    }
    setCrossError(null);
    onChange(next);
    return null;
  };
  return (
    <form className="config" data-testid="config.panel" onSubmit={(e) => e.preventDefault()}>
      {SECTIONS.map((s) => (
        <fieldset key={s.title}>
          <legend>{s.title}</legend>
          {s.fields.map((key) => (
            <Field key={key} name={key} value={config[key]} onCommit={(v) => update(key, v)} />
          ))}
        </fieldset>
      ))}
      {crossError && <p className="field-error">{crossError}</p>}
    </form>
  );
}

function Field({ name, value, onCommit }: { name: keyof TrainConfig; value: unknown; onCommit: (v: unknown) => string | null }) {
  const [text, setText] = useState(String(value));
  const [error, setError] = useState<string | null>(null);
  // Follow outside changes (a loaded link, a reset) unless the user is mid-edit with an error showing.
  useEffect(() => {
    setText(String(value));
    setError(null);
  }, [value]);
  const id = `cfg-${name}`;
  if (name in CHOICE_SPECS) {
    return (
      <label className="field" htmlFor={id}>
        <span>{LABELS[name] ?? name}</span>
        <select id={id} data-testid={`config.${name}`} value={String(value)} onChange={(e) => setError(onCommit(e.target.value))}>
          {CHOICE_SPECS[name as ChoiceKey].map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
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
