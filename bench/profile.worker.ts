/** The worker of `npm run bench:profile -- --browser`: the app's WASM setup, one trainer, the kernel profile. */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { methodDefaults } from '../src/shared/config';
import { DATASET_INFO } from '../src/shared/datasets';
import { datasetFromIdx } from '../src/engine/data';
import { registerKernelFixes, setWasmKernelOptions } from '../src/engine/kernels';
import { configureWasmThreads } from '../src/engine/wasmThreads';
import { startFilterGradHelper, waitForFilterGradHelper } from '../src/worker/filterGradHelper';
import { Trainer } from '../src/engine/trainer';
import type { ProfileRequest } from './profile';
import { instrumentWasmKernels, profileTrainer } from './profileCore';

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
});

async function fetchBytes(path: string): Promise<Uint8Array> {
  const res = await fetch(new URL(import.meta.env.BASE_URL + path, self.location.origin));
  if (!res.ok) throw new Error(`could not load ${path}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

self.onmessage = async (e: MessageEvent<ProfileRequest>) => {
  const req = e.data;
  try {
    if (req.cores > 0) {
      // tfjs-backend-wasm sizes XNNPACK's pool as min(requested, hardwareConcurrency / 2): on 2 cores, 1 thread.
      Object.defineProperty(self.navigator, 'hardwareConcurrency', { get: () => req.cores, configurable: true });
    }
    // As the app (engine/wasmThreads.ts) unless told otherwise.
    if (req.threads > 0) setThreadsCount(req.threads);
    else if (req.cores <= 0) configureWasmThreads();
    registerKernelFixes();
    setWasmKernelOptions({ filterGemm: req.filterGemm, filterGrad: req.filterGrad, wasmLoops: req.wasmLoops });
    await tf.setBackend('wasm');
    await tf.ready();
    // As the app: a helper thread for the filter gradient where XNNPACK has two or more (unless --no-helper).
    const helper = req.filterGradHelper && startFilterGradHelper();
    if (helper) await waitForFilterGradHelper();
    instrumentWasmKernels();
    const [simd, threads] = await Promise.all([tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')]);
    const info = DATASET_INFO.mnist;
    const [images, labels] = await Promise.all([fetchBytes(info.images), fetchBytes(info.labels)]);
    const dataset = datasetFromIdx(info.label, images, labels, info.classNames);
    const t = new Trainer({ ...methodDefaults(req.method), batchSize: req.batch, steps: req.steps + req.warmup + 1, evalEvery: 0 }, dataset);
    try {
      const result = await profileTrainer(t, {
        ...req,
        now: () => performance.now(),
        clock: 'wall time (worker)',
        setup:
          `tfjs ${tf.version.tfjs}, wasm in Chromium's worker: SIMD ${simd}, threads ${threads} (XNNPACK threads ${getThreadsCount()}, ` +
          `crossOriginIsolated ${self.crossOriginIsolated}), filter gradient ${req.filterGrad === 'direct' ? `direct${helper ? ' with a helper thread' : ''}` : `GEMM ${req.filterGemm}`}, ${req.wasmLoops ? 'WASM' : 'JS'} copy loops; ${req.method}, batch ${req.batch} (${2 * req.batch} views)`,
      });
      self.postMessage({ result });
    } finally {
      t.dispose();
    }
  } catch (err) {
    self.postMessage({ error: (err as Error).message || String(err) });
  }
};
