/**
 * Your own data: turns the files a user drops (a folder or a zip of PNG/JPEG images, one sub-folder per class;
 * an MNIST-style IDX pair; CIFAR-10 binary batches) into a Dataset. Pure TypeScript without tfjs or the DOM, so
 * the worker and the headless runner share it; decoding is passed in (the browser and Node decode differently).
 */
import { gunzipSync, unzipSync } from 'fflate';
import { CIFAR10_CLASSES, datasetFromCifar, datasetFromIdx, makeSplit, parseIdx, type Dataset, type IdxArray } from './data';
import { mulberry32, shuffleInPlace } from './rng';

/** One file as read from a drop, a zip or the disk; `path` is '/'-separated and may include folders (`pets/cat/1.png`). */
export interface InputFile {
  path: string;
  bytes: Uint8Array;
}

/** A decoded image: RGBA bytes, row-major. */
export interface DecodedImage {
  width: number;
  height: number;
  data: Uint8ClampedArray | Uint8Array;
}

/** Decodes one image file (the path is for error messages); the worker and Node each supply one. */
export type DecodeImage = (bytes: Uint8Array, path: string) => Promise<DecodedImage>;

/** The image formats recognised from their first bytes. */
export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'bmp' | 'webp';

/** Images larger than this on a side are refused before decoding (one 8,192² RGBA image is already 256 MB). */
export const MAX_IMAGE_SIDE = 8192;
/** At most this many images (a little above MNIST's 60,000 + 10,000), so the set fits in a tab's memory. */
export const MAX_IMAGES = 70000;
/** At least this many: a fifth is held out for evaluation, and kNN needs neighbours. */
export const MIN_IMAGES = 10;
/** The dataset's bytes (N·H·W·C) may not exceed this; training copies them again as floats. */
export const MAX_DATASET_BYTES = 1 << 30;

/** Options for building a dataset from files: the side images are resized to, colour, and a display name. */
export interface FileDatasetOptions {
  size: number;
  channels: 'auto' | 'gray' | 'rgb';
  name?: string;
}

/** Progress while building: `reading` looks at the files' contents, `decoding` decodes and resizes images. */
export interface FileProgress {
  phase: 'reading' | 'decoding';
  done: number;
  total: number;
}

const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.gif', '.bmp', '.webp'];
/** Files that operating systems leave beside the data; dropped without a word. */
const SIDE_FILES = new Set(['thumbs.db', 'desktop.ini', 'ehthumbs.db']);
const CIFAR_RECORD = 3073;
const CIFAR_META = 'batches.meta.txt';
/** The fixed seed of the image order, so the same files always give the same dataset and split. */
const ORDER_SEED = 0x5eed;
/** Nested zips are opened this deep at most (a zip that contains itself would never end). */
const MAX_ZIP_DEPTH = 3;

// ---------------------------------------------------------------------------------------------------------------
// Image headers

const u16be = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
const u16le = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8);
const u24le = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16);
const u32be = (b: Uint8Array, o: number) => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
const i32le = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
const ascii = (b: Uint8Array, o: number, n: number) => String.fromCharCode(...b.subarray(o, o + n));

/**
 * The format and size of an image, read from its header without decoding it (so a 20,000² image can be refused
 * before it takes gigabytes). Recognises content, not names; null for anything that is not a well-formed header.
 */
export function imageHeader(bytes: Uint8Array): { format: ImageFormat; width: number; height: number } | null {
  const found = pngHeader(bytes) ?? jpegHeader(bytes) ?? gifHeader(bytes) ?? bmpHeader(bytes) ?? webpHeader(bytes);
  return found && found.width > 0 && found.height > 0 ? found : null;
}

type Header = { format: ImageFormat; width: number; height: number } | null;

/** PNG: the 8-byte signature, then the IHDR chunk (width and height, big-endian). */
function pngHeader(b: Uint8Array): Header {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (b.length < 24 || sig.some((v, i) => b[i] !== v) || ascii(b, 12, 4) !== 'IHDR') return null;
  return { format: 'png', width: u32be(b, 16), height: u32be(b, 20) };
}

/** JPEG: walk the marker segments to the first start-of-frame (SOF0–SOF15 except DHT, JPG and DAC). */
function jpegHeader(b: Uint8Array): Header {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8 || b[2] !== 0xff) return null;
  let p = 2;
  while (p + 4 <= b.length) {
    if (b[p] !== 0xff) return null;
    const m = b[p + 1]!;
    if (m === 0xff) {
      p++; // fill byte
      continue;
    }
    if (m === 0x01 || m === 0xd8 || (m >= 0xd0 && m <= 0xd7)) {
      p += 2; // markers without a length
      continue;
    }
    if (m === 0xd9 || m === 0xda) return null; // end of image or start of scan before any frame header
    const len = u16be(b, p + 2);
    if (len < 2) return null;
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      if (p + 9 > b.length) return null;
      return { format: 'jpeg', height: u16be(b, p + 5), width: u16be(b, p + 7) };
    }
    p += 2 + len;
  }
  return null;
}

/** GIF: "GIF87a" or "GIF89a", then the logical screen's width and height (little-endian). */
function gifHeader(b: Uint8Array): Header {
  if (b.length < 10 || (ascii(b, 0, 6) !== 'GIF87a' && ascii(b, 0, 6) !== 'GIF89a')) return null;
  return { format: 'gif', width: u16le(b, 6), height: u16le(b, 8) };
}

/** BMP: "BM", then a DIB header of a known size (16-bit sides in the old OS/2 one, signed 32-bit otherwise). */
function bmpHeader(b: Uint8Array): Header {
  if (b.length < 26 || b[0] !== 0x42 || b[1] !== 0x4d) return null;
  const dib = i32le(b, 14);
  if (dib === 12) return { format: 'bmp', width: u16le(b, 18), height: u16le(b, 20) };
  if (![16, 40, 52, 56, 64, 108, 124].includes(dib)) return null;
  return { format: 'bmp', width: Math.abs(i32le(b, 18)), height: Math.abs(i32le(b, 22)) }; // height < 0: top-down
}

/** WebP: a RIFF "WEBP" container whose first chunk is VP8 (lossy), VP8L (lossless) or VP8X (extended). */
function webpHeader(b: Uint8Array): Header {
  if (b.length < 30 || ascii(b, 0, 4) !== 'RIFF' || ascii(b, 8, 4) !== 'WEBP') return null;
  const chunk = ascii(b, 12, 4);
  if (chunk === 'VP8 ') {
    if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return null;
    return { format: 'webp', width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  }
  if (chunk === 'VP8L') {
    if (b[20] !== 0x2f) return null;
    const bits = (b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24)) >>> 0;
    return { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') return { format: 'webp', width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// Resizing

/** For one output index: the source indices it reads and their weights (summing to 1). */
interface Taps {
  index: number[];
  weight: number[];
}

/**
 * 1-D resampling weights from `from` source pixels to `to` output pixels. Shrinking is an exact box filter: each
 * output pixel averages the source interval it covers, counting partly covered pixels by the fraction covered.
 * Enlarging (or keeping the size) is bilinear between pixel centres, clamped at the edges.
 */
function resampleTaps(from: number, to: number): Taps[] {
  const taps: Taps[] = [];
  for (let j = 0; j < to; j++) {
    const t: Taps = { index: [], weight: [] };
    if (from > to) {
      const start = (j * from) / to;
      const end = ((j + 1) * from) / to;
      for (let x = Math.floor(start); x < end && x < from; x++) {
        const cover = Math.min(end, x + 1) - Math.max(start, x);
        if (cover > 1e-12) {
          t.index.push(x);
          t.weight.push((cover * to) / from);
        }
      }
    } else {
      const src = Math.min(Math.max(((j + 0.5) * from) / to - 0.5, 0), from - 1);
      const x0 = Math.floor(src);
      const frac = src - x0;
      t.index.push(x0);
      t.weight.push(1 - frac);
      if (frac > 0) {
        t.index.push(Math.min(x0 + 1, from - 1));
        t.weight.push(frac);
      }
    }
    taps.push(t);
  }
  return taps;
}

/**
 * Centre-crops an RGBA image to a square (the shorter side) and resamples it to size×size: area averaging when
 * shrinking, bilinear when enlarging (separably, rows then columns). Alpha is composited over black, and one
 * channel is ITU-R BT.601 luma (0.299 R + 0.587 G + 0.114 B). Returns H·W·C bytes, row-major, interleaved.
 */
export function resizeToSquare(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, size: number, channels: 1 | 3): Uint8Array {
  if (!(width >= 1 && height >= 1 && rgba.length >= width * height * 4)) {
    throw new Error(`image data does not match its size ${width} × ${height}`);
  }
  if (!Number.isInteger(size) || size < 1) throw new Error(`cannot resize to ${size} pixels`);
  const side = Math.min(width, height);
  const x0 = Math.floor((width - side) / 2);
  const y0 = Math.floor((height - side) / 2);
  const taps = resampleTaps(side, size);
  // Rows first: every source row of the crop becomes `size` premultiplied RGB values.
  const rows = new Float64Array(side * size * 3);
  for (let y = 0; y < side; y++) {
    const rowStart = ((y0 + y) * width + x0) * 4;
    for (let j = 0; j < size; j++) {
      const { index, weight } = taps[j]!;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < index.length; k++) {
        const p = rowStart + index[k]! * 4;
        const w = (weight[k]! * rgba[p + 3]!) / 255;
        r += rgba[p]! * w;
        g += rgba[p + 1]! * w;
        b += rgba[p + 2]! * w;
      }
      const o = (y * size + j) * 3;
      rows[o] = r;
      rows[o + 1] = g;
      rows[o + 2] = b;
    }
  }
  // Then columns.
  const out = new Uint8Array(size * size * channels);
  for (let i = 0; i < size; i++) {
    const { index, weight } = taps[i]!;
    for (let j = 0; j < size; j++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < index.length; k++) {
        const o = (index[k]! * size + j) * 3;
        r += rows[o]! * weight[k]!;
        g += rows[o + 1]! * weight[k]!;
        b += rows[o + 2]! * weight[k]!;
      }
      const o = (i * size + j) * channels;
      if (channels === 1) out[o] = toByte(0.299 * r + 0.587 * g + 0.114 * b);
      else {
        out[o] = toByte(r);
        out[o + 1] = toByte(g);
        out[o + 2] = toByte(b);
      }
    }
  }
  return out;
}

function toByte(v: number): number {
  return Math.min(255, Math.max(0, Math.round(v)));
}

/** True when some pixel (composited over black) has R, G and B more than 2 apart: the image is in colour. */
function hasColour(img: DecodedImage): boolean {
  const d = img.data;
  for (let p = 0; p < img.width * img.height * 4; p += 4) {
    const a = d[p + 3]! / 255;
    const r = d[p]! * a;
    const g = d[p + 1]! * a;
    const b = d[p + 2]! * a;
    if (Math.max(r, g, b) - Math.min(r, g, b) > 2) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------------
// Paths and zips

/** Path segments without empty parts or '.', with Windows separators turned into '/'. */
function segments(path: string): string[] {
  return path
    .replace(/\\/g, '/')
    .split('/')
    .filter((s) => s !== '' && s !== '.');
}

const lastSegment = (path: string) => segments(path).pop() ?? path;

/** Hidden files and folders (".DS_Store", ".git/…"), macOS zip metadata (__MACOSX/) and OS side files. */
function isIgnored(path: string): boolean {
  const parts = segments(path);
  const last = parts[parts.length - 1] ?? '';
  return parts.some((s) => s.startsWith('.') || s === '__MACOSX') || SIDE_FILES.has(last.toLowerCase());
}

function isZip(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && ((b[2] === 3 && b[3] === 4) || (b[2] === 5 && b[3] === 6));
}

/**
 * Replaces every zip file by the files it holds (their own paths inside the zip; nested zips too), leaving
 * other files as they are. Directories, __MACOSX/ metadata and hidden files inside a zip are left out. Throws
 * "<name> is not a valid zip file: …" for a corrupt zip and "<name> is empty" for one with no files.
 */
export function expandZips(files: InputFile[]): InputFile[] {
  return expandZipsAt(files, 0);
}

function expandZipsAt(files: InputFile[], depth: number): InputFile[] {
  const out: InputFile[] = [];
  for (const f of files) {
    if (!isZip(f.bytes) || depth >= MAX_ZIP_DEPTH) {
      out.push(f);
      continue;
    }
    let entries: Record<string, Uint8Array>;
    try {
      entries = unzipSync(f.bytes);
    } catch (e) {
      throw new Error(`${f.path} is not a valid zip file: ${(e as Error).message}`);
    }
    const inner = Object.entries(entries)
      .filter(([path]) => !path.endsWith('/') && !isIgnored(path))
      .map(([path, bytes]) => ({ path, bytes }));
    if (inner.length === 0) throw new Error(`${f.path} is empty: the zip file holds no files`);
    out.push(...expandZipsAt(inner, depth + 1));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Telling files apart

type Classified =
  | { kind: 'image'; path: string; bytes: Uint8Array; format: ImageFormat; width: number; height: number }
  | { kind: 'idx'; path: string; raw: Uint8Array; idx: IdxArray }
  | { kind: 'cifar'; path: string; bytes: Uint8Array }
  | { kind: 'meta'; path: string; bytes: Uint8Array }
  | { kind: 'other'; path: string; bytes: Uint8Array };

const hasImageExtension = (path: string) => IMAGE_EXTENSIONS.some((e) => path.toLowerCase().endsWith(e));
const isGzip = (b: Uint8Array) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/** The first bytes of an IDX file: two zero bytes, a known data type and a rank of 1–4. */
function looksLikeIdx(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0 && b[1] === 0 && [0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e].includes(b[2]!) && b[3]! >= 1 && b[3]! <= 4;
}

/**
 * What a file holds, judged by its content: an image (by its header), a CIFAR-10 batch (a .bin of whole 3,073-byte
 * records), an IDX file (after gunzip if needed), CIFAR's class-name file, or something else. A file that starts
 * like an IDX file but does not parse throws the parser's message, naming the file.
 */
function classify(f: InputFile): Classified {
  const header = imageHeader(f.bytes);
  if (header) return { kind: 'image', path: f.path, bytes: f.bytes, ...header };
  const name = lastSegment(f.path).toLowerCase();
  if (name.endsWith('.bin') && f.bytes.length > 0 && f.bytes.length % CIFAR_RECORD === 0) return { kind: 'cifar', path: f.path, bytes: f.bytes };
  if (name === CIFAR_META) return { kind: 'meta', path: f.path, bytes: f.bytes };
  let raw = f.bytes;
  if (isGzip(raw)) {
    try {
      raw = gunzipSync(raw);
    } catch {
      return { kind: 'other', path: f.path, bytes: f.bytes };
    }
  }
  if (!looksLikeIdx(raw)) return { kind: 'other', path: f.path, bytes: raw };
  try {
    return { kind: 'idx', path: f.path, raw, idx: parseIdx(raw) };
  } catch (e) {
    throw new Error(`${f.path} is not a valid IDX file: ${(e as Error).message}`);
  }
}

/** The message for a file that is none of the kinds we read, with a hint where we can guess what it is. */
function notDataMessage(f: { path: string; bytes: Uint8Array }): string {
  const base = `${f.path} is not an image, an IDX file or a CIFAR-10 batch`;
  if (f.bytes.length >= 262 && ascii(f.bytes, 257, 5) === 'ustar') return `${base}: it is a tar archive; unpack it, or zip the folder instead`;
  if (lastSegment(f.path).toLowerCase().endsWith('.bin')) return `${base} (a CIFAR-10 batch is a whole number of 3,073-byte records; this file has ${fmt(f.bytes.length)} bytes)`;
  return base;
}

/** Numbers with thousands separators, as people read them. */
function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

const plural = (n: number, one: string, many = `${one}s`) => `${fmt(n)} ${n === 1 ? one : many}`;

/** Sorts paths as a person would (numeric-aware: 2.png before 10.png). */
function byPath<T extends { path: string }>(a: T, b: T): number {
  return a.path.localeCompare(b.path, 'en', { numeric: true });
}

/** The file name without its extension (and without a .gz before it): "pets.zip" → "pets". */
function stem(path: string): string {
  return lastSegment(path)
    .replace(/\.gz$/i, '')
    .replace(/\.[^.]*$/, '');
}

/** The display name when none is given: the files' common top folder, else the single file or zip given. */
function defaultName(given: InputFile[], kept: InputFile[], fallback: string): string {
  const tops = new Set(kept.map((f) => (segments(f.path).length > 1 ? segments(f.path)[0] : '')));
  const top = tops.size === 1 ? [...tops][0] : '';
  if (top) return top;
  const visible = given.filter((f) => !isIgnored(f.path));
  if (visible.length === 1) return stem(visible[0]!.path);
  return fallback;
}

function checkCount(n: number, what: string) {
  if (n < MIN_IMAGES) throw new Error(`only ${plural(n, what)} found; at least ${fmt(MIN_IMAGES)} are needed (a fifth is held out for evaluation)`);
  if (n > MAX_IMAGES) throw new Error(`${plural(n, what)} is more than the limit of ${fmt(MAX_IMAGES)}; use a subset`);
}

// ---------------------------------------------------------------------------------------------------------------
// Building the dataset

/**
 * Builds a dataset from dropped files: a folder or zip of images (one sub-folder per class, or none for an
 * unlabelled set), one IDX image file with an optional IDX label file, or CIFAR-10 binary batches. One kind per
 * upload. Hidden and OS side files are dropped silently; other stray files beside the data (a README) are skipped
 * and listed in `skipped`. Images are decoded with `decode`, centre-cropped and resized to options.size; IDX and
 * CIFAR keep their own size. Every error says, in words, which file is wrong and why.
 */
export async function datasetFromFiles(
  files: InputFile[],
  options: FileDatasetOptions,
  decode: DecodeImage,
  onProgress?: (p: FileProgress) => void,
): Promise<Dataset & { skipped: string[] }> {
  if (!Number.isInteger(options.size) || options.size < 1 || options.size > MAX_IMAGE_SIDE) {
    throw new Error(`image size must be a whole number of pixels from 1 to ${fmt(MAX_IMAGE_SIDE)}, is ${options.size}`);
  }
  if (files.length === 0) throw new Error('no files given');
  const kept = expandZips(files.filter((f) => !isIgnored(f.path)));
  if (kept.length === 0) throw new Error('no files to read: only hidden or system files were given');

  const all: Classified[] = [];
  const step = Math.max(1, Math.floor(kept.length / 50));
  for (const [i, f] of kept.entries()) {
    all.push(classify(f));
    if ((i + 1) % step === 0 || i === kept.length - 1) onProgress?.({ phase: 'reading', done: i + 1, total: kept.length });
  }
  const of = <K extends Classified['kind']>(kind: K) => all.filter((c): c is Extract<Classified, { kind: K }> => c.kind === kind).sort(byPath);
  const images = of('image');
  const idx = of('idx');
  const cifar = of('cifar');
  const meta = cifar.length ? of('meta') : [];
  const others = all.filter((c): c is Extract<Classified, { kind: 'other' | 'meta' }> => c.kind === 'other' || (c.kind === 'meta' && !cifar.length));

  const fakeImage = others.find((c) => hasImageExtension(c.path));
  if (fakeImage) throw new Error(notDataMessage(fakeImage));
  const kinds = [
    images.length && plural(images.length, 'image'),
    idx.length && plural(idx.length, 'IDX file'),
    cifar.length && plural(cifar.length, 'CIFAR-10 batch', 'CIFAR-10 batches'),
  ].filter((k): k is string => !!k);
  if (kinds.length === 0) {
    if (others.length === 1) throw new Error(notDataMessage(others[0]!));
    const names = others.slice(0, 3).map((c) => c.path);
    throw new Error(`none of the ${fmt(others.length)} files is an image, an IDX file or a CIFAR-10 batch (${names.join(', ')}${others.length > 3 ? ', …' : ''})`);
  }
  if (kinds.length > 1) {
    throw new Error(`the files mix kinds of data (${kinds.join(' and ')}): give one kind at a time, either images, an IDX image file with its labels, or CIFAR-10 batches`);
  }
  const skipped = others.map((c) => c.path).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const name = (fallback: string) => options.name ?? defaultName(files, kept, fallback);

  let ds: Dataset;
  if (idx.length) ds = idxDataset(idx, name);
  else if (cifar.length) ds = cifarDataset(cifar, meta[0], name);
  else ds = await imageDataset(images, options, name('images'), decode, onProgress);
  return { ...ds, skipped };
}

/** One IDX image file (N, H, W) or (N, H, W, C) with C = 1 or 3, and at most one IDX label file. */
function idxDataset(files: Extract<Classified, { kind: 'idx' }>[], name: (fallback: string) => string): Dataset {
  const rankOk = (r: number) => r === 1 || r === 3 || r === 4;
  const bad = files.find((f) => !rankOk(f.idx.dims.length) || (f.idx.dims.length === 4 && f.idx.dims[3] !== 1 && f.idx.dims[3] !== 3));
  if (bad) {
    const dims = bad.idx.dims.map(fmt).join(' × ');
    throw new Error(`${bad.path} is an IDX file of shape ${dims}; images need (N, H, W) or (N, H, W, C) with C = 1 or 3, labels (N)`);
  }
  const imageFiles = files.filter((f) => f.idx.dims.length > 1);
  const labelFiles = files.filter((f) => f.idx.dims.length === 1);
  if (imageFiles.length === 0) throw new Error(`${labelFiles[0]!.path} holds labels only: give it together with its IDX image file`);
  if (imageFiles.length > 1 || labelFiles.length > 1) {
    const list = files.map((f) => f.path).join(', ');
    throw new Error(`give one IDX image file (and at most one label file) at a time; got ${plural(imageFiles.length, 'image file')} and ${plural(labelFiles.length, 'label file')}: ${list}`);
  }
  const img = imageFiles[0]!;
  const lab = labelFiles[0];
  let ds: Dataset;
  try {
    ds = datasetFromIdx(name(stem(img.path)), img.raw, lab ? lab.raw : null);
  } catch (e) {
    throw new Error(`${img.path}${lab ? ` with ${lab.path}` : ''}: ${(e as Error).message}`);
  }
  checkCount(ds.n, 'image');
  return ds;
}

/** CIFAR-10 batches in path order (data_batch_1 … 5, then test_batch, so the test batch is held out). */
function cifarDataset(batches: Extract<Classified, { kind: 'cifar' }>[], meta: { path: string; bytes: Uint8Array } | undefined, name: (fallback: string) => string): Dataset {
  let classNames = CIFAR10_CLASSES;
  if (meta) {
    const lines = new TextDecoder()
      .decode(meta.bytes)
      .split(/\r?\n/)
      .map((s) => s.trim())
      .filter(Boolean);
    if (lines.length !== 10) throw new Error(`${meta.path} lists ${plural(lines.length, 'class name')}; CIFAR-10 batches have 10 classes`);
    classNames = lines;
  }
  for (const b of batches) {
    for (let r = 0; r < b.bytes.length / CIFAR_RECORD; r++) {
      const label = b.bytes[r * CIFAR_RECORD]!;
      if (label > 9) throw new Error(`${b.path} is not a CIFAR-10 batch: record ${fmt(r + 1)} has label ${label} (0–9 expected)`);
    }
  }
  const ds = datasetFromCifar(
    name('CIFAR-10'),
    batches.map((b) => b.bytes),
  );
  checkCount(ds.n, 'image');
  return { ...ds, classNames };
}

/**
 * The class of each image is its parent folder's name; a set whose images all share one folder (or none) is
 * unlabelled. Class names are sorted as a person would and a label is the class's index.
 */
function imageLabels(paths: string[]): { labels: Uint8Array; classNames: string[]; unlabelled: boolean } {
  const folder = paths.map((p) => segments(p).slice(-2, -1)[0] ?? '(no folder)');
  const names = [...new Set(folder)].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  if (names.length <= 1) return { labels: new Uint8Array(paths.length), classNames: ['unlabelled'], unlabelled: true };
  if (names.length > 256) throw new Error(`the images are in ${fmt(names.length)} folders; at most 256 classes (one folder each) are supported`);
  const index = new Map(names.map((n, i) => [n, i]));
  return { labels: Uint8Array.from(folder, (f) => index.get(f)!), classNames: names, unlabelled: false };
}

/**
 * A fixed pseudo-random order of n images (so classes mix across the split), then swaps so that the held-out
 * tail (see makeSplit) has at least one image of every class when it is long enough to.
 */
function imageOrder(labels: Uint8Array, numClasses: number): Int32Array {
  const n = labels.length;
  const order = shuffleInPlace(Int32Array.from({ length: n }, (_, i) => i), mulberry32(ORDER_SEED));
  const tail = n - makeSplit(n).heldOut.length;
  const inTail = new Int32Array(numClasses);
  for (let k = tail; k < n; k++) inTail[labels[order[k]!]!]!++;
  for (let c = 0; c < numClasses; c++) {
    if (inTail[c]! > 0) continue;
    let t = n - 1;
    while (t >= tail && inTail[labels[order[t]!]!]! < 2) t--;
    let h = tail - 1;
    while (h >= 0 && labels[order[h]!] !== c) h--;
    if (t < tail || h < 0) continue;
    inTail[labels[order[t]!]!]!--;
    inTail[c]!++;
    [order[h], order[t]] = [order[t]!, order[h]!];
  }
  return order;
}

/** Lets the caller's event loop run (messages, a cancel) during a long synchronous stretch. */
function breathe(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Decodes, crops and resizes every image; sizes are checked from the headers before anything is decoded. */
async function imageDataset(
  files: Extract<Classified, { kind: 'image' }>[],
  options: FileDatasetOptions,
  name: string,
  decode: DecodeImage,
  onProgress?: (p: FileProgress) => void,
): Promise<Dataset> {
  const huge = files.find((f) => f.width > MAX_IMAGE_SIDE || f.height > MAX_IMAGE_SIDE);
  if (huge) throw new Error(`${huge.path} is ${fmt(huge.width)} × ${fmt(huge.height)} pixels; the limit is ${fmt(MAX_IMAGE_SIDE)} on a side`);
  const n = files.length;
  checkCount(n, 'image');
  const { size } = options;
  const per = size * size;
  const c0 = options.channels === 'gray' ? 1 : 3;
  if (n * per * c0 > MAX_DATASET_BYTES) {
    throw new Error(`${plural(n, 'image')} of ${size} × ${size} × ${c0} would take ${fmt(Math.ceil((n * per * c0) / 2 ** 20))} MB, more than the ${fmt(MAX_DATASET_BYTES / 2 ** 20)} MB limit: choose a smaller size`);
  }
  const sorted = imageLabels(files.map((f) => f.path));
  const order = imageOrder(sorted.labels, sorted.classNames.length);
  const images = new Uint8Array(n * per * c0);
  const labels = new Uint8Array(n);
  let colour = options.channels === 'rgb';
  const step = Math.max(1, Math.floor(n / 50));
  onProgress?.({ phase: 'decoding', done: 0, total: n });
  // A few decodes in flight at once: the browser decodes off the worker's thread, so waiting on one at a time
  // would leave it idle. Results are placed in order, so the set does not depend on timing.
  const WINDOW = 8;
  let reported = 0;
  for (let k0 = 0; k0 < n; k0 += WINDOW) {
    const ks = Array.from({ length: Math.min(WINDOW, n - k0) }, (_, i) => k0 + i);
    const decoded = await Promise.all(ks.map((k) => decodeOne(files[order[k]!]!, decode)));
    ks.forEach((k, i) => {
      const img = decoded[i]!;
      if (!colour && options.channels === 'auto') colour = hasColour(img);
      images.set(resizeToSquare(img.data, img.width, img.height, size, c0 as 1 | 3), k * per * c0);
      labels[k] = sorted.labels[order[k]!]!;
    });
    const done = k0 + ks.length;
    if (done - reported >= step || done === n) {
      reported = done;
      onProgress?.({ phase: 'decoding', done, total: n });
      await breathe();
    }
  }
  const c = options.channels === 'auto' && !colour ? 1 : c0;
  const out = c === c0 ? images : rgbToLuma(images);
  const ds: Dataset = { name, images: out, labels, n, h: size, w: size, c, numClasses: sorted.classNames.length, classNames: sorted.classNames };
  return sorted.unlabelled ? { ...ds, unlabelled: true } : ds;
}

/** Decodes one image, naming the file in any failure and checking that the pixels match the size. */
async function decodeOne(f: { path: string; bytes: Uint8Array }, decode: DecodeImage): Promise<DecodedImage> {
  let img: DecodedImage;
  try {
    img = await decode(f.bytes, f.path);
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    throw new Error(msg.includes(f.path) ? msg : `${f.path} could not be decoded as an image: ${msg}`);
  }
  if (!(img.width >= 1 && img.height >= 1 && img.data.length >= img.width * img.height * 4)) {
    throw new Error(`${f.path} could not be decoded as an image: no pixel data for ${img.width} × ${img.height}`);
  }
  return img;
}

/** Interleaved RGB bytes to BT.601 luma, for sets found to be gray after decoding them as colour. */
function rgbToLuma(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgb.length / 3);
  for (let i = 0; i < out.length; i++) out[i] = toByte(0.299 * rgb[3 * i]! + 0.587 * rgb[3 * i + 1]! + 0.114 * rgb[3 * i + 2]!);
  return out;
}
