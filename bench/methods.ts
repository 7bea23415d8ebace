/**
 * `npm run bench:methods`: issue 16's comparison. Each system (every registered method, and SeqMatch on the methods
 * that take it) distils each dataset at each IPC for the same number of iterations, then is evaluated under one
 * stated protocol beside random real images at the same IPC. Writes bench/results/methods.json and .md (or --out
 * FILE.json and FILE.md), rewritten after every evaluated row, so a run cut short leaves what it reached.
 *
 *   --datasets mnist,fashion-mnist  --ipcs 1,10  --systems dm,dm+seq,dc,dc+seq,...  (default: all; see systems())
 *   --iterations N (the same budget for every system)  --seq-subsets K (SeqMatch's K, default 2)
 *   --width N  --real N  --eval-epochs N  --models N  --test-limit N  --eval-dsa off|on  --seed N  --out FILE.json
 *   --resume (continue FILE.json: rows and baselines already there are kept, not run again; the scale and the
 *   protocol must be the same)
 *
 * A system that learns soft labels is also evaluated on them, reported in its own column (a stated protocol
 * variant, never in place of the hard-label number). A system with a teacher (SRe2L) is also evaluated under its
 * relabel protocol: the teacher's targets on every training batch as augmented, DSA on (EvalConfig.relabel),
 * beside random real images under exactly that protocol (the same teacher relabels them); its own table. SeqMatch needs at least K images per class: at IPC < K its row
 * says so instead of a number.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadDatasetFromDir } from '../src/node/datasets';
import { prepareRealData, type RealData } from '../src/core/data/batches';
import type { DatasetId } from '../src/core/data/types';
import { DistillRun, stepTo } from '../src/core/run/run';
import { median } from '../src/core/run/record';
import { EVAL_DEFAULTS, testIndices, type EvalConfig, type EvalResult } from '../src/core/eval/evaluate';
import { evaluateSets } from '../src/core/eval/compare';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../src/shared/protocol';
import { METHOD_IDS, METHODS, type MethodDescriptor, type MethodId } from '../src/shared/methods';
import { benchBackend, progressLine, softLabelSet } from './lib/bench-run';

const { values: a } = parseArgs({
  options: {
    datasets: { type: 'string', default: 'mnist,fashion-mnist' },
    ipcs: { type: 'string', default: '1,10' },
    systems: { type: 'string', default: '' },
    iterations: { type: 'string', default: '200' },
    'seq-subsets': { type: 'string', default: '2' },
    width: { type: 'string', default: '32' },
    real: { type: 'string', default: '64' },
    'eval-epochs': { type: 'string', default: '300' },
    models: { type: 'string', default: '3' },
    'test-limit': { type: 'string', default: '0' },
    'eval-dsa': { type: 'string', default: 'off' },
    seed: { type: 'string', default: '0' },
    out: { type: 'string', default: 'bench/results/methods.json' },
    resume: { type: 'boolean', default: false },
  },
});

interface System {
  id: string;
  label: string;
  method: MethodId;
  /** SeqMatch's subsets (absent: off). */
  seq?: number;
}

/** Every registered method, and `<id>+seq` (SeqMatch with K subsets) for those whose descriptor takes it. */
function systems(k: number): System[] {
  return METHOD_IDS.flatMap((m): System[] => {
    const d: MethodDescriptor = METHODS[m];
    const plain: System = { id: m, label: d.label, method: m };
    return d.sequential ? [plain, { id: `${m}+seq`, label: `SeqMatch (K = ${k}) on ${d.label}`, method: m, seq: k }] : [plain];
  });
}

const k = Number(a['seq-subsets']);
const known = systems(k);
const chosen = a.systems ? a.systems.split(',').filter(Boolean) : known.map((s) => s.id);
for (const id of chosen) if (!known.some((s) => s.id === id)) throw new Error(`unknown system ${id}; known: ${known.map((s) => s.id).join(', ')}`);
const iterations = Number(a.iterations);
const width = Number(a.width);
const realPerClass = Number(a.real);
const seed = Number(a.seed);
const ipcs = a.ipcs.split(',').map(Number);
const evalCfg: EvalConfig = {
  ...EVAL_DEFAULTS,
  epochs: Number(a['eval-epochs']),
  models: Number(a.models),
  width,
  seed,
  testLimit: Number(a['test-limit']),
  dsa: a['eval-dsa'] === 'on',
};
const log = (s: string) => process.stderr.write(`[methods ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

const backend = await benchBackend();
const dir = path.resolve(process.env.DATASETS_DIR ?? '../shared/datasets');

interface Row {
  dataset: string;
  ipc: number;
  system: string;
  label: string;
  config?: RunConfig;
  /** Why there is no number (e.g. SeqMatch at IPC < K). */
  skipped?: string;
  accuracy?: EvalResult;
  /** The same set on its learned labels, for systems that learn them. */
  soft?: EvalResult;
  /** Systems with a teacher: the set and random real images, both relabelled by it on every augmented batch (DSA on). */
  relabel?: { distilled: EvalResult; random: EvalResult; start?: EvalResult };
  iterations?: number;
  /** Wall-clock of the whole distillation (preparation included) and the median iteration, in ms. */
  wallMs?: number;
  prepareMs?: number;
  msPerIteration?: number;
}
const result = {
  bench: 'methods',
  date: new Date().toISOString(),
  command: `npm run bench:methods -- ${process.argv.slice(2).join(' ')}`,
  backend,
  protocol: {
    network: 'ConvNet-3',
    width,
    epochs: evalCfg.epochs,
    models: evalCfg.models,
    lr: evalCfg.lr,
    batch: evalCfg.batch,
    dsaDuringEvaluation: evalCfg.dsa === true,
    labels: 'hard (soft-label systems also on their own labels, reported apart)',
    testImages: 0,
  },
  scale: { iterations, width, realPerClass, seqSubsets: k, dsaDuringDistillation: false },
  baselines: {} as Record<string, EvalResult>,
  rows: [] as Row[],
};
const out = path.resolve(a.out);
if (a.resume && fs.existsSync(out)) {
  // Continue an earlier run of the same scale and protocol: what it measured stays, and is not run again.
  const before = JSON.parse(fs.readFileSync(out, 'utf8')) as typeof result;
  const same = (x: object, y: object) => JSON.stringify(x) === JSON.stringify(y);
  const { testImages: _t, ...protocol } = result.protocol;
  const { testImages: _u, ...earlier } = before.protocol;
  if (!same(before.scale, result.scale) || !same(earlier, protocol) || before.backend !== result.backend) {
    throw new Error(`--resume: ${out} was measured at another scale, protocol or backend (${JSON.stringify(before.scale)}, ${JSON.stringify(before.protocol)}, ${before.backend})`);
  }
  result.command = `${before.command}; then ${result.command}`;
  result.date = before.date;
  result.baselines = before.baselines;
  result.rows = before.rows.filter((r) => r.accuracy || r.skipped);
  result.protocol.testImages = before.protocol.testImages;
}
/** Whether the (resumed) file already has this row. */
const measured = (ds: string, ipc: number, system: string) => result.rows.some((r) => r.dataset === ds && r.ipc === ipc && r.system === system);
const pct = (r: { mean: number; std: number }) => `${(r.mean * 100).toFixed(1)} ± ${(r.std * 100).toFixed(1)}`;
const secs = (ms: number | undefined) => (ms === undefined ? '–' : `${(ms / 1000).toFixed(0)} s`);

function save(): void {
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 2));
  const md = [
    '# Methods compared at the same budget (issue 16)',
    '',
    `Produced by \`${result.command}\` (started ${result.date.slice(0, 10)}), backend ${backend}.`,
    '',
    `**Distillation:** ${iterations} iterations for every system, ConvNet width ${width}, ${realPerClass} real images per ` +
      `class per iteration (KRR: at most 26), no DSA while distilling, seed ${seed}; each method's own defaults otherwise ` +
      `(src/shared/method-info/). SeqMatch splits each class's images into K = ${k} subsets over equal shares of the iterations.`,
    '',
    `**Evaluation:** ConvNet-3 of width ${width}, ${evalCfg.epochs} epochs (SGD lr ${evalCfg.lr}, ×0.1 at half, batch ` +
      `${evalCfg.batch}), ${evalCfg.models} networks, ${result.protocol.testImages} test images, DSA during evaluation ` +
      `**${evalCfg.dsa ? 'on' : 'off'}**, hard labels; random real images at the same IPC under the same protocol.`,
    '',
  ];
  for (const ds of [...new Set(result.rows.map((r) => r.dataset))]) {
    md.push(`## ${ds}`, '', '| system | IPC | accuracy (hard labels) | soft labels | iterations | wall-clock | ms/it (median) |', '|---|---:|---:|---:|---:|---:|---:|');
    const shownIpcs = [...new Set([...result.rows.filter((r) => r.dataset === ds).map((r) => r.ipc), ...ipcs])].sort((x, y) => x - y);
    for (const ipc of shownIpcs) {
      const base = result.baselines[`${ds}/${ipc}`];
      if (base) md.push(`| random real | ${ipc} | ${pct(base)} | – | – | – | – |`);
      for (const r of result.rows.filter((x) => x.dataset === ds && x.ipc === ipc)) {
        md.push(
          r.skipped
            ? `| ${r.label} | ${ipc} | ${r.skipped} | – | – | – | – |`
            : `| ${r.label} | ${ipc} | ${r.accuracy ? pct(r.accuracy) : '…'} | ${r.soft ? pct(r.soft) : '–'} | ${r.iterations ?? '–'} | ${secs(r.wallMs)} | ${r.msPerIteration === undefined ? '–' : Math.round(r.msPerIteration)} |`,
        );
      }
    }
    md.push('');
    const relabelled = result.rows.filter((x) => x.dataset === ds && x.relabel);
    if (relabelled.length) {
      md.push(
        '**Relabel protocol (a stated variant; SRe2L\'s own, after FKD):** every training batch of every evaluation network, as ' +
          'augmented (DSA on), gets the system\'s teacher\'s targets (softmax at its relabel temperature) for exactly those images; ' +
          'random real images at the same IPC are evaluated under exactly that protocol, relabelled by the same teacher. Otherwise as above.',
        '',
        '| system | IPC | set, relabelled | random real, relabelled | margin (points) | its starting real images, relabelled |',
        '|---|---:|---:|---:|---:|---:|',
        ...relabelled.map((r) => `| ${r.label} | ${r.ipc} | ${pct(r.relabel!.distilled)} | ${pct(r.relabel!.random)} | ${((r.relabel!.distilled.mean - r.relabel!.random.mean) * 100).toFixed(1)} | ${r.relabel!.start ? pct(r.relabel!.start) : '–'} |`),
        '',
      );
    }
  }
  fs.writeFileSync(out.replace(/\.json$/, '.md'), `${md.join('\n')}\n`);
}

async function evaluateSoft(run: DistillRun, pixels: Float32Array, train: RealData, test: RealData): Promise<EvalResult | undefined> {
  const set = await softLabelSet(run, pixels, train.numClasses);
  return set ? (await evaluateSets(['distilled'], set, run.config.ipc, train, test, { ...evalCfg, labels: 'soft' })).results.distilled : undefined;
}

for (const ds of a.datasets.split(',') as DatasetId[]) {
  const d = loadDatasetFromDir(ds, dir);
  evalCfg.dsaFlip = ds !== 'mnist';
  const train = prepareRealData(d.train, d.spec);
  const test = prepareRealData(d.test, d.spec);
  result.protocol.testImages = testIndices(test, evalCfg.testLimit).length;
  for (const ipc of ipcs) {
    if (!result.baselines[`${ds}/${ipc}`]) {
      log(`${ds} IPC ${ipc}: random real`);
      result.baselines[`${ds}/${ipc}`] = (await evaluateSets(['random'], null, ipc, train, test, evalCfg)).results.random!;
      save();
    }
    for (const s of known.filter((x) => chosen.includes(x.id) && !measured(ds, ipc, x.id))) {
      const row: Row = { dataset: ds, ipc, system: s.id, label: s.label };
      result.rows.push(row);
      if (s.seq && ipc < s.seq) {
        row.skipped = `n/a (SeqMatch needs IPC ≥ K = ${s.seq})`;
        save();
        continue;
      }
      const config: RunConfig = {
        ...DEFAULT_RUN_CONFIG,
        ...METHODS[s.method].defaults,
        method: s.method,
        dataset: ds,
        ipc,
        width,
        realPerClass: s.method === 'krr' ? Math.min(realPerClass, 26) : realPerClass,
        dsa: false,
        seed,
        iterations,
        // The committed rows were measured with the networks drawn in JavaScript (what a config without netDraw
        // means); new and resumed rows keep that, so the table stays one protocol and its commands its bytes.
        netDraw: 'host',
        ...(s.seq ? { seqSubsets: s.seq } : {}),
      };
      row.config = config;
      const run = new DistillRun(train, config);
      try {
        const t0 = performance.now();
        await run.prepare();
        row.prepareMs = performance.now() - t0;
        const ms: number[] = [];
        const progress = progressLine(log, `${ds} IPC ${ipc} ${s.id}`, iterations);
        await stepTo(run, iterations, (p) => {
          ms.push(p.ms);
          progress(p.iteration, ms);
        });
        row.wallMs = performance.now() - t0;
        row.msPerIteration = median(ms);
        row.iterations = run.iteration;
        const pixels = await run.pixels();
        row.accuracy = (await evaluateSets(['distilled'], run.decoded(pixels), ipc, train, test, evalCfg)).results.distilled!;
        row.soft = await evaluateSoft(run, pixels, train, test);
        const relabel = run.relabeler();
        if (relabel) {
          const cfg = { ...evalCfg, dsa: true, relabel };
          const r = (await evaluateSets(['distilled', 'random'], run.decoded(pixels), ipc, train, test, cfg)).results;
          // The run's own starting images under the same protocol: what the method added to them (its init's draw
          // of real images, not the random baseline's).
          const start = run.config.init === 'real' ? (await evaluateSets(['distilled'], run.decoded(run.initial.pixels), ipc, train, test, cfg)).results.distilled : undefined;
          row.relabel = { distilled: r.distilled!, random: r.random!, ...(start ? { start } : {}) };
          log(`${ds} IPC ${ipc} ${s.id} relabelled by its teacher (DSA on): ${pct(r.distilled!)} % against random real ${pct(r.random!)} %${start ? ` and its starting images ${pct(start)} %` : ''}`);
        }
        log(`${ds} IPC ${ipc} ${s.id}: ${pct(row.accuracy)} %${row.soft ? ` (soft labels ${pct(row.soft)} %)` : ''}, ${secs(row.wallMs)}`);
      } finally {
        run.dispose();
      }
      save();
    }
  }
}
log(`wrote ${out} and .md`);
