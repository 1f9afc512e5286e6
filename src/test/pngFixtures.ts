/**
 * Files for tests of your own data (unit tests and the Playwright specs, both in Node): PNG and JPEG images drawn
 * from a pixel function, a PNG header that claims any size, IDX files and CIFAR-10 batches.
 */
import { gzipSync } from 'fflate';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** A pixel as [r, g, b] or [r, g, b, a]; alpha defaults to 255. */
export type Pixel = readonly [number, number, number, number?];

/** Fills an RGBA buffer from a pixel function. */
function rgba(width: number, height: number, pixel: (x: number, y: number) => Pixel): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b, a = 255] = pixel(x, y);
      data.set([r, g, b, a], (y * width + x) * 4);
    }
  }
  return data;
}

/** A real RGBA PNG file (pngjs). */
export function makePng(width: number, height: number, pixel: (x: number, y: number) => Pixel): Uint8Array {
  const png = new PNG({ width, height });
  rgba(width, height, pixel).copy(png.data);
  return new Uint8Array(PNG.sync.write(png));
}

/** A real baseline JPEG file (jpeg-js; alpha is dropped). */
export function makeJpeg(width: number, height: number, pixel: (x: number, y: number) => Pixel, quality = 95): Uint8Array {
  return new Uint8Array(jpeg.encode({ width, height, data: rgba(width, height, pixel) }, quality).data);
}

/**
 * A PNG signature and an IHDR chunk claiming width × height, then no image data: enough for a header reader,
 * broken for a decoder. Lets a test offer a 20,000² image without allocating it.
 */
export function fakePngHeader(width: number, height: number): Uint8Array {
  const b = new Uint8Array(8 + 25);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const v = new DataView(b.buffer);
  v.setUint32(8, 13);
  b.set([0x49, 0x48, 0x44, 0x52], 12); // "IHDR"
  v.setUint32(16, width);
  v.setUint32(20, height);
  b.set([8, 6, 0, 0, 0], 24); // 8-bit RGBA; the CRC after it is left zero
  return b;
}

/** An IDX file of unsigned bytes with the given dimensions, gzipped if asked. */
export function makeIdx(dims: number[], data: ArrayLike<number>, gzip = false): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  head.set([0, 0, 8, dims.length]);
  const view = new DataView(head.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return gzip ? gzipSync(out) : out;
}

/** One CIFAR-10 record: a label, and the value of pixel p (row·32 + column) in colour plane c (0 R, 1 G, 2 B). */
export interface CifarRecord {
  label: number;
  pixel: (p: number, c: number) => number;
}

/** A CIFAR-10 binary batch: each record is its label byte, then the 1,024 R, 1,024 G and 1,024 B bytes. */
export function makeCifar(records: CifarRecord[]): Uint8Array {
  const out = new Uint8Array(records.length * 3073);
  records.forEach((r, i) => {
    out[i * 3073] = r.label;
    for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) out[i * 3073 + 1 + c * 1024 + p] = r.pixel(p, c);
  });
  return out;
}
