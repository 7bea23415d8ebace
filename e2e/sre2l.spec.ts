import { test, expect } from '@playwright/test';
import fs from 'node:fs';
import { download, preparingMessages, setNumber } from './helpers';

// Issue 16: decoupled synthesis (SRe2L) with DWA is in the method picker, its controls come from its descriptor,
// and a tiny run trains its teacher (with progress), recovers the images and reports their per-class diversity;
// after it ends, Evaluate can relabel every set by the run's teacher (SRe2L's own protocol).
test('SRe2L + DWA on wasm: the teacher trains with progress, a tiny run completes and shows the diversity; its teacher relabels an evaluation', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto('/?backend=wasm');
  await expect(page.getByTestId('dataset-status')).toHaveText('ready', { timeout: 60_000 });
  await expect(page.getByTestId('dwa-input')).toHaveCount(0);
  await page.getByTestId('method-select').selectOption('sre2l');
  const box = page.getByTestId('dwa-input');
  await expect(box).not.toBeChecked();
  await box.check();
  await expect.poll(() => page.url()).toContain('dwa=true');
  await setNumber(page, 'ipc-input', 2);
  await setNumber(page, 'width-input', 4);
  await setNumber(page, 'iterations-input', 3);
  await setNumber(page, 'sre2l-teacher-epochs-input', 1);
  await setNumber(page, 'sre2l-teacher-images-input', 256);
  await expect.poll(() => page.url()).toContain('sre2l.teacherImages=256');
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 90_000 });
  await expect(page.getByTestId('status-iteration')).toHaveText('3');
  const messages = await preparingMessages(page);
  expect(messages).toContain('training teacher: epoch 1 of 1');
  expect(messages.at(-1)).toBe('adjusting the teacher for 2 batches (DWA)');
  expect(Number(await page.getByTestId('loss-last').textContent())).toBeGreaterThan(0);
  const readouts = page.getByTestId('method-readouts');
  await expect(readouts).toContainText('Diversity');
  await expect(readouts).toContainText(/per class 0 \d+\.\d\d, 1 \d+\.\d\d/);
  fs.mkdirSync('e2e-artifacts', { recursive: true });
  await readouts.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'e2e-artifacts/sre2l.png', fullPage: true });

  // The finished run's teacher relabels every set's augmented batches; the table and the run record say so.
  await page.getByTestId('eval-labels-select').selectOption('teacher');
  await page.getByTestId('eval-dsa-input').check();
  // IDC's evaluation augmentation on top: the teacher labels the mixed images.
  await page.getByTestId('eval-cutmix-input').check();
  // and IDC's learning-rate schedule: the whole of IDC's evaluation protocol.
  await page.getByTestId('eval-lr-schedule-select').selectOption('idc');
  await setNumber(page, 'eval-epochs-input', 2);
  await setNumber(page, 'eval-models-input', 1);
  await setNumber(page, 'eval-test-input', 200);
  await page.getByTestId('eval-button').click();
  const caption = page.getByTestId('eval-results').locator('caption');
  await expect(caption).toContainText('every set relabelled by the run’s teacher, batch by batch', { timeout: 120_000 });
  await expect(caption).toContainText('DSA in evaluation on · CutMix on · lr ×0.2 at 2/3 and 5/6 ·');
  for (const name of ['distilled', 'random', 'herding', 'kCenter']) await expect(page.getByTestId(`eval-${name}`)).toHaveText(/^\d+\.\d% ± \d+\.\d%$/);
  const record = JSON.parse((await download(page, 'record')).bytes.toString('utf8')) as { evaluation: { labels?: string; dsa?: boolean; cutmix?: boolean; lrSchedule?: string } };
  expect(record.evaluation).toMatchObject({ labels: 'teacher', dsa: true, cutmix: true, lrSchedule: 'idc' });
  await page.locator('section[aria-labelledby="eval-title"]').screenshot({ path: 'e2e-artifacts/evaluate-teacher.png' });
});
