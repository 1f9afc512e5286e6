import type { Page } from '@playwright/test';
import { expect, test, tracePoints, waitForDone } from './fixtures';

/** Trains a short seeded WASM run and returns its losses and what the status line says of the backend. */
async function train(page: Page, query: string): Promise<{ losses: number[]; backend: string; helperJobs: number }> {
  await page.goto(`./${query}&test#backend=wasm&batchSize=16&steps=6&evalEvery=6&warmupSteps=1&seed=11&probes=false`);
  await page.getByTestId('run.start').click();
  await waitForDone(page);
  const [losses] = await tracePoints(page, 'chart.loss');
  const { filterGradHelperJobs } = await page.evaluate(() => (window as unknown as { __playground: { workerMemory(): Promise<{ filterGradHelperJobs: number }> } }).__playground.workerMemory());
  return { losses: losses!, backend: await page.getByTestId('status.backend').innerText(), helperJobs: filterGradHelperJobs };
}

test('?threads=2: the WASM backend trains on 2 XNNPACK threads and a filter-gradient helper thread, to the losses of 1 thread', async ({ page, browser }) => {
  const threaded = await train(page, '?threads=2');
  test.skip(!(await page.evaluate(() => self.crossOriginIsolated)), 'threads need a cross-origin-isolated page');
  expect(threaded.backend).toContain('2 threads, and a helper thread for the filter gradient');
  // The helper did its share: the three conv layers' filter gradients at each step (18 in 6 steps; 3 more for the
  // warm-up step the worker trains while the page loads), all but the first step's if it was still compiling then.
  expect(threaded.helperJobs).toBeGreaterThanOrEqual(15);

  const ctx = await browser.newContext();
  const single = await train(await ctx.newPage(), '?threads=1');
  await ctx.close();
  expect(single.backend).toMatch(/1 thread\)/);
  expect(single.helperJobs).toBe(0);
  // The same run: XNNPACK splits outputs, not sums; the filter gradients add two half-batch sums, a float32
  // rounding apart (a helper that skipped its half moved step 4's loss by 2%: Adam's normalised step hides a scaled
  // gradient at first).
  expect(threaded.losses).toHaveLength(6);
  threaded.losses.forEach((l, i) => expect(Math.abs(l - single.losses[i]!), `step ${i}: ${l} vs ${single.losses[i]}`).toBeLessThan(1e-4 * Math.abs(single.losses[i]!)));
});

test('a bad ?threads= is ignored with a notice, and the run trains with the default', async ({ page }) => {
  const run = await train(page, '?threads=%3Cb%3E9%3C%2Fb%3E');
  await expect(page.getByTestId('notices')).toContainText('ignored threads="<b>9</b>" in the address: a whole number from 1 to 16');
  expect(await page.locator('[data-testid="notices"] b').count()).toBe(0);
  expect(run.losses).toHaveLength(6);
});
