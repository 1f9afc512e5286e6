import { describe, expect, it } from 'vitest';
import { configFromHash, validateConfig } from './config';
import { lessonById, lessonConfig, LESSONS, lessonSweep } from './lessons';
import { HIDEABLE, parseShareHash } from './share';
import { sweepKnob } from './sweep';

describe('lessons', () => {
  it('have unique, link-safe ids and the five built-in topics', () => {
    const ids = LESSONS.map((l) => l.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9-]+$/);
    expect(ids).toEqual(expect.arrayContaining(['temperature', 'no-augmentation', 'collapse', 'projection-head', 'batch-negatives']));
    expect(lessonById('temperature')?.title).toBe('Temperature τ');
    expect(lessonById('nope')).toBeUndefined();
  });

  it.each(LESSONS.map((l) => [l.id, l] as const))('%s: its config is valid, small and fast', (_id, lesson) => {
    const c = lessonConfig(lesson);
    expect(validateConfig(c)).toEqual({ ok: true, config: c });
    expect(['mnist', 'digits', 'moons', 'circles', 'blobs', 'spirals']).toContain(c.dataset);
    expect(c.steps).toBeLessThanOrEqual(500);
    expect(c.evalEvery).toBeGreaterThan(0);
    // Opened from a link, the lesson's patch alone gives the same config.
    const fromPatch = configFromHash(new URLSearchParams(Object.entries(lesson.patch).map(([k, v]) => [k, String(v)])).toString());
    expect(fromPatch).toEqual({ config: c, errors: [] });
    expect(parseShareHash(`lesson=${lesson.id}`)).toEqual({ config: c, errors: [], hidden: lesson.hidden, lesson: lesson.id });
  });

  it.each(LESSONS.map((l) => [l.id, l] as const))('%s: its sweep plans validly, with nothing inert', (_id, lesson) => {
    const plan = lessonSweep(lesson);
    if (!lesson.sweep) {
      expect(plan).toBeNull();
      return;
    }
    expect(plan).not.toBeNull();
    if (!plan) return;
    expect(plan.ok ? [] : plan.errors).toEqual([]);
    if (!plan.ok) return;
    expect(plan.warnings).toEqual([]);
    expect(plan.runs.length).toBeGreaterThanOrEqual(2);
    expect(plan.runs.length).toBeLessThanOrEqual(6);
    expect(new Set(plan.runs.map((r) => r.config.seed)).size).toBe(1);
    for (const axis of lesson.sweep.axes) expect(sweepKnob(axis.key), axis.key).toBeDefined();
  });

  it.each(LESSONS.map((l) => [l.id, l] as const))('%s: says what it shows, and hides only known controls', (_id, lesson) => {
    for (const id of lesson.hidden) expect(HIDEABLE, id).toContain(id);
    // 2–4 sentences citing the paper by its arXiv id.
    const sentences = lesson.finding.split(/(?<=[.!?])\s+(?=[A-Z])/).length;
    expect(sentences).toBeGreaterThanOrEqual(2);
    expect(sentences).toBeLessThanOrEqual(4);
    expect(lesson.finding).toMatch(/arXiv \d{4}\.\d{5}/);
    expect(lesson.watch.length).toBeGreaterThan(20);
    // The controls a lesson sweeps are hidden from the panel, where they would do nothing.
    for (const axis of lesson.sweep?.axes ?? []) expect(lesson.hidden).toContain(axis.key);
  });

  it('collapse: SimSiam with and without stop-gradient, output batch norm off so the collapse shows', () => {
    const lesson = lessonById('collapse')!;
    const plan = lessonSweep(lesson);
    expect(plan?.ok && plan.runs.map((r) => [r.config.method, r.config.stopGradient, r.config.projOutBN])).toEqual([
      ['simsiam', true, false],
      ['simsiam', false, false],
    ]);
  });

  it('a sweep lesson plans from the user’s changed config too', () => {
    const lesson = lessonById('temperature')!;
    const plan = lessonSweep(lesson, { ...lessonConfig(lesson), batchSize: 64 });
    expect(plan?.ok && plan.runs.every((r) => r.config.batchSize === 64)).toBe(true);
  });
});
