// The distill command's evaluation (the protocol beside the baselines) and its .npz files (run --npz, eval --npz).
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { runRecordSchema } from '../core/run/record';
import { classMajorSet, decodeNpz, encodeNpz } from '../core/data/npz';
import { DATASETS } from '../core/data/registry';
import { datasetsDir } from '../testing/tf';
import { distillHere } from '../testing/cli';

// Each test trains and tests networks (in this process: src/testing/cli.ts): minutes when the machine is busy (a timeout, not a speed
// check). Every evaluation also embeds the whole training set for herding and k-center, so the tests share
// processes: each `distill` call below carries the checks of several features.
describe('the distill command with evaluation and .npz files', { timeout: 600_000 }, () => {
  it('run --npz writes the set and reports it beside random, herding and k-center; eval --npz evaluates it exactly as run did', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'distill-'));
    const npz = path.join(dir, 'sets', 'set.npz');
    const evalFlags = ['--eval-epochs', '2', '--eval-models', '2', '--width', '4', '--seed', '3', '--test-images', '500', '--backend', 'wasm'];
    const r = await distillHere(
      'run', '--dataset', 'mnist', '--data', datasetsDir(), '--ipc', '1', '--iterations', '1', '--real', '8',
      ...evalFlags, '--npz', npz, '--out', path.join(dir, 'run.json'),
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`wrote ${npz}`);
    expect(r.stderr).toMatch(/accuracy kCenter: /);
    // Each set's accuracy is printed as soon as that set is done (a long evaluation stopped during the baselines
    // keeps the distilled set's number), and each printed number is the recorded one.
    const lines = r.stderr.split('\n');
    const at = (prefix: string) => lines.findIndex((l) => l.startsWith(prefix));
    expect(at('accuracy distilled: ')).toBeGreaterThan(at('evaluate distilled: '));
    expect(at('accuracy distilled: ')).toBeLessThan(at('evaluate random: '));
    expect(at('accuracy random: ')).toBeLessThan(at('evaluate herding: '));
    const rec = runRecordSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')));
    expect(rec.evaluation).toEqual({ epochs: 2, models: 2, width: 4, architecture: 'convnet', testImages: 500, dsa: false, cutmix: false, lrSchedule: 'half', labels: 'hard' });
    for (const name of ['distilled', 'random', 'herding', 'kCenter'] as const) {
      const acc = rec.accuracy![name];
      expect(lines).toContain(`accuracy ${name}: ${(acc.mean * 100).toFixed(2)} ± ${(acc.std * 100).toFixed(2)} %`);
      expect(acc.runs).toHaveLength(2);
      // Each network's accuracy is printed once it is tested, under its set's heading, as recorded.
      const from = at(`evaluate ${name}: `);
      expect(lines.slice(from + 1, from + 3)).toEqual(acc.runs.map((x, m) => `  network ${m + 1}/2: ${(x * 100).toFixed(2)} %`));
      expect(acc.mean).toBeGreaterThan(0);
      expect(acc.mean).toBeLessThanOrEqual(1);
    }
    const set = decodeNpz(new Uint8Array(fs.readFileSync(npz)));
    expect(set).toMatchObject({ dataset: 'mnist', shape: [28, 28, 1], ipc: 1, meta: { method: 'dm', app: rec.app } });
    expect(set.meta.config).toEqual(rec.config);
    expect(Array.from(set.labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // The file holds the run's synthetic pixels, bit for bit.
    const { createHash } = await import('node:crypto');
    expect(createHash('sha256').update(new Uint8Array(set.pixels.buffer)).digest('hex')).toBe(rec.syntheticSha256);

    const out = path.join(dir, 'eval.json');
    const e = await distillHere('eval', '--npz', npz, '--data', datasetsDir(), ...evalFlags, '--out', out);
    expect(e.status, e.stderr).toBe(0);
    expect(e.stderr).toContain(`${npz}: 10 mnist images, 1 per class`);
    expect(e.stderr).toMatch(/accuracy kCenter: /);
    const ev = JSON.parse(fs.readFileSync(out, 'utf8')) as Record<string, unknown> & { accuracy: NonNullable<typeof rec.accuracy> };
    expect(ev).toMatchObject({
      schema: 'distill-playground/eval-record@1',
      npz: { file: npz, images: 10, ipc: 1, meta: { method: 'dm' } },
      dataset: { id: 'mnist', testCount: 10000 },
      backend: 'wasm',
      evaluation: { epochs: 2, models: 2, width: 4, testImages: 500 },
    });
    for (const name of ['distilled', 'random', 'herding', 'kCenter'] as const) {
      expect(ev.accuracy[name].runs).toHaveLength(2);
      expect(ev.accuracy[name].mean).toBeGreaterThan(0);
      // Same set, same protocol, same seed: the same numbers as the run's own evaluation.
      expect(ev.accuracy[name]).toEqual(rec.accuracy![name]);
    }
  });

  // Two evaluations (run, then eval of its .npz).
  it('krr --learn-labels on writes soft_labels to the .npz; --eval-labels soft trains on them, records it; eval of the .npz reproduces it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'distill-'));
    const npz = path.join(dir, 'set.npz');
    const flags = ['--width', '4', '--eval-epochs', '2', '--eval-models', '1', '--eval-labels', 'soft', '--test-images', '500', '--backend', 'wasm'];
    const r = await distillHere(
      'run', '--dataset', 'mnist', '--data', datasetsDir(), '--method', 'krr', '--learn-labels', 'on', '--ipc', '1',
      '--iterations', '2', '--real', '4', ...flags, '--out', path.join(dir, 'run.json'), '--npz', npz,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/evaluate distilled: 1 ConvNet\(s\) x 2 epochs on soft labels/);
    expect(r.stderr).not.toMatch(/evaluate random: .*soft/);
    const rec = runRecordSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')));
    expect(rec.config).toMatchObject({ method: 'krr', learnLabels: true });
    expect(rec.evaluation).toMatchObject({ labels: 'soft', dsa: false });
    // The learned labels are in the .npz as soft_labels, float32 [images, classes] ...
    const members = unzipSync(new Uint8Array(fs.readFileSync(npz)));
    const header = new TextDecoder().decode(members['soft_labels.npy']!.subarray(10, 80));
    expect(header).toMatch(/'descr': '<f4'.*'shape': \(10, 10\)/);
    // ... and the class labels are still there for every reader.
    expect(decodeNpz(new Uint8Array(fs.readFileSync(npz))).labels).toEqual(Int32Array.from({ length: 10 }, (_, i) => i));
    // An older record, without evaluation.labels (hard), still reads.
    const { labels: _labels, ...older } = rec.evaluation!;
    expect(runRecordSchema.parse({ ...rec, evaluation: older }).evaluation).not.toHaveProperty('labels');
    const out = path.join(dir, 'eval.json');
    const e = await distillHere('eval', '--npz', npz, '--data', datasetsDir(), ...flags, '--out', out);
    expect(e.status, e.stderr).toBe(0);
    const ev = JSON.parse(fs.readFileSync(out, 'utf8')) as { evaluation: unknown; accuracy: NonNullable<typeof rec.accuracy> };
    expect(ev.evaluation).toMatchObject({ labels: 'soft' });
    // The same set, soft labels and protocol: the same numbers as the run's own evaluation.
    expect(ev.accuracy).toEqual(rec.accuracy);
    // Only KRR learns labels; sets without soft labels are refused with --eval-labels soft.
    const dmLearn = await distillHere('run', '--dataset', 'mnist', '--data', datasetsDir(), '--backend', 'wasm', '--method', 'dm', '--learn-labels', 'on', '--iterations', '1');
    expect(dmLearn.status).toBe(2);
    expect(dmLearn.stderr.split('\n')[0]).toMatch(/--learn-labels on needs --method krr/);
    const dm = await distillHere('run', '--dataset', 'mnist', '--data', datasetsDir(), '--method', 'dm', '--eval-labels', 'soft', '--iterations', '1');
    expect(dm.status).toBe(2);
    expect(dm.stderr.split('\n')[0]).toMatch(/--eval-labels soft needs a set with soft labels: --method krr --learn-labels on/);
    const hardOnly = path.join(dir, 'hard.npz');
    fs.writeFileSync(hardOnly, encodeNpz(classMajorSet(DATASETS.mnist, new Float32Array(10 * 784), 1)));
    const none = await distillHere('eval', '--npz', hardOnly, '--data', datasetsDir(), ...flags);
    expect(none.status).toBe(2);
    expect(none.stderr.trimEnd().split('\n')).toEqual([`distill: --eval-labels soft: ${hardOnly} has no soft_labels array (only KRR with --learn-labels on or SRE2L writes one)`]);
    const bad = await distillHere('eval', '--npz', hardOnly, '--data', datasetsDir(), '--eval-labels', 'mixed');
    expect(bad.status).toBe(2);
    expect(bad.stderr.split('\n')[0]).toMatch(/--eval-labels must be one of hard, soft, teacher \(got 'mixed'\)/);
  });

  // Two evaluations (run, then eval of its .npz).
  it('--factor 2 records the factor, writes stored and decoded images to the .npz; --eval-dsa on is recorded; --eval-arch mlp evaluates every set with MLPs, --eval-cutmix on with CutMix, --eval-lr-schedule idc with IDC’s schedule', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'distill-'));
    const r = await distillHere(
      'run', '--dataset', 'mnist', '--data', datasetsDir(), '--backend', 'wasm', '--method', 'dm', '--factor', '2', '--ipc', '1', '--iterations', '1',
      '--width', '4', '--real', '8', '--eval-epochs', '2', '--eval-models', '1', '--eval-dsa', 'on', '--test-images', '500', '--out', path.join(dir, 'run.json'), '--npz', path.join(dir, 'set.npz'),
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/evaluate distilled: 1 ConvNet\(s\) x 2 epochs with DSA/);
    const rec = runRecordSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')));
    expect(rec.config).toMatchObject({ method: 'dm', factor: 2 });
    expect(rec.evaluation).toMatchObject({ dsa: true });
    const members = unzipSync(new Uint8Array(fs.readFileSync(path.join(dir, 'set.npz'))));
    const header = (name: string) => new TextDecoder().decode(members[name]!.subarray(10, 80));
    expect(header('images.npy')).toMatch(/'shape': \(10, 1, 28, 28\)/);
    expect(header('decoded_images.npy')).toMatch(/'shape': \(40, 1, 28, 28\)/);
    expect(header('factor.npy')).toMatch(/'descr': '<i8'.*'shape': \(\)/);
    // distill eval trains on the decoded images too, as run did, with the baselines at the stored images per class;
    // here with MLPs (--eval-arch mlp) on the whole test set (no --test-images: the protocol).
    const out = path.join(dir, 'eval.json');
    const ev = await distillHere('eval', '--npz', path.join(dir, 'set.npz'), '--data', datasetsDir(), '--backend', 'wasm', '--eval-epochs', '1', '--eval-models', '1', '--eval-arch', 'mlp', '--eval-cutmix', 'on', '--eval-lr-schedule', 'idc', '--width', '4', '--out', out);
    expect(ev.status, ev.stderr).toBe(0);
    expect(ev.stderr).toContain('multi-formation factor 2: evaluating the 40 decoded images (the baselines keep 1 real images per class)');
    expect(ev.stderr).toMatch(/evaluate distilled: 1 MLP\(s\) x 1 epochs with CutMix, IDC's lr schedule/);
    const evRec = JSON.parse(fs.readFileSync(out, 'utf8')) as { evaluation: unknown; accuracy: NonNullable<typeof rec.accuracy> };
    expect(evRec.evaluation).toMatchObject({ architecture: 'mlp', epochs: 1, models: 1, testImages: 10000, dsa: false, cutmix: true, lrSchedule: 'idc' });
    for (const name of ['distilled', 'random', 'herding', 'kCenter'] as const) expect(evRec.accuracy[name].runs).toHaveLength(1);
    const bad = await distillHere('run', '--dataset', 'mnist', '--data', datasetsDir(), '--backend', 'wasm', '--method', 'mtt', '--factor', '2');
    expect(bad.status).toBe(2);
    expect(bad.stderr.split('\n')[0]).toMatch(/--factor needs --method dm, dc or krr/);
  });

  it('eval names a corrupt, missing or mismatched file in one line and exits non-zero', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'distill-'));
    const bad = path.join(dir, 'bad.npz');
    fs.writeFileSync(bad, 'PK\x03\x04 this is not a zip archive');
    const notZip = path.join(dir, 'notzip.npz');
    fs.writeFileSync(notZip, 'hello');
    const mnist = path.join(dir, 'mnist.npz');
    fs.writeFileSync(mnist, encodeNpz(classMajorSet(DATASETS.mnist, new Float32Array(10 * 784), 1)));
    const cases: [string[], number, RegExp][] = [
      [['--npz', mnist, '--dataset', 'cifar-10'], 1, new RegExp(`^distill: ${mnist}: the file holds a mnist set, not cifar-10$`)],
      [['--npz', bad], 1, new RegExp(`^distill: ${bad}: not a readable \\.npz: the zip archive is damaged or cut short`)],
      [['--npz', notZip], 1, new RegExp(`^distill: ${notZip}: not an \\.npz file \\(no zip signature PK\\)$`)],
      [['--npz', path.join(dir, 'absent.npz')], 2, /^distill: --npz .*absent\.npz: no such file$/],
    ];
    for (const [args, status, message] of cases) {
      const r = await distillHere('eval', ...args, '--data', datasetsDir());
      expect(r.status, r.stderr).toBe(status);
      expect(r.stderr.split('\n')[0]).toMatch(message);
      if (status === 1) expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
