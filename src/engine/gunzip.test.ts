import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { parseIdx } from './data';
import { gunzipResponse } from './gunzip';

/** A response whose body arrives in the given chunks. */
const chunked = (...chunks: Uint8Array[]) =>
  new Response(
    new ReadableStream<Uint8Array>({
      start(c) {
        for (const ch of chunks) c.enqueue(ch);
        c.close();
      },
    }),
  );
/** An IDX file of 3 × 2 × 2 unsigned bytes. */
const idx = Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2, ...Array.from({ length: 12 }, (_, i) => 7 * i)]);

describe('gunzipResponse', () => {
  it('gunzips a gzip body, whatever its chunks', async () => {
    const gz = gzipSync(idx);
    expect(await gunzipResponse(new Response(gz))).toEqual(idx);
    expect(await gunzipResponse(chunked(gz.subarray(0, 2), gz.subarray(2, 9), gz.subarray(9)))).toEqual(idx);
  });
  it('gives bytes that are not gzip as they are (a server that already decoded the file)', async () => {
    expect(await gunzipResponse(chunked(idx.subarray(0, 5), idx.subarray(5)))).toEqual(idx);
    expect(await gunzipResponse(new Response(new Uint8Array(0)))).toEqual(new Uint8Array(0));
  });
  it('leaves gzip it cannot tell from a 1-byte first chunk to parseIdx, which still reads it', async () => {
    const gz = gzipSync(idx);
    const out = await gunzipResponse(chunked(gz.subarray(0, 1), gz.subarray(1)));
    expect(out).toEqual(gz);
    expect(parseIdx(out).data).toEqual(idx.subarray(16));
  });
  it('rejects corrupt gzip', async () => {
    const gz = gzipSync(idx);
    const bad = gz.slice();
    bad.fill(0xff, 10, 20);
    await expect(gunzipResponse(new Response(bad))).rejects.toThrow();
  });
});
