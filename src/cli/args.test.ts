/**
 * `distill`'s arguments, read in-process (src/cli/args.ts): the flags come from the settings table, and must mean
 * what they meant before it. The fixtures are the configs main's CLI recorded (--out) for these arguments before
 * the table (src/shared/settings/fixtures/cli.json, made at e5356fa).
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runRecordSchema } from '../core/run/record';
import { CLI_ARGS } from '../testing/bad-inputs';
import { SETTINGS } from '../shared/settings';
import { completeConfig } from '../shared/config';
import { presetById } from '../shared/presets';
import { configFromFlags, parse, USAGE, UsageError, type RunArgs } from './args';

const cli = JSON.parse(fs.readFileSync(new URL('../shared/settings/fixtures/cli.json', import.meta.url), 'utf8')) as { cli: { name: string; args: string[]; config: unknown }[] };

describe('distill run flags read through the settings table', () => {
  it.each(cli.cli.map((c) => [c.name, c] as const))('%s: gives the config the CLI recorded before the table', (_, c) => {
    const parsed = parse(c.args);
    expect(parsed.command).toBe('run');
    // The record's schema orders the config's fields, as --out writes them.
    const config = runRecordSchema.shape.config.parse(configFromFlags(parsed.args as Parameters<typeof configFromFlags>[0]));
    // The same, plus the fields added since (issue 15: where fresh networks are drawn, new runs draw on the device;
    // KRR's label learning rate, right after learnLabels, for a run that learns labels), and the one default changed
    // since: KRR's learning rate, 0.1 then, at which its images did not move (10 now).
    const before = c.config as Record<string, unknown>;
    const withLabelsLr = Object.fromEntries(Object.entries(before).flatMap(([k, v]) => (k === 'learnLabels' && v === true ? [[k, v], ['lrLabels', 0.1]] : [[k, v]])));
    const now = { ...withLabelsLr, ...(before.method === 'krr' ? { lrImages: 10 } : {}), netDraw: 'device' };
    expect(config).toEqual(now);
    expect(JSON.stringify(config)).toBe(JSON.stringify(now));
  });

  it.each(CLI_ARGS.map((c) => [c.name, c] as const))('bad argument: %s', (_, c) => {
    expect(() => parse(c.args)).toThrow(UsageError);
    expect(() => parse(c.args)).toThrow(c.message);
  });

  // What the command answers to each (command.ts prints `distill: <message>` on one line and exits 2; cli.test.ts
  // checks that for two of them through the command itself).
  it.each([
    [['run', '--dataset', 'svhn', '--data', '.'], /--dataset must be one of mnist, fashion-mnist, cifar-10 \(got 'svhn'\)/],
    [['run', '--dataset', 'mnist', '--data', '.', '--ipc', 'ten'], /--ipc must be a number/],
    [['run', '--dataset', 'mnist', '--data', '.', '--method', 'xyz'], /--method must be one of dm, dc, krr/],
    [['run', '--dataset', 'mnist', '--data', '.', '--width=-3'], /--width must be at least 1/],
    [['run', '--dataset', 'mnist', '--data', '.', '--ipc', '500'], /--ipc must be at most 50/],
    [['run', '--dataset', 'mnist', '--data', '.', '--frobnicate', '1'], /unknown option '--frobnicate'/],
    [['run', '--dataset', 'mnist'], /--data DIR is required/],
    [['fly'], /unknown command 'fly' \(expected: run, eval\)/],
    [['eval', '--data', '.'], /--npz FILE is required/],
    [['eval', '--npz', 'set.npz', '--data', '.', '--eval-models', '0'], /distill eval needs --eval-epochs and --eval-models of at least 1/],
    [['eval', '--npz', 'set.npz', '--data', '.', '--dataset', 'svhn'], /--dataset must be one of mnist, fashion-mnist, cifar-10/],
    [['eval', '--npz', 'set.npz', '--data', '.', '--method', 'dm'], /unknown option '--method'/],
    [['run', '--dataset', 'mnist', '--data', '.', '--eval-arch', 'resnet'], /--eval-arch must be one of convnet, mlp \(got 'resnet'\)/],
    [['run', '--dataset', 'mnist', '--data', '.', '--threads', '16'], /--threads must be at most 8 \(got '16'\)/],
    [['run', '--dataset', 'mnist', '--data', '.', '--resident', 'gpu'], /--resident must be one of auto, on, off \(got 'gpu'\)/],
  ] as [string[], RegExp][])('rejects %j with a message naming the argument', (args, message) => {
    expect(() => parse(args)).toThrow(UsageError);
    expect(() => parse(args)).toThrow(message);
  });

  it('--help lists every flag of the table once, with its default', () => {
    const run = USAGE.split('\ndistill eval:')[0]!.split('\n');
    for (const s of SETTINGS.filter((x) => x.cli && x.param !== 'dataset')) {
      expect(run.filter((l) => l.startsWith(`  --${s.cli!.flag} `)).length, s.cli!.flag).toBe(1);
    }
    expect(USAGE).toContain('--sampler-alpha A');
    expect(USAGE).toMatch(/--syn-steps N +MTT: differentiable student steps per iteration \(default 4\)/);
    expect(USAGE).toMatch(/--ipc N +synthetic images per class \(default 10\)/);
    expect(USAGE.split('\n').every((l) => l.length <= 116)).toBe(true);
  });

  it('a flag of another method is refused, one line naming it', () => {
    expect(() => parse(['run', '--dataset', 'mnist', '--data', 'x', '--learn-labels', 'on'])).toThrow(/learn-labels|KRR/i);
  });

  it("a method's own setting where the run would not use it is refused: another method's, or DM's pool without --dm-net pool", () => {
    const run = (...more: string[]) => parse(['run', '--dataset', 'mnist', '--data', 'x', ...more]);
    expect(() => run('--pool-size', '5')).toThrow('--pool-size applies only with --dm-net pool');
    expect(() => run('--method', 'dc', '--ce-weight', '0')).toThrow('--ce-weight is a setting of --method dm (this run is --method dc)');
    expect(() => run('--method', 'dm', '--syn-steps', '8')).toThrow('--syn-steps is a setting of --method mtt (this run is --method dm)');
    // Where it applies, it is taken; a default written out is still a flag given.
    const ok = run('--dm-net', 'pool', '--pool-size', '5', '--ce-weight', '0');
    expect(configFromFlags(ok.args as RunArgs).dmPool).toMatchObject({ size: 5, ceWeight: 0 });
    expect(() => run('--method', 'mtt', '--syn-steps', '8')).not.toThrow();
  });

  it('a general setting its method does not use is refused, naming the methods that do; where used, it is taken', () => {
    const run = (...more: string[]) => parse(['run', '--dataset', 'mnist', '--data', 'x', ...more]);
    expect(() => run('--method', 'mtt', '--net-draw', 'host')).toThrow('--net-draw applies to --method dm, dc or krr (this run is --method mtt)');
    expect(() => run('--method', 'sre2l', '--sampler-pool', '100')).toThrow(/^--sampler-pool applies to --method dm, dc or krr/);
    expect(configFromFlags(run('--method', 'dc', '--net-draw', 'host').args as RunArgs).netDraw).toBe('host');
    // Not given: the default, device, for every method (a method that draws no networks ignores it).
    expect(configFromFlags(run('--method', 'mtt').args as RunArgs).netDraw).toBe('device');
  });

  it("--lr-labels sets KRR's label learning rate when it learns labels; not given, KRR's default (0.1)", () => {
    const run = (...more: string[]) => configFromFlags(parse(['run', '--dataset', 'mnist', '--data', 'x', '--method', 'krr', ...more]).args as RunArgs);
    expect(run('--learn-labels', 'on', '--lr-labels', '0.5').lrLabels).toBe(0.5);
    expect(run('--learn-labels', 'on').lrLabels).toBe(0.1);
    expect(run('--learn-labels', 'on', '--lr-labels', '0').lrLabels).toBe(0);
    // Without learned labels the record does not carry it.
    expect(run()).not.toHaveProperty('lrLabels');
  });

  it('eval takes the shared flags from the same table: dataset optional, backend and width checked as for run', () => {
    const e = parse(['eval', '--npz', 'set.npz', '--data', 'd', '--width', '16', '--seed', '3']);
    expect(e.command).toBe('eval');
    expect(e.args).toMatchObject({ npz: 'set.npz', width: 16, seed: 3, backend: 'auto' });
    expect((e.args as { dataset?: string }).dataset).toBeUndefined();
    expect(() => parse(['eval', '--npz', 'x', '--data', 'd', '--dataset', 'svhn'])).toThrow("--dataset must be one of mnist, fashion-mnist, cifar-10 (got 'svhn')");
    expect(() => parse(['eval', '--npz', 'x', '--data', 'd', '--backend', 'webgl'])).toThrow("--backend must be one of auto, wasm, cpu, webgpu (got 'webgl')");
    expect(() => parse(['run', '--data', 'd'])).toThrow(UsageError);
  });

  it('--lr-images and --momentum set the optimiser of the images; absent, each method keeps its own (its paper\'s)', () => {
    const run = (...more: string[]) => configFromFlags(parse(['run', '--dataset', 'mnist', '--data', 'x', ...more]).args as RunArgs);
    expect(run('--method', 'dc')).toMatchObject({ lrImages: 0.1, momentum: 0.5 });
    expect(run('--method', 'krr')).toMatchObject({ lrImages: 10, momentum: 0.9 });
    expect(run('--method', 'dc', '--lr-images', '5e-4', '--momentum', '0.9')).toMatchObject({ lrImages: 5e-4, momentum: 0.9 });
    expect(() => run('--momentum', '1')).toThrow("--momentum must be at most 0.999 (got '1')");
  });

  it("README's best-recipe command runs the preset Best at 1 per class (networks drawn on the host, as the bench drew them)", () => {
    // The command under README's "One image per class", joined across its continuation lines.
    const readme = fs.readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const commands = readme
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('npx distill run') && l.includes('--init kmeans') && l.includes('--iterations 1000'));
    expect(commands).toHaveLength(1);
    const parsed = parse(commands[0]!.split(/\s+/).slice(2));
    expect(parsed.command).toBe('run');
    const config = configFromFlags(parsed.args as RunArgs);
    expect(config.netDraw).toBe('host');
    expect(completeConfig({ ...config, netDraw: 'device' })).toEqual(completeConfig(presetById('best-ipc-1')!.config));
  });
});
