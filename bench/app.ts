/**
 * `npm run bench:app`: the built app as a user meets it (vite preview, headless Chromium, WASM forced, default
 * config, every live view open). (1) Time from navigation to the first loss point on the chart, with when the
 * status line said what on the way, in fresh browser contexts (the first with an empty HTTP cache, as a first
 * visit; the others warm); Start is clicked as soon as it can be. (2) Main-thread long tasks (> 50 ms,
 * PerformanceObserver 'longtask') during `--seconds` of training, with their durations.
 *   npm run bench:app -- [--seconds 30] [--loads 3] [--marks]
 */
import { fileURLToPath } from 'node:url';
import type { Browser } from '@playwright/test';
import { build } from 'vite';
import { closeAll, launchChromium, runMain, serve } from './harness';

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
const LOADS = arg('--loads', 3);
/** --marks: each load's timeline (the status line's changes, the page's and the worker's stages). */
const VERBOSE = process.argv.includes('--marks');
const PORT = 4182;
const HASH = '#backend=wasm&steps=100000&evalEvery=25';

export interface FirstLoss {
  /** ms from navigation start to the first loss point. */
  firstLossMs: number;
  /** [ms since navigation, status line text] each time the status line changed before the first loss. */
  marks: [number, string][];
}

/** Installs, before any page script, a recorder of long tasks and of status-line changes. */
const recorder = () => {
  const w = window as unknown as { __longTasks: number[]; __marks: [number, string][] };
  w.__longTasks = [];
  w.__marks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) w.__longTasks.push(e.duration);
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

/** Opens the app in a fresh context, clicks Start as soon as it is enabled, and times the first loss point. */
export async function firstLoss(browser: Browser, base: string): Promise<FirstLoss> {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  await page.addInitScript(recorder);
  await page.goto(`${base}?test${HASH}`);
  await page.getByTestId('run.start').click();
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
  const firstLossMs = await page.evaluate(() => (window as unknown as { __firstLoss: number }).__firstLoss);
  const marks = await page.evaluate(() => (window as unknown as { __marks: [number, string][] }).__marks);
  // The worker's own stages, on the page's clock.
  const origin = await page.evaluate(() => performance.timeOrigin);
  const timeline = await page.evaluate(() => (window as unknown as { __playground: { workerTimeline(): Promise<[string, number][]> } }).__playground.workerTimeline());
  for (const [stage, at] of timeline) marks.push([at - origin, `worker: ${stage}`]);
  const pageMarks = await page.evaluate(() => performance.getEntriesByType('mark').map((m) => [m.startTime, m.name] as [number, string]));
  for (const [at, name] of pageMarks) marks.push([at, `page: ${name}`]);
  marks.sort((a, b) => a[0] - b[0]);
  await ctx.close();
  return { firstLossMs, marks };
}

export interface LongTasks {
  /** Long tasks before the first loss point (page load, first layout of the charts). */
  before: number[];
  /** During `seconds` of training after the first loss point. */
  during: number[];
  steps: number;
}

/** Trains for `seconds` with the default views and returns the main thread's long tasks. */
export async function longTasks(browser: Browser, base: string, seconds: number): Promise<LongTasks> {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  await page.addInitScript(recorder);
  await page.goto(`${base}${HASH}`);
  await page.getByTestId('run.start').click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart.loss"]')?.getAttribute('data-points') ?? 0) > 0, null, { timeout: 120_000 });
  const before = await page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks.slice());
  await page.waitForTimeout(seconds * 1000);
  const all = await page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks.slice());
  const steps = Number((await page.getByTestId('status.step').innerText()).replace(/\D+/g, ' ').trim().split(' ')[0]);
  await ctx.close();
  return { before, during: all.slice(before.length), steps };
}

async function main(): Promise<void> {
  const outDir = `${ROOT}bench/out/dist-app`;
  console.log('Building the app…');
  await build({ root: ROOT, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const server = await serve(outDir, PORT);
  const browser = await launchChromium();
  const base = `http://127.0.0.1:${PORT}/`;
  try {
    console.log(`\n== Page load → first loss point (built app, WASM, default config), ${LOADS} fresh contexts ==`);
    const times: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      const r = await firstLoss(browser, base);
      times.push(r.firstLossMs);
      console.log(`load ${i + 1}${i === 0 ? ' (cold cache)' : ''}: ${r.firstLossMs.toFixed(0)} ms`);
      if (VERBOSE) for (const [t, s] of r.marks) console.log(`   ${t.toFixed(0).padStart(6)} ms  ${s}`);
    }
    const sorted = [...times].sort((a, b) => a - b);
    const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
    console.log(`first loss: median ${median.toFixed(0)} ms, ${sorted[0]!.toFixed(0)}–${sorted.at(-1)!.toFixed(0)} ms over ${LOADS} loads; under 3 s in ${times.filter((t) => t < 3000).length}`);
    console.log(`\n== Main-thread long tasks (> 50 ms) during ${SECONDS} s of training, every live view open ==`);
    const lt = await longTasks(browser, base, SECONDS);
    const fmt = (xs: number[]) => (xs.length ? xs.map((d) => d.toFixed(0)).join(', ') : 'none');
    console.log(`before the first loss point: ${lt.before.length} (${fmt(lt.before)})`);
    console.log(`during training: ${lt.during.length} (${fmt(lt.during)}); steps at the end: ${lt.steps}`);
  } finally {
    await closeAll(browser, server);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) runMain(main);
