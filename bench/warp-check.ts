/**
 * `npm run bench:warp-check`: checks DSA's device-built warps (output, first and second gradients) on Chromium's
 * webgl, webgpu and wasm backends against cpu (bench/warp-check.html), and prints the largest differences.
 * Usage: npm run bench:warp-check [-- --only webgl,webgpu] (E2E_PORT picks the Vite port, default 4185).
 */
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const backends = (arg('--only') ?? 'webgl,webgpu,wasm').split(',');
const port = Number(process.env.E2E_PORT ?? 4185);

async function main() {
  const server = spawn('node_modules/.bin/vite', ['--host', '127.0.0.1', '--port', String(port), '--strictPort'], { stdio: 'pipe' });
  await new Promise<void>((resolve, reject) => {
    server.stdout.on('data', (d: Buffer) => d.toString().includes('Local') && resolve());
    server.on('exit', (code) => reject(new Error(`vite exited ${code}`)));
  });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--enable-unsafe-webgpu', '--no-first-run'] });
  let failed = false;
  try {
    for (const b of backends) {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${port}/bench/warp-check.html?backend=${b}`);
      await page.waitForFunction(() => (window as unknown as { benchResult?: unknown }).benchResult, null, { timeout: 300_000 });
      const r = (await page.evaluate(() => (window as unknown as { benchResult: unknown }).benchResult)) as {
        error?: string;
        backend?: string;
        maxAbs?: Record<string, { maxAbsDiff: number; maxAbsValue: number }>;
      };
      console.log(JSON.stringify({ requested: b, ...r }));
      if (r.error || r.backend !== b) failed = true;
      for (const v of Object.values(r.maxAbs ?? {})) if (!(v.maxAbsDiff <= 1e-4 * Math.max(1, v.maxAbsValue))) failed = true;
      await page.close();
    }
  } finally {
    await browser.close();
    server.kill();
  }
  if (failed) {
    console.error('warp-check: a backend failed or differs from cpu by more than 1e-4 (relative to the largest value)');
    process.exit(1);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
