/**
 * A flag the page raises while it draws a chart, shared (a SharedArrayBuffer: the page is cross-origin isolated)
 * with the map worker, which waits between t-SNE iterations while it is up. On 2 cores a run's training worker,
 * the map worker's t-SNE after each evaluation and the page all want a core; without this the page's redraws
 * then shared a core three ways and 25–35 ms redraws became 50–90 ms long tasks. The map takes longer to refresh
 * instead (by at most the page's drawing time).
 */

/** The flag: a one-element Int32Array over a SharedArrayBuffer, or null where memory cannot be shared. */
export function makePageBusyFlag(): Int32Array | null {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;
  return isolated && typeof SharedArrayBuffer !== 'undefined' ? new Int32Array(new SharedArrayBuffer(4)) : null;
}

/** Raises (1) or lowers (0) the flag, waking whoever waits on it when lowered. */
export function setFlag(flag: Int32Array | null, up: boolean): void {
  if (!flag) return;
  Atomics.store(flag, 0, up ? 1 : 0);
  if (!up) Atomics.notify(flag, 0);
}

/**
 * In a worker: waits while the flag is up, at most `maxMs` in all (the page may have stopped drawing without
 * lowering it: a closed tab). Returns the ms waited. Atomics.wait blocks the thread, as a worker may.
 */
export function waitWhileUp(flag: Int32Array | null, maxMs: number): number {
  if (!flag || Atomics.load(flag, 0) === 0) return 0;
  const t0 = performance.now();
  for (;;) {
    const left = maxMs - (performance.now() - t0);
    if (left <= 0 || Atomics.load(flag, 0) === 0) break;
    Atomics.wait(flag, 0, 1, left);
  }
  return performance.now() - t0;
}
