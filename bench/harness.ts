/** What the browser benchmarks share: closing the browser and the preview server, and running a main(). */
import type { Browser } from '@playwright/test';
import type { PreviewServer } from 'vite';

/** Closes the browser, then the preview server (waiting for it to let go of its port). */
export async function closeAll(browser: Browser, server: PreviewServer): Promise<void> {
  await browser.close();
  await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
}

/** Runs a benchmark's main(); an error is printed and the process exits with 1. */
export function runMain(main: () => Promise<void>): void {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
