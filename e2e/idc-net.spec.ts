import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import { setNumber } from './helpers';

// Issue 17: DC's options "matching network trained on real images" and "IDC's L1 gradient distance" (IDC) are in
// the page, in the link, and run.
test("DC with IDC's real-data matching network and L1 distance: the checkboxes set dcNet=real and dcDistance=l1 in the link and a tiny run completes", async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('/?backend=wasm');
  await expect(page.getByTestId('dataset-status')).toHaveText('ready', { timeout: 120_000 });
  await expect(page.getByTestId('dc-net-input')).toHaveCount(0);
  await expect(page.getByTestId('dc-distance-input')).toHaveCount(0);
  await page.getByTestId('method-select').selectOption('dc');
  const box = page.getByTestId('dc-net-input');
  await expect(box).not.toBeChecked();
  await box.check();
  await expect.poll(() => page.url()).toContain('dcNet=real');
  const l1 = page.getByTestId('dc-distance-input');
  await expect(l1).not.toBeChecked();
  await l1.check();
  await expect.poll(() => page.url()).toContain('dcDistance=l1');
  // The L1 sum wants an image learning rate far below DC's 0.1 (under More settings).
  await page.locator('.more-settings__summary').click();
  await setNumber(page, 'lr-input', 0.0005);
  await expect.poll(() => page.url()).toContain('lrImages=0.0005');
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
  await page.goto('/?backend=wasm&method=dc&dcNet=real&dcDistance=l1');
  await expect(page.getByTestId('dc-net-input')).toBeChecked();
  await expect(page.getByTestId('dc-distance-input')).toBeChecked();
});
