/**
 * `npx tsx scripts/screenshot.ts URL OUT.png [iterations]`: opens the app (already served at URL) in Debian's
 * Chromium at 1280x800, runs DM with the page's defaults until `iterations` have passed (default 30),
 * and saves a screenshot: what README.md shows.
 */
import { chromium } from 'playwright-core';

const [url = 'http://127.0.0.1:5173/?backend=wasm', out = 'docs/screenshot.png', iters = '30'] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(url);
  await page.getByTestId('dataset-status').filter({ hasText: 'ready' }).waitFor({ timeout: 120_000 });
  await page.getByTestId('run-button').click();
  await page.waitForFunction(
    (n) => Number(document.querySelector('[data-testid="status-iteration"]')?.textContent ?? 0) >= n,
    Number(iters),
    { timeout: 600_000 },
  );
  await page.getByTestId('pause-button').click();
  await page.getByTestId('run-status').filter({ hasText: 'paused' }).waitFor();
  await page.screenshot({ path: out });
  console.log(`saved ${out}`);
} finally {
  await browser.close();
}
