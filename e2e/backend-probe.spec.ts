import { expect, test } from '@playwright/test';

/**
 * Auto chooses by measurement. On this machine (2 cores, no GPU, software WebGPU and WebGL) the probe must find
 * wasm the fastest and say so with the figures; a reload takes the probe from this browser's cache, and a forced
 * backend is not measured.
 */
test('Auto measures every backend, picks wasm here, shows the figures, and a reload keeps them', async ({ page }) => {
  // Width 8 keeps the probe cheap (its shape class is the run's image size, width and depth).
  await page.goto('/?width=8');
  await expect(page.getByTestId('dataset-status')).toHaveText('ready');
  await expect(page.getByTestId('status-backend')).toHaveText('wasm');
  // "Auto: wasm (SIMD, 2 threads): 0.05 s/it; webgl 0.9 s/it, cpu 0.6 s/it, webgpu (software adapter) 2.1 s/it"
  const line = page.getByTestId('status-probe');
  await expect(line).toHaveText(/^Auto: wasm \(SIMD, \d+ threads?\): [\d.]+ s\/it; .*webgl (\d|not timed)/);
  console.log(`status line: ${await line.textContent()}`);

  const device = page.getByTestId('device-section');
  await expect(page.getByTestId('device-wasm')).toHaveText(/wasm \(SIMD, \d+ threads?\): [\d.]+ s\/it ✓ chosen/);
  // WebGL (SwiftShader here): timed, or not timed (its quick matmul far slower than wasm's, or the budget spent).
  await expect(page.getByTestId('device-webgl')).toHaveText(/webgl: ([\d.]+ s\/it|not timed: .*a 256² matmul took [\d.]+ ms)/);
  // The software adapter is probed last: timed, or not timed once the budget is spent, but never chosen here.
  await expect(page.getByTestId('device-webgpu')).toHaveText(/webgpu \(software adapter\): ([\d.]+ s\/it|not timed)/);
  const list = await page.getByTestId('device-list').locator('li').allTextContents();
  expect(list.at(-1)).toMatch(/^webgpu/);
  // The figures agree with the choice: wasm's is the smallest of those timed.
  const figures = list.flatMap((t) => {
    const m = /^(\w+).*?: ([\d.]+) s\/it(?! \(warm-up)/.exec(t);
    return m ? [{ backend: m[1]!, s: Number(m[2]) }] : [];
  });
  expect(figures.length).toBeGreaterThanOrEqual(1);
  expect(Math.min(...figures.map((f) => f.s))).toBe(figures.find((f) => f.backend === 'wasm')!.s);
  // The ETA before Run comes from the probe.
  await expect(page.getByTestId('run-note')).toHaveText(/About \d+:\d\d for [\d,]+ iterations on wasm \(Auto's probe\)/);
  await device.screenshot({ path: 'test-results/device-section.png' });
  await page.screenshot({ path: 'test-results/backend-probe.png' });

  // A reload: the same device and shape class, so the cached probe decides (and says when it was measured).
  await page.reload();
  await expect(page.getByTestId('dataset-status')).toHaveText('ready');
  await expect(page.getByTestId('status-backend')).toHaveText('wasm');
  await expect(device).toContainText('kept by this browser');
  await expect(line).toHaveText(/^Auto: wasm/);
  // "Measure again" ignores the cache: a new measurement (its time, not a date) and the same choice.
  await page.getByTestId('measure-again').click();
  await expect(page.getByTestId('dataset-status')).toHaveText('ready');
  await expect(device).toContainText(/on each backend in [\d.]+ s and chose the fastest/);
  await expect(page.getByTestId('status-backend')).toHaveText('wasm');

  // A forced backend overrides Auto and is not measured.
  await page.goto('/?width=8&backend=cpu');
  await expect(page.getByTestId('status-backend')).toHaveText('cpu');
  await expect(page.getByTestId('status-probe')).toHaveCount(0);
  await expect(device).toContainText('A forced backend is not measured');
});
