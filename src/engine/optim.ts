/**
 * Optimizers with an explicit learning rate per step (our schedule sets it), following PyTorch's update rules
 * (torch.optim.Adam and torch.optim.SGD with momentum; weight decay added to the gradient as both do).
 */
import * as tf from '@tensorflow/tfjs';
import type { OptimizerKind } from '../shared/config';

export interface Optimizer {
  /** Applies one update; the caller still owns (and disposes) the gradients. */
  step(grads: tf.NamedTensorMap, lr: number): void;
  dispose(): void;
}

export interface OptimizerOptions {
  kind: OptimizerKind;
  momentum: number;
  weightDecay: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/** Makes an optimizer over these variables; its state tensors live until dispose(). */
export function createOptimizer(variables: tf.Variable[], o: OptimizerOptions): Optimizer {
  const slots = new Map<string, { v: tf.Variable; m: tf.Variable; s: tf.Variable | null }>();
  for (const v of variables) {
    slots.set(v.name, {
      v,
      m: tf.tidy(() => tf.variable(tf.zerosLike(v), false)),
      s: o.kind === 'adam' ? tf.tidy(() => tf.variable(tf.zerosLike(v), false)) : null,
    });
  }
  const b1 = o.beta1 ?? 0.9;
  const b2 = o.beta2 ?? 0.999;
  const eps = o.eps ?? 1e-8;
  let t = 0;
  return {
    step(grads, lr) {
      t++;
      tf.tidy(() => {
        for (const [name, g0] of Object.entries(grads)) {
          const slot = slots.get(name);
          if (!slot || !g0) continue;
          const g = o.weightDecay > 0 ? tf.add(g0, tf.mul(slot.v, o.weightDecay)) : g0;
          if (o.kind === 'adam' && slot.s) {
            const m = tf.add(tf.mul(slot.m, b1), tf.mul(g, 1 - b1));
            const s = tf.add(tf.mul(slot.s, b2), tf.mul(tf.square(g), 1 - b2));
            slot.m.assign(m);
            slot.s.assign(s);
            const mHat = tf.div(m, 1 - b1 ** t);
            const sHat = tf.div(s, 1 - b2 ** t);
            slot.v.assign(tf.sub(slot.v, tf.mul(tf.div(mHat, tf.add(tf.sqrt(sHat), eps)), lr)));
          } else {
            // PyTorch SGD: buf = momentum·buf + g (buf = g on the first step); p -= lr·buf.
            const buf = t === 1 ? g : tf.add(tf.mul(slot.m, o.momentum), g);
            slot.m.assign(buf);
            slot.v.assign(tf.sub(slot.v, tf.mul(buf, lr)));
          }
        }
      });
    },
    dispose() {
      for (const s of slots.values()) {
        s.m.dispose();
        s.s?.dispose();
      }
      slots.clear();
    },
  };
}
