import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runRecordSchema } from '../core/run/record';
import { datasetsDir } from '../testing/tf';

const root = path.resolve(import.meta.dirname, '../..');
/** Runs the command without blocking the test worker's event loop (a blocked worker times out vitest's RPC). */
function distill(...args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', [path.join(root, 'bin/distill.mjs'), ...args], { cwd: root });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

describe('the distill command', () => {
  it.each([
    [['run', '--dataset', 'svhn', '--data', '.'], /--dataset must be one of mnist, fashion-mnist, cifar-10 \(got 'svhn'\)/],
    [['run', '--dataset', 'mnist', '--data', '.', '--ipc', 'ten'], /--ipc must be a number/],
    [['run', '--dataset', 'mnist', '--data', '.', '--method', 'xyz'], /--method must be one of dm, dc, krr/],
    [['run', '--dataset', 'mnist', '--data', '.', '--width=-3'], /--width must be at least 1/],
    [['run', '--dataset', 'mnist', '--data', '.', '--ipc', '500'], /--ipc must be at most 50/],
    [['run', '--dataset', 'mnist', '--data', '.', '--frobnicate', '1'], /unknown option '--frobnicate'/],
    [['run', '--dataset', 'mnist'], /--data DIR is required/],
    [['fly'], /unknown command 'fly'/],
  ])('rejects %j with a message naming the argument and exit code 2, no stack trace', async (args, message) => {
    const r = await distill(...args);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a data folder that does not exist is named in one line', async () => {
    const r = await distill('run', '--dataset', 'mnist', '--data', '/nonexistent/datasets', '--eval-models', '0');
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(/--data \/nonexistent\/datasets: no such folder/);
  });

  it('writes a valid run record and a PNG; the same seed gives the same synthetic bytes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'distill-'));
    const run = (out: string, png?: string) =>
      distill(
        'run', '--dataset', 'mnist', '--data', datasetsDir(), '--ipc', '1', '--iterations', '2', '--width', '8',
        '--real', '8', '--eval-models', '0', '--seed', '7', '--out', out, ...(png ? ['--png', png] : []),
      );
    const a = await run(path.join(dir, 'a.json'), path.join(dir, 'grid.png'));
    expect(a.status, a.stderr).toBe(0);
    expect(a.stderr).toMatch(/iteration 2\/2/);
    const b = await run(path.join(dir, 'b.json'));
    expect(b.status, b.stderr).toBe(0);
    const ra = runRecordSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, 'a.json'), 'utf8')));
    const rb = runRecordSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, 'b.json'), 'utf8')));
    expect(ra.config).toMatchObject({ dataset: 'mnist', method: 'dm', ipc: 1, iterations: 2, width: 8, seed: 7, depth: 3 });
    expect(ra.iterations.map((p) => p.iteration)).toEqual([1, 2]);
    expect(ra.backend).toBe('wasm');
    expect(ra.syntheticSha256).toBe(rb.syntheticSha256);
    const png = fs.readFileSync(path.join(dir, 'grid.png'));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    // 1 column x 10 rows of 28x28 cells, 1-pixel gaps, scaled x4.
    expect(png.readUInt32BE(16)).toBe(28 * 4);
    expect(png.readUInt32BE(20)).toBe((10 * 28 + 9) * 4);
  });
});

describe('the distill command with evaluation', () => {
  it('reports the distilled set beside random, herding and k-center under the protocol', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'distill-')), 'run.json');
    const r = await distill(
      'run', '--dataset', 'mnist', '--data', datasetsDir(), '--ipc', '1', '--iterations', '1', '--width', '8',
      '--real', '8', '--eval-epochs', '2', '--eval-models', '2', '--out', out,
    );
    expect(r.status, r.stderr).toBe(0);
    const rec = runRecordSchema.parse(JSON.parse(fs.readFileSync(out, 'utf8')));
    expect(rec.evaluation).toEqual({ epochs: 2, models: 2, width: 8, testImages: 10000 });
    for (const name of ['distilled', 'random', 'herding', 'kCenter'] as const) {
      const acc = rec.accuracy![name];
      expect(acc.runs).toHaveLength(2);
      expect(acc.mean).toBeGreaterThan(0);
      expect(acc.mean).toBeLessThanOrEqual(1);
    }
    expect(r.stderr).toMatch(/accuracy kCenter: /);
  });
});

describe('every method from the command line', () => {
  it.each(['dm', 'dc', 'krr', 'mtt'])('%s runs and records its method', async (method) => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'distill-')), 'run.json');
    const mtt = method === 'mtt' ? ['--experts', '1', '--expert-images', '100', '--syn-steps', '2'] : [];
    const r = await distill(
      'run', '--dataset', 'mnist', '--data', datasetsDir(), '--method', method, '--ipc', '1', '--iterations', '1',
      '--width', '8', '--real', '4', '--eval-models', '0', '--out', out, ...mtt,
    );
    expect(r.status, r.stderr).toBe(0);
    const rec = runRecordSchema.parse(JSON.parse(fs.readFileSync(out, 'utf8')));
    expect(rec.config.method).toBe(method);
    expect(rec.iterations[0]!.loss).toBeGreaterThan(0);
    if (method === 'mtt') {
      expect(rec.config.mtt).toMatchObject({ syntheticSteps: 2, experts: 1, expertImagesPerEpoch: 100 });
      expect(r.stderr).toMatch(/training expert 1 of 1: epoch 5 of 5/);
      expect(r.stderr).toMatch(/memory: about \d+ MiB of the [\d.]+ GiB wasm offers/);
    }
  });

  it.each([
    ['kmeans', []],
    ['importance', []],
    ['importance', ['--init-draw', 'coreset']],
  ])('--init %s %j chooses real images and records them (importance: with weights)', async (init, extra) => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'distill-')), 'run.json');
    const r = await distill(
      'run', '--dataset', 'mnist', '--data', datasetsDir(), '--init', init, '--init-pool', '30', '--ipc', '2', '--iterations', '1',
      '--width', '8', '--real', '4', '--eval-models', '0', '--out', out, ...extra,
    );
    expect(r.status, r.stderr).toBe(0);
    const rec = runRecordSchema.parse(JSON.parse(fs.readFileSync(out, 'utf8')));
    expect(rec.config).toMatchObject({ init, initFeatures: 'embed', initPool: 30 });
    expect(rec.config.initDraw).toBe(init === 'importance' ? (extra[1] ?? 'sample') : undefined);
    expect(rec.initial!.indices.map((c) => c.length)).toEqual(new Array(10).fill(2));
    if (init === 'importance') expect(rec.initial!.weights!.map((c) => c.length)).toEqual(new Array(10).fill(2));
    else expect(rec.initial!.weights).toBeUndefined();
    expect(r.stderr).toContain('class 10 of 10');
  });

  it('--sampler dream draws representative batches and records the sampler settings', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'distill-')), 'run.json');
    const r = await distill(
      'run', '--dataset', 'mnist', '--data', datasetsDir(), '--sampler', 'dream', '--sampler-interval', '2', '--sampler-pool', '20',
      '--ipc', '1', '--iterations', '2', '--width', '8', '--real', '4', '--eval-models', '0', '--out', out,
    );
    expect(r.status, r.stderr).toBe(0);
    const rec = runRecordSchema.parse(JSON.parse(fs.readFileSync(out, 'utf8')));
    expect(rec.config.sampler).toBe('dream');
    expect(rec.config.samplerSettings).toMatchObject({ interval: 2, pool: 20, alpha: 0.5 });
    const bad = await distill('run', '--dataset', 'mnist', '--data', datasetsDir(), '--sampler', 'dream', '--sampler-alpha', '2');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--sampler-alpha must be between 0 and 1');
  });

  it('refuses an MTT run that would not fit in memory, before training anything', async () => {
    const r = await distill(
      'run', '--dataset', 'mnist', '--data', datasetsDir(), '--method', 'mtt', '--ipc', '50', '--width', '128',
      '--syn-steps', '30', '--eval-models', '0',
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^distill: This MTT run needs about [\d.]+ GiB of memory; the wasm backend offers about 3.0 GiB\. Lower the student steps/m);
    expect(r.stderr).not.toMatch(/training expert/);
  });
});
