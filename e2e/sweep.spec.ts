/** Sweeps: a tiny 3-value τ sweep runs to the end, streaming curves and maps; bad values are refused. */
import { drawn, expect, test } from './fixtures';

test('a 3-value τ sweep runs to the end: overlaid curves, a small map per run, figures against τ', async ({ page }) => {
  await page.goto('./#dataset=digits&backend=wasm&steps=12&evalEvery=6&batchSize=16&probes=false');
  const panel = page.getByTestId('sweep');
  await panel.locator('summary').click();
  // A bad value is refused with the panel's own message, and nothing starts.
  await page.getByTestId('sweep.values0').fill('0.1, -2, 0.5');
  await expect(page.getByTestId('sweep.error')).toContainText('temperature τ must be greater than 0 (got -2)');
  await expect(page.getByTestId('sweep.start')).toHaveText('Run sweep');
  await page.getByTestId('sweep.values0').fill('0.1 0.5, 1');
  await expect(page.getByTestId('sweep.start')).toHaveText('Run 3 runs');
  await page.getByTestId('sweep.start').click();
  const progress = page.getByTestId('sweep.progress');
  await expect(progress).toHaveAttribute('data-status', 'done', { timeout: 180_000 });
  await expect(progress).toContainText('3 of 3 runs done');
  // One loss curve per run, each 12 steps long, named by its τ.
  const loss = await (await drawn(page, 'sweep.loss')).evaluate((el) => (el as unknown as { data: { name: string; x: number[] }[] }).data.map((d) => [d.name, d.x.length]));
  expect(loss).toEqual([
    ['τ = 0.1', 12],
    ['τ = 0.5', 12],
    ['τ = 1', 12],
  ]);
  // Runs differ only in τ: different curves from the same seed.
  const firsts = await (await drawn(page, 'sweep.loss')).evaluate((el) => (el as unknown as { data: { y: number[] }[] }).data.map((d) => d.y[0]));
  expect(new Set(firsts).size).toBe(3);
  // Each run has its small map, laid out from its last evaluation (step 12).
  await expect(page.getByTestId('sweep.map')).toHaveCount(3);
  for (let i = 0; i < 3; i++) await expect(page.getByTestId('sweep.map').nth(i)).toHaveAttribute('data-step', '12', { timeout: 60_000 });
  // Final kNN against τ: one point per run on a log axis.
  const final = await (await drawn(page, 'sweep.final')).evaluate((el) => (el as unknown as { data: { name: string; x: number[] }[] }).data.find((d) => d.name === 'kNN on h')!.x);
  expect(final).toEqual([0.1, 0.5, 1]);
  await expect(page.getByTestId('sweep.parcoords').locator('.parcoords')).toHaveCount(1);
  await page.screenshot({ path: 'test-results/sweep.png', fullPage: true });
  // Every run of the sweep is in the run history, and still there after a reload.
  await page.reload();
  const runs = page.getByTestId('runs');
  await runs.locator('summary').click();
  await expect(page.getByTestId('runs.item')).toHaveCount(3);
  const metas = await page.getByTestId('runs.meta').allInnerTexts();
  for (const label of ['τ = 0.1', 'τ = 0.5', 'τ = 1']) expect(metas.some((m) => m.includes(`sweep: ${label}`))).toBe(true);
  await expect(page.getByTestId('runs.status')).toHaveText(['done', 'done', 'done']);
});

test('a sweep can be paused, resumed and cancelled; runs not yet trained say so', async ({ page }) => {
  await page.goto('./#dataset=digits&backend=wasm&steps=400&evalEvery=0&batchSize=16');
  await page.getByTestId('sweep').locator('summary').click();
  await page.getByTestId('sweep.mode').selectOption('sequential');
  await page.getByTestId('sweep.values0').fill('0.1, 0.5');
  await page.getByTestId('sweep.start').click();
  const progress = page.getByTestId('sweep.progress');
  await expect(progress).toHaveAttribute('data-status', 'running');
  await expect.poll(async () => page.getByTestId('sweep.loss').evaluate((el) => (el as unknown as { data?: { x: number[] }[] }).data?.[0]?.x.length ?? 0)).toBeGreaterThan(3);
  await page.getByTestId('sweep.pause').click();
  await expect(progress).toHaveAttribute('data-status', 'paused');
  const paused = await (await drawn(page, 'sweep.loss')).evaluate((el) => (el as unknown as { data: { x: number[] }[] }).data[0]!.x.length);
  await page.waitForTimeout(1000);
  expect(await (await drawn(page, 'sweep.loss')).evaluate((el) => (el as unknown as { data: { x: number[] }[] }).data[0]!.x.length)).toBe(paused);
  await page.getByTestId('sweep.resume').click();
  await expect(progress).toHaveAttribute('data-status', 'running');
  await page.getByTestId('sweep.cancel').click();
  await expect(progress).toHaveAttribute('data-status', 'stopped');
  await expect(progress).toContainText('cancelled');
  await expect(page.getByTestId('sweep.map').nth(1)).toContainText('stopped');
});
