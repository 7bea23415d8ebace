// DM with IDM's network pool from the command line (issue 17): the flags, the record's config and readouts.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runRecordSchema } from '../core/run/record';
import { datasetsDir } from '../testing/tf';
import { distillHere } from '../testing/cli';

describe('distill run --dm-net pool', { timeout: 120_000 }, () => {
  it('records dmNet pool with its settings and the pool readouts; without it, a DM record names neither', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'distill-'));
    const out = path.join(dir, 'run.json');
    const r = await distillHere(
      'run', '--dataset', 'mnist', '--data', datasetsDir(), '--backend', 'wasm', '--method', 'dm', '--dm-net', 'pool', '--ipc', '1', '--iterations', '3',
      '--width', '4', '--real', '4', '--pool-size', '5', '--pool-interval', '1', '--pool-steps', '1', '--pool-batch', '20', '--ce-weight', '10', '--eval-models', '0', '--out', out,
    );
    expect(r.status, r.stderr).toBe(0);
    const rec = runRecordSchema.parse(JSON.parse(fs.readFileSync(out, 'utf8')));
    expect(rec.config).toMatchObject({ method: 'dm', dmNet: 'pool', dmPool: { size: 5, interval: 1, trainNets: 2, steps: 1, batch: 20, ceWeight: 10 } });
    // 3 at the start and one joining at each of the 3 iterations, at most 5.
    expect(rec.readouts?.poolNetworks).toBe(5);
    expect(rec.readouts?.poolRealLoss).toBeGreaterThan(0);
    const plain = path.join(dir, 'plain.json');
    const p = await distillHere('run', '--dataset', 'mnist', '--data', datasetsDir(), '--backend', 'wasm', '--ipc', '1', '--iterations', '1', '--width', '4', '--real', '4', '--eval-models', '0', '--out', plain);
    expect(p.status, p.stderr).toBe(0);
    const cfg = runRecordSchema.parse(JSON.parse(fs.readFileSync(plain, 'utf8'))).config;
    expect(cfg).not.toHaveProperty('dmNet');
    expect(cfg).not.toHaveProperty('dmPool');
  });

  it('refuses --dm-net pool for another method', async () => {
    const r = await distillHere('run', '--dataset', 'mnist', '--data', datasetsDir(), '--method', 'krr', '--dm-net', 'pool', '--iterations', '1');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('--dm-net pool needs --method dm');
  });
});
