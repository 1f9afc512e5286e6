/**
 * `npm run bench:profile`: where a SimCLR step's time goes on tfjs' WASM backend (the default config: small CNN
 * on 28×28 MNIST, batch 128 → 256 views, NT-Xent, Adam), kernel by kernel and by phase of the step
 * (augmentation, forward, backward, optimizer, metrics, readback); see bench/profileCore.ts.
 * In Node (the default) times are this process's CPU time (process.cpuUsage: user + system), not wall time,
 * so other work on the machine does not inflate them much (Node runs the WASM backend on one thread);
 * `--wall` uses wall time. `--browser` runs the same in headless Chromium's worker, with the app's WASM build
 * and its thread count (engine/wasmThreads.ts: SIMD, threaded where the page is cross-origin isolated and the pool
 * has more than one thread) and wall time; `--threads N` sets XNNPACK's threads there (the threaded module even
 * for 1), and `--cores N` the hardwareConcurrency its module sees (it gives XNNPACK half of it). `--shapes` splits
 * each kernel's row by its input shapes; `--filter-grad direct|gemm` computes the filter
 * gradient directly (our WebAssembly SIMD tiles, the default) or as im2col + GEMM, `--filter-gemm matmul|conv` picks
 * that GEMM, `--js-loops` the JS versions of our kernels' copy loops (engine/kernels.ts), and `--no-helper` leaves
 * out the filter gradient's helper thread that the app starts where XNNPACK has two or more threads.
 *   npm run bench:profile [-- --steps N] [--batch N] [--method simclr|…] [--top N] [--wall] [--shapes]
 *                         [--browser [--threads N] [--cores N]] [--filter-grad direct|gemm]
 *                         [--filter-gemm auto|matmul|conv] [--js-loops] [--no-helper]
 */
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { methodDefaults, type Method } from '../src/shared/config';
import { registerKernelFixes, setWasmKernelOptions, type WasmKernelOptions } from '../src/engine/kernels';
import { loadMnistFromDisk } from '../src/engine/nodeData';
import { Trainer } from '../src/engine/trainer';
import { formatProfile, instrumentWasmKernels, profileTrainer, type ProfileResult } from './profileCore';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

export interface ProfileRequest {
  method: Method;
  batch: number;
  steps: number;
  warmup: number;
  shapes: boolean;
  threads: number;
  /** Browser only: the hardwareConcurrency the WASM module sees (it uses half of it for XNNPACK). */
  cores: number;
  filterGemm: WasmKernelOptions['filterGemm'];
  filterGrad: WasmKernelOptions['filterGrad'];
  /** The kernels' copy loops as WebAssembly (default) or JS (`--js-loops`). */
  wasmLoops: boolean;
  /** Browser only: the filter gradient's helper thread where XNNPACK has two or more threads, as the app (default), or not (`--no-helper`). */
  filterGradHelper: boolean;
}

const REQ: ProfileRequest = {
  method: arg('method', 'simclr') as Method,
  batch: Number(arg('batch', '128')),
  steps: Number(arg('steps', '8')),
  warmup: 3,
  shapes: process.argv.includes('--shapes'),
  threads: Number(arg('threads', '-1')),
  cores: Number(arg('cores', '-1')),
  filterGemm: arg('filter-gemm', 'auto') as WasmKernelOptions['filterGemm'],
  filterGrad: arg('filter-grad', 'direct') as WasmKernelOptions['filterGrad'],
  wasmLoops: !process.argv.includes('--js-loops'),
  filterGradHelper: !process.argv.includes('--no-helper'),
};
const TOP = Number(arg('top', '40'));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PORT = 4183;

async function inNode(): Promise<ProfileResult> {
  const wall = process.argv.includes('--wall');
  registerKernelFixes();
  setWasmKernelOptions({ filterGemm: REQ.filterGemm, filterGrad: REQ.filterGrad, wasmLoops: REQ.wasmLoops });
  await tf.setBackend('wasm');
  await tf.ready();
  instrumentWasmKernels();
  const t = new Trainer({ ...methodDefaults(REQ.method), batchSize: REQ.batch, steps: REQ.steps + REQ.warmup + 1, evalEvery: 0 }, loadMnistFromDisk());
  try {
    return await profileTrainer(t, {
      ...REQ,
      now: wall
        ? () => performance.now()
        : () => {
            const u = process.cpuUsage();
            return (u.user + u.system) / 1000;
          },
      clock: wall ? 'wall time' : 'CPU time of this process',
      setup: `tfjs ${tf.version.tfjs}, wasm in Node ${process.version} (one thread), filter gradient ${REQ.filterGrad === 'direct' ? 'direct' : `GEMM ${REQ.filterGemm}`}, ${REQ.wasmLoops ? 'WASM' : 'JS'} copy loops; ${REQ.method}, batch ${REQ.batch} (${2 * REQ.batch} views)`,
    });
  } finally {
    t.dispose();
  }
}

async function inChromium(): Promise<ProfileResult> {
  const { build } = await import('vite');
  const { closeAll, launchChromium, serve } = await import('./harness');
  const outDir = `${ROOT}bench/out/dist-profile`;
  console.log('Building the profile page…');
  await build({ root: ROOT, logLevel: 'warn', build: { outDir, emptyOutDir: true, rollupOptions: { input: { profile: `${ROOT}bench/profile.html` } } } });
  const server = await serve(outDir, PORT);
  const browser = await launchChromium(['--disable-background-networking']);
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${PORT}/bench/profile.html`);
    console.log('Profiling in Chromium…');
    return (await page.evaluate((r) => (window as unknown as { runProfile(r: unknown): Promise<ProfileResult> }).runProfile(r), REQ)) as ProfileResult;
  } finally {
    await closeAll(browser, server);
  }
}

async function main(): Promise<void> {
  const r = process.argv.includes('--browser') ? await inChromium() : await inNode();
  console.log(formatProfile(r, TOP));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
