/**
 * The direct filter gradient's loops (engine/kernels.ts, backpropFilterDirect) over a range of the batch's images,
 * so that two threads can share one gradient: each sums its half of the images into its own dW, and one adds the
 * two. (Splitting the filter's taps instead needs no second dW, but each thread then streams all of x and dy: on
 * this 2-core machine it cut the layers' filter gradients by 10–15%, halving the images by 25–30%.) And the
 * protocol by which the training worker hands a range to a helper worker (worker/filterGrad.worker.ts) running the
 * same WebAssembly tiles on the same shared WASM memory: one SharedArrayBuffer of Int32 fields, Atomics.wait and
 * notify, no messages per call.
 */
import { FILTER_GRAD_TILES, type FilterGradKernels } from './wasmLoops';

/** One filter gradient: byte addresses on the WASM heap, and the convolution's geometry (NHWC, dW [KH, KW, C, CO]). */
export interface FilterGradJob {
  x: number;
  dy: number;
  dw: number;
  n: number;
  H: number;
  W: number;
  C: number;
  OH: number;
  OW: number;
  CO: number;
  sh: number;
  sw: number;
  KH: number;
  KW: number;
  /** Padding before the first row and column. */
  pt: number;
  pl: number;
  /** The images [from, to) of the batch whose sums this job adds (all: 0 and n). */
  from: number;
  to: number;
}

const JOB_FIELDS = ['x', 'dy', 'dw', 'n', 'H', 'W', 'C', 'OH', 'OW', 'CO', 'sh', 'sw', 'KH', 'KW', 'pt', 'pl', 'from', 'to'] as const;

/**
 * Bytes of x and dy a block of images may take: every tile of a block streams over the block's images, which
 * must stay in cache from one tile to the next. One image a block (the model's layers take 37–75 KB an image) ran
 * as fast as 3 or 6 and faster than 16 (layer 2: 8–13 vs 13–14 ms in Chromium); small images are grouped, for
 * fewer calls.
 */
const BLOCK_BYTES = 64 * 1024;

/** Channel groups [first channel, tile width, tile count] for the tile widths given, widest first. */
function groups(total: number, widths: readonly number[]): [number, number, number][] {
  const g: [number, number, number][] = [];
  let at = 0;
  for (const w of widths) {
    const count = Math.floor((total - at) / w);
    if (count) g.push([at, w, count]);
    at += count * w;
  }
  return g;
}

/** The output rows [lo, hi) whose input row o·stride + k − pad lies inside [0, size). */
function validRange(k: number, stride: number, pad: number, size: number, out: number): [number, number] {
  const lo = Math.min(out, Math.max(0, Math.ceil((pad - k) / stride)));
  const hi = Math.max(lo, Math.min(out, Math.floor((size - 1 + pad - k) / stride) + 1));
  return [lo, hi];
}

/**
 * Adds to dW (which the caller has zeroed) the gradient's sums over the images [from, to): dW[kh, kw, ci, co] +=
 * Σ_{n, oh, ow} x[n, oh·sh + kh − pt, ow·sw + kw − pl, ci] · dy[n, oh, ow, co], over the positions inside the image.
 * Per block of images (in cache), per tap (kh, kw) and per tile of input × output channels, one WebAssembly call
 * keeps the tile's sums in SIMD registers over all the tap's valid positions of the block, then adds them to dW.
 */
export function filterGradImages(tiles: FilterGradKernels, j: FilterGradJob): void {
  const { H, W, C, OH, OW, CO, sh, sw, KW } = j;
  if (j.to <= j.from || OH * OW === 0) return;
  const ciGroups = groups(C, [4, 1]);
  const coGroups = { 4: groups(CO, FILTER_GRAD_TILES[4]), 1: groups(CO, FILTER_GRAD_TILES[1]) };
  const xImg = 4 * H * W * C;
  const dyImg = 4 * OH * OW * CO;
  const block = Math.max(1, Math.floor(BLOCK_BYTES / (xImg + dyImg)));
  for (let b0 = j.from; b0 < j.to; b0 += block) {
    const images = Math.min(block, j.to - b0);
    for (let tap = 0; tap < j.KH * KW; tap++) {
      const kh = Math.floor(tap / KW);
      const kw = tap % KW;
      const [ohLo, ohHi] = validRange(kh, sh, j.pt, H, OH);
      const [owLo, owHi] = validRange(kw, sw, j.pl, W, OW);
      if (ohHi === ohLo || owHi === owLo) continue;
      const xs = j.x + 4 * ((b0 * H + ohLo * sh + kh - j.pt) * W + owLo * sw + kw - j.pl) * C;
      const ds = j.dy + 4 * ((b0 * OH + ohLo) * OW + owLo) * CO;
      const ws = j.dw + 4 * tap * C * CO;
      for (const [ci0, ciw, ciTiles] of ciGroups) {
        for (const [co0, cow, coTiles] of coGroups[ciw as 4 | 1]) {
          tiles[`c${ciw as 4 | 1}x${cow as 1 | 4 | 8 | 16}`](
            xs + 4 * ci0, ds + 4 * co0, ws + 4 * (ci0 * CO + co0), ciTiles, coTiles, images, ohHi - ohLo, owHi - owLo,
            xImg, dyImg, 4 * sh * W * C, 4 * OW * CO, 4 * sw * C, 4 * CO, 4 * CO,
          );
        }
      }
    }
  }
}

// The shared control block, Int32 fields: a job's sequence number (the helper waits on it), the last sequence
// number done (the caller waits on it), whether the helper is ready, its error state, then the job's fields
// (addresses stored as int32 and read back unsigned).
const SEQ = 0;
const DONE = 1;
const READY = 2;
const FAILED = 3;
const FIELDS = 4;
/** Bytes of the control block. */
export const CONTROL_BYTES = 4 * (FIELDS + JOB_FIELDS.length);

/** The job in the control block (addresses unsigned, paddings signed). */
function readJob(ctl: Int32Array): FilterGradJob {
  const job = {} as Record<(typeof JOB_FIELDS)[number], number>;
  JOB_FIELDS.forEach((f, i) => (job[f] = f === 'x' || f === 'dy' || f === 'dw' ? ctl[FIELDS + i]! >>> 0 : ctl[FIELDS + i]!));
  return job;
}

/**
 * The helper's side: marks itself ready, then forever waits for a job, runs it and says it is done. Runs in
 * a worker (Atomics.wait blocks). If a job throws, the helper records it and stops, and the caller throws too.
 */
export function serveFilterGrad(ctl: Int32Array, tiles: FilterGradKernels): void {
  let seen = Atomics.load(ctl, SEQ);
  Atomics.store(ctl, READY, 1);
  for (;;) {
    // Only a new sequence number is a job (a stray wake-up must not run the last one again).
    while (Atomics.load(ctl, SEQ) === seen) Atomics.wait(ctl, SEQ, seen);
    seen = Atomics.load(ctl, SEQ);
    try {
      filterGradImages(tiles, readJob(ctl));
    } catch (e) {
      Atomics.store(ctl, FAILED, 1);
      Atomics.store(ctl, DONE, seen);
      Atomics.notify(ctl, DONE);
      throw e;
    }
    Atomics.store(ctl, DONE, seen);
    Atomics.notify(ctl, DONE);
  }
}

/** The helper thread failed (an error in its job, or no answer): its dW is not to be used, nor the helper again. */
export class FilterGradHelperFailure extends Error {}

/** A helper that has not answered: it may still write to its job's dW later, so that memory is not to be reused. */
export class FilterGradHelperTimeout extends FilterGradHelperFailure {}

/** The caller's side of a helper: hands it a job and waits for it. */
export class FilterGradHelper {
  private seq = 0;
  /** Jobs done together so far. */
  jobs = 0;

  /** `timeoutMs`: how long a job may take the helper before the caller gives up with an error. */
  constructor(
    private readonly ctl: Int32Array,
    private readonly timeoutMs = 30_000,
  ) {}

  /** Whether the helper has started (its module compiled on the shared memory) and has not failed. */
  get ready(): boolean {
    return Atomics.load(this.ctl, READY) === 1 && Atomics.load(this.ctl, FAILED) === 0;
  }

  /**
   * Runs `theirs` on the helper while `ours` runs here, and returns when both are done. Throws if the helper has
   * failed (then it posts nothing), fails now, or does not answer in time (FilterGradHelperTimeout): its dW is then
   * not to be used. Even when `ours` throws it waits for the helper before rethrowing, so that the caller may free
   * the helper's dW.
   */
  run(theirs: FilterGradJob, ours: () => void): void {
    const c = this.ctl;
    if (Atomics.load(c, FAILED)) throw new FilterGradHelperFailure('the filter-gradient helper thread failed');
    JOB_FIELDS.forEach((f, i) => (c[FIELDS + i] = theirs[f] | 0));
    const seq = (this.seq = (this.seq + 1) | 0);
    Atomics.store(c, SEQ, seq);
    Atomics.notify(c, SEQ);
    try {
      ours();
    } finally {
      this.wait(seq);
    }
    if (Atomics.load(c, FAILED)) throw new FilterGradHelperFailure('the filter-gradient helper thread failed');
    this.jobs++;
  }

  /** Waits until the helper has done job `seq`; throws FilterGradHelperTimeout after `timeoutMs`. */
  private wait(seq: number): void {
    const c = this.ctl;
    const deadline = performance.now() + this.timeoutMs;
    for (let done = Atomics.load(c, DONE); done !== seq; done = Atomics.load(c, DONE)) {
      const left = deadline - performance.now();
      if (left <= 0) {
        // Never again: a late answer would write to a dW the caller has given up.
        Atomics.store(c, FAILED, 1);
        throw new FilterGradHelperTimeout(`the filter-gradient helper thread did not answer in ${this.timeoutMs / 1000} s`);
      }
      Atomics.wait(c, DONE, done, left);
    }
  }
}
