/// <reference types="vitest/config" />
import { defineConfig, type Connect, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Cross-origin isolation turns on SharedArrayBuffer, which the wasm backend needs for threads.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * Serves public/datasets/* as raw bytes. Vite's static server marks `.gz` files `Content-Encoding: gzip`, so
 * the browser would decompress them on the fly and the worker could not check the published sha256.
 */
function rawDatasets(): Plugin {
  const root = path.resolve('public/datasets');
  const middleware: Connect.NextHandleFunction = (req, res, next) => {
    const url = decodeURIComponent((req.url ?? '').split('?')[0] ?? '');
    if (!url.startsWith('/datasets/')) return next();
    const file = path.resolve(root, '.' + url.slice('/datasets'.length));
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) return next();
    res.setHeader('Content-Type', file.endsWith('.json') ? 'application/json' : 'application/octet-stream');
    res.setHeader('Content-Length', String(fs.statSync(file).size));
    res.setHeader('Cache-Control', 'no-cache');
    for (const [k, v] of Object.entries(isolation)) res.setHeader(k, v);
    fs.createReadStream(file).pipe(res);
  };
  return {
    name: 'raw-datasets',
    configureServer: (server) => void server.middlewares.use(middleware),
    configurePreviewServer: (server) => void server.middlewares.use(middleware),
  };
}

/**
 * The production page's Content-Security-Policy: scripts only from the app's origin (no inline scripts, no eval;
 * 'wasm-unsafe-eval' compiles the wasm backend, blob: is the wasm backend's thread workers), no plugins, no
 * framing, data only from the origin. Styles allow inline attributes (React's style props). The dev server goes
 * without it (Vite's hot reload injects inline scripts). e2e tests run against the preview server, under it.
 */
const csp = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval' blob:",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string };

export default defineConfig({
  plugins: [react(), rawDatasets()],
  // The app's version goes into links and exported records.
  define: { __APP_VERSION__: JSON.stringify(pkg.version) },
  worker: { format: 'es' },
  server: { headers: isolation, host: '127.0.0.1', port: 5173 },
  preview: { headers: { ...isolation, 'Content-Security-Policy': csp, 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' }, host: '127.0.0.1', port: 4173 },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  test: {
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Vitest's default is one fork fewer than the cores: one fork on a 2-core machine, where the in-process tests
    // (single-threaded wasm and cpu) then leave a core idle. Two forks there cut the unit tests' wall time.
    maxWorkers: Math.max(2, os.availableParallelism() - 1),
    // The forks share one module graph each: TensorFlow.js and its wasm backend load and start once per fork, not once
    // per test file (the collect phase fell from 67 s to 20 s of CPU, the unit tests' wall time by about a third).
    // A test file must then leave no global state another relies on: each sets the backend it uses.
    poolOptions: { forks: { isolate: false } },
    projects: [
      // The store's tests replace the engine module (vi.mock) and keep store singletons: each file in a fresh thread.
      { extends: true, test: { name: 'app', include: ['src/app/**/*.test.ts'], pool: 'threads' } },
      {
        extends: true,
        test: { name: 'core', include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'], exclude: ['src/app/**', 'node_modules/**'], setupFiles: ['src/testing/setup-shared-process.ts'] },
      },
    ],
  },
});
