/**
 * `npm run bench:soak`: a memory soak of the training engine. Every method trains N steps (default 10,000) with
 * tiny settings (CNN of width 4 on the 8×8 digits, batch 8, small heads, MoCo queue 64) on tfjs WASM in Node,
 * evaluating every 500 steps as the page does (kNN, probes, collapse meter, embeddings). Prints, per method,
 * tf.memory().numTensors and numBytes, the WASM heap's size, and process.memoryUsage().heapUsed (after a forced
 * GC when node runs with --expose-gc, as the npm script does) at steps 0, 1, 100, 500, 1000, 2000, …, N; then the
 * verdict: "flat" when numTensors and numBytes do not move after the first step (sampled every 100 steps and
 * after every evaluation), or their growth; and whether Trainer.dispose() returned them to their value before
 * the trainer was built.
 *   npm run bench:soak -- [--steps 10000] [--methods simclr,moco,...] [--batch 8] [--dataset digits|moons|…]
 *                         [--eval-every 500] [--backend wasm|cpu]
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { METHODS, methodDefaults, runDefaults, type Method, type TrainConfig } from '../src/shared/config';
import { DATASETS, datasetKind, type DatasetName } from '../src/shared/datasets';
import { registerKernelFixes } from '../src/engine/kernels';
import { loadDatasetFromDisk } from '../src/engine/nodeData';
import { Trainer } from '../src/engine/trainer';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
function fail(message: string): never {
  process.stderr.write(`bench:soak: ${message}\n`);
  process.exit(2);
}
const int = (name: string, fallback: number, min: number) => {
  const v = Number(arg(name) ?? fallback);
  if (!Number.isInteger(v) || v < min) fail(`${name} must be an integer ≥ ${min}`);
  return v;
};
const STEPS = int('--steps', 10_000, 1);
const BATCH = int('--batch', 8, 2);
const EVAL_EVERY = int('--eval-every', 500, 0);
const DATASET = (arg('--dataset') ?? 'digits') as DatasetName;
if (!DATASETS.includes(DATASET) || DATASET === 'custom') fail(`unknown dataset "${DATASET}"`);
const BACKEND = arg('--backend') ?? 'wasm';
if (BACKEND !== 'wasm' && BACKEND !== 'cpu') fail('--backend must be wasm or cpu');
const ONLY = arg('--methods')?.split(',');
for (const m of ONLY ?? []) if (!(METHODS as readonly string[]).includes(m)) fail(`unknown method "${m}" (one of ${METHODS.join(', ')})`);
const methods: Method[] = ONLY ? (ONLY as Method[]) : [...METHODS];

/** The tiny config: each method's preset and knobs, a width-4 encoder, small heads, a short queue. */
function soakConfig(method: Method): TrainConfig {
  const base = datasetKind(DATASET) === 'points' ? runDefaults(method, DATASET) : { ...methodDefaults(method), dataset: DATASET };
  return {
    ...base,
    width: 4,
    projHidden: 16,
    projDim: 8,
    predHidden: 16,
    batchSize: BATCH,
    mocoQueue: 64,
    steps: STEPS,
    warmupSteps: 10,
    evalEvery: EVAL_EVERY,
    probes: true,
  };
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Bytes of the WASM backend's linear memory (it only grows); null on another backend. */
function wasmHeapBytes(): number | null {
  const b = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return b.wasm?.HEAPU8 ? b.wasm.HEAPU8.length : null;
}

interface Sample {
  step: number;
  numTensors: number;
  numBytes: number;
  wasmBytes: number | null;
  heapUsed: number;
  msPerStep: number;
}

function sample(step: number, msPerStep: number): Sample {
  gc?.();
  const m = tf.memory();
  return { step, numTensors: m.numTensors, numBytes: m.numBytes, wasmBytes: wasmHeapBytes(), heapUsed: process.memoryUsage().heapUsed, msPerStep };
}

/** The steps printed: 0, 1, 100, 500, then every 1,000, and the last. */
function printed(step: number): boolean {
  return step === 0 || step === 1 || step === 100 || step === 500 || step % 1000 === 0 || step === STEPS;
}

const mb = (b: number | null) => (b === null ? 'n/a' : (b / 2 ** 20).toFixed(2));
const signed = (x: number, digits = 0) => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;

interface Result {
  method: Method;
  samples: Sample[];
  /** Wall time of each evaluation after step 0. */
  evalMs: number[];
  before: tf.MemoryInfo;
  afterDispose: tf.MemoryInfo;
  seconds: number;
  error?: string;
}

async function soak(method: Method): Promise<Result> {
  const config = soakConfig(method);
  const dataset = loadDatasetFromDisk(DATASET);
  gc?.();
  const before = tf.memory();
  const t0 = performance.now();
  const trainer = new Trainer(config, dataset);
  const samples: Sample[] = [];
  const evalMs: number[] = [];
  let error: string | undefined;
  try {
    if (EVAL_EVERY > 0) await trainer.evaluate(); // the page evaluates the untrained model first
    samples.push(sample(0, Number.NaN));
    let chunkMs = 0;
    let chunkSteps = 0;
    while (!trainer.done) {
      const s0 = performance.now();
      await trainer.trainStep();
      chunkMs += performance.now() - s0;
      chunkSteps++;
      const step = trainer.step;
      if (EVAL_EVERY > 0 && (step % EVAL_EVERY === 0 || trainer.done)) {
        const e0 = performance.now();
        await trainer.evaluate();
        evalMs.push(performance.now() - e0);
      }
      if (step === 1 || step % 100 === 0 || trainer.done) {
        samples.push(sample(step, chunkMs / chunkSteps));
        chunkMs = 0;
        chunkSteps = 0;
      }
    }
  } catch (e) {
    error = (e as Error).message;
  } finally {
    trainer.dispose();
  }
  gc?.();
  return { method, samples, evalMs, before, afterDispose: tf.memory(), seconds: (performance.now() - t0) / 1000, error };
}

function report(r: Result): { flat: boolean; released: boolean } {
  const evals = r.evalMs.length ? `, ${r.evalMs.length} evaluations of ${(r.evalMs.reduce((a, b) => a + b, 0) / r.evalMs.length).toFixed(0)} ms on average` : '';
  console.log(`\n== ${r.method}: ${STEPS} steps in ${r.seconds.toFixed(1)} s${evals}${r.error ? `, FAILED: ${r.error}` : ''} ==`);
  console.log('   step  numTensors     numBytes  WASM heap MB  JS heapUsed MB  ms/train step (last 100)');
  for (const s of r.samples) {
    if (!printed(s.step)) continue;
    console.log(
      `${String(s.step).padStart(7)}  ${String(s.numTensors).padStart(10)}  ${String(s.numBytes).padStart(11)}  ${mb(s.wasmBytes).padStart(12)}  ${mb(s.heapUsed).padStart(14)}  ${Number.isFinite(s.msPerStep) ? s.msPerStep.toFixed(2).padStart(7) : '      —'}`,
    );
  }
  const after1 = r.samples.filter((s) => s.step >= 1);
  const range = (f: (s: Sample) => number) => {
    const v = after1.map(f);
    return v.length ? Math.max(...v) - Math.min(...v) : 0;
  };
  const first = after1[0];
  const end = after1[after1.length - 1];
  const dT = range((s) => s.numTensors);
  const dB = range((s) => s.numBytes);
  const flat = !r.error && dT === 0 && dB === 0;
  const heapGrowth = first && end ? end.heapUsed - first.heapUsed : 0;
  const wasmGrowth = first && end && first.wasmBytes !== null && end.wasmBytes !== null ? end.wasmBytes - first.wasmBytes : null;
  console.log(
    `verdict: ${flat ? 'flat' : `GROWS: numTensors ${first?.numTensors} → ${end?.numTensors} (range ${dT}), numBytes ${first?.numBytes} → ${end?.numBytes} (range ${dB})`}` +
      ` (after step 1, ${after1.length} samples); JS heap ${signed(heapGrowth / 2 ** 20, 2)} MB from step 1 to ${end?.step ?? 0}` +
      (wasmGrowth !== null ? `; WASM heap ${signed(wasmGrowth / 2 ** 20, 2)} MB` : ''),
  );
  const released = r.afterDispose.numTensors === r.before.numTensors && r.afterDispose.numBytes === r.before.numBytes;
  console.log(
    `dispose: numTensors ${r.before.numTensors} before the trainer → ${r.afterDispose.numTensors} after dispose(); numBytes ${r.before.numBytes} → ${r.afterDispose.numBytes}: ${released ? 'released' : 'NOT released'}`,
  );
  return { flat, released };
}

async function main(): Promise<void> {
  const t0 = performance.now();
  registerKernelFixes();
  if (!(await tf.setBackend(BACKEND))) fail(`backend ${BACKEND} failed to initialise`);
  await tf.ready();
  const c = soakConfig(methods[0]!);
  console.log(
    `Soak: ${methods.join(', ')}; ${STEPS} steps each on ${DATASET} (${c.encoder}, width ${c.width}, head ${c.projHidden}→${c.projDim}, batch ${BATCH}), ` +
      `evaluation every ${EVAL_EVERY || 'never'}, tfjs ${tf.version.tfjs} ${tf.getBackend()} in Node ${process.version}${gc ? ', GC forced before each sample' : ' (run with --expose-gc for a settled heap)'}`,
  );
  const verdicts: { method: Method; flat: boolean; released: boolean }[] = [];
  for (const m of methods) {
    const r = await soak(m);
    verdicts.push({ method: m, ...report(r) });
  }
  console.log('\n== summary ==');
  for (const v of verdicts) console.log(`${v.method.padEnd(8)} numTensors/numBytes ${v.flat ? 'flat' : 'GROW'}; dispose ${v.released ? 'releases everything' : 'LEAVES TENSORS'}`);
  console.log(`total time: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (verdicts.some((v) => !v.flat || !v.released)) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
