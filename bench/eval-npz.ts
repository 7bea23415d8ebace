/**
 * `npx tsx bench/eval-npz.ts FILE.npz --epochs N [--dsa on|off] [--cutmix on|off] [--lr-schedule half|idc]
 * [--models N] [--width N] [--sets distilled,random,herding,kCenter]`: evaluates the named sets (default: the
 * distilled set alone) of a `.npz` (a multi-formation set on its decoded images; the baselines at its stored IPC)
 * exactly as `distill eval` evaluates them (the same seeds, evaluateSets), and prints one JSON line with each
 * network's accuracy. For an expensive protocol: the distilled set and its baselines can run in separate processes
 * (one per core) and give the numbers `distill eval` would give together. Defaults: DSA and CutMix off, lr schedule
 * half, 3 networks, width 128; always the whole test set and seed 0. Datasets from DATASETS_DIR (default
 * ../shared/datasets).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadDatasetFromDir } from '../src/node/datasets';
import { prepareRealData } from '../src/core/data/batches';
import { decodeNpz, forEvaluation } from '../src/core/data/npz';
import { decodePixels, recordedFactor } from '../src/core/methods/idc/multiformation';
import { LIMITS } from '../src/shared/config';
import { EVAL_DEFAULTS, type EvalConfig } from '../src/core/eval/evaluate';
import { EVAL_SETS, evaluateSets } from '../src/core/eval/compare';
import type { EvalProgress, EvalSetName } from '../src/shared/protocol';
import { benchBackend } from './lib/bench-run';

const { values: a, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    epochs: { type: 'string' },
    dsa: { type: 'string', default: 'off' },
    cutmix: { type: 'string', default: 'off' },
    'lr-schedule': { type: 'string', default: 'half' },
    models: { type: 'string', default: '3' },
    width: { type: 'string', default: '128' },
    sets: { type: 'string', default: 'distilled' },
  },
});
const file = positionals[0];
const onOff = (name: 'dsa' | 'cutmix') => {
  if (a[name] !== 'on' && a[name] !== 'off') throw new Error(`--${name} must be on or off (got ${a[name]})`);
  return a[name] === 'on';
};
if (!file || !a.epochs) throw new Error('usage: bench/eval-npz.ts FILE.npz --epochs N [--dsa on|off] [--cutmix on|off] [--lr-schedule half|idc] [--models N] [--width N] [--sets ...]');
const lrSchedule = a['lr-schedule'];
if (lrSchedule !== 'half' && lrSchedule !== 'idc') throw new Error(`--lr-schedule must be half or idc (got ${lrSchedule})`);
const names = a.sets.split(',') as EvalSetName[];
const unknown = names.filter((n) => !EVAL_SETS.includes(n));
if (unknown.length > 0) throw new Error(`eval-npz: unknown set(s) ${unknown.join(', ')}; known: ${EVAL_SETS.join(', ')}`);

const backend = await benchBackend();
const set = decodeNpz(new Uint8Array(fs.readFileSync(file)), { file });
const { pixels: stored, ipc } = forEvaluation(set);
const factor = recordedFactor(set.meta, LIMITS.factor.max);
const d = loadDatasetFromDir(set.dataset, path.resolve(process.env.DATASETS_DIR ?? '../shared/datasets'));
const train = prepareRealData(d.train, d.spec);
const test = prepareRealData(d.test, d.spec);
const pixels = factor > 1 ? decodePixels(stored, set.shape, factor) : stored;
const cfg: EvalConfig = {
  ...EVAL_DEFAULTS,
  epochs: Number(a.epochs),
  models: Number(a.models),
  width: Number(a.width),
  seed: 0,
  testLimit: 0,
  dsa: onOff('dsa'),
  cutmix: onOff('cutmix'),
  lrSchedule,
  dsaFlip: set.dataset !== 'mnist',
};
const t0 = Date.now();
console.error(`${new Date().toISOString()} ${file}: factor ${factor}, backend ${backend}, sets ${names.join(', ')}`);
// A line on stderr every 100 epochs of every network, and each network's accuracy once it is tested: these
// evaluations take hours on a CPU.
const progress = (p: EvalProgress) => {
  if (p.accuracy !== undefined) console.error(`${new Date().toISOString()} ${p.set}: network ${p.model + 1}/${p.models}: ${(p.accuracy * 100).toFixed(2)} %`);
  else if ((p.epoch + 1) % 100 === 0 || p.epoch + 1 === p.epochs) console.error(`${new Date().toISOString()} ${p.set}: network ${p.model + 1}/${p.models}, epoch ${p.epoch + 1}/${p.epochs}`);
};
const { results, testImages } = await evaluateSets(names, names.includes('distilled') ? pixels : null, ipc, train, test, cfg, progress);
console.log(JSON.stringify({ file, factor, backend, cfg, testImages, ...results, seconds: (Date.now() - t0) / 1000 }));
