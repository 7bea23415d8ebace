import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import { download, runsEnded, setNumber } from './helpers';

// Issue 17: the "Best at 1 per class" preset (DM + multi-formation factor 2) runs, briefly, and its .npz carries
// the stored images, the factor and the decoded set.
test('the "Best at 1 per class" preset sets multi-formation and runs; the .npz holds the decoded set', async ({ page }) => {
  await page.goto('/?backend=wasm');
  await expect(page.getByTestId('dataset-status')).toHaveText('ready', { timeout: 120_000 });
  await page.getByTestId('preset-select').selectOption({ label: 'Best at 1 per class' });
  await expect(page.getByTestId('factor-input')).toHaveValue('2');
  await expect(page.getByTestId('ipc-input')).toHaveValue('1');
  // The best recipe of bench/results/moonshot.md: width 128, 128 real per class, k-means tiles.
  await expect(page.getByTestId('width-input')).toHaveValue('128');
  await expect(page.getByTestId('real-input')).toHaveValue('128');
  await expect(page.getByTestId('init-select')).toHaveValue('kmeans');
  await expect.poll(() => page.url()).toContain('factor=2');
  fs.mkdirSync('e2e-artifacts', { recursive: true });
  await page.getByTestId('factor-input').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'e2e-artifacts/moonshot-factor.png' });
  // A tiny budget: 2 iterations at width 16 (the preset's 1000 at width 128 are the bench's recipe; at width 128 the
  // k-means tile init, which embeds every training image, was most of this test's time). Factor and init stay.
  await setNumber(page, 'iterations-input', 2);
  await setNumber(page, 'width-input', 16);
  await page.getByTestId('run-button').click();
  await expect.poll(() => runsEnded(page), { timeout: 200_000 }).toBe(1);
  fs.mkdirSync('e2e-artifacts', { recursive: true });
  await page.screenshot({ path: 'e2e-artifacts/moonshot-preset.png', fullPage: true });
  const { bytes } = await download(page, 'npz');
  // The zip's member names are stored in clear: the stored images and the multi-formation entries.
  const text = bytes.toString('latin1');
  for (const name of ['images.npy', 'factor.npy', 'decoded_images.npy', 'decoded_labels.npy']) expect(text).toContain(name);
});
