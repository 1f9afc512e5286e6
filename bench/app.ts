/**
 * `npm run bench:app`: the built app as a user meets it (vite preview, headless Chromium, WASM forced, default
 * config, every live view open). (1) Time from navigation to the first loss point on the chart, with when the
 * status line said what on the way, in fresh browser contexts (the first with an empty HTTP cache, as a first
 * visit; the others warm). (2) The same with Start clicked `--late-click` ms after navigation (a user who reads the
 * page first; the worker prepares its backend and trains a warm-up step meanwhile): time from the click to the
 * first loss point. (3) Main-thread long tasks (> 50 ms, PerformanceObserver 'longtask') during `--seconds` of
 * training, with their durations and the chart redraws inside each, Start clicked at once and then `--late-click` ms
 * after load, `--runs` times each. "At once" is the same in every measure: a script in the page clicks Start in the
 * first frame that has it enabled.
 *   npm run bench:app -- [--seconds 30] [--loads 3] [--runs 1] [--late-click 4000] [--marks] [--against DIR]
 * --against DIR: a second built app (an earlier commit's, say) measured interleaved with this one, load by load and
 * run by run, so that both meet the same moments of a noisy machine; the figures come out side by side. To build
 * one: git worktree add /tmp/base REF && ln -s "$PWD/node_modules" /tmp/base/ &&
 *   (cd /tmp/base && npx vite build --outDir "$OLDPWD/bench/out/dist-base")
 */
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from '@playwright/test';
import { build } from 'vite';
import { existsSync } from 'node:fs';
import { launchChromium, runMain, serve } from './harness';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v < 1) {
    console.error(`bench:app: ${name} must be a number ≥ 1`);
    process.exit(2);
  }
  return v;
};
const SECONDS = arg('--seconds', 30);
/** --late-click MS: the second measure clicks Start this long after navigation. */
const LATE = arg('--late-click', 4000);
const LOADS = arg('--loads', 3);
/** --runs N: each long-task measure's runs (a fresh context each). */
const RUNS = arg('--runs', 1);
/** --marks: each load's timeline (the status line's changes, the page's and the worker's stages). */
const VERBOSE = process.argv.includes('--marks');
const AGAINST = (() => {
  const i = process.argv.indexOf('--against');
  return i >= 0 ? process.argv[i + 1] : undefined;
})();
const PORT = 4182;
const HASH = '#backend=wasm&steps=100000&evalEvery=25';

export interface FirstLoss {
  /** ms from navigation start to the first loss point. */
  firstLossMs: number;
  /** ms from the click on Start to the first loss point. */
  fromClickMs: number;
  /** [ms since navigation, status line text] each time the status line changed before the first loss. */
  marks: [number, string][];
}

/** Installs, before any page script, a recorder of long tasks and of status-line changes. */
const recorder = () => {
  const w = window as unknown as { __longTasks: [number, number][]; __redraws: [number, number, string][]; __marks: [number, string][]; __clickAt?: number };
  w.__longTasks = [];
  w.__redraws = [];
  w.__marks = [];
  window.addEventListener('load', () => w.__marks.push([performance.now(), 'page: load event']));
  // The charts' redraws (Plot's measures: 'redraw <chart> <path>'), to say what each long task was.
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.name.startsWith('redraw ')) w.__redraws.push([e.startTime, e.duration, e.name.slice('redraw '.length)]);
  }).observe({ type: 'measure' });
  document.addEventListener('click', (e) => {
    if ((e.target as Element | null)?.closest?.('[data-testid="run.start"]')) w.__clickAt ??= performance.now();
  }, true);
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      w.__longTasks.push([e.startTime, e.duration]);
      w.__marks.push([e.startTime, `long task: ${e.duration.toFixed(0)} ms`]);
    }
  }).observe({ type: 'longtask', buffered: true });
  let last = '';
  new MutationObserver(() => {
    const s = document.querySelector('[data-testid="status"]')?.textContent ?? '';
    if (s !== last) {
      last = s;
      w.__marks.push([performance.now(), s.slice(0, 140)]);
    }
  }).observe(document, { subtree: true, childList: true, characterData: true });
};

/**
 * Opens the app in a fresh context, clicks Start as soon as it is enabled (or once `clickAfterMs` have passed since
 * navigation: a user who reads the page first, while the worker's start-up prepare and warm-up run), and times the
 * first loss point.
 */
export async function firstLoss(browser: Browser, base: string, clickAfterMs = 0): Promise<FirstLoss> {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  await page.addInitScript(recorder);
  await openAndStart(page, `${base}?test${HASH}`, clickAfterMs);
  // Timed in the page, when the chart first holds a point (a later task must not count: the reply to this test
  // waits for the page's next free moment).
  await page.waitForFunction(
    () => {
      const w = window as unknown as { __firstLoss?: number };
      if (Number(document.querySelector('[data-testid="chart.loss"]')?.getAttribute('data-points') ?? 0) > 0) w.__firstLoss ??= performance.now();
      return w.__firstLoss !== undefined;
    },
    null,
    { timeout: 120_000, polling: 'raf' },
  );
  const [firstLossMs, clickAt] = await page.evaluate(() => {
    const w = window as unknown as { __firstLoss: number; __clickAt: number };
    return [w.__firstLoss, w.__clickAt];
  });
  const marks = await page.evaluate(() => (window as unknown as { __marks: [number, string][] }).__marks);
  // The worker's own stages, on the page's clock.
  const origin = await page.evaluate(() => performance.timeOrigin);
  const timeline = await page.evaluate(() => (window as unknown as { __playground: { workerTimeline(): Promise<[string, number][]> } }).__playground.workerTimeline());
  for (const [stage, at] of timeline) marks.push([at - origin, `worker: ${stage}`]);
  const pageMarks = await page.evaluate(() => performance.getEntriesByType('mark').map((m) => [m.startTime, m.name] as [number, string]));
  for (const [at, name] of pageMarks) marks.push([at, `page: ${name}`]);
  marks.sort((a, b) => a[0] - b[0]);
  await ctx.close();
  return { firstLossMs, fromClickMs: firstLossMs - clickAt, marks };
}

export interface LongTasks {
  /** Long tasks before the first loss point (page load, first layout of the charts). */
  before: number[];
  /** During `seconds` of training after the first loss point. */
  during: number[];
  /** For each of `during`, the chart redraws inside it (Plot's measures: chart, path, ms), '' where none. */
  causes: string[];
  steps: number;
  /** The map's title at the end (which refresh it shows). */
  map: string;
}

/**
 * Opens `url` and clicks Start: at once (0), by a script in the page, in the first frame that has the button
 * enabled; or, with Playwright's click, once `afterMs` have passed since navigation. (Playwright's own click waits
 * for the load event and then takes several round trips to the page's busy thread: 0.4–0.8 s here from the button's
 * first paint to the click, which would time the harness as much as the app.)
 */
async function openAndStart(page: Page, url: string, afterMs: number): Promise<void> {
  if (afterMs > 0) {
    await page.goto(url);
    await page.waitForFunction((ms) => performance.now() >= ms, afterMs, { polling: 50 });
    await page.getByTestId('run.start').click();
    return;
  }
  // A string: tsx would wrap a named inner function in a helper the page does not have.
  await page.addInitScript({
    content: `(function tryClick() {
      const b = document.querySelector('[data-testid="run.start"]');
      if (b && !b.disabled) b.click();
      else requestAnimationFrame(tryClick);
    })();`,
  });
  await page.goto(url, { waitUntil: 'commit' });
}

/**
 * Trains for `seconds` with the default views and returns the main thread's long tasks. Start is clicked at once,
 * or once `clickAfterMs` have passed since navigation (the charts have drawn their empty frames meanwhile).
 */
export async function longTasks(browser: Browser, base: string, seconds: number, clickAfterMs = 0): Promise<LongTasks> {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  await page.addInitScript(recorder);
  await openAndStart(page, `${base}${HASH}`, clickAfterMs);
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart.loss"]')?.getAttribute('data-points') ?? 0) > 0, null, { timeout: 120_000 });
  const before = await page.evaluate(() => (window as unknown as { __longTasks: unknown[] }).__longTasks.length);
  await page.waitForTimeout(seconds * 1000);
  const { all, redraws } = await page.evaluate(() => {
    const w = window as unknown as { __longTasks: [number, number][]; __redraws: [number, number, string][] };
    return { all: w.__longTasks.slice(), redraws: w.__redraws.slice() };
  });
  const steps = Number((await page.getByTestId('status.step').innerText()).replace(/\D+/g, ' ').trim().split(' ')[0]);
  const map = (await page.getByTestId('chart.tsne').innerText()).split('\n')[0] ?? '';
  await ctx.close();
  const during = all.slice(before);
  const causes = during.map(([start, duration]) =>
    redraws
      .filter(([s, d]) => s < start + duration && s + d > start)
      .map(([, d, name]) => `${name} ${d.toFixed(0)} ms`)
      .join(' + '),
  );
  return { before: all.slice(0, before).map(([, d]) => d), during: during.map(([, d]) => d), causes, steps, map };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
/** Durations as '51, 75' (ms), or 'none'. */
export const fmt = (xs: number[]) => (xs.length ? xs.map((d) => d.toFixed(0)).join(', ') : 'none');

async function main(): Promise<void> {
  const outDir = `${ROOT}bench/out/dist-app`;
  if (AGAINST !== undefined && !existsSync(`${AGAINST}/index.html`)) {
    console.error(`bench:app: --against wants a built app's folder (with an index.html): ${AGAINST ?? '(none)'}`);
    process.exit(2);
  }
  console.log('Building the app…');
  await build({ root: ROOT, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const apps: { name: string; base: string; server: Awaited<ReturnType<typeof serve>> }[] = [{ name: 'this build', base: `http://127.0.0.1:${PORT}/`, server: await serve(outDir, PORT) }];
  if (AGAINST) apps.push({ name: AGAINST, base: `http://127.0.0.1:${PORT + 1}/`, server: await serve(AGAINST, PORT + 1) });
  const browser = await launchChromium();
  const label = (a: { name: string }) => (apps.length > 1 ? `[${a.name}] ` : '');
  try {
    const each = apps.length > 1 ? ' each, interleaved' : '';
    // The loads (or runs) of each app in turn, load by load, so that the apps meet the same moments of the machine.
    const interleaved = async <T>(n: number, measure: (app: (typeof apps)[number], i: number) => Promise<T>): Promise<T[][]> => {
      const out = apps.map(() => [] as T[]);
      for (let i = 0; i < n; i++) for (const [k, app] of apps.entries()) out[k]!.push(await measure(app, i));
      return out;
    };
    const printMarks = (r: FirstLoss) => {
      if (VERBOSE) for (const [t, s] of r.marks) console.log(`   ${t.toFixed(0).padStart(6)} ms  ${s}`);
    };
    const spread = (t: number[]) => `median ${median(t).toFixed(0)} ms, ${Math.min(...t).toFixed(0)}–${Math.max(...t).toFixed(0)} ms over ${t.length} loads`;
    console.log(`\n== Page load → first loss point (built app, WASM, default config), ${LOADS} fresh contexts${each} ==`);
    const times = await interleaved(LOADS, async (app, i) => {
      const r = await firstLoss(browser, app.base);
      console.log(`${label(app)}load ${i + 1}${i === 0 ? ' (cold cache)' : ''}: ${r.firstLossMs.toFixed(0)} ms`);
      printMarks(r);
      return r.firstLossMs;
    });
    for (const [k, app] of apps.entries()) console.log(`${label(app)}first loss: ${spread(times[k]!)}; under 3 s in ${times[k]!.filter((v) => v < 3000).length}`);

    console.log(`\n== Start clicked ${LATE / 1000} s after load (the worker has prepared meanwhile) → first loss point, ${LOADS} loads${each} ==`);
    const late = await interleaved(LOADS, async (app, i) => {
      const r = await firstLoss(browser, app.base, LATE);
      console.log(`${label(app)}load ${i + 1}: ${r.fromClickMs.toFixed(0)} ms from the click (${r.firstLossMs.toFixed(0)} ms from navigation)`);
      printMarks(r);
      return r.fromClickMs;
    });
    for (const [k, app] of apps.entries()) console.log(`${label(app)}click → first loss: ${spread(late[k]!)}`);

    for (const clickAfter of [0, LATE]) {
      const when = clickAfter ? `Start clicked ${clickAfter / 1000} s after load` : 'Start clicked at once';
      console.log(`\n== Main-thread long tasks (> 50 ms) during ${SECONDS} s of training, every live view open, ${when}, ${RUNS} run${RUNS > 1 ? 's' : ''}${each} ==`);
      const runs = await interleaved(RUNS, async (app, i) => {
        const lt = await longTasks(browser, app.base, SECONDS, clickAfter);
        const run = RUNS > 1 ? `run ${i + 1}: ` : '';
        console.log(`${label(app)}${run}before the first loss point: ${lt.before.length} (${fmt(lt.before)})`);
        console.log(`${label(app)}${run}during training: ${lt.during.length} (${fmt(lt.during)}); steps at the end: ${lt.steps}`);
        lt.during.forEach((d, j) => console.log(`${label(app)}  ${d.toFixed(0)} ms: ${lt.causes[j] || 'no chart redraw in it'}`));
        return lt.during.length;
      });
      if (RUNS > 1) for (const [k, app] of apps.entries()) console.log(`${label(app)}during training: ${runs[k]!.reduce((x, y) => x + y, 0)} in all; none in ${runs[k]!.filter((n) => n === 0).length} of ${RUNS} runs`);
    }
  } finally {
    await browser.close();
    for (const app of apps) await new Promise<void>((resolve) => app.server.httpServer.close(() => resolve()));
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) runMain(main);
