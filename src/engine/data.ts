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

/** Builds a dataset from an IDX image file and an IDX label file. */
export function datasetFromIdx(name: string, imageBytes: Uint8Array, labelBytes: Uint8Array, classNames: string[]): Dataset {
  const img = parseIdx(imageBytes);
  const lab = parseIdx(labelBytes);
  if (img.dims.length !== 3) throw new Error(`image file must have 3 dimensions (N, H, W), has ${img.dims.length}`);
  if (lab.dims.length !== 1) throw new Error(`label file must have 1 dimension, has ${lab.dims.length}`);
  const [n, h, w] = img.dims as [number, number, number];
  if (lab.dims[0] !== n) throw new Error(`${n} images but ${lab.dims[0]} labels`);
  let maxLabel = 0;
  for (const l of lab.data) maxLabel = Math.max(maxLabel, l);
  return { name, images: img.data, labels: lab.data, n, h, w, c: 1, numClasses: maxLabel + 1, classNames };
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

/** Copies the chosen images (as floats in [0, 1]) and labels out of a dataset. */
export function gatherImages(ds: Dataset, idx: Int32Array): { x: Float32Array; y: Int32Array } {
  const per = ds.h * ds.w * ds.c;
  const x = new Float32Array(idx.length * per);
  const y = new Int32Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i]!;
    const src = ds.images.subarray(j * per, (j + 1) * per);
    for (let k = 0; k < per; k++) x[i * per + k] = src[k]! / 255;
    y[i] = ds.labels[j]!;
  }
  return { x, y };
}
