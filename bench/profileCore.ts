/**
 * The profiler behind `npm run bench:profile`, shared by its Node and browser runs: every kernel registered for
 * 'wasm' gets a timer (WASM kernels run synchronously, so a clock around one is its time; a kernel that calls
 * others, as our convolution gradients do, is charged only its own time, its children theirs), and the trainer
 * names the phase of the step it is in (engine/phases.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { setPhaseHook, type StepPhase } from '../src/engine/phases';
import type { Trainer } from '../src/engine/trainer';

export type Phase = StepPhase | 'readback';
export const PHASES: Phase[] = ['augment', 'forward', 'backward', 'metrics', 'optimizer', 'readback'];

export interface ProfileRow {
  phase: Phase;
  kernel: string;
  calls: number;
  ms: number;
}

export interface ProfileResult {
  /** What the clock measures (CPU time of the process in Node, wall time in a browser). */
  clock: string;
  /** Backend, threads, SIMD and the like. */
  setup: string;
  steps: number;
  warmup: number;
  /** Mean and median step time on the clock, and the wall-time median. */
  stepMs: number;
  medianMs: number;
  wallMedianMs: number;
  readbackMs: number;
  tensorsAfterWarmup: number;
  tensorsAtEnd: number;
  /** Per step: calls and ms of each (phase, kernel), the kernel with its input shapes when asked for. */
  rows: ProfileRow[];
}

export interface ProfileOptions {
  steps: number;
  warmup: number;
  /** Split each kernel by its input shapes. */
  shapes: boolean;
  now: () => number;
  clock: string;
  setup: string;
}

let wrapped = false;
let recording = false;
let phase: Phase = 'metrics';
let useShapes = false;
let clockNow: () => number = () => performance.now();
const table = new Map<string, { calls: number; ms: number }>();
/** Each open kernel's accumulated child time, for self times. */
const childMs: number[] = [];

/** Wraps every 'wasm' kernel with a timer (once; call after registerKernelFixes so ours are wrapped too). */
export function instrumentWasmKernels(): void {
  if (wrapped) return;
  wrapped = true;
  for (const k of tf.getKernelsForBackend('wasm')) {
    const inner = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel({
      ...k,
      kernelFunc: (args) => {
        if (!recording) return inner(args);
        childMs.push(0);
        const t0 = clockNow();
        try {
          return inner(args);
        } finally {
          const total = clockNow() - t0;
          const children = childMs.pop()!;
          if (childMs.length) childMs[childMs.length - 1]! += total;
          const shapes = useShapes
            ? ` ${Object.values(args.inputs)
                .map((t) => `[${(t as tf.TensorInfo).shape.join(',')}]`)
                .join(' ')}`
            : '';
          const key = `${phase}\t${k.kernelName}${shapes}`;
          const c = table.get(key) ?? { calls: 0, ms: 0 };
          c.calls++;
          c.ms += total - children;
          table.set(key, c);
        }
      },
    });
  }
}

/** Runs warm-up steps, then timed steps (each read back, as trainStep does), and returns the kernel table. */
export async function profileTrainer(t: Trainer, o: ProfileOptions): Promise<ProfileResult> {
  clockNow = o.now;
  useShapes = o.shapes;
  table.clear();
  setPhaseHook((p) => (phase = p));
  const clock: number[] = [];
  const wall: number[] = [];
  const readback: number[] = [];
  let tensorsAfterWarmup = 0;
  try {
    for (let i = 0; i < o.steps + o.warmup; i++) {
      recording = i >= o.warmup;
      if (i === o.warmup) tensorsAfterWarmup = tf.memory().numTensors;
      const w0 = performance.now();
      const t0 = o.now();
      const r = t.enqueueStep();
      phase = 'readback';
      const t1 = o.now();
      await Promise.all([r.loss.data(), r.acc.data(), r.zStd.data()]);
      tf.dispose([r.loss, r.acc, r.zStd]);
      const t2 = o.now();
      if (recording) {
        clock.push(t2 - t0);
        wall.push(performance.now() - w0);
        readback.push(t2 - t1);
      }
    }
  } finally {
    recording = false;
    setPhaseHook(null);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return {
    clock: o.clock,
    setup: o.setup,
    steps: o.steps,
    warmup: o.warmup,
    stepMs: mean(clock),
    medianMs: median(clock),
    wallMedianMs: median(wall),
    readbackMs: mean(readback),
    tensorsAfterWarmup,
    tensorsAtEnd: tf.memory().numTensors,
    rows: [...table.entries()].map(([key, c]) => {
      const [p, kernel] = key.split('\t') as [Phase, string];
      return { phase: p, kernel, calls: c.calls / o.steps, ms: c.ms / o.steps };
    }),
  };
}

const pad = (s: string, n: number, right = false) => (right ? s.padStart(n) : s.padEnd(n));

/** The tables: phases, then each phase's kernels, then all kernels. */
export function formatProfile(r: ProfileResult, top: number): string {
  const out: string[] = [];
  const kernelMs = r.rows.reduce((a, x) => a + x.ms, 0);
  out.push(`${r.setup}; ${r.steps} steps after ${r.warmup} warm-up`);
  out.push(`clock: ${r.clock}`);
  out.push(
    `step: ${r.stepMs.toFixed(1)} ms (mean; median ${r.medianMs.toFixed(1)} ms; wall-time median ${r.wallMedianMs.toFixed(1)} ms); ` +
      `kernels ${kernelMs.toFixed(1)} ms; JS/engine overhead ${(r.stepMs - kernelMs).toFixed(1)} ms; readback ${r.readbackMs.toFixed(1)} ms`,
  );
  out.push(`tensors: ${r.tensorsAfterWarmup} after warm-up, ${r.tensorsAtEnd} at the end`);
  out.push('', 'phase       ms/step   share   kernel calls/step');
  for (const p of PHASES) {
    const rows = r.rows.filter((x) => x.phase === p);
    const ms = rows.reduce((a, x) => a + x.ms, 0);
    const calls = rows.reduce((a, x) => a + x.calls, 0);
    out.push(`${pad(p, 10)} ${pad(ms.toFixed(1), 8, true)}  ${pad(((100 * ms) / r.stepMs).toFixed(1), 5, true)}%   ${pad(calls.toFixed(0), 6, true)}`);
  }
  const table = (title: string, rows: { kernel: string; calls: number; ms: number }[]) => {
    if (!rows.length) return;
    rows.sort((a, b) => b.ms - a.ms);
    const width = Math.max(30, ...rows.slice(0, top).map((x) => x.kernel.length));
    out.push('', `== ${title} ==`, `${pad('kernel', width)} calls/step   ms/step   share of step`);
    for (const x of rows.slice(0, top)) {
      out.push(`${pad(x.kernel, width)} ${pad(x.calls.toFixed(1), 10, true)} ${pad(x.ms.toFixed(2), 9, true)}   ${pad(((100 * x.ms) / r.stepMs).toFixed(1), 6, true)}%`);
    }
    if (rows.length > top) out.push(`… and ${rows.length - top} more`);
  };
  for (const p of PHASES) table(p, r.rows.filter((x) => x.phase === p));
  const byKernel = new Map<string, { kernel: string; calls: number; ms: number }>();
  for (const x of r.rows) {
    const b = byKernel.get(x.kernel) ?? { kernel: x.kernel, calls: 0, ms: 0 };
    b.calls += x.calls;
    b.ms += x.ms;
    byKernel.set(x.kernel, b);
  }
  table('all phases, by kernel', [...byKernel.values()]);
  return out.join('\n');
}
