// Every method, sampler and initialiser from the command line, and the memory refusals.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runRecordSchema } from '../core/run/record';
import { decodeNpz } from '../core/data/npz';
import { datasetsDir } from '../testing/tf';
import { distillHere } from '../testing/cli';

describe('every method from the command line', { timeout: 300_000 }, () => {
  it.each(['dm', 'dc', 'krr', 'mtt'].flatMap((m) => [[m, 'wasm'], [m, 'cpu']]))('%s runs on %s and records its method and backend', async (method, backend) => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'distill-')), 'run.json');
    // cpu is the slow fallback: fewer expert images there.
    const expertImages = backend === 'cpu' ? 30 : 100;
    const mtt = method === 'mtt' ? ['--experts', '1', '--expert-images', String(expertImages), '--syn-steps', '2'] : [];
    const r = await distillHere(
      'run', '--dataset', 'mnist', '--data', datasetsDir(), '--method', method, '--ipc', '1', '--iterations', '1',
      '--width', '8', '--real', '4', '--eval-models', '0', '--backend', backend, '--out', out, ...mtt,
    );
    expect(r.status, r.stderr).toBe(0);
    const rec = runRecordSchema.parse(JSON.parse(fs.readFileSync(out, 'utf8')));
    expect(rec.config.method).toBe(method);
    expect(rec.backend).toBe(backend);
    expect(rec.iterations[0]!.loss).toBeGreaterThan(0);
    if (method === 'mtt') {
      expect(rec.config.mtt).toMatchObject({ syntheticSteps: 2, experts: 1, expertImagesPerEpoch: expertImages });
      expect(r.stderr).toMatch(/training expert 1 of 1: epoch 5 of 5/);
      expect(r.stderr).toMatch(new RegExp(`memory: about \\d+ MiB of the [\\d.]+ GiB ${backend} offers`));
    }
  });

  it('sre2l with --dwa on trains its teacher, records dwa and the diversity readouts, and writes soft_labels', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'distill-'));
    const [out, npz] = [path.join(dir, 'run.json'), path.join(dir, 'set.npz')];
    const r = await distillHere(
      'run', '--dataset', 'mnist', '--data', datasetsDir(), '--backend', 'wasm', '--method', 'sre2l', '--dwa', 'on', '--ipc', '2', '--iterations', '2',
      '--width', '4', '--teacher-epochs', '1', '--teacher-images', '128', '--dwa-steps', '2', '--eval-models', '0', '--out', out, '--npz', npz,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('training teacher: epoch 1 of 1');
    expect(r.stderr).toContain('adjusting the teacher for 2 batches (DWA)');
    const rec = runRecordSchema.parse(JSON.parse(fs.readFileSync(out, 'utf8')));
    expect(rec.config).toMatchObject({ method: 'sre2l', dwa: true, sre2l: { teacherEpochs: 1, teacherImages: 128, dwaSteps: 2 } });
    expect(Object.keys(rec.readouts ?? {})).toHaveLength(11);
    expect(rec.readouts!.diversity).toBeGreaterThan(0);
    const set = decodeNpz(new Uint8Array(fs.readFileSync(npz)));
    expect(set.softLabels?.length).toBe(20 * 10);
  });

  it('--eval-labels teacher relabels every set by the run\'s teacher and records it; refused without a teacher', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'distill-'));
    const out = path.join(dir, 'run.json');
    const flags = ['--dataset', 'mnist', '--data', datasetsDir(), '--backend', 'wasm', '--ipc', '1', '--iterations', '1', '--width', '4', '--eval-epochs', '2', '--eval-models', '1', '--test-images', '200', '--eval-dsa', 'on'];
    const r = await distillHere('run', ...flags, '--method', 'sre2l', '--teacher-epochs', '1', '--teacher-images', '128', '--eval-labels', 'teacher', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("evaluate random: 1 ConvNet(s) x 2 epochs with DSA, every batch relabelled by the run's teacher");
    const rec = runRecordSchema.parse(JSON.parse(fs.readFileSync(out, 'utf8')));
    expect(rec.evaluation).toMatchObject({ labels: 'teacher', dsa: true });
    for (const name of ['distilled', 'random', 'herding', 'kCenter'] as const) expect(rec.accuracy![name].runs).toHaveLength(1);
    // Only a method with a teacher can relabel; a .npz carries none.
    const dm = await distillHere('run', ...flags, '--method', 'dm', '--eval-labels', 'teacher');
    expect(dm.status).toBe(2);
    expect(dm.stderr.split('\n')[0]).toBe('distill: --eval-labels teacher needs a run with a teacher: --method sre2l (distill --help lists every option)');
    const npz = await distillHere('eval', '--npz', path.join(dir, 'none.npz'), '--data', datasetsDir(), '--eval-labels', 'teacher');
    expect(npz.status).toBe(2);
    expect(npz.stderr.split('\n')[0]).toMatch(/^distill: --eval-labels teacher: a \.npz carries no teacher to relabel with \(run --method sre2l --eval-labels teacher\)/);
  });

  it.each([
    ['kmeans', []],
    ['importance', []],
    ['importance', ['--init-draw', 'coreset']],
  ])('--init %s %j chooses real images and records them (importance: with weights)', async (init, extra) => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'distill-')), 'run.json');
    const r = await distillHere(
      'run', '--dataset', 'mnist', '--data', datasetsDir(), '--backend', 'wasm', '--init', init, '--init-pool', '30', '--ipc', '2', '--iterations', '1',
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
    const r = await distillHere(
      'run', '--dataset', 'mnist', '--data', datasetsDir(), '--backend', 'wasm', '--sampler', 'dream', '--sampler-interval', '2', '--sampler-pool', '20',
      '--ipc', '1', '--iterations', '2', '--width', '8', '--real', '4', '--eval-models', '0', '--out', out,
    );
    expect(r.status, r.stderr).toBe(0);
    const rec = runRecordSchema.parse(JSON.parse(fs.readFileSync(out, 'utf8')));
    expect(rec.config.sampler).toBe('dream');
    expect(rec.config.samplerSettings).toMatchObject({ interval: 2, pool: 20, alpha: 0.5 });
    const bad = await distillHere('run', '--dataset', 'mnist', '--data', datasetsDir(), '--backend', 'wasm', '--sampler', 'dream', '--sampler-alpha', '2');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--sampler-alpha must be between 0 and 1');
  });

  it('refuses an MTT run that would not fit in memory, before training anything', async () => {
    const r = await distillHere(
      'run', '--dataset', 'mnist', '--data', datasetsDir(), '--backend', 'wasm', '--method', 'mtt', '--ipc', '50', '--width', '128',
      '--syn-steps', '30', '--eval-models', '0',
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^distill: This MTT run needs about [\d.]+ GiB of memory; the wasm backend offers about 3.0 GiB\. Lower the student steps/m);
    expect(r.stderr).not.toMatch(/training expert/);
  });

  it('refuses a KRR run that would not fit in memory (width 128, 10 per class: the whole set under 4 networks), before any iteration', async () => {
    const r = await distillHere('run', '--dataset', 'mnist', '--data', datasetsDir(), '--backend', 'wasm', '--method', 'krr', '--ipc', '10', '--width', '128', '--eval-models', '0');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^distill: This KRR run needs about [\d.]+ GiB of memory; the wasm backend offers about 3.0 GiB\. Lower the images per class, the real images per class or the network width\.$/m);
    expect(r.stderr).not.toMatch(/iteration 1\//);
  });
});
