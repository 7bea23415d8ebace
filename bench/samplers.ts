/**
 * `npm run bench:samplers [-- --methods dm,dc --samplers uniform,importance,dream --iterations N --checkpoints a,b,c]`:
 * test accuracy against distillation iterations on MNIST at IPC 10 for each real-batch sampler (same seeds,
 * same initial set, evaluation at fixed checkpoints under the protocol), and for DREAM and importance the
 * speed-up: the iterations uniform needs to reach its final accuracy divided by the iterations the technique
 * needs to reach it (the first checkpoint at or above it; "—" if it never does within the budget).
 * Results: bench/results/samplers.json and bench/results/samplers.md; progress on stderr, the table on stdout.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadDatasetFromDir } from '../src/node/datasets';
import { prepareRealData } from '../src/core/data/batches';
import { EVAL_DEFAULTS, evaluateSet } from '../src/core/eval/evaluate';
import { DistillRun, stepTo } from '../src/core/run/run';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../src/shared/protocol';
import { METHODS, SAMPLER_SETTINGS_DEFAULTS, type MethodId, type SamplerId } from '../src/shared/methods';
import { defaultWasmThreads, initWasmWithThreads } from '../src/node/wasm-threads';

/** The committed budget: bench/results/samplers.json was produced with these defaults. */
const BUDGET = {
  methods: 'dm,dc',
  samplers: 'uniform,importance,dream',
  ipc: 10,
  width: 32,
  realPerClass: 64,
  /** Iterations and evaluation checkpoints per method (DC: outer iterations). */
  dm: { iterations: 100, checkpoints: '0,20,50,100', interval: 10 },
  dc: { iterations: 10, checkpoints: '0,3,6,10', outerLoop: 2, innerLoop: 5, interval: 2 },
  samplerPool: 200,
  probeSteps: 20,
  evalEpochs: 50,
  models: 2,
  testLimit: 2000,
  seed: 0,
};

const { values: a } = parseArgs({
  args: process.argv.slice(2),
  strict: true,
  options: {
    methods: { type: 'string', default: BUDGET.methods },
    samplers: { type: 'string', default: BUDGET.samplers },
    'dm-iterations': { type: 'string', default: String(BUDGET.dm.iterations) },
    'dm-checkpoints': { type: 'string', default: BUDGET.dm.checkpoints },
    'dc-iterations': { type: 'string', default: String(BUDGET.dc.iterations) },
    'dc-checkpoints': { type: 'string', default: BUDGET.dc.checkpoints },
    'dm-interval': { type: 'string', default: String(BUDGET.dm.interval) },
    'dc-interval': { type: 'string', default: String(BUDGET.dc.interval) },
    'dc-outer': { type: 'string', default: String(BUDGET.dc.outerLoop) },
    'dc-inner': { type: 'string', default: String(BUDGET.dc.innerLoop) },
    pool: { type: 'string', default: String(BUDGET.samplerPool) },
    'probe-steps': { type: 'string', default: String(BUDGET.probeSteps) },
    'eval-epochs': { type: 'string', default: String(BUDGET.evalEpochs) },
    models: { type: 'string', default: String(BUDGET.models) },
    'test-limit': { type: 'string', default: String(BUDGET.testLimit) },
    out: { type: 'string', default: 'bench/results/samplers.json' },
    /** The first set, the same for every sampler (default real: the committed results). */
    init: { type: 'string', default: 'real' },
  },
});
const methods = a.methods.split(',') as Extract<MethodId, 'dm' | 'dc'>[];
const samplers = a.samplers.split(',') as SamplerId[];
const plan = {
  dm: { iterations: Number(a['dm-iterations']), checkpoints: a['dm-checkpoints'].split(',').map(Number), interval: Number(a['dm-interval']) },
  dc: {
    iterations: Number(a['dc-iterations']),
    checkpoints: a['dc-checkpoints'].split(',').map(Number),
    interval: Number(a['dc-interval']),
    outerLoop: Number(a['dc-outer']),
    innerLoop: Number(a['dc-inner']),
  },
};
const pool = Number(a.pool);
const probeSteps = Number(a['probe-steps']);
const evalCfg = { ...EVAL_DEFAULTS, epochs: Number(a['eval-epochs']), models: Number(a.models), width: BUDGET.width, testLimit: Number(a['test-limit']), seed: BUDGET.seed };
const log = (m: string) => process.stderr.write(`${m}\n`);

// wasm with one thread per core (src/node/wasm-threads.ts).
await initWasmWithThreads(defaultWasmThreads());
await tf.ready();
const dir = path.resolve(process.env.DATASETS_DIR ?? '../shared/datasets');
const d = loadDatasetFromDir('mnist', dir);
const train = prepareRealData(d.train, d.spec);
const test = prepareRealData(d.test, d.spec);
const shape = [d.train.height, d.train.width, d.train.channels] as const;
const labels = Int32Array.from({ length: train.numClasses * BUDGET.ipc }, (_, i) => Math.floor(i / BUDGET.ipc));
const t0 = performance.now();

interface Curve {
  method: string;
  sampler: SamplerId;
  points: { iteration: number; mean: number; std: number; seconds: number }[];
}
const curves: Curve[] = [];
for (const method of methods) {
  const { iterations, checkpoints } = plan[method];
  for (const sampler of samplers) {
    const config: RunConfig = {
      ...DEFAULT_RUN_CONFIG,
      ...METHODS[method].defaults,
      method,
      ipc: BUDGET.ipc,
      width: BUDGET.width,
      realPerClass: BUDGET.realPerClass,
      iterations,
      seed: BUDGET.seed,
      init: a.init as RunConfig['init'],
      sampler,
      samplerSettings: { ...SAMPLER_SETTINGS_DEFAULTS, interval: plan[method].interval, pool, probeSteps },
      ...(method === 'dc' ? { outerLoop: plan.dc.outerLoop, innerLoop: plan.dc.innerLoop } : {}),
    };
    const run = new DistillRun(train, config);
    await run.prepare();
    const curve: Curve = { method, sampler, points: [] };
    const tRun = performance.now();
    let distillMs = 0;
    for (const cp of checkpoints) {
      const ts = performance.now();
      await stepTo(run, cp);
      distillMs += performance.now() - ts;
      const r = await evaluateSet({ pixels: await run.pixels(), labels, shape }, test, evalCfg);
      curve.points.push({ iteration: cp, mean: r.mean, std: r.std, seconds: Math.round(distillMs / 1000) });
      log(`${method} ${sampler} iteration ${cp}: ${(r.mean * 100).toFixed(2)} ± ${(r.std * 100).toFixed(2)} %  (distilling ${Math.round(distillMs / 1000)} s, all ${Math.round((performance.now() - tRun) / 1000)} s)`);
    }
    run.dispose();
    curves.push(curve);
    // Results so far, after each curve: a long run stopped part-way keeps what it measured.
    writeResults(false);
  }
}

/** Uniform's final accuracy, and the first checkpoint where each curve reaches it. */
function speedups(method: string) {
  const uni = curves.find((c) => c.method === method && c.sampler === 'uniform');
  if (!uni) return [];
  const last = uni.points.at(-1)!;
  return curves
    .filter((c) => c.method === method && c.sampler !== 'uniform')
    .map((c) => {
      const hit = c.points.find((p) => p.mean >= last.mean);
      const reach = uni.points.find((p) => p.mean >= last.mean)!.iteration;
      return { method, sampler: c.sampler, target: last.mean, uniformIterations: reach, iterations: hit?.iteration ?? null, ratio: hit && hit.iteration > 0 ? reach / hit.iteration : null };
    });
}
function writeResults(done: boolean): void {
  const ratios = methods.flatMap(speedups);

  const pct = (m: number, s: number) => `${(m * 100).toFixed(1)} ± ${(s * 100).toFixed(1)}`;
  const sections = methods.filter((m) => curves.some((c) => c.method === m)).map((method) => {
    const cps = plan[method].checkpoints;
    const head = `| ${method.toUpperCase()} sampler | ${cps.map((c) => `it ${c}`).join(' | ')} |\n|---|${cps.map(() => '---').join('|')}|`;
    const body = curves
      .filter((c) => c.method === method)
      .map((c) => `| ${c.sampler} | ${c.points.map((p) => pct(p.mean, p.std)).join(' | ')} |`)
      .join('\n');
    return `${head}\n${body}`;
  });
  const ratioLines = ratios.map(
    (r) => `- ${r.method.toUpperCase()} ${r.sampler}: uniform reaches ${(r.target * 100).toFixed(1)}% at iteration ${r.uniformIterations}; ${r.sampler} ${r.iterations === null ? 'does not reach it within the budget' : `at iteration ${r.iterations}`}${r.ratio ? ` → speed-up ${r.ratio.toFixed(2)}x` : ''}`,
  );
  const budget = `MNIST, IPC ${BUDGET.ipc}, ConvNet-3 width ${BUDGET.width}, ${BUDGET.realPerClass} real images per class per draw (DREAM: ${BUDGET.realPerClass} clusters), DSA on, init ${a.init} (the same first set for every sampler); samplers refresh every ${plan.dm.interval} (DM) / ${plan.dc.interval} (DC) iterations on ${pool} candidates per class with a probe trained ${probeSteps} steps; DC with outer/inner loops ${plan.dc.outerLoop}/${plan.dc.innerLoop}. Evaluation: ${evalCfg.models} networks x ${evalCfg.epochs} epochs, ${evalCfg.testLimit || 'all'} test images. wasm in Node.`;
  const partial = done ? '' : '**Partial: the run was still going when this was written (after each curve).**\n\n';
  const table = `${partial}Test accuracy (%) against distillation iterations, mean ± std over the evaluation networks.\n\n${budget}\n\n${sections.join('\n\n')}\n\nSpeed-up at uniform's final accuracy (checkpoint resolution):\n${ratioLines.join('\n')}\n`;
  const command = `npm run bench:samplers${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  fs.mkdirSync(path.dirname(a.out), { recursive: true });
  fs.writeFileSync(a.out, JSON.stringify({ command, complete: done, date: new Date().toISOString(), backend: tf.getBackend(), budget: { ...BUDGET, plan, pool, probeSteps, evalCfg }, seconds: Math.round((performance.now() - t0) / 1000), curves, ratios }, null, 2));
  fs.writeFileSync(a.out.replace(/\.json$/, '.md'), `# bench:samplers\n\n\`${command}\`\n\n${table}`);
  if (done) process.stdout.write(table);
}
writeResults(true);
