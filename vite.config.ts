import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/** Cross-origin isolation: WASM threads need SharedArrayBuffer, which needs these two headers. */
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react()],
  base: './',
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  worker: { format: 'es' },
  // Pre-bundle the heavy dependencies up front, so the dev server does not reload the page on first use.
  optimizeDeps: {
    include: [
      '@tensorflow/tfjs',
      '@tensorflow/tfjs-backend-wasm',
      '@tensorflow/tfjs-backend-webgpu',
      'plotly.js-dist-min',
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
    // Mangled names break the threaded WASM backend's worker; keep identifiers as they are.
    minify: false,
    chunkSizeWarningLimit: 8000,
  },
});
