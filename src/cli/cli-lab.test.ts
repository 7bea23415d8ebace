// `distill lab multi-index` from the command line: the curve on stdout, the record, and bad flags.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { distillHere } from '../testing/cli';
import type { LabResult } from '../shared/lab';
import { parseLabArgs } from './lab';

describe('distill lab multi-index', { timeout: 120_000 }, () => {
  it('prints the curve and writes a record whose numbers are the printed ones', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'distill-lab-')), 'lab.json');
    const r = await distillHere('lab', 'multi-index', '--d', '8', '--r', '2', '--link', 'norm', '--width', '8', '--points', '2,4', '--iterations', '5', '--train', '256', '--batch', '64', '--test', '200', '--eval-steps', '10', '--eval-nets', '1', '--seed', '3', '--backend', 'cpu', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    const record = JSON.parse(fs.readFileSync(out, 'utf8')) as { schema: string; backend: string; result: LabResult };
    expect(record.schema).toBe('distill-playground/lab-record@1');
    expect(record.backend).toBe('cpu');
    expect(record.result.config).toMatchObject({ d: 8, r: 2, link: 'norm', width: 8, points: [2, 4], iterations: 5, seed: 3 });
    expect(record.result.curve.map((p) => p.m)).toEqual([2, 4]);
    expect(record.result.chance).toBe(0.25);
    const rows = r.stdout.split('\n').filter((l) => /^\d+\t/.test(l));
    expect(rows).toHaveLength(2);
    expect(rows[1]!.split('\t')[2]).toBe((100 * record.result.curve[1]!.fraction.distilled).toFixed(1));
    expect(r.stdout).toMatch(/r\/d = 25\.0 %/);
  });

  it('names the bad flag', () => {
    for (const [args, message] of [
      [['--link', 'cubic'], /--link must be one of parity, norm, relu \(got 'cubic'\)/],
      [['--points', '8,4'], /--points: points must increase/],
      [['--d', '4', '--r', '5'], /--r: r must be at most d/],
      [['--width', 'x'], /--width must be a number/],
      [['--eval-nets', '0'], /--eval-nets: /],
      [['--nope', '1'], /unknown option '--nope'/],
    ] as const) {
      expect(() => parseLabArgs([...args]), args.join(' ')).toThrow(message);
    }
    expect(parseLabArgs(['--points', '3,5', '--link', 'parity'])).toMatchObject({ backend: 'wasm', config: { points: [3, 5], link: 'parity' } });
  });

  it('exits 2 with one line on a bad flag or lab', async () => {
    const r = await distillHere('lab', 'two-index');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^distill: unknown lab 'two-index' \(expected: multi-index\)/);
  });
});
