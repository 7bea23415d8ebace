/**
 * `npm run bench:dm`: ms per DM iteration in the browser worker, per backend, on real MNIST.
 * Starts Vite, opens bench/dm.html in Debian's Chromium for each configuration, prints a table and writes
 * bench/results/dm-speed.json. Usage: npm run bench:dm [-- --iterations 6] [--only wasm,webgl,cpu]
 * The first iteration (kernel compilation) is left out of the median.
 * Note: this machine has no GPU, so webgl/webgpu here are Chromium's software (SwiftShader) adapters.
 */
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import fs from 'node:fs';

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const iterations = Number(arg('--iterations') ?? 6);
/** `--only wasm,cpu` limits the run to some backends; `--width N` overrides every case's width. */
const only = arg('--only')?.split(',');
const widthOverride = arg('--width') ? Number(arg('--width')) : undefined;
const port = 5181;
const cases = [
  { backend: 'wasm', width: 128, ipc: 10, real: 256 },
  { backend: 'webgl', width: 128, ipc: 10, real: 256 },
  { backend: 'cpu', width: 32, ipc: 10, real: 256 },
];

async function main() {
  const server = spawn('node_modules/.bin/vite', ['--host', '127.0.0.1', '--port', String(port), '--strictPort'], { stdio: 'pipe' });
  await new Promise<void>((resolve, reject) => {
    server.stdout.on('data', (d: Buffer) => d.toString().includes('Local') && resolve());
    server.on('exit', (code) => reject(new Error(`vite exited ${code}`)));
  });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const results: unknown[] = [];
  try {
    for (const c0 of cases.filter((k) => !only || only.includes(k.backend))) {
      const c = { ...c0, width: widthOverride ?? c0.width };
      const page = await browser.newPage();
      const url = `http://127.0.0.1:${port}/bench/dm.html?backend=${c.backend}&width=${c.width}&ipc=${c.ipc}&real=${c.real}&iterations=${iterations}`;
      await page.goto(url);
      await page.waitForFunction(() => (window as unknown as { benchResult?: unknown }).benchResult, null, { timeout: 1_800_000 });
      const r = (await page.evaluate(() => (window as unknown as { benchResult: unknown }).benchResult)) as {
        backend?: string;
        msPerIteration?: number;
        error?: unknown;
      };
      console.log(
        `${c.backend.padEnd(6)} width ${String(c.width).padStart(3)}  IPC ${c.ipc}  real/class ${c.real}  ->  ` +
          (r.error ? `error: ${JSON.stringify(r.error)}` : `${r.backend}: ${Math.round(r.msPerIteration ?? NaN)} ms / iteration`),
      );
      results.push({ ...c, iterations, ...r });
      await page.close();
    }
  } finally {
    await browser.close();
    server.kill();
  }
  fs.mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/dm-speed${only ? '-' + only.join('-') : ''}${widthOverride ? `-w${widthOverride}` : ''}.json`;
  fs.writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), machine: '2-core CPU, no GPU (SwiftShader)', results }, null, 2));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
