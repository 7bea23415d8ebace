import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import { setNumber } from './helpers';

// Issue 17: DC's option "matching network trained on real images" (IDC) is in the page, in the link, and runs.
test('DC with the real-data matching network (IDC): the checkbox sets dcNet=real in the link and a tiny run completes', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('/?backend=wasm');
  await expect(page.getByTestId('dataset-status')).toHaveText('ready', { timeout: 120_000 });
  await expect(page.getByTestId('dc-net-input')).toHaveCount(0);
  await page.getByTestId('method-select').selectOption('dc');
  const box = page.getByTestId('dc-net-input');
  await expect(box).not.toBeChecked();
  await box.check();
  await expect.poll(() => page.url()).toContain('dcNet=real');
  await setNumber(page, 'ipc-input', 1);
  await setNumber(page, 'width-input', 8);
  await setNumber(page, 'real-input', 8);
  await setNumber(page, 'iterations-input', 2);
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 150_000 });
  await expect(page.getByTestId('status-iteration')).toHaveText('2');
  expect(Number(await page.getByTestId('loss-last').textContent())).toBeGreaterThan(0);
  fs.mkdirSync('e2e-artifacts', { recursive: true });
  await box.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'e2e-artifacts/idc-net.png' });
  // A link with the setting opens with the box ticked.
  await page.goto('/?backend=wasm&method=dc&dcNet=real');
  await expect(page.getByTestId('dc-net-input')).toBeChecked();
});
