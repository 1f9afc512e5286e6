/**
 * Lesson links: the config in the URL hash (config.ts's format) plus `lesson=` (a built-in lesson to start
 * from) and `hide=` (controls to hide, comma-separated), as TensorFlow Playground hides controls for its
 * teaching links. Reading a link never throws and never reports more than a screenful.
 */
import { checkField, CONFIG_KEYS, configFromHash, configToHash, type TrainConfig } from './config';
import { lessonById, lessonConfig, type Lesson } from './lessons';

/** Parts of the page a link can hide besides single settings: the config panel's sections and the panels. */
export const HIDEABLE_SECTIONS = [
  'section.method',
  'section.data',
  'section.model',
  'section.optim',
  'section.augment',
  'section.run',
  'section.eval',
  'section.collapse',
  'panel.sweep',
  'panel.runs',
  'panel.ablation',
  'map',
  'similarity',
  'views',
] as const;

/** Every id `hide=` accepts: the sections and panels, and each setting by its config key. */
export const HIDEABLE: readonly string[] = [...HIDEABLE_SECTIONS, ...CONFIG_KEYS];

/** What a link opens: the config, the controls to hide, the lesson (if any), and what was wrong with it. */
export interface SharedState {
  config: TrainConfig;
  /** Problems in the link, in words, one per bad value (at most MAX_SHARE_ERRORS). */
  errors: string[];
  hidden: string[];
  lesson: string | null;
}

/** Most messages one link produces; a hostile link gets a count of the rest. */
export const MAX_SHARE_ERRORS = 12;

const MAX_ID_SHOWN = 40;

function shown(s: string): string {
  return JSON.stringify(s.length > MAX_ID_SHOWN ? `${s.slice(0, MAX_ID_SHOWN)}…` : s);
}

function bounded(errors: string[]): string[] {
  if (errors.length <= MAX_SHARE_ERRORS) return errors;
  return [...errors.slice(0, MAX_SHARE_ERRORS - 1), `and ${errors.length - (MAX_SHARE_ERRORS - 1)} more problems in this link`];
}

/** The lesson's config as hash parameters: a link's own values are laid over these. */
function lessonParams(lesson: Lesson): URLSearchParams {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(lesson.patch)) params.set(k, String(v));
  return params;
}

/**
 * Reads a link: `lesson=` (its config is the start), `hide=` (ids checked one by one), then every other
 * parameter through configFromHash on top of the lesson's (a bad value keeps the lesson's). Without `hide=`, a lesson's own hidden controls
 * apply; `hide=` with nothing after it hides nothing.
 */
export function parseShareHash(hash: string): SharedState {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const errors: string[] = [];

  let lesson: Lesson | undefined;
  const lessonIds = params.getAll('lesson');
  params.delete('lesson');
  const lessonId = lessonIds[lessonIds.length - 1];
  if (lessonId !== undefined && lessonId !== '') {
    lesson = lessonById(lessonId);
    if (!lesson) errors.push(`ignored unknown lesson ${shown(lessonId)}`);
  }

  const hideValues = params.getAll('hide');
  params.delete('hide');
  let hidden: string[] = lesson ? [...lesson.hidden] : [];
  if (hideValues.length > 0) {
    hidden = [];
    const unknown: string[] = [];
    for (const id of hideValues.join(',').split(',')) {
      const t = id.trim();
      if (t === '') continue;
      if (HIDEABLE.includes(t)) {
        if (!hidden.includes(t)) hidden.push(t);
      } else unknown.push(t);
    }
    const listed = unknown.slice(0, 5).map((id) => `ignored unknown control to hide ${shown(id)}`);
    if (unknown.length > 5) listed.push(`ignored ${unknown.length - 5} more unknown controls to hide`);
    errors.push(...listed);
  }

  let merged = params;
  if (lesson) {
    // A bad value in the link keeps the lesson's, not the global default: checked here, before it replaces it.
    merged = lessonParams(lesson);
    for (const [k, v] of params) {
      const r = CONFIG_KEYS.includes(k as keyof TrainConfig) ? checkField(k as keyof TrainConfig, v) : null;
      if (r && !r.ok) errors.push(`ignored ${r.error}`);
      else merged.set(k, v);
    }
  }
  const read = configFromHash(merged.toString());
  errors.push(...read.errors);
  return { config: read.config, errors: bounded(errors), hidden, lesson: lesson ? lesson.id : null };
}

/**
 * Writes a link that parseShareHash reads back as the same config, hidden controls and lesson: with a lesson,
 * only what differs from the lesson's config; `hide=` only when it differs from the lesson's own list.
 */
export function shareHash(config: TrainConfig, hidden: readonly string[], lessonId?: string | null): string {
  const lesson = lessonId ? lessonById(lessonId) : undefined;
  const parts: string[] = [];
  if (lesson) {
    parts.push(`lesson=${encodeURIComponent(lesson.id)}`);
    const own = new URLSearchParams();
    const start = lessonConfig(lesson);
    if (config.method !== start.method) own.set('method', config.method);
    if (config.dataset !== start.dataset) own.set('dataset', config.dataset);
    // What the link would open with before its own values: the lesson's patch over the defaults it lands on.
    const merged = lessonParams(lesson);
    for (const [k, v] of own) merged.set(k, v);
    const base = configFromHash(merged.toString()).config;
    for (const key of CONFIG_KEYS) {
      if (key !== 'method' && key !== 'dataset' && config[key] !== base[key]) own.set(key, String(config[key]));
    }
    const s = own.toString();
    if (s) parts.push(s);
  } else {
    const s = configToHash(config);
    if (s) parts.push(s);
  }
  const ids = hidden.filter((id, i) => HIDEABLE.includes(id) && hidden.indexOf(id) === i);
  const sameAsLesson = lesson ? ids.length === lesson.hidden.length && ids.every((id) => lesson.hidden.includes(id)) : ids.length === 0;
  // The ids are letters and dots, safe in a URL as they are: the commas stay readable.
  if (!sameAsLesson) parts.push(`hide=${ids.join(',')}`);
  return parts.join('&');
}
