import { METHODS } from '../src/shared/config';
import { expect, runStatus, test, tracePoints } from './fixtures';

test('the method panel shows each method’s knobs, marks SupCon as using labels, and warns when MoCo’s queue outgrows the data', async ({ page }) => {
  await page.goto('./');
  const method = page.getByTestId('config.method');
  await method.selectOption('moco');
  await expect(page.getByTestId('config.mocoQueue')).toBeVisible();
  await expect(page.getByTestId('config.temperature')).toHaveValue('0.2'); // MoCo v2's τ
  await expect(page.getByTestId('config.predictor')).toHaveCount(0);
  await expect(page.getByTestId('method.warning')).toHaveCount(0);
  await page.getByTestId('config.mocoQueue').fill('20000');
  await expect(page.getByTestId('method.warning')).toContainText('larger than the training set (9000 images)');
  await expect.poll(() => page.evaluate(() => location.hash)).toContain('method=moco');

  await expect(method.locator('optgroup[label^="Supervised"] option')).toHaveText(['SupCon']);
  await expect(method.locator('optgroup[label^="Self-supervised"] option')).toHaveCount(6);
  await method.selectOption('supcon');
  await expect(page.getByTestId('method.usesLabels')).toBeVisible();
  await expect(page.getByTestId('config.mocoQueue')).toHaveCount(0);
  await method.selectOption('byol');
  await expect(page.getByTestId('method.usesLabels')).toHaveCount(0);
  await expect(page.getByTestId('config.emaBase')).toBeVisible();
  await expect(page.getByTestId('config.headBN')).toBeChecked();

  // A collapse-lab experiment sets its method and switches off what it names.
  await page.getByTestId('collapse.simsiam-no-sg').click();
  await expect(method).toHaveValue('simsiam');
  await expect(page.getByTestId('config.stopGradient')).not.toBeChecked();
  await expect(page.getByTestId('collapse.expect')).toContainText('Fig. 2');
  await expect.poll(() => page.evaluate(() => location.hash)).toContain('stopGradient=false');
  // A link with a method restores it with its knobs.
  await page.goto('./#method=vicreg&vicregStd=10');
  await page.reload();
  await expect(method).toHaveValue('vicreg');
  await expect(page.getByTestId('config.vicregStd')).toHaveValue('10');
});

test('WebGPU (software adapter): every method trains a few steps without errors', async ({ page }, testInfo) => {
  test.setTimeout(900_000);
  const hasAdapter = await page.goto('./').then(() => page.evaluate(async () => !!(await (navigator as Navigator & { gpu?: GPU }).gpu?.requestAdapter())));
  test.skip(!hasAdapter, 'this browser gives no WebGPU adapter');
  await page.goto('./#backend=webgpu&batchSize=8&steps=2&evalEvery=0&width=4&projHidden=16&projDim=8&predHidden=8&mocoQueue=32&warmupSteps=1&seed=3');
  for (const m of METHODS) {
    await page.getByTestId('config.method').selectOption(m);
    await page.getByTestId('run.start').click();
    await expect(runStatus(page)).toHaveAttribute('data-status', 'done', { timeout: 240_000 });
    await expect(page.getByTestId('status.backend')).toHaveAttribute('data-backend', 'webgpu');
    const [raw] = await tracePoints(page, 'chart.loss');
    expect(raw, m).toHaveLength(2);
    for (const v of raw!) expect(Number.isFinite(v), `${m} loss ${v}`).toBe(true);
    const [zStd] = await tracePoints(page, 'chart.collapse');
    expect(zStd, m).toHaveLength(2);
  }
  await page.screenshot({ path: testInfo.outputPath('methods-webgpu.png'), fullPage: true });
});

test('datasets: the 8×8 digits and Fashion-MNIST train, and the map shows their images and class names', async ({ page }) => {
  await page.goto('./#backend=wasm&batchSize=16&steps=4&evalEvery=4&warmupSteps=1');
  const dataset = page.getByTestId('config.dataset');
  await dataset.selectOption('digits');
  await expect.poll(() => page.evaluate(() => location.hash)).toContain('dataset=digits');
  await page.getByTestId('run.start').click();
  await expect(runStatus(page)).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect.poll(async () => Number(await page.getByTestId('chart.tsne').getAttribute('data-points'))).toBe(359);

  await dataset.selectOption('fashion');
  await page.getByTestId('run.start').click();
  await expect(runStatus(page)).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect.poll(async () => Number(await page.getByTestId('chart.tsne').getAttribute('data-points'))).toBe(1000);
  await expect(page.getByTestId('chart.tsne.legend')).toContainText('Ankle boot'); // the map's legend, under it
  await expect(page.getByTestId('config.dataset').locator('option:checked')).toHaveText('Fashion-MNIST');
});

test('view pairs: eight images with two views each, refreshed by the augmentation settings', async ({ page }) => {
  await page.goto('./#dataset=digits');
  const views = page.getByTestId('views');
  await expect(views).toHaveAttribute('data-count', '8');
  await expect(views.locator('canvas')).toHaveCount(24);
  await expect(views).toHaveAttribute('data-same', 'false');
  const before = Number(await views.getAttribute('data-version'));
  await page.getByTestId('config.augment').uncheck();
  await expect(views).toHaveAttribute('data-same', 'true');
  expect(Number(await views.getAttribute('data-version'))).toBeGreaterThan(before);
  await page.getByTestId('config.augment').check();
  await page.getByTestId('config.flipProb').fill('1');
  await expect(views).toHaveAttribute('data-same', 'false');
  const v = Number(await views.getAttribute('data-version'));
  await page.getByTestId('views.shuffle').click();
  await expect.poll(async () => Number(await views.getAttribute('data-version'))).toBeGreaterThan(v);
});
