import { test, expect } from '@playwright/test';

/**
 * The production page runs under a strict Content-Security-Policy (no inline scripts, no eval) and cross-origin
 * isolation, and every backend still works under it: no CSP violation from the page or its workers.
 */
test('CSP without unsafe-inline or unsafe-eval scripts, COOP/COEP, and the backends still run under it', async ({ page }) => {
  const violations: string[] = [];
  const onConsole = (where: string) => (msg: { type(): string; text(): string }) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) violations.push(`${where}: ${msg.text()}`);
  };
  page.on('console', onConsole('page'));
  page.on('worker', (w) => w.on('console', onConsole('worker')));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`Refused to (CSP) ${e.violatedDirective} ${e.blockedURI}`));
  });

  const res = await page.goto('/?backend=wasm');
  const headers = res!.headers();
  const csp = headers['content-security-policy'] ?? '';
  const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? '';
  expect(scriptSrc).toContain("'self'");
  expect(scriptSrc).not.toMatch(/unsafe-inline|'unsafe-eval'/);
  expect(csp).toContain("object-src 'none'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(headers['cross-origin-opener-policy']).toBe('same-origin');
  expect(headers['cross-origin-embedder-policy']).toBe('require-corp');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

  // A run on wasm (its thread pool starts blob workers) and on cpu under the policy. The GPU backends run under the
  // same policy in distill.spec.ts, whose tests fail on any console error (a CSP violation prints one).
  for (const backend of ['wasm', 'cpu'] as const) {
    await page.goto(`/?backend=${backend}&ipc=1&iterations=2&width=8&realPerClass=8&run=1`);
    await expect(page.getByTestId('run-status')).toHaveText('done', { timeout: 120_000 });
    await expect(page.getByTestId('status-backend')).toHaveText(backend);
    if (backend === 'wasm') {
      // wasm with its thread pool (blob workers) under the policy: one thread per core (tfjs alone would use half).
      const cores = Math.min(8, await page.evaluate(() => navigator.hardwareConcurrency));
      await expect(page.getByText(`SIMD, ${cores} thread${cores === 1 ? '' : 's'}`)).toBeVisible();
    }
  }
  expect(violations).toEqual([]);
});
