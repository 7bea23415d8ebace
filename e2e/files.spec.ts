import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import crypto from 'node:crypto';
import { decodeNpz, forEvaluation } from '../src/core/data/npz';
import { runRecordSchema } from '../src/core/run/record';
import { download, setNumber } from './helpers';

const sha256 = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');

test('exports the set as .npz, PNG and run record; imports them back to evaluate, continue, and reproduce (wasm)', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const link = '/?backend=wasm&dataset=mnist&method=dm&ipc=1&iterations=6&width=8&realPerClass=8&seed=21&init=real&dsa=true';
  await page.goto(`${link}&run=1`);
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 120_000 });
  const fingerprint = (await page.getByTestId('synthetic-sha').textContent())!;

  // .npz: NCHW float32 in the normalised space, labels, normalisation, provenance; the pixels are the run's own.
  const npz = await download(page, 'npz');
  expect(npz.name).toBe('mnist-dm-ipc1-seed21-it6.npz');
  const set = decodeNpz(new Uint8Array(npz.bytes), { file: npz.name });
  expect(set.dataset).toBe('mnist');
  expect(set.shape).toEqual([28, 28, 1]);
  expect(Array.from(set.labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  expect(set.mean[0]).toBeCloseTo(0.1307, 4);
  expect(set.std[0]).toBeCloseTo(0.3081, 4);
  expect((set.meta.config as { seed: number }).seed).toBe(21);
  const { pixels } = forEvaluation(set);
  expect(sha256(new Uint8Array(pixels.buffer))).toMatch(new RegExp(`^${fingerprint}`));

  // PNG grid: 10 rows of one 28x28 image, scaled 4x.
  const png = await download(page, 'png');
  expect(png.bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  expect([png.bytes.readUInt32BE(16), png.bytes.readUInt32BE(20)]).toEqual([28 * 4, (10 * 28 + 9) * 4]);

  // Run record: the CLI's schema, the link's config, the curve, the fingerprint.
  const rec = await download(page, 'record');
  const record = runRecordSchema.parse(JSON.parse(rec.bytes.toString('utf8')));
  expect(record.config).toMatchObject({ method: 'dm', ipc: 1, iterations: 6, width: 8, realPerClass: 8, seed: 21 });
  expect(record.iterations.map((p) => p.iteration)).toEqual([1, 2, 3, 4, 5, 6]);
  expect(record.syntheticSha256.startsWith(fingerprint)).toBe(true);
  expect(record.backend).toBe('wasm');
  expect(record.backendDetail).toMatch(/^cross-origin isolated; SIMD, \d threads?$/);

  // A broken file: a message naming it, and nothing else changes.
  await page.getByTestId('import-input').setInputFiles({ name: 'broken.npz', mimeType: 'application/octet-stream', buffer: Buffer.from('PK\u0003\u0004garbage') });
  await expect(page.getByTestId('import-error')).toContainText('broken.npz:');
  await expect(page.getByTestId('synthetic-sha')).toHaveText(fingerprint);
  await expect(page.getByTestId('run-status')).toHaveText('done');

  // The .npz back: shown as the current set, evaluated under the protocol.
  await page.getByTestId('import-input').setInputFiles(npz.path.endsWith('.npz') ? npz.path : { name: npz.name, mimeType: 'application/octet-stream', buffer: npz.bytes });
  await expect(page.getByTestId('imported-set')).toContainText(`sha256 ${sha256(npz.bytes).slice(0, 12)}`);
  await expect(page.getByTestId('import-error')).toBeHidden();
  await expect(page.getByTestId('synthetic-source')).toBeVisible();
  await setNumber(page, 'eval-epochs-input', 2);
  await setNumber(page, 'eval-models-input', 1);
  await page.getByTestId('eval-button').click();
  await expect(page.getByTestId('eval-results')).toBeVisible({ timeout: 200_000 });
  await expect(page.getByTestId('eval-distilled')).toHaveText(/^\d+\.\d% ± \d+\.\d%$/);
  await page.getByTestId('files-panel').scrollIntoViewIfNeeded();
  fs.mkdirSync('e2e-artifacts', { recursive: true });
  await page.screenshot({ path: 'e2e-artifacts/imported-set.png', fullPage: true });

  // Continue distilling from it: the run starts from the file, and its record says so.
  await setNumber(page, 'iterations-input', 3);
  await page.getByTestId('continue-import').click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 120_000 });
  await expect(page.getByTestId('synthetic-source')).toBeVisible();
  const continued = runRecordSchema.parse(JSON.parse((await download(page, 'record')).bytes.toString('utf8')));
  expect(continued.startedFrom?.sha256).toBe(sha256(npz.bytes));
  expect(continued.iterations).toHaveLength(3);
  expect(continued.syntheticSha256.startsWith(fingerprint)).toBe(false);

  // The run record back: its configuration goes to the controls, and running it gives its fingerprint.
  await page.getByTestId('import-input').setInputFiles(rec.path.endsWith('.json') ? rec.path : { name: rec.name, mimeType: 'application/json', buffer: rec.bytes });
  await expect(page.getByTestId('imported-record')).toContainText('a DM run of 6 iterations on wasm');
  await expect(page.getByTestId('iterations-input')).toHaveValue('6');
  await expect(page.getByTestId('width-input')).toHaveValue('8');
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 120_000 });
  await expect(page.getByTestId('record-match')).toHaveText(/✓ This run gave the recorded fingerprint/);
  await page.getByTestId('files-panel').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'e2e-artifacts/imported-record.png' });
  expect(errors).toEqual([]);
});
