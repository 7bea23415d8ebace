/**
 * `distill lab multi-index`: the multi-index teaching lab in Node (src/core/lab/multi-index), on the same engine
 * as the page's Teaching lab panel. Prints the curve (subspace fraction and accuracy against m) on stdout,
 * progress on stderr, and with --out writes a JSON record of the whole result.
 *   distill lab multi-index --d 32 --r 2 --link relu --width 64 --points 2,4,8,16 --iterations 400 --seed 0 --out r.json
 * Exits 2 with one line naming the flag on a bad argument.
 */
import { parseArgs } from 'node:util';
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { LAB_DEFAULTS, LAB_LINK_INFO, LAB_LINKS, labConfigSchema, type LabConfig, type LabResult } from '../shared/lab';
import { runMultiIndexLab } from '../core/lab/multi-index/lab';
import type { CliIo } from './io';

export const LAB_USAGE = `usage: distill lab multi-index [options]

The multi-index teaching lab: x ~ N(0, I_d), labels from r hidden directions; m points distilled by gradient
matching on fresh two-layer networks of width L, against m random real points.
  --d N                 input dimension (default ${LAB_DEFAULTS.d})
  --r N                 hidden dimension, at most d (default ${LAB_DEFAULTS.r})
  --link ${LAB_LINKS.join('|').padEnd(15)}link function (default ${LAB_DEFAULTS.link}): ${LAB_LINKS.map((l) => `${l}: ${LAB_LINK_INFO[l].formula}`).join('; ')}
  --width L             width of the two-layer networks (default ${LAB_DEFAULTS.width})
  --points M[,M...]     numbers of distilled points, increasing; one distillation each (default ${LAB_DEFAULTS.points.join(',')})
  --iterations N        gradient-matching iterations per distillation (default ${LAB_DEFAULTS.iterations})
  --seed N              seed of every random choice (default ${LAB_DEFAULTS.seed})
  --train N             real training points drawn from the task (default ${LAB_DEFAULTS.train})
  --batch N             real points per matching iteration (default ${LAB_DEFAULTS.batch})
  --test N              test points (default ${LAB_DEFAULTS.test})
  --lr X                Adam step size on the distilled points (default ${LAB_DEFAULTS.lr})
  --eval-steps N        full-batch Adam steps of each evaluation network (default ${LAB_DEFAULTS.evalSteps})
  --eval-nets N         evaluation networks per set (default ${LAB_DEFAULTS.evalNets})
  --backend wasm|cpu    (default wasm)
  --out FILE            the JSON record (config, curve, ceiling, timings)`;

const FLAGS = ['d', 'r', 'link', 'width', 'points', 'iterations', 'seed', 'train', 'batch', 'test', 'lr', 'eval-steps', 'eval-nets', 'backend', 'out', 'help'] as const;

class LabUsageError extends Error {}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
function num(flag: string, text: string): number {
  const t = text.trim();
  if (!NUMBER.test(t)) throw new LabUsageError(`--${flag} must be a number (got '${text.slice(0, 40)}')`);
  return Number(t);
}

/** Parses the flags after `lab multi-index` into a validated config, the backend and the output file. */
export function parseLabArgs(argv: string[]): { config: LabConfig; backend: 'wasm' | 'cpu'; out?: string } | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, strict: true, options: Object.fromEntries(FLAGS.map((f) => [f, { type: f === 'help' ? ('boolean' as const) : ('string' as const) }])) }).values;
  } catch (err) {
    throw new LabUsageError((err as Error).message.split('\n')[0]!.replace(/^Unknown option/, 'unknown option'));
  }
  if (values.help) return 'help';
  const s = (k: (typeof FLAGS)[number]) => values[k] as string | undefined;
  const config: LabConfig = { ...LAB_DEFAULTS };
  const numeric: [(typeof FLAGS)[number], keyof LabConfig][] = [
    ['d', 'd'], ['r', 'r'], ['width', 'width'], ['iterations', 'iterations'], ['seed', 'seed'], ['train', 'train'],
    ['batch', 'batch'], ['test', 'test'], ['lr', 'lr'], ['eval-steps', 'evalSteps'], ['eval-nets', 'evalNets'],
  ];
  for (const [flag, key] of numeric) {
    const v = s(flag);
    if (v !== undefined) (config as unknown as Record<string, number>)[key] = num(flag, v);
  }
  const link = s('link');
  if (link !== undefined) {
    if (!(LAB_LINKS as readonly string[]).includes(link)) throw new LabUsageError(`--link must be one of ${LAB_LINKS.join(', ')} (got '${link.slice(0, 40)}')`);
    config.link = link as LabConfig['link'];
  }
  const points = s('points');
  if (points !== undefined) config.points = points.split(',').map((p) => num('points', p));
  const backend = s('backend') ?? 'wasm';
  if (backend !== 'wasm' && backend !== 'cpu') throw new LabUsageError(`--backend must be wasm or cpu (got '${backend.slice(0, 40)}')`);
  const parsed = labConfigSchema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0] ?? '');
    const flag = key === 'evalSteps' ? 'eval-steps' : key === 'evalNets' ? 'eval-nets' : key;
    throw new LabUsageError(`--${flag}: ${issue.message}`);
  }
  const out = s('out');
  return { config: parsed.data, backend, ...(out ? { out } : {}) };
}

const pct = (v: number) => `${(100 * v).toFixed(1)}`;

/** The curve as a plain-text table. */
export function formatCurve(result: LabResult): string {
  const { config: c } = result;
  const lines = [
    `multi-index lab: d ${c.d}, r ${c.r}, link ${c.link}, width ${c.width}, ${c.iterations} iterations, seed ${c.seed}`,
    `r/d = ${pct(result.chance)} %; whole training set (${c.train} points): ${pct(result.full.mean)} ± ${pct(result.full.std)} % test accuracy; r²d + L = ${result.theoryNumbers} numbers`,
    'm\tnumbers\tsubspace % distilled\tsubspace % random\taccuracy % distilled\taccuracy % random\tloss first\tloss last\ts',
    ...result.curve.map((p) =>
      [p.m, p.numbers, pct(p.fraction.distilled), pct(p.fraction.random), `${pct(p.accuracy.distilled.mean)} ± ${pct(p.accuracy.distilled.std)}`, `${pct(p.accuracy.random.mean)} ± ${pct(p.accuracy.random.std)}`, p.loss.first.toFixed(2), p.loss.last.toFixed(2), (p.ms / 1000).toFixed(1)].join('\t'),
    ),
  ];
  return lines.join('\n');
}

/** `distill lab <argv>`: returns the exit code; writes its own messages. */
export async function labMain(argv: string[], app: { name: string; version: string }, io: CliIo): Promise<number> {
  const [system, ...rest] = argv;
  try {
    if (system === '--help' || system === '-h' || system === undefined) {
      io.out(LAB_USAGE);
      return system === undefined ? 2 : 0;
    }
    if (system !== 'multi-index') throw new LabUsageError(`unknown lab '${system.slice(0, 40)}' (expected: multi-index)`);
    const parsed = parseLabArgs(rest);
    if (parsed === 'help') {
      io.out(LAB_USAGE);
      return 0;
    }
    const { config, backend, out } = parsed;
    if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} failed to start`);
    await tf.ready();
    const log = (msg: string) => io.log(msg);
    log(`backend ${backend}`);
    const result = await runMultiIndexLab(config, {
      progressMs: 2000,
      onEvent: (e) => {
        if (e.type === 'lab-started') log(`whole training set: ${pct(e.full.mean)} % test accuracy (r/d = ${pct(e.chance)} %)`);
        if (e.type === 'lab-progress') log(`m ${e.m}: iteration ${e.iteration}/${e.iterations}, loss ${e.loss.toFixed(2)}, subspace ${pct(e.fraction)} %`);
        if (e.type === 'lab-point') log(`m ${e.point.m}: subspace ${pct(e.point.fraction.distilled)} % (random ${pct(e.point.fraction.random)} %), accuracy ${pct(e.point.accuracy.distilled.mean)} % (random ${pct(e.point.accuracy.random.mean)} %)`);
      },
    });
    io.out(formatCurve(result));
    if (out) {
      const record = { schema: 'distill-playground/lab-record@1', app, createdAt: new Date().toISOString(), lab: 'multi-index', backend, result };
      fs.writeFileSync(out, JSON.stringify(record, null, 2));
      log(`wrote ${out}`);
    }
    return 0;
  } catch (err) {
    if (err instanceof LabUsageError) {
      io.log(`distill: ${err.message} (distill lab --help lists every option)`);
      return 2;
    }
    io.log(`distill: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
