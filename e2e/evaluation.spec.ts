/** Evaluation views: the batch similarity heatmap and its τ slider, after a short run. */
import { readFileSync } from 'node:fs';
import { CLASS_COLORS } from '../src/shared/palette';
import { canvasMarkers, canvasXRange, drawn, expect, hoverFirstPoint, test, waitForDone, zoomBox } from './fixtures';

test('the similarity heatmap appears for a batch and the τ slider re-weights it', async ({ page }) => {
  await page.goto('./#dataset=digits&backend=wasm&steps=20&evalEvery=0&batchSize=32');
  const panel = page.getByTestId('similarity');
  await panel.locator('summary').click();
  await page.getByTestId('similarity.refresh').click();
  await expect(panel).toContainText('Start a run first');
  await page.getByTestId('run.start').click();
  await waitForDone(page);
  await page.getByTestId('similarity.refresh').click();
  await expect(panel).toHaveAttribute('data-n', '32');
  await expect(page.getByTestId('similarity.tau')).toHaveText('0.50');
  // The heatmap's plotly build (the cartesian one: the live charts use the basic build) loads on first use.
  const heat = await drawn(page, 'chart.similarity', 30_000);
  const rowSums = () =>
    heat.evaluate((el) => (el as unknown as { data: { z: (number | null)[][] }[] }).data[0]!.z.map((r) => r.reduce<number>((a, v) => a + (v ?? 0), 0)));
  await expect.poll(async () => (await rowSums()).length).toBe(64);
  for (const s of await rowSums()) expect(s).toBeCloseTo(1, 4);
  const weight = async () => Number((await page.getByTestId('similarity.posWeight').innerText()).match(/positive: ([\d.]+)/)![1]);
  const atHalf = await weight();
  // A lower τ sharpens every row: the largest weight in each row grows.
  const rowMax = () => heat.evaluate((el) => (el as unknown as { data: { z: (number | null)[][] }[] }).data[0]!.z.map((r) => Math.max(...r.map((v) => v ?? 0))));
  const maxBefore = await rowMax();
  await page.getByTestId('similarity.slider').fill('-1.7');
  await expect(page.getByTestId('similarity.tau')).toHaveText('0.020');
  await expect.poll(async () => (await rowMax()).reduce((a, b) => a + b) / 64).toBeGreaterThan(maxBefore.reduce((a, b) => a + b) / 64);
  expect(await weight()).not.toBe(atHalf);
  // Positive and negative histograms.
  await expect.poll(async () => Number(await page.getByTestId('chart.simHist').getAttribute('data-points'))).toBe(64 * 63);
});

test('clicking a point on the map opens its nearest neighbours; clicking one follows it', async ({ page }) => {
  await page.goto('./#dataset=digits&backend=wasm&steps=20&evalEvery=20&batchSize=32&probes=false');
  await page.getByTestId('run.start').click();
  await waitForDone(page);
  await expect(page.getByTestId('chart.tsne')).toContainText('step 20');
  const at = await hoverFirstPoint(page, 'chart.tsne');
  await expect(page.getByTestId('map.hover')).toBeVisible();
  // The point under the mouse is the one hovered: its class is its trace's (canvas markers know their trace).
  const first = (await canvasMarkers(page, 'chart.tsne'))[0]!;
  const traceName = await page.getByTestId('chart.tsne').evaluate((el, c) => (el as unknown as { data: { name: string }[] }).data[c]!.name, first.curve);
  await expect(page.getByTestId('map.hover')).toHaveText(new RegExp(`^#\\d+ · class ${traceName}$`));
  // Here the first click after hovering does not always reach plotly_click (seen in headless Chromium): retry.
  await expect(async () => {
    await page.mouse.click(at.x, at.y, { delay: 50 });
    await expect(page.getByTestId('gallery.item')).toHaveCount(8, { timeout: 2000 });
  }).toPass({ timeout: 30_000 });
  const gallery = page.getByTestId('gallery');
  const query = await gallery.getAttribute('data-query');
  await page.getByTestId('gallery.item').first().click();
  await expect(gallery).not.toHaveAttribute('data-query', query!);
  await expect(page.getByTestId('gallery.item').first().locator('canvas')).toHaveJSProperty('width', 8);
  // The mode bar's PNG is plotly's image of the axes with the canvas points painted on it.
  const map = page.getByTestId('chart.tsne');
  const points = Number(await map.getAttribute('data-points'));
  expect(points).toBeGreaterThan(300);
  await map.hover();
  const [png] = await Promise.all([page.waitForEvent('download'), map.locator('.modebar-btn[data-title="Download plot as a PNG"]').click()]);
  expect(png.suggestedFilename()).toBe('tsne.png');
  const coloured = await page.evaluate(
    async ({ b64, colours }) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.naturalWidth;
      c.height = img.naturalHeight;
      const ctx = c.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const px = ctx.getImageData(0, 0, c.width, c.height).data;
      const rgb = colours.map((h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)));
      let n = 0;
      for (let i = 0; i < px.length; i += 4) if (rgb.some(([r, g, b]) => Math.abs(px[i]! - r!) + Math.abs(px[i + 1]! - g!) + Math.abs(px[i + 2]! - b!) < 12)) n++;
      return { n, w: c.width, h: c.height };
    },
    { b64: readFileSync((await png.path())!).toString('base64'), colours: CLASS_COLORS },
  );
  expect(coloured.w).toBe(2 * (await map.evaluate((el) => el.clientWidth)));
  expect(coloured.n).toBeGreaterThan(300 * 20); // every point a dot of 10 px across at scale 2 (overlaps aside)
  // A zoom box zooms the points with the axes; a double click goes back to all of them.
  const full = await canvasXRange(map);
  const box = await zoomBox(page, map, [0.3, 0.3], [0.6, 0.6]);
  const zoomed = (await canvasMarkers(page, 'chart.tsne')).filter((p) => p.x >= box.x && p.x <= box.x + box.width && p.y >= box.y && p.y <= box.y + box.height);
  expect(zoomed.length).toBeLessThan(points); // only the points in the box are in view
  await page.mouse.dblclick(box.x + box.width / 2, box.y + box.height / 2);
  await expect.poll(() => canvasXRange(map)).toEqual(full);
  // The map's view switches: PCA and UMAP of the same embeddings, every held-out point drawn.
  for (const [method, name] of [['pca', 'PCA'], ['umap', 'UMAP'], ['tsne', 't-SNE']] as const) {
    await page.getByTestId('map.method').selectOption(method);
    await expect(map).toContainText(`${name} of held-out h, step 20`);
    await expect.poll(async () => Number(await map.getAttribute('data-points'))).toBe(points);
  }
});


test('"Evaluate now" evaluates a training run at its current step, and a paused one at once', async ({ page }) => {
  // Evaluations every 1,000 steps: only the button brings one in between.
  await page.goto('./#dataset=digits&backend=wasm&steps=2000&evalEvery=1000&batchSize=16&probes=false');
  await expect(page.getByTestId('run.evaluate')).toBeDisabled();
  await page.getByTestId('run.start').click();
  await expect(page.getByTestId('chart.tsne')).toContainText('step 0');
  await expect.poll(async () => Number(await page.getByTestId('chart.loss').getAttribute('data-points')), { timeout: 60_000 }).toBeGreaterThan(5);
  await page.getByTestId('run.evaluate').click();
  const note = page.getByTestId('run.evalNote');
  await expect(note).toHaveText(/^evaluated at step \d+$/);
  const step = Number((await note.innerText()).match(/\d+/)![0]);
  expect(step).toBeGreaterThan(0);
  await expect(page.getByTestId('chart.tsne')).toContainText(`step ${step}`);
  // The accuracy chart's kNN trace (the second) has the evaluations at step 0 and at the button's step.
  await expect.poll(async () => page.getByTestId('chart.accuracy').evaluate((el) => Array.from((el as unknown as { data: { x: number[] }[] }).data[1]!.x))).toEqual([0, step]);
  // Paused: the model as it stands now is evaluated straight away; asking again at the same step does nothing new.
  await page.getByTestId('run.pause').click();
  await expect(page.getByTestId('status.run')).toHaveAttribute('data-status', 'paused');
  await page.getByTestId('run.evaluate').click();
  await expect(note).toHaveText(/^evaluated at step \d+$/);
  const paused = Number((await note.innerText()).match(/\d+/)![0]);
  expect(paused).toBeGreaterThan(step);
  await expect(page.getByTestId('chart.tsne')).toContainText(`step ${paused}`);
  await page.getByTestId('run.evaluate').click();
  await expect(note).toHaveText(`already evaluated at step ${paused}`);
  await page.getByTestId('run.stop').click();
  await expect(page.getByTestId('status.run')).toHaveAttribute('data-status', 'stopped');
});

test('the map runs t-SNE on WebGPU when asked (the software adapter here): a layout that keeps the classes apart', async ({ page }) => {
  // ?mapEngine=gpu forces the GPU path even on SwiftShader; 100 iterations keep it short on a software adapter.
  await page.goto('./?mapEngine=gpu#dataset=digits&backend=wasm&steps=30&evalEvery=30&batchSize=32&probes=false');
  await page.getByTestId('map.iterations').fill('100');
  await page.getByTestId('map.iterations').blur();
  await page.getByTestId('run.start').click();
  await waitForDone(page);
  await expect(page.getByTestId('chart.tsne')).toContainText('step 30', { timeout: 180_000 });
  await expect(page.getByTestId('map.ms')).toContainText('exact t-SNE on WebGPU');
  // Every held-out point is drawn, at finite coordinates.
  const xy = await (await drawn(page, 'chart.tsne')).evaluate((el) => (el as unknown as { data: { x: number[]; y: number[] }[] }).data.flatMap((d) => d.x.map((x, i) => [x, d.y[i]!])));
  expect(xy.length).toBe(Number(await page.getByTestId('chart.tsne').getAttribute('data-points')));
  expect(xy.length).toBeGreaterThan(300);
  for (const [x, y] of xy) expect(Number.isFinite(x) && Number.isFinite(y)).toBe(true);
  // Classes (one trace each) sit apart: points lie nearer their own class's centre than the map's centre.
  const spread = await (await drawn(page, 'chart.tsne')).evaluate((el) => {
    const data = (el as unknown as { data: { x: number[]; y: number[] }[] }).data;
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const all = { x: mean(data.flatMap((d) => d.x)), y: mean(data.flatMap((d) => d.y)) };
    let within = 0;
    let total = 0;
    for (const d of data) {
      const c = { x: mean(d.x), y: mean(d.y) };
      d.x.forEach((x, i) => {
        within += (x - c.x) ** 2 + (d.y[i]! - c.y) ** 2;
        total += (x - all.x) ** 2 + (d.y[i]! - all.y) ** 2;
      });
    }
    return within / total;
  });
  expect(spread).toBeLessThan(0.6);
});
