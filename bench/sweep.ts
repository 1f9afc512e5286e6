/**
 * `npm run bench:sweep`: how a sweep's runs should share the device. Trains SimCLR on MNIST with the five τ of
 * SimCLR's Table 5 (everything else fixed, same seed) in headless Chromium's training worker (WASM), three
 * ways in one run: five single runs one after another (start() per config), a sequential sweep and an
 * interleaved sweep; prints each one's wall time and steps/s, as a ratio to the five single runs.
 *   npm run bench:sweep [-- --steps 30 --batch 64 --eval-every 0]
 */
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { closeAll, launchChromium, serve } from './harness';
import { DEFAULT_CONFIG, type TrainConfig } from '../src/shared/config';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PORT = 4182;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

async function main(): Promise<void> {
  const steps = Number(arg('steps', '30'));
  const batch = Number(arg('batch', '64'));
  const evalEvery = Number(arg('eval-every', '0'));
  const configs: TrainConfig[] = [0.05, 0.1, 0.2, 0.5, 1].map((temperature) => ({ ...DEFAULT_CONFIG, temperature, steps, batchSize: batch, warmupSteps: 2, evalEvery, probes: false, backend: 'wasm' }));
  const outDir = `${ROOT}bench/out/dist-sweep`;
  console.log('Building the bench page…');
  await build({ root: ROOT, logLevel: 'warn', build: { outDir, emptyOutDir: true, rollupOptions: { input: { bench: `${ROOT}bench/browser.html` } } } });
  const server = await serve(outDir, PORT);
  const browser = await launchChromium(['--disable-background-networking']);
  const rows: { how: string; ms: number; steps: number; errors: string[] }[] = [];
  try {
    for (const how of ['singles', 'sequential', 'interleaved'] as const) {
      console.log(`Chromium WASM: 5 × ${steps} steps at batch ${batch}, ${how}…`);
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${PORT}/bench/browser.html`);
      const r = (await page.evaluate(
        ([c, h]) => (window as unknown as { sweepBench(c: unknown, h: unknown): Promise<{ ms: number; steps: number; errors: string[] }> }).sweepBench(c, h),
        [configs, how] as const,
      )) as { ms: number; steps: number; errors: string[] };
      await page.close();
      rows.push({ how, ...r });
    }
  } finally {
    await closeAll(browser, server);
  }
  const base = rows[0]!;
  console.log(`\n== 5-run τ sweep (0.05, 0.1, 0.2, 0.5, 1), SimCLR on MNIST, batch ${batch}, ${steps} steps each, evaluation every ${evalEvery || 'never'}; Chromium WASM ==`);
  console.log('how                          wall s   steps   steps/s   throughput ÷ 5 single runs');
  for (const r of rows) {
    const label = r.how === 'singles' ? '5 single runs, one by one' : `one sweep, ${r.how}`;
    const sps = (1000 * r.steps) / r.ms;
    const ratio = sps / ((1000 * base.steps) / base.ms);
    console.log(`${label.padEnd(28)} ${(r.ms / 1000).toFixed(1).padStart(6)}   ${String(r.steps).padStart(5)}   ${sps.toFixed(2).padStart(7)}   ${ratio.toFixed(3).padStart(8)}${r.errors.length ? `   errors: ${r.errors.join('; ')}` : ''}`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
