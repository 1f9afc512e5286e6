/**
 * `npm run bench:map`: the live map's refresh cost in the built app, in headless Chromium. Trains SimCLR on
 * MNIST (WASM) with an evaluation every `--every` steps for `--seconds` seconds; each evaluation sends the 1,000
 * held-out embeddings to the map worker, which lays them out (t-SNE warm-started from the last layout) and
 * returns them. Prints, per refresh: the map worker's own compute time, the round trip, and plotly's redraw
 * time on the main thread; and the main-thread long tasks (> 50 ms) that overlap a map redraw (from its
 * request to 100 ms after it is drawn) against all long tasks in the run.
 *   npm run bench:map [-- --seconds 60 --every 10 --method tsne|pca|umap --dist DIR]
 */
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { closeAll, launchChromium, runMain, serve } from './harness';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PORT = 4181;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : Number.NaN;
}

interface Refresh {
  step: string;
  workerMs: number;
  roundTripMs: number;
  drawMs: number;
  /** When the redraw finished (page clock, ms). */
  at: number;
}

async function main(): Promise<void> {
  const seconds = Number(arg('seconds', '60'));
  const every = Number(arg('every', '10'));
  const method = arg('method', 'tsne');
  // --dist DIR measures an app built elsewhere (e.g. a variant) instead of building this one.
  const given = arg('dist', '');
  const outDir = given || `${ROOT}bench/out/dist-map`;
  if (!given) {
    console.log('Building the app…');
    await build({ root: ROOT, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  }
  const server = await serve(outDir, PORT);
  const browser = await launchChromium(['--disable-background-networking']);
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.addInitScript(() => {
      const w = window as unknown as { __long: { start: number; ms: number }[]; __refresh: unknown[] };
      w.__long = [];
      w.__refresh = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__long.push({ start: e.startTime, ms: e.duration });
      }).observe({ type: 'longtask', buffered: true });
      // Each redraw of a plot sets its data-draw-ms (even to the same value); the map's wrapper carries the layout's timings.
      new MutationObserver((records) => {
        for (const rec of records) {
          const plot = rec.target as HTMLElement;
          if (plot.dataset.testid !== 'chart.tsne' || !plot.dataset.drawMs) continue;
          const wrap = plot.closest('.map-wrap') as HTMLElement | null;
          if (!wrap?.dataset.workerMs) continue; // the empty map before the first layout
          const title = plot.querySelector('.gtitle')?.textContent ?? '';
          w.__refresh.push({ step: title.replace(/.*step /, ''), workerMs: Number(wrap.dataset.workerMs), roundTripMs: Number(wrap.dataset.layoutMs), drawMs: Number(plot.dataset.drawMs), at: performance.now() });
        }
      }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-draw-ms'] });
    });
    await page.goto(`http://127.0.0.1:${PORT}/#backend=wasm&steps=100000&evalEvery=${every}&probes=false`);
    if (method !== 'tsne') await page.getByTestId('map.method').selectOption(method);
    await page.getByTestId('run.start').click();
    console.log(`Training SimCLR on MNIST (WASM) for ${seconds} s, an evaluation and map refresh every ${every} steps…`);
    await page.waitForTimeout(seconds * 1000);
    await page.getByTestId('run.stop').click();
    await page.waitForTimeout(2000);
    const { long, refresh } = await page.evaluate(() => {
      const w = window as unknown as { __long: { start: number; ms: number }[]; __refresh: Refresh[] };
      return { long: w.__long, refresh: w.__refresh };
    });
    const engine = await page.getByTestId('map.ms').innerText();
    await page.close();

    console.log(`\n== Live map refreshes: ${refresh.length}, 1,000 held-out MNIST embeddings, ${method} ==`);
    console.log(`engine: ${engine.split('·')[1]?.split(':')[0]?.trim() ?? '?'}`);
    console.log('step   worker ms   round trip ms   redraw ms (main thread)');
    for (const r of refresh) console.log(`${r.step.padEnd(6)} ${r.workerMs.toFixed(0).padStart(9)}   ${r.roundTripMs.toFixed(0).padStart(13)}   ${r.drawMs.toFixed(0).padStart(9)}`);
    const warm = refresh.slice(1);
    if (refresh.length) console.log(`first layout (cold): ${refresh[0]!.workerMs.toFixed(0)} ms in the worker`);
    if (warm.length) {
      console.log(`warm refreshes: median ${median(warm.map((r) => r.workerMs)).toFixed(0)} ms, max ${Math.max(...warm.map((r) => r.workerMs)).toFixed(0)} ms in the worker; redraw median ${median(warm.map((r) => r.drawMs)).toFixed(0)} ms, max ${Math.max(...warm.map((r) => r.drawMs)).toFixed(0)} ms`);
    }
    // A long task overlaps a refresh when it runs between the layout's request (round trip before the draw) and 100 ms after the draw.
    const overlapping = long.filter((t) => refresh.some((r) => t.start + t.ms >= r.at - r.drawMs - r.roundTripMs && t.start <= r.at + 100));
    const onDraw = long.filter((t) => refresh.some((r) => t.start + t.ms >= r.at - r.drawMs - 5 && t.start <= r.at + 100));
    console.log(`main-thread long tasks (> 50 ms): ${long.length} in the whole run; ${overlapping.length} overlapping a map refresh's round trip; ${onDraw.length} overlapping a map redraw (${onDraw.map((t) => t.ms.toFixed(0)).join(', ') || 'none'})`);
  } finally {
    await closeAll(browser, server);
  }
}

runMain(main);
