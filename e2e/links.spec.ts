import { test, expect, type Page } from '@playwright/test';
import fs from 'node:fs';

/** A small DM run, as a link: every control it sets, the seed, and run=1. */
const TINY = 'dataset=mnist&method=dm&ipc=1&iterations=3&width=8&realPerClass=8&seed=5&init=real&dsa=true';

async function runFromLink(page: Page, link: string): Promise<string> {
  await page.goto(link);
  // run=1: the run starts by itself once the dataset is loaded.
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 120_000 });
  await expect(page.getByTestId('status-iteration')).toHaveText('3');
  const sha = (await page.getByTestId('synthetic-sha').textContent()) ?? '';
  expect(sha).toMatch(/^[0-9a-f]{16}$/);
  return sha;
}

for (const backend of ['wasm', 'cpu'] as const) {
  test(`a link restores every control, runs by itself, and the same link gives the same synthetic bytes on ${backend}`, async ({ page }) => {
    const first = await runFromLink(page, `/?backend=${backend}&${TINY}&lrImages=0.5&momentum=0.8&run=1`);
    await expect(page.getByTestId('ipc-input')).toHaveValue('1');
    await expect(page.getByTestId('width-input')).toHaveValue('8');
    await expect(page.getByTestId('seed-input')).toHaveValue('5');
    await expect(page.getByTestId('method-select')).toHaveValue('dm');
    await expect(page.getByTestId('status-backend')).toHaveText(backend);

    // The address bar follows the controls (without run=1, so a reload does not start a run) ...
    expect(page.url()).toContain('seed=5');
    expect(page.url()).not.toContain('run=1');
    // ... and "Copy link that runs" gives the full configuration with the app version and run=1.
    await page.getByTestId('copy-run-link').click();
    const shared = await page.getByTestId('share-link').inputValue();
    for (const part of ['v=', `backend=${backend}`, 'ipc=1', 'width=8', 'realPerClass=8', 'seed=5', 'lrImages=0.5', 'momentum=0.8', 'run=1']) {
      expect(shared).toContain(part);
    }

    // The shared link, opened afresh, gives the same synthetic set, bit for bit.
    const again = await runFromLink(page, shared);
    expect(again).toBe(first);

    // Another seed gives other images.
    const other = await runFromLink(page, shared.replace('seed=5', 'seed=6'));
    expect(other).not.toBe(first);
  });
}

test('a tampered link is refused field by field, with a message naming each, and the page works on defaults', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => {
    errors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  const script = encodeURIComponent('<img src=x onerror=alert(1)>');
  await page.goto(`/?backend=wasm&ipc=999&method=${script}&width=16&colour=red&iterations=1e400&run=1`);
  const notice = page.getByTestId('link-errors');
  await expect(notice).toBeVisible();
  await expect(notice).toContainText("ipc must be a whole number from 1 to 50 (got '999')");
  await expect(notice).toContainText('method must be one of dm, dc, krr, mtt, sre2l');
  await expect(notice).toContainText("unknown field 'colour'");
  await expect(notice).toContainText('iterations must be a whole number from 1 to 100000');
  // The script is shown as text, never run or rendered as HTML.
  await expect(notice).toContainText('<img src=x onerror=alert(1)>');
  expect(await page.locator('.error-box img').count()).toBe(0);

  // Good fields applied, bad ones at their defaults; no run started by a link with errors.
  await expect(page.getByTestId('dataset-status')).toHaveText('ready');
  await expect(page.getByTestId('width-input')).toHaveValue('16');
  await expect(page.getByTestId('ipc-input')).toHaveValue('10');
  await expect(page.getByTestId('method-select')).toHaveValue('dm');
  await expect(page.getByTestId('run-status')).toHaveText('idle');
  await expect(page.getByTestId('run-button')).toBeEnabled();
  fs.mkdirSync('e2e-artifacts', { recursive: true });
  await page.screenshot({ path: 'e2e-artifacts/link-errors.png' });

  // The address bar now holds the configuration actually used.
  expect(page.url()).toContain('ipc=10');
  expect(page.url()).not.toContain('colour');
  await page.getByTestId('link-errors').getByRole('button', { name: /dismiss/i }).click();
  await expect(notice).toBeHidden();
  expect(errors).toEqual([]);
});

test('a run survives a reload: it is listed as interrupted and resumes from its checkpoint to the same bytes (wasm)', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const iterations = 6;
  const link = `/?backend=wasm&dataset=mnist&method=dm&ipc=1&iterations=${iterations}&width=8&realPerClass=8&seed=9&init=real&dsa=true`;

  // The uninterrupted run.
  await page.goto(`${link}&run=1`);
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 120_000 });
  await expect(page.getByTestId('status-iteration')).toHaveText(String(iterations));
  const straight = await page.getByTestId('synthetic-sha').textContent();
  await expect(page.getByTestId('saved-run').first()).toHaveAttribute('data-status', 'done');

  // The same link again, stepped to iteration 3 (Step runs one iteration, pauses and saves a checkpoint: no race with
  // a running loop), then the page is reloaded.
  const cut = 3;
  await page.goto(link);
  await expect(page.getByTestId('dataset-status')).toHaveText('ready');
  for (let it = 1; it <= cut; it++) {
    await page.getByTestId('step-button').click();
    await expect(page.getByTestId('status-iteration')).toHaveText(String(it), { timeout: 60_000 });
    await expect(page.getByTestId('run-status')).toHaveText('paused');
  }
  const current = page.getByTestId('saved-run').first();
  await expect(current.getByTestId('saved-iteration')).toHaveText(String(cut));
  await page.reload();

  // After the reload: two saved runs, the newest interrupted at its checkpoint.
  await expect(page.getByTestId('dataset-status')).toHaveText('ready');
  await expect(page.getByTestId('saved-run')).toHaveCount(2);
  const interrupted = page.getByTestId('saved-run').first();
  await expect(interrupted).toHaveAttribute('data-status', 'interrupted');
  await expect(interrupted.getByTestId('saved-iteration')).toHaveText(String(cut));
  fs.mkdirSync('e2e-artifacts', { recursive: true });
  await page.screenshot({ path: 'e2e-artifacts/saved-runs-interrupted.png' });
  await interrupted.getByTestId('resume-run').click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 120_000 });
  // The engine went on from the checkpoint (the run's 'started' event says so; a fresh run from the same link would
  // give the same bytes too, so this is what tells a resume from a restart).
  await expect(page.getByTestId('resumed-from')).toHaveText(String(cut));
  await expect(page.getByTestId('status-iteration')).toHaveText(String(iterations));
  const resumed = await page.getByTestId('synthetic-sha').textContent();
  expect(resumed).toBe(straight);
  await expect(page.getByTestId('saved-run').first()).toHaveAttribute('data-status', 'done');
  await page.screenshot({ path: 'e2e-artifacts/saved-runs-resumed.png' });
  expect(errors).toEqual([]);
});
