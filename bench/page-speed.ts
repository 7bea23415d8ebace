/**
 * `npm run bench:page`: the page's speed per backend, over the production build. Builds (unless --no-build), starts
 * `vite preview`, opens the app in Chromium (--enable-unsafe-webgpu) once per backend (`?backend=`), and runs the
 * page benchmark through `window.__distillBench` (core/run/bench.ts, in the app's own worker): for DM at widths 32
 * and 128, DC, KRR and MTT on MNIST, ms per iteration (median of the timed iterations, after warm-up) and the
 * uploads, bytes and reads per iteration (src/testing/transfers.ts). Writes bench/results/page-speed.json and .md.
 * It has no machine-specific settings: on a machine with a real GPU it runs as is.
 *
 *   npm run bench:page -- [--backends webgpu,webgl,wasm,cpu] [--iterations 5] [--warmup 1] [--cases dm-w32,dc]
 *     [--<backend>-iterations N] [--<backend>-width N] [--<backend>-cases a,b] [--port 4180] [--no-build]
 *     [--chromium /usr/bin/chromium] [--out bench/results/page-speed] [--note "text for the .md"]
 *     [--merge: keep the output file's results for the backends not measured now] [--md-only: rewrite the .md from the .json]
 *
 * A backend that the browser cannot run (or that falls back to another) is reported with the reason.
 */
import { chromium, type Page } from 'playwright-core';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PAGE_BENCH_CASES } from '../src/shared/bench-cases';
import type { BenchCase, BenchCaseResult } from '../src/shared/protocol';

const argv = process.argv.slice(2);
const arg = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const num = (name: string, d: number) => (arg(name) !== undefined ? Number(arg(name)) : d);
const backends = (arg('--backends') ?? 'webgpu,webgl,wasm,cpu').split(',');
const port = num('--port', 4180);
const out = arg('--out') ?? 'bench/results/page-speed';
const chromiumPath = arg('--chromium') ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const flags = argv;

/** The cases of one backend: the defaults, narrowed and shortened by its flags. */
function casesFor(backend: string): BenchCase[] {
  const names = (arg(`--${backend}-cases`) ?? arg('--cases'))?.split(',');
  const iterations = num(`--${backend}-iterations`, num('--iterations', 5));
  const warmup = num(`--${backend}-warmup`, num('--warmup', 1));
  const width = arg(`--${backend}-width`) ? Number(arg(`--${backend}-width`)) : undefined;
  return PAGE_BENCH_CASES.filter((c) => !names || names.includes(c.name)).map((c) => ({
    name: c.name,
    config: { ...c.config, ...(width ? { width } : {}) },
    warmup,
    iterations,
  }));
}

/** The page's hooks (src/app/device-hooks.ts). */
interface Hooks {
  __distillBench(cases: BenchCase[]): Promise<BenchCaseResult[]>;
  __distillDeviceReport(): Promise<unknown>;
}

interface BackendRun {
  backend: string;
  /** What the page reported: the backend in use and its detail (the WebGPU adapter), or why it did not run. */
  ran: string | null;
  detail?: string;
  error?: string;
  cases: BenchCaseResult[];
  wallMs: number;
  /** The command line's flags this backend was measured with, and when. */
  flags?: string[];
  date?: string;
}

async function waitReady(page: Page): Promise<void> {
  // No named functions inside (tsx's transform would wrap them in a helper the page does not have), and no string
  // (the production page's Content-Security-Policy forbids eval).
  await page.waitForFunction(
    () =>
      document.querySelector('[data-testid="dataset-status"]')?.textContent === 'ready' &&
      !['…', '–', ''].includes(document.querySelector('[data-testid="status-backend"]')?.textContent ?? ''),
    null,
    { timeout: 600_000 },
  );
}

/** With --merge: the runs already in the output file for backends not measured now (each keeps its own flags). */
const kept: BackendRun[] = (() => {
  if (!argv.includes('--merge') || !fs.existsSync(`${out}.json`)) return [];
  const old = JSON.parse(fs.readFileSync(`${out}.json`, 'utf8')) as { flags: string[]; date: string; runs: BackendRun[] };
  return old.runs.filter((r) => !backends.includes(r.backend)).map((r) => ({ ...r, flags: r.flags ?? old.flags, date: r.date ?? old.date }));
})();

function write(measured: BackendRun[], report: unknown): void {
  const runs = [...kept, ...measured];
  const machine = `${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}`;
  const result = { date: new Date().toISOString(), machine, flags, note: arg('--note') ?? '', lastDeviceReport: report, runs };
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(`${out}.json`, JSON.stringify(result, null, 2) + '\n');
  fs.writeFileSync(`${out}.md`, markdown(result));
}

async function main() {
  if (!argv.includes('--no-build')) {
    const b = spawnSync('npx', ['vite', 'build'], { stdio: 'inherit' });
    if (b.status !== 0) throw new Error('vite build failed');
  }
  const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], { stdio: 'pipe', detached: true });
  try {
    await new Promise<void>((resolve, reject) => {
      server.stdout!.on('data', (d: Buffer) => d.toString().includes(String(port)) && resolve());
      server.on('exit', (code) => reject(new Error(`vite preview exited ${code}`)));
    });
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const runs: BackendRun[] = [];
    let report: unknown = null;
    try {
      for (const backend of backends) {
        const t0 = performance.now();
        const page = await browser.newPage();
        const run: BackendRun = { backend, ran: null, cases: [], wallMs: 0, flags, date: new Date().toISOString() };
        try {
          await page.goto(`http://127.0.0.1:${port}/?backend=${backend}`);
          await waitReady(page);
          run.ran = (await page.getByTestId('status-backend').textContent()) ?? null;
          if (run.ran !== backend) {
            run.error = `the page fell back to ${run.ran}: ${backend} did not pass its start-up or smoke test in this browser`;
          } else {
            const cases = casesFor(backend);
            console.log(`${backend}: ${cases.map((c) => `${c.name} (${c.warmup} + ${c.iterations} iterations${c.config.width ? `, width ${c.config.width}` : ''})`).join(', ')}`);
            run.cases = await page.evaluate((cs) => (window as unknown as Hooks).__distillBench(cs), cases);
            for (const c of run.cases) {
              console.log(
                `  ${c.name.padEnd(8)} ${c.error ? `error: ${c.error}` : `${c.msPerIteration!.toFixed(1)} ms/it  uploads ${c.perIteration!.uploads}  bytes ${c.perIteration!.uploadBytes}  reads ${c.perIteration!.reads}`}`,
              );
            }
          }
          const rep = (await page.evaluate(() => (window as unknown as Hooks).__distillDeviceReport())) as { backend: { detail: string } | null };
          run.detail = rep.backend?.detail;
          report = rep;
        } catch (err) {
          run.error = err instanceof Error ? err.message.split('\n')[0] : String(err);
          console.log(`${backend}: ${run.error}`);
        } finally {
          run.wallMs = Math.round(performance.now() - t0);
          runs.push(run);
          await page.close();
          // After each backend, so a long run that is stopped keeps what it measured.
          write(runs, report);
        }
      }
    } finally {
      await browser.close();
    }
    console.log(`wrote ${out}.json and ${out}.md`);
  } finally {
    // The preview server and its children (npx starts vite under it).
    if (server.pid) process.kill(-server.pid, 'SIGTERM');
  }
}

const round1 = (x: number) => Math.round(x * 10) / 10;

function markdown(r: { date: string; machine: string; flags: string[]; note: string; runs: BackendRun[] }): string {
  const lines = [
    '# Page speed per backend (`npm run bench:page`)',
    '',
    `${r.date}, ${r.machine}. Each backend's command is listed at the end.`,
    '',
    ...(r.note ? [r.note, ''] : []),
    'ms per iteration: the median of the timed iterations after the warm-up, in the app’s worker on MNIST (an iteration: the sampler’s refresh, the step, the loss’s read). Per iteration: uploads (tensors made from JavaScript values), their bytes, and reads (device to host). Preparation (the initial set; MTT’s experts) is not counted.',
    '',
    '| backend | case | method | width | IPC | real/class | ms/it | iterations | uploads/it | bytes/it | reads/it |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const run of r.runs) {
    if (run.error && !run.cases.length) {
      lines.push(`| ${run.backend} | – | – | – | – | – | did not run: ${run.error} | | | | |`);
      continue;
    }
    for (const c of run.cases) {
      const cfg = c.config;
      lines.push(
        c.error
          ? `| ${run.backend} | ${c.name} | ${cfg.method} | ${cfg.width} | ${cfg.ipc} | ${cfg.realPerClass} | error: ${c.error} | | | | |`
          : `| ${run.backend} | ${c.name} | ${cfg.method} | ${cfg.width} | ${cfg.ipc} | ${cfg.realPerClass} | ${c.msPerIteration!.toFixed(1)} | ${c.warmup} + ${c.ms!.length} | ${round1(c.perIteration!.uploads)} | ${Math.round(c.perIteration!.uploadBytes)} | ${round1(c.perIteration!.reads)} |`,
      );
    }
  }
  lines.push('', 'Backends as the page ran them:', '');
  for (const run of r.runs) {
    lines.push(
      `- ${run.backend}: ${run.ran === run.backend ? `${run.detail ?? ''}` : (run.error ?? 'did not run')} (${(run.wallMs / 1000).toFixed(0)} s in all${run.date ? `, ${run.date}` : ''}${run.flags ? `; \`npm run bench:page -- ${run.flags.map((f) => (/\s/.test(f) ? JSON.stringify(f) : f)).join(' ')}\`` : ''})`,
    );
  }
  return lines.join('\n') + '\n';
}

/** --md-only: rewrite the .md from the .json (after editing its note, or adding what a stopped run could not). */
if (argv.includes('--md-only')) {
  fs.writeFileSync(`${out}.md`, markdown(JSON.parse(fs.readFileSync(`${out}.json`, 'utf8')) as Parameters<typeof markdown>[0]));
  process.exit(0);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
