import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { runEvents, transitionsDone } from './helpers';

/** Counts of clearly blue (darker), clearly red (brighter) and other pixels in a canvas. */
async function changeColours(page: Page, testId: string): Promise<{ blue: number; red: number; total: number }> {
  return page.getByTestId(testId).evaluate((el) => {
    const c = el as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let blue = 0;
    let red = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 2]! - d[i]! > 40) blue++;
      if (d[i]! - d[i + 2]! > 40) red++;
    }
    return { blue, red, total: d.length / 4 };
  });
}

test('shows what a DM run changed: the change from the start with its scale, and per class how far the images moved', async ({ page }) => {
  const iterations = 12;
  await page.goto(`/?backend=wasm&dataset=mnist&method=dm&ipc=2&iterations=${iterations}&width=8&realPerClass=8&seed=4&init=real&dsa=false`);
  await expect(page.getByTestId('dataset-status')).toHaveText('ready', { timeout: 60_000 });
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 60_000 });
  // The final snapshot (the run's last images event) is the one the view shows.
  const lastImages = (await runEvents(page)).filter((e) => e.type === 'images').at(-1);
  expect(lastImages?.iteration).toBe(iterations);

  // Per class, how far the images moved by the end: ten figures, all above zero, at the last iteration.
  await expect(page.getByTestId('movement-iteration')).toHaveText(String(iterations));
  const figures = page.getByTestId('movement-figures').locator('li');
  await expect(figures).toHaveCount(10);
  const values = (await figures.allTextContents()).map((t) => Number(t.trim().split(/\s+/).at(-1)));
  for (const v of values) expect(v).toBeGreaterThan(0);
  await expect(page.getByTestId('movement').locator('svg path')).toHaveCount(10);
  await expect(page.getByTestId('movement').locator('svg')).toHaveAttribute('aria-label', new RegExp(`at iteration ${iterations}, most `));

  // Images is the default view; the change view replaces the grid with the diverging map and its legend.
  const toggle = page.getByTestId('synthetic-view');
  await expect(toggle.getByRole('button', { name: 'Images' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('change-canvas')).toHaveCount(0);
  await page.screenshot({ path: 'e2e-artifacts/change-images-1280.png', fullPage: true });
  await toggle.getByRole('button', { name: 'Change from start' }).click();
  await expect(toggle.getByRole('button', { name: 'Change from start' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('synthetic-canvas')).toHaveCount(0);
  const scale = await page.getByTestId('change-scale').textContent();
  const m = /^±([\d.]+) ×([\d.]+)$/.exec(scale ?? '');
  expect(m, `scale text: ${scale}`).not.toBeNull();
  const [plusMinus, gain] = [Number(m![1]), Number(m![2])];
  expect(plusMinus).toBeGreaterThan(0);
  // gain = 1 / (scale · MNIST's std 0.3081), each printed to 2 figures.
  expect(Math.abs(gain - 1 / (plusMinus * 0.3081)) / gain).toBeLessThan(0.1);
  await expect(page.getByTestId('change-legend')).toContainText('blue: darker');
  const colours = await changeColours(page, 'change-canvas');
  // 10 rows × 2 images of 28×28 (and 1-pixel gaps): some pixels got darker and some brighter.
  expect(colours.total).toBe((2 * 28 + 1) * (10 * 28 + 9));
  expect(colours.blue).toBeGreaterThan(0);
  expect(colours.red).toBeGreaterThan(0);
  // The change view, its legend and the movement chart pass axe (no serious or critical violation).
  await transitionsDone(page);
  const axe = await new AxeBuilder({ page }).include('.card--synthetic').withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.length}`)).toEqual([]);
  const card = page.locator('.card--synthetic');
  await card.screenshot({ path: 'e2e-artifacts/change-1280.png' });
  await page.setViewportSize({ width: 390, height: 844 });
  await card.screenshot({ path: 'e2e-artifacts/change-390.png' });

  // And back.
  await toggle.getByRole('button', { name: 'Images' }).click();
  await expect(page.getByTestId('synthetic-canvas')).toBeVisible();
  await expect(page.getByTestId('change-legend')).toHaveCount(0);
});
