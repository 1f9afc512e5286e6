/** Your own images in Node (the headless runner, the tests): decoding PNG and JPEG, and reading files and folders. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { imageHeader, type DecodeImage, type InputFile } from './imageFiles';

/** Decodes PNG (pngjs) and JPEG (jpeg-js) to RGBA; Node has no decoder for the other formats a browser reads. */
export const decodeImageNode: DecodeImage = async (bytes, path) => {
  const header = imageHeader(bytes);
  if (!header) throw new Error(`${path} is not an image`);
  try {
    if (header.format === 'png') {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    }
    if (header.format === 'jpeg') {
      return jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
    }
  } catch (e) {
    throw new Error(`${path} could not be decoded as a ${header.format.toUpperCase()} image: ${(e as Error).message}`);
  }
  throw new Error(`${path} is a ${header.format.toUpperCase()} image, which cannot be decoded here (only PNG and JPEG outside the browser): convert it to PNG`);
};

/**
 * Reads files and folders from disk for datasetFromFiles. A folder is walked recursively (in name order); each
 * file's path is relative to the folder's parent, '/'-separated, so `data/pets` gives `pets/cat/1.png`.
 */
export function readInputFiles(paths: string[]): InputFile[] {
  const out: InputFile[] = [];
  for (const p of paths) {
    const full = resolve(p);
    let isDir: boolean;
    try {
      isDir = statSync(full).isDirectory();
    } catch {
      throw new Error(`cannot read ${p}: no such file or folder`);
    }
    if (isDir) walk(full, basename(full), out);
    else out.push({ path: basename(full), bytes: readFileSync(full) });
  }
  return out;
}

/** Adds every file under `dir` to `out`, named `prefix/…`; symbolic links to folders are not followed (no loops). */
function walk(dir: string, prefix: string, out: InputFile[]) {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  for (const e of entries) {
    const full = join(dir, e.name);
    const path = `${prefix}/${e.name}`;
    if (e.isDirectory()) walk(full, path, out);
    else if (e.isFile() || (e.isSymbolicLink() && statSync(full, { throwIfNoEntry: false })?.isFile())) out.push({ path, bytes: readFileSync(full) });
  }
}
