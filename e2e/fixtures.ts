/** Shared test fixture: a page that fails the test on any console error or uncaught exception. */
import { test as base, expect, type Page } from '@playwright/test';

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

/** Numbers of the points on a plotly chart's traces. */
export async function tracePoints(page: Page, testId: string): Promise<number[][]> {
  return page.getByTestId(testId).evaluate((el) => {
    const data = (el as unknown as { data?: { y?: ArrayLike<number> }[] }).data ?? [];
    return data.map((d) => Array.from(d.y ?? []));
  });
}

/** The run's status as the status line shows it. */
export function runStatus(page: Page) {
  return page.getByTestId('status.run');
}
