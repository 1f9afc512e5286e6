/**
 * A response's bytes, gunzipped as they arrive where they are gzip and the runtime has DecompressionStream (every
 * current browser, Node 18+): its native gunzip overlaps the download, where fflate's (parseIdx's) waits for the
 * whole file and takes several times as long, on the path to a run's first step. Anything else (no
 * DecompressionStream, bytes a server already decoded, a body too short to tell) comes back as it is: parseIdx
 * gunzips what is still gzip and says what is wrong with the rest.
 */
export async function gunzipResponse(res: Response): Promise<Uint8Array> {
  if (typeof DecompressionStream === 'undefined' || !res.body) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const first = await reader.read();
  const head = first.value;
  // The body again, its first chunk included.
  const whole = new ReadableStream<Uint8Array>({
    start: (c) => {
      if (head) c.enqueue(head);
      if (first.done) c.close();
    },
    pull: async (c) => {
      const r = await reader.read();
      if (r.done) c.close();
      else c.enqueue(r.value);
    },
  });
  const gzip = !!head && head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  if (!gzip) return new Uint8Array(await new Response(whole).arrayBuffer());
  const gunzip = new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>;
  return new Uint8Array(await new Response(whole.pipeThrough(gunzip)).arrayBuffer());
}
