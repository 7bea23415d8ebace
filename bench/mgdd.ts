/**
 * MGDD's "time to a set of IPC k" (issue 16): meta-train the generator once per dataset (timed), then produce sets
 * at each IPC by a few adaptation steps (each timed from a fresh run that takes the generator from the cache), beside
 * the same adaptation from an untrained generator (meta-training's worth), DM from scratch at the same iterations and
 * at a longer budget (timed), and the random real images every run starts from (the same seed: the same images).
 * Every set is evaluated under one protocol (stated in the output). Writes bench/results/mgdd.{json,md}.
 *
 *   DATASETS_DIR=../shared/datasets npx tsx bench/mgdd.ts --datasets mnist,fashion-mnist --ipcs 1,10 --width 32 \
 *     --meta-tasks 40 --adapt-steps 20 --dm-long 200 --eval-epochs 100 --eval-models 2 --test-images 1000
 */
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import { DistillRun, stepTo } from '../src/core/run/run';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../src/shared/protocol';
import { METHODS } from '../src/shared/methods';
import { MGDD_SETTINGS_DEFAULTS } from '../src/shared/method-info/mgdd';
import { loadReal } from '../src/testing/data';
import { useBackend } from '../src/testing/tf';
import { EVAL_DEFAULTS, evaluateSet } from '../src/core/eval/evaluate';
import type { Cached, MethodCache } from '../src/core/methods/method';
import type { RealData } from '../src/core/data/batches';
import type { DatasetId } from '../src/core/data/types';

const argv = process.argv.slice(2);
const opt = (name: string, d: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1]! : d;
};
const datasets = opt('datasets', 'mnist').split(',') as DatasetId[];
const ipcs = opt('ipcs', '1,10').split(',').map(Number);
const width = Number(opt('width', '32'));
const metaTasks = Number(opt('meta-tasks', String(MGDD_SETTINGS_DEFAULTS.metaTasks)));
const adaptSteps = Number(opt('adapt-steps', '20'));
const dmLong = Number(opt('dm-long', '200'));
const realPerClass = Number(opt('real', '64'));
const evalEpochs = Number(opt('eval-epochs', '100'));
const evalModels = Number(opt('eval-models', '2'));
const testImages = Number(opt('test-images', '1000'));
const seed = Number(opt('seed', '1'));

await useBackend('wasm');

interface SetRow {
  dataset: DatasetId;
  ipc: number;
  set: string;
  iterations: number;
  /** Seconds from a fresh run to the set: prepare (MGDD: the cached generator) and the iterations. */
  seconds: number;
  firstLoss?: number;
  lastLoss?: number;
  mean?: number;
  std?: number;
}
const rows: SetRow[] = [];
const meta: { dataset: DatasetId; tasks: number; seconds: number; firstLoss?: number; lastLoss?: number }[] = [];
const ev = { ...EVAL_DEFAULTS, epochs: evalEpochs, models: evalModels, width, testLimit: testImages, seed };

async function timedRun(train: RealData, config: RunConfig, cache?: MethodCache) {
  const start = performance.now();
  const run = new DistillRun(train, config);
  await run.prepare(cache, () => {});
  const losses: number[] = [];
  await stepTo(run, config.iterations, (p) => void losses.push(p.loss));
  const pixels = await run.pixels();
  const seconds = (performance.now() - start) / 1000;
  const initial = run.initial.pixels.slice();
  const readouts = (await run.method.readouts?.()) ?? {};
  run.dispose();
  return { pixels, initial, seconds, losses, readouts };
}

for (const dataset of datasets) {
  const { train, test } = loadReal(dataset);
  const shape = [train.set.height, train.set.width, train.set.channels] as const;
  const cacheMap = new Map<string, Cached>();
  const cache = { get: (k: string) => cacheMap.get(k), set: (k: string, v: Cached) => void cacheMap.set(k, v) };
  const base = { ...DEFAULT_RUN_CONFIG, dataset, width, realPerClass, init: 'real' as const, dsa: false, seed };
  const mgddConfig = (ipc: number, tasks: number): RunConfig => ({
    ...base,
    method: 'mgdd',
    ...METHODS.mgdd.defaults,
    ipc,
    iterations: adaptSteps,
    mgdd: { ...MGDD_SETTINGS_DEFAULTS, metaTasks: tasks },
  });
  // Meta-training once (a run of 0 iterations fills the cache).
  {
    const t0 = performance.now();
    const run = new DistillRun(train, { ...mgddConfig(1, metaTasks), iterations: 0 });
    await run.prepare(cache, (m, f) => {
      if (m.startsWith('meta-training') && Math.round(f * 10) !== Math.round((f - 1 / metaTasks) * 10)) console.error(`${dataset}: ${m} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    });
    const r = await run.method.readouts!();
    run.dispose();
    meta.push({ dataset, tasks: metaTasks, seconds: r.metaSeconds!, firstLoss: r.metaLossFirst, lastLoss: r.metaLossLast });
    console.error(`${dataset}: meta-trained on ${metaTasks} tasks in ${r.metaSeconds!.toFixed(1)} s`);
  }
  for (const ipc of ipcs) {
    const labels = Int32Array.from({ length: train.numClasses * ipc }, (_, i) => Math.floor(i / ipc));
    const sets: { name: string; iterations: number; r: Awaited<ReturnType<typeof timedRun>> }[] = [];
    const mg = await timedRun(train, mgddConfig(ipc, metaTasks), cache);
    sets.push({ name: 'MGDD (meta-trained, adapted)', iterations: adaptSteps, r: mg });
    sets.push({ name: 'MGDD without meta-training', iterations: adaptSteps, r: await timedRun(train, mgddConfig(ipc, 0)) });
    for (const iterations of [adaptSteps, dmLong]) {
      const dm: RunConfig = { ...base, method: 'dm', ...METHODS.dm.defaults, ipc, iterations };
      sets.push({ name: `DM from scratch`, iterations, r: await timedRun(train, dm) });
    }
    for (const s of sets) {
      const row: SetRow = { dataset, ipc, set: s.name, iterations: s.iterations, seconds: s.r.seconds, firstLoss: s.r.losses[0], lastLoss: s.r.losses.at(-1) };
      if (evalEpochs > 0) Object.assign(row, await evaluateSet({ pixels: s.r.pixels, labels, shape }, test, ev));
      rows.push(row);
      console.error(`${dataset} IPC ${ipc}: ${s.name}, ${s.iterations} it: ${row.seconds.toFixed(1)} s${row.mean !== undefined ? `, ${(100 * row.mean).toFixed(1)} %` : ''}`);
    }
    const random: SetRow = { dataset, ipc, set: 'random real (the runs’ initial set)', iterations: 0, seconds: 0 };
    if (evalEpochs > 0) Object.assign(random, await evaluateSet({ pixels: mg.initial, labels, shape }, test, ev));
    rows.push(random);
  }
  for (const e of cacheMap.values()) e.dispose();
}
console.error(`tensors left: ${tf.memory().numTensors}`);

const pct = (r: SetRow) => (r.mean === undefined ? 'not evaluated' : `${(100 * r.mean).toFixed(1)} ± ${(100 * (r.std ?? 0)).toFixed(1)}`);
const cmd = `npx tsx bench/mgdd.ts ${argv.join(' ')}`.trim();
const md = [
  '# MGDD: time to a set of IPC k (issue 16)',
  '',
  `Command: \`DATASETS_DIR=../shared/datasets ${cmd}\` (tfjs wasm in Node, one thread; the machine was shared with other`,
  'jobs while it ran, so the seconds are noisy: compare them within this table only).',
  '',
  `Runs: ConvNet-3 width ${width}, ${realPerClass} real images per class per iteration, real init (the same images for every run`,
  `of an IPC: same seed), no DSA, seed ${seed}. MGDD: the descriptor's defaults (generator width ${MGDD_SETTINGS_DEFAULTS.genWidth},`,
  `${MGDD_SETTINGS_DEFAULTS.innerSteps} inner steps, inner lr ${MGDD_SETTINGS_DEFAULTS.innerLr}, meta lr ${MGDD_SETTINGS_DEFAULTS.metaLr}, task IPC 1..${MGDD_SETTINGS_DEFAULTS.maxIpc}, ${MGDD_SETTINGS_DEFAULTS.metaReal} real per class per meta step, adaptation`,
  `Adam lr ${METHODS.mgdd.defaults.lrImages}) with ${metaTasks} meta-training tasks, then ${adaptSteps} adaptation steps per set; DM: its paper's lr 1, momentum 0.5.`,
  'Seconds of a set: from a fresh run (MGDD: taking the meta-trained generator from the cache) to its pixels.',
  '',
  `Evaluation protocol (every set alike): ${evalModels} ConvNet-3 (width ${width}) trained ${evalEpochs} epochs on the set with`,
  `SGD lr 0.01 (÷10 at half), momentum 0.9, weight decay 5e-4, hard labels, no DSA; accuracy on the first ${testImages} test images`,
  '(mean ± std over the networks).',
  '',
  '## Meta-training (once per dataset)',
  '',
  '| dataset | tasks | seconds | task loss after adaptation, first fifth → last fifth |',
  '|---|---|---|---|',
  ...meta.map((m) => `| ${m.dataset} | ${m.tasks} | ${m.seconds.toFixed(1)} | ${m.firstLoss?.toFixed(3) ?? '–'} → ${m.lastLoss?.toFixed(3) ?? '–'} |`),
  '',
  '## Sets',
  '',
  '| dataset | IPC | set | iterations | seconds to the set | loss first → last | accuracy % |',
  '|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.dataset} | ${r.ipc} | ${r.set} | ${r.iterations} | ${r.iterations ? r.seconds.toFixed(1) : '–'} | ${r.firstLoss !== undefined ? `${r.firstLoss.toFixed(3)} → ${r.lastLoss!.toFixed(3)}` : '–'} | ${pct(r)} |`,
  ),
].join('\n');
console.log(md);
fs.mkdirSync('bench/results', { recursive: true });
fs.writeFileSync(
  'bench/results/mgdd.json',
  JSON.stringify({ command: cmd, datasets, ipcs, width, metaTasks, adaptSteps, dmLong, realPerClass, evalEpochs, evalModels, testImages, seed, settings: MGDD_SETTINGS_DEFAULTS, meta, rows }, null, 2),
);
fs.writeFileSync('bench/results/mgdd.md', `${md}\n`);
