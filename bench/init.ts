/**
 * `npm run bench:init [-- --datasets mnist --ipc 1,10 --seeds 3 --eval-epochs N]`: how good each initial
 * synthetic set is before any distillation, under the evaluation protocol (src/core/eval/evaluate.ts):
 * noise, random real, DREAM's k-means centres and importance (sensitivity) sampling, at IPC 1 and 10, on
 * MNIST and Fashion-MNIST; mean ± std over seeds (each seed draws its own initial set and trains one network).
 * Results: bench/results/init.json and bench/results/init.md; progress on stderr, the table on stdout.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadDatasetFromDir } from '../src/node/datasets';
import { prepareRealData } from '../src/core/data/batches';
import type { DatasetId } from '../src/core/data/types';
import { EVAL_DEFAULTS, evaluateSet } from '../src/core/eval/evaluate';
import { initNoise, initReal, type InitialSet } from '../src/core/init';
import { initImportance, initKmeans, SELECT_INIT_DEFAULTS } from '../src/core/init/select';
import { Rng } from '../src/core/rng';
import { INIT_IDS } from '../src/shared/methods';
import { defaultWasmThreads, initWasmWithThreads } from '../src/node/wasm-threads';

/** The columns: every init, plus the importance init's coreset variant (draw: 'coreset'). */
const COLUMNS = [...INIT_IDS, 'importance-coreset'] as const;
type Column = (typeof COLUMNS)[number];

/** The committed budget: bench/results/init.json was produced with these defaults. */
const BUDGET = { datasets: 'mnist,fashion-mnist', ipc: '1,10', seeds: 2, width: 32, evalEpochs: 100, pool: 500, testLimit: 2000 };

const { values: a } = parseArgs({
  args: process.argv.slice(2),
  strict: true,
  options: {
    datasets: { type: 'string', default: BUDGET.datasets },
    inits: { type: 'string', default: COLUMNS.join(',') },
    ipc: { type: 'string', default: BUDGET.ipc },
    seeds: { type: 'string', default: String(BUDGET.seeds) },
    'eval-epochs': { type: 'string', default: String(BUDGET.evalEpochs) },
    'test-limit': { type: 'string', default: String(BUDGET.testLimit) },
    out: { type: 'string', default: 'bench/results/init.json' },
  },
});
const datasets = a.datasets.split(',') as DatasetId[];
const ipcs = a.ipc.split(',').map(Number);
const columns = a.inits.split(',') as Column[];
for (const c of columns) if (!COLUMNS.includes(c)) throw new Error(`--inits: unknown '${c}' (one of ${COLUMNS.join(', ')})`);
const seeds = Number(a.seeds);
const evalEpochs = Number(a['eval-epochs']);
const testLimit = Number(a['test-limit']);
const log = (m: string) => process.stderr.write(`${m}\n`);

// wasm with one thread per core (src/node/wasm-threads.ts).
await initWasmWithThreads(defaultWasmThreads());
await tf.ready();
const dir = path.resolve(process.env.DATASETS_DIR ?? '../shared/datasets');
const t0 = performance.now();

interface Row {
  dataset: DatasetId;
  ipc: number;
  init: Column;
  mean: number;
  std: number;
  runs: number[];
}
const rows: Row[] = [];
for (const id of datasets) {
  const d = loadDatasetFromDir(id, dir);
  const train = prepareRealData(d.train, d.spec);
  const test = prepareRealData(d.test, d.spec);
  const shape = [d.train.height, d.train.width, d.train.channels] as const;
  const net = { input: shape, classes: train.numClasses, width: BUDGET.width, depth: 3 };
  for (const ipc of ipcs) {
    for (const init of columns) {
      const runs: number[] = [];
      for (let seed = 0; seed < seeds; seed++) {
        const rng = new Rng(1000 + seed);
        const opts = { ...SELECT_INIT_DEFAULTS, pool: BUDGET.pool };
        const set: InitialSet =
          init === 'noise'
            ? initNoise(train, ipc, rng)
            : init === 'real'
              ? initReal(train, ipc, rng)
              : init === 'kmeans'
                ? await initKmeans(train, ipc, rng, net, opts)
                : await initImportance(train, ipc, rng, net, { ...opts, draw: init === 'importance-coreset' ? 'coreset' : 'sample' });
        const labels = Int32Array.from({ length: train.numClasses * ipc }, (_, i) => Math.floor(i / ipc));
        const cfg = { ...EVAL_DEFAULTS, epochs: evalEpochs, models: 1, width: BUDGET.width, seed, testLimit };
        const r = await evaluateSet({ pixels: set.pixels, labels, shape }, test, cfg);
        runs.push(r.mean);
        log(`${id} IPC ${ipc} ${init} seed ${seed}: ${(r.mean * 100).toFixed(2)} %  (${Math.round((performance.now() - t0) / 1000)} s)`);
      }
      const mean = runs.reduce((x, y) => x + y, 0) / runs.length;
      const std = Math.sqrt(runs.reduce((x, y) => x + (y - mean) ** 2, 0) / runs.length);
      rows.push({ dataset: id, ipc, init, mean, std, runs });
    }
  }
}

const pct = (r: Row) => `${(r.mean * 100).toFixed(1)} ± ${(r.std * 100).toFixed(1)}`;
const header = `| dataset | IPC | ${columns.join(' | ')} |\n|---|---|${columns.map(() => '---').join('|')}|`;
const lines = [...new Set(rows.map((r) => `${r.dataset}/${r.ipc}`))].map((k) => {
  const [ds, ipc] = k.split('/');
  const cells = columns.map((init) => rows.find((r) => r.dataset === ds && String(r.ipc) === ipc && r.init === init)).map((r) => (r ? pct(r) : '–'));
  return `| ${ds} | ${ipc} | ${cells.join(' | ')} |`;
});
const budget = `ConvNet-3 width ${BUDGET.width}; features for kmeans/importance: embed of a random ConvNet, ${BUDGET.pool} candidates per class (importance-coreset: 10·IPC draws by π, weighted k-means to IPC centres, nearest image); evaluation: 1 network per seed, ${evalEpochs} epochs (SGD 0.01, momentum 0.9, wd 5e-4, lr x0.1 at half), ${testLimit || 'all'} test images; ${seeds} seeds; wasm in Node.`;
const table = `Test accuracy (%) of the initial synthetic set itself, mean ± std over ${seeds} seeds.\n\n${budget}\n\n${header}\n${lines.join('\n')}\n`;
const command = `npm run bench:init${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
fs.mkdirSync(path.dirname(a.out), { recursive: true });
fs.writeFileSync(a.out, JSON.stringify({ command, date: new Date().toISOString(), backend: tf.getBackend(), budget: { ...BUDGET, evalEpochs, seeds, testLimit }, seconds: Math.round((performance.now() - t0) / 1000), rows }, null, 2));
fs.writeFileSync(a.out.replace(/\.json$/, '.md'), `# bench:init\n\n\`${command}\`\n\n${table}`);
process.stdout.write(table);
