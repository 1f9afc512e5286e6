/**
 * Runs a sweep: several trainers that differ in one or two knobs, on one backend. Shared by the worker and the
 * sweep benchmark, so what the benchmark measures is what the page runs. Two ways to share the device:
 * 'sequential' trains each run to its end before the next starts (one model in memory at a time);
 * 'interleaved' builds every run up front and takes one step of each in turn, so all curves grow together.
 * A run whose loss turns non-finite ends with an error; the others go on.
 */
import type { TrainConfig } from '../shared/config';
import type { StepMetrics, SweepMode } from '../shared/messages';
import type { Trainer } from './trainer';

export type { SweepMode };

/** Interleaving keeps every run's model and data on the device at once: above this many runs, runs go one after another. */
export const MAX_INTERLEAVED = 8;

/** What the sweep loop reports and asks, so the worker can stream and the benchmark can count. */
export interface SweepHooks {
  /** A run's trainer is built (before its first step). */
  onRunStart(index: number, trainer: Trainer): void | Promise<void>;
  onStep(index: number, m: StepMetrics): void;
  /** Evaluate now? Asked after each step (and before the first); the hook does the evaluating. */
  shouldEvaluate(index: number, trainer: Trainer): boolean;
  evaluate(index: number, trainer: Trainer): Promise<void>;
  /** The run ended: 'done', 'stopped' (the sweep was cancelled) or 'error' with its message and step. */
  onRunEnd(index: number, status: 'done' | 'stopped' | 'error', error?: { message: string; step?: number }): void;
  /** Between steps: resolves when the loop may go on (waits while paused); true when the sweep is cancelled. */
  checkpoint(): Promise<boolean>;
  /** Runs a step and its evaluation (the worker: as an exclusive section on the sweep's backend). */
  guard?<T>(fn: () => Promise<T>): Promise<T>;
}

/** Runs every config to its end (or until cancelled) in the given mode. Trainers are disposed as their runs end. */
export async function runSweep(configs: readonly TrainConfig[], build: (config: TrainConfig) => Promise<Trainer>, mode: SweepMode, hooks: SweepHooks): Promise<'done' | 'stopped'> {
  const interleave = mode === 'interleaved' && configs.length <= MAX_INTERLEAVED;
  const guard = hooks.guard ?? (<T,>(fn: () => Promise<T>) => fn());
  const live: { index: number; trainer: Trainer }[] = [];
  let cancelled = false;

  const end = (index: number, trainer: Trainer, status: 'done' | 'stopped' | 'error', error?: { message: string; step?: number }) => {
    trainer.dispose();
    hooks.onRunEnd(index, status, error);
  };
  /** One step of a run (with its evaluations); false when the run has ended. */
  const advance = async (index: number, trainer: Trainer): Promise<boolean> => {
    try {
      await guard(async () => {
        hooks.onStep(index, await trainer.trainStep());
        if (hooks.shouldEvaluate(index, trainer)) await hooks.evaluate(index, trainer);
      });
    } catch (e) {
      const err = e as Error & { step?: number };
      end(index, trainer, 'error', { message: err.message || String(e), step: err.step });
      return false;
    }
    if (trainer.done) {
      end(index, trainer, 'done');
      return false;
    }
    return true;
  };
  const open = async (index: number): Promise<Trainer | null> => {
    let trainer: Trainer;
    try {
      trainer = await build(configs[index]!);
    } catch (e) {
      hooks.onRunEnd(index, 'error', { message: (e as Error).message || String(e) });
      return null;
    }
    try {
      await hooks.onRunStart(index, trainer);
      if (hooks.shouldEvaluate(index, trainer)) await guard(() => hooks.evaluate(index, trainer));
    } catch (e) {
      end(index, trainer, 'error', { message: (e as Error).message || String(e) });
      return null;
    }
    return trainer;
  };

  try {
    if (interleave) {
      for (let i = 0; i < configs.length && !cancelled; i++) {
        const t = await open(i);
        if (t) live.push({ index: i, trainer: t });
        cancelled = await hooks.checkpoint();
      }
      while (live.length && !cancelled) {
        for (let k = 0; k < live.length && !cancelled; ) {
          const { index, trainer } = live[k]!;
          if (await advance(index, trainer)) k++;
          else live.splice(k, 1);
          cancelled = await hooks.checkpoint();
        }
      }
    } else {
      for (let i = 0; i < configs.length && !cancelled; i++) {
        const t = await open(i);
        if (!t) continue;
        live.push({ index: i, trainer: t });
        for (;;) {
          cancelled = await hooks.checkpoint();
          if (cancelled || !(await advance(i, t))) break;
        }
        if (!cancelled) live.pop();
      }
    }
  } finally {
    // Runs still open when the sweep was cancelled (or a hook threw) are released and reported as stopped.
    for (const { index, trainer } of live.splice(0)) end(index, trainer, 'stopped');
  }
  return cancelled ? 'stopped' : 'done';
}
