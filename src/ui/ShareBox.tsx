/**
 * "Share this setup", for teachers: tick the parts of the page a student should not see, and copy the link
 * (config, seed, open lesson and hidden controls, all in the URL hash; see shared/share.ts).
 */
import { useEffect, useRef, useState } from 'react';
import { CONFIG_KEYS, type TrainConfig } from '../shared/config';
import { HIDEABLE_SECTIONS, shareHash } from '../shared/share';
import { setHidden } from '../state/controller';
import { useApp } from '../state/store';
import { settingLabel } from './ConfigPanel';

type SectionId = (typeof HIDEABLE_SECTIONS)[number];

/** The readable name of each hideable part of the page. */
export const SECTION_LABELS: Record<SectionId, string> = {
  'section.method': 'Method',
  'section.data': 'Data',
  'section.model': 'Model',
  'section.optim': 'Optimisation',
  'section.augment': 'Augmentations',
  'section.run': 'Run',
  'section.eval': 'Evaluation settings',
  'section.collapse': 'Collapse lab',
  'panel.sweep': 'Sweep panel',
  'panel.runs': 'Saved runs',
  'panel.ablation': 'Augmentation ablation',
  map: 'Embedding map',
  similarity: 'Batch similarities',
  views: 'View pairs',
};

/** The link that opens this setup: the same hash the controller writes, on this page's address. */
function linkFor(config: TrainConfig, hidden: readonly string[], lesson: string | null): string {
  const hash = shareHash(config, hidden, lesson);
  return `${location.origin}${location.pathname}${location.search}${hash ? `#${hash}` : ''}`;
}

export function ShareBox() {
  const config = useApp((s) => s.config);
  const hidden = useApp((s) => s.hidden);
  const lesson = useApp((s) => s.lesson);
  const [open, setOpen] = useState(false);
  const [copied, setCopied] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const link = linkFor(config, hidden, lesson);
  // A changed link has not been copied yet.
  useEffect(() => setCopied(null), [link]);

  const toggle = (id: string, hide: boolean) => setHidden(hide ? [...hidden.filter((h) => h !== id), id] : hidden.filter((h) => h !== id));
  const settings = hidden.filter((id) => (CONFIG_KEYS as readonly string[]).includes(id)) as (keyof TrainConfig)[];

  const copy = async () => {
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(link);
      setCopied('Copied.');
    } catch {
      // No clipboard (an insecure page, or permission refused): select the text for the user to copy.
      input.current?.focus();
      input.current?.select();
      setCopied('Selected: press Ctrl+C (⌘C) to copy.');
    }
  };

  return (
    <div className="share-box" data-testid="share">
      <button type="button" data-testid="share.open" aria-expanded={open} onClick={() => setOpen(!open)}>
        Share this setup
      </button>
      {open && (
        <div className="share-body" data-testid="share.body">
          <p className="hint">
            The link holds every setting and the seed{lesson ? ', and the open lesson' : ''}. Tick what a student should not see: a
            stripped-down link for one lesson.
          </p>
          <fieldset className="share-hide">
            <legend>Hide</legend>
            {HIDEABLE_SECTIONS.map((id) => (
              <label key={id} className="share-check">
                <input type="checkbox" data-testid="share.hide" data-id={id} checked={hidden.includes(id)} onChange={(e) => toggle(id, e.target.checked)} />
                {SECTION_LABELS[id]}
              </label>
            ))}
          </fieldset>
          {settings.length > 0 && (
            <fieldset className="share-hide">
              <legend>Single settings hidden</legend>
              {settings.map((key) => (
                <label key={key} className="share-check">
                  <input type="checkbox" data-testid="share.hideSetting" data-id={key} checked onChange={() => toggle(key, false)} />
                  {settingLabel(key)}
                </label>
              ))}
            </fieldset>
          )}
          <div className="share-link">
            <input ref={input} data-testid="share.link" readOnly value={link} aria-label="link to this setup" onFocus={(e) => e.target.select()} />
            <button type="button" data-testid="share.copy" onClick={() => void copy()}>
              Copy
            </button>
          </div>
          {copied && (
            <p className="hint" data-testid="share.copied" role="status">
              {copied}
            </p>
          )}
        </div>
      )}
    </div>
  );
}
