/**
 * `npm run bench:scaling`: how a SimCLR step's time grows with the batch size (32 to 512, width 16) and with the
 * model's width (8 to 64 channels in the first layer, batch 128), on WASM in headless Chromium (the training
 * worker, as the app runs it; augmentation included). Prints ms per step, ms per sample, and the growth against
 * the previous row next to the growth of the work: a batch twice as large is twice the work; a width twice as
 * large is about four times the convolutions' work (their channels in and out both double). A ratio at or under
 * the work's means the step scales no worse than linearly in the work.
 *   npm run bench:scaling [-- --steps N]   (N timed steps per row after 2 warm-up steps; default 6)
 */
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { DEFAULT_CONFIG, type TrainConfig } from '../src/shared/config';
import type { BenchResult } from './browser';
import { closeAll, launchChromium, runMain, serve } from './harness';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PORT = 4185;
const i = process.argv.indexOf('--steps');
const STEPS = i >= 0 ? Number(process.argv[i + 1]) : 6;
if (!Number.isInteger(STEPS) || STEPS < 1) {
  console.error('bench:scaling: --steps must be a whole number ≥ 1');
  process.exit(2);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : Number.NaN;
}

/** Multiply-accumulates of the encoder's three convolutions for one image (forward), 28×28 input, 3×3 filters. */
function convMacs(width: number): number {
  const [w1, w2, w3] = [width, 2 * width, 4 * width];
  return 28 * 28 * w1 * 9 * 1 + 14 * 14 * w2 * 9 * w1 + 7 * 7 * w3 * 9 * w2;
}

async function main(): Promise<void> {
  const outDir = `${ROOT}bench/out/dist-scaling`;
  console.log('Building the bench page…');
  await build({ root: ROOT, logLevel: 'warn', build: { outDir, emptyOutDir: true, rollupOptions: { input: { bench: `${ROOT}bench/browser.html` } } } });
  const server = await serve(outDir, PORT);
  const browser = await launchChromium();
  const time = async (cfg: Partial<TrainConfig>): Promise<{ ms: number; backend: string; error?: string }> => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${PORT}/bench/browser.html`);
    const config: TrainConfig = { ...DEFAULT_CONFIG, backend: 'wasm', steps: STEPS + 2, warmupSteps: 1, evalEvery: 0, ...cfg };
    const r = (await page.evaluate((c) => (window as unknown as { runBench(c: unknown): Promise<BenchResult> }).runBench(c), config)) as BenchResult;
    await page.close();
    return { ms: median(r.stepMs.slice(2)), backend: r.backend, error: r.error };
  };
  try {
    console.log(`\n== SimCLR step against the batch size (width ${DEFAULT_CONFIG.width}, WASM in Chromium, median of ${STEPS} steps) ==`);
    console.log('batch   ms/step   ms/sample   × time vs previous   × work');
    let prev: number | null = null;
    for (const batchSize of [32, 64, 128, 256, 512]) {
      const r = await time({ batchSize });
      const grow = prev ? (r.ms / prev).toFixed(2) : '—';
      console.log(`${String(batchSize).padStart(5)}   ${r.ms.toFixed(1).padStart(7)}   ${(r.ms / batchSize).toFixed(3).padStart(9)}   ${grow.padStart(18)}   ${prev ? '2.00' : '—'}${r.error ? `   (${r.error})` : ''}`);
      prev = r.ms;
    }
    console.log(`\n== SimCLR step against the width (batch 128; the encoder has width, 2·width, 4·width channels) ==`);
    console.log('width   conv MACs/image   ms/step   × time vs previous   × conv work');
    let prevW: { ms: number; macs: number } | null = null;
    for (const width of [8, 16, 32, 64]) {
      const r = await time({ batchSize: 128, width });
      const macs = convMacs(width);
      const grow = prevW ? (r.ms / prevW.ms).toFixed(2) : '—';
      const work = prevW ? (macs / prevW.macs).toFixed(2) : '—';
      console.log(`${String(width).padStart(5)}   ${(macs / 1e6).toFixed(2).padStart(11)} M   ${r.ms.toFixed(1).padStart(7)}   ${grow.padStart(18)}   ${work.padStart(11)}${r.error ? `   (${r.error})` : ''}`);
      prevW = { ms: r.ms, macs };
    }
  } finally {
    await closeAll(browser, server);
  }
}

runMain(main);
