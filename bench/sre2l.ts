/**
 * SRe2L with DWA on and off (issue 16): the per-class diversity of the recovered images (mean pairwise distance of
 * a class's images in the teacher's features), the recover loss and the time per iteration, for noise and real
 * inits; optionally their accuracy under the evaluation protocol with hard and soft labels beside random real.
 * One teacher (cached) serves every run. Prints a Markdown table and writes bench/results/sre2l.{json,md}.
 *
 *   DATASETS_DIR=../shared/datasets npx tsx bench/sre2l.ts --ipc 10 --iterations 100 --width 16 \
 *     --teacher-epochs 1 --teacher-images 4000 --rhos 0.015,0.5 [--eval-epochs 100 --eval-models 2 --test-images 1000]
 */
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import { DistillRun, stepTo } from '../src/core/run/run';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../src/shared/protocol';
import { METHODS } from '../src/shared/methods';
import { SRE2L_SETTINGS_DEFAULTS } from '../src/shared/method-info/sre2l';
import { loadReal } from '../src/testing/data';
import { useBackend } from '../src/testing/tf';
import { EVAL_DEFAULTS, evaluateSet } from '../src/core/eval/evaluate';
import { INITIALISERS } from '../src/core/init';
import { Rng } from '../src/core/rng';
import type { Cached } from '../src/core/methods/method';
import type { DatasetId } from '../src/core/data/types';

const argv = process.argv.slice(2);
const opt = (name: string, d: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1]! : d;
};
const dataset = opt('dataset', 'mnist') as DatasetId;
const ipc = Number(opt('ipc', '10'));
const iterations = Number(opt('iterations', '100'));
const width = Number(opt('width', '16'));
const teacherEpochs = Number(opt('teacher-epochs', '1'));
const teacherImages = Number(opt('teacher-images', '4000'));
const rhos = opt('rhos', '0.015').split(',').map(Number);
const inits = opt('inits', 'noise,real').split(',') as ('noise' | 'real')[];
const evalEpochs = Number(opt('eval-epochs', '0'));
const evalModels = Number(opt('eval-models', '2'));
const testImages = Number(opt('test-images', '1000'));
const temperature = Number(opt('temperature', String(SRE2L_SETTINGS_DEFAULTS.temperature)));
const seed = Number(opt('seed', '1'));

await useBackend('wasm');
const { train, test } = loadReal(dataset);
const [h, w, c] = [train.set.height, train.set.width, train.set.channels];
const cache = new Map<string, Cached>();
const methodCache = { get: (k: string) => cache.get(k), set: (k: string, v: Cached) => void cache.set(k, v) };
const ev = { ...EVAL_DEFAULTS, epochs: evalEpochs, models: evalModels, width, testLimit: testImages, seed };
const labels = Int32Array.from({ length: train.numClasses * ipc }, (_, i) => Math.floor(i / ipc));

interface Row {
  init: string;
  dwa: boolean;
  rho: number;
  firstLoss: number;
  lastLoss: number;
  msPerIteration: number;
  diversity: number;
  perClass: number[];
  hard?: number;
  soft?: number;
}
const rows: Row[] = [];
for (const init of inits) {
  for (const [dwa, rho] of [[false, 0] as const, ...rhos.map((r) => [true, r] as const)]) {
    const config: RunConfig = {
      ...DEFAULT_RUN_CONFIG,
      dataset,
      method: 'sre2l',
      ...METHODS.sre2l.defaults,
      ipc,
      iterations,
      width,
      init,
      dsa: false,
      seed,
      dwa,
      sre2l: { ...SRE2L_SETTINGS_DEFAULTS, teacherEpochs, teacherImages, temperature, ...(dwa ? { rho } : {}) },
    };
    const run = new DistillRun(train, config);
    const t0 = performance.now();
    await run.prepare(methodCache);
    const prepMs = performance.now() - t0;
    const losses: number[] = [];
    const ms: number[] = [];
    await stepTo(run, iterations, (p) => {
      losses.push(p.loss);
      ms.push(p.ms);
    });
    const r = (await run.readouts()) ?? {};
    const perClass = Array.from({ length: train.numClasses }, (_, k) => r[`diversity.${k}`] ?? NaN);
    const row: Row = {
      init,
      dwa,
      rho,
      firstLoss: losses[0]!,
      lastLoss: losses.at(-1)!,
      msPerIteration: ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)]!,
      diversity: r.diversity ?? NaN,
      perClass,
    };
    if (evalEpochs > 0) {
      const pixels = await run.pixels();
      const soft = (await run.learnedLabels())!.values;
      row.hard = (await evaluateSet({ pixels, labels, shape: [h, w, c] as const }, test, { ...ev, labels: 'hard' })).mean;
      row.soft = (await evaluateSet({ pixels, labels, shape: [h, w, c] as const, soft }, test, { ...ev, labels: 'soft' })).mean;
    }
    console.error(`init ${init} dwa ${dwa} rho ${rho}: prepare ${Math.round(prepMs)} ms, ${JSON.stringify(row)}`);
    rows.push(row);
    run.dispose();
  }
}
let random: number | undefined;
if (evalEpochs > 0) {
  const rnd = INITIALISERS.real(train, ipc, new Rng(seed));
  random = (await evaluateSet({ pixels: rnd.pixels, labels, shape: [h, w, c] as const }, test, { ...ev, labels: 'hard' })).mean;
}
for (const v of cache.values()) v.dispose();
tf.disposeVariables();

const pct = (x?: number) => (x === undefined ? '' : `${(x * 100).toFixed(1)} %`);
const md = [
  `# SRe2L with DWA on and off (${dataset}, IPC ${ipc}, ${iterations} iterations, width ${width}, teacher ${teacherEpochs} epoch(s) x ${teacherImages} images, wasm in Node, seed ${seed})`,
  '',
  'Diversity: per class, the mean pairwise Euclidean distance of its images in the (unadjusted) teacher’s features; the table gives the mean over classes and the classes’ figures.' +
    (evalEpochs > 0 ? ` Accuracy: ${evalModels} ConvNet-3 (width ${width}) trained ${evalEpochs} epochs on the set, tested on ${testImages || 'all'} test images; soft: the teacher’s soft labels at T = ${temperature} (a stated variant); random real (hard): ${pct(random)}.` : '') +
    ' Times measured on a shared, loaded 2-core machine: noisy.',
  '',
  `| init | DWA | ρ | loss first → last | ms/it | diversity (mean) | per class |${evalEpochs > 0 ? ' hard | soft |' : ''}`,
  `|---|---|---|---|---|---|---|${evalEpochs > 0 ? '---|---|' : ''}`,
  ...rows.map(
    (r) =>
      `| ${r.init} | ${r.dwa ? 'on' : 'off'} | ${r.dwa ? r.rho : ''} | ${r.firstLoss.toFixed(3)} → ${r.lastLoss.toFixed(3)} | ${Math.round(r.msPerIteration)} | ${r.diversity.toFixed(3)} | ${r.perClass.map((v) => v.toFixed(2)).join(' ')} |${evalEpochs > 0 ? ` ${pct(r.hard)} | ${pct(r.soft)} |` : ''}`,
  ),
  '',
  `Command: \`npx tsx bench/sre2l.ts ${argv.join(' ')}\``,
].join('\n');
console.log(md);
fs.mkdirSync('bench/results', { recursive: true });
fs.writeFileSync('bench/results/sre2l.json', JSON.stringify({ dataset, ipc, iterations, width, teacherEpochs, teacherImages, rhos, temperature, evalEpochs, evalModels, testImages, random, rows }, null, 2));
fs.writeFileSync('bench/results/sre2l.md', `${md}\n`);
