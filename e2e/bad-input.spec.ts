import { test, expect, type Page } from '@playwright/test';
import fs from 'node:fs';
import { IMPORTS, LINKS, realFile } from '../src/testing/bad-inputs';
import { classMajorSet, encodeNpz } from '../src/core/data/npz';
import { getDataset } from '../src/core/data/registry';

/** Drops a file on the import's drop zone, as a person dragging it from their desktop does. */
async function dropFile(page: Page, name: string, bytes: Uint8Array): Promise<void> {
  await page.getByTestId('files-panel').locator('.dropzone').evaluate(
    (zone, { name, data }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(data)], name));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    { name, data: Array.from(bytes) },
  );
}

const iteration = async (page: Page) => Number(((await page.getByTestId('status-iteration').textContent()) ?? '').replace(/[^\d]/g, ''));

/** The import cases dropped on the page (the 33 MiB record stays in the unit corpus). */
const DROPPED = IMPORTS.filter((c) => ['empty.npz', 'grid.png', 'cut.npz', 'shape.npz', 'nan.npz', 'bomb.npz', 'types.json', 'script.json', 'lr.json', 'extra.json'].includes(c.file));
/** The tampered links opened beside the run. */
const OPENED = LINKS.filter((c) => ['an unknown field', 'a number field given text', 'a NaN hyper-parameter', 'a script in a string (echoed as text, cut to 40 characters)', 'a huge value', 'a huge link'].includes(c.name));

test('bad files and tampered links get their messages, and the dataset, the run and the saved runs are untouched (cpu)', async ({ page, context }) => {
  const errors: string[] = [];
  const dialogs: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  // A run long enough to still be going at the end, as small as a run gets.
  await page.goto('/?backend=cpu&dataset=mnist&method=dm&ipc=1&iterations=100000&width=4&depth=1&realPerClass=2&dsa=false&seed=4&run=1');
  await expect(page.getByTestId('run-status')).toHaveText('running', { timeout: 120_000 });
  // The run has been saved once (every 5 s) before anything bad arrives.
  await expect(page.getByTestId('saved-run')).toHaveCount(1, { timeout: 30_000 });
  await expect(page.getByTestId('saved-run')).toHaveAttribute('data-status', 'running now');
  const datasetStatus = await page.getByTestId('dataset-status').textContent();
  await expect.poll(() => iteration(page), { timeout: 60_000 }).toBeGreaterThan(10);
  let last = await iteration(page);
  // The worker's tensor count, as the status bar shows it: the same at the end.
  const tensors = await page.getByTestId('status-tensors').textContent();
  expect(Number(tensors)).toBeGreaterThan(0);

  const stillRunning = async () => {
    await expect(page.getByTestId('run-status')).toHaveText('running');
    await expect.poll(() => iteration(page), { timeout: 30_000 }).toBeGreaterThan(last);
    last = await iteration(page);
    await expect(page.getByTestId('dataset-status')).toHaveText(datasetStatus!);
    await expect(page.getByTestId('imported-set')).toBeHidden();
    await expect(page.getByTestId('imported-record')).toBeHidden();
    await expect(page.getByTestId('saved-run')).toHaveCount(1);
  };

  // Bad files, dropped on the import while the run goes on: each gets its message, nothing else changes.
  const dropped: { file: string; bytes: Uint8Array; message: string }[] = [
    ...DROPPED.map((c) => ({ file: c.file, bytes: c.bytes(), message: c.message })),
    {
      // A dataset file is not an import: the page says what it takes.
      file: 'train-labels-idx1-ubyte.gz',
      bytes: realFile('mnist', 'train-labels-idx1-ubyte.gz'),
      message: 'train-labels-idx1-ubyte.gz: neither a .npz set (a zip archive) nor a run record (JSON): export one from this page or the distill command',
    },
    {
      // A good set is read too, and waits for the run to stop.
      file: 'good.npz',
      bytes: encodeNpz(classMajorSet(getDataset('mnist'), new Float32Array(10 * 784), 1)),
      message: 'good.npz: a .npz set; stop the run, or let it finish, before importing it',
    },
  ];
  expect(dropped.length).toBeGreaterThanOrEqual(10);
  for (const [i, c] of dropped.entries()) {
    if (i % 2 === 0) await dropFile(page, c.file, c.bytes);
    else await page.getByTestId('import-input').setInputFiles({ name: c.file, mimeType: 'application/octet-stream', buffer: Buffer.from(c.bytes) });
    await expect(page.getByTestId('import-error')).toHaveText(c.message);
    await stillRunning();
  }
  fs.mkdirSync('e2e-artifacts', { recursive: true });
  await page.getByTestId('files-panel').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'e2e-artifacts/bad-input-drop.png' });

  // Tampered links, opened in another tab beside the run: each setting is named, none starts a run, nothing runs.
  const other = await context.newPage();
  other.on('pageerror', (e) => errors.push(e.message));
  other.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  for (const [i, c] of OPENED.entries()) {
    await other.goto(`/${c.search}&run=1`);
    await expect(other.getByTestId('link-errors').locator('li')).toHaveText(c.errors);
    if (i === 0) {
      // run=1 in a link with errors: the dataset loads, and no run starts.
      await other.goto(`/${c.search}&backend=cpu&run=1`);
      await expect(other.getByTestId('link-errors').locator('li')).toHaveText(c.errors);
      await expect(other.getByTestId('dataset-status')).toHaveText(/ready/i, { timeout: 120_000 });
      await expect(other.getByTestId('run-button')).toBeEnabled();
    }
    await expect(other.getByTestId('run-status')).toHaveText('idle');
    // The other tab's saved run is listed, as it was.
    await expect(other.getByTestId('saved-run')).toHaveCount(1);
    if (c.search.includes('script')) {
      await expect(other.getByTestId('link-errors')).toContainText('<script>alert(document.cookie)</script>');
      await expect(other.locator('#root script, [onerror]')).toHaveCount(0);
      await other.screenshot({ path: 'e2e-artifacts/bad-input-link.png' });
    }
  }
  await other.close();
  await stillRunning();
  expect(dialogs).toEqual([]);

  await expect(page.getByTestId('status-tensors')).toHaveText(tensors!);

  await page.getByTestId('stop-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('done');
  await expect(page.getByTestId('saved-run')).toHaveCount(1);
  expect(errors).toEqual([]);
});
