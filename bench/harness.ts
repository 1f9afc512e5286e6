/**
 * What the browser benchmarks share: serving a build with `vite preview`, launching Chromium (Debian's where it
 * is installed, Playwright's own otherwise), closing both, and running a main().
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from '@playwright/test';
import { preview, type PreviewServer } from 'vite';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Serves the build in `outDir` on 127.0.0.1:`port` with the app's headers (vite.config.ts). */
export function serve(outDir: string, port: number): Promise<PreviewServer> {
  return preview({ root: ROOT, logLevel: 'warn', build: { outDir }, preview: { port, strictPort: true, host: '127.0.0.1' } });
}

/** Headless Chromium with these flags (plus --no-first-run, and --no-sandbox when run as root). */
export function launchChromium(flags: string[] = []): Promise<Browser> {
  // The same choice as playwright.config.ts: CHROMIUM_PATH first, then Debian's.
  const executablePath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p): p is string => !!p && existsSync(p));
  return chromium.launch({ executablePath, args: [...flags, '--no-first-run', ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])] });
}

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
