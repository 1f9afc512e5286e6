import { canvasMarkers, expect, runStatus, test, tracePoints } from './fixtures';

test('the app loads with its default config and no console errors', async ({ page }) => {
  await page.goto('./');
  await expect(page.getByRole('heading', { name: 'Contrastive Playground' })).toBeVisible();
  await expect(page.getByTestId('config.temperature')).toHaveValue('0.5');
  await expect(runStatus(page)).toHaveAttribute('data-status', 'idle');
  await expect(page.getByTestId('chart.loss')).toBeVisible();
});

test('a URL with a config restores it in the panel, and bad values are reported and ignored', async ({ page }) => {
  await page.goto('./#temperature=0.2&batchSize=32&optimizer=sgd&projection=false&lr=-1&%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E=1');
  await expect(page.getByTestId('config.temperature')).toHaveValue('0.2');
  await expect(page.getByTestId('config.batchSize')).toHaveValue('32');
  await expect(page.getByTestId('config.optimizer')).toHaveValue('sgd');
  await expect(page.getByTestId('config.projection')).not.toBeChecked();
  await expect(page.getByTestId('config.lr')).toHaveValue('0.003');
  const notices = page.getByTestId('notices');
  await expect(notices).toContainText('learning rate must be greater than 0');
  // Hostile text is shown as text, never parsed as HTML.
  await expect(notices).toContainText('unknown setting "<img src=x onerror=alert(1)>"');
  await expect(notices.locator('img')).toHaveCount(0);
  // Editing a field writes the hash back.
  await page.getByTestId('config.steps').fill('77');
  await expect.poll(() => page.evaluate(() => location.hash)).toContain('steps=77');
  // A bad edit shows a message and keeps the last good value in the config.
  await page.getByTestId('config.temperature').fill('-3');
  await expect(page.getByTestId('config.temperature.error')).toContainText('greater than 0');
  expect(await page.evaluate(() => location.hash)).toContain('temperature=0.2');
});

test('WASM: the loss falls, kNN accuracy rises above its step-0 value, the map renders, pause and resume work', async ({ page }, testInfo) => {
  await page.goto('./#backend=wasm&batchSize=64&steps=120&evalEvery=40&warmupSteps=5&lr=0.003');
  await page.getByTestId('run.start').click();
  await expect(page.getByTestId('status.backend')).toHaveAttribute('data-backend', 'wasm');
  await expect(runStatus(page)).toHaveAttribute('data-status', 'training');

  // Pause: steps stop; Resume: they continue.
  await expect.poll(async () => (await tracePoints(page, 'chart.loss', { live: true }))[0]?.length ?? 0).toBeGreaterThan(5);
  await page.getByTestId('run.pause').click();
  await expect(runStatus(page)).toHaveAttribute('data-status', 'paused');
  const atPause = (await tracePoints(page, 'chart.loss'))[0]!.length;
  await page.waitForTimeout(1500);
  expect((await tracePoints(page, 'chart.loss'))[0]!.length).toBe(atPause);
  await page.getByTestId('run.resume').click();
  await expect(runStatus(page)).toHaveAttribute('data-status', 'training');
  await expect.poll(async () => (await tracePoints(page, 'chart.loss', { live: true }))[0]!.length).toBeGreaterThan(atPause);

  await expect(runStatus(page)).toHaveAttribute('data-status', 'done', { timeout: 180_000 });
  const [raw, smooth] = await tracePoints(page, 'chart.loss');
  expect(raw!.length).toBe(120);
  const head = smooth!.slice(0, 10).reduce((a, b) => a + b, 0) / 10;
  const tail = smooth!.slice(-10).reduce((a, b) => a + b, 0) / 10;
  expect(tail).toBeLessThan(head - 0.1);
  const knn = (await tracePoints(page, 'chart.accuracy'))[1]!;
  expect(knn.length).toBe(4); // steps 0, 40, 80, 120
  expect(knn[knn.length - 1]!).toBeGreaterThan(knn[0]!);
  // Linear probes on h and z and the few-shot probes, one point per evaluation, as accuracies.
  const [, , knnZ, probeH, probeZ, probe10, probe1] = await tracePoints(page, 'chart.accuracy');
  for (const series of [knnZ, probeH, probeZ, probe10, probe1]) {
    expect(series!.length).toBe(4);
    for (const v of series!) expect(v).toBeGreaterThan(0.1);
  }
  // Each evaluation is a point in the alignment–uniformity plane.
  await expect.poll(async () => Number(await page.getByTestId('chart.alignUniform').getAttribute('data-points'))).toBe(4);

  // The collapse meter: a std point per step, an effective rank per evaluation, and a verdict that reads them.
  const [zStd, , effRank] = await tracePoints(page, 'chart.collapse');
  expect(zStd!.length).toBe(120);
  expect(effRank!.length).toBe(4);
  const verdict = page.getByTestId('collapse.verdict');
  await expect(verdict).toHaveAttribute('data-level', /^(healthy|partial|collapsed)$/);
  if ((await verdict.getAttribute('data-level')) !== 'collapsed') await expect(verdict).toContainText(`${effRank!.at(-1)!.toFixed(1)} of 32`);

  await expect.poll(async () => Number(await page.getByTestId('chart.tsne').getAttribute('data-points'))).toBe(1000);
  await expect(page.getByTestId('chart.tsne')).toContainText('step 120');
  // The points are drawn where the layout puts them, spread over the plot (not left at their placeholders).
  const spread = await canvasMarkers(page, 'chart.tsne').then((pts) => {
    const xs = pts.map((p) => p.x);
    const ys = pts.map((p) => p.y);
    return { n: pts.length, distinct: new Set(pts.map((p) => `${Math.round(p.x)},${Math.round(p.y)}`)).size, w: Math.max(...xs) - Math.min(...xs), h: Math.max(...ys) - Math.min(...ys) };
  });
  expect(spread.n).toBe(1000);
  expect(spread.distinct).toBeGreaterThan(300);
  expect(Math.min(spread.w, spread.h)).toBeGreaterThan(100);
  // And painted: the canvas over the plot area holds the class colours.
  const painted = await page.getByTestId('chart.tsne').locator('canvas.plot-markers').evaluate((c) => {
    const px = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data;
    let n = 0;
    for (let i = 3; i < px.length; i += 4) if (px[i]! > 0) n++;
    return n;
  });
  expect(painted).toBeGreaterThan(1000 * 5); // 1,000 dots of 5 px (overlaps aside)
  await page.screenshot({ path: testInfo.outputPath('trained.png'), fullPage: true });
});

test('WebGPU (software adapter): a tiny seeded run trains and the loss chart gets points', async ({ page }) => {
  const hasAdapter = await page.goto('./').then(() => page.evaluate(async () => !!(await (navigator as Navigator & { gpu?: GPU }).gpu?.requestAdapter())));
  test.skip(!hasAdapter, 'this browser gives no WebGPU adapter');
  // Probes off: 600 Adam steps of linear probes take minutes on the software adapter.
  // The 8×8 digits: the evaluations (kNN bank and held-out set) are a fifth of MNIST's work on the software adapter.
  await page.goto('./#backend=webgpu&dataset=digits&batchSize=8&steps=3&evalEvery=3&width=4&warmupSteps=1&seed=7&probes=false');
  await page.getByTestId('run.start').click();
  await expect(page.getByTestId('status.backend')).toHaveAttribute('data-backend', 'webgpu', { timeout: 120_000 });
  // The run's status, with the error's text when it failed (an intermittent failure must say why).
  const outcome = async () => {
    const s = await runStatus(page).getAttribute('data-status');
    return s === 'error' ? `error: ${await page.getByTestId('status.error').innerText()}` : s;
  };
  await expect.poll(outcome, { timeout: 200_000 }).toMatch(/^(done|error: .*)$/s);
  expect(await outcome()).toBe('done');
  const [raw] = await tracePoints(page, 'chart.loss');
  expect(raw!.length).toBe(3);
  for (const v of raw!) expect(Number.isFinite(v)).toBe(true);
});
