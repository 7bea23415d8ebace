import { test, expect, type Page } from '@playwright/test';
import fs from 'node:fs';
import { exportedPixels, download, runEvents, setNumber } from './helpers';
import type { TestFault } from '../src/shared/protocol';

/**
 * Faults survived (issue 7). `#test-hooks` gives the page window.__distillTest: terminate the worker (as a
 * crash of the browser's would, with no event: only the heartbeat notices) or have it simulate a fault.
 */
const HOOKS = '#test-hooks';
const CPU_RUN = '/?backend=cpu&dataset=mnist&method=dm&ipc=1&width=4&realPerClass=8&seed=3&init=real&dsa=true';

function shot(page: Page, name: string) {
  fs.mkdirSync('e2e-artifacts', { recursive: true });
  return page.screenshot({ path: `e2e-artifacts/${name}.png` });
}

/** What src/app/engine.ts puts on window under `#test-hooks`. */
type Hooks = { __distillTest: { terminate: () => void; fault: (f: TestFault) => Promise<void> } };
const terminate = (page: Page) => page.evaluate(() => (window as unknown as Hooks).__distillTest.terminate());
const fault = (page: Page, f: TestFault) => page.evaluate((x) => (window as unknown as Hooks).__distillTest.fault(x), f);
const iteration = async (page: Page) => Number(await page.getByTestId('status-iteration').textContent());

/**
 * The iteration the replacement worker resumed from, once it has: the page says it (`resumed-from`), and it must be
 * the last checkpoint the page received before the restart (its event log). Read after the fault, not before: a
 * checkpoint arrives every second under #test-hooks, so one read before the fault may be one behind.
 */
async function resumedFromLastCheckpoint(page: Page): Promise<number> {
  const cut = Number(await page.getByTestId('resumed-from').textContent());
  const events = await runEvents(page);
  const restart = events.map((e) => e.type).lastIndexOf('started');
  const before = events.slice(0, restart).filter((e) => e.type === 'checkpoint');
  expect(before.at(-1)?.iteration).toBe(cut);
  return cut;
}

/** The iteration of the current run's latest saved checkpoint, once there is one. */
async function savedCheckpoint(page: Page): Promise<number> {
  const saved = page.getByTestId('saved-run').first().getByTestId('saved-iteration');
  await expect(saved).toHaveText(/^\d+$/, { timeout: 60_000 });
  return Number(await saved.textContent());
}

test('a terminated worker is noticed, replaced, and the run resumes from its checkpoint to the same bytes (cpu)', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Under #test-hooks the worker saves a checkpoint every second: the cut comes after an iteration or two.
  const iterations = 8;
  const link = `${CPU_RUN}&iterations=${iterations}`;
  await page.goto(`${link}&run=1${HOOKS}`);
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 120_000 });
  const straight = await page.getByTestId('synthetic-sha').textContent();

  await page.goto(`${link}${HOOKS}`);
  await expect(page.getByTestId('dataset-status')).toHaveText('ready');
  await page.getByTestId('run-button').click();
  expect(await savedCheckpoint(page)).toBeGreaterThan(0);
  await terminate(page);
  const notice = page.getByTestId('fault-notice');
  await expect(notice).toBeVisible({ timeout: 30_000 });
  await expect(notice).toContainText('The compute worker stopped answering');
  await expect(notice).toHaveAttribute('data-state', 'resumed');
  const cut = await resumedFromLastCheckpoint(page);
  expect(cut).toBeGreaterThan(0);
  expect(cut).toBeLessThan(iterations);
  await expect(page.getByTestId('fault-action')).toContainText(`A new worker on cpu resumed the run from its checkpoint at iteration ${cut}. Restart 1 of at most 3.`);
  await shot(page, 'fault-resumed');
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 120_000 });
  expect(await iteration(page)).toBe(iterations);
  expect(await page.getByTestId('synthetic-sha').textContent()).toBe(straight);
  await expect(page.getByTestId('saved-run').first()).toHaveAttribute('data-status', 'done');
  expect(errors).toEqual([]);
});

test('a worker that crashes (error event) while paused is replaced and the run waits, paused, at its checkpoint; after 3 restarts the page stops and says so (cpu)', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${CPU_RUN}&iterations=40${HOOKS}`);
  await expect(page.getByTestId('dataset-status')).toHaveText('ready');
  await page.getByTestId('run-button').click();
  await expect.poll(() => iteration(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
  await page.getByTestId('pause-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('paused');
  // The pause saves a checkpoint where it stopped (an earlier periodic one may be listed first for a moment).
  const cut = await iteration(page);
  await expect(page.getByTestId('saved-run').first().getByTestId('saved-iteration')).toHaveText(String(cut), { timeout: 60_000 });

  await fault(page, 'throw');
  const notice = page.getByTestId('fault-notice');
  await expect(notice).toContainText('The compute worker crashed');
  await expect(notice).toContainText('Simulated crash (fault test)');
  await expect(notice).toHaveAttribute('data-state', 'resumed');
  await expect(page.getByTestId('resumed-from')).toHaveText(String(cut));
  // It was paused: it stays paused, where it was.
  await expect(page.getByTestId('run-status')).toHaveText('paused');
  expect(await iteration(page)).toBe(cut);
  await page.getByTestId('pause-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('running');

  // Two more crashes are survived (restarts 2 and 3) ...
  for (const restart of [2, 3]) {
    await expect.poll(() => iteration(page), { timeout: 60_000 }).toBeGreaterThan(cut);
    await fault(page, 'throw');
    await expect(page.getByTestId('fault-action')).toContainText(`Restart ${restart} of at most 3.`);
    await expect(notice).toHaveAttribute('data-state', 'resumed');
  }
  // ... the fourth within minutes is not: the run stops with the reason, its checkpoint kept.
  await expect(page.getByTestId('run-status')).toHaveText('running');
  await fault(page, 'throw');
  const error = page.getByTestId('error-message');
  await expect(error).toContainText('The run was stopped after 3 restarts');
  await expect(error).toContainText('The run failed 4 times within 10 minutes, so the page stopped restarting it.');
  await expect(error).toContainText(/Its last checkpoint \(iteration \d+\) is saved/);
  await expect(page.getByTestId('run-status')).toHaveText('error');
  await expect(notice).toBeHidden();
  const saved = page.getByTestId('saved-run').first();
  await expect(saved).toHaveAttribute('data-status', 'stopped');
  await expect(saved.getByTestId('resume-run')).toBeVisible();
  await shot(page, 'fault-gave-up');
  // "Try again" brings the engine back, and the saved run resumes from there.
  await error.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByTestId('dataset-status')).toHaveText('ready');
  await expect(saved.getByTestId('resume-run')).toBeEnabled();
  expect(errors).toEqual([]);
});

test('a loss that becomes NaN stops the run with the iteration and what to try, and keeps the last good set (cpu)', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${CPU_RUN}&iterations=40&lrImages=2${HOOKS}`);
  await expect(page.getByTestId('dataset-status')).toHaveText('ready');
  await page.getByTestId('run-button').click();
  await expect.poll(() => iteration(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
  // A pause saves a checkpoint; then the set is poisoned (as an exploding update would) and the run goes on.
  await page.getByTestId('pause-button').click();
  await expect(page.getByTestId('run-status')).toHaveText('paused');
  await savedCheckpoint(page);
  await fault(page, 'nan');
  await page.getByTestId('pause-button').click();

  const error = page.getByTestId('error-message');
  await expect(error).toContainText('The run diverged');
  await expect(error).toContainText(/The run diverged at iteration \d+: the loss became NaN, so it was stopped\./);
  await expect(error).toContainText('Lower the image learning rate (now 2; try 0.2) or the momentum (now 0.5)');
  await expect(page.getByTestId('run-status')).toHaveText('error');
  const text = (await error.textContent()) ?? '';
  const bad = Number(/diverged at iteration (\d+)/.exec(text)![1]);
  const good = Number(/last good state \(iteration (\d+)\)/.exec(text)![1]);
  expect(good).toBeLessThan(bad);
  // The saved run's checkpoint is that last good state ...
  const saved = page.getByTestId('saved-run').first();
  await expect(saved).toHaveAttribute('data-status', 'stopped');
  await expect(saved.getByTestId('saved-iteration')).toHaveText(String(good));
  await shot(page, 'fault-diverged');
  // ... and so is what the exports give: finite values, named after its iteration.
  const pixels = await exportedPixels(page);
  expect(pixels.length).toBe(10 * 28 * 28);
  expect(pixels.every(Number.isFinite)).toBe(true);
  expect((await download(page, 'npz')).name).toContain(`-it${good}.npz`);
  expect(errors).toEqual([]);
});

// Tagged @slow (not in `npm test`, so not in CI): both GPU backends start here on software adapters (WebGPU ~10 s,
// WebGL ~20 s) and it took 66-72 s. `npm run test:e2e:slow` runs it; the store's side of the same fault (next
// backend, the lost one avoided, resume from the checkpoint) is unit-tested in src/app/store/faults.test.ts.
test('a lost WebGPU device is reported and the run goes on with webgl from its checkpoint', { tag: '@slow' }, async ({ page }) => {
  test.setTimeout(600_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const iterations = 4;
  await page.goto(`/?backend=webgpu&dataset=mnist&method=dm&ipc=1&width=4&realPerClass=8&seed=3&init=real&dsa=true&iterations=${iterations}${HOOKS}`);
  await expect(page.getByTestId('dataset-status')).toHaveText('ready', { timeout: 200_000 });
  await expect(page.getByTestId('status-backend')).toHaveText('webgpu');
  await page.getByTestId('run-button').click();
  await savedCheckpoint(page);
  await fault(page, 'lose-device');
  const notice = page.getByTestId('fault-notice');
  await expect(notice).toContainText('The GPU device was lost');
  await expect(notice).toContainText('The GPU device under webgpu was lost (destroyed');
  await expect(notice).toHaveAttribute('data-state', 'resumed', { timeout: 200_000 });
  const cut = await resumedFromLastCheckpoint(page);
  expect(cut).toBeLessThan(iterations);
  await expect(page.getByTestId('fault-action')).toContainText(`A new worker on webgl (instead of webgpu) resumed the run from its checkpoint at iteration ${cut}.`);
  await expect(page.getByTestId('status-backend')).toHaveText('webgl');
  await shot(page, 'fault-device-lost');
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 300_000 });
  expect(await iteration(page)).toBe(iterations);
  await expect(page.getByTestId('synthetic-sha')).toHaveText(/^[0-9a-f]{16}$/);
  expect(errors).toEqual([]);
});

test('an MTT run that would not fit is refused before it starts, with the estimate shown, and the finished run stays (cpu)', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${CPU_RUN}&iterations=2&run=1`);
  await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 120_000 });
  const sha = await page.getByTestId('synthetic-sha').textContent();
  await expect(page.getByTestId('saved-run')).toHaveCount(1);

  await page.getByTestId('method-select').selectOption('mtt');
  await setNumber(page, 'width-input', 128);
  await setNumber(page, 'ipc-input', 50);
  await setNumber(page, 'mtt-steps-input', 50);
  const estimate = page.getByTestId('memory-estimate');
  await expect(estimate).toHaveText(/^Needs about [\d.]+ GiB of memory; cpu offers about [\d.]+ GiB\. Lower the student steps \(N\)/);
  const [, needed, offered] = /about ([\d.]+ GiB) of memory; cpu offers about ([\d.]+ GiB)/.exec((await estimate.textContent()) ?? '')!;
  await page.getByTestId('run-button').click();
  const error = page.getByTestId('error-message');
  await expect(error).toContainText('This run would not fit in memory');
  await expect(error).toContainText(`This MTT run needs about ${needed} of memory; the cpu backend offers about ${offered}.`);
  await shot(page, 'memory-refused');
  // Nothing started: no experts trained, no run saved, and the finished run is still there to export.
  await expect(page.getByTestId('preparing-message')).toHaveCount(0);
  await expect(page.getByTestId('run-status')).toHaveText('done');
  await expect(page.getByTestId('status-iteration')).toHaveText('2');
  await expect(page.getByTestId('synthetic-sha')).toHaveText(sha!);
  await expect(page.getByTestId('saved-run')).toHaveCount(1);
  await expect(page.getByTestId('export-npz')).toBeEnabled();
  expect(errors).toEqual([]);
});
