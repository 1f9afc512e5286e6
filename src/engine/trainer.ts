/**
 * The training loop's body, free of DOM and threads: the worker, the headless runner and the benchmarks all
 * drive this one class, one step at a time.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../shared/config';
import type { StepMetrics, EvalMetrics } from '../shared/messages';
import { augmentBatch, type AugParams } from './augment';
import { augmentPoints } from './toy';
import { collapseMeter, normalizedStd } from './collapse';
import { l2Normalize } from './losses';
import { gatherImages, makeSplit, type Dataset, type Split } from './data';
import { knnAccuracy } from './knn';
import { alignment, fewShotIndices, linearProbe, uniformity } from './probe';
import { createModel, emaUpdate, type Model } from './model';
import { needsTarget, newKeys, objective, targets } from './objectives';
import { createOptimizer, type Optimizer } from './optim';
import { KeyQueue } from './queue';
import { mixSeed, mulberry32, shuffleInPlace } from './rng';
import { emaRateAt, lrAt } from './schedule';
import { enterPhase } from './phases';

/** Vote temperature of the cosine kNN readout (Wu et al. 2018; DINO). */
export const KNN_T = 0.07;

/** Raised when a step's loss is not finite; carries the step so the UI can name it. */
export class NonFiniteLossError extends Error {
  constructor(
    readonly step: number,
    readonly value: number,
  ) {
    super(
      `the loss became ${value} at step ${step + 1}: the learning rate may be too high or the temperature τ too low`,
    );
  }
}

/** Draws training batches: a seeded shuffle per epoch, without replacement inside an epoch. */
export class BatchSampler {
  private order: Int32Array;
  private pos = 0;
  private readonly rand: () => number;
  constructor(pool: Int32Array, seed: number) {
    this.rand = mulberry32(mixSeed(seed, 0xba7c4));
    this.order = shuffleInPlace(pool.slice(), this.rand);
  }
  /** Positions (into the pool) of the next batch. */
  next(size: number): Int32Array {
    const out = new Int32Array(size);
    for (let i = 0; i < size; i++) {
      if (this.pos >= this.order.length) {
        shuffleInPlace(this.order, this.rand);
        this.pos = 0;
      }
      out[i] = this.order[this.pos++]!;
    }
    return out;
  }
}

export function augParams(c: TrainConfig): AugParams {
  return {
    cropScaleMin: c.cropScaleMin,
    cropScaleMax: c.cropScaleMax,
    rotationDeg: c.rotationDeg,
    rotationProb: c.rotationProb,
    contrast: c.contrast,
    blurProb: c.blurProb,
    blurSigma: c.blurSigma,
    noiseStd: c.noiseStd,
    noiseProb: c.noiseProb,
    flipProb: c.flipProb,
    jitterProb: c.jitterProb,
    brightness: c.brightness,
    saturation: c.saturation,
    hue: c.hue,
    grayscaleProb: c.grayscaleProb,
    cutoutProb: c.cutoutProb,
    cutoutSize: c.cutoutSize,
  };
}

/** Whether a method's online network has a predictor. */
function usesPredictor(c: TrainConfig): boolean {
  return (c.method === 'byol' || c.method === 'simsiam') && c.predictor;
}

/**
 * One run of any method: its online model (and, for MoCo and BYOL, the target network that follows it by EMA;
 * for MoCo the key queue), optimizer, data on the backend, and step counter.
 */
export class Trainer {
  readonly model: Model;
  /** MoCo's key encoder or BYOL's target network; null for the other methods. */
  readonly target: Model | null;
  readonly queue: KeyQueue | null;
  private readonly optimizer: Optimizer;
  private readonly sampler: BatchSampler;
  /** The images' shape, [h, w, c]. */
  private readonly shape: [number, number, number];
  /** The kNN bank's and the held-out images on the backend (the training images stay in the dataset: trainBatch). */
  private readonly bankX: tf.Tensor4D;
  private readonly heldX: tf.Tensor4D;
  readonly bankLabels: Int32Array;
  readonly heldLabels: Int32Array;
  readonly split: Split;
  /** The backend its tensors live on (the active one when it was built). */
  readonly backend: string = tf.getBackend();
  private stepIndex = 0;

  constructor(
    readonly config: TrainConfig,
    readonly dataset: Dataset,
    split?: Split,
  ) {
    this.split = split ?? makeSplit(dataset.n);
    const shape = [dataset.h, dataset.w, dataset.c] as [number, number, number];
    this.shape = shape;
    const bank = this.images(this.split.bank);
    const held = this.images(this.split.heldOut);
    this.bankX = bank.x;
    this.heldX = held.x;
    this.bankLabels = bank.labels;
    this.heldLabels = held.labels;
    if (config.encoder !== (dataset.points ? 'mlp' : 'cnn-small')) {
      throw new Error(dataset.points ? `${dataset.name} is 2-D points: it needs the mlp encoder` : `${dataset.name} is images: it needs the cnn-small encoder`);
    }
    const spec = {
      inputShape: shape,
      encoder: config.encoder,
      width: config.width,
      projection: config.projection,
      projHidden: config.projHidden,
      projDim: config.projDim,
      headBN: config.headBN,
      projOutBN: config.projOutBN,
      predHidden: config.predHidden,
      seed: config.seed,
    };
    this.model = createModel({ ...spec, predictor: usesPredictor(config) });
    this.target = needsTarget(config) ? createModel({ ...spec, predictor: false, trainable: false }) : null;
    if (this.target) emaUpdate(this.target, this.model, 0); // start as a copy of the online network
    this.queue = config.method === 'moco' ? new KeyQueue(config.mocoQueue, this.model.zDim, mixSeed(config.seed, 0x9e3e)) : null;
    this.optimizer = createOptimizer(this.model.variables, {
      kind: config.optimizer,
      momentum: config.momentum,
      weightDecay: config.weightDecay,
    });
    // Positions into the training split (0..nTrain-1), not dataset indices.
    this.sampler = new BatchSampler(Int32Array.from({ length: this.split.train.length }, (_, i) => i), config.seed);
  }

  /**
   * Training images at positions `pos` of the training split, as a new tensor (with their labels). A batch is
   * uploaded at each step (128 MNIST images: 0.4 MB), instead of the whole split once when the run is built (9,000
   * images: 28 MB, 0.1–0.3 s on the way to the first loss).
   */
  private trainBatch(pos: Int32Array): { x: tf.Tensor4D; labels: Int32Array } {
    return this.images(Int32Array.from(pos, (p) => this.split.train[p]!));
  }

  /** The dataset's images `idx` as a new tensor on the backend, with their labels. */
  private images(idx: Int32Array): { x: tf.Tensor4D; labels: Int32Array } {
    const { x, y } = gatherImages(this.dataset, idx);
    return { x: tf.tensor4d(x, [idx.length, ...this.shape]), labels: y };
  }

  get step(): number {
    return this.stepIndex;
  }

  get done(): boolean {
    return this.stepIndex >= this.config.steps;
  }

  /** Both views of a batch; the image itself twice when augmentation is off (a collapse-lab setting). */
  private views(x: tf.Tensor4D, step: number): [tf.Tensor4D, tf.Tensor4D] {
    const c = this.config;
    if (!c.augment) return [x, x];
    if (this.dataset.points) {
      const p = { rotationDeg: c.rotationDeg, scaleJitter: c.scaleJitter, noiseStd: c.noiseStd };
      const view = (k: number) => tf.tidy(() => tf.reshape(augmentPoints(tf.reshape(x, [-1, 2]) as tf.Tensor2D, p, mixSeed(c.seed, step, k)), x.shape) as tf.Tensor4D);
      return [view(1), view(2)];
    }
    const p = augParams(c);
    return [augmentBatch(x, p, mixSeed(c.seed, step, 1)), augmentBatch(x, p, mixSeed(c.seed, step, 2))];
  }

  /**
   * Queues one training step on the backend and returns its loss, in-batch accuracy and collapse-meter std as
   * tensors the caller owns (reading them back is the caller's choice, so a loop need not stall on every step).
   */
  enqueueStep(): { step: number; lr: number; loss: tf.Scalar; acc: tf.Scalar; zStd: tf.Scalar } {
    const c = this.config;
    const step = this.stepIndex;
    const lr = lrAt(step, c.lr, c.warmupSteps, c.steps);
    const idx = this.sampler.next(c.batchSize);
    // MoCo updates the key encoder before computing this batch's keys (Algorithm 1); m = 0 copies the query encoder.
    if (c.method === 'moco' && this.target) emaUpdate(this.target, this.model, c.mocoMomentum);
    let acc: tf.Scalar | null = null;
    let z: tf.Tensor2D | null = null;
    let keys: tf.Tensor2D | null = null;
    enterPhase('augment');
    const { value, grads } = tf.tidy(() => {
      const batch = this.trainBatch(idx);
      const [v1, v2] = this.views(batch.x, step);
      const labels = c.method === 'supcon' ? tf.tensor1d(batch.labels, 'int32') : null;
      enterPhase('forward');
      const t = targets(this.target, v1, v2);
      if (t && this.queue) keys = tf.keep(newKeys(c, t));
      return tf.variableGrads(() => {
        const out = objective({ config: c, online: this.model, v1, v2, labels, queue: this.queue?.value ?? null, targets: t });
        acc = tf.keep(out.acc);
        z = tf.keep(out.z);
        enterPhase('backward');
        return out.loss;
      }, this.model.variables);
    });
    enterPhase('metrics');
    const zStd = normalizedStd(z!);
    (z as tf.Tensor | null)?.dispose();
    enterPhase('optimizer');
    this.optimizer.step(grads, lr);
    tf.dispose(grads);
    if (keys && this.queue) {
      this.queue.enqueue(keys);
      (keys as tf.Tensor).dispose();
    }
    // BYOL moves the target after the online update (Algorithm 1), at the scheduled rate τ.
    if (c.method === 'byol' && this.target) emaUpdate(this.target, this.model, emaRateAt(step, c.steps, c.emaBase, c.emaCosine));
    this.stepIndex++;
    return { step, lr, loss: value, acc: acc!, zStd };
  }

  /** One step, read back: the loss, accuracy and timing of that step. Throws on a non-finite loss. */
  async trainStep(): Promise<StepMetrics> {
    const t0 = performance.now();
    const r = this.enqueueStep();
    const [loss, acc, zStd] = await Promise.all([r.loss.data(), r.acc.data(), r.zStd.data()]);
    tf.dispose([r.loss, r.acc, r.zStd]);
    const l = loss[0]!;
    if (!Number.isFinite(l)) throw new NonFiniteLossError(r.step, l);
    return { step: r.step, loss: l, lr: r.lr, acc: acc[0]!, zStd: zStd[0]!, ms: performance.now() - t0 };
  }

  /**
   * Up to `k` steps (fewer when the run ends), queued back to back and read back together: one readback (one
   * stall of a GPU backend's pipeline) per k steps instead of three per step. Each step's `ms` is the batch's
   * time divided by its steps. A non-finite loss throws (naming its step) once the batch has run, so the model
   * may have taken up to k − 1 more steps by then; with k = 1 this is trainStep.
   */
  async trainSteps(k: number): Promise<StepMetrics[]> {
    const t0 = performance.now();
    const queued: ReturnType<Trainer['enqueueStep']>[] = [];
    try {
      for (let i = 0; i < Math.max(1, k) && !this.done; i++) queued.push(this.enqueueStep());
    } catch (e) {
      tf.dispose(queued.flatMap((r) => [r.loss, r.acc, r.zStd]));
      throw e;
    }
    if (!queued.length) return [];
    const all = tf.tidy(() => tf.stack(queued.flatMap((r) => [r.loss, r.acc, r.zStd])));
    tf.dispose(queued.flatMap((r) => [r.loss, r.acc, r.zStd]));
    const v = await all.data();
    all.dispose();
    const ms = (performance.now() - t0) / queued.length;
    const out = queued.map((r, i) => ({ step: r.step, loss: v[3 * i]!, lr: r.lr, acc: v[3 * i + 1]!, zStd: v[3 * i + 2]!, ms }));
    const bad = out.find((m) => !Number.isFinite(m.loss));
    if (bad) throw new NonFiniteLossError(bad.step, bad.loss);
    return out;
  }

  /**
   * The batch similarity matrix a contrastive loss sees: `count` training images picked by `seed`, two views
   * each, their projections ℓ2-normalised, and the 2N × 2N cosine similarities (rows 0..N−1 are the first
   * views, N..2N−1 the second; the positive of row i is i ± N). Batch norm in the head uses this batch's
   * statistics, as in training.
   */
  async similarityMatrix(count: number, seed: number): Promise<Float32Array> {
    const rand = mulberry32(mixSeed(seed, 0x51e));
    const n = Math.min(count, this.split.train.length);
    const idx = Int32Array.from({ length: n }, () => Math.floor(rand() * this.split.train.length));
    const sim = tf.tidy(() => {
      const [v1, v2] = this.views(this.trainBatch(idx).x, -2 - seed);
      const z = l2Normalize(this.model.project(this.model.encode(tf.concat([v1, v2], 0) as tf.Tensor4D)));
      return tf.matMul(z, z, false, true);
    });
    const out = (await sim.data()) as Float32Array;
    sim.dispose();
    return out;
  }

  /** Embeds images in chunks (h, the encoder output), returning a tensor the caller owns. */
  embed(x: tf.Tensor4D, chunk = 500): tf.Tensor2D {
    return tf.tidy(() => {
      const parts: tf.Tensor2D[] = [];
      for (let i = 0; i < x.shape[0]; i += chunk) {
        const size = Math.min(chunk, x.shape[0] - i);
        parts.push(this.model.encode(tf.slice(x, [i, 0, 0, 0], [size, -1, -1, -1])));
      }
      return parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
    });
  }

  /**
   * kNN accuracy of h (held-out queries against the training bank), the collapse meter on the held-out
   * projections z (batch norm in the head uses the bank's statistics), and the held-out embeddings h.
   */
  async evaluate(): Promise<EvalMetrics & { embeddings: Float32Array; dim: number; sphere: Float32Array | null }> {
    const c = this.config;
    const bank = this.embed(this.bankX);
    const held = this.embed(this.heldX);
    const z = this.model.project(held, bank);
    const bankZ = this.model.project(bank, bank);
    // Two augmented views of the held-out images, the same at every evaluation (a fixed seed), for L_align.
    const [a1, a2] = tf.tidy(() => {
      const [v1, v2] = this.views(this.heldX, -1);
      return [this.model.project(this.embed(v1), bank), this.model.project(this.embed(v2), bank)];
    });
    try {
      const labelled = !this.dataset.unlabelled;
      const numClasses = this.dataset.numClasses;
      const knn = (b: tf.Tensor2D, q: tf.Tensor2D) =>
        labelled ? knnAccuracy(b, this.bankLabels, q, this.heldLabels, { k: c.knnK, temperature: KNN_T, numClasses, metric: c.knnMetric }) : Number.NaN;
      // Without labels there is nothing to classify: the readouts are NaN (the page shows "n/a").
      const knnAcc = await knn(bank, held);
      const knnAccZ = await knn(bankZ, z);
      const probe = async (b: tf.Tensor2D, q: tf.Tensor2D, fraction = 1) => {
        if (!labelled || !c.probes) return Number.NaN;
        if (fraction >= 1) return (await linearProbe(b, this.bankLabels, q, this.heldLabels, { numClasses })).accuracy;
        const idx = fewShotIndices(this.bankLabels, fraction, numClasses, mixSeed(c.seed, 0xfe5));
        const sub = tf.tidy(() => tf.gather(b, tf.tensor1d(idx, 'int32')) as tf.Tensor2D);
        try {
          return (await linearProbe(sub, Int32Array.from(idx, (i) => this.bankLabels[i]!), q, this.heldLabels, { numClasses })).accuracy;
        } finally {
          sub.dispose();
        }
      };
      const [probeH, probeZ, probeH1, probeH10] = [await probe(bank, held), await probe(bankZ, z), await probe(bank, held, 0.01), await probe(bank, held, 0.1)];
      const au = tf.tidy(() => tf.stack([alignment(a1, a2), uniformity(z)]));
      const [align, uniform] = Array.from(await au.data());
      au.dispose();
      const meter = await collapseMeter(z);
      const embeddings = (await held.data()) as Float32Array;
      // A 2-D or 3-D projection is drawn as it is: z/‖z‖ on the circle or the sphere.
      let sphere: Float32Array | null = null;
      if (z.shape[1] <= 3) {
        const unit = tf.tidy(() => tf.div(z, tf.maximum(tf.norm(z, 2, 1, true), 1e-12)));
        sphere = (await unit.data()) as Float32Array;
        unit.dispose();
      }
      return {
        step: this.stepIndex,
        knnAcc,
        knnAccZ,
        probeH,
        probeZ,
        probeH1,
        probeH10,
        align: align!,
        uniform: uniform!,
        zStd: meter.zStd,
        effRank: meter.effRank ?? 0,
        zDim: meter.dim,
        embeddings,
        dim: held.shape[1],
        sphere,
      };
    } finally {
      tf.dispose([bank, held, z, bankZ, a1, a2]);
    }
  }

  /** Copies of the online network's weights now (the caller disposes them), for `evaluateWith` later. */
  cloneWeights(): tf.Tensor[] {
    return this.model.variables.map((v) => tf.clone(v));
  }

  /**
   * `evaluate()` with the online network's weights set to `weights` (from `cloneWeights`), reported as step
   * `step`; the current weights and step are put back after. The worker evaluates step 0 this way after the
   * first step, so the first loss point does not wait for the evaluation.
   */
  async evaluateWith(weights: readonly tf.Tensor[], step: number): ReturnType<Trainer['evaluate']> {
    const vars = this.model.variables;
    if (weights.length !== vars.length) throw new Error(`evaluateWith: ${weights.length} weights for ${vars.length} variables`);
    const current = this.cloneWeights();
    const saved = this.stepIndex;
    try {
      vars.forEach((v, i) => v.assign(weights[i]!));
      this.stepIndex = step;
      return await this.evaluate();
    } finally {
      this.stepIndex = saved;
      vars.forEach((v, i) => v.assign(current[i]!));
      tf.dispose(current);
    }
  }

  dispose(): void {
    this.model.dispose();
    this.target?.dispose();
    this.queue?.dispose();
    this.optimizer.dispose();
    this.bankX.dispose();
    this.heldX.dispose();
  }

  /** Continues a restored run at `step` (engine/snapshot.ts): the step counter and the batch order move there. */
  resumeAt(step: number): void {
    for (let s = this.stepIndex; s < step; s++) this.sampler.next(this.config.batchSize);
    this.stepIndex = step;
  }
}
