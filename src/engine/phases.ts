/**
 * Step phases for the profiler (`npm run bench:profile`): the trainer names the part of a step it enters
 * (augmentation, forward, backward, optimizer, metrics) so kernel time can be split by phase. A no-op unless
 * a hook is set; nothing in the app sets one.
 */
export type StepPhase = 'augment' | 'forward' | 'backward' | 'optimizer' | 'metrics';

let hook: ((p: StepPhase) => void) | null = null;

/** Installs (or, with null, removes) the phase listener. */
export function setPhaseHook(h: ((p: StepPhase) => void) | null): void {
  hook = h;
}

/** Marks the start of a phase of the current step. */
export function enterPhase(p: StepPhase): void {
  if (hook) hook(p);
}
