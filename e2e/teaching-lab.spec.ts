import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import { setNumber } from './helpers';

// Issue 16: the multi-index Teaching lab runs its first preset in the worker (wasm), at a short budget, and ends
// with a curve in which the distilled points hold more of their energy in the hidden subspace than random ones.
test('the Teaching lab runs its preset in the worker and shows the curve', async ({ page }) => {
  await page.goto('/?backend=wasm');
  await expect(page.getByTestId('dataset-status')).toHaveText('ready', { timeout: 120_000 });
  const panel = page.getByTestId('lab-panel');
  await panel.scrollIntoViewIfNeeded();
  await page.getByTestId('lab-preset-select').selectOption('corner');
  await expect(page.getByTestId('lab-teaching-text')).toContainText('r/d = 2/32');
  await expect(page.getByTestId('lab-d-input')).toHaveValue('32');
  await expect(page.getByTestId('lab-link-select')).toHaveValue('relu');
  // A short budget (the preset's 400 iterations and four sizes are the bench's): two sizes, 60 iterations.
  await page.getByTestId('lab-points-input').fill('2, 8');
  await page.getByTestId('lab-points-input').press('Tab');
  await setNumber(page, 'lab-iterations-input', 60);
  await page.getByTestId('lab-run').click();
  // The final state lasts: the panel's status attribute and the table's rows.
  await expect(panel).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
  for (const m of [2, 8]) {
    const row = page.getByTestId(`lab-row-${m}`);
    const distilled = Number(await row.getAttribute('data-fraction-distilled'));
    const random = Number(await row.getAttribute('data-fraction-random'));
    expect(distilled, `m ${m}`).toBeGreaterThan(2 * random);
    expect(distilled, `m ${m}`).toBeGreaterThan(2 / 32);
    const acc = Number(await row.getAttribute('data-accuracy-distilled'));
    expect(acc).toBeGreaterThan(0);
    expect(acc).toBeLessThanOrEqual(1);
  }
  await expect(page.getByTestId('lab-fraction-chart').locator('svg').first()).toBeVisible();
  await expect(page.getByTestId('lab-accuracy-chart').locator('svg').first()).toBeVisible();
  await expect(page.getByTestId('lab-reference')).toContainText('Whole training set (4096 points');
  fs.mkdirSync('e2e-artifacts', { recursive: true });
  await panel.screenshot({ path: 'e2e-artifacts/teaching-lab.png' });
});
