import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import { setNumber } from './helpers';

// Issue 17: DM's option "networks trained on real images (IDM pool)" is in the page, in the link, and runs.
test('DM with IDM\'s network pool: the checkbox shows the pool settings, sets dmNet=pool in the link, explains itself, and a tiny run completes', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('/?backend=wasm');
  await expect(page.getByTestId('dataset-status')).toHaveText('ready', { timeout: 120_000 });
  const box = page.getByTestId('dm-net-input');
  await expect(box).not.toBeChecked();
  // The pool's settings show only with the pool on, and links without it do not name them.
  await expect(page.getByTestId('dm-pool-size-input')).toHaveCount(0);
  expect(page.url()).not.toContain('dmPool');
  await box.check();
  await expect.poll(() => page.url()).toContain('dmNet=pool');
  await expect.poll(() => page.url()).toContain('dmPool.size=');
  await expect(page.getByTestId('learn-techniques')).toContainText('A pool of networks trained on real images (IDM)');
  await setNumber(page, 'ipc-input', 1);
  await setNumber(page, 'width-input', 8);
  await setNumber(page, 'real-input', 8);
  await setNumber(page, 'iterations-input', 3);
  await setNumber(page, 'dm-pool-steps-input', 1);
  await setNumber(page, 'dm-pool-interval-input', 1);
  await expect.poll(() => page.url()).toContain('dmPool.steps=1');
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 150_000 });
  await expect(page.getByTestId('status-iteration')).toHaveText('3');
  expect(Number(await page.getByTestId('loss-last').textContent())).toBeGreaterThan(0);
  fs.mkdirSync('e2e-artifacts', { recursive: true });
  await box.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'e2e-artifacts/idm-pool.png' });
  // A link with the setting opens with the box ticked and the pool's values.
  await page.goto('/?backend=wasm&method=dm&dmNet=pool&dmPool.size=7');
  await expect(page.getByTestId('dm-net-input')).toBeChecked();
  await expect(page.getByTestId('dm-pool-size-input')).toHaveValue('7');
});
