/**
 * Every method's loss three ways: against PyTorch values made by scripts/fixtures/losses.py from each paper's
 * pseudo-code (loss to 1e-5, gradients to 1e-4), against naive float64 loops written here from the papers'
 * equations, and its gradient against central finite differences of those loops.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import fixtures from './fixtures/losses.json';
import {
  barlowTwinsLoss,
  byolLoss,
  mocoLoss,
  ntXent,
  retrievalAccuracy,
  sameLabelAccuracy,
  ntXentLogits,
  simsiamLoss,
  stopGradient,
  supConLoss,
  vicregLoss,
} from './losses';
import { gaussian, mulberry32 } from './rng';

type M = number[][];
type Inputs = Record<string, M>;

// ---- naive float64 references, one loop per equation ----
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const unit = (v: number[]) => {
  const n = Math.sqrt(dot(v, v));
  return v.map((x) => x / Math.max(n, 1e-12));
};
const cos = (a: number[], b: number[]) => dot(unit(a), unit(b));
const col = (z: M, j: number) => z.map((r) => r[j]!);
const meanOf = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const unbiasedVar = (v: number[]) => {
  const m = meanOf(v);
  return v.reduce((a, x) => a + (x - m) ** 2, 0) / (v.length - 1);
};

function naiveMoco(q: M, k: M, queue: M, tau: number): number {
  let total = 0;
  for (let i = 0; i < q.length; i++) {
    const logits = [cos(q[i]!, k[i]!), ...queue.map((key) => dot(unit(q[i]!), key))].map((l) => l / tau);
    const lse = Math.log(logits.reduce((s, l) => s + Math.exp(l), 0));
    total += lse - logits[0]!;
  }
  return total / q.length;
}

function naiveByol(p1: M, p2: M, t1: M, t2: M): number {
  return meanOf(p1.map((_, i) => 2 - 2 * cos(p1[i]!, t2[i]!) + 2 - 2 * cos(p2[i]!, t1[i]!)));
}

function naiveSimsiam(p1: M, p2: M, z1: M, z2: M): number {
  return -meanOf(p1.map((p, i) => cos(p, z2[i]!))) / 2 - meanOf(p2.map((p, i) => cos(p, z1[i]!))) / 2;
}

function naiveBarlow(z1: M, z2: M, lambda: number): number {
  const n = z1.length;
  const d = z1[0]!.length;
  const std = (z: M) =>
    z.map((r) => r.map((x, j) => (x - meanOf(col(z, j))) / Math.sqrt(unbiasedVar(col(z, j)))));
  const a = std(z1);
  const b = std(z2);
  let loss = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let c = 0;
      for (let s = 0; s < n; s++) c += a[s]![i]! * b[s]![j]!;
      c /= n;
      loss += i === j ? (1 - c) ** 2 : lambda * c * c;
    }
  }
  return loss;
}

function naiveVicreg(z1: M, z2: M, w: { sim: number; std: number; cov: number }): number {
  const n = z1.length;
  const d = z1[0]!.length;
  let sim = 0;
  for (let s = 0; s < n; s++) for (let j = 0; j < d; j++) sim += (z1[s]![j]! - z2[s]![j]!) ** 2;
  sim /= n * d;
  const stdTerm = (z: M) => meanOf(Array.from({ length: d }, (_, j) => Math.max(0, 1 - Math.sqrt(unbiasedVar(col(z, j)) + 1e-4))));
  const covTerm = (z: M) => {
    let c = 0;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        if (i === j) continue;
        const mi = meanOf(col(z, i));
        const mj = meanOf(col(z, j));
        let cij = 0;
        for (let s = 0; s < n; s++) cij += (z[s]![i]! - mi) * (z[s]![j]! - mj);
        c += (cij / (n - 1)) ** 2;
      }
    }
    return c / d;
  };
  return w.sim * sim + w.std * (stdTerm(z1) + stdTerm(z2)) + w.cov * (covTerm(z1) + covTerm(z2));
}

function naiveSupCon(z1: M, z2: M, labels: number[], tau: number): number {
  const z = [...z1, ...z2].map(unit);
  const y = [...labels, ...labels];
  let total = 0;
  for (let i = 0; i < z.length; i++) {
    let denom = 0;
    for (let a = 0; a < z.length; a++) if (a !== i) denom += Math.exp(dot(z[i]!, z[a]!) / tau);
    let sum = 0;
    let count = 0;
    for (let p = 0; p < z.length; p++) {
      if (p === i || y[p] !== y[i]) continue;
      sum += Math.log(Math.exp(dot(z[i]!, z[p]!) / tau) / denom);
      count++;
    }
    total += -sum / count;
  }
  return total / z.length;
}

function randomMatrix(n: number, d: number, seed: number, scale = 1): M {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, () => gaussian(r) * scale));
}

/** The tfjs loss and the naive loss as functions of named inputs, plus which inputs get gradients. */
interface LossPair {
  tfjs: (x: Record<string, tf.Tensor2D>) => tf.Scalar;
  naive: (x: Inputs) => number;
  wrt: string[];
}

function pairFor(kind: string, params: Record<string, number>, labels: number[] = [], queue: M = []): LossPair {
  const q = () => tf.tensor2d(queue);
  const lab = () => tf.tensor1d(labels, 'int32');
  switch (kind) {
    case 'ntxent':
      return {
        tfjs: (x) => ntXent(x.z1!, x.z2!, params.tau!),
        naive: (x) => naiveNtXentForTest(x.z1!, x.z2!, params.tau!),
        wrt: ['z1', 'z2'],
      };
    case 'moco':
      return { tfjs: (x) => mocoLoss(x.q!, x.k!, q(), params.tau!), naive: (x) => naiveMoco(x.q!, x.k!, queue, params.tau!), wrt: ['q', 'k'] };
    case 'moco_symmetric':
      return {
        tfjs: (x) => tf.mul(tf.add(mocoLoss(x.q1!, x.k2!, q(), params.tau!), mocoLoss(x.q2!, x.k1!, q(), params.tau!)), 0.5) as tf.Scalar,
        naive: (x) => 0.5 * (naiveMoco(x.q1!, x.k2!, queue, params.tau!) + naiveMoco(x.q2!, x.k1!, queue, params.tau!)),
        wrt: ['q1', 'q2'],
      };
    case 'byol':
      return { tfjs: (x) => byolLoss(x.p1!, x.p2!, x.t1!, x.t2!), naive: (x) => naiveByol(x.p1!, x.p2!, x.t1!, x.t2!), wrt: ['p1', 'p2'] };
    case 'simsiam':
      return {
        tfjs: (x) => simsiamLoss(x.p1!, x.p2!, x.z1!, x.z2!),
        naive: (x) => naiveSimsiam(x.p1!, x.p2!, x.z1!, x.z2!),
        wrt: ['p1', 'p2'],
      };
    case 'barlow':
      return { tfjs: (x) => barlowTwinsLoss(x.z1!, x.z2!, params.lambda!), naive: (x) => naiveBarlow(x.z1!, x.z2!, params.lambda!), wrt: ['z1', 'z2'] };
    case 'vicreg': {
      const w = { sim: params.sim!, std: params.std!, cov: params.cov! };
      return { tfjs: (x) => vicregLoss(x.z1!, x.z2!, w), naive: (x) => naiveVicreg(x.z1!, x.z2!, w), wrt: ['z1', 'z2'] };
    }
    case 'supcon':
      return {
        tfjs: (x) => supConLoss(x.z1!, x.z2!, lab(), params.tau!),
        naive: (x) => naiveSupCon(x.z1!, x.z2!, labels, params.tau!),
        wrt: ['z1', 'z2'],
      };
    default:
      throw new Error(`no loss for fixture kind ${kind}`);
  }
}

function naiveNtXentForTest(z1: M, z2: M, tau: number): number {
  const z = [...z1, ...z2].map(unit);
  const n = z1.length;
  let total = 0;
  for (let i = 0; i < 2 * n; i++) {
    let denom = 0;
    for (let k = 0; k < 2 * n; k++) if (k !== i) denom += Math.exp(dot(z[i]!, z[k]!) / tau);
    total -= Math.log(Math.exp(dot(z[i]!, z[(i + n) % (2 * n)]!) / tau) / denom);
  }
  return total / (2 * n);
}

/** tfjs loss value and gradients w.r.t. the named inputs. */
function tfjsLossAndGrads(pair: LossPair, inputs: Inputs): { loss: number; grads: Record<string, M> } {
  return tf.tidy(() => {
    const ts = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tf.tensor2d(v)]));
    const f = (...xs: tf.Tensor[]) => {
      const all = { ...ts };
      pair.wrt.forEach((k, i) => (all[k] = xs[i] as tf.Tensor2D));
      return pair.tfjs(all);
    };
    const { value, grads } = tf.valueAndGrads(f)(pair.wrt.map((k) => ts[k]!));
    return {
      loss: value.dataSync()[0]!,
      grads: Object.fromEntries(pair.wrt.map((k, i) => [k, grads[i]!.arraySync() as M])),
    };
  });
}

function expectClose(got: number, want: number, tol: number, what: string): void {
  const err = Math.abs(got - want) / Math.max(1, Math.abs(want));
  if (err > tol) throw new Error(`${what}: got ${got}, want ${want} (relative error ${err.toExponential(2)} > ${tol})`);
}

interface LossCase {
  name: string;
  kind: string;
  params: Record<string, number>;
  inputs: Record<string, M | number[]>;
  loss: number;
  grads: Record<string, M>;
}
const lossCases = (fixtures.cases as unknown as LossCase[]).filter((c) => c.kind !== 'collapse');

function splitInputs(c: LossCase): { inputs: Inputs; labels: number[]; queue: M } {
  const { labels, queue, ...rest } = c.inputs as Record<string, unknown>;
  return { inputs: rest as Inputs, labels: (labels as number[]) ?? [], queue: (queue as M) ?? [] };
}

describe('losses against PyTorch (scripts/fixtures/losses.py)', () => {
  it('covers every method', () => {
    expect(new Set(lossCases.map((c) => c.kind))).toEqual(
      new Set(['ntxent', 'moco', 'moco_symmetric', 'byol', 'simsiam', 'barlow', 'vicreg', 'supcon']),
    );
  });

  it.each(lossCases.map((c) => [c.name, c] as const))('%s: loss to 1e-5, gradients to 1e-4', (_, c) => {
    const { inputs, labels, queue } = splitInputs(c);
    const pair = pairFor(c.kind, c.params, labels, queue);
    const got = tfjsLossAndGrads(pair, inputs);
    expectClose(got.loss, c.loss, 1e-5, `${c.name} loss`);
    for (const k of pair.wrt) {
      const want = c.grads[k]!;
      want.forEach((row, i) => row.forEach((g, j) => expectClose(got.grads[k]![i]![j]!, g, 1e-4, `${c.name} ∂/∂${k}[${i}][${j}]`)));
    }
  });

  it('SimSiam: PyTorch’s detach gives z no gradient, and our stop-gradient agrees exactly', () => {
    for (const c of lossCases.filter((x) => x.kind === 'simsiam')) {
      const { inputs } = splitInputs(c);
      const g = tf.tidy(() =>
        tf.grads((z1: tf.Tensor, z2: tf.Tensor) =>
          simsiamLoss(tf.tensor2d(inputs.p1!), tf.tensor2d(inputs.p2!), z1 as tf.Tensor2D, z2 as tf.Tensor2D),
        )([tf.tensor2d(inputs.z1!), tf.tensor2d(inputs.z2!)]).map((t) => t.arraySync() as M),
      );
      expect(c.grads.z1!.flat().every((v) => v === 0)).toBe(true);
      expect(g.flat(2).every((v) => v === 0)).toBe(true);
    }
  });
});

describe('losses against naive loops and finite differences', () => {
  const n = 5;
  const d = 4;
  const cases: [string, string, Record<string, number>, Inputs, number[], M][] = [
    ['MoCo', 'moco', { tau: 0.2 }, { q: randomMatrix(n, d, 1), k: randomMatrix(n, d, 2) }, [], randomMatrix(7, d, 3).map(unit)],
    ['MoCo symmetric', 'moco_symmetric', { tau: 0.5 }, { q1: randomMatrix(n, d, 4), q2: randomMatrix(n, d, 5), k1: randomMatrix(n, d, 6), k2: randomMatrix(n, d, 7) }, [], randomMatrix(6, d, 8).map(unit)],
    ['BYOL', 'byol', {}, { p1: randomMatrix(n, d, 9), p2: randomMatrix(n, d, 10), t1: randomMatrix(n, d, 11), t2: randomMatrix(n, d, 12) }, [], []],
    ['SimSiam', 'simsiam', {}, { p1: randomMatrix(n, d, 13), p2: randomMatrix(n, d, 14), z1: randomMatrix(n, d, 15), z2: randomMatrix(n, d, 16) }, [], []],
    ['Barlow Twins', 'barlow', { lambda: 0.2 }, { z1: randomMatrix(n, d, 17), z2: randomMatrix(n, d, 18) }, [], []],
    ['VICReg (hinge active)', 'vicreg', { sim: 25, std: 25, cov: 1 }, { z1: randomMatrix(n, d, 19, 0.4), z2: randomMatrix(n, d, 20, 0.4) }, [], []],
    ['SupCon', 'supcon', { tau: 0.3 }, { z1: randomMatrix(n, d, 21), z2: randomMatrix(n, d, 22) }, [0, 1, 0, 2, 1], []],
  ];

  it.each(cases)('%s: value equals the loop, gradient equals finite differences', (_, kind, params, inputs, labels, queue) => {
    const pair = pairFor(kind, params, labels, queue);
    const got = tfjsLossAndGrads(pair, inputs);
    expectClose(got.loss, pair.naive(inputs), 1e-5, `${kind} loss`);
    const eps = 1e-4;
    for (const k of pair.wrt) {
      for (let i = 0; i < inputs[k]!.length; i++) {
        for (let j = 0; j < d; j++) {
          const shifted = (delta: number) => {
            const copy = { ...inputs, [k]: inputs[k]!.map((r) => r.slice()) };
            copy[k]![i]![j]! += delta;
            return pair.naive(copy);
          };
          const fd = (shifted(eps) - shifted(-eps)) / (2 * eps);
          expectClose(got.grads[k]![i]![j]!, fd, 2e-3, `${kind} ∂/∂${k}[${i}][${j}]`);
        }
      }
    }
  });

  it('SimSiam without stop-gradient passes the finite-difference gradient to z too', () => {
    const x = { p1: randomMatrix(4, 3, 30), p2: randomMatrix(4, 3, 31), z1: randomMatrix(4, 3, 32), z2: randomMatrix(4, 3, 33) };
    const grads = tf.tidy(() =>
      tf.grads((z1: tf.Tensor, z2: tf.Tensor) =>
        simsiamLoss(tf.tensor2d(x.p1), tf.tensor2d(x.p2), z1 as tf.Tensor2D, z2 as tf.Tensor2D, false),
      )([tf.tensor2d(x.z1), tf.tensor2d(x.z2)]).map((t) => t.arraySync() as M),
    );
    const eps = 1e-4;
    const fd = (i: number, j: number) => {
      const plus = x.z2.map((r) => r.slice());
      const minus = x.z2.map((r) => r.slice());
      plus[i]![j]! += eps;
      minus[i]![j]! -= eps;
      return (naiveSimsiam(x.p1, x.p2, x.z1, plus) - naiveSimsiam(x.p1, x.p2, x.z1, minus)) / (2 * eps);
    };
    for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) expectClose(grads[1]![i]![j]!, fd(i, j), 2e-3, `∂/∂z2[${i}][${j}]`);
    expect(grads[1]!.flat().some((v) => Math.abs(v) > 1e-3)).toBe(true);
  });

  it('stopGradient is the identity forward and blocks the gradient', () => {
    const x = tf.tensor1d([1, -2, 3]);
    expect(Array.from(stopGradient(x).dataSync())).toEqual([1, -2, 3]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.add(tf.square(t), tf.square(stopGradient(t)))))(x);
    expect(Array.from(g.dataSync())).toEqual([2, -4, 6]); // only the first term's 2t
  });

  it('closed forms: BYOL 0 and SimSiam −1 when prediction and target agree; Barlow Twins d/N² for identical whitened views', () => {
    const z = tf.tensor2d(randomMatrix(6, 3, 40));
    expect(byolLoss(z, z, z, z).dataSync()[0]).toBeCloseTo(0, 5);
    expect(simsiamLoss(z, z, z, z).dataSync()[0]).toBeCloseTo(-1, 5);
    // Rows ±e_i: each dimension has mean 0 and the columns are uncorrelated, so C is diagonal. The pseudo-code
    // standardises with the unbiased std but divides C by N, so Cᵢᵢ = (N − 1)/N and the loss is d·(1/N)².
    const white = tf.tensor2d([
      [1, 0],
      [-1, 0],
      [0, 1],
      [0, -1],
    ]);
    expect(barlowTwinsLoss(white, white, 0.5).dataSync()[0]).toBeCloseTo(2 / 16, 5);
    // VICReg of identical views with std ≥ 1 and no covariance: all three terms vanish.
    const wide = tf.mul(white, 2) as tf.Tensor2D;
    expect(vicregLoss(wide, wide, { sim: 25, std: 25, cov: 1 }).dataSync()[0]).toBeCloseTo(0, 5);
  });

  it('SupCon with all-distinct labels is NT-Xent', () => {
    const a = tf.tensor2d(randomMatrix(4, 3, 50));
    const b = tf.tensor2d(randomMatrix(4, 3, 51));
    const labels = tf.tensor1d([0, 1, 2, 3], 'int32');
    expect(supConLoss(a, b, labels, 0.3).dataSync()[0]).toBeCloseTo(ntXent(a, b, 0.3).dataSync()[0]!, 5);
  });

  it('in-batch accuracies: retrieval and same-label, on hand-made batches', () => {
    const a = tf.tensor2d([
      [1, 0],
      [0, 1],
      [1, 0.1],
    ]);
    // Row 0 → b0 ✓; row 1 → b1 ✓; row 2 is nearest to b0 (not b2) ✗.
    const b = tf.tensor2d([
      [1, 0],
      [0, 1],
      [0.5, 1],
    ]);
    expect(retrievalAccuracy(a, b).dataSync()[0]).toBeCloseTo(2 / 3, 6);
    // Same-label: the second view of each item is swapped, so each view's nearest other view is the other item's.
    const v1 = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    const v2 = tf.tensor2d([
      [0, 1],
      [1, 0],
    ]);
    const logits = ntXentLogits(v1, v2, 0.5);
    expect(sameLabelAccuracy(logits, tf.tensor1d([0, 1], 'int32')).dataSync()[0]).toBeCloseTo(0, 6);
    expect(sameLabelAccuracy(logits, tf.tensor1d([3, 3], 'int32')).dataSync()[0]).toBeCloseTo(1, 6);
  });
});
