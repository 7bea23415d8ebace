import { defineConfig } from '@playwright/test';

/** End-to-end tests in Debian's Chromium (never a downloaded browser), against the production build. */
// E2E_PORT lets two checkouts run their e2e tests at once on one machine.
const port = Number(process.env.E2E_PORT ?? 4173);
export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  timeout: 240_000,
  expect: { timeout: 120_000 },
  // One browser at a time: each test keeps both cores busy (wasm's threads, SwiftShader), so two at a time measured
  // no faster here (13.2 min against 13.1) and doubled each test's time. E2E_WORKERS changes it on a bigger machine.
  fullyParallel: false,
  workers: Number(process.env.E2E_WORKERS ?? 1),
  retries: 0,
  // Tests tagged @slow (a second path on the software GPU adapter) run only with E2E_SLOW=1: `npm run test:e2e:slow`.
  ...(process.env.E2E_SLOW ? {} : { grepInvert: /@slow/ }),
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    viewport: { width: 1280, height: 800 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--enable-unsafe-webgpu',
        // Dawn zero-fills workgroup memory by inserting code into every compute shader; tfjs's kernels never read it
        // before writing it. Without that code the software adapter's shader compilation is faster: WebGPU started
        // in about 10 s instead of 14-15 s here. A kernel that did read it would get garbage, not zeros: stricter.
        '--enable-dawn-features=disable_workgroup_init',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
    screenshot: 'only-on-failure',
  },
  webServer: {
    command: `npx vite preview --host 127.0.0.1 --port ${port} --strictPort`,
    url: `http://127.0.0.1:${port}`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
