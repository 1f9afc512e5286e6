/** Decoding your own images inside the worker, with the browser's own decoders (PNG, JPEG, GIF, BMP, WebP). */
import type { DecodeImage } from '../engine/imageFiles';

/**
 * createImageBitmap decodes off the main thread; drawing the bitmap on an OffscreenCanvas of its size and
 * reading it back gives RGBA bytes. Colour profiles are not applied, so pixels match what Node decodes.
 */
export const decodeImageBrowser: DecodeImage = async (bytes, path) => {
  let bitmap: ImageBitmap;
  try {
    // The bytes come from File.arrayBuffer() or fflate, so they sit in a plain ArrayBuffer.
    bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]), { colorSpaceConversion: 'none' });
  } catch {
    throw new Error(`${path} could not be decoded as an image`);
  }
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error(`${path} could not be decoded as an image: this browser has no 2-D canvas in workers`);
    ctx.drawImage(bitmap, 0, 0);
    const { width, height, data } = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
    return { width, height, data };
  } finally {
    bitmap.close();
  }
};
