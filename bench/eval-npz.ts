/**
 * `npx tsx bench/eval-npz.ts FILE.npz EPOCHS DSA CUTMIX [MODELS] [WIDTH] [SETS]`: evaluates the sets named in SETS
 * (default `distilled`; any of distilled,random,herding,kCenter) of a `.npz` (a multi-formation set on its decoded
 * images; the baselines at its stored IPC) exactly as `distill eval` evaluates them (the same seeds, evaluateSets),
 * and prints one JSON line with each network's accuracy. For an expensive protocol: the distilled set and its
 * baselines can run in separate processes (one per core) with the numbers `distill eval` would give together.
 * DSA and CUTMIX: on|off. MODELS default 3, WIDTH default 128; the whole test set; seed 0.
 * Datasets from DATASETS_DIR (default ../shared/datasets).
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadDatasetFromDir } from '../src/node/datasets';
import { prepareRealData } from '../src/core/data/batches';
import { decodeNpz, forEvaluation } from '../src/core/data/npz';
import { decodePixels, recordedFactor } from '../src/core/methods/idc/multiformation';
import { LIMITS } from '../src/shared/config';
import { EVAL_DEFAULTS } from '../src/core/eval/evaluate';
import { EVAL_SETS, evaluateSets } from '../src/core/eval/compare';
import type { EvalSetName } from '../src/shared/protocol';
import { benchBackend } from './lib/bench-run';

const [file, epochs, dsa, cutmix, models = '3', width = '128', setList = 'distilled'] = process.argv.slice(2);
if (!file || !epochs || !dsa || !cutmix) throw new Error('usage: bench/eval-npz.ts FILE.npz EPOCHS on|off(DSA) on|off(CutMix) [MODELS] [WIDTH] [SETS]');
const names = setList.split(',') as EvalSetName[];
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
const cfg = { ...EVAL_DEFAULTS, epochs: Number(epochs), models: Number(models), width: Number(width), seed: 0, testLimit: 0, dsa: dsa === 'on', cutmix: cutmix === 'on', dsaFlip: set.dataset !== 'mnist' };
const t0 = Date.now();
console.error(`${new Date().toISOString()} ${file}: factor ${factor}, backend ${backend}`);
const { results, testImages } = await evaluateSets(names, names.includes('distilled') ? pixels : null, ipc, train, test, cfg);
console.log(JSON.stringify({ file, factor, backend, cfg, testImages, ...results, seconds: (Date.now() - t0) / 1000 }));
