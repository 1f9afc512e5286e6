/**
 * A run's state copied off the backend (plain Float32Arrays), so the run can go on elsewhere: the worker takes one
 * every few steps while training on WebGPU, and when the device is lost it builds a new Trainer on the next
 * backend and restores it. What is kept: the step, the online network's variables, the target network's (MoCo,
 * BYOL) and MoCo's key queue. What is not: the optimizer's moments (Adam) or momentum buffer (SGD), which restart
 * from zero; the batch order and the augmentations follow from the seed and the step, so they continue as before.
 */
import * as tf from '@tensorflow/tfjs';
import type { Trainer } from './trainer';

export interface TrainerSnapshot {
  /** Steps done when it was taken (the restored trainer's next step is this one). */
  step: number;
  model: Float32Array[];
  target: Float32Array[] | null;
  queue: { keys: Float32Array; enqueued: number } | null;
}

async function read(vars: readonly tf.Variable[]): Promise<Float32Array[]> {
  return Promise.all(vars.map(async (v) => Float32Array.from(await v.data())));
}

/** Copies a trainer's state to the CPU (one read-back per variable). */
export async function snapshotTrainer(t: Trainer): Promise<TrainerSnapshot> {
  const step = t.step;
  const [model, target, keys] = await Promise.all([
    read(t.model.variables),
    t.target ? read(t.target.variables) : Promise.resolve(null),
    t.queue ? t.queue.value.data().then((d) => Float32Array.from(d)) : Promise.resolve(null),
  ]);
  return { step, model, target, queue: keys && t.queue ? { keys, enqueued: t.queue.enqueued } : null };
}

/** Checks that a snapshot's values fit these variables (count and sizes); throws, naming the mismatch. */
function check(vars: readonly tf.Variable[], values: readonly Float32Array[], what: string): void {
  if (vars.length !== values.length) throw new Error(`the snapshot's ${what} has ${values.length} variables, the model ${vars.length}`);
  vars.forEach((v, i) => {
    if (values[i]!.length !== v.size) throw new Error(`the snapshot's ${what} variable ${i} has ${values[i]!.length} values, the model's ${v.size}`);
  });
}

function assign(vars: readonly tf.Variable[], values: readonly Float32Array[]): void {
  vars.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(values[i]!, v.shape, 'float32'))));
}

/**
 * Puts a snapshot into a trainer built with the same config (on any backend) and moves it to the snapshot's step.
 * Everything is checked first: a mismatch throws and changes nothing.
 */
export function restoreTrainer(t: Trainer, s: TrainerSnapshot): void {
  check(t.model.variables, s.model, 'online network');
  if (!!t.target !== !!s.target) throw new Error('the snapshot and the trainer differ in having a target network');
  if (t.target && s.target) check(t.target.variables, s.target, 'target network');
  if (!!t.queue !== !!s.queue) throw new Error('the snapshot and the trainer differ in having a key queue');
  if (t.queue && s.queue && s.queue.keys.length !== t.queue.size * t.queue.dim) throw new Error("the snapshot's key queue has another size");
  assign(t.model.variables, s.model);
  if (t.target && s.target) assign(t.target.variables, s.target);
  if (t.queue && s.queue) t.queue.load(s.queue.keys, s.queue.enqueued);
  t.resumeAt(s.step);
}
