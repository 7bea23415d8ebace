/**
 * The `distill` command: the engine in Node, on the same core as the browser. `distillCommand(argv, io)` runs it.
 *   distill run --dataset mnist --data DIR --method dm --ipc 10 --iterations 200 --out run.json --png grid.png --npz set.npz
 *   distill eval --npz set.npz --data DIR --eval-epochs 300 --eval-models 2 --out eval.json
 * Progress goes to stderr; bad arguments and bad files exit non-zero with one line naming them.
 */
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { z } from 'zod';
import '@tensorflow/tfjs-backend-wasm';
import { selectBackend } from '../core/backend';
import { probeSummary } from '../shared/probe';
import { loadNodeWebGpu } from '../node/webgpu';
import { initWasmWithThreads } from '../node/wasm-threads';
import { loadDatasetFromDir } from '../node/datasets';
import { prepareRealData } from '../core/data/batches';
import { pixelsSha256, sha256Hex } from '../core/data/sha256';
import { DistillRun, stepTo } from '../core/run/run';
import { buildRunRecord, datasetOf, runRecordSchema, type RunRecord } from '../core/run/record';
import { EVAL_DEFAULTS, testIndices, type EvalResult, type Relabel } from '../core/eval/evaluate';
import { coresetFeatures, EVAL_SETS, evaluateSets } from '../core/eval/compare';
import { labelDistributions } from '../core/eval/soft-labels';
import { encodePng } from '../core/png';
import { classMajorSet, decodeNpz, encodeNpz, forEvaluation } from '../core/data/npz';
import { decodePixels, recordedFactor, repeatRows } from '../core/methods/idc/multiformation';
import type { DatasetId } from '../core/data/types';
import type { RealData } from '../core/data/batches';
import { DEFAULT_RUN_CONFIG, type BackendName, type EvalProgress, type EvalSetName } from '../shared/protocol';
import { softLabelFlags, teacherFlags } from './method-flags';
import { configFromFlags, HelpRequest, parse, USAGE, UsageError, type EvalArgs, type EvalFlags, type RunArgs } from './args';
import { estimateRunBytes, formatBytes, memoryRefusal } from '../shared/memory';
import { LIMITS } from '../shared/config';
import { labMain } from './lab';
import type { CliIo } from './io';

export type { CliIo } from './io';

const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
const app = { name: pkg.name, version: pkg.version };

/** How each backend starts in Node; wasm with `threads` threads (src/node/wasm-threads.ts). */
const prepareNode = (threads: number) => async (name: BackendName): Promise<string> => {
  if (name === 'webgl') throw new Error('WebGL is not available in Node');
  if (name === 'wasm') await initWasmWithThreads(threads);
  if (name === 'webgpu') return (await loadNodeWebGpu()).detail;
  return '';
};

/** Checks the data folder, chooses the backend and loads the dataset: how `run` and `eval` both start. */
async function setUp(io: CliIo, a: EvalFlags, id: DatasetId) {
  if (!fs.existsSync(a.data) || !fs.statSync(a.data).isDirectory()) throw new UsageError(`--data ${a.data}: no such folder`, false);
  // The files first: a bad one is named before any time goes into the backend.
  let lastLogged = 0;
  const loaded = loadDatasetFromDir(id, a.data, {
    // The CIFAR-10 JPEG zip decodes 60000 images: say how far it is every 10000.
    onProgress: (done, total) => {
      if (done === total || done - lastLogged >= 10000) {
        lastLogged = done;
        io.log(`decoding ${id} images: ${done}/${total}`);
      }
    },
  });
  const note = loaded.spec.variants.find((v) => v.id === loaded.variant)?.note;
  const from = loaded.location.layout === 'root' ? `${loaded.location.folder} (under the datasets folder ${a.data})` : `${loaded.location.folder} (the dataset's own folder)`;
  io.log(`dataset ${loaded.spec.name} (${loaded.variant}) from ${from}: ${loaded.train.count} training, ${loaded.test.count} test images${note ? `. ${note}` : ''}`);
  if (loaded.heldOutNote) io.log(loaded.heldOutNote);
  // Auto measures what Node has (wasm, cpu, webgpu where the optional package is installed) as the page does.
  const { height, width, channels } = loaded.train;
  const chosen = await selectBackend(a.backend, prepareNode(a.threads), os.totalmem() / 2 ** 30, ['webgl'], {
    shape: { input: [height, width, channels], width: a.width, depth: DEFAULT_RUN_CONFIG.depth },
    // The adapter's description (when the optional package loads) puts a software adapter last in the probe.
    device: a.backend === 'auto' ? await loadNodeWebGpu().then((w) => w.detail, () => '') : '',
    cores: os.cpus().length,
  });
  // The record's backendDetail carries Auto's figures after the backend's own detail.
  const report = chosen.probe ? { ...chosen, detail: [chosen.detail, `auto: ${probeSummary(chosen.probe)}`].filter(Boolean).join('; ') } : chosen;
  if (report.probe) io.log(`auto: ${report.probe.results.map((r) => `${r.backend} ${r.msPerIteration !== undefined ? `${r.msPerIteration} ms per probe step` : r.reason}`).join('; ')}`);
  if (a.backend !== 'auto' && report.backend !== a.backend) {
    throw new Error(`--backend ${a.backend} is not available here: ${report.skipped.find((s) => s.backend === a.backend)?.reason}`);
  }
  io.log(`backend ${report.backend}${chosen.detail ? ` (${chosen.detail})` : ''}${report.skipped.length ? ` (skipped: ${report.skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')})` : ''}`);
  return { report, loaded, train: prepareRealData(loaded.train, loaded.spec), test: prepareRealData(loaded.test, loaded.spec) };
}

/**
 * The evaluation protocol on `pixels` (NHWC, class-major, `ipc` per class, the dataset's normalisation) beside
 * random real, herding and k-center at the same IPC, with progress and results on stderr. Null when skipped.
 * `soft`: the images' soft labels [images, classes] as learned (one row per image of `pixels`), trained on with
 * --eval-labels soft. `relabel`: the run's teacher, which relabels every augmented batch of every set with
 * --eval-labels teacher.
 */
async function evaluate(
  io: CliIo,
  pixels: Float32Array,
  soft: Float32Array | undefined,
  ipc: number,
  train: RealData,
  test: RealData,
  a: EvalFlags,
  dataset: string,
  relabel?: Relabel,
): Promise<Pick<RunRecord, 'evaluation' | 'accuracy'>> {
  if (a['eval-epochs'] === 0 || a['eval-models'] === 0) return { evaluation: null, accuracy: null };
  const labels = a['eval-labels'];
  const cfg = { ...EVAL_DEFAULTS, epochs: a['eval-epochs'], models: a['eval-models'], width: a.width, architecture: a['eval-arch'], seed: a.seed, dsa: a['eval-dsa'] === 'on', cutmix: a['eval-cutmix'] === 'on', lrSchedule: a['eval-lr-schedule'], dsaFlip: dataset !== 'mnist', testLimit: a['test-images'], labels, ...(labels === 'teacher' ? { relabel } : {}) };
  const evaluation = {
    epochs: cfg.epochs,
    models: cfg.models,
    width: cfg.width,
    architecture: cfg.architecture,
    testImages: testIndices(test, cfg.testLimit).length,
    dsa: cfg.dsa,
    cutmix: cfg.cutmix,
    lrSchedule: cfg.lrSchedule,
    labels,
  };
  if (labels === 'soft' && !soft) throw new UsageError('--eval-labels soft: the set has no soft labels', false);
  const distilled = labels === 'soft' ? { pixels, soft: labelDistributions(soft!, train.numClasses) } : pixels;
  // One set at a time (evaluateSets gives each set the numbers compareWithBaselines would), so that each set's
  // accuracy is printed as soon as it is known: a long evaluation stopped during the baselines keeps the distilled
  // set's number on stderr.
  const features = await coresetFeatures(train, cfg);
  const results: Partial<Record<EvalSetName, EvalResult>> = {};
  for (const name of EVAL_SETS) {
    const soft = labels === 'teacher' ? ", every batch relabelled by the run's teacher" : labels === 'soft' && name === 'distilled' ? ' on soft labels' : '';
    io.log(`evaluate ${name}: ${cfg.models} ${cfg.architecture === 'mlp' ? 'MLP' : 'ConvNet'}(s) x ${cfg.epochs} epochs${cfg.dsa ? ' with DSA' : ''}${cfg.cutmix ? (cfg.dsa ? ' and CutMix' : ' with CutMix') : ''}${cfg.lrSchedule === 'idc' ? ", IDC's lr schedule" : ''}${soft}`);
    const network = (p: EvalProgress) => {
      if (p.accuracy !== undefined) io.log(`  network ${p.model + 1}/${p.models}: ${(p.accuracy * 100).toFixed(2)} %`);
    };
    const result = (await evaluateSets([name], name === 'distilled' ? distilled : null, ipc, train, test, cfg, network, features)).results[name]!;
    io.log(`accuracy ${name}: ${(result.mean * 100).toFixed(2)} ± ${(result.std * 100).toFixed(2)} %`);
    results[name] = result;
  }
  return { evaluation, accuracy: results as Record<EvalSetName, EvalResult> }; // every name of EVAL_SETS is set above
}

function write(io: CliIo, file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, data);
  io.log(`wrote ${file}`);
}

async function runCommand(io: CliIo, a: RunArgs): Promise<void> {
  const { report, loaded, train, test } = await setUp(io, a, a.dataset);
  // The table's settings from their flags, completed as the record carries them (src/cli/args.ts).
  const config = configFromFlags(a);
  const needed = estimateRunBytes(config, [loaded.train.height, loaded.train.width, loaded.train.channels], loaded.spec.classes.length);
  if (needed !== null) {
    const refusal = memoryRefusal(needed, report.memoryBudget, report.backend, config.method);
    if (refusal) throw new Error(refusal);
    io.log(`memory: about ${formatBytes(needed)} of the ${formatBytes(report.memoryBudget)} ${report.backend} offers`);
  }

  const run = new DistillRun(train, config, { resident: a.resident, backend: report.backend, memoryBudget: report.memoryBudget });
  io.log(`real batches: ${run.residency.reason}`);
  const points: RunRecord['iterations'] = [];
  let lastLog = 0;
  try {
    await run.prepare(undefined, (message, fraction) => {
      if (performance.now() - lastLog > 1000 || fraction === 1) {
        lastLog = performance.now();
        io.log(message);
      }
    });
    await stepTo(run, config.iterations, (p) => {
      points.push(p);
      if (!Number.isFinite(p.loss)) throw new Error(`the loss became ${p.loss} at iteration ${p.iteration}`);
      if (performance.now() - lastLog > 1000 || p.iteration === config.iterations) {
        lastLog = performance.now();
        io.log(`iteration ${p.iteration}/${config.iterations}  loss ${p.loss.toPrecision(4)}  ${Math.round(p.ms)} ms/it`);
      }
    });
    const pixels = await run.pixels();
    const syntheticSha256 = await pixelsSha256(pixels);
    const learned = await run.learnedLabels();
    const readouts = await run.readouts();
    if (readouts) io.log(`method readouts: ${Object.entries(readouts).map(([k, v]) => `${k} ${v.toPrecision(4)}`).join(', ')}`);
    // Multi-formation: the training set is the decoded one (IPC·F² per class); the file carries both.
    const decoded = run.decoded(pixels);
    if (a.npz) {
      const set = classMajorSet(loaded.spec, pixels, a.ipc, { app, method: a.method, config }, learned?.values);
      write(io, a.npz, encodeNpz(run.factor > 1 ? { ...set, multiFormation: { factor: run.factor, decoded } } : set));
    }

    // Multi-formation: each decoded image takes its stored image's soft label.
    const soft = learned ? repeatRows(learned.values, pixels.length / (loaded.train.height * loaded.train.width * loaded.train.channels), run.factor) : undefined;
    const { evaluation, accuracy } = await evaluate(io, decoded, soft, a.ipc, train, test, a, a.dataset, run.relabeler() ?? undefined);

    const record = buildRunRecord({
      app,
      config,
      dataset: datasetOf(loaded),
      initial: run.initial,
      backend: report.backend,
      backendDetail: report.detail,
      realBatches: run.residency,
      iterations: points,
      syntheticSha256,
      evaluation,
      accuracy,
      ...(readouts ? { readouts } : {}),
    });
    if (a.out) write(io, a.out, JSON.stringify(record, null, 2));
    if (a.png) write(io, a.png, encodePng(await run.grid(), 4));
    if (!a.out) io.out(`${JSON.stringify({ syntheticSha256, msPerIteration: record.msPerIteration, accuracy })}`);
  } finally {
    run.dispose();
  }
}

/** What `distill eval --out` writes: the imported set, the dataset and the evaluation beside its baselines. */
const evalRecordSchema = z.object({
  schema: z.literal('distill-playground/eval-record@1'),
  app: runRecordSchema.shape.app,
  createdAt: z.string(),
  npz: z.object({
    file: z.string(),
    /** sha256 of the file's bytes. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    images: z.number().int().positive(),
    ipc: z.number().int().positive(),
    /** The file's normalisation (the images are re-normalised to the dataset's when it differs). */
    mean: z.array(z.number()),
    std: z.array(z.number()),
    /** What the file's meta says about where it came from (app, method, config), if anything. */
    meta: z.record(z.string(), z.unknown()),
  }),
  dataset: runRecordSchema.shape.dataset,
  backend: z.string(),
  backendDetail: runRecordSchema.shape.backendDetail,
  evaluation: runRecordSchema.shape.evaluation,
  accuracy: runRecordSchema.shape.accuracy,
});

async function evalCommand(io: CliIo, a: EvalArgs): Promise<void> {
  if (a['eval-labels'] === 'teacher') throw new UsageError(`--eval-labels teacher: a .npz carries no teacher to relabel with (run ${teacherFlags()} --eval-labels teacher)`, false);
  if (!fs.existsSync(a.npz) || !fs.statSync(a.npz).isFile()) throw new UsageError(`--npz ${a.npz}: no such file`, false);
  const bytes = new Uint8Array(fs.readFileSync(a.npz));
  const set = decodeNpz(bytes, { file: a.npz, ...(a.dataset ? { dataset: a.dataset } : {}) });
  const { pixels: stored, ipc, softLabels } = forEvaluation(set);
  if (a['eval-labels'] === 'soft' && !softLabels) throw new UsageError(`--eval-labels soft: ${a.npz} has no soft_labels array (only ${softLabelFlags().replace(/--method (\w+)( (?!or\b))?/g, (_, id: string, flags?: string) => (flags ? `${id.toUpperCase()} with ` : id.toUpperCase()))} writes one)`, false);
  io.log(`${a.npz}: ${set.labels.length} ${set.dataset} images, ${ipc} per class`);
  // A multi-formation set (written by run --factor F) trains on its decoded images, as run evaluated it.
  const factor = recordedFactor(set.meta, LIMITS.factor.max);
  const multi = factor > 1;
  const { report, loaded, train, test } = await setUp(io, a, set.dataset);
  // Decoding runs on the backend: after setUp.
  const pixels = multi ? decodePixels(stored, set.shape, factor) : stored;
  if (multi) io.log(`multi-formation factor ${factor}: evaluating the ${set.labels.length * factor * factor} decoded images (the baselines keep ${ipc} real images per class)`);
  const soft = softLabels && multi ? repeatRows(softLabels, set.labels.length, factor) : softLabels;
  const { evaluation, accuracy } = await evaluate(io, pixels, soft, ipc, train, test, a, set.dataset);
  const record = evalRecordSchema.parse({
    schema: 'distill-playground/eval-record@1',
    app,
    createdAt: new Date().toISOString(),
    npz: { file: a.npz, sha256: await sha256Hex(bytes), images: set.labels.length, ipc, mean: set.mean, std: set.std, meta: set.meta },
    dataset: datasetOf(loaded),
    backend: report.backend,
    ...(report.detail ? { backendDetail: report.detail } : {}),
    evaluation,
    accuracy,
  });
  if (a.out) write(io, a.out, JSON.stringify(record, null, 2));
  else io.out(`${JSON.stringify({ accuracy })}`);
}

/**
 * The `distill` command on `argv` (without the node and script names): runs it, writing to `io`, and returns the exit
 * code (0, 1 for a failure, 2 for bad arguments). Bad arguments and failures are one line naming them.
 * bin/distill.mjs runs it on the process's streams (src/cli/main.ts); the tests call it in-process too.
 */
export async function distillCommand(argv: string[], io: CliIo): Promise<number> {
  try {
    // `distill lab …`: the teaching labs parse their own flags (src/cli/lab.ts).
    if (argv[0] === 'lab') return await labMain(argv.slice(1), app, io);
    const parsed = parse(argv);
    if (parsed.command === 'run') await runCommand(io, parsed.args);
    else await evalCommand(io, parsed.args);
    return 0;
  } catch (err: unknown) {
    if (err instanceof HelpRequest) {
      io.out(USAGE);
      return 0;
    }
    if (err instanceof UsageError) {
      // One line naming the argument; the whole usage only when no command was given.
      io.log(err.message ? `distill: ${err.message}${err.hint ? ' (distill --help lists every option)' : ''}` : USAGE);
      return 2;
    }
    io.log(`distill: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
