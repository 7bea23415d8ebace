/**
 * `distill`'s arguments: every setting's flag and its --help line come from the settings table
 * (src/shared/settings); the evaluation's and the output's flags are the CLI's own. Pure: parsing runs nothing.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ARCHITECTURES } from '../core/nn/convnet';
import { EVAL_LABELS } from '../core/eval/soft-labels';
import { defaultWasmThreads } from '../node/wasm-threads';
import { clip, completeConfig } from '../shared/config';
import { METHODS, type MethodId } from '../shared/methods';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../shared/protocol';
import type { DatasetId } from '../core/data/types';
import { SETTINGS, type Setting } from '../shared/settings';
import { checkMethodFlags, checkSettingFlags, checkSubsets, softLabelFlags, teacherFlags } from './method-flags';

/** One help line: the flag column, then the text wrapped at 116 characters under itself. */
export function helpLine(flag: string, text: string): string {
  const col = `  ${flag}`;
  const lines: string[] = [];
  // A long flag column pushes its text along by one space.
  let cur = col.length < 28 ? col.padEnd(28) : `${col} `;
  for (const w of text.split(' ')) {
    if (cur.length + w.length + 1 > 116 && cur.trim().length > 0 && cur.length > 28) {
      lines.push(cur.trimEnd());
      cur = ' '.repeat(28);
    }
    cur += (cur.length === 28 || cur.endsWith(' ') ? '' : ' ') + w;
  }
  lines.push(cur);
  return lines.join('\n');
}

/** The default as the help says it (the value a flag takes, not the page's label). */
function helpDefault(s: Setting): string {
  if (s.cli?.defaultText) return s.cli.defaultText;
  if (s.kind === 'bool') return s.default ? 'on' : 'off';
  return String(s.default);
}

/** The help lines of the table's flags (`only`: just these, by parameter), in the table's order. */
function tableUsage(only?: string[]): string {
  return SETTINGS.filter((s) => s.cli && (only ? only.includes(s.param) : !['dataset', 'backend'].includes(s.param)))
    .map((s) => helpLine(`--${s.cli!.flag} ${s.cli!.arg}`, /\bdefault\b/.test(s.cli!.help) ? s.cli!.help : `${s.cli!.help} (default ${helpDefault(s)})`))
    .join('\n');
}

export const USAGE = `usage: distill run --dataset mnist|fashion-mnist|cifar-10 --data DIR [options]
       distill eval --npz FILE --data DIR [--dataset ID] [evaluation options]

--data DIR: the folder of datasets laid out like ../shared/datasets (DIR/mnist/..., DIR/cifar-10-jpeg/...), or the
folder of the one dataset's own files (DIR/train-images-idx3-ubyte.gz, ...); the command says which it used.

distill run: distils a dataset into a few synthetic images per class, then evaluates them.
${tableUsage()}
  --eval-epochs N           epochs of each evaluation network (default 300; 0 skips evaluation)
  --eval-models N           evaluation networks per set (default 2; 0 skips evaluation)
  --eval-arch convnet|mlp   the evaluation networks: ConvNet-3 (default, the protocol) or an MLP (2 hidden
                            layers of --width units: the cross-architecture check)
  --eval-dsa on|off         train the evaluation networks with DSA augmentation, a fresh draw every batch (the
                            protocol of DSA, DM, IDC, DREAM; no flips on MNIST); default off. The baselines are
                            evaluated under the same setting; the record says which (evaluation.dsa)
  --eval-cutmix on|off      train the evaluation networks with CutMix as IDC evaluates (p 0.5, the box's share of
                            the targets by area, after DSA; with --eval-dsa on cutout leaves DSA's strategy), a
                            stated variant; default off. The baselines too; the record says which
                            (evaluation.cutmix). IDC's and DREAM's protocol: --eval-dsa on --eval-cutmix on
  --eval-lr-schedule half|idc
                            the evaluation networks' learning-rate schedule: half (lr x0.1 from half the epochs
                            on, the DC/DSA/DM protocol; default) or idc (x0.2 at 2/3 and 5/6 of the epochs, IDC's
                            and DREAM's), a stated variant; the record says which (evaluation.lrSchedule)
  --test-images N           test on N test images taken class by class in turn (a quick check; default 0: the
                            whole test set, the protocol); the record says how many (evaluation.testImages)
  --eval-labels hard|soft|teacher
                            train the evaluation networks on the class labels (default, the protocol) or, a
                            stated variant, on the set's soft labels (a .npz's soft_labels, or a run's with
                            ${softLabelFlags()}):
                            softmax cross-entropy against each image's target distribution
                            (KRR's centred targets y become max(0, y + 1/C), renormalised); the baselines keep
                            their class labels. teacher (run only, ${teacherFlags()}): SRe2L's relabel
                            protocol: every training batch of every set, as augmented, takes the run's teacher's
                            soft labels (use with --eval-dsa on, as its authors do); the baselines are relabelled
                            by the same teacher. The record says which (evaluation.labels)
${tableUsage(['backend'])}
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
  --eval-epochs N, --eval-models N, --eval-arch A, --eval-dsa D, --eval-cutmix C, --eval-lr-schedule S,
  --eval-labels L, --test-images N, --width N, --seed N, --backend B, --threads N   as for run (--eval-labels soft
                            needs the file's soft_labels)
  --out FILE                a JSON record with the evaluation and the accuracy block`;

export class UsageError extends Error {
  /** Whether to point at --help (a bad flag) or not (a path that does not exist). */
  constructor(
    message: string,
    readonly hint = true,
  ) {
    super(message);
  }
}
/** `distill --help`: the usage on stdout, exit 0. */
export class HelpRequest extends Error {}

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

/** A table setting's flag (src/shared/settings): its range or values from the table, its default the setting's. */
function flagOf(s: Setting): z.ZodType {
  const c = s.cli!;
  switch (s.kind) {
    case 'number': {
      const f = numberFlag(c.flag, c.min ?? s.limit.min, c.max ?? s.limit.max, { int: s.limit.int, between: c.between });
      // A default that depends on the rest of the config (the image learning rate: the method's) is left to it.
      return s.defaultText ? f.optional() : f.default(s.default);
    }
    case 'choice': {
      const f = oneOf(c.flag, c.values ?? (s.choices.map(([v]) => v) as [string, ...string[]]));
      // The dataset has no default: run requires it, eval reads it from the file.
      return s.param === 'dataset' ? f : f.default(s.default);
    }
    case 'bool':
      return oneOf(c.flag, ['on', 'off']).default(s.default ? 'on' : 'off');
    case 'toggle':
      return oneOf(c.flag, c.values!).default(c.off!);
  }
}

/** Every setting's flag, by flag name, in the table's order. */
const TABLE_FLAGS: Record<string, z.ZodType> = Object.fromEntries(SETTINGS.filter((s) => s.cli).map((s) => [s.cli!.flag, flagOf(s)]));
const tableFlag = <T>(flag: string) => TABLE_FLAGS[flag] as z.ZodType<T>;

const datasetFlag = tableFlag<DatasetId>('dataset');

/** The flags `run` and `eval` share: where the data is, and the evaluation protocol's settings. */
const evalFlags = {
  data: z.string({ error: "--data DIR is required (a folder laid out like ../shared/datasets, or one dataset's folder)" }),
  seed: tableFlag<number>('seed'),
  width: tableFlag<number>('width'),
  'eval-epochs': int('eval-epochs', 0, 100_000).default(300),
  'eval-models': int('eval-models', 0, 100).default(2),
  'eval-arch': oneOf('eval-arch', ARCHITECTURES).default('convnet'),
  'eval-dsa': oneOf('eval-dsa', ['on', 'off']).default('off'),
  'eval-cutmix': oneOf('eval-cutmix', ['on', 'off']).default('off'),
  'eval-lr-schedule': oneOf('eval-lr-schedule', ['half', 'idc']).default('half'),
  'test-images': int('test-images', 0, 10_000_000).default(0),
  'eval-labels': oneOf('eval-labels', EVAL_LABELS).default('hard'),
  backend: tableFlag<'auto' | 'wasm' | 'cpu' | 'webgpu'>('backend'),
  threads: int('threads', 1, 8).default(defaultWasmThreads()),
  out: z.string().optional(),
};

const runSchema = z.object({
  ...evalFlags,
  // Every setting's flag, from the table (a method's own flags from its descriptor).
  ...TABLE_FLAGS,
  resident: oneOf('resident', ['auto', 'on', 'off']).default('auto'),
  png: z.string().optional(),
  npz: z.string().optional(),
});

const evalSchema = z.object({
  ...evalFlags,
  npz: z.string({ error: '--npz FILE is required (a .npz from distill run --npz, or np.savez with images, labels, mean, std)' }),
  dataset: datasetFlag.optional(),
});

export type EvalArgs = z.infer<typeof evalSchema>;
export type EvalFlags = Omit<EvalArgs, 'npz' | 'dataset'>;
/** `run`'s flags: the evaluation's, every setting's (by flag name), and where to write. */
export type RunArgs = EvalFlags & {
  dataset: DatasetId;
  method: MethodId;
  ipc: number;
  factor: number;
  'seq-subsets': number;
  resident: 'auto' | 'on' | 'off';
  png?: string;
  npz?: string;
  [flag: string]: unknown;
};

/**
 * Parses `rest` strictly against `schema`'s flags; the first problem becomes a one-line UsageError. `given` holds
 * the flags the command line named (the others have their defaults).
 */
function parseFlags<S extends z.ZodObject>(schema: S, rest: string[]): { args: z.infer<S>; given: Set<string> } {
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
  return { args: parsed.data, given: new Set(Object.keys(values)) };
}

export function parse(argv: string[]): { command: 'run'; args: RunArgs } | { command: 'eval'; args: EvalArgs } {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h') throw new HelpRequest();
  if (command === undefined) throw new UsageError('');
  if (command === 'run') {
    const { args: parsed, given } = parseFlags(runSchema, rest);
    const args = parsed as RunArgs;
    const problem =
      checkMethodFlags(args, args.method, args.factor, args['eval-labels']) ??
      checkSubsets(args.method, args['seq-subsets'], args.ipc) ??
      checkSettingFlags(given, configFromFlags(args));
    if (problem) throw new UsageError(problem);
    return { command, args };
  }
  if (command === 'eval') {
    const { args } = parseFlags(evalSchema, rest);
    if (args['eval-epochs'] < 1 || args['eval-models'] < 1) throw new UsageError('distill eval needs --eval-epochs and --eval-models of at least 1');
    return { command, args };
  }
  throw new UsageError(`unknown command '${command}' (expected: run, eval)`);
}

/** The run configuration `distill run`'s flags describe: the table's settings set from their flags, completed as a record carries it. */
export function configFromFlags(a: RunArgs): RunConfig {
  const draft: Record<string, unknown> = { ...DEFAULT_RUN_CONFIG, ...METHODS[a.method].defaults };
  for (const s of SETTINGS) {
    // Another method's own flags are left at their defaults (checkMethodFlags refuses them when set).
    if (!s.cli || !s.path || (s.owner && s.owner !== a.method)) continue;
    const v = a[s.cli.flag];
    const value = s.kind === 'bool' ? v === 'on' : s.kind === 'toggle' ? (v === s.cli.on ? s.on : undefined) : v;
    if (value === undefined || (s.kind === 'number' && s.offAt === value)) continue;
    if (s.path.length === 2) draft[s.path[0]] = { ...(draft[s.path[0]] as object | undefined), [s.path[1]]: value };
    else draft[s.path[0]] = value;
  }
  return completeConfig(draft as unknown as RunConfig);
}
