/**
 * The `distill` command: the engine in Node, on the same core as the browser.
 *   distill run --dataset mnist --data DIR --method dm --ipc 10 --iterations 200 --out run.json --png grid.png --npz set.npz
 *   distill eval --npz set.npz --data DIR --eval-epochs 300 --eval-models 2 --out eval.json
 * Progress goes to stderr; bad arguments and bad files exit non-zero with one line naming them.
 */
import { parseArgs } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { z } from 'zod';
import '@tensorflow/tfjs-backend-wasm';
import { selectBackend } from '../core/backend';
import { probeSummary } from '../shared/probe';
import { loadNodeWebGpu } from '../node/webgpu';
import { defaultWasmThreads, initWasmWithThreads } from '../node/wasm-threads';
import { loadDatasetFromDir } from '../node/datasets';
import { silenceTfjsNodeBanner } from '../node/quiet-tfjs';
import { prepareRealData } from '../core/data/batches';
import { pixelsSha256, sha256Hex } from '../core/data/sha256';
import { DistillRun } from '../core/run/run';
import { buildRunRecord, datasetOf, runRecordSchema, type RunRecord } from '../core/run/record';
import { EVAL_DEFAULTS, testIndices } from '../core/eval/evaluate';
import { ARCHITECTURES } from '../core/nn/convnet';
import { compareWithBaselines, EVAL_SETS } from '../core/eval/compare';
import { EVAL_LABELS, labelDistributions } from '../core/eval/soft-labels';
import { encodePng } from '../core/png';
import { classMajorSet, decodeNpz, encodeNpz, forEvaluation } from '../core/data/npz';
import { decodePixels, repeatRows } from '../core/methods/idc/multiformation';
import type { DatasetId } from '../core/data/types';
import type { RealData } from '../core/data/batches';
import { DEFAULT_RUN_CONFIG, type BackendName, type RunConfig } from '../shared/protocol';
import { INIT_DRAW_IDS, INIT_IDS, INIT_SETTINGS_DEFAULTS, METHOD_IDS, METHODS, methodsWith, SAMPLER_IDS, SAMPLER_SETTINGS_DEFAULTS } from '../shared/methods';
import { checkMethodFlags, checkSubsets, methodConfig, methodFlagSchema, methodUsage, softLabelFlags } from './method-flags';
import { estimateRunBytes, formatBytes, memoryRefusal } from '../shared/memory';
import { clip, LIMITS } from '../shared/config';
import { labMain } from './lab';

const USAGE = `usage: distill run --dataset mnist|fashion-mnist|cifar-10 --data DIR [options]
       distill eval --npz FILE --data DIR [--dataset ID] [evaluation options]

--data DIR: the folder of datasets laid out like ../shared/datasets (DIR/mnist/..., DIR/cifar-10-jpeg/...), or the
folder of the one dataset's own files (DIR/train-images-idx3-ubyte.gz, ...); the command says which it used.

distill run: distils a dataset into a few synthetic images per class, then evaluates them.
  --method ${METHOD_IDS.join('|').padEnd(16)} distillation method (default ${DEFAULT_RUN_CONFIG.method})
  --ipc N                   synthetic images per class (default ${DEFAULT_RUN_CONFIG.ipc})
  --iterations N            iterations (default ${DEFAULT_RUN_CONFIG.iterations})
  --init noise|real|kmeans|importance   initialisation (default ${DEFAULT_RUN_CONFIG.init})
  --sampler uniform|importance|dream   how real batches are drawn (default uniform)
  --sampler-interval N      iterations between sampler refreshes (default ${SAMPLER_SETTINGS_DEFAULTS.interval})
  --sampler-alpha A         importance: π = α·loss share + (1 − α)/n (default ${SAMPLER_SETTINGS_DEFAULTS.alpha})
  --sampler-pool N          candidates per class at each refresh (default ${SAMPLER_SETTINGS_DEFAULTS.pool}; 0 = all)
  --init-features embed|pixels   features kmeans/importance look at (default embed: a random ConvNet's)
  --init-pool N             images per class kmeans/importance consider (default ${INIT_SETTINGS_DEFAULTS.initPool}; 0 = all)
  --init-draw sample|coreset  importance: draw IPC images by π (default), or 10·IPC by π then weighted k-means
  --dsa on|off              differentiable siamese augmentation (default on)
  --seed N                  seed of every random choice (default ${DEFAULT_RUN_CONFIG.seed})
  --width N                 ConvNet width (default ${DEFAULT_RUN_CONFIG.width})
  --real N                  real images per class per iteration (default ${DEFAULT_RUN_CONFIG.realPerClass})
  --factor F                multi-formation (IDC) for ${methodsWith((d) => d.multiFormation).join(', ')}: each stored image decodes into F² training
                            images (an FxF grid of tiles, each upsampled bilinearly to full size; default 1 = off,
                            the paper uses 2); with --init real the tiles start as F² downscaled real images;
                            evaluation trains on the decoded set, the baselines keep --ipc real images per class
  --seq-subsets K           SeqMatch for ${methodsWith((d) => d.sequential === true).join(', ')}: each class's images split into K subsets,
                            optimised one after another over equal shares of the iterations, each with the
                            earlier ones frozen in the loss (default 1 = off; at most --ipc)
${methodUsage()}
  --eval-epochs N           epochs of each evaluation network (default 300; 0 skips evaluation)
  --eval-models N           evaluation networks per set (default 2; 0 skips evaluation)
  --eval-arch convnet|mlp   the evaluation networks: ConvNet-3 (default, the protocol) or an MLP (2 hidden
                            layers of --width units: the cross-architecture check)
  --eval-dsa on|off         train the evaluation networks with DSA augmentation, a fresh draw every batch (the
                            protocol of DSA, DM, IDC, DREAM; no flips on MNIST); default off. The baselines are
                            evaluated under the same setting; the record says which (evaluation.dsa)
  --test-images N           test on N test images taken class by class in turn (a quick check; default 0: the
                            whole test set, the protocol); the record says how many (evaluation.testImages)
  --eval-labels hard|soft   train the evaluation networks on the class labels (default, the protocol) or, a
                            stated variant, on the set's soft labels (${softLabelFlags()}; a .npz's
                            soft_labels): softmax cross-entropy against each image's target distribution
                            (KRR's centred targets y become max(0, y + 1/C), renormalised). The baselines keep
                            their class labels; the record says which (evaluation.labels)
  --backend auto|wasm|cpu|webgpu   (default auto: the fastest by a measured probe; its figures go to backendDetail)
  --threads N               wasm: threads (default ${defaultWasmThreads()}: one per core, at most 8; the same bytes
                            with any number)
  --resident auto|on|off    the real data on the device: 'on' uploads each class's images once (normalised, 4
                            bytes a pixel) and gathers batches there by index; 'off' normalises and uploads every
                            batch; 'auto' (default) is 'on' for webgpu when it fits, 'off' on wasm and cpu. The
                            same bytes either way; the record's realBatches says which and why
  --out FILE                the JSON run record
  --png FILE                the synthetic images as a PNG grid (one row per class)
  --npz FILE                the synthetic set for NumPy / PyTorch: images float32 NCHW (normalised), labels
                            int64, mean, std, ipc, meta (written before the evaluation)

distill eval: evaluates an imported set (.npz: images NCHW, labels, mean, std) under the same protocol as run,
beside random real images, herding and k-center at its images per class.
  --npz FILE                the set (required)
  --dataset ID              its dataset (default: the one the file's meta names)
  --eval-epochs N, --eval-models N, --eval-arch A, --eval-dsa D, --eval-labels L, --test-images N, --width N,
  --seed N, --backend B, --threads N   as for run (--eval-labels soft needs the file's soft_labels)
  --out FILE                a JSON record with the evaluation and the accuracy block`;

class UsageError extends Error {
  /** Whether to point at --help (a bad flag) or not (a path that does not exist). */
  constructor(
    message: string,
    readonly hint = true,
  ) {
    super(message);
  }
}
/** `distill --help`: the usage on stdout, exit 0. */
class HelpRequest extends Error {}

/** A decimal number, as the page's links read them (no hex, no Infinity, no empty text). */
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** A numeric flag read from its text; every problem names the flag and echoes what it got. */
function numberFlag(name: string, min: number, max: number, opts: { int: boolean; between?: boolean }) {
  return z.string().transform((text, ctx): number => {
    const t = text.trim();
    const value = NUMBER.test(t) ? Number(t) : NaN;
    const why = !Number.isFinite(value)
      ? 'must be a number'
      : opts.int && !Number.isInteger(value)
        ? 'must be a whole number'
        : value < min || value > max
          ? opts.between
            ? `must be between ${min} and ${max}`
            : value < min
              ? `must be at least ${min}`
              : `must be at most ${max}`
          : null;
    if (why) ctx.addIssue({ code: 'custom', message: `--${name} ${why} (got '${clip(text)}')` });
    return value;
  });
}
const int = (name: string, min: number, max: number) => numberFlag(name, min, max, { int: true });
const oneOf = <T extends string>(name: string, values: readonly [T, ...T[]]) =>
  z.enum(values, { error: (iss) => `--${name} must be one of ${values.join(', ')} (got '${clip(String(iss.input))}')` });

const datasetFlag = oneOf('dataset', ['mnist', 'fashion-mnist', 'cifar-10']);

/** The flags `run` and `eval` share: where the data is, and the evaluation protocol's settings. */
const evalFlags = {
  data: z.string({ error: "--data DIR is required (a folder laid out like ../shared/datasets, or one dataset's folder)" }),
  seed: int('seed', 0, 2 ** 31 - 1).default(DEFAULT_RUN_CONFIG.seed),
  width: int('width', 1, 512).default(DEFAULT_RUN_CONFIG.width),
  'eval-epochs': int('eval-epochs', 0, 100_000).default(300),
  'eval-models': int('eval-models', 0, 100).default(2),
  'eval-arch': oneOf('eval-arch', ARCHITECTURES).default('convnet'),
  'eval-dsa': oneOf('eval-dsa', ['on', 'off']).default('off'),
  'test-images': int('test-images', 0, 10_000_000).default(0),
  'eval-labels': oneOf('eval-labels', EVAL_LABELS).default('hard'),
  backend: oneOf('backend', ['auto', 'wasm', 'cpu', 'webgpu']).default('auto'),
  threads: int('threads', 1, 8).default(defaultWasmThreads()),
  out: z.string().optional(),
};

const runSchema = z.object({
  ...evalFlags,
  dataset: datasetFlag,
  method: oneOf('method', METHOD_IDS).default(DEFAULT_RUN_CONFIG.method),
  ipc: int('ipc', 1, 50).default(DEFAULT_RUN_CONFIG.ipc),
  iterations: int('iterations', 0, 1_000_000).default(DEFAULT_RUN_CONFIG.iterations),
  init: oneOf('init', INIT_IDS).default(DEFAULT_RUN_CONFIG.init),
  sampler: oneOf('sampler', SAMPLER_IDS).default('uniform'),
  'sampler-interval': int('sampler-interval', 1, 1_000_000).default(SAMPLER_SETTINGS_DEFAULTS.interval),
  'sampler-alpha': numberFlag('sampler-alpha', 0, 1, { int: false, between: true }).default(SAMPLER_SETTINGS_DEFAULTS.alpha),
  'sampler-pool': int('sampler-pool', 0, 1_000_000).default(SAMPLER_SETTINGS_DEFAULTS.pool),
  'init-features': oneOf('init-features', ['embed', 'pixels']).default(INIT_SETTINGS_DEFAULTS.initFeatures),
  'init-pool': int('init-pool', 0, 1_000_000).default(INIT_SETTINGS_DEFAULTS.initPool),
  'init-draw': oneOf('init-draw', INIT_DRAW_IDS).default(INIT_SETTINGS_DEFAULTS.initDraw),
  dsa: oneOf('dsa', ['on', 'off']).default(DEFAULT_RUN_CONFIG.dsa ? 'on' : 'off'),
  real: int('real', 1, 10_000).default(DEFAULT_RUN_CONFIG.realPerClass),
  factor: int('factor', 1, 4).default(1),
  'seq-subsets': int('seq-subsets', LIMITS.seqSubsets.min, LIMITS.seqSubsets.max).default(1),
  // Each method's own flags (its toggles and settings), from its descriptor.
  ...methodFlagSchema(int, oneOf),
  resident: oneOf('resident', ['auto', 'on', 'off']).default('auto'),
  png: z.string().optional(),
  npz: z.string().optional(),
});

const evalSchema = z.object({
  ...evalFlags,
  npz: z.string({ error: '--npz FILE is required (a .npz from distill run --npz, or np.savez with images, labels, mean, std)' }),
  dataset: datasetFlag.optional(),
});

type RunArgs = z.infer<typeof runSchema>;
type EvalArgs = z.infer<typeof evalSchema>;
type EvalFlags = Pick<RunArgs, keyof typeof evalFlags>;

/** Parses `rest` strictly against `schema`'s flags; the first problem becomes a one-line UsageError. */
function parseFlags<S extends z.ZodObject>(schema: S, rest: string[]): z.infer<S> {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({
      args: rest,
      strict: true,
      options: Object.fromEntries(Object.keys(schema.shape).map((k) => [k, { type: 'string' as const }])),
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]!.replace(/^Unknown option/, 'unknown option'));
  }
  const parsed = schema.safeParse(values);
  if (!parsed.success) throw new UsageError(parsed.error.issues[0]!.message);
  return parsed.data;
}

function parse(argv: string[]): { command: 'run'; args: RunArgs } | { command: 'eval'; args: EvalArgs } {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h') throw new HelpRequest();
  if (command === undefined) throw new UsageError('');
  if (command === 'run') {
    const args = parseFlags(runSchema, rest);
    const problem = checkMethodFlags(args, args.method, args.factor, args['eval-labels']) ?? checkSubsets(args.method, args['seq-subsets'], args.ipc);
    if (problem) throw new UsageError(problem);
    return { command, args };
  }
  if (command === 'eval') {
    const args = parseFlags(evalSchema, rest);
    if (args['eval-epochs'] < 1 || args['eval-models'] < 1) throw new UsageError('distill eval needs --eval-epochs and --eval-models of at least 1');
    return { command, args };
  }
  throw new UsageError(`unknown command '${command}' (expected: run, eval)`);
}

const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
const app = { name: pkg.name, version: pkg.version };

const log = (msg: string) => process.stderr.write(`${msg}\n`);

// The cpu backend's banner about tfjs-node: the CLI says which backend it uses and why.
silenceTfjsNodeBanner();

/** How each backend starts in Node; wasm with `threads` threads (src/node/wasm-threads.ts). */
const prepareNode = (threads: number) => async (name: BackendName): Promise<string> => {
  if (name === 'webgl') throw new Error('WebGL is not available in Node');
  if (name === 'wasm') await initWasmWithThreads(threads);
  if (name === 'webgpu') return (await loadNodeWebGpu()).detail;
  return '';
};

/** Checks the data folder, chooses the backend and loads the dataset: how `run` and `eval` both start. */
async function setUp(a: EvalFlags, id: DatasetId) {
  if (!fs.existsSync(a.data) || !fs.statSync(a.data).isDirectory()) throw new UsageError(`--data ${a.data}: no such folder`, false);
  // The files first: a bad one is named before any time goes into the backend.
  let lastLogged = 0;
  const loaded = loadDatasetFromDir(id, a.data, {
    // The CIFAR-10 JPEG zip decodes 60000 images: say how far it is every 10000.
    onProgress: (done, total) => {
      if (done === total || done - lastLogged >= 10000) {
        lastLogged = done;
        log(`decoding ${id} images: ${done}/${total}`);
      }
    },
  });
  const note = loaded.spec.variants.find((v) => v.id === loaded.variant)?.note;
  const from = loaded.location.layout === 'root' ? `${loaded.location.folder} (under the datasets folder ${a.data})` : `${loaded.location.folder} (the dataset's own folder)`;
  log(`dataset ${loaded.spec.name} (${loaded.variant}) from ${from}: ${loaded.train.count} training, ${loaded.test.count} test images${note ? `. ${note}` : ''}`);
  if (loaded.heldOutNote) log(loaded.heldOutNote);
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
  if (report.probe) log(`auto: ${report.probe.results.map((r) => `${r.backend} ${r.msPerIteration !== undefined ? `${r.msPerIteration} ms per probe step` : r.reason}`).join('; ')}`);
  if (a.backend !== 'auto' && report.backend !== a.backend) {
    throw new Error(`--backend ${a.backend} is not available here: ${report.skipped.find((s) => s.backend === a.backend)?.reason}`);
  }
  log(`backend ${report.backend}${chosen.detail ? ` (${chosen.detail})` : ''}${report.skipped.length ? ` (skipped: ${report.skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')})` : ''}`);
  return { report, loaded, train: prepareRealData(loaded.train, loaded.spec), test: prepareRealData(loaded.test, loaded.spec) };
}

/**
 * The evaluation protocol on `pixels` (NHWC, class-major, `ipc` per class, the dataset's normalisation) beside
 * random real, herding and k-center at the same IPC, with progress and results on stderr. Null when skipped.
 * `soft`: the images' soft labels [images, classes] as learned (one row per image of `pixels`), trained on with
 * --eval-labels soft.
 */
async function evaluate(
  pixels: Float32Array,
  soft: Float32Array | undefined,
  ipc: number,
  train: RealData,
  test: RealData,
  a: EvalFlags,
  dataset: string,
): Promise<Pick<RunRecord, 'evaluation' | 'accuracy'>> {
  if (a['eval-epochs'] === 0 || a['eval-models'] === 0) return { evaluation: null, accuracy: null };
  const labels = a['eval-labels'];
  const cfg = { ...EVAL_DEFAULTS, epochs: a['eval-epochs'], models: a['eval-models'], width: a.width, architecture: a['eval-arch'], seed: a.seed, dsa: a['eval-dsa'] === 'on', dsaFlip: dataset !== 'mnist', testLimit: a['test-images'], labels };
  const evaluation = {
    epochs: cfg.epochs,
    models: cfg.models,
    width: cfg.width,
    architecture: cfg.architecture,
    testImages: testIndices(test, cfg.testLimit).length,
    dsa: cfg.dsa,
    labels,
  };
  if (labels === 'soft' && !soft) throw new UsageError('--eval-labels soft: the set has no soft labels', false);
  const distilled = labels === 'soft' ? { pixels, soft: labelDistributions(soft!, train.numClasses) } : pixels;
  let lastSet = '';
  const { results } = await compareWithBaselines(distilled, ipc, train, test, cfg, (p) => {
    const soft = labels === 'soft' && p.set === 'distilled' ? ' on soft labels' : '';
    if (p.set !== lastSet) log(`evaluate ${(lastSet = p.set)}: ${cfg.models} ${cfg.architecture === 'mlp' ? 'MLP' : 'ConvNet'}(s) x ${cfg.epochs} epochs${cfg.dsa ? ' with DSA' : ''}${soft}`);
  });
  for (const name of EVAL_SETS) log(`accuracy ${name}: ${(results[name].mean * 100).toFixed(2)} ± ${(results[name].std * 100).toFixed(2)} %`);
  return { evaluation, accuracy: results };
}

function write(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, data);
  log(`wrote ${file}`);
}

async function runCommand(a: RunArgs): Promise<void> {
  const { report, loaded, train, test } = await setUp(a, a.dataset);
  const config: RunConfig = {
    ...DEFAULT_RUN_CONFIG,
    dataset: a.dataset,
    method: a.method,
    ipc: a.ipc,
    iterations: a.iterations,
    init: a.init,
    sampler: a.sampler,
    ...(a.sampler !== 'uniform'
      ? {
          samplerSettings: {
            ...SAMPLER_SETTINGS_DEFAULTS,
            interval: a['sampler-interval'],
            alpha: a['sampler-alpha'],
            pool: a['sampler-pool'],
          },
        }
      : {}),
    ...(a.init === 'kmeans' || a.init === 'importance' ? { initFeatures: a['init-features'], initPool: a['init-pool'] } : {}),
    ...(a.init === 'importance' ? { initDraw: a['init-draw'] } : {}),
    dsa: a.dsa === 'on',
    seed: a.seed,
    width: a.width,
    realPerClass: a.real,
    ...METHODS[a.method].defaults,
    ...methodConfig(a, a.method),
    ...(a.factor > 1 ? { factor: a.factor } : {}),
    ...(a['seq-subsets'] > 1 ? { seqSubsets: a['seq-subsets'] } : {}),
  };
  const needed = estimateRunBytes(config, [loaded.train.height, loaded.train.width, loaded.train.channels], loaded.spec.classes.length);
  if (needed !== null) {
    const refusal = memoryRefusal(needed, report.memoryBudget, report.backend, config.method);
    if (refusal) throw new Error(refusal);
    log(`memory: about ${formatBytes(needed)} of the ${formatBytes(report.memoryBudget)} ${report.backend} offers`);
  }

  const run = new DistillRun(train, config, { resident: a.resident, backend: report.backend, memoryBudget: report.memoryBudget });
  log(`real batches: ${run.residency.reason}`);
  const points: RunRecord['iterations'] = [];
  let lastLog = 0;
  try {
    await run.prepare(undefined, (message, fraction) => {
      if (performance.now() - lastLog > 1000 || fraction === 1) {
        lastLog = performance.now();
        log(message);
      }
    });
    while (run.iteration < config.iterations) {
      const t0 = performance.now();
      await run.refresh();
      const lossT = run.step();
      const loss = (await lossT.data())[0]!;
      lossT.dispose();
      const ms = performance.now() - t0;
      points.push({ iteration: run.iteration, loss, ms });
      if (!Number.isFinite(loss)) throw new Error(`the loss became ${loss} at iteration ${run.iteration}`);
      if (performance.now() - lastLog > 1000 || run.iteration === config.iterations) {
        lastLog = performance.now();
        log(`iteration ${run.iteration}/${config.iterations}  loss ${loss.toPrecision(4)}  ${Math.round(ms)} ms/it`);
      }
    }
    const pixels = await run.pixels();
    const syntheticSha256 = await pixelsSha256(pixels);
    const learned = await run.learnedLabels();
    // Multi-formation: the training set is the decoded one (IPC·F² per class); the file carries both.
    const decoded = run.decoded(pixels);
    if (a.npz) {
      const set = classMajorSet(loaded.spec, pixels, a.ipc, { app, method: a.method, config }, learned?.values);
      write(a.npz, encodeNpz(run.factor > 1 ? { ...set, multiFormation: { factor: run.factor, decoded } } : set));
    }

    // Multi-formation: each decoded image takes its stored image's soft label.
    const soft = learned ? repeatRows(learned.values, pixels.length / (loaded.train.height * loaded.train.width * loaded.train.channels), run.factor) : undefined;
    const { evaluation, accuracy } = await evaluate(decoded, soft, a.ipc, train, test, a, a.dataset);

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
    });
    if (a.out) write(a.out, JSON.stringify(record, null, 2));
    if (a.png) write(a.png, encodePng(await run.grid(), 4));
    if (!a.out) process.stdout.write(`${JSON.stringify({ syntheticSha256, msPerIteration: record.msPerIteration, accuracy })}\n`);
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

async function evalCommand(a: EvalArgs): Promise<void> {
  if (!fs.existsSync(a.npz) || !fs.statSync(a.npz).isFile()) throw new UsageError(`--npz ${a.npz}: no such file`, false);
  const bytes = new Uint8Array(fs.readFileSync(a.npz));
  const set = decodeNpz(bytes, { file: a.npz, ...(a.dataset ? { dataset: a.dataset } : {}) });
  const { pixels: stored, ipc, softLabels } = forEvaluation(set);
  if (a['eval-labels'] === 'soft' && !softLabels) throw new UsageError(`--eval-labels soft: ${a.npz} has no soft_labels array (only ${softLabelFlags().replace(/--method (\w+) /g, (_, id: string) => `${id.toUpperCase()} with `)} writes one)`, false);
  log(`${a.npz}: ${set.labels.length} ${set.dataset} images, ${ipc} per class`);
  // A multi-formation set (written by run --factor F) trains on its decoded images, as run evaluated it.
  const factor = Number((set.meta as { config?: { factor?: unknown } }).config?.factor ?? 1);
  const multi = Number.isInteger(factor) && factor > 1 && factor <= LIMITS.factor.max;
  const { report, loaded, train, test } = await setUp(a, set.dataset);
  // Decoding runs on the backend: after setUp.
  const pixels = multi ? decodePixels(stored, set.shape, factor) : stored;
  if (multi) log(`multi-formation factor ${factor}: evaluating the ${set.labels.length * factor * factor} decoded images (the baselines keep ${ipc} real images per class)`);
  const soft = softLabels && multi ? repeatRows(softLabels, set.labels.length, factor) : softLabels;
  const { evaluation, accuracy } = await evaluate(pixels, soft, ipc, train, test, a, set.dataset);
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
  if (a.out) write(a.out, JSON.stringify(record, null, 2));
  else process.stdout.write(`${JSON.stringify({ accuracy })}\n`);
}

async function main(argv: string[]): Promise<void> {
  // `distill lab …`: the teaching labs parse their own flags (src/cli/lab.ts).
  if (argv[0] === 'lab') {
    process.exitCode = await labMain(argv.slice(1), app);
    return;
  }
  const parsed = parse(argv);
  if (parsed.command === 'run') await runCommand(parsed.args);
  else await evalCommand(parsed.args);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof HelpRequest) {
    process.stdout.write(`${USAGE}\n`);
  } else if (err instanceof UsageError) {
    // One line naming the argument; the whole usage only when no command was given.
    process.stderr.write(err.message ? `distill: ${err.message}${err.hint ? ' (distill --help lists every option)' : ''}\n` : `${USAGE}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`distill: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
});
