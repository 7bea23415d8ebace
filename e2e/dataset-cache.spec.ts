import { test, expect, type Page } from '@playwright/test';
import fs from 'node:fs';

const storage = (page: Page) => page.getByTestId('dataset-storage');

/** Requests for dataset files that reached the server (the page's, and its worker's). */
function countDownloads(page: Page): { files: string[] } {
  const seen = { files: [] as string[] };
  page.context().on('request', (r) => {
    const m = /\/datasets\/mnist\/([^/?]+\.gz)$/.exec(new URL(r.url()).pathname);
    if (m) seen.files.push(m[1]!);
  });
  return seen;
}

test('a dataset downloaded once is kept in the browser, verified on every read, works offline, and can be cleared', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const downloads = countDownloads(page);

  // First visit: downloaded, verified, kept.
  await page.goto('/?backend=cpu');
  await expect(page.getByTestId('dataset-status')).toHaveText('ready');
  await expect(storage(page)).toHaveAttribute('data-source', 'download');
  await expect(page.getByTestId('dataset-cache-size')).toHaveText(/Kept in this browser: MNIST \(11\.\d MB\)/);
  expect(downloads.files.sort()).toEqual(['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz', 'train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']);

  // Second visit: read from the cache, nothing downloaded.
  downloads.files.length = 0;
  await page.reload();
  await expect(page.getByTestId('dataset-status')).toHaveText('ready');
  await expect(storage(page)).toHaveAttribute('data-source', 'cache');
  expect(downloads.files).toEqual([]);

  // Offline (the server unreachable): the cached manifest and files still load.
  const refused: string[] = [];
  await page.context().route('**/datasets/**', (route) => {
    refused.push(new URL(route.request().url()).pathname);
    return route.abort('internetdisconnected');
  });
  await page.reload();
  await expect(page.getByTestId('dataset-status')).toHaveText('ready');
  await expect(storage(page)).toHaveAttribute('data-source', 'cache');
  expect(refused).toContain('/datasets/mnist/manifest.json');
  await page.context().unroute('**/datasets/**');

  // A corrupted cache entry fails its checksum: dropped, downloaded again, and the page says so.
  const corrupted = await page.evaluate(async () => {
    const cache = await caches.open('distill-playground-datasets-v1');
    const key = (await cache.keys()).find((r) => r.url.includes('t10k-labels'));
    if (!key) return false;
    const bad = new Uint8Array(4542).fill(7);
    await cache.put(key, new Response(bad, { headers: { 'content-length': '4542' } }));
    return true;
  });
  expect(corrupted).toBe(true);
  downloads.files.length = 0;
  await page.reload();
  await expect(page.getByTestId('dataset-status')).toHaveText('ready');
  await expect(storage(page)).toHaveAttribute('data-source', 'mixed');
  await expect(page.getByTestId('dataset-storage-note')).toContainText("t10k-labels-idx1-ubyte.gz failed the checksum in this browser's cache and was downloaded again");
  expect(downloads.files).toEqual(['t10k-labels-idx1-ubyte.gz']);
  fs.mkdirSync('e2e-artifacts', { recursive: true });
  await page.getByTestId('dataset-storage').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'e2e-artifacts/dataset-cache-repaired.png' });

  // Cleared: nothing kept; the next visit downloads again.
  await page.getByTestId('clear-dataset-cache').click();
  await expect(page.getByTestId('dataset-cache-size')).toHaveText('No datasets kept in this browser.');
  await expect(page.getByTestId('dataset-status')).toHaveText('ready');
  await page.reload();
  await expect(page.getByTestId('dataset-status')).toHaveText('ready');
  await expect(storage(page)).toHaveAttribute('data-source', 'download');
  expect(errors).toEqual([]);
});
