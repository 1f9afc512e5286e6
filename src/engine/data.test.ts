import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { IMAGE_SETS, DATASET_INFO } from '../shared/datasets';
import { datasetFromCifar, datasetFromIdx, makeSplit, parseIdx } from './data';
import { loadDatasetFromDisk } from './nodeData';
import { makeCifar, makeIdx as idx } from '../test/pngFixtures';

describe('IDX files', () => {
  it('parses raw and gzipped files alike', () => {
    const raw = idx([2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 255]);
    for (const bytes of [raw, gzipSync(raw)]) {
      const p = parseIdx(bytes);
      expect(p.dims).toEqual([2, 2, 2]);
      expect(Array.from(p.data)).toEqual([0, 1, 2, 3, 4, 5, 6, 255]);
    }
  });

  it.each([
    ['a PNG', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]), 'not an IDX file'],
    ['a truncated body', idx([2, 2, 2], [1, 2, 3]), 'IDX file is truncated'],
    ['a truncated header', new Uint8Array([0, 0, 8, 3, 0, 0]), 'truncated (header)'],
    ['float data', new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]), 'only unsigned bytes'],
    ['broken gzip', new Uint8Array([0x1f, 0x8b, 1, 2, 3]), 'not valid gzip'],
  ])('rejects %s with a clear message', (_, bytes, message) => {
    expect(() => parseIdx(bytes)).toThrow(message);
  });

  it('rejects a label file whose count does not match the images', () => {
    expect(() => datasetFromIdx('x', idx([2, 1, 1], [0, 1]), idx([3], [0, 1, 2]), ['a', 'b', 'c'])).toThrow('2 images but 3 labels');
  });
});

describe('shipped datasets', () => {
  const expected = { mnist: [10000, 28], fashion: [10000, 28], digits: [1797, 8] } as const;

  it.each(IMAGE_SETS.map((d) => [d] as const))('%s loads from public/data with its shape and ten classes', (name) => {
    const ds = loadDatasetFromDisk(name);
    const [n, side] = expected[name];
    expect([ds.n, ds.h, ds.w, ds.c]).toEqual([n, side, side, 1]);
    expect(ds.numClasses).toBe(10);
    expect(ds.classNames).toEqual(DATASET_INFO[name].classNames);
    // Pixels span the byte range (digits' 0–16 are scaled to 0–255).
    expect(Math.max(...ds.images.subarray(0, 64 * side * side))).toBe(255);
    // The held-out set has every class.
    const held = makeSplit(ds.n).heldOut;
    expect(new Set(Array.from(held, (i) => ds.labels[i])).size).toBe(10);
  });

  it('a small dataset holds out a fifth and uses the rest as the bank', () => {
    const s = makeSplit(1797);
    expect(s.heldOut.length).toBe(359);
    expect(s.train.length).toBe(1438);
    expect(s.bank.length).toBe(1438);
    expect(s.heldOut[0]).toBe(1438);
  });
});

describe('training on the 8×8 digits', () => {
  it('runs steps and an evaluation on 8×8 images', async () => {
    const { Trainer } = await import('./trainer');
    const { DEFAULT_CONFIG } = await import('../shared/config');
    const t = new Trainer({ ...DEFAULT_CONFIG, dataset: 'digits', width: 4, batchSize: 16, steps: 2, warmupSteps: 0 }, loadDatasetFromDisk('digits'));
    for (let i = 0; i < 2; i++) expect(Number.isFinite((await t.trainStep()).loss)).toBe(true);
    const ev = await t.evaluate();
    expect(ev.embeddings.length).toBe(359 * ev.dim);
    expect(ev.knnAcc).toBeGreaterThan(0.2); // an untrained CNN's features already beat chance (0.1) on digits
    t.dispose();
  });
});

describe('CIFAR-10 binary batches', () => {
  /** A record: label, then planes R, G, B of a 32×32 image whose pixel p has value (p + plane·7 + seed) mod 256. */
  const record = (label: number, seed: number) => makeCifar([{ label, pixel: (p, c) => (p + c * 7 + seed) % 256 }]);
  const concat = (parts: Uint8Array[]) => {
    const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  };

  it('reads labels and turns the colour planes into interleaved pixels, across several files', () => {
    const ds = datasetFromCifar('c', [concat([record(3, 0), record(9, 5)]), record(0, 11)]);
    expect([ds.n, ds.h, ds.w, ds.c]).toEqual([3, 32, 32, 3]);
    expect(Array.from(ds.labels)).toEqual([3, 9, 0]);
    // Image 1, pixel (row 2, col 5) = p 69: R, G, B = 69+5, 69+7+5, 69+14+5.
    const at = 1 * 3072 + (2 * 32 + 5) * 3;
    expect(Array.from(ds.images.subarray(at, at + 3))).toEqual([74, 81, 88]);
    expect(ds.classNames[3]).toBe('cat');
  });

  it.each([
    ['an empty file', [new Uint8Array(0)], 'not a whole number of 3,073-byte records'],
    ['a truncated record', [record(1, 0).subarray(0, 3000)], 'not a whole number'],
    ['a label above 9', [record(12, 0)], 'label 12 is not a CIFAR-10 class'],
    ['no files', [], 'no CIFAR-10 batch files'],
  ])('rejects %s with a clear message', (_, files, message) => {
    expect(() => datasetFromCifar('c', files as Uint8Array[])).toThrow(message);
  });
});
