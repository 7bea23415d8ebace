/**
 * `npm run bench:accuracy`: distilled vs random real vs herding vs k-center, on MNIST and Fashion-MNIST
 * (DATASETS_DIR or ../shared/datasets), IPC 1 and 10, DM and DC, under the evaluation protocol of src/core/eval,
 * on a CPU-sized budget: the defaults in BUDGET below, stated in the output. The baselines depend only on the
 * dataset, the IPC and the evaluation settings, so they are evaluated once per (dataset, IPC) and shared by the
 * methods' rows (coreset features once per dataset). With --eval-init on (the default) the distillation's
 * starting point (the real images it is initialised with, the same for every method) is evaluated too, so a
 * row shows what the distillation added beyond its draw of real images.
 *
 * Quick tries: --datasets mnist --ipc 1 --methods dm --iterations N (or --dm-iterations / --dc-iterations, as N
 * or per IPC 'ipc:N,ipc:N') --eval-epochs N --models N --test-limit N --baselines random --eval-init off
 * --dm-lr X --dc-lr X --dc-outer N|ipc:N --dc-inner N|ipc:N --real N --width N --seed N --out FILE.json.
 * Results: bench/results/accuracy.json and bench/results/accuracy.md (FILE.md beside --out FILE.json).
 * Progress goes to stderr; the table to stdout.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadDatasetFromDir } from '../src/node/datasets';
import { prepareRealData, type RealData } from '../src/core/data/batches';
import type { DatasetId } from '../src/core/data/types';
import { DistillRun, stepTo } from '../src/core/run/run';
import { median } from '../src/core/run/record';
import { EVAL_DEFAULTS, testIndices, type EvalConfig, type EvalResult } from '../src/core/eval/evaluate';
import { coresetFeatures, evaluateSets } from '../src/core/eval/compare';
import type { Features } from '../src/core/select/coresets';
import { DEFAULT_RUN_CONFIG, type EvalProgress, type EvalSetName, type RunConfig } from '../src/shared/protocol';
import { METHODS, type MethodId } from '../src/shared/methods';
import { dcLoops } from '../src/core/methods/dc/dc';
import { defaultWasmThreads, initWasmWithThreads } from '../src/node/wasm-threads';

type BaselineName = 'random' | 'herding' | 'kCenter';
/** The methods this bench runs (the issue asks for DM and DC; KRR works too). */
type BenchMethod = Extract<MethodId, 'dm' | 'dc' | 'krr'>;

/** The committed budget: every default here is what bench/results/accuracy.json was produced with. */
const BUDGET = {
  datasets: 'mnist,fashion-mnist',
  ipc: '1,10',
  methods: 'dm,dc',
  width: 32,
  depth: 3,
  /**
   * Iterations of each method (DM: image updates; DC: outer iterations, see src/core/methods/dc), as N or
   * per IPC as 'ipc:N,ipc:N'.
   */
  dmIterations: '150',
  dcIterations: '1:20,10:2',
  realPerClass: 64,
  /**
   * Learning rate of the images (empty: the method's default, src/shared/methods.ts). DC's paper value 0.1 is
   * made for ~1000 outer iterations: in 20-30 it barely moves the images (MNIST IPC 1, 30 iterations, 50-epoch
   * evaluation: 58.0 % at lr 0.1 against 75.6 % at lr 1; IPC 10, 2 iterations: 80.4 % against 81.8 %).
   * DM keeps its paper value 1 (IPC 10, 200 iterations: 84.5 % at lr 1, 85.8 % at lr 10).
   */
  dmLr: '',
  dcLr: '1',
  /**
   * DC's image updates per outer iteration and network steps between them (0: the paper's, by IPC), N or per
   * IPC. At IPC 10 the paper's 50 inner steps (each a training step on the 100 synthetic images, ~0.7 s here)
   * would make one outer iteration cost ~6 min; 5 keeps it at ~2 min.
   */
  dcOuter: '0',
  dcInner: '10:5',
  evalEpochs: 50,
  models: 3,
  /** 0 = the full test set. */
  testLimit: 2000,
  /** Also evaluate the distillation's starting point (the real images it was initialised with): 'on' or 'off'. */
  evalInit: 'on',
  seed: 0,
};

const { values: a } = parseArgs({
  args: process.argv.slice(2),
  strict: true,
  options: {
    datasets: { type: 'string', default: BUDGET.datasets },
    ipc: { type: 'string', default: BUDGET.ipc },
    methods: { type: 'string', default: BUDGET.methods },
    width: { type: 'string', default: String(BUDGET.width) },
    iterations: { type: 'string' },
    'dm-iterations': { type: 'string', default: BUDGET.dmIterations },
    'dc-iterations': { type: 'string', default: BUDGET.dcIterations },
    real: { type: 'string', default: String(BUDGET.realPerClass) },
    'dm-lr': { type: 'string', default: BUDGET.dmLr },
    'dc-lr': { type: 'string', default: BUDGET.dcLr },
    'dc-outer': { type: 'string', default: BUDGET.dcOuter },
    'dc-inner': { type: 'string', default: BUDGET.dcInner },
    baselines: { type: 'string', default: 'random,herding,kCenter' },
    'eval-epochs': { type: 'string', default: String(BUDGET.evalEpochs) },
    'eval-init': { type: 'string', default: BUDGET.evalInit },
    models: { type: 'string', default: String(BUDGET.models) },
    'test-limit': { type: 'string', default: String(BUDGET.testLimit) },
    seed: { type: 'string', default: String(BUDGET.seed) },
    out: { type: 'string', default: 'bench/results/accuracy.json' },
  },
});

function int(name: string, v: string | undefined, min = 0): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`bench:accuracy: --${name} must be a whole number >= ${min} (got '${v}')\n`);
    process.exit(2);
  }
  return n;
}
function list<T extends string>(name: string, v: string, allowed: readonly T[]): T[] {
  const items = v.split(',').filter(Boolean);
  const bad = items.find((x) => !allowed.includes(x as T));
  if (bad !== undefined || items.length === 0) {
    process.stderr.write(`bench:accuracy: --${name} must be a comma-separated list of ${allowed.join(', ')} (got '${v}')\n`);
    process.exit(2);
  }
  return items as T[];
}

const datasets = list<DatasetId>('datasets', a.datasets, ['mnist', 'fashion-mnist', 'cifar-10']);
const ipcs = a.ipc.split(',').map((v) => int('ipc', v, 1));
const methods = list<BenchMethod>('methods', a.methods, ['dm', 'dc', 'krr']);
const width = int('width', a.width, 1);
/** A setting given as N (every IPC) or per IPC as 'ipc:N,ipc:N' (0 for an IPC not listed). */
function perIpc(name: string, v: string): Record<number, number> {
  if (!v.includes(':')) {
    const n = int(name, v);
    return Object.fromEntries(ipcs.map((ipc) => [ipc, n]));
  }
  const out: Record<number, number> = Object.fromEntries(ipcs.map((ipc) => [ipc, 0]));
  for (const part of v.split(',')) {
    const [ipc, n] = part.split(':');
    out[int(name, ipc, 1)] = int(name, n);
  }
  return out;
}
const iterations: Record<BenchMethod, Record<number, number>> = {
  dm: perIpc('dm-iterations', a.iterations ?? a['dm-iterations']),
  dc: perIpc('dc-iterations', a.iterations ?? a['dc-iterations']),
  krr: perIpc('iterations', a.iterations ?? a['dm-iterations']),
};
const realPerClass = int('real', a.real, 1);
const seed = int('seed', a.seed);
const baselineNames = list<BaselineName>('baselines', a.baselines, ['random', 'herding', 'kCenter']);
const lr = (name: string, v: string, method: BenchMethod) => {
  if (v === '') return METHODS[method].defaults.lrImages;
  const n = Number(v);
  if (!(n > 0)) {
    process.stderr.write(`bench:accuracy: --${name} must be a positive number (got '${v}')\n`);
    process.exit(2);
  }
  return n;
};
/** Each method's settings beyond the shared ones (image lr and momentum; DC's loops per IPC, 0 = the paper's). */
const methodSettings: Record<BenchMethod, { lrImages: number; momentum: number; outerLoop?: Record<number, number>; innerLoop?: Record<number, number> }> = {
  dm: { ...METHODS.dm.defaults, lrImages: lr('dm-lr', a['dm-lr'], 'dm') },
  dc: { ...METHODS.dc.defaults, lrImages: lr('dc-lr', a['dc-lr'], 'dc'), outerLoop: perIpc('dc-outer', a['dc-outer']), innerLoop: perIpc('dc-inner', a['dc-inner']) },
  krr: { ...METHODS.krr.defaults },
};
/** DC's (outer, inner) loops at `ipc`: the paper's where not set. */
const dcLoopsAt = (ipc: number) => ({
  outerLoop: methodSettings.dc.outerLoop?.[ipc] || dcLoops(ipc).outer,
  innerLoop: methodSettings.dc.innerLoop?.[ipc] || dcLoops(ipc).inner,
});
const evalCfg: EvalConfig = {
  ...EVAL_DEFAULTS,
  epochs: int('eval-epochs', a['eval-epochs'], 1),
  models: int('models', a.models, 1),
  testLimit: int('test-limit', a['test-limit']),
  width,
  depth: BUDGET.depth,
  seed,
};
if (a['eval-init'] !== 'on' && a['eval-init'] !== 'off') {
  process.stderr.write(`bench:accuracy: --eval-init must be on or off (got '${a['eval-init']}')\n`);
  process.exit(2);
}
const evalInit = a['eval-init'] === 'on';
const outJson = a.out;
const outMd = outJson.replace(/\.json$/, '') + '.md';

const log = (msg: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const pct = (r: EvalResult) => `${(r.mean * 100).toFixed(2)} ± ${(r.std * 100).toFixed(2)}`;
const secs = (ms: number) => Math.round(ms / 100) / 10;

// wasm with one thread per core (src/node/wasm-threads.ts).
await initWasmWithThreads(defaultWasmThreads());
await tf.ready();
const backend = tf.getBackend();
const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
const dir = path.resolve(process.env.DATASETS_DIR ?? '../shared/datasets');
const started = performance.now();
log(`backend ${backend}; datasets ${datasets.join(', ')}; IPC ${ipcs.join(', ')}; methods ${methods.join(', ')}`);
log(`budget: width ${width} depth ${BUDGET.depth}; ${methods.map((m) => `${m} iterations ${JSON.stringify(iterations[m])} ${JSON.stringify(methodSettings[m])}`).join('; ')}; real/class ${realPerClass}; eval ${evalCfg.epochs} epochs x ${evalCfg.models} models, test ${evalCfg.testLimit || 'all'}`);

interface Row {
  dataset: DatasetId;
  ipc: number;
  method: BenchMethod;
  /** The run's configuration, with DC's loops as run (outerLoop, innerLoop). */
  config: RunConfig & { outerLoop?: number; innerLoop?: number };
  distillSeconds: number;
  msPerIteration: number;
  finalLoss: number;
  evalSeconds: number;
  distilled: EvalResult;
  random?: EvalResult;
  herding?: EvalResult;
  kCenter?: EvalResult;
  /** Whether the distilled mean beats random real images' mean (absent when random was not evaluated). */
  beatsRandom?: boolean;
}
const rows: Row[] = [];
const baselineRows: {
  dataset: DatasetId;
  ipc: number;
  evalSeconds: number;
  results: Partial<Record<BaselineName, EvalResult>>;
  /** With --eval-init: the distillation's starting point (real images drawn by the run's seed, the same for every method). */
  init?: EvalResult;
}[] = [];
const testImages: Partial<Record<DatasetId, number>> = {};

/** Evaluates the named sets with progress on stderr (one line per network). */
async function evaluate(names: EvalSetName[], distilled: Float32Array | null, ipc: number, train: RealData, test: RealData, features?: Features[]) {
  const t0 = performance.now();
  let last = '';
  const progress = (p: EvalProgress) => {
    const key = `${p.set}/${p.model}`;
    if (key !== last) log(`  evaluate ${p.set}: network ${p.model + 1}/${p.models} (${p.epochs} epochs)`);
    last = key;
  };
  const { results } = await evaluateSets(names, distilled, ipc, train, test, evalCfg, progress, features);
  return { results, seconds: (performance.now() - t0) / 1000 };
}

/** Runs `config.iterations` iterations; returns the synthetic pixels and timings. */
async function distil(train: RealData, config: Row['config'], label: string) {
  const run = new DistillRun(train, config);
  const ms: number[] = [];
  let loss = NaN;
  let lastLog = 0;
  const t0 = performance.now();
  try {
    await run.prepare();
    await stepTo(run, config.iterations, (p) => {
      loss = p.loss;
      ms.push(p.ms);
      if (!Number.isFinite(loss)) throw new Error(`${label}: the loss became ${loss} at iteration ${p.iteration}`);
      if (performance.now() - lastLog > 15_000 || p.iteration === config.iterations || p.iteration === 1) {
        lastLog = performance.now();
        log(`  iteration ${p.iteration}/${config.iterations}  loss ${loss.toPrecision(4)}  ${Math.round(p.ms)} ms/it`);
      }
    });
    return { pixels: await run.pixels(), initial: run.initial.pixels, seconds: (performance.now() - t0) / 1000, ms, loss };
  } finally {
    run.dispose();
  }
}

for (const dataset of datasets) {
  const loaded = loadDatasetFromDir(dataset, dir);
  if (loaded.heldOutNote) log(loaded.heldOutNote);
  const train = prepareRealData(loaded.train, loaded.spec);
  const test = prepareRealData(loaded.test, loaded.spec);
  testImages[dataset] = testIndices(test, evalCfg.testLimit).length;
  let features: Features[] | undefined;
  if (baselineNames.some((n) => n !== 'random')) {
    const t0 = performance.now();
    log(`${dataset}: coreset features of the ${loaded.train.count} training images (random ConvNet, seed ${evalCfg.seed})`);
    features = await coresetFeatures(train, evalCfg);
    log(`${dataset}: features in ${Math.round((performance.now() - t0) / 1000)} s`);
  }
  for (const ipc of ipcs) {
    log(`${dataset} IPC ${ipc}: baselines (${baselineNames.join(', ')})`);
    const base = await evaluate(baselineNames, null, ipc, train, test, features);
    const baselines: Partial<Record<BaselineName, EvalResult>> = base.results;
    const baselineRow: (typeof baselineRows)[number] = { dataset, ipc, evalSeconds: secs(base.seconds * 1000), results: baselines };
    baselineRows.push(baselineRow);
    log(`${dataset} IPC ${ipc}: ${baselineNames.map((n) => `${n} ${pct(baselines[n]!)}`).join('  ')} %  (${Math.round(base.seconds)} s)`);
    for (const method of methods) {
      const { lrImages, momentum } = methodSettings[method];
      const loops = method === 'dc' ? dcLoopsAt(ipc) : {};
      const config: Row['config'] = {
        ...DEFAULT_RUN_CONFIG,
        lrImages,
        momentum,
        dataset,
        method,
        ipc,
        iterations: iterations[method][ipc] ?? 0,
        width,
        depth: BUDGET.depth,
        realPerClass,
        init: 'real',
        dsa: true,
        seed,
        ...loops,
      };
      const label = `${dataset} IPC ${ipc} ${method}`;
      log(`${label}: distilling, ${config.iterations} iterations${method === 'dc' ? ` (loops ${config.outerLoop}/${config.innerLoop})` : ''}, lr ${config.lrImages}`);
      const d = await distil(train, config, label);
      if (evalInit && !baselineRow.init) {
        log(`${dataset} IPC ${ipc}: the distillation's initial images (init real, seed ${seed})`);
        baselineRow.init = (await evaluate(['distilled'], d.initial, ipc, train, test)).results.distilled!;
        log(`${dataset} IPC ${ipc}: init ${pct(baselineRow.init)} %`);
      }
      const ev = await evaluate(['distilled'], d.pixels, ipc, train, test);
      const distilled = ev.results.distilled!;
      rows.push({
        dataset,
        ipc,
        method,
        config,
        distillSeconds: secs(d.seconds * 1000),
        msPerIteration: Math.round(median(d.ms.length > 1 ? d.ms.slice(1) : d.ms)),
        finalLoss: d.loss,
        evalSeconds: secs(ev.seconds * 1000),
        distilled,
        ...baselines,
        ...(baselines.random ? { beatsRandom: distilled.mean > baselines.random.mean } : {}),
      });
      log(`${label}: distilled ${pct(distilled)} %${baselines.random ? ` vs random ${pct(baselines.random)} %` : ''}  (distil ${Math.round(d.seconds)} s, eval ${Math.round(ev.seconds)} s)`);
    }
  }
}

const totalSeconds = secs(performance.now() - started);
const command = `npm run bench:accuracy${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
const budget = {
  width,
  depth: BUDGET.depth,
  /** Per method, iterations by IPC. */
  iterations: Object.fromEntries(methods.map((m) => [m, iterations[m]])),
  realPerClass,
  init: 'real',
  dsa: true,
  /** Per method: image lr and momentum; for DC, (outerLoop, innerLoop) as run, by IPC. */
  methodSettings: Object.fromEntries(
    methods.map((m) => [
      m,
      m === 'dc'
        ? { ...METHODS.dc.defaults, lrImages: methodSettings.dc.lrImages, loops: Object.fromEntries(ipcs.map((ipc) => [ipc, dcLoopsAt(ipc)])) }
        : { lrImages: methodSettings[m].lrImages, momentum: methodSettings[m].momentum },
    ]),
  ),
  eval: {
    epochs: evalCfg.epochs,
    models: evalCfg.models,
    batch: evalCfg.batch,
    lr: evalCfg.lr,
    momentum: evalCfg.momentum,
    weightDecay: evalCfg.weightDecay,
    width: evalCfg.width,
    depth: evalCfg.depth,
    testLimit: evalCfg.testLimit,
    testImages,
  },
  seeds: { distillation: seed, evaluation: evalCfg.seed, random: evalCfg.seed + 1, coresetFeatures: evalCfg.seed },
};

const describe = (m: BenchMethod) => {
  const s = methodSettings[m];
  const its = ipcs.map((ipc) => {
    const loops = m === 'dc' ? ` (outer/inner loops ${dcLoopsAt(ipc).outerLoop}/${dcLoopsAt(ipc).innerLoop})` : '';
    return `${iterations[m][ipc]} at IPC ${ipc}${loops}`;
  });
  return `${m.toUpperCase()}: ${its.join(' and ')} iterations, image lr ${s.lrImages}, momentum ${s.momentum}`;
};
const budgetLine =
  `ConvNet-3 width ${width}; ${methods.map(describe).join(', ')}; ${realPerClass} real images per class per step, init real, DSA on; ` +
  `evaluation: ${evalCfg.models} fresh ConvNet-3 (width ${evalCfg.width}) per set x ${evalCfg.epochs} epochs (SGD lr ${evalCfg.lr}, momentum ${evalCfg.momentum}, ` +
  `weight decay ${evalCfg.weightDecay}, batch ${evalCfg.batch}, lr x0.1 at half, no augmentation), tested on ` +
  `${evalCfg.testLimit ? `${evalCfg.testLimit} class-balanced test images` : 'the full test set (10,000 images)'}; seed ${seed}.`;

const NAMES: Record<string, string> = { mnist: 'MNIST', 'fashion-mnist': 'Fashion-MNIST', 'cifar-10': 'CIFAR-10' };
const cell = (r?: EvalResult) => (r ? pct(r) : '–');
const withInit = baselineRows.some((b) => b.init);
const initOf = (r: Row) => baselineRows.find((b) => b.dataset === r.dataset && b.ipc === r.ipc)?.init;
const table = [
  `| Dataset | IPC | Method | Iterations | Distilled |${withInit ? ' Init (start) |' : ''} Random | Herding | K-Center | Distillation time |`,
  `|---|---:|---|---:|---:|${withInit ? '---:|' : ''}---:|---:|---:|---:|`,
  ...rows.map((r) => {
    const b = r.beatsRandom ? '**' : '';
    const init = withInit ? ` ${cell(initOf(r))} |` : '';
    return `| ${NAMES[r.dataset]} | ${r.ipc} | ${r.method.toUpperCase()} | ${r.config.iterations} | ${b}${pct(r.distilled)}${b} |${init} ${cell(r.random)} | ${cell(r.herding)} | ${cell(r.kCenter)} | ${Math.round(r.distillSeconds)} s |`;
  }),
].join('\n');

const date = new Date().toISOString();
const md = [
  '# Accuracy: distilled vs random real vs herding vs k-center',
  '',
  `\`${command}\` on ${date.slice(0, 10)}, backend ${backend} (Node ${process.version}, wasm ${getThreadsCount()} thread(s)), ${pkg.name} ${pkg.version}; the whole bench took ${Math.round(totalSeconds / 60)} min.`,
  '',
  `Budget (CPU-sized): ${budgetLine}`,
  '',
  'Test accuracy in %, mean ± std over the evaluation networks; bold where the distilled set beats random real images. ' +
    'Random, herding and k-center are evaluated once per dataset and IPC and shared by the DM and DC rows. ' +
    'Full numbers, every run and the budget: `accuracy.json`.',
  '',
  table,
  '',
].join('\n');

const record = {
  schema: 'distill-playground/accuracy-bench@1',
  command,
  date,
  backend,
  node: process.version,
  machine: `Node, ${os.availableParallelism()}-core CPU, no GPU; wasm with ${getThreadsCount()} thread(s)`,
  app: { name: pkg.name, version: pkg.version },
  totalSeconds,
  budget,
  baselines: baselineRows,
  rows,
};
fs.mkdirSync(path.dirname(path.resolve(outJson)), { recursive: true });
fs.writeFileSync(outJson, `${JSON.stringify(record, null, 2)}\n`);
fs.writeFileSync(outMd, md);
log(`wrote ${outJson} and ${outMd}; total ${Math.round(totalSeconds)} s`);
process.stdout.write(`${budgetLine}\n\n${table}\n`);
const failing = rows.filter((r) => r.dataset === 'mnist' && !r.beatsRandom);
if (failing.length) log(`NOTE: on MNIST the distilled set does not beat random real at ${failing.map((r) => `IPC ${r.ipc} ${r.method}`).join(', ')}`);
