/**
 * Your own data in the browser: a folder of PNGs through the folder input trains and the map shows the images;
 * bad files show a message and change nothing; URLs load from a local server (with CORS, as a real host would);
 * the 2-D toy sets draw their points and z/‖z‖ on the circle; the augmentation ablation fills its matrix.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { zipSync } from 'fflate';
import { fakePngHeader, makeIdx, makePng } from '../src/test/pngFixtures';
import { drawn, expect, hoverFirstPoint, test, tracePoints, waitForDone, workerStages } from './fixtures';

/** A shape drawn at 20×20: a disc (class "disc") or a bar (class "bar"), moved around by `k`. */
function shape(kind: 'disc' | 'bar', k: number): Uint8Array {
  const cx = 6 + (k % 8);
  const cy = 6 + ((k * 3) % 8);
  return makePng(20, 20, (x, y) => {
    const on = kind === 'disc' ? (x - cx) ** 2 + (y - cy) ** 2 < 16 : Math.abs(y - cy) < 2 && Math.abs(x - cx) < 6;
    const v = on ? 230 : 20;
    return [v, v, v, 255];
  });
}

function shapesFolder(): string {
  const root = mkdtempSync(join(tmpdir(), 'cp-upload-'));
  for (const kind of ['disc', 'bar'] as const) {
    mkdirSync(join(root, 'shapes', kind), { recursive: true });
    for (let k = 0; k < 30; k++) writeFileSync(join(root, 'shapes', kind, `${k}.png`), shape(kind, k));
  }
  writeFileSync(join(root, 'shapes', 'README.txt'), 'two classes of shapes');
  return join(root, 'shapes');
}

async function setField(page: Page, name: string, value: string): Promise<void> {
  await page.getByTestId(`config.${name}`).fill(value);
}

test('a folder of PNGs in class sub-folders trains, and the map shows the images', async ({ page }, testInfo) => {
  await page.goto('./#backend=wasm&batchSize=8&steps=4&evalEvery=2&width=4&warmupSteps=1');
  await page.getByTestId('data.source').locator('summary').click();
  await page.getByTestId('data.size').selectOption('16');
  await page.getByTestId('data.folder').setInputFiles(shapesFolder());
  const summary = page.getByTestId('data.summary');
  await expect(summary).toContainText('shapes: 60 images, 16×16×1, 2 classes (bar, disc)');
  await expect(summary).toContainText('skipped');
  await expect(page.getByTestId('config.dataset')).toHaveValue('custom');
  // The link says the data were your own; opened elsewhere it explains they stayed in this browser.
  expect(await page.evaluate(() => location.hash)).toContain('dataset=custom');
  await page.getByTestId('run.start').click();
  await waitForDone(page);
  // 60 images: 12 held out (a fifth), each drawn on the map.
  await expect.poll(async () => Number(await page.getByTestId('chart.tsne').getAttribute('data-points'))).toBe(12);
  const knn = (await tracePoints(page, 'chart.accuracy'))[1]!;
  expect(knn.length).toBe(3);
  for (const v of knn) expect(v).toBeGreaterThanOrEqual(0);
  await hoverFirstPoint(page, 'chart.tsne');
  const hover = page.getByTestId('map.hover');
  await expect(hover).toBeVisible();
  await expect(hover.locator('canvas')).toHaveJSProperty('width', 16);
  // The thumbnail holds a shape: bright and dark pixels.
  const spread = await hover.locator('canvas').evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let lo = 255;
    let hi = 0;
    for (let i = 0; i < d.length; i += 4) {
      lo = Math.min(lo, d[i]!);
      hi = Math.max(hi, d[i]!);
    }
    return hi - lo;
  });
  expect(spread).toBeGreaterThan(150);
  await page.screenshot({ path: testInfo.outputPath('own-data.png'), fullPage: true });
});

test('bad files show a message and leave the dataset and the loaded data as they were', async ({ page }) => {
  // ?test: the worker's start-up timeline, read at the end.
  await page.goto('./?test');
  await page.getByTestId('data.source').locator('summary').click();
  const dir = mkdtempSync(join(tmpdir(), 'cp-bad-'));
  const cases: [string, Uint8Array | string, string][] = [
    ['notes.txt', 'not an image at all', 'notes.txt is not an image, an IDX file or a CIFAR-10 batch'],
    ['huge.png', fakePngHeader(20000, 20000), '20,000 × 20,000'],
    ['empty.zip', zipSync({}), 'empty'],
    ['images-idx3-ubyte', makeIdx([3, 2, 2], new Uint8Array(12)).subarray(0, 20), 'truncated'],
  ];
  for (const [name, body, message] of cases) {
    writeFileSync(join(dir, name), body);
    await page.getByTestId('data.files').setInputFiles(join(dir, name));
    // Each file is refused from its first bytes: its message comes at once, even while the worker's start-up
    // warm-up step trains (that step once ran on the CPU backend, 50 s of a blocked worker, after a preview
    // queued during the backend's set-up switched back to CPU).
    await expect(page.getByTestId('data.error')).toContainText(message, { timeout: 15_000 });
    await expect(page.getByTestId('data.error')).toContainText('Nothing was changed');
    await expect(page.getByTestId('config.dataset')).toHaveValue('mnist');
    await expect(page.getByTestId('data.summary')).toHaveCount(0);
  }
  // The start-up warm-up step trained on the backend the start-up chose.
  const warmedOn = /^prepare: warm-up step trained on (\w+)$/;
  await expect.poll(async () => (await workerStages(page)).some((st) => warmedOn.test(st)), { timeout: 60_000 }).toBe(true);
  const stages = await workerStages(page);
  const chosen = stages.map((st) => /^prepare: backend ready: (\w+)$/.exec(st)?.[1]).find(Boolean);
  expect(chosen).toMatch(/^(webgpu|webgl|wasm|cpu)$/);
  expect(stages.map((st) => warmedOn.exec(st)?.[1]).find(Boolean)).toBe(chosen);
  // A run still starts on MNIST afterwards (the warm-up first: 2 steps with the default 10 warm-up steps is refused).
  await setField(page, 'warmupSteps', '1');
  await setField(page, 'steps', '2');
  await page.getByTestId('config.backend').selectOption('wasm');
  await setField(page, 'batchSize', '8');
  await page.getByTestId('run.start').click();
  await waitForDone(page);
  await expect(page.getByTestId('status')).toContainText('step 2 / 2');
});

test.describe('loading from URLs', () => {
  let server: Server;
  let base = '';
  test.beforeAll(async () => {
    const images = makeIdx([30, 6, 6], Uint8Array.from({ length: 30 * 36 }, (_, i) => (i * 37) % 256), true);
    const labels = makeIdx([30], Uint8Array.from({ length: 30 }, (_, i) => i % 3));
    const files: Record<string, Uint8Array> = { '/images.gz': images, '/labels.idx': labels, '/short-labels.idx': makeIdx([29], new Uint8Array(29)) };
    server = createServer((req, res) => {
      const body = files[req.url ?? ''];
      // A real host must allow other sites to read the file (CORS); the page's COEP needs nothing more for CORS fetches.
      res.setHeader('Access-Control-Allow-Origin', '*');
      if (!body) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length }).end(Buffer.from(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  test.afterAll(() => {
    server.close();
  });

  test('an IDX pair loads from URLs; a 404 and mismatched labels show messages and keep it', async ({ page }) => {
    await page.goto('./');
    await page.getByTestId('data.source').locator('summary').click();
    const url = page.getByTestId('data.url');
    await url.fill(`${base}/images.gz ${base}/labels.idx`);
    await page.getByTestId('data.urlLoad').click();
    await expect(page.getByTestId('data.summary')).toContainText('30 images, 6×6×1, 3 classes');
    await expect(page.getByTestId('config.dataset')).toHaveValue('custom');
    await url.fill(`${base}/missing.gz`);
    await page.getByTestId('data.urlLoad').click();
    await expect(page.getByTestId('data.error')).toContainText('HTTP 404');
    await url.fill(`${base}/images.gz ${base}/short-labels.idx`);
    await page.getByTestId('data.urlLoad').click();
    await expect(page.getByTestId('data.error')).toContainText('30 images but 29 labels');
    await expect(page.getByTestId('data.summary')).toContainText('30 images, 6×6×1, 3 classes');
    await expect(page.getByTestId('config.dataset')).toHaveValue('custom');
  });
});

test('a 2-D toy set trains an MLP and draws the points and z/‖z‖ on the circle', async ({ page }, testInfo) => {
  await page.goto('./#dataset=moons&backend=wasm&steps=60&evalEvery=30&batchSize=64');
  await expect(page.getByTestId('config.encoder')).toHaveValue('mlp');
  await expect(page.getByTestId('config.projDim')).toHaveValue('2');
  await expect(page.getByTestId('config.scaleJitter')).toBeVisible();
  await expect(page.getByTestId('config.cutoutProb')).toHaveCount(0);
  await page.getByTestId('run.start').click();
  await waitForDone(page);
  await expect.poll(async () => Number(await page.getByTestId('chart.input').getAttribute('data-points'))).toBe(400);
  // The circle outline (129 points) plus the 400 held-out points on it.
  await expect.poll(async () => Number(await page.getByTestId('chart.sphere').getAttribute('data-points'))).toBe(529);
  const traces = await (await drawn(page, 'chart.sphere')).evaluate((el) => (el as unknown as { data: { x: number[]; y: number[] }[] }).data.slice(1));
  for (const t of traces) for (let i = 0; i < t.x.length; i++) expect(Math.hypot(t.x[i]!, t.y[i]!)).toBeCloseTo(1, 4);
  await expect(page.getByTestId('chart.sphere')).toContainText('step 60');
  await page.screenshot({ path: testInfo.outputPath('moons.png'), fullPage: true });
});

test('the augmentation ablation fills its matrix run by run', async ({ page }) => {
  await page.goto('./#dataset=blobs&backend=wasm&batchSize=32');
  const panel = page.getByTestId('ablation');
  await panel.locator('summary').click();
  await page.getByTestId('ablation.steps').fill('3');
  await page.getByTestId('ablation.start').click();
  // Blobs: rotate, scale, jitter → 1 baseline + 3 alone + 3 pairs.
  await expect(panel).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(page.getByTestId('ablation.progress')).toContainText('7 / 7 runs');
  await expect(page.getByTestId('ablation.progress')).toContainText('no augmentation:');
  const z = await (await drawn(page, 'chart.ablation')).evaluate((el) => (el as unknown as { data: { z: (number | null)[][] }[] }).data[0]!.z);
  expect(z.length).toBe(3);
  z.forEach((row, i) =>
    row.forEach((v, j) => {
      if (j <= i) expect(v).toBeGreaterThan(0.2);
      else expect(v).toBeNull();
    }),
  );
  // Drawn, not only in the data: one label per filled cell (the chart once kept its first frame).
  await expect(page.getByTestId('chart.ablation').locator('.heatmap-label text')).toHaveCount(6);
});
