import { test, expect, type Page } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import { datasetSha256, decodeOwnFiles } from '../src/core/data/own';
import { readZipDirectory, readZipEntry } from '../src/core/data/zip';
import { runRecordSchema } from '../src/core/run/record';
import { download } from './helpers';

const DATA = path.resolve(process.env.DATASETS_DIR ?? '../shared/datasets');
const MNIST = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].map((n) =>
  path.join(DATA, 'mnist', n),
);
const SHOTS = 'e2e-artifacts';

/** The fingerprint Node computes for the same files: the page (worker) must agree byte for byte. */
async function nodeFingerprint(files: { path: string; bytes: Uint8Array }[]): Promise<string> {
  return datasetSha256(decodeOwnFiles(files));
}

/** A small zip of real CIFAR-10 JPEGs: the first `n` training images of three classes, as `<class>/<file>.jpg`. */
function smallCifarZip(n: number): { files: Record<string, Uint8Array>; zip: Uint8Array } {
  const bytes = new Uint8Array(fs.readFileSync(path.join(DATA, 'cifar-10-jpeg', 'cifar10-jpeg.zip')));
  const files: Record<string, Uint8Array> = {};
  const entries = readZipDirectory(bytes, 'cifar10-jpeg.zip');
  for (const cls of ['cat', 'dog', 'ship']) {
    entries
      .filter((e) => e.name.startsWith(`train/${cls}/`))
      .slice(0, n)
      .forEach((e) => (files[`${cls}/${path.basename(e.name)}`] = readZipEntry(bytes, e, 'z')));
  }
  return { files, zip: zipSync(files) };
}

async function cardShot(page: Page, name: string): Promise<void> {
  // A tall window for the shot, so the sticky status bar does not cover the card.
  await page.setViewportSize({ width: 1280, height: 1800 });
  await page.locator('section[aria-labelledby="dataset-title"]').screenshot({ path: `${SHOTS}/${name}.png` });
  await page.setViewportSize({ width: 1280, height: 800 });
}

test('own data: an IDX pair, a broken file (the previous set stays), a zip and a folder of class folders (cpu)', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/?backend=cpu&dataset=fashion-mnist&method=dm&ipc=1&iterations=3&width=4&realPerClass=4&dsa=false&seed=3');
  await expect(page.getByTestId('dataset-status')).toHaveText('ready', { timeout: 120_000 });
  await expect(page.locator('#dataset-title')).toHaveText('Fashion-MNIST');

  // The real MNIST .gz files, as a user would pick them.
  await page.getByTestId('upload-files-input').setInputFiles(MNIST);
  await expect(page.getByTestId('dataset-upload')).toBeVisible({ timeout: 120_000 });
  await expect(page.locator('#dataset-title')).toHaveText('train-images-idx3-ubyte.gz');
  await expect(page.getByTestId('dataset-status')).toHaveText('ready');
  const card = page.locator('section[aria-labelledby="dataset-title"]');
  // Class counts beside the sample grid (MNIST's training counts), and the split sizes.
  await expect(card).toContainText('60,000');
  await expect(card).toContainText('10,000');
  for (const count of ['5,923', '6,742', '5,949']) await expect(card).toContainText(count);
  await expect(card.getByRole('img', { name: /Real train-images-idx3-ubyte\.gz training images/ })).toBeVisible();
  const fingerprint = (await page.getByTestId('dataset-fingerprint').getAttribute('title'))!;
  expect(fingerprint).toBe(await nodeFingerprint(MNIST.map((p) => ({ path: path.basename(p), bytes: new Uint8Array(fs.readFileSync(p)) }))));
  // The link names the set by its fingerprint; the menu offers it.
  await expect(page).toHaveURL(new RegExp(`dataset=custom&datasetSha256=${fingerprint}`));
  await expect(page.getByTestId('dataset-select')).toHaveValue('custom');
  await cardShot(page, 'own-data-idx');
  await page.screenshot({ path: `${SHOTS}/own-data-page.png` });

  // Every method runs on it: DM here, a few iterations.
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 120_000 });
  await expect(page.getByTestId('synthetic-sha')).toHaveText(/^[0-9a-f]{16}$/);
  // The run record says which data it used: the upload's id, name and fingerprint.
  const rec = runRecordSchema.parse(JSON.parse((await download(page, 'record')).bytes.toString('utf8')));
  expect(rec.config).toMatchObject({ dataset: 'custom', datasetSha256: fingerprint });
  expect(rec.dataset).toMatchObject({ id: 'custom', variant: 'idx', name: 'train-images-idx3-ubyte.gz', sha256: fingerprint, trainCount: 60000, testCount: 10000 });
  const npz = await download(page, 'npz');
  expect(npz.name).toBe('custom-dm-ipc1-seed3-it3.npz');

  // A broken file: its message, and the uploaded MNIST stays loaded and usable.
  await page.getByTestId('upload-files-input').setInputFiles({ name: 'broken-images-idx3-ubyte.gz', mimeType: 'application/gzip', buffer: Buffer.from('not gzip at all') });
  await expect(page.getByTestId('upload-error')).toContainText('broken-images-idx3-ubyte.gz: not a gzip file: starts with 6e 6f, expected 1f 8b');
  await expect(page.getByTestId('upload-error')).toContainText('The dataset loaded before is still loaded and usable.');
  await expect(page.locator('#dataset-title')).toHaveText('train-images-idx3-ubyte.gz');
  await expect(page.getByTestId('dataset-fingerprint')).toHaveAttribute('title', fingerprint);
  await cardShot(page, 'own-data-error');
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 120_000 });

  // A zip of class folders (real CIFAR-10 JPEGs, 3 classes), with a non-image in a class folder: skipped and named.
  const { files, zip } = smallCifarZip(10);
  const withNote = zipSync({ ...files, 'dog/readme.txt': new TextEncoder().encode('not an image') });
  await page.getByTestId('upload-files-input').setInputFiles({ name: 'pets.zip', mimeType: 'application/zip', buffer: Buffer.from(withNote) });
  await expect(page.locator('#dataset-title')).toHaveText('pets.zip', { timeout: 60_000 });
  await expect(page.getByTestId('upload-error')).toBeHidden();
  await expect(page.getByTestId('dataset-held-out')).toHaveText(
    'pets.zip has no test split: 6 of its 30 images are held out as the test set (the last 20% of each class, in file order), leaving 24 for training.',
  );
  await expect(page.getByTestId('dataset-upload-note')).toHaveText('Skipped 1 file that is not a PNG or JPEG image: dog/readme.txt.');
  await expect(card.getByRole('img', { name: /one row per class/ })).toBeVisible();
  for (const cls of ['cat', 'dog', 'ship']) await expect(card).toContainText(cls);
  const zipPrint = (await page.getByTestId('dataset-fingerprint').getAttribute('title'))!;
  expect(zipPrint).toBe(await nodeFingerprint([{ path: 'pets.zip', bytes: zip }]));
  await cardShot(page, 'own-data-zip');
  // Another method on it: DC (gradient matching), a few iterations.
  await page.getByTestId('method-select').selectOption('dc');
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 120_000 });

  // The same images as a folder (directory picker): the same data, so the same fingerprint.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'own-data-'));
  const top = path.join(dir, 'pets');
  for (const [p, bytes] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(top, p)), { recursive: true });
    fs.writeFileSync(path.join(top, p), bytes);
  }
  await page.getByTestId('upload-folder-input').setInputFiles(top);
  await expect(page.locator('#dataset-title')).toHaveText('pets', { timeout: 60_000 });
  await expect(page.getByTestId('dataset-fingerprint')).toHaveAttribute('title', zipPrint);

  // A class folder with no images is refused by name; the folder set stays.
  await page.getByTestId('upload-files-input').setInputFiles({ name: 'empty-class.zip', mimeType: 'application/zip', buffer: Buffer.from(zipSync({ ...files, 'bird/': new Uint8Array(0) })) });
  await expect(page.getByTestId('upload-error')).toContainText('empty-class.zip: bird/: a class folder with no images (PNG or JPEG)');
  await expect(page.locator('#dataset-title')).toHaveText('pets');
  fs.rmSync(dir, { recursive: true, force: true });
  expect(errors).toEqual([]);
});

test('CIFAR-10 loads complete from its JPEG zip, with progress, and says JPEG is lossy (cpu)', async ({ page }) => {
  await page.goto('/?backend=cpu&dataset=cifar-10&ipc=1&iterations=2&width=4&realPerClass=4&dsa=false');
  await expect(page.getByTestId('load-progress')).toContainText('Decoding images', { timeout: 60_000 });
  await expect(page.getByTestId('dataset-status')).toHaveText('ready', { timeout: 200_000 });
  const card = page.locator('section[aria-labelledby="dataset-title"]');
  await expect(card).toContainText('50,000');
  await expect(card).toContainText('10,000');
  await expect(page.getByTestId('dataset-variant-note')).toContainText('JPEG is lossy');
  await expect(page.getByTestId('dataset-held-out')).toBeHidden();
  await cardShot(page, 'cifar10-jpeg');
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 120_000 });
});

test('a link to an uploaded dataset says it cannot load the files, and opens on MNIST (cpu)', async ({ page }) => {
  const sha = 'ab'.repeat(32);
  await page.goto(`/?backend=cpu&dataset=custom&datasetSha256=${sha}&ipc=1&iterations=2&width=4&run=1`);
  await expect(page.getByTestId('link-errors')).toContainText(
    `this link was made with a dataset uploaded in the page (fingerprint ${sha.slice(0, 12)}…); a link cannot carry the files, so MNIST is loaded: drop the same files on the Dataset card to use them`,
  );
  await expect(page.getByTestId('dataset-status')).toHaveText('ready', { timeout: 120_000 });
  await expect(page.locator('#dataset-title')).toHaveText('MNIST');
  // run=1 is not honoured: the link's dataset was not available.
  await expect(page.getByTestId('run-status')).toHaveText('idle');
  await expect(page).toHaveURL(/dataset=mnist/);
});

test('own data: a CIFAR binary batch, 20% held out, the same bytes as in Node (cpu)', async ({ page }) => {
  const file = path.join(DATA, 'cifar-10', 'data_batch_1.first4000.bin');
  await page.goto('/?backend=cpu&ipc=1&iterations=2&width=4&realPerClass=4&dsa=false');
  await expect(page.getByTestId('dataset-status')).toHaveText('ready', { timeout: 120_000 });
  await page.getByTestId('upload-files-input').setInputFiles(file);
  await expect(page.locator('#dataset-title')).toHaveText('data_batch_1.first4000.bin', { timeout: 60_000 });
  await expect(page.getByTestId('dataset-held-out')).toContainText('800 of its 4000 images are held out as the test set');
  const card = page.locator('section[aria-labelledby="dataset-title"]');
  for (const cls of ['airplane', 'truck']) await expect(card).toContainText(cls);
  const print = await page.getByTestId('dataset-fingerprint').getAttribute('title');
  expect(print).toBe(await nodeFingerprint([{ path: path.basename(file), bytes: new Uint8Array(fs.readFileSync(file)) }]));
});

test('own data: a zip dropped on the card (drag and drop) loads like a picked one (cpu)', async ({ page }) => {
  await page.goto('/?backend=cpu&ipc=1&iterations=2&width=4&realPerClass=4&dsa=false');
  await expect(page.getByTestId('dataset-status')).toHaveText('ready', { timeout: 120_000 });
  const { zip } = smallCifarZip(5);
  const transfer = await page.evaluateHandle((bytes) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(bytes)], 'dropped.zip', { type: 'application/zip' }));
    return dt;
  }, Array.from(zip));
  await page.getByTestId('own-data').locator('.dropzone').dispatchEvent('drop', { dataTransfer: transfer });
  await expect(page.locator('#dataset-title')).toHaveText('dropped.zip', { timeout: 60_000 });
  await expect(page.getByTestId('dataset-fingerprint')).toHaveAttribute('title', await nodeFingerprint([{ path: 'dropped.zip', bytes: zip }]));
});
