/**
 * `npm run bench:heap`: JS heap growth of the app over a long run with every live view. Builds the app, serves it
 * (vite preview on a free port), opens it in headless Chromium with
 * `#backend=wasm&steps=1000000&evalEvery=25&dataset=digits`, opens the similarity panel (a fresh batch every
 * minute) and keeps the map on t-SNE, starts, and every minute records, after a forced garbage collection:
 * the page's JS heap (CDP Performance.getMetrics JSHeapUsedSize), the training worker's (CDP
 * Runtime.getHeapUsage on the worker target), and the worker's tf.memory() (numTensors, numBytes) and WASM
 * heap size. Prints minute → figures, and the growth from minute 1 to the end. Then clicks Reset and reports
 * numTensors, numBytes and the WASM heap before and after ("memory released when a run is reset").
 * --snapshots also takes a heap snapshot of the page at minute 1 and at the end (after GC) and prints what grew
 * most between them, by constructor (V8's heap-snapshot node names), to find where a growth comes from.
 *   npm run bench:heap -- [--minutes 30] [--snapshots]
 */
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { CDPSession, Page, Worker } from '@playwright/test';
import { build } from 'vite';
import { closeAll, launchChromium, runMain, serve } from './harness';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const MINUTES = Number(arg('--minutes') ?? 30);
if (!Number.isFinite(MINUTES) || MINUTES < 1) {
  console.error('bench:heap: --minutes must be a number ≥ 1');
  process.exit(2);
}
const SNAPSHOTS = process.argv.includes('--snapshots');
const HASH = '#backend=wasm&steps=1000000&evalEvery=25&dataset=digits';
const MB = 2 ** 20;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** What the worker's tfjs engine says: tfjs keeps its engine on the global object (`_tfengine`), so no hook is needed. */
interface TfMemory {
  numTensors: number;
  numBytes: number;
  wasmHeap: number | null;
  backend: string | null;
}
function tfMemory(worker: Worker): Promise<TfMemory> {
  return worker.evaluate(() => {
    const e = (self as unknown as { _tfengine?: { memory(): { numTensors: number; numBytes: number }; backendName: string | null; registry: Record<string, { wasm?: { HEAPU8?: Uint8Array } }> } })._tfengine;
    if (!e) return { numTensors: -1, numBytes: -1, wasmHeap: null, backend: null };
    const m = e.memory();
    const heap = e.registry['wasm']?.wasm?.HEAPU8;
    return { numTensors: m.numTensors, numBytes: m.numBytes, wasmHeap: heap ? heap.length : null, backend: e.backendName };
  });
}

/**
 * A CDP channel to the training worker: the page's CDP session auto-attaches to its workers without flattening,
 * and commands go through Target.sendMessageToTarget (Playwright's CDPSession speaks to one session only).
 */
class WorkerCdp {
  private sessionId: string | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  constructor(private readonly cdp: CDPSession) {
    cdp.on('Target.attachedToTarget', (e: { sessionId: string; targetInfo: { type: string; url: string } }) => {
      if (e.targetInfo.type === 'worker' && /train\.worker/.test(e.targetInfo.url)) this.sessionId = e.sessionId;
    });
    cdp.on('Target.detachedFromTarget', (e: { sessionId: string }) => {
      if (e.sessionId === this.sessionId) this.sessionId = null;
    });
    cdp.on('Target.receivedMessageFromTarget', (e: { sessionId: string; message: string }) => {
      const msg = JSON.parse(e.message) as { id?: number; result?: unknown; error?: { message: string } };
      const w = msg.id !== undefined ? this.waiting.get(msg.id) : undefined;
      if (!w) return;
      this.waiting.delete(msg.id!);
      if (msg.error) w.reject(new Error(msg.error.message));
      else w.resolve(msg.result);
    });
  }
  async start(): Promise<void> {
    await this.cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  }
  get attached(): boolean {
    return this.sessionId !== null;
  }
  send<T>(method: string, params: object = {}): Promise<T> {
    if (!this.sessionId) return Promise.reject(new Error('no worker session'));
    const id = this.nextId++;
    const p = new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      setTimeout(() => {
        if (this.waiting.delete(id)) reject(new Error(`${method}: no answer in 30 s`));
      }, 30_000);
    });
    this.cdp.send('Target.sendMessageToTarget', { sessionId: this.sessionId, message: JSON.stringify({ id, method, params }) }).catch((e: Error) => {
      const w = this.waiting.get(id);
      this.waiting.delete(id);
      w?.reject(e);
    });
    return p;
  }
  /** The worker's used JS heap in bytes after a GC, or null when the worker is not reachable. */
  async heapUsed(): Promise<number | null> {
    if (!this.sessionId) return null;
    try {
      await this.send('HeapProfiler.collectGarbage');
      const r = await this.send<{ usedSize: number; totalSize: number }>('Runtime.getHeapUsage');
      return r.usedSize;
    } catch (e) {
      console.log(`  worker heap not read: ${(e as Error).message}`);
      return null;
    }
  }
}

/** A heap snapshot of the page after a GC, summed by node type and name: "type name" → [count, self bytes]. */
async function heapSummary(cdp: CDPSession): Promise<Map<string, [number, number]>> {
  await cdp.send('HeapProfiler.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  const chunks: string[] = [];
  const onChunk = (e: { chunk: string }) => void chunks.push(e.chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  const snap = JSON.parse(chunks.join('')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
    nodes: number[];
    strings: string[];
  };
  const f = snap.snapshot.meta.node_fields;
  const [iType, iName, iSize] = [f.indexOf('type'), f.indexOf('name'), f.indexOf('self_size')];
  const types = snap.snapshot.meta.node_types[0];
  const out = new Map<string, [number, number]>();
  for (let i = 0; i < snap.nodes.length; i += f.length) {
    const type = types[snap.nodes[i + iType]!]!;
    // Objects by constructor; strings by their shape (digits as 9, first 24 characters); code by type alone.
    const raw = snap.strings[snap.nodes[i + iName]!]!;
    const name =
      type === 'object' || type === 'closure' || type === 'native'
        ? raw.slice(0, 60)
        : type === 'string' || type === 'concatenated string' || type === 'sliced string'
          ? JSON.stringify(raw.slice(0, 24).replace(/[0-9]/g, '9'))
          : '';
    const key = `${type} ${name}`.trim();
    const cur = out.get(key) ?? [0, 0];
    cur[0]++;
    cur[1] += snap.nodes[i + iSize]!;
    out.set(key, cur);
  }
  return out;
}

function printGrowth(a: Map<string, [number, number]>, b: Map<string, [number, number]>, label: string): void {
  const rows = [...new Set([...a.keys(), ...b.keys()])].map((k) => {
    const [ca, sa] = a.get(k) ?? [0, 0];
    const [cb, sb] = b.get(k) ?? [0, 0];
    return { k, dCount: cb - ca, dSize: sb - sa, size: sb };
  });
  rows.sort((x, y) => y.dSize - x.dSize);
  const total = rows.reduce((t, r) => t + r.dSize, 0);
  console.log(`\n== page heap snapshot growth, ${label} (self sizes, total ${signedMb(total)}) ==`);
  console.log('     Δ bytes   Δ count     now bytes   type and constructor');
  for (const r of rows.slice(0, 30)) console.log(`${String(r.dSize).padStart(12)}  ${String(r.dCount).padStart(8)}  ${String(r.size).padStart(12)}   ${r.k}`);
}

async function pageHeap(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? Number.NaN;
}

async function steps(page: Page): Promise<number> {
  const t = await page.getByTestId('status.step').innerText();
  return Number(t.match(/step (\d+)/)?.[1] ?? Number.NaN);
}

interface Row {
  minute: number;
  pageHeap: number;
  workerHeap: number | null;
  mem: TfMemory | null;
  steps: number;
  mapPoints: number;
}

const fmtMb = (b: number | null | undefined) => (b === null || b === undefined || !Number.isFinite(b) ? 'n/a' : (b / MB).toFixed(2));
const signedMb = (b: number) => `${b >= 0 ? '+' : ''}${(b / MB).toFixed(2)} MB`;

async function main(): Promise<void> {
  const t0 = performance.now();
  console.log('Building the app…');
  const outDir = `${ROOT}bench/out/dist-heap`;
  await build({ root: ROOT, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const port = await freePort();
  const server = await serve(outDir, port);
  const browser = await launchChromium(['--disable-background-networking', '--disable-component-update']);
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    let trainWorker: Worker | null = null;
    page.on('worker', (w) => {
      if (/train\.worker/.test(w.url())) trainWorker = w;
    });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const wcdp = new WorkerCdp(cdp);
    await wcdp.start();

    await page.goto(`http://127.0.0.1:${port}/${HASH}`);
    // Live views: the similarity panel open (refreshed each minute), the map on t-SNE, the view pairs open.
    await page.getByTestId('map.method').selectOption('tsne');
    const similarity = page.getByTestId('similarity');
    await similarity.locator('summary').click();
    console.log(`Training ${MINUTES} min: ${HASH}; a sample each minute after a forced GC…`);
    await page.getByTestId('run.start').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="status.run"]')?.getAttribute('data-status') === 'training', null, { timeout: 120_000 });
    for (let i = 0; i < 60 && !trainWorker; i++) await page.waitForTimeout(500);
    if (!wcdp.attached) console.log('  (the worker CDP session did not attach: worker heap n/a)');

    const rows: Row[] = [];
    let snapFirst: Map<string, [number, number]> | null = null;
    let snapLast: Map<string, [number, number]> | null = null;
    const record = async (minute: number) => {
      await page
        .getByTestId('similarity.refresh')
        .click({ timeout: 10_000 })
        .catch(() => undefined);
      const row: Row = {
        minute,
        pageHeap: await pageHeap(cdp),
        workerHeap: await wcdp.heapUsed(),
        mem: trainWorker ? await tfMemory(trainWorker).catch(() => null) : null,
        steps: await steps(page),
        mapPoints: await page
          .getByTestId('chart.tsne')
          .evaluate((el) => ((el as unknown as { data?: { x?: ArrayLike<number> }[] }).data ?? []).reduce((a, d) => a + (d.x?.length ?? 0), 0))
          .catch(() => 0),
      };
      rows.push(row);
      console.log(
        `  minute ${String(minute).padStart(3)}: page ${fmtMb(row.pageHeap)} MB, worker ${fmtMb(row.workerHeap)} MB, numTensors ${row.mem?.numTensors ?? 'n/a'}, ` +
          `numBytes ${row.mem?.numBytes ?? 'n/a'}, WASM heap ${fmtMb(row.mem?.wasmHeap)} MB, step ${row.steps}, map points ${row.mapPoints}`,
      );
    };
    const start = performance.now();
    for (let minute = 1; minute <= MINUTES; minute++) {
      const wait = start + minute * 60_000 - performance.now();
      if (wait > 0) await page.waitForTimeout(wait);
      await record(minute);
      if (SNAPSHOTS && minute === 1) snapFirst = await heapSummary(cdp);
    }
    if (SNAPSHOTS) snapLast = await heapSummary(cdp);

    const status = await page.getByTestId('status.run').getAttribute('data-status');
    const before = trainWorker ? await tfMemory(trainWorker) : null;
    const workerHeapBefore = await wcdp.heapUsed();
    await page.getByTestId('run.reset').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="status.run"]')?.getAttribute('data-status') === 'idle', null, { timeout: 60_000 });
    // Reset sends stop and release without waiting; give the worker a moment to finish its step.
    await page.waitForTimeout(3000);
    const after = trainWorker ? await tfMemory(trainWorker) : null;
    const workerHeapAfter = await wcdp.heapUsed();
    const pageAfter = await pageHeap(cdp);

    console.log(`\n== ${MINUTES} min of training, built app, WASM, digits 8×8, evaluation every 25 steps, t-SNE map, similarity panel (status at the end: ${status}) ==`);
    console.log('minute   page heap MB   worker heap MB   numTensors      numBytes   WASM heap MB     steps   map points');
    for (const r of rows) {
      console.log(
        `${String(r.minute).padStart(6)}   ${fmtMb(r.pageHeap).padStart(12)}   ${fmtMb(r.workerHeap).padStart(14)}   ${String(r.mem?.numTensors ?? 'n/a').padStart(10)}   ${String(r.mem?.numBytes ?? 'n/a').padStart(11)}   ${fmtMb(r.mem?.wasmHeap).padStart(12)}   ${String(r.steps).padStart(7)}   ${String(r.mapPoints).padStart(10)}`,
      );
    }
    const first = rows[0]!;
    const last = rows[rows.length - 1]!;
    if (rows.length > 1) {
      const stepsRun = last.steps - first.steps;
      console.log(`\ngrowth, minute ${first.minute} → ${last.minute} (${stepsRun} steps):`);
      console.log(`  page JS heap   ${signedMb(last.pageHeap - first.pageHeap)}${stepsRun > 0 ? ` (${(((last.pageHeap - first.pageHeap) / stepsRun) | 0)} bytes a step)` : ''}`);
      if (first.workerHeap !== null && last.workerHeap !== null) console.log(`  worker JS heap ${signedMb(last.workerHeap - first.workerHeap)}`);
      if (first.mem && last.mem) {
        console.log(`  numTensors     ${first.mem.numTensors} → ${last.mem.numTensors} (${last.mem.numTensors - first.mem.numTensors >= 0 ? '+' : ''}${last.mem.numTensors - first.mem.numTensors})`);
        console.log(`  numBytes       ${first.mem.numBytes} → ${last.mem.numBytes}`);
        if (first.mem.wasmHeap !== null && last.mem.wasmHeap !== null) console.log(`  WASM heap      ${signedMb(last.mem.wasmHeap - first.mem.wasmHeap)}`);
      }
    }
    if (snapFirst && snapLast) printGrowth(snapFirst, snapLast, `minute 1 → ${MINUTES}`);
    console.log('\nReset (run.reset):');
    console.log(`  numTensors ${before?.numTensors ?? 'n/a'} → ${after?.numTensors ?? 'n/a'}; tf.memory().numBytes ${before?.numBytes ?? 'n/a'} → ${after?.numBytes ?? 'n/a'}`);
    console.log(`  WASM linear memory ${fmtMb(before?.wasmHeap)} → ${fmtMb(after?.wasmHeap)} MB (a WebAssembly.Memory never shrinks; freed blocks return to its allocator)`);
    console.log(`  worker JS heap ${fmtMb(workerHeapBefore)} → ${fmtMb(workerHeapAfter)} MB; page JS heap → ${fmtMb(pageAfter)} MB`);
    if (errors.length) console.log(`\npage errors (${errors.length}):\n  ${errors.slice(0, 10).join('\n  ')}`);
    console.log(`\ntotal time: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  } finally {
    await closeAll(browser, server);
  }
}

runMain(main);
