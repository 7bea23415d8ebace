import { test, expect, type Locator, type Page } from '@playwright/test';
import fs from 'node:fs';
import { runEvents, setNumber } from './helpers';

/**
 * Comparing runs in the page: DREAM vs uniform sampling on MNIST with a tiny configuration (wasm, width 4, IPC 1,
 * 4 iterations; evaluation every 2 iterations with 2 networks x 20 epochs on 500 test images).
 */
const LINK = '/?backend=wasm&dataset=mnist&method=dm&ipc=1&width=8&realPerClass=8&iterations=4&sampler.interval=2&sampler.pool=40&sampler.probeSteps=2';
const CELL = /^(\d+\.\d)% ± (\d+\.\d)%( ▲)?$/;

async function setUp(page: Page): Promise<void> {
  await page.goto(LINK);
  await expect(page.getByTestId('dataset-status')).toHaveText('ready');
  await expect(page.getByTestId('status-backend')).toHaveText('wasm');
  await setNumber(page, 'eval-epochs-input', 20);
  await setNumber(page, 'eval-models-input', 2);
  await setNumber(page, 'eval-test-input', 500);
  await setNumber(page, 'eval-every-input', 2);
}

/**
 * A screenshot of one card without the fixed status bar over it: the viewport made as tall as the page (so nothing
 * scrolls and the bar sits below every card), then back to 1280x800.
 */
async function cardShot(page: Page, card: Locator, path: string): Promise<void> {
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: 1280, height: height + 100 });
  // No tooltip in the picture.
  await page.mouse.move(1, 1);
  await card.screenshot({ path });
  await page.setViewportSize({ width: 1280, height: 800 });
}

const panelShot = (page: Page, path: string) => cardShot(page, page.getByTestId('compare-panel'), path);

/** The accuracy (in %) a table cell shows. */
async function cellValue(page: Page, testId: string): Promise<number> {
  const text = ((await page.getByTestId(testId).textContent()) ?? '').trim();
  const m = CELL.exec(text);
  expect(m, `${testId} shows "${text}"`).not.toBeNull();
  return Number(m![1]);
}

test('compares DREAM with uniform sampling on MNIST: both curves on the same axes, the table, the images, each run reproducible from its link', async ({ page }) => {
  // Two runs with three evaluations each, then a third run: a few minutes when the machine is busy.
  test.setTimeout(480_000);
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await setUp(page);

  await page.getByTestId('compare-dream-uniform').click();
  await expect(page.getByTestId('compare-entry-0')).toContainText('uniform sampling');
  await expect(page.getByTestId('compare-entry-1')).toContainText('DREAM sampling');
  // The links carry each run's whole configuration.
  expect(await page.getByTestId('compare-link-0').getAttribute('href')).toContain('sampler=uniform');
  expect(await page.getByTestId('compare-link-1').getAttribute('href')).toContain('sampler=dream');
  await expect(page.getByTestId('compare-teach')).toContainText('Higher accuracy at the same iteration');
  // Adding the same pair again adds nothing, and says so.
  await page.getByTestId('compare-dream-uniform').click();
  await expect(page.getByTestId('compare-notice')).toContainText('already listed');
  await expect(page.getByTestId('compare-list').locator('li')).toHaveCount(2);

  await page.getByTestId('compare-run').click();
  await expect(page.getByTestId('compare-status-1')).toHaveText('done', { timeout: 400_000 });
  await expect(page.getByTestId('compare-status-0')).toHaveText('done');
  await expect(page.getByTestId('compare-progress')).toHaveCount(0);
  fs.mkdirSync('e2e-artifacts', { recursive: true });
  // The two runs ran one after the other, each evaluated at iterations 0, 2 and 4 (the page's event log).
  const events = (await runEvents(page)).filter((e) => ['started', 'done', 'evaluation'].includes(e.type));
  expect(events.map((e) => `${e.type}${e.type === 'started' ? '' : ` ${e.iteration}`}`)).toEqual(
    Array(2).fill(['started', 'evaluation 0', 'evaluation 2', 'evaluation 4', 'done 4']).flat(),
  );

  // Both runs' loss and accuracy curves are drawn on the same charts.
  await expect(page.getByTestId('compare-loss-chart').locator('path.recharts-line-curve')).toHaveCount(2);
  await expect(page.getByTestId('compare-accuracy-chart').locator('path.recharts-line-curve')).toHaveCount(2);
  await expect(page.getByTestId('compare-accuracy-chart').locator('path.recharts-area-area')).toHaveCount(2);
  // Three baselines as reference lines.
  await expect(page.getByTestId('compare-accuracy-chart').locator('.recharts-reference-line')).toHaveCount(3);

  // The table: each run at iterations 0, 2 and 4, and the three baselines.
  const values: number[] = [];
  for (const run of [0, 1]) {
    for (const it of [0, 2, 4]) values.push(await cellValue(page, `compare-cell-${run}-${it}`));
  }
  const baselines: number[] = [];
  for (const name of ['random', 'herding', 'kCenter']) {
    const text = (await page.getByTestId(`compare-baseline-${name}`).locator('td').first().textContent()) ?? '';
    const m = /(\d+\.\d)% ± (\d+\.\d)%/.exec(text);
    expect(m, `baseline ${name}: "${text}"`).not.toBeNull();
    baselines.push(Number(m![1]));
  }
  console.log(`uniform ${values.slice(0, 3).join(' / ')} %, DREAM ${values.slice(3).join(' / ')} %, baselines ${baselines.join(' / ')} %`);
  for (const v of [...values, ...baselines]) {
    expect(v).toBeGreaterThanOrEqual(0);
    expect(v).toBeLessThanOrEqual(100);
  }
  // Real evaluations of different sets: the numbers are not all one value.
  expect(new Set([...values, ...baselines]).size).toBeGreaterThan(1);
  // Both runs start from the same initial set (same seed and init): the same accuracy at iteration 0.
  expect(values[0]).toBe(values[3]);
  await expect(page.getByTestId('compare-verdict')).toContainText('At iteration 4');

  // Their final images side by side, and two different fingerprints.
  await expect(page.getByTestId('compare-grid-0')).toBeVisible();
  await expect(page.getByTestId('compare-grid-1')).toBeVisible();
  const shaUniform = (await page.getByTestId('compare-sha-0').getAttribute('title'))!.replace('sha256 ', '');
  const shaDream = (await page.getByTestId('compare-sha-1').getAttribute('title'))!.replace('sha256 ', '');
  expect(shaUniform).toMatch(/^[0-9a-f]{64}$/);
  expect(shaDream).not.toBe(shaUniform);

  // The last run's own accuracy chart in the Evaluate panel, and the final evaluation in its table.
  await expect(page.getByTestId('run-accuracy-chart').locator('path.recharts-line-curve')).toHaveCount(1);
  const finalCell = ((await page.getByTestId('compare-cell-1-4').textContent()) ?? '').replace(' ▲', '').trim();
  await expect(page.getByTestId('eval-distilled')).toHaveText(finalCell);

  await panelShot(page, 'e2e-artifacts/compare-done.png');
  await cardShot(page, page.locator('section[aria-labelledby="eval-title"]'), 'e2e-artifacts/compare-evaluate-panel.png');
  // At 1280x800, the charts and the verdict in view; and on a narrow window.
  await page.getByTestId('compare-list').evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: 'e2e-artifacts/compare-1280x800.png' });
  await page.setViewportSize({ width: 420, height: 900 });
  await page.getByTestId('compare-accuracy-chart').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'e2e-artifacts/compare-narrow.png' });
  await page.setViewportSize({ width: 1280, height: 800 });

  // The DREAM run's link, opened with run=1, gives its fingerprint again.
  const href = (await page.getByTestId('compare-link-1').getAttribute('href'))!;
  await page.goto(`${href}&run=1`);
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 120_000 });
  await expect(page.getByTestId('synthetic-sha')).toHaveText(shaDream.slice(0, 16));
  expect(errors).toEqual([]);
});

test('a comparison can be cancelled: the running entry stops, the next stays queued, and it runs again', async ({ page }) => {
  await setUp(page);
  await setNumber(page, 'iterations-input', 40);
  await page.getByTestId('compare-importance-random').click();
  await expect(page.getByTestId('compare-entry-0')).toContainText('random real init');
  await expect(page.getByTestId('compare-entry-1')).toContainText('importance init');
  await page.getByTestId('compare-run').click();
  await expect(page.getByTestId('compare-status-0')).toHaveText('running');
  await expect(page.getByTestId('run-status')).toHaveText('running', { timeout: 60_000 });
  await page.getByTestId('compare-cancel').click();
  await expect(page.getByTestId('compare-status-0')).toHaveText('stopped', { timeout: 60_000 });
  await expect(page.getByTestId('compare-status-1')).toHaveText('queued');
  await expect(page.getByTestId('run-status')).toHaveText('done');
  await expect(page.getByTestId('compare-run')).toBeEnabled();
  await panelShot(page, 'e2e-artifacts/compare-cancelled.png');
});
