/**
 * Faults: a loss that becomes NaN stops the run at that step and says why; a training worker that dies is noticed,
 * offered a restart, and leaves the run history intact; a lost WebGPU device moves the run to the next backend,
 * from its last weights, and says so. The hooks the tests use (`window.__playground`) exist only with `?test`.
 */
import type { Page } from '@playwright/test';
import { drawn, expect, runStatus, test, tracePoints, waitForDone } from './fixtures';

interface Hooks {
  terminateWorker(): void;
  simulateDeviceLoss(): Promise<boolean>;
  workerMemory(): Promise<{ numTensors: number; backend: string; lastRunOutcome: string | null }>;
}

/** Opens the run history (a <details>) unless it is open. */
async function openHistory(page: Page): Promise<void> {
  const runs = page.getByTestId('runs');
  await expect(runs).toBeAttached();
  if (!(await runs.evaluate((el) => (el as HTMLDetailsElement).open))) await runs.locator('summary').click();
}

const lossPoints = async (page: Page, live = false) => (await tracePoints(page, 'chart.loss', { live }))[0] ?? [];

test('a loss that becomes NaN stops the run at that step, names the step and the likely cause, and keeps the curve', async ({ page }) => {
  // SGD at lr 10 with weight decay 1 and no warm-up: the weights grow ×(1 − lr·wd) a step until they overflow.
  await page.goto('./#dataset=digits&backend=wasm&optimizer=sgd&lr=10&weightDecay=1&momentum=0.9&warmupSteps=0&steps=60&evalEvery=5&batchSize=16&probes=false');
  await page.getByTestId('run.start').click();
  await expect(runStatus(page)).toHaveAttribute('data-status', 'error', { timeout: 120_000 });
  const message = await page.getByTestId('status.error').innerText();
  expect(message).toMatch(/the loss became (NaN|-?Infinity) at step \d+: the learning rate may be too high or the temperature τ too low/);
  const step = Number(/at step (\d+)/.exec(message)![1]);
  expect(step).toBeGreaterThan(1);
  expect(step).toBeLessThan(60);
  // The chart keeps every step before it, all finite; the status line's step counter stops there too.
  const loss = await lossPoints(page);
  expect(loss).toHaveLength(step - 1);
  for (const v of loss) expect(Number.isFinite(v)).toBe(true);
  await expect(page.getByTestId('status.step')).toHaveText(`step ${step - 1} / 60`);
  // The run history records it as an error, with the message and the metrics up to there.
  await openHistory(page);
  const item = page.getByTestId('runs.item').first();
  await expect(item).toHaveAttribute('data-status', 'error');
  await expect(item.getByTestId('runs.status')).toHaveAttribute('title', message);
  await expect(item.getByTestId('runs.meta')).toContainText(`${step - 1} / 60 steps`);
  await expect(page.getByTestId('worker.restart')).toHaveCount(0);
});

test('a training worker that dies is noticed: the page says so, offers a restart, and the run history stays intact', async ({ page }) => {
  await page.goto('./?test#dataset=digits&backend=wasm&steps=100000&evalEvery=0&batchSize=16');
  await openHistory(page);
  await page.getByTestId('run.start').click();
  await expect(runStatus(page)).toHaveAttribute('data-status', 'training');
  await expect.poll(async () => (await lossPoints(page, true)).length, { timeout: 60_000 }).toBeGreaterThan(5);
  await expect(page.getByTestId('runs.item')).toHaveCount(1);

  // Terminated from outside: no event fires, and a call to it would wait forever. The page notices anyway.
  await page.evaluate(() => (window as unknown as { __playground: Hooks }).__playground.terminateWorker());
  await expect(runStatus(page)).toHaveAttribute('data-status', 'error', { timeout: 30_000 });
  await expect(page.getByTestId('status.error')).toContainText('the training worker stopped unexpectedly');
  const restart = page.getByTestId('worker.restart');
  await expect(restart).toBeVisible();
  const crashed = page.getByTestId('runs.item').first();
  await expect(crashed).toHaveAttribute('data-status', 'error');
  await expect(crashed.getByTestId('runs.status')).toHaveAttribute('title', /the training worker stopped unexpectedly/);
  const kept = (await lossPoints(page)).length;
  expect(kept).toBeGreaterThan(5);
  // Its metrics were saved with it: the steps it reached.
  await expect(crashed.getByTestId('runs.meta')).toContainText(/· (\d+) \/ 100000 steps/);
  const savedSteps = Number(/· (\d+) \/ 100000 steps/.exec(await crashed.getByTestId('runs.meta').innerText())![1]);
  expect(savedSteps).toBeGreaterThan(0);
  expect(savedSteps).toBeLessThanOrEqual(kept);

  // Restart: a new worker; a short run trains to the end in it.
  await restart.click();
  await expect(runStatus(page)).toHaveAttribute('data-status', 'idle');
  await expect(restart).toHaveCount(0);
  await page.getByTestId('config.steps').fill('12');
  await page.getByTestId('run.start').click();
  await waitForDone(page);
  expect(await lossPoints(page)).toHaveLength(12);
  await expect(page.getByTestId('runs.item')).toHaveCount(2);
  await expect(page.getByTestId('runs.item').nth(0)).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId('runs.item').nth(1)).toHaveAttribute('data-status', 'error');
  // Both are still there after a reload, the crashed one with its steps.
  await page.reload();
  await openHistory(page);
  await expect(page.getByTestId('runs.status')).toHaveText(['done', 'error']);
  await expect(page.getByTestId('runs.item').nth(1).getByTestId('runs.meta')).toContainText(`${savedSteps} / 100000 steps`);
});

test('a lost WebGPU device: the run goes on on the next backend from its last weights, says so, and finishes', async ({ page }) => {
  test.slow(); // SwiftShader's WebGPU is slow
  await page.goto('./?test#dataset=digits&backend=webgpu&batchSize=8&steps=30&evalEvery=10&width=4&projHidden=16&projDim=8&warmupSteps=1&probes=false&seed=3');
  await page.getByTestId('run.start').click();
  const backend = page.getByTestId('status.backend');
  await expect(backend).toHaveAttribute('data-backend', 'webgpu', { timeout: 120_000 });
  // Past the evaluation at step 10 (a snapshot of the weights is taken there).
  await expect.poll(async () => (await lossPoints(page, true)).length, { timeout: 180_000 }).toBeGreaterThan(11);
  expect(await page.evaluate(() => (window as unknown as { __playground: Hooks }).__playground.simulateDeviceLoss())).toBe(true);
  await expect(backend).not.toHaveAttribute('data-backend', 'webgpu', { timeout: 60_000 });
  // Headless Chromium's WebGL renders in software (SwiftShader), so the next backend is WASM.
  await expect(backend).toHaveAttribute('data-backend', 'wasm');
  const reason = await backend.locator('.reason').innerText();
  expect(reason).toMatch(/WebGPU device lost at step (\d+): continuing on wasm from the weights of step (10|20); Adam's moments restarted from zero/);
  const [, lostAt, from] = /at step (\d+):.*weights of step (\d+)/.exec(reason)!.map(Number);
  expect(lostAt!).toBeGreaterThanOrEqual(from!);
  await waitForDone(page, 180_000);
  // One point per step, none twice, all finite; the evaluations at 0, 10, 20 and 30.
  const loss = await lossPoints(page);
  expect(loss).toHaveLength(30);
  for (const v of loss) expect(Number.isFinite(v)).toBe(true);
  const steps = await (await drawn(page, 'chart.loss')).evaluate((el) => Array.from((el as unknown as { data: { x: ArrayLike<number> }[] }).data[0]!.x));
  expect(steps).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  await expect.poll(async () => (await tracePoints(page, 'chart.accuracy', { live: true }))[1]?.length ?? 0).toBe(4);
  await expect(page.getByTestId('status.step')).toHaveText('step 30 / 30');
  // The dead device was dropped, not the backend: the next run gets a new device and trains on WebGPU again.
  await page.getByTestId('config.steps').fill('2');
  await page.getByTestId('run.start').click();
  await expect(runStatus(page)).toHaveAttribute('data-status', 'training', { timeout: 120_000 });
  await expect(backend).toHaveAttribute('data-backend', 'webgpu');
  await waitForDone(page, 180_000);
  expect(await lossPoints(page)).toHaveLength(2);
});

test('Reset while an evaluation is asked for: no error, the run’s tensors are freed, and a new run trains', async ({ page }) => {
  await page.goto('./?test#dataset=digits&backend=wasm&steps=100000&evalEvery=4&batchSize=16');
  // −1 until the worker's backend is up (prepared at page load).
  const tensors = () => page.evaluate(async () => (await (window as unknown as { __playground: Hooks }).__playground.workerMemory()).numTensors).catch(() => -1);
  let before = -1;
  await expect.poll(async () => (before = await tensors()), { timeout: 60_000 }).toBeGreaterThanOrEqual(0);
  await page.getByTestId('run.start').click();
  await expect.poll(async () => (await lossPoints(page, true)).length, { timeout: 60_000 }).toBeGreaterThan(3);
  // Evaluate now asks the loop for an evaluation after its step; Reset follows at once.
  await page.getByTestId('run.evaluate').click();
  await page.getByTestId('run.reset').click();
  await expect(runStatus(page)).toHaveAttribute('data-status', 'idle');
  await expect.poll(tensors, { timeout: 30_000 }).toBe(before);
  // The run's loop ended as stopped, not with an error about a model freed under it (which the page, having
  // moved on, would not show).
  const outcome = () => page.evaluate(async () => (await (window as unknown as { __playground: Hooks }).__playground.workerMemory()).lastRunOutcome);
  await expect.poll(outcome, { timeout: 30_000 }).not.toBeNull();
  expect(await outcome()).toBe('stopped');
  await expect(page.getByTestId('status.error')).toHaveCount(0);
  // The worker is fine: the next run trains.
  await page.getByTestId('run.start').click();
  await expect.poll(async () => (await lossPoints(page, true)).length, { timeout: 60_000 }).toBeGreaterThan(2);
  await expect(page.getByTestId('status.error')).toHaveCount(0);
});
