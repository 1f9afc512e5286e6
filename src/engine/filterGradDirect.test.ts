import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { CONTROL_BYTES, filterGradImages, FilterGradHelper, FilterGradHelperTimeout, type FilterGradJob } from './filterGradDirect';
import { mulberry32 } from './rng';
import { filterGradTilesFor } from './wasmLoops';

// A shared WebAssembly memory, as the threaded WASM backend's; the jobs' tensors are laid out on it by hand.
const memory = new WebAssembly.Memory({ initial: 64, maximum: 256, shared: true });
const tiles = filterGradTilesFor(memory)!;

type Geometry = Omit<FilterGradJob, 'x' | 'dy' | 'dw' | 'OH' | 'OW' | 'pt' | 'pl' | 'from' | 'to'>;

/** A job over all images with 'same' padding (as tfjs computes it), random x and dy on the memory, dW and a second dW after it zeroed. */
function makeJob(g: Geometry, seed: number): FilterGradJob {
  const OH = Math.ceil(g.H / g.sh);
  const OW = Math.ceil(g.W / g.sw);
  const pt = Math.floor(Math.max((OH - 1) * g.sh + g.KH - g.H, 0) / 2);
  const pl = Math.floor(Math.max((OW - 1) * g.sw + g.KW - g.W, 0) / 2);
  const xLen = g.n * g.H * g.W * g.C;
  const dyLen = g.n * OH * OW * g.CO;
  const job = { ...g, OH, OW, pt, pl, x: 64, dy: 64 + 4 * xLen, dw: 64 + 4 * (xLen + dyLen), from: 0, to: g.n };
  const heap = new Float32Array(memory.buffer);
  const rand = mulberry32(seed);
  for (let i = 0; i < xLen + dyLen; i++) heap[16 + i] = 2 * rand() - 1;
  heap.fill(0, job.dw / 4, job.dw / 4 + 2 * g.KH * g.KW * g.C * g.CO);
  return job;
}

/** dW by the definition, in float64 loops over every position, tap and channel pair. */
function reference(j: FilterGradJob): Float64Array {
  const heap = new Float32Array(memory.buffer);
  const out = new Float64Array(j.KH * j.KW * j.C * j.CO);
  for (let b = 0; b < j.n; b++)
    for (let oh = 0; oh < j.OH; oh++)
      for (let ow = 0; ow < j.OW; ow++)
        for (let kh = 0; kh < j.KH; kh++)
          for (let kw = 0; kw < j.KW; kw++) {
            const ih = oh * j.sh + kh - j.pt;
            const iw = ow * j.sw + kw - j.pl;
            if (ih < 0 || ih >= j.H || iw < 0 || iw >= j.W) continue;
            for (let ci = 0; ci < j.C; ci++) {
              const xv = heap[j.x / 4 + ((b * j.H + ih) * j.W + iw) * j.C + ci]!;
              const w = ((kh * j.KW + kw) * j.C + ci) * j.CO;
              const d = j.dy / 4 + ((b * j.OH + oh) * j.OW + ow) * j.CO;
              for (let co = 0; co < j.CO; co++) out[w + co] = out[w + co]! + xv * heap[d + co]!;
            }
          }
  return out;
}

function expectDw(j: FilterGradJob, what: string): void {
  const ref = reference(j);
  const got = new Float32Array(memory.buffer, j.dw, ref.length);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    err = Math.max(err, Math.abs(got[i]! - ref[i]!));
    scale = Math.max(scale, Math.abs(ref[i]!));
  }
  expect(err / scale, what).toBeLessThan(1e-5);
}

// The model's layers in small (stride 1 and 2, one input channel, 4·k + 2 channels for every tile width), and a 5 × 5 filter.
const GEOMETRIES: Geometry[] = [
  { n: 3, H: 9, W: 9, C: 6, CO: 13, sh: 2, sw: 2, KH: 3, KW: 3 },
  { n: 2, H: 7, W: 8, C: 1, CO: 16, sh: 1, sw: 1, KH: 3, KW: 3 },
  { n: 4, H: 6, W: 6, C: 8, CO: 32, sh: 2, sw: 2, KH: 3, KW: 3 },
  { n: 2, H: 8, W: 7, C: 5, CO: 9, sh: 1, sw: 1, KH: 5, KW: 5 },
];

/** The second dW of a job (just after its own), and a job that sums `from`..`to` into it. */
const second = (j: FilterGradJob) => j.dw + 4 * j.KH * j.KW * j.C * j.CO;

/** Adds the second dW into the first (what the kernel does once both threads are done). */
function addSecond(j: FilterGradJob): void {
  const size = j.KH * j.KW * j.C * j.CO;
  const a = new Float32Array(memory.buffer, j.dw, size);
  const b = new Float32Array(memory.buffer, second(j), size);
  for (let i = 0; i < size; i++) a[i] = a[i]! + b[i]!;
}

describe('the direct filter gradient over a range of images', () => {
  it('equals dW by the definition, all images at once or two ranges summed into two dWs then added', () => {
    GEOMETRIES.forEach((g, k) => {
      const j = makeJob(g, 10 + k);
      filterGradImages(tiles, j);
      expectDw(j, `geometry ${k}, all images`);
      for (let mid = 0; mid <= g.n; mid++) {
        const h = makeJob(g, 10 + k);
        filterGradImages(tiles, { ...h, to: mid });
        filterGradImages(tiles, { ...h, dw: second(h), from: mid });
        addSecond(h);
        expectDw(h, `geometry ${k}, images split at ${mid}`);
      }
    });
  });

  it('adds nothing for an empty range', () => {
    const j = makeJob(GEOMETRIES[0]!, 3);
    filterGradImages(tiles, { ...j, from: 2, to: 2 });
    expect(new Float32Array(memory.buffer, j.dw, 9 * j.C * j.CO).every((v) => v === 0)).toBe(true);
  });
});

describe('a helper thread for the filter gradient', () => {
  const workers: Worker[] = [];
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.terminate()));
  });

  /** A helper on a worker thread (src/test/filterGradHelperThread.ts), and the caller's side of it once ready. */
  async function startHelper(fail = false, timeoutMs?: number): Promise<FilterGradHelper> {
    const ctl = new Int32Array(new SharedArrayBuffer(CONTROL_BYTES));
    // The thread loads TypeScript through tsx's loader, registered in the thread itself.
    const script = new URL('../test/filterGradHelperThread.ts', import.meta.url).href;
    const w = new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(script)}); });`, { eval: true, workerData: { memory, ctl, fail } });
    workers.push(w);
    // A failing helper rethrows its error in its thread, after telling the caller.
    w.on('error', (e) => expect(fail ? e.message : `unexpected: ${e.message}`).toBe('broken tile'));
    const helper = new FilterGradHelper(ctl, timeoutMs);
    for (let i = 0; i < 300 && !helper.ready; i++) await new Promise((r) => setTimeout(r, 50));
    expect(helper.ready).toBe(true);
    return helper;
  }

  it('sums its half of the images on the shared memory while the caller sums the other: dW as by the definition, job after job', async () => {
    const helper = await startHelper();
    for (let round = 0; round < 3; round++) {
      GEOMETRIES.forEach((g, k) => {
        const j = makeJob(g, 100 * round + k);
        const mid = Math.ceil(g.n / 2);
        let oursRan = false;
        helper.run({ ...j, dw: second(j), from: mid }, () => {
          filterGradImages(tiles, { ...j, to: mid });
          oursRan = true;
        });
        expect(oursRan).toBe(true);
        addSecond(j);
        expectDw(j, `round ${round}, geometry ${k}`);
      });
    }
    expect(helper.jobs).toBe(3 * GEOMETRIES.length);
  }, 30_000);

  it('when the caller’s own half throws, waits for the helper’s half before rethrowing (its dW may then be freed)', async () => {
    const helper = await startHelper();
    // Large enough that the helper's half takes milliseconds.
    const g: Geometry = { n: 48, H: 28, W: 28, C: 16, CO: 32, sh: 2, sw: 2, KH: 3, KW: 3 };
    const j = makeJob(g, 77);
    expect(() =>
      helper.run({ ...j, dw: second(j), from: 24 }, () => {
        throw new Error('ours broke');
      }),
    ).toThrow('ours broke');
    // Read at once: the helper's half is complete (with ours added now, dW is the definition's).
    filterGradImages(tiles, { ...j, to: 24 });
    addSecond(j);
    expectDw(j, 'after our half threw');
    expect(helper.ready).toBe(true);
  }, 30_000);

  it('throws when the helper fails, and is no longer ready', async () => {
    const helper = await startHelper(true);
    const j = makeJob(GEOMETRIES[0]!, 5);
    expect(() => helper.run({ ...j, dw: second(j), from: 2 }, () => filterGradImages(tiles, { ...j, to: 2 }))).toThrow(/helper thread failed/);
    expect(helper.ready).toBe(false);
  }, 30_000);

  it('throws when the helper does not answer in time, and is no longer ready', () => {
    const ctl = new Int32Array(new SharedArrayBuffer(CONTROL_BYTES));
    Atomics.store(ctl, 2, 1); // ready, but no thread behind it
    const helper = new FilterGradHelper(ctl, 100);
    expect(helper.ready).toBe(true);
    const j = makeJob(GEOMETRIES[0]!, 6);
    expect(() => helper.run({ ...j, dw: second(j), from: 2 }, () => filterGradImages(tiles, { ...j, to: 2 }))).toThrow(FilterGradHelperTimeout);
    expect(helper.ready).toBe(false);
    // Not used again: it refuses a job at once.
    const t0 = performance.now();
    expect(() => helper.run({ ...j, dw: second(j), from: 2 }, () => undefined)).toThrow(/helper thread failed/);
    expect(performance.now() - t0).toBeLessThan(50);
  });
});
