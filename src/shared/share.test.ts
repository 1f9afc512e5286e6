import { describe, expect, it } from 'vitest';
import { configToHash, DEFAULT_CONFIG, methodDefaults, runDefaults, type TrainConfig } from './config';
import { lessonById, lessonConfig, LESSONS } from './lessons';
import { HIDEABLE, HIDEABLE_SECTIONS, MAX_SHARE_ERRORS, parseShareHash, shareHash } from './share';

describe('parseShareHash', () => {
  it('reads a plain config link as configFromHash does', () => {
    const c = { ...DEFAULT_CONFIG, temperature: 0.1, seed: 9 };
    expect(parseShareHash(`#${configToHash(c)}`)).toEqual({ config: c, errors: [], hidden: [], lesson: null });
    expect(parseShareHash('')).toEqual({ config: DEFAULT_CONFIG, errors: [], hidden: [], lesson: null });
  });

  it('takes hide= apart, id by id, reporting unknown ones', () => {
    const r = parseShareHash('#temperature=0.2&hide=section.augment,temperature,panel.sweep,bogus,temperature');
    expect(r.hidden).toEqual(['section.augment', 'temperature', 'panel.sweep']);
    expect(r.errors).toEqual(['ignored unknown control to hide "bogus"']);
    expect(r.config.temperature).toBe(0.2);
    // hide= is not mistaken for a setting.
    expect(r.errors.join()).not.toContain('unknown setting');
  });

  it('hides every listed kind of control', () => {
    expect(HIDEABLE).toEqual(expect.arrayContaining(['section.augment', 'section.method', 'panel.sweep', 'panel.runs', 'panel.ablation', 'map', 'similarity', 'temperature', 'augment']));
    const r = parseShareHash(`hide=${HIDEABLE.join(',')}`);
    expect(r.errors).toEqual([]);
    expect(r.hidden).toEqual([...HIDEABLE]);
    expect(HIDEABLE_SECTIONS.every((id) => /^[a-z.]+$/.test(id))).toBe(true);
  });

  it('starts a lesson link from the lesson, its own values on top', () => {
    const lesson = lessonById('collapse')!;
    const r = parseShareHash('#lesson=collapse&steps=120&seed=5');
    expect(r.lesson).toBe('collapse');
    expect(r.errors).toEqual([]);
    expect(r.config).toEqual({ ...lessonConfig(lesson), steps: 120, seed: 5 });
    expect(r.config.method).toBe('simsiam');
    expect(r.hidden).toEqual(lesson.hidden);
  });

  it('lets a lesson link override the lesson’s method, and its hidden controls', () => {
    const r = parseShareHash('lesson=temperature&method=moco&hide=map');
    expect(r.config.method).toBe('moco');
    // The lesson's own settings stay; what it does not set comes from MoCo's defaults.
    expect(r.config.steps).toBe(lessonConfig(lessonById('temperature')!).steps);
    expect(r.config.temperature).toBe(methodDefaults('moco').temperature);
    expect(r.hidden).toEqual(['map']);
    expect(parseShareHash('lesson=temperature&hide=').hidden).toEqual([]);
  });

  it('reports an unknown lesson and opens the rest of the link', () => {
    const r = parseShareHash('lesson=warp-drive&batchSize=64');
    expect(r.lesson).toBeNull();
    expect(r.errors).toEqual(['ignored unknown lesson "warp-drive"']);
    expect(r.config).toEqual({ ...DEFAULT_CONFIG, batchSize: 64 });
  });

  it('replaces a bad value by the lesson’s, not the global default', () => {
    const r = parseShareHash('lesson=collapse&steps=-4');
    expect(r.config.steps).toBe(lessonConfig(lessonById('collapse')!).steps);
    expect(r.errors).toEqual(['ignored steps must be at least 1 (got -4)']);
  });
});

describe('hostile links', () => {
  const huge = (s: string, times: number): string => Array.from({ length: times }, () => s).join('');

  it.each([
    ['script text', `#temperature=<script>alert(1)</script>&hide=<img src=x onerror=alert(1)>&lesson=<svg/onload=alert(1)>`],
    ['huge numbers', '#temperature=1e999&batchSize=99999999999999999999999&steps=-1e308&seed=NaN'],
    ['10,000 hide ids', `#hide=${Array.from({ length: 10000 }, (_, i) => `id${i}`).join(',')}`],
    ['10,000 unknown settings', `#${Array.from({ length: 10000 }, (_, i) => `k${i}=${i}`).join('&')}`],
    ['a megabyte of one value', `#temperature=${huge('9', 1_000_000)}`],
    ['broken percent-encoding', '#temperature=%E0%A4%A&hide=%zz,%&lesson=%'],
    ['a key that is a megabyte long', `#${huge('x', 1_000_000)}=1`],
    ['nothing but separators', '#&&&==&=&hide=,,,,&lesson='],
  ])('%s: never throws, bounded messages', (_what, hash) => {
    const r = parseShareHash(hash);
    expect(r.errors.length).toBeLessThanOrEqual(MAX_SHARE_ERRORS);
    for (const e of r.errors) expect(e.length).toBeLessThan(200);
    expect(r.hidden.every((id) => HIDEABLE.includes(id))).toBe(true);
    expect(r.lesson).toBeNull();
    // Whatever was wrong, the config is a usable one.
    expect(parseShareHash(`#${configToHash(r.config)}`).errors).toEqual([]);
  });

  it('10,000 hide ids: a few named, the rest counted', () => {
    const r = parseShareHash(`#hide=${Array.from({ length: 10000 }, (_, i) => `id${i}`).join(',')},map`);
    expect(r.hidden).toEqual(['map']);
    expect(r.errors).toHaveLength(6);
    expect(r.errors[5]).toBe('ignored 9995 more unknown controls to hide');
  });

  it('many bad settings: the rest counted in one line', () => {
    const r = parseShareHash(`#${Array.from({ length: 50 }, (_, i) => `k${i}=${i}`).join('&')}`);
    expect(r.errors).toHaveLength(MAX_SHARE_ERRORS);
    expect(r.errors[MAX_SHARE_ERRORS - 1]).toBe(`and ${50 - (MAX_SHARE_ERRORS - 1)} more problems in this link`);
  });
});

describe('shareHash', () => {
  const cases: [string, TrainConfig, string[], string | null][] = [
    ['defaults', { ...DEFAULT_CONFIG }, [], null],
    ['a changed config, hidden controls', { ...DEFAULT_CONFIG, temperature: 0.07, augment: false, lr: 1e-4 }, ['section.augment', 'temperature'], null],
    ['another method and a toy set', { ...runDefaults('byol', 'moons'), emaBase: 0.9 }, ['panel.runs'], null],
    ...LESSONS.map((l): [string, TrainConfig, string[], string | null] => [`lesson ${l.id} as it is`, lessonConfig(l), [...l.hidden], l.id]),
    ['a lesson, changed', { ...lessonConfig(lessonById('temperature')!), batchSize: 64, seed: 11 }, ['map'], 'temperature'],
    ['a lesson, method changed', { ...lessonConfig(lessonById('temperature')!), ...methodDefaults('moco'), steps: 200, evalEvery: 50, probes: false }, [], 'temperature'],
    ['a lesson, nothing hidden', lessonConfig(lessonById('collapse')!), [], 'collapse'],
  ];

  it.each(cases)('round-trips %s', (_what, config, hidden, lesson) => {
    const hash = shareHash(config, hidden, lesson);
    expect(parseShareHash(`#${hash}`)).toEqual({ config, errors: [], hidden, lesson });
  });

  it('keeps lesson links short: only what differs from the lesson', () => {
    const lesson = lessonById('collapse')!;
    expect(shareHash(lessonConfig(lesson), lesson.hidden, 'collapse')).toBe('lesson=collapse');
    expect(shareHash({ ...lessonConfig(lesson), seed: 4 }, lesson.hidden, 'collapse')).toBe('lesson=collapse&seed=4');
    expect(shareHash(lessonConfig(lesson), [], 'collapse')).toBe('lesson=collapse&hide=');
  });

  it('writes hide= with readable commas, drops unknown and repeated ids', () => {
    expect(shareHash(DEFAULT_CONFIG, ['map', 'bogus', 'map', 'section.eval'], null)).toBe('hide=map,section.eval');
    expect(shareHash(DEFAULT_CONFIG, [])).toBe('');
  });

  it('an unknown lesson id is written as no lesson', () => {
    const c = { ...DEFAULT_CONFIG, seed: 2 };
    expect(shareHash(c, [], 'nope')).toBe(configToHash(c));
  });
});
