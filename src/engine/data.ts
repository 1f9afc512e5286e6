/** Datasets: parsing the IDX files we ship, and the split between training and held-out images. */
import { gunzipSync } from 'fflate';

/** Images as bytes (N·H·W·C, row-major, 0–255) with labels used only for evaluation and colouring. */
export interface Dataset {
  name: string;
  images: Uint8Array;
  labels: Uint8Array;
  n: number;
  h: number;
  w: number;
  c: number;
  numClasses: number;
  classNames: string[];
  /** True when the set came without labels (an image folder with no class sub-folders): every label is 0. */
  unlabelled?: boolean;
  /** 2-D toy sets: the points (N·w floats, with h = c = 1); `images` is then empty. */
  points?: Float32Array;
}

/** A parsed IDX tensor (the format of MNIST and Fashion-MNIST). */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Parses an IDX file (gzipped or raw, unsigned-byte data), with a clear message for anything else. */
export function parseIdx(bytes: Uint8Array): IdxArray {
  let b = bytes;
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) {
    try {
      b = gunzipSync(b);
    } catch (e) {
      throw new Error(`IDX file is not valid gzip: ${(e as Error).message}`);
    }
  }
  if (b.length < 4 || b[0] !== 0 || b[1] !== 0) throw new Error('not an IDX file (bad magic number)');
  if (b[2] !== 0x08) throw new Error(`IDX data type 0x${(b[2] ?? 0).toString(16)} is not supported (only unsigned bytes)`);
  const rank = b[3]!;
  if (rank < 1 || rank > 4) throw new Error(`IDX rank ${rank} is not supported`);
  if (b.length < 4 + 4 * rank) throw new Error('IDX file is truncated (header)');
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((a, d) => a * d, 1);
  const offset = 4 + 4 * rank;
  if (b.length - offset < size) {
    throw new Error(`IDX file is truncated: header promises ${size} bytes of data, file has ${b.length - offset}`);
  }
  return { dims, data: b.subarray(offset, offset + size) };
}

/**
 * Builds a dataset from an IDX image file, (N, H, W) or (N, H, W, C) with C = 1 or 3, and an IDX label file.
 * Without labels the set is unlabelled (every label 0); without class names the classes are named by number.
 */
export function datasetFromIdx(name: string, imageBytes: Uint8Array, labelBytes: Uint8Array | null, classNames?: string[]): Dataset {
  const img = parseIdx(imageBytes);
  if (img.dims.length !== 3 && img.dims.length !== 4) throw new Error(`image file must have 3 dimensions (N, H, W) or 4 (N, H, W, C), has ${img.dims.length}`);
  const [n, h, w, c = 1] = img.dims as [number, number, number, number?];
  if (c !== 1 && c !== 3) throw new Error(`image file must have 1 or 3 channels, has ${c}`);
  if (!labelBytes) {
    return { name, images: img.data, labels: new Uint8Array(n), n, h, w, c, numClasses: 1, classNames: ['unlabelled'], unlabelled: true };
  }
  const lab = parseIdx(labelBytes);
  if (lab.dims.length !== 1) throw new Error(`label file must have 1 dimension, has ${lab.dims.length}`);
  if (lab.dims[0] !== n) throw new Error(`${n} images but ${lab.dims[0]} labels`);
  let maxLabel = 0;
  for (const l of lab.data) maxLabel = Math.max(maxLabel, l);
  const names = classNames ?? Array.from({ length: maxLabel + 1 }, (_, i) => String(i));
  return { name, images: img.data, labels: lab.data, n, h, w, c, numClasses: maxLabel + 1, classNames: names };
}

/** The index sets a run uses: training pool (unlabelled), a kNN memory bank from it, and the held-out set. */
export interface Split {
  train: Int32Array;
  bank: Int32Array;
  heldOut: Int32Array;
}

/** Deterministic split: the last `heldOut` images are held out; the bank is the first `bank` training images. */
export function makeSplit(n: number, heldOut = 1000, bank = 2000): Split {
  const nHeld = Math.min(heldOut, Math.floor(n / 5));
  const nTrain = n - nHeld;
  const train = Int32Array.from({ length: nTrain }, (_, i) => i);
  const held = Int32Array.from({ length: nHeld }, (_, i) => nTrain + i);
  return { train, bank: train.slice(0, Math.min(bank, nTrain)), heldOut: held };
}

/** v / 255 for each byte v, as float32 (a table: the same values as the division, and cheaper per pixel). */
const BYTE_TO_UNIT = Float32Array.from({ length: 256 }, (_, v) => v / 255);

/** Copies the chosen images (as floats in [0, 1]; points as they are) and labels out of a dataset. */
export function gatherImages(ds: Dataset, idx: Int32Array): { x: Float32Array; y: Int32Array } {
  const per = ds.h * ds.w * ds.c;
  const x = new Float32Array(idx.length * per);
  const y = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i]!;
    if (ds.points) {
      x.set(ds.points.subarray(j * per, (j + 1) * per), i * per);
      y[i] = ds.labels[j]!;
      continue;
    }
    const src = ds.images.subarray(j * per, (j + 1) * per);
    const o = i * per;
    for (let k = 0; k < per; k++) x[o + k] = BYTE_TO_UNIT[src[k]!]!;
    y[i] = ds.labels[j]!;
  }
  return { x, y };
}

export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
const CIFAR_RECORD = 1 + 3 * 32 * 32;

/**
 * Parses CIFAR-10 binary batches (data_batch_N.bin, test_batch.bin): records of one label byte then 1,024 red,
 * 1,024 green and 1,024 blue bytes of a 32×32 image, row-major. Returns the images interleaved (H·W·C), as the
 * rest of the app stores them; several batches are concatenated in the order given.
 */
export function datasetFromCifar(name: string, batches: Uint8Array[]): Dataset {
  if (batches.length === 0) throw new Error('no CIFAR-10 batch files given');
  let n = 0;
  for (const [i, b] of batches.entries()) {
    if (b.length === 0 || b.length % CIFAR_RECORD !== 0) {
      throw new Error(`file ${i + 1} is not a CIFAR-10 binary batch: ${b.length} bytes is not a whole number of 3,073-byte records`);
    }
    n += b.length / CIFAR_RECORD;
  }
  const images = new Uint8Array(n * 3072);
  const labels = new Uint8Array(n);
  let k = 0;
  for (const [i, b] of batches.entries()) {
    for (let r = 0; r < b.length / CIFAR_RECORD; r++, k++) {
      const off = r * CIFAR_RECORD;
      const label = b[off]!;
      if (label > 9) throw new Error(`file ${i + 1}, record ${r + 1}: label ${label} is not a CIFAR-10 class (0–9)`);
      labels[k] = label;
      for (let p = 0; p < 1024; p++) {
        for (let c = 0; c < 3; c++) images[k * 3072 + p * 3 + c] = b[off + 1 + c * 1024 + p]!;
      }
    }
  }
  return { name, images, labels, n, h: 32, w: 32, c: 3, numClasses: 10, classNames: CIFAR10_CLASSES };
}
