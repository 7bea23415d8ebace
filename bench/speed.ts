/**
 * `npm run bench:speed [-- --iterations N --only dm,krr --backends wasm,cpu --threads N]`: ms per iteration of
 * each method on each backend available in Node, on real MNIST (DATASETS_DIR or ../shared/datasets). wasm runs
 * its threaded build with one thread per core (src/node/wasm-threads.ts; `--threads 1` for the single-threaded
 * build). Configurations are stated in the output and in bench/results/speed.json, which gets each row as soon
 * as it is measured. The reference figure is
 * PyTorch 1.13 on this 2-core machine: ≈ 4.4 s for the DM iteration at width 128, IPC 10, 256 real/class
 * (platform.md). When Debian's python3-torch is installed, the same iteration is timed in PyTorch right before
 * ours (bench/pytorch_dm.py), so the ratio compares two runs under the same machine load; `--no-pytorch` skips it.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { loadDatasetFromDir } from '../src/node/datasets';
import { prepareRealData } from '../src/core/data/batches';
import { DistillRun } from '../src/core/run/run';
import { median } from '../src/core/run/record';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../src/shared/protocol';
import { METHODS, MTT_SETTINGS_DEFAULTS, type MethodId } from '../src/shared/methods';
import { defaultWasmThreads, initWasmWithThreads } from '../src/node/wasm-threads';

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const iterations = Number(arg('--iterations') ?? 3);
const methods = (arg('--only')?.split(',') ?? ['dm', 'dc', 'krr', 'mtt']) as MethodId[];
const backends = (arg('--backends')?.split(',') ?? ['wasm', 'cpu']) as ('wasm' | 'cpu')[];
const threads = Number(arg('--threads') ?? defaultWasmThreads());
const PYTORCH_DM_MS = 4400;

/** PyTorch's ms per DM iteration (width 128, IPC 10, 256 real/class) measured now, or undefined without torch. */
function pytorchDm(): { msPerIteration: number; all: number[]; threads: number; torch: string } | undefined {
  if (process.argv.includes('--no-pytorch')) return undefined;
  const py = '/usr/bin/python3';
  if (spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' }).status !== 0) {
    console.log('PyTorch not found (apt-get install python3-torch): comparing with the documented 4.4 s');
    return undefined;
  }
  const r = spawnSync(py, ['bench/pytorch_dm.py', dir, String(Math.max(iterations, 2)), '128', '2'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench/pytorch_dm.py failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { msPerIteration: number; all: number[]; threads: number; torch: string };
  console.log(`PyTorch ${out.torch} (${out.threads} threads) dm width 128 IPC 10 real/class 256: ${Math.round(out.msPerIteration)} ms/iteration (all: ${out.all.join(', ')})`);
  return out;
}

/** The configuration measured for each method and backend (cpu is too slow for width 128). */
function configFor(method: MethodId, backend: 'wasm' | 'cpu'): RunConfig {
  const width = backend === 'cpu' ? 32 : 128;
  const base = { ...DEFAULT_RUN_CONFIG, ...METHODS[method].defaults, method, width, dsa: false, iterations };
  if (method === 'dm') return { ...base, ipc: 10, realPerClass: 256 };
  if (method === 'dc') return { ...base, ipc: 1, realPerClass: 256 }; // IPC 1: one image update per iteration
  // MTT keeps N steps' graphs: width 128 would need about 4.5 GiB, beyond wasm's heap. Few experts: only the iteration is timed.
  if (method === 'mtt') return { ...base, width: 32, ipc: 10, mtt: { ...MTT_SETTINGS_DEFAULTS, experts: 1, expertImagesPerEpoch: 512 } };
  // KRR at width 128 (4 networks' tapes for 100 synthetic images, 260 real at once) aborts wasm's 4 GiB heap.
  return { ...base, width: Math.min(width, 64), ipc: 10, realPerClass: 26 };
}

const dir = path.resolve(process.env.DATASETS_DIR ?? '../shared/datasets');
const d = loadDatasetFromDir('mnist', dir);
const data = prepareRealData(d.train, d.spec);
const load = () => (fs.existsSync('/proc/loadavg') ? fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') : 'unknown');
const reference = methods.includes('dm') && backends.includes('wasm') ? pytorchDm() : undefined;
const referenceMs = reference?.msPerIteration ?? PYTORCH_DM_MS;

const file = 'bench/results/speed.json';
const command = `npm run bench:speed -- ${process.argv.slice(2).join(' ')}`.trim();
/** Merges `row` into the results file, replacing the row of the same backend and method (runs may be partial). */
function save(row: Record<string, unknown>): void {
  fs.mkdirSync('bench/results', { recursive: true });
  const before = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { rows: Record<string, unknown>[]; pytorch?: unknown }) : undefined;
  const key = (r: Record<string, unknown>) => `${String(r.backend)}/${String(r.method)}`;
  const rows = [...(before?.rows ?? []).filter((r) => key(r) !== key(row)), { ...row, command, date: new Date().toISOString() }];
  const machine = `Node ${process.versions.node}, ${os.availableParallelism()}-core CPU (${os.cpus()[0]?.model ?? 'unknown'}); wasm's threads are in each row`;
  // The PyTorch reference of the last run that measured it (a cpu-only run does not).
  const pytorch = reference ?? before?.pytorch;
  fs.writeFileSync(file, JSON.stringify({ machine, dsa: false, ...(pytorch ? { pytorch } : {}), rows }, null, 2));
  // The same rows as a table to read.
  const ref = pytorch as { msPerIteration: number; torch: string; threads: number } | undefined;
  const md = [
    `# bench:speed (${machine})`,
    '',
    ref ? `PyTorch ${ref.torch} (${ref.threads} threads), DM width 128, IPC 10, 256 real/class: ${Math.round(ref.msPerIteration)} ms/iteration, measured just before the wasm rows.` : '',
    '',
    '| backend | threads | method | width | IPC | real/class | ms/iteration (median) | vs PyTorch | iterations | load average | command |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) =>
      `| ${String(r.backend)} | ${String(r.threads ?? 1)} | ${String(r.method)} | ${String(r.width)} | ${String(r.ipc)} | ${String(r.realPerClass)} | ${String(r.msPerIteration)} | ${r.ratioToPytorch ? `${String(r.ratioToPytorch)}x` : ''} | ${String(r.iterations)} | ${String(r.loadAverage)} | \`${String(r.command)}\` |`,
    ),
    '',
    'DSA off. The first iteration of each row is left out of its median. MTT: 1 expert, 512 expert images per epoch (not timed).',
    '',
  ];
  fs.writeFileSync(file.replace(/\.json$/, '.md'), md.join('\n'));
}

if (backends.includes('wasm')) await initWasmWithThreads(threads);
for (const backend of backends) {
  await tf.setBackend(backend);
  await tf.ready();
  for (const method of methods) {
    const config = configFor(method, backend);
    const run = new DistillRun(data, config);
    await run.prepare(); // MTT's experts; not timed
    const ms: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const t0 = performance.now();
      const loss = run.step();
      await loss.data();
      loss.dispose();
      ms.push(performance.now() - t0);
    }
    run.dispose();
    // The first iteration includes one-time costs; leave it out when there are others.
    const m = median(ms.length > 1 ? ms.slice(1) : ms);
    const row: Record<string, unknown> = {
      backend,
      ...(backend === 'wasm' ? { threads: getThreadsCount() } : {}),
      method,
      width: config.width,
      ipc: config.ipc,
      realPerClass: config.realPerClass,
      ...(config.mtt ? { mtt: config.mtt } : {}),
      iterations,
      msPerIteration: Math.round(m),
      all: ms.map(Math.round),
    };
    const compared = method === 'dm' && config.width === 128;
    if (compared) {
      row.pytorchMs = Math.round(referenceMs);
      row.pytorchMeasured = reference !== undefined;
      row.ratioToPytorch = Number((m / referenceMs).toFixed(2));
    }
    row.loadAverage = load();
    save(row);
    const ratio = compared ? `  (PyTorch ${reference ? 'measured just before' : 'documented'}: ${Math.round(referenceMs)} ms: ratio ${(m / referenceMs).toFixed(2)}x)` : '';
    const how = backend === 'wasm' ? ` (${getThreadsCount()} thread${getThreadsCount() === 1 ? '' : 's'})` : '';
    console.log(`${backend.padEnd(5)}${how} ${method.padEnd(4)} width ${config.width} IPC ${config.ipc} real/class ${config.realPerClass}: ${Math.round(m)} ms/iteration${ratio}`);
  }
}
