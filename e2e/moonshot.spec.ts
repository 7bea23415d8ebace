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
  await expect.poll(() => page.url()).toContain('factor=2');
  fs.mkdirSync('e2e-artifacts', { recursive: true });
  await page.getByTestId('factor-input').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'e2e-artifacts/moonshot-factor.png' });
  // A tiny budget: 3 iterations (the preset's 1000 are the bench's recipe).
  await setNumber(page, 'iterations-input', 3);
  await page.getByTestId('run-button').click();
  await expect.poll(() => runsEnded(page), { timeout: 90_000 }).toBe(1);
  fs.mkdirSync('e2e-artifacts', { recursive: true });
  await page.screenshot({ path: 'e2e-artifacts/moonshot-preset.png', fullPage: true });
  const { bytes } = await download(page, 'npz');
  // The zip's member names are stored in clear: the stored images and the multi-formation entries.
  const text = bytes.toString('latin1');
  for (const name of ['images.npy', 'factor.npy', 'decoded_images.npy', 'decoded_labels.npy']) expect(text).toContain(name);
});
