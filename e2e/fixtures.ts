/** Shared test fixture: a page that fails the test on any console error or uncaught exception. */
import { test as base, expect, type Locator, type Page } from '@playwright/test';

export const test = base.extend<{ page: Page; consoleErrors: string[] }>({
  consoleErrors: async ({}, use) => {
    await use([]);
  },
  page: async ({ page, consoleErrors }, use) => {
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message}`));
    await use(page);
    expect(consoleErrors, 'console errors').toEqual([]);
  },
});

export { expect };

/**
 * A plotly chart once it has drawn every change asked of it. Redraws take turns (ui/Plot.tsx), so a chart can lag
 * the state the page shows elsewhere by a few frames; while it does it carries `data-pending`.
 */
export async function drawn(page: Page, testId: string, timeout = 15_000): Promise<Locator> {
  const chart = page.getByTestId(testId);
  await expect(chart, `chart ${testId} still has a redraw pending`).not.toHaveAttribute('data-pending', { timeout });
  return chart;
}

/**
 * Numbers of the points on a plotly chart's traces, as drawn once its redraws have caught up; `live` reads what
 * is drawn now, for a poll while training goes on (a live chart is then never caught up for long).
 */
export async function tracePoints(page: Page, testId: string, { live = false } = {}): Promise<number[][]> {
  return (live ? page.getByTestId(testId) : await drawn(page, testId)).evaluate((el) => {
    const data = (el as unknown as { data?: { y?: ArrayLike<number> }[] }).data ?? [];
    return data.map((d) => Array.from(d.y ?? []));
  });
}

/** The run's status as the status line shows it. */
export function runStatus(page: Page) {
  return page.getByTestId('status.run');
}

/** Waits for the run to end and fails with the status line's words (the error message) unless it is done. */
export async function waitForDone(page: Page, timeout = 120_000): Promise<void> {
  await expect(runStatus(page)).toHaveAttribute('data-status', /^(done|error|stopped)$/, { timeout });
  const status = await runStatus(page).getAttribute('data-status');
  expect(status, `the run ended with: ${await page.getByTestId('status').innerText().catch(() => '?')}`).toBe('done');
}

/** The canvas markers of a chart drawn with Plot's `canvasMarkers`, as placed: page coordinates of each point. */
export async function canvasMarkers(page: Page, testId: string): Promise<{ x: number; y: number; curve: number; point: number }[]> {
  return page.getByTestId(testId).evaluate((el) => {
    const m = (el as HTMLElement & { markers?: { layer: { px: Float32Array; py: Float32Array; curve: Int32Array; point: Int32Array }; area: { l: number; t: number } } }).markers;
    if (!m) return [];
    const r = el.getBoundingClientRect();
    return Array.from(m.layer.px, (px, k) => ({ x: r.left + m.area.l + px, y: r.top + m.area.t + m.layer.py[k]!, curve: m.layer.curve[k]!, point: m.layer.point[k]! }));
  });
}

/** Moves the mouse onto the first drawn point of a scatter chart (SVG or canvas markers); returns where it is. */
export async function hoverFirstPoint(page: Page, testId: string): Promise<{ x: number; y: number }> {
  const chart = page.getByTestId(testId);
  // The mouse reaches only what is in the viewport.
  await chart.scrollIntoViewIfNeeded();
  let at: { x: number; y: number };
  if (await chart.evaluate((el) => 'markers' in el)) {
    at = (await canvasMarkers(page, testId))[0]!;
  } else {
    // The point's own SVG mark gives its exact place.
    const point = chart.locator('.scatterlayer .trace .point').first();
    await point.scrollIntoViewIfNeeded();
    const box = (await point.boundingBox())!;
    at = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  }
  await page.mouse.move(at.x + 1, at.y + 1);
  await page.mouse.move(at.x, at.y);
  return at;
}

/** The x range a chart with canvas traces shows now (plotly's, once a zoom or a reset has been applied). */
export function canvasXRange(chart: Locator): Promise<[number, number]> {
  return chart.evaluate((el) => (el as HTMLElement & { markers: { area: { x: [number, number] } } }).markers.area.x);
}

/**
 * Drags a zoom box over a plotly chart's plot area, between two points given as fractions of it, and waits for
 * the chart's x range to narrow to under half; returns the plot area's box on the page.
 */
export async function zoomBox(page: Page, chart: Locator, from: [number, number], to: [number, number]): Promise<{ x: number; y: number; width: number; height: number }> {
  const full = await canvasXRange(chart);
  const box = (await chart.locator('.nsewdrag').first().boundingBox())!;
  await page.mouse.move(box.x + box.width * from[0], box.y + box.height * from[1]);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * to[0], box.y + box.height * to[1], { steps: 5 });
  await page.mouse.up();
  await expect.poll(async () => ((r) => r[1] - r[0])(await canvasXRange(chart))).toBeLessThan((full[1] - full[0]) / 2);
  return box;
}

/** The training worker's start-up stages so far, in order (the page must have been opened with ?test). */
export async function workerStages(page: Page): Promise<string[]> {
  const timeline = await page.evaluate(() =>
    (window as unknown as { __playground: { workerTimeline(): Promise<[string, number][]> } }).__playground.workerTimeline(),
  );
  return timeline.map(([stage]) => stage);
}
