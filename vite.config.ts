import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/** Cross-origin isolation: WASM threads need SharedArrayBuffer, which needs these two headers. */
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * The Content Security Policy of the built app: no eval and no script but the app's own files ('wasm-unsafe-eval'
 * lets tfjs compile its WASM backend, and nothing else); workers from the app's files or blobs (the threaded WASM
 * backend's pthreads); styles inline too (plotly writes <style> elements); images from the app, data: and blob:
 * URLs. connect-src: the app's own files, and for "Your own data" by URL any https address, or plain http on this
 * computer only (localhost). No plugins, no <base>, no form posts. The workers' policy (WORKER_CSP) differs in one
 * thing: the threaded WASM backend's pthread workers load tfjs's WASM glue from a blob: URL.
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self' https: http://localhost:* http://127.0.0.1:*",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
export const WORKER_CSP = CSP.replace("script-src 'self'", "script-src 'self' blob:");

/**
 * The policy goes into the built index.html as a <meta> (so any static host serves it) and, for `vite preview`,
 * also as a header: a meta tag does not reach workers, which take their policy from their own script's response
 * (WORKER_CSP for the worker scripts), and only a header can say frame-ancestors. The dev server has none: React's
 * fast refresh needs an inline script.
 */
function contentSecurityPolicy(): Plugin[] {
  return [
    {
      name: 'content-security-policy:meta',
      apply: 'build',
      transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP }, injectTo: 'head-prepend' }],
    },
    {
      name: 'content-security-policy:header',
      configurePreviewServer(server) {
        server.middlewares.use((req, res, next) => {
          const worker = /\/assets\/[\w.-]*worker[\w.-]*\.js(\?|$)/.test(req.url ?? '');
          res.setHeader('Content-Security-Policy', worker ? WORKER_CSP : `${CSP}; frame-ancestors 'none'`);
          next();
        });
      },
    },
  ];
}

/**
 * Whitespace and comments dropped, nothing renamed or rewritten: mangled names break the threaded WASM backend's
 * pthread workers (they run tfjs's glue code by its name), and compression broke the app too (no first loss, seen
 * here). The scripts are still smaller to compile (the training worker's compile is on the way to a run's first
 * step).
 */
const MINIFY = { compress: false, mangle: false, codegen: { removeWhitespace: true } } as const;

/**
 * The charts' plotly build is imported after the first paint (ui/Plot.tsx), but fetched and compiled from the
 * start: a <link rel="modulepreload"> for its chunk, so its evaluation can begin at the first paint instead of a
 * fetch and a compile later. It does not block the first paint.
 */
function preloadPlotly(): Plugin {
  return {
    name: 'preload-plotly',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler: (_html, ctx) =>
        Object.values(ctx.bundle ?? {})
          .filter((c) => c.type === 'chunk' && /plotly-basic/.test(c.fileName))
          .map((c) => ({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: `./${c.fileName}` }, injectTo: 'head' as const })),
    },
  };
}

export default defineConfig({
  plugins: [react(), ...contentSecurityPolicy(), preloadPlotly()],
  base: './',
  // plotly's strict bundle: the same API, with its WebGL code (parcoords, scatter3d) precompiled, so it runs
  // without eval under the CSP above. The code keeps importing 'plotly.js-dist-min' (its types).
  // '@tensorflow/tfjs': the union package less its WebGL backend (loaded when tried), converter and data API
  // (src/engine/tfBrowser.ts).
  resolve: {
    alias: [
      { find: /^plotly\.js-dist-min$/, replacement: 'plotly.js-strict-dist-min' },
      { find: /^@tensorflow\/tfjs$/, replacement: fileURLToPath(new URL('./src/engine/tfBrowser.ts', import.meta.url)) },
    ],
  },
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  worker: { format: 'es', rolldownOptions: { output: { minify: MINIFY } } },
  // Pre-bundle the heavy dependencies up front, so the dev server does not reload the page on first use.
  optimizeDeps: {
    include: [
      '@tensorflow/tfjs-core',
      '@tensorflow/tfjs-core/dist/register_all_gradients',
      '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops',
      '@tensorflow/tfjs-layers',
      '@tensorflow/tfjs-backend-cpu',
      '@tensorflow/tfjs-backend-webgl',
      '@tensorflow/tfjs-backend-wasm',
      '@tensorflow/tfjs-backend-webgpu',
      'plotly.js-strict-dist-min',
      'plotly.js-basic-dist-min',
      'plotly.js-cartesian-dist-min',
      'comlink',
      'react',
      'react-dom/client',
      'zustand',
      'zustand/vanilla',
      'fflate',
    ],
  },
  build: {
    target: 'es2022',
    minify: false,
    rolldownOptions: { output: { minify: MINIFY } },
    chunkSizeWarningLimit: 8000,
  },
});
