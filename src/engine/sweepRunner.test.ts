import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type TrainConfig } from '../shared/config';
import { toyDataset } from '../test/toyDataset';
import { runSweep, type SweepHooks, type SweepMode } from './sweepRunner';
import { NonFiniteLossError, Trainer } from './trainer';

const BASE: TrainConfig = { ...DEFAULT_CONFIG, width: 4, projHidden: 16, projDim: 8, batchSize: 8, steps: 5, warmupSteps: 1, evalEvery: 5, probes: false };
const CONFIGS = [0.1, 0.5, 1].map((temperature) => ({ ...BASE, temperature }));

/** Records every hook call; cancels after `cancelAfter` checkpoints. */
function recorder(cancelAfter = Infinity) {
  const log: string[] = [];
  const losses = new Map<number, number[]>();
  const ends = new Map<number, { status: string; message?: string }>();
  let checkpoints = 0;
  const hooks: SweepHooks = {
    onRunStart: (i) => void log.push(`start ${i}`),
    onStep: (i, m) => {
      log.push(`step ${i}`);
      losses.set(i, [...(losses.get(i) ?? []), m.loss]);
    },
    shouldEvaluate: (_i, t) => t.step % t.config.evalEvery === 0 || t.done,
    evaluate: async (i, t) => {
      log.push(`eval ${i}@${t.step}`);
      await t.evaluate();
    },
    onRunEnd: (i, status, error) => {
      log.push(`end ${i} ${status}`);
      ends.set(i, { status, message: error?.message });
    },
    checkpoint: async () => ++checkpoints > cancelAfter,
  };
  return { hooks, log, losses, ends };
}

const build = async (c: TrainConfig) => new Trainer(c, toyDataset());

describe('runSweep', () => {
  it('sequential runs one after another; interleaved takes turns; both give every run the same numbers as alone', async () => {
    const alone: number[][] = [];
    for (const c of CONFIGS) {
      const t = await build(c);
      const l = [];
      while (!t.done) l.push((await t.trainStep()).loss);
      t.dispose();
      alone.push(l);
    }
    const before = tf.memory().numTensors;
    for (const mode of ['sequential', 'interleaved'] as SweepMode[]) {
      const r = recorder();
      expect(await runSweep(CONFIGS, build, mode, r.hooks)).toBe('done');
      CONFIGS.forEach((_, i) => {
        expect(r.losses.get(i)).toEqual(alone[i]);
        expect(r.ends.get(i)?.status).toBe('done');
        // Evaluated before the first step and at the end (step 5 = evalEvery).
        expect(r.log.filter((e) => e.startsWith(`eval ${i}@`))).toEqual([`eval ${i}@0`, `eval ${i}@5`]);
      });
      const steps = r.log.filter((e) => e.startsWith('step')).map((e) => Number(e.slice(5)));
      if (mode === 'sequential') expect(steps).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2]);
      else expect(steps).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]);
      // Every trainer was disposed when its run ended.
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('every step and evaluation runs inside the guard, one at a time (the worker keeps the backend its own there)', async () => {
    for (const mode of ['sequential', 'interleaved'] as SweepMode[]) {
      const r = recorder();
      let inside = 0;
      let overlaps = 0;
      const guarded: string[] = [];
      r.hooks.guard = async <T,>(fn: () => Promise<T>): Promise<T> => {
        if (inside++) overlaps++;
        const mark = r.log.length;
        try {
          return await fn();
        } finally {
          inside--;
          guarded.push(...r.log.slice(mark));
        }
      };
      expect(await runSweep(CONFIGS, build, mode, r.hooks)).toBe('done');
      expect(overlaps).toBe(0);
      // Everything but the runs' starts and ends happened inside the guard.
      expect(guarded).toEqual(r.log.filter((e) => e.startsWith('step') || e.startsWith('eval')));
      expect(guarded.filter((e) => e.startsWith('step'))).toHaveLength(15);
    }
  });

  it('cancelling stops the open runs, releases them, and starts no more', async () => {
    const before = tf.memory().numTensors;
    for (const mode of ['sequential', 'interleaved'] as SweepMode[]) {
      const r = recorder(mode === 'sequential' ? 3 : 5);
      expect(await runSweep(CONFIGS, build, mode, r.hooks)).toBe('stopped');
      if (mode === 'sequential') {
        expect([...r.ends.entries()]).toEqual([[0, { status: 'stopped', message: undefined }]]);
        expect(r.log).not.toContain('start 1');
      } else {
        expect([...r.ends.values()].map((e) => e.status)).toEqual(['stopped', 'stopped', 'stopped']);
      }
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('a run whose loss turns non-finite, or that cannot be built, ends with its error; the others finish', async () => {
    const before = tf.memory().numTensors;
    for (const mode of ['sequential', 'interleaved'] as SweepMode[]) {
      const failing = async (c: TrainConfig) => {
        if (c.temperature === 1) throw new Error('cannot build this one');
        const t = await build(c);
        if (c.temperature === 0.1) {
          const real = t.trainStep.bind(t);
          t.trainStep = async () => {
            const m = await real();
            if (m.step === 2) throw new NonFiniteLossError(2, Number.NaN);
            return m;
          };
        }
        return t;
      };
      const r = recorder();
      expect(await runSweep(CONFIGS, failing, mode, r.hooks)).toBe('done');
      expect(r.ends.get(0)).toEqual({ status: 'error', message: expect.stringContaining('at step 3') }); // 1-based, as on the charts
      expect(r.ends.get(1)?.status).toBe('done');
      expect(r.ends.get(2)).toEqual({ status: 'error', message: 'cannot build this one' });
      expect(r.losses.get(1)).toHaveLength(5);
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});
