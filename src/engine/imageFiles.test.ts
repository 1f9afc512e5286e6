import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it, vi } from 'vitest';
import { fakePngHeader, makeCifar, makeIdx, makeJpeg, makePng, type Pixel } from '../test/pngFixtures';
import { CIFAR10_CLASSES, datasetFromIdx, makeSplit } from './data';
import { datasetFromFiles, expandZips, imageHeader, MAX_IMAGES, resizeToSquare, type DecodeImage, type InputFile } from './imageFiles';
import { decodeImageNode, readInputFiles } from './nodeImage';

const text = (s: string) => new TextEncoder().encode(s);
const file = (path: string, bytes: Uint8Array): InputFile => ({ path, bytes });

/** RGBA bytes from a pixel function, for resizeToSquare without a file format in between. */
function rgba(width: number, height: number, pixel: (x: number, y: number) => Pixel): Uint8Array {
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b, a = 255] = pixel(x, y);
      out.set([r, g, b, a], (y * width + x) * 4);
    }
  }
  return out;
}

const gray = (v: number): Pixel => [v, v, v];
/** n uniform gray 4×4 PNGs named `${folder}/${i}.png` (i from 1), of value 10·i. */
const grayPngs = (folder: string, n: number) => Array.from({ length: n }, (_, i) => file(`${folder}/${i + 1}.png`, makePng(4, 4, () => gray(10 * (i + 1)))));
const build = (files: InputFile[], options: Partial<Parameters<typeof datasetFromFiles>[1]> = {}, decode: DecodeImage = decodeImageNode) =>
  datasetFromFiles(files, { size: 2, channels: 'auto', ...options }, decode);

describe('imageHeader', () => {
  it('reads PNG and JPEG sizes from real files', () => {
    expect(imageHeader(makePng(3, 5, () => gray(0)))).toEqual({ format: 'png', width: 3, height: 5 });
    expect(imageHeader(makeJpeg(7, 4, () => [200, 10, 10]))).toEqual({ format: 'jpeg', width: 7, height: 4 });
    expect(imageHeader(fakePngHeader(20000, 30000))).toEqual({ format: 'png', width: 20000, height: 30000 });
  });

  it('reads GIF, BMP and the three kinds of WebP header', () => {
    const bytes = (n: number, at: Record<number, number[]>, tags: Record<number, string> = {}) => {
      const b = new Uint8Array(n);
      for (const [o, v] of Object.entries(at)) b.set(v, Number(o));
      for (const [o, s] of Object.entries(tags)) b.set(text(s), Number(o));
      return b;
    };
    // GIF: logical screen 300 × 200, little-endian.
    expect(imageHeader(bytes(16, { 6: [0x2c, 0x01, 0xc8, 0x00] }, { 0: 'GIF89a' }))).toEqual({ format: 'gif', width: 300, height: 200 });
    // BMP with a 40-byte DIB header, 640 wide and −480 high (stored top-down).
    const bmp = bytes(54, { 14: [40, 0, 0, 0], 18: [0x80, 0x02, 0, 0], 22: [0x20, 0xfe, 0xff, 0xff] }, { 0: 'BM' });
    expect(imageHeader(bmp)).toEqual({ format: 'bmp', width: 640, height: 480 });
    // Lossy WebP: 400 × 300 (the top two bits of each are a scale, ignored).
    const vp8 = bytes(40, { 23: [0x9d, 0x01, 0x2a], 26: [0x90, 0x41, 0x2c, 0x01] }, { 0: 'RIFF', 8: 'WEBPVP8 ' });
    expect(imageHeader(vp8)).toEqual({ format: 'webp', width: 400, height: 300 });
    // Lossless WebP: 14-bit width − 1 and height − 1 packed after the 0x2f signature; 123 × 456.
    const bits = 122 | (455 << 14);
    const vp8l = bytes(40, { 20: [0x2f, bits & 255, (bits >> 8) & 255, (bits >> 16) & 255, (bits >>> 24) & 255] }, { 0: 'RIFF', 8: 'WEBPVP8L' });
    expect(imageHeader(vp8l)).toEqual({ format: 'webp', width: 123, height: 456 });
    // Extended WebP: 24-bit canvas width − 1 and height − 1; 1,000 × 20,000.
    const vp8x = bytes(40, { 24: [999 & 255, 999 >> 8, 0, 19999 & 255, 19999 >> 8, 0] }, { 0: 'RIFF', 8: 'WEBPVP8X' });
    expect(imageHeader(vp8x)).toEqual({ format: 'webp', width: 1000, height: 20000 });
  });

  it('says null for text, IDX, CIFAR, empty and cut-off files', () => {
    expect(imageHeader(text('hello, world: not an image at all'))).toBeNull();
    expect(imageHeader(makeIdx([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]))).toBeNull();
    expect(imageHeader(makeCifar([{ label: 1, pixel: () => 0 }]))).toBeNull();
    expect(imageHeader(new Uint8Array(0))).toBeNull();
    expect(imageHeader(makePng(3, 5, () => gray(0)).subarray(0, 20))).toBeNull();
    expect(imageHeader(text('BM is how this text file starts, but it is no bitmap'))).toBeNull();
  });
});

describe('resizeToSquare', () => {
  it('shrinks 4×4 to 2×2 by averaging each 2×2 block', () => {
    const src = rgba(4, 4, (x, y) => gray(10 * (4 * y + x)));
    // Blocks: {0,10,40,50} → 25, {20,30,60,70} → 45, {80,90,120,130} → 105, {100,110,140,150} → 125.
    expect(Array.from(resizeToSquare(src, 4, 4, 2, 1))).toEqual([25, 45, 105, 125]);
    expect(Array.from(resizeToSquare(src, 4, 4, 2, 3))).toEqual([25, 25, 25, 45, 45, 45, 105, 105, 105, 125, 125, 125]);
  });

  it('centre-crops a wide image (columns 0 and 5 of 6 dropped) and a tall one (rows 0 and 3 of 4)', () => {
    const wide = rgba(6, 4, (x) => gray(x === 0 || x === 5 ? 255 : 10 * x));
    expect(Array.from(resizeToSquare(wide, 6, 4, 4, 1))).toEqual([10, 20, 30, 40, 10, 20, 30, 40, 10, 20, 30, 40, 10, 20, 30, 40]);
    const tall = rgba(2, 4, (_, y) => gray(y === 0 || y === 3 ? 255 : 10 * y));
    expect(Array.from(resizeToSquare(tall, 2, 4, 2, 1))).toEqual([10, 10, 20, 20]);
  });

  it('counts partly covered pixels by their coverage when shrinking 3 to 2', () => {
    // Each output pixel covers 1.5 × 1.5 source pixels: the centre pixel is a quarter (0.5 × 0.5) inside each.
    const dot = rgba(3, 3, (x, y) => gray(x === 1 && y === 1 ? 225 : 0));
    expect(Array.from(resizeToSquare(dot, 3, 3, 2, 1))).toEqual([25, 25, 25, 25]);
    // A ramp 60·x + 30·y: columns average (0 + 0.5·60)/1.5 = 20 and (0.5·60 + 120)/1.5 = 100, rows 10 and 50.
    const ramp = rgba(3, 3, (x, y) => gray(60 * x + 30 * y));
    expect(Array.from(resizeToSquare(ramp, 3, 3, 2, 1))).toEqual([30, 110, 70, 150]);
  });

  it('composites alpha over black', () => {
    const src = rgba(2, 2, () => [200, 100, 50, 128]);
    // 200·128/255 = 100.4, 100·128/255 = 50.2, 50·128/255 = 25.1.
    expect(Array.from(resizeToSquare(src, 2, 2, 1, 3))).toEqual([100, 50, 25]);
    expect(Array.from(resizeToSquare(rgba(1, 1, () => [255, 255, 255, 0]), 1, 1, 1, 3))).toEqual([0, 0, 0]);
  });

  it('turns colour into BT.601 luma, rounded', () => {
    const src = rgba(2, 2, (x, y) => ([[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30]] as const)[2 * y + x]!);
    // 0.299·255 = 76.2, 0.587·255 = 149.7, 0.114·255 = 29.1, 2.99 + 11.74 + 3.42 = 18.15.
    expect(Array.from(resizeToSquare(src, 2, 2, 2, 1))).toEqual([76, 150, 29, 18]);
  });

  it('enlarges bilinearly: 1×1 becomes a constant, 2 columns become a ramp', () => {
    expect(Array.from(resizeToSquare(rgba(1, 1, () => [7, 8, 9]), 1, 1, 3, 3))).toEqual(Array(9).fill([7, 8, 9]).flat());
    // Output centres at source x = −0.25 (clamped), 0.25, 0.75, 1.25 (clamped) between 0 and 100.
    const row = Array.from(resizeToSquare(rgba(2, 2, (x) => gray(100 * x)), 2, 2, 4, 1)).slice(0, 4);
    expect(row).toEqual([0, 25, 75, 100]);
  });
});

describe('expandZips', () => {
  it('replaces zips by their files, nested ones too, and leaves out folders, __MACOSX and hidden files', () => {
    const inner = zipSync({ 'deep.txt': text('d') });
    const zip = zipSync({ 'a/': {}, 'a/b.txt': text('b'), '__MACOSX/a/._b.txt': text('x'), 'a/.hidden': text('h'), 'in.zip': inner });
    const out = expandZips([file('x/z.zip', zip), file('plain.txt', text('p'))]);
    expect(out.map((f) => f.path).sort()).toEqual(['a/b.txt', 'deep.txt', 'plain.txt']);
    expect(new TextDecoder().decode(out.find((f) => f.path === 'a/b.txt')!.bytes)).toBe('b');
  });
});

describe('a folder or zip of images', () => {
  /** cat/1.png is a red ramp (R = 10·(4y + x)); the others are uniform, reddish for cats and bluish for dogs. */
  function petsZip(extra: Record<string, Uint8Array> = {}): Uint8Array {
    const entries: Record<string, Uint8Array> = { ...extra };
    for (let i = 1; i <= 6; i++) {
      entries[`pets/cat/${i}.png`] = i === 1 ? makePng(4, 4, (x, y) => [10 * (4 * y + x), 0, 0]) : makePng(4, 4, () => [200, 10 * i, 0]);
      entries[`pets/dog/${i}.png`] = makePng(4, 4, () => [0, 10 * i, 200]);
    }
    return zipSync(entries);
  }

  it('labels images by folder, resizes them, and holds out both classes', async () => {
    const ds = await build([file('pets.zip', petsZip())]);
    expect([ds.n, ds.h, ds.w, ds.c]).toEqual([12, 2, 2, 3]);
    expect(ds.name).toBe('pets');
    expect(ds.classNames).toEqual(['cat', 'dog']);
    expect(ds.numClasses).toBe(2);
    expect(ds.unlabelled).toBeUndefined();
    expect(Array.from(ds.labels).filter((l) => l === 0).length).toBe(6);
    // cat/1.png, averaged in 2×2 blocks (see resizeToSquare), sits somewhere in the shuffled set with label "cat".
    const want = [25, 0, 0, 45, 0, 0, 105, 0, 0, 125, 0, 0];
    const at = Array.from({ length: ds.n }, (_, i) => i).filter((i) => Array.from(ds.images.subarray(i * 12, i * 12 + 12)).join() === want.join());
    expect(at).toHaveLength(1);
    expect(ds.labels[at[0]!]).toBe(0);
    // Every dog image is bluish (B = 200) and every other cat reddish (R = 200).
    for (let i = 0; i < ds.n; i++) if (i !== at[0]) expect(ds.images[i * 12 + (ds.labels[i] ? 2 : 0)]).toBe(200);
    const held = makeSplit(ds.n).heldOut;
    expect(new Set(Array.from(held, (i) => ds.labels[i]))).toEqual(new Set([0, 1]));
  });

  it('gives the same dataset every time (a fixed shuffle)', async () => {
    const [a, b] = await Promise.all([build([file('pets.zip', petsZip())]), build([file('pets.zip', petsZip())])]);
    expect(Array.from(a.images)).toEqual(Array.from(b.images));
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
  });

  it('ignores __MACOSX and .DS_Store, and skips a README beside the images, saying so', async () => {
    const extra = { '__MACOSX/pets/cat/._1.png': text('resource fork'), 'pets/.DS_Store': text('x'), 'pets/README.txt': text('my pets') };
    const ds = await build([file('pets.zip', petsZip(extra)), file('.DS_Store', text('x'))]);
    expect(ds.n).toBe(12);
    expect(ds.skipped).toEqual(['pets/README.txt']);
    expect(ds.classNames).toEqual(['cat', 'dog']);
  });

  it('a flat folder is an unlabelled set named after the folder', async () => {
    const ds = await build(grayPngs('flat', 12));
    expect(ds.unlabelled).toBe(true);
    expect(ds.name).toBe('flat');
    expect(ds.numClasses).toBe(1);
    expect(ds.classNames).toEqual(['unlabelled']);
    expect(Array.from(ds.labels)).toEqual(Array(12).fill(0));
    // Every value 10…120 appears once (as a uniform 2×2 gray image).
    expect(Array.from({ length: 12 }, (_, i) => ds.images[i * 4]).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 12 }, (_, i) => 10 * (i + 1)));
  });

  it('images at the root of a zip are unlabelled, and the set is named after the zip', async () => {
    const zip = zipSync(Object.fromEntries(grayPngs('', 10).map((f) => [f.path.slice(1), f.bytes])));
    const ds = await build([file('shapes.zip', zip)], { name: undefined });
    expect([ds.name, ds.unlabelled, ds.n]).toEqual(['shapes', true, 10]);
    expect((await build([file('shapes.zip', zip)], { name: 'mine' })).name).toBe('mine');
  });

  it('sorts class names as a person would and reads JPEGs', async () => {
    const files = [...grayPngs('set/class10', 5), ...grayPngs('set/class2', 5)];
    files.push(file('set/class2/photo.jpg', makeJpeg(8, 8, () => gray(128))));
    const ds = await build(files);
    expect(ds.classNames).toEqual(['class2', 'class10']);
    expect(Array.from(ds.labels).filter((l) => l === 0).length).toBe(6);
    // The JPEG is a uniform gray of 128 (± JPEG rounding).
    const values = Array.from({ length: ds.n }, (_, i) => ds.images[i * 4]!);
    expect(values.some((v) => Math.abs(v - 128) <= 1)).toBe(true);
  });

  it('channels: auto gives 1 for gray images and 3 when one is coloured; gray and rgb force them', async () => {
    const grays = grayPngs('g', 10);
    expect((await build(grays)).c).toBe(1);
    expect((await build(grays, { channels: 'rgb' })).c).toBe(3);
    const coloured = [...grays, file('g/colour.png', makePng(4, 4, () => [90, 95, 90]))];
    const auto = await build(coloured);
    expect(auto.c).toBe(3);
    expect(auto.images.length).toBe(11 * 2 * 2 * 3);
    const forced = await build(coloured, { channels: 'gray' });
    expect(forced.c).toBe(1);
    // 0.299·90 + 0.587·95 + 0.114·90 = 92.9.
    expect(Array.from(forced.images)).toContain(93);
  });

  it('reports decoding progress from 0 up to done === total', async () => {
    const seen: { phase: string; done: number; total: number }[] = [];
    await datasetFromFiles(grayPngs('p', 120), { size: 2, channels: 'auto' }, decodeImageNode, (p) => seen.push(p));
    const decoding = seen.filter((p) => p.phase === 'decoding');
    expect(decoding[0]).toEqual({ phase: 'decoding', done: 0, total: 120 });
    expect(decoding.at(-1)).toEqual({ phase: 'decoding', done: 120, total: 120 });
    expect(decoding.length).toBeGreaterThan(120 / 8); // after each group of 8 decodes in flight (every 2% at most)
    for (let i = 1; i < decoding.length; i++) expect(decoding[i]!.done).toBeGreaterThan(decoding[i - 1]!.done);
    expect(seen.filter((p) => p.phase === 'reading').at(-1)).toEqual({ phase: 'reading', done: 120, total: 120 });
  });

  it('reads a folder from disk with paths relative to its parent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cp-images-'));
    try {
      for (const cls of ['cat', 'dog']) {
        mkdirSync(join(dir, 'pets', cls), { recursive: true });
        for (let i = 1; i <= 5; i++) writeFileSync(join(dir, 'pets', cls, `${i}.png`), makePng(2, 2, () => gray(i)));
      }
      const files = readInputFiles([join(dir, 'pets')]);
      expect(files.map((f) => f.path).slice(0, 3)).toEqual(['pets/cat/1.png', 'pets/cat/2.png', 'pets/cat/3.png']);
      const ds = await build(files);
      expect([ds.name, ds.n, ds.classNames]).toEqual(['pets', 10, ['cat', 'dog']]);
      expect(() => readInputFiles([join(dir, 'nothing')])).toThrow('no such file or folder');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('IDX files and CIFAR-10 batches', () => {
  const pixels = Array.from({ length: 12 * 9 }, (_, i) => (i * 7) % 256);
  const labels = Array.from({ length: 12 }, (_, i) => i % 3);

  it.each([false, true])('an IDX pair (gzipped: %s) gives what datasetFromIdx gives', async (gz) => {
    const images = makeIdx([12, 3, 3], pixels, gz);
    const labs = makeIdx([12], labels, gz);
    const ds = await build([file('train-labels-idx1-ubyte.gz', labs), file('train-images-idx3-ubyte.gz', images)]);
    const ref = datasetFromIdx('ref', makeIdx([12, 3, 3], pixels), makeIdx([12], labels));
    expect([ds.n, ds.h, ds.w, ds.c, ds.numClasses]).toEqual([ref.n, ref.h, ref.w, ref.c, ref.numClasses]);
    expect([ds.n, ds.h, ds.w, ds.c, ds.numClasses]).toEqual([12, 3, 3, 1, 3]);
    expect(Array.from(ds.images)).toEqual(pixels);
    expect(Array.from(ds.labels)).toEqual(labels);
    expect(ds.classNames).toEqual(['0', '1', '2']);
    expect(ds.name).toBe('train-images-idx3-ubyte');
    expect(ds.skipped).toEqual([]);
  });

  it('IDX images alone are unlabelled; (N, H, W, 3) images are in colour', async () => {
    const alone = await build([file('x.idx', makeIdx([12, 3, 3], pixels))]);
    expect([alone.unlabelled, alone.numClasses, alone.classNames, alone.n]).toEqual([true, 1, ['unlabelled'], 12]);
    expect(Array.from(alone.labels)).toEqual(Array(12).fill(0));
    const rgb = await build([file('rgb.idx', makeIdx([10, 2, 2, 3], Array.from({ length: 120 }, (_, i) => i)))]);
    expect([rgb.n, rgb.h, rgb.w, rgb.c]).toEqual([10, 2, 2, 3]);
  });

  const record = (label: number, seed: number) => ({ label, pixel: (p: number, c: number) => (p + 3 * c + seed) % 256 });

  it('CIFAR-10 batches in name order, with the class names of batches.meta.txt or the standard ones', async () => {
    const b1 = makeCifar(Array.from({ length: 6 }, (_, i) => record(i, i)));
    const test = makeCifar(Array.from({ length: 4 }, (_, i) => record(9 - i, 50 + i)));
    const files = [file('cifar/test_batch.bin', test), file('cifar/data_batch_1.bin', b1), file('cifar/readme.html', text('<html>'))];
    const ds = await build(files);
    expect([ds.name, ds.n, ds.h, ds.w, ds.c]).toEqual(['cifar', 10, 32, 32, 3]);
    expect(Array.from(ds.labels)).toEqual([0, 1, 2, 3, 4, 5, 9, 8, 7, 6]);
    expect(ds.classNames).toEqual(CIFAR10_CLASSES);
    expect(ds.skipped).toEqual(['cifar/readme.html']);
    // Record 7 (seed 51), pixel 40: R, G, B = 91, 94, 97.
    expect(Array.from(ds.images.subarray(7 * 3072 + 40 * 3, 7 * 3072 + 40 * 3 + 3))).toEqual([91, 94, 97]);
    const names = Array.from({ length: 10 }, (_, i) => `kind ${i}`);
    const withMeta = await build([...files, file('cifar/batches.meta.txt', text(`${names.join('\n')}\n\n`))]);
    expect(withMeta.classNames).toEqual(names);
    expect(withMeta.skipped).toEqual(['cifar/readme.html']);
  });
});

describe('bad input says what is wrong, naming the file', () => {
  const pngs = (n: number) => grayPngs('imgs', n);
  const idx12 = () => makeIdx([12, 3, 3], Array(108).fill(1));

  it.each<[string, () => InputFile[], string]>([
    ['no files', () => [], 'no files given'],
    ['only hidden files', () => [file('.DS_Store', text('x'))], 'only hidden or system files'],
    ['a text file alone', () => [file('notes.txt', text('some notes'))], 'notes.txt is not an image, an IDX file or a CIFAR-10 batch'],
    ['several text files', () => [file('a.txt', text('a')), file('b.txt', text('b'))], 'none of the 2 files is an image'],
    ['a .png that is not an image', () => [...pngs(10), file('imgs/fake.png', text('not really'))], 'imgs/fake.png is not an image, an IDX file or a CIFAR-10 batch'],
    ['a truncated IDX file', () => [file('t.idx', idx12().subarray(0, 50))], 't.idx is not a valid IDX file: IDX file is truncated'],
    ['mismatched label count', () => [file('i.idx', idx12()), file('l.idx', makeIdx([11], Array(11).fill(0)))], 'i.idx with l.idx: 12 images but 11 labels'],
    ['a label file alone', () => [file('l.idx', makeIdx([11], Array(11).fill(0)))], 'l.idx holds labels only'],
    ['a 2-D IDX file', () => [file('m.idx', makeIdx([12, 9], Array(108).fill(0)))], 'm.idx is an IDX file of shape 12 × 9'],
    ['two IDX image files', () => [file('a.idx', idx12()), file('b.idx', idx12())], 'give one IDX image file'],
    ['an empty zip', () => [file('empty.zip', zipSync({}))], 'empty.zip is empty'],
    ['a zip of only metadata', () => [file('mac.zip', zipSync({ '__MACOSX/._x': text('x') }))], 'mac.zip is empty'],
    ['a corrupt zip', () => [file('dir/bad.zip', zipSync({ 'a.png': makePng(2, 2, () => gray(1)) }).subarray(0, 60))], 'dir/bad.zip is not a valid zip file'],
    ['too few images', () => pngs(3), 'only 3 images found; at least 10 are needed'],
    ['IDX mixed with images', () => [...pngs(12), file('x.idx', idx12())], 'the files mix kinds of data (12 images and 1 IDX file)'],
    ['a CIFAR batch with a bad label', () => [file('c.bin', makeCifar([...Array(9).fill({ label: 1, pixel: () => 0 }), { label: 12, pixel: () => 0 }]))], 'c.bin is not a CIFAR-10 batch: record 10 has label 12'],
    ['a .bin of the wrong length', () => [file('d.bin', new Uint8Array(3000))], 'd.bin is not an image, an IDX file or a CIFAR-10 batch (a CIFAR-10 batch is a whole number of 3,073-byte records'],
    ['a GIF in Node', () => [...pngs(10), file('imgs/anim.gif', text('GIF89a\x02\x00\x02\x00........'))], 'imgs/anim.gif is a GIF image, which cannot be decoded here'],
  ])('%s', async (_, files, message) => {
    await expect(build(files())).rejects.toThrow(message);
  });

  it('a corrupt image (good header, broken body) fails to decode, naming the file', async () => {
    const broken = makePng(16, 16, (x, y) => gray(x * y)).subarray(0, 45);
    expect(imageHeader(broken)).toEqual({ format: 'png', width: 16, height: 16 });
    await expect(build([...pngs(10), file('imgs/broken.png', broken)])).rejects.toThrow(/^imgs\/broken\.png could not be decoded as a PNG image/);
  });

  it('a decoder failure without the file name gets it added', async () => {
    const failing: DecodeImage = async () => {
      throw new Error('out of memory');
    };
    await expect(build(pngs(10), {}, failing)).rejects.toThrow(/^imgs\/\d+\.png could not be decoded as an image: out of memory$/);
  });

  it('a 20,000 × 20,000 image is refused from its header, before anything is decoded', async () => {
    const decode = vi.fn(decodeImageNode);
    const files = [...pngs(11), file('imgs/big.png', fakePngHeader(20000, 20000))];
    await expect(build(files, {}, decode)).rejects.toThrow('imgs/big.png is 20,000 × 20,000 pixels; the limit is 8,192 on a side');
    expect(decode).not.toHaveBeenCalled();
  });

  it('more than MAX_IMAGES images are refused before decoding', async () => {
    const decode = vi.fn(decodeImageNode);
    const header = fakePngHeader(2, 2);
    const files = Array.from({ length: MAX_IMAGES + 1 }, (_, i) => file(`many/${i}.png`, header));
    await expect(build(files, {}, decode)).rejects.toThrow('70,001 images is more than the limit of 70,000');
    expect(decode).not.toHaveBeenCalled();
  });

  it('a size the dataset cannot hold is refused', async () => {
    await expect(build(pngs(10), { size: 0 })).rejects.toThrow('image size must be a whole number');
  });
});
