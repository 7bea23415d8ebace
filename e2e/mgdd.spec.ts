import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import { preparingMessages, runsEnded, setNumber } from './helpers';

// Issue 16: MGDD is in the method picker, its controls come from its descriptor, a tiny run meta-trains the
// generator (with progress) and adapts it; a second run at another IPC on the same page reuses the generator
// (no meta-training) and says so in its readouts.
test('MGDD on wasm: the generator meta-trains with progress; a run at another IPC reuses it', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('/?backend=wasm');
  await expect(page.getByTestId('dataset-status')).toHaveText('ready', { timeout: 60_000 });
  await expect(page.getByTestId('mgdd-meta-tasks-input')).toHaveCount(0);
  await page.getByTestId('method-select').selectOption('mgdd');
  await setNumber(page, 'ipc-input', 1);
  await setNumber(page, 'width-input', 4);
  await setNumber(page, 'iterations-input', 3);
  await setNumber(page, 'mgdd-meta-tasks-input', 3);
  await expect.poll(() => page.url()).toContain('mgdd.metaTasks=3');
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 90_000 });
  await expect(page.getByTestId('status-iteration')).toHaveText('3');
  const first = await preparingMessages(page);
  expect(first.at(-1)).toBe('meta-training generator: task 3 of 3');
  expect(Number(await page.getByTestId('loss-last').textContent())).toBeGreaterThan(0);
  const readouts = page.getByTestId('method-readouts');
  await expect(readouts).toContainText(/Generator meta-trained on 3 tasks in \d+\.\d s/);

  // Another IPC: the generator comes from the page's cache.
  await setNumber(page, 'ipc-input', 3);
  await expect.poll(() => page.url()).toContain('ipc=3');
  await page.getByTestId('run-button').click();
  await expect.poll(() => runsEnded(page), { timeout: 60_000 }).toBe(2);
  await expect(page.getByTestId('run-status')).toHaveText('done');
  const second = (await preparingMessages(page)).slice(first.length);
  expect(second.filter((m) => m.startsWith('meta-training'))).toEqual([]);
  await expect(readouts).toContainText('reused');
  fs.mkdirSync('e2e-artifacts', { recursive: true });
  await readouts.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'e2e-artifacts/mgdd.png', fullPage: true });
});
