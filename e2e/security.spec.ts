/**
 * Security and privacy: the page runs under a Content Security Policy that forbids eval and remote scripts (and
 * a full session breaks none of it); no request leaves the page, and your own files are never sent anywhere; a
 * hostile link is refused value by value, nothing from it runs or becomes HTML.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page, Request } from '@playwright/test';
import { makePng } from '../src/test/pngFixtures';
import { expect, test, waitForDone } from './fixtures';

const ORIGIN = 'http://127.0.0.1:4173';
const TINY = '#dataset=digits&backend=wasm&steps=8&evalEvery=4&batchSize=16&probes=false';

/** Records every CSP violation the document reports (workers log theirs to the console, which the fixture watches). */
async function recordViolations(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __violations: string[] }).__violations = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
}

/** A policy's directives and their sources. */
function directives(policy: string): Record<string, string[]> {
  return Object.fromEntries(
    policy
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

const violations = (page: Page) => page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);

/** Opens the collapsible panels that are closed (history, sweep, similarity, ablation, your own data). */
async function openPanels(page: Page): Promise<void> {
  for (const id of ['runs', 'sweep', 'similarity', 'ablation', 'data.source']) {
    const d = page.getByTestId(id);
    await expect(d).toBeAttached();
    if (!(await d.evaluate((el) => (el as HTMLDetailsElement).open))) await d.locator('summary').first().click();
  }
}

/** A tiny run to the end, its map, an on-demand evaluation and the similarity view. */
async function tinyRun(page: Page): Promise<void> {
  await page.getByTestId('run.start').click();
  await waitForDone(page);
  await expect.poll(async () => Number(await page.getByTestId('chart.tsne').getAttribute('data-points')), { timeout: 60_000 }).toBeGreaterThan(0);
  await page.getByTestId('run.evaluate').click();
  await expect(page.getByTestId('run.evalNote')).toContainText(/evaluated at step 8/);
  await page.getByTestId('similarity.refresh').click();
  await expect.poll(async () => Number(await page.getByTestId('similarity').getAttribute('data-n'))).toBeGreaterThan(0);
}

/** A folder of 40 small PNGs in two class folders. */
function imagesFolder(): string {
  const root = join(mkdtempSync(join(tmpdir(), 'cp-private-')), 'private');
  for (const cls of ['a', 'b']) {
    mkdirSync(join(root, cls), { recursive: true });
    for (let k = 0; k < 20; k++) writeFileSync(join(root, cls, `${k}.png`), makePng(12, 12, (x, y) => (cls === 'a' ? (x + k) % 4 < 2 : (y + k) % 4 < 2) ? [230, 230, 230, 255] : [20, 20, 20, 255]));
  }
  return root;
}

interface Logged {
  url: string;
  method: string;
  body: boolean;
  afterLoad: boolean;
}

/** Logs every request of the context (the page and its workers), and aborts any that would leave the app's origin. */
async function logRequests(context: BrowserContext, log: Logged[], loaded: () => boolean): Promise<string[]> {
  const leaving: string[] = [];
  const onRequest = (r: Request) => log.push({ url: r.url(), method: r.method(), body: !!r.postDataBuffer()?.length, afterLoad: loaded() });
  context.on('request', onRequest);
  await context.route(
    (url) => url.origin !== ORIGIN,
    (route) => {
      leaving.push(route.request().url());
      return route.abort();
    },
  );
  return leaving;
}

test('the page runs under a Content Security Policy that forbids eval and remote scripts, in the page and its workers', async ({ page, consoleErrors }) => {
  await recordViolations(page);
  const response = await page.goto(`./${TINY}`);
  const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  const policy = directives(meta!);
  // Scripts: the app's own files only, no eval, no inline script; WASM may compile. Nothing else by default.
  expect(policy['script-src']).toEqual(["'self'", "'wasm-unsafe-eval'"]);
  expect(policy['default-src']).toEqual(["'self'"]);
  expect(policy['object-src']).toEqual(["'none'"]);
  expect(policy['base-uri']).toEqual(["'none'"]);
  expect(policy['worker-src']).toEqual(["'self'", 'blob:']);
  expect(response!.headers()['content-security-policy']).toContain(meta!);
  expect(response!.headers()['content-security-policy']).toContain("frame-ancestors 'none'");

  // eval and new Function are refused. (Code that Playwright evaluates is exempt from the policy, so the probe is a
  // same-origin script file, which the policy lets in, as it would the app's own.)
  await page.route(`${ORIGIN}/csp-probe.js`, (route) =>
    route.fulfill({
      contentType: 'text/javascript',
      body: `const out = [];
        for (const f of [() => eval('1'), () => new Function('return 2')()]) {
          try { out.push(String(f())); } catch (e) { out.push(e.name); }
        }
        window.__probe = out;`,
    }),
  );
  await page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const s = document.createElement('script');
        s.src = './csp-probe.js';
        s.onload = () => resolve();
        s.onerror = () => reject(new Error('the probe did not load'));
        document.head.append(s);
      }),
  );
  expect(await page.evaluate(() => (window as unknown as { __probe: string[] }).__probe)).toEqual(['EvalError', 'EvalError']);
  // Reported too (once per policy: the meta and the header).
  await expect.poll(async () => (await violations(page)).filter((v) => v === 'script-src eval').length).toBeGreaterThanOrEqual(2);
  const failed: string[] = [];
  page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));
  const remote = await page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        const s = document.createElement('script');
        s.src = 'https://example.invalid/x.js';
        s.onload = () => resolve('loaded');
        s.onerror = () => resolve('blocked');
        document.head.append(s);
      }),
  );
  expect(remote).toBe('blocked');
  // Stopped by the policy before the network.
  await expect.poll(() => failed).toEqual(['https://example.invalid/x.js csp']);
  await expect.poll(async () => (await violations(page)).some((v) => v.startsWith('script-src-elem https://example.invalid'))).toBe(true);

  // The workers take their policy from their own scripts' response headers: the same, no eval (blob: scripts
  // only for the WASM backend's pthreads); and WASM still compiles there (the run trained on it).
  await page.getByTestId('run.start').click();
  await waitForDone(page);
  await expect(page.getByTestId('status.backend')).toHaveAttribute('data-backend', 'wasm');
  await expect.poll(() => page.workers().filter((w) => w.url().startsWith(ORIGIN)).length).toBeGreaterThanOrEqual(2);
  for (const w of page.workers().filter((w) => w.url().startsWith(ORIGIN))) {
    const header = (await page.request.get(w.url())).headers()['content-security-policy'];
    expect(header, w.url()).toBeTruthy();
    const worker = directives(header!);
    expect(worker['script-src'], w.url()).toEqual(["'self'", 'blob:', "'wasm-unsafe-eval'"]);
    expect(worker['default-src'], w.url()).toEqual(["'self'"]);
    expect(worker['connect-src'], w.url()).toEqual(policy['connect-src']);
  }
  // The blocked remote script is the only thing the console complained about (once per policy).
  const blocked = consoleErrors.filter((m) => m.startsWith("Loading the script 'https://example.invalid/x.js' violates"));
  expect(blocked.length).toBeGreaterThanOrEqual(1);
  consoleErrors.splice(0, consoleErrors.length, ...consoleErrors.filter((m) => !blocked.includes(m)));
});

test('a tiny run, the map, every panel and a sweep work under the policy, with no violation', async ({ page }) => {
  await recordViolations(page);
  const refused: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) refused.push(m.text());
  });
  await page.goto(`./${TINY}`);
  await openPanels(page);
  await tinyRun(page);
  // The sweep's charts include parcoords, drawn with WebGL (regl) in the strict, eval-free plotly bundle.
  await page.getByTestId('sweep.values0').fill('0.2, 0.5');
  await page.getByTestId('sweep.start').click();
  await expect(page.getByTestId('sweep.progress')).toHaveAttribute('data-status', 'done', { timeout: 180_000 });
  await expect(page.getByTestId('sweep.parcoords').locator('.parcoords')).toHaveCount(1);
  await expect(page.getByTestId('sweep.map')).toHaveCount(2);
  // A 3-D projection draws z/‖z‖ on the sphere (scatter3d, WebGL).
  await page.goto(`./#dataset=blobs&backend=wasm&steps=6&evalEvery=6&batchSize=32&projDim=3`);
  await page.getByTestId('run.start').click();
  await waitForDone(page);
  await expect.poll(async () => Number(await page.getByTestId('chart.sphere').getAttribute('data-points')), { timeout: 60_000 }).toBeGreaterThan(0);
  expect(await violations(page)).toEqual([]);
  expect(refused).toEqual([]);
});

test('no request leaves the page: a full session asks only the app itself, and your own files are never sent', async ({ page, context }, testInfo) => {
  const log: Logged[] = [];
  let loaded = false;
  const leaving = await logRequests(context, log, () => loaded);
  await page.goto(`./${TINY}`);
  await page.waitForLoadState('load');
  await expect(page.getByTestId('chart.loss')).toBeVisible();
  loaded = true;
  await openPanels(page);
  await tinyRun(page);
  // Your own images: read in the worker, never uploaded.
  await page.getByTestId('data.folder').setInputFiles(imagesFolder());
  await expect(page.getByTestId('data.summary')).toContainText('40 images');
  await page.getByTestId('run.start').click();
  await waitForDone(page);
  await page.getByTestId('share.open').click();

  const lines = log.map((r) => `${r.afterLoad ? 'after load' : 'load'}  ${r.method} ${r.url}`);
  await testInfo.attach('requests.txt', { body: lines.join('\n'), contentType: 'text/plain' });
  expect(leaving, 'requests that would have left the origin').toEqual([]);
  expect(log.length).toBeGreaterThan(0);
  for (const r of log) {
    expect(r.url.startsWith(`${ORIGIN}/`) || r.url.startsWith(`blob:${ORIGIN}/`), r.url).toBe(true);
    expect(r.method, r.url).toBe('GET');
    expect(r.body, r.url).toBe(false);
  }
  // After load: only the app's own files (code chunks, its WASM, the shipped datasets), nothing else.
  const after = log.filter((r) => r.afterLoad).map((r) => r.url.replace(ORIGIN, ''));
  for (const u of after) expect(u, u).toMatch(/^\/(assets\/[\w.-]+\.(js|wasm|css)|data\/[\w/.-]+)$|^blob:/);
  // The training worker fetched the dataset itself (requests of workers are in the log too), and its WASM.
  expect(log.some((r) => r.url.startsWith(`${ORIGIN}/data/digits/`))).toBe(true);
  expect(log.some((r) => /\/assets\/tfjs-backend-wasm[\w.-]*\.wasm$/.test(r.url))).toBe(true);
});

test('a hostile link: many bad keys, huge numbers, NaN, markup as key and value, 100 kB: refused value by value, nothing runs', async ({ page }) => {
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const markup = encodeURIComponent('<img src=x onerror=alert(1)>');
  const junk = Array.from({ length: 300 }, (_, i) => `k${i}=${i}`).join('&');
  const long = 'x'.repeat(100_000);
  const hash = [
    'lr=1e999',
    'temperature=-0',
    'batchSize=NaN',
    'width=Infinity',
    'steps=1e308',
    'seed=-0',
    `method=${markup}`,
    `${markup}=1`,
    `hide=${markup}`,
    'dataset=__proto__',
    '__proto__=1',
    'constructor=1',
    'projection=maybe',
    junk,
    `note=${long}`,
    `${long}=1`,
    'momentum=0.5',
  ].join('&');
  await page.goto(`./#${hash}`);
  const notices = page.getByTestId('notices');
  await expect(notices).toBeVisible();
  // Bounded: twelve lines at most, the last one counting the rest; long ids cut short.
  const items = notices.locator('li');
  await expect(items).toHaveCount(12);
  await expect(items.last()).toHaveText(/^and \d+ more problems in this link$/);
  const text = await notices.innerText();
  expect(text.length).toBeLessThan(3000);
  for (const said of [
    'learning rate must be a finite number (got "1e999")',
    'temperature τ must be greater than 0 (got 0)',
    'batch size must be a finite number (got "NaN")',
    'encoder width must be a finite number (got "Infinity")',
    'unknown method "<img src=x onerror=alert(1)>"',
    'unknown setting "<img src=x onerror=alert(1)>"',
  ]) {
    expect(text).toContain(said);
  }
  // The markup is text: no element was made from it, no handler ran, no dialog opened.
  await expect(page.locator('img')).toHaveCount(0);
  expect(await page.evaluate(() => document.body.innerHTML.includes('<img'))).toBe(false);
  expect(await page.evaluate(() => [...document.scripts].filter((s) => !s.src).length)).toBe(0);
  expect(await page.evaluate(() => Object.prototype.hasOwnProperty.call(Object.prototype, 'x') || ({} as Record<string, unknown>).constructor !== Object)).toBe(false);
  // What was valid applies; the rest are the defaults; the page still works (a short run).
  await expect(page.getByTestId('config.momentum')).toHaveValue('0.5');
  await expect(page.getByTestId('config.lr')).toHaveValue('0.003');
  await expect(page.getByTestId('config.temperature')).toHaveValue('0.5');
  await expect(page.getByTestId('config.seed')).toHaveValue('0');
  await expect(page.getByTestId('config.dataset')).toHaveValue('mnist');
  await page.waitForTimeout(500);
  expect(dialogs).toEqual([]);
});

test('your own data by URL: plain http to another computer is refused before any request is made', async ({ page, context }) => {
  const log: Logged[] = [];
  const leaving = await logRequests(context, log, () => true);
  await page.goto('./');
  await page.getByTestId('data.source').locator('summary').click();
  await page.getByTestId('data.url').fill('http://example.invalid/images.gz');
  await page.getByTestId('data.urlLoad').click();
  await expect(page.getByTestId('data.error')).toContainText('http://example.invalid/images.gz: plain http is allowed only from this computer (localhost); use an https URL');
  await expect(page.getByTestId('config.dataset')).toHaveValue('mnist');
  expect(leaving).toEqual([]);
  expect(log.filter((r) => r.url.includes('example.invalid'))).toEqual([]);
});
