import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { runRecordSchema } from '../core/run/record';
import { classMajorSet, decodeNpz, encodeNpz } from '../core/data/npz';
import { DATASETS } from '../core/data/registry';
import { datasetsDir } from '../testing/tf';
import { CLI_ARGS, DATASET_FILES, IMPORTS, variantFiles } from '../testing/bad-inputs';
import { getDataset } from '../core/data/registry';

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
    [['fly'], /unknown command 'fly' \(expected: run, eval\)/],
    [['eval', '--data', '.'], /--npz FILE is required/],
    [['eval', '--npz', 'set.npz', '--data', '.', '--eval-models', '0'], /distill eval needs --eval-epochs and --eval-models of at least 1/],
    [['eval', '--npz', 'set.npz', '--data', '.', '--dataset', 'svhn'], /--dataset must be one of mnist, fashion-mnist, cifar-10/],
    [['eval', '--npz', 'set.npz', '--data', '.', '--method', 'dm'], /unknown option '--method'/],
    [['run', '--dataset', 'mnist', '--data', '.', '--eval-arch', 'resnet'], /--eval-arch must be one of convnet, mlp \(got 'resnet'\)/],
    [['run', '--dataset', 'mnist', '--data', '.', '--threads', '16'], /--threads must be at most 8 \(got '16'\)/],
  ])('rejects %j with a message naming the argument and exit code 2, no stack trace', async (args, message) => {
    const r = await distill(...args);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a data folder that does not exist is named in one line', async () => {
    const r = await distill('run', '--dataset', 'mnist', '--data', '/nonexistent/datasets', '--eval-models', '0');
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual(['distill: --data /nonexistent/datasets: no such folder']);
  });

  it("a dataset's folder holding another dataset's files is refused, naming what they are", async () => {
    const r = await distill('run', '--dataset', 'mnist', '--data', path.join(datasetsDir(), 'fashion-mnist'), '--eval-models', '0');
    expect(r.status).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no complete set of MNIST files, neither in .* nor in .* itself .*; the files there are Fashion-MNIST's \(--dataset fashion-mnist\)/);
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
    expect(a.stderr).toContain(`from ${path.join(datasetsDir(), 'mnist')} (under the datasets folder ${datasetsDir()})`);
    // The folder of MNIST's own files works as --data too, and gives the same set.
    const b = await distill(
      'run', '--dataset', 'mnist', '--data', path.join(datasetsDir(), 'mnist'), '--ipc', '1', '--iterations', '2', '--width', '8',
      '--real', '8', '--eval-models', '0', '--seed', '7', '--out', path.join(dir, 'b.json'),
    );
    expect(b.status, b.stderr).toBe(0);
    expect(b.stderr).toContain(`from ${path.join(datasetsDir(), 'mnist')} (the dataset's own folder)`);
    // No banner from TensorFlow.js about tfjs-node: the command says which backend it uses.
    for (const r of [a, b]) expect(r.stderr).not.toMatch(/looks like you are running TensorFlow\.js in Node/);
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

describe('wasm threads in Node', () => {
  it.each(['dm', 'dc', 'krr'])('%s: --threads 2 runs the threaded build and gives the same synthetic bytes as --threads 1', async (method) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'distill-'));
    const run = (threads: number) =>
      distill(
        'run', '--dataset', 'mnist', '--data', datasetsDir(), '--method', method, '--ipc', method === 'dc' ? '1' : '2', '--iterations', '2',
        '--width', '16', '--real', '16', '--eval-models', '0', '--threads', String(threads), '--out', path.join(dir, `${threads}.json`),
      );
    const one = await run(1);
    expect(one.status, one.stderr).toBe(0);
    const two = await run(2);
    expect(two.status, two.stderr).toBe(0);
    expect(two.stderr).toMatch(/backend wasm \(SIMD, 2 threads\)/);
    const [r1, r2] = [1, 2].map((t) => runRecordSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, `${t}.json`), 'utf8'))));
    // Auto measured (webgpu needs the optional package, cpu's matmul was far slower) and the record says so.
    expect(r1!.backendDetail).toMatch(/^SIMD, 1 thread; auto: wasm \(SIMD, 1 thread\): [\d.]+ s\/it; /);
    expect(r2!.backendDetail).toMatch(/^SIMD, 2 threads; auto: wasm \(SIMD, 2 threads\): [\d.]+ s\/it; .*cpu (not timed|[\d.]+ s\/it)/);
    expect(r2!.backendDetail).toMatch(/webgpu failed/);
    expect(r2!.syntheticSha256).toBe(r1!.syntheticSha256);
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
    expect(rec.evaluation).toEqual({ epochs: 2, models: 2, width: 8, architecture: 'convnet', testImages: 10000, dsa: false, labels: 'hard' });
    for (const name of ['distilled', 'random', 'herding', 'kCenter'] as const) {
      const acc = rec.accuracy![name];
      expect(acc.runs).toHaveLength(2);
      expect(acc.mean).toBeGreaterThan(0);
      expect(acc.mean).toBeLessThanOrEqual(1);
    }
    expect(r.stderr).toMatch(/accuracy kCenter: /);
  });

  it('krr --learn-labels on learns the labels, records it, and writes them to the .npz as soft_labels', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'distill-'));
    const r = await distill(
      'run', '--dataset', 'mnist', '--data', datasetsDir(), '--method', 'krr', '--learn-labels', 'on', '--ipc', '1',
      '--iterations', '2', '--width', '8', '--real', '4', '--eval-models', '0', '--out', path.join(dir, 'run.json'), '--npz', path.join(dir, 'set.npz'),
    );
    expect(r.status, r.stderr).toBe(0);
    const rec = runRecordSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')));
    expect(rec.config).toMatchObject({ method: 'krr', learnLabels: true });
    const members = unzipSync(new Uint8Array(fs.readFileSync(path.join(dir, 'set.npz'))));
    const header = new TextDecoder().decode(members['soft_labels.npy']!.subarray(10, 80));
    expect(header).toMatch(/'descr': '<f4'.*'shape': \(10, 10\)/);
    // The class labels are still there for every reader.
    expect(decodeNpz(new Uint8Array(fs.readFileSync(path.join(dir, 'set.npz')))).labels).toEqual(Int32Array.from({ length: 10 }, (_, i) => i));
    const dm = await distill('run', '--dataset', 'mnist', '--data', datasetsDir(), '--method', 'dm', '--learn-labels', 'on', '--iterations', '1');
    expect(dm.status).toBe(2);
    expect(dm.stderr.split('\n')[0]).toMatch(/--learn-labels on needs --method krr/);
  });

  // Two evaluations (run, then eval of its .npz).
  it('--eval-labels soft trains the distilled set on its learned labels, records it; eval of the .npz reproduces it', { timeout: 300_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'distill-'));
    const npz = path.join(dir, 'set.npz');
    const flags = ['--width', '8', '--eval-epochs', '2', '--eval-models', '1', '--eval-labels', 'soft'];
    const r = await distill(
      'run', '--dataset', 'mnist', '--data', datasetsDir(), '--method', 'krr', '--learn-labels', 'on', '--ipc', '1',
      '--iterations', '2', '--real', '4', ...flags, '--out', path.join(dir, 'run.json'), '--npz', npz,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/evaluate distilled: 1 ConvNet\(s\) x 2 epochs on soft labels/);
    expect(r.stderr).not.toMatch(/evaluate random: .*soft/);
    const rec = runRecordSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')));
    expect(rec.evaluation).toMatchObject({ labels: 'soft', dsa: false });
    // An older record, without evaluation.labels (hard), still reads.
    const { labels: _labels, ...older } = rec.evaluation!;
    expect(runRecordSchema.parse({ ...rec, evaluation: older }).evaluation).not.toHaveProperty('labels');
    const out = path.join(dir, 'eval.json');
    const e = await distill('eval', '--npz', npz, '--data', datasetsDir(), ...flags, '--out', out);
    expect(e.status, e.stderr).toBe(0);
    const ev = JSON.parse(fs.readFileSync(out, 'utf8')) as { evaluation: unknown; accuracy: NonNullable<typeof rec.accuracy> };
    expect(ev.evaluation).toMatchObject({ labels: 'soft' });
    // The same set, soft labels and protocol: the same numbers as the run's own evaluation.
    expect(ev.accuracy).toEqual(rec.accuracy);
    // Sets without soft labels are refused with --eval-labels soft.
    const dm = await distill('run', '--dataset', 'mnist', '--data', datasetsDir(), '--method', 'dm', '--eval-labels', 'soft', '--iterations', '1');
    expect(dm.status).toBe(2);
    expect(dm.stderr.split('\n')[0]).toMatch(/--eval-labels soft needs a set with soft labels: --method krr --learn-labels on/);
    const hardOnly = path.join(dir, 'hard.npz');
    fs.writeFileSync(hardOnly, encodeNpz(classMajorSet(DATASETS.mnist, new Float32Array(10 * 784), 1)));
    const none = await distill('eval', '--npz', hardOnly, '--data', datasetsDir(), ...flags);
    expect(none.status).toBe(2);
    expect(none.stderr.trimEnd().split('\n')).toEqual([`distill: --eval-labels soft: ${hardOnly} has no soft_labels array (only KRR with --learn-labels on writes one)`]);
    const bad = await distill('eval', '--npz', hardOnly, '--data', datasetsDir(), '--eval-labels', 'mixed');
    expect(bad.status).toBe(2);
    expect(bad.stderr.split('\n')[0]).toMatch(/--eval-labels must be one of hard, soft \(got 'mixed'\)/);
  });

  // Two evaluations (run, then eval of its .npz): more than the default 120 s when the machine is busy.
  it('--factor 2 records the factor, writes stored and decoded images to the .npz; --eval-dsa on is recorded', { timeout: 300_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'distill-'));
    const r = await distill(
      'run', '--dataset', 'mnist', '--data', datasetsDir(), '--method', 'dm', '--factor', '2', '--ipc', '1', '--iterations', '1',
      '--width', '8', '--real', '8', '--eval-epochs', '2', '--eval-models', '1', '--eval-dsa', 'on', '--out', path.join(dir, 'run.json'), '--npz', path.join(dir, 'set.npz'),
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
    // distill eval trains on the decoded images too, as run did, with the baselines at the stored images per class.
    const ev = await distill('eval', '--npz', path.join(dir, 'set.npz'), '--data', datasetsDir(), '--eval-epochs', '1', '--eval-models', '1', '--width', '8', '--out', path.join(dir, 'eval.json'));
    expect(ev.status, ev.stderr).toBe(0);
    expect(ev.stderr).toContain('multi-formation factor 2: evaluating the 40 decoded images (the baselines keep 1 real images per class)');
    const bad = await distill('run', '--dataset', 'mnist', '--data', datasetsDir(), '--method', 'mtt', '--factor', '2');
    expect(bad.status).toBe(2);
    expect(bad.stderr.split('\n')[0]).toMatch(/--factor needs --method dm, dc or krr/);
  });

  it('--eval-arch mlp evaluates every set with MLPs and records it', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'distill-')), 'run.json');
    const r = await distill(
      'run', '--dataset', 'mnist', '--data', datasetsDir(), '--ipc', '1', '--iterations', '1', '--width', '8',
      '--real', '8', '--eval-epochs', '2', '--eval-models', '1', '--eval-arch', 'mlp', '--out', out,
    );
    expect(r.status, r.stderr).toBe(0);
    const rec = runRecordSchema.parse(JSON.parse(fs.readFileSync(out, 'utf8')));
    expect(rec.evaluation).toMatchObject({ architecture: 'mlp', epochs: 2, models: 1 });
    expect(r.stderr).toMatch(/evaluate distilled: 1 MLP\(s\) x 2 epochs/);
    for (const name of ['distilled', 'random', 'herding', 'kCenter'] as const) expect(rec.accuracy![name].runs).toHaveLength(1);
  });
});

describe('every method from the command line', () => {
  it.each(['dm', 'dc', 'krr', 'mtt'].flatMap((m) => [[m, 'wasm'], [m, 'cpu']]))('%s runs on %s and records its method and backend', async (method, backend) => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'distill-')), 'run.json');
    // cpu is the slow fallback: fewer expert images there.
    const expertImages = backend === 'cpu' ? 30 : 100;
    const mtt = method === 'mtt' ? ['--experts', '1', '--expert-images', String(expertImages), '--syn-steps', '2'] : [];
    const r = await distill(
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

  it('refuses a KRR run that would not fit in memory (width 128, 10 per class: the whole set under 4 networks), before any iteration', async () => {
    const r = await distill('run', '--dataset', 'mnist', '--data', datasetsDir(), '--method', 'krr', '--ipc', '10', '--width', '128', '--eval-models', '0');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^distill: This KRR run needs about [\d.]+ GiB of memory; the wasm backend offers about 3.0 GiB\. Lower the images per class, the real images per class or the network width\.$/m);
    expect(r.stderr).not.toMatch(/iteration 1\//);
  });
});

describe('the distill command and .npz files', () => {
  it('run --npz writes the set; eval --npz evaluates it exactly as run did, beside the same baselines', { timeout: 600_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'distill-'));
    const npz = path.join(dir, 'sets', 'set.npz');
    const evalFlags = ['--eval-epochs', '2', '--eval-models', '1', '--width', '8', '--seed', '3'];
    const r = await distill(
      'run', '--dataset', 'mnist', '--data', datasetsDir(), '--ipc', '1', '--iterations', '1', '--real', '8',
      ...evalFlags, '--npz', npz, '--out', path.join(dir, 'run.json'),
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`wrote ${npz}`);
    const rec = runRecordSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')));
    const set = decodeNpz(new Uint8Array(fs.readFileSync(npz)));
    expect(set).toMatchObject({ dataset: 'mnist', shape: [28, 28, 1], ipc: 1, meta: { method: 'dm', app: rec.app } });
    expect(set.meta.config).toEqual(rec.config);
    expect(Array.from(set.labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // The file holds the run's synthetic pixels, bit for bit.
    const { createHash } = await import('node:crypto');
    expect(createHash('sha256').update(new Uint8Array(set.pixels.buffer)).digest('hex')).toBe(rec.syntheticSha256);

    const out = path.join(dir, 'eval.json');
    const e = await distill('eval', '--npz', npz, '--data', datasetsDir(), ...evalFlags, '--out', out);
    expect(e.status, e.stderr).toBe(0);
    expect(e.stderr).toContain(`${npz}: 10 mnist images, 1 per class`);
    expect(e.stderr).toMatch(/accuracy kCenter: /);
    const ev = JSON.parse(fs.readFileSync(out, 'utf8')) as Record<string, unknown> & { accuracy: NonNullable<typeof rec.accuracy> };
    expect(ev).toMatchObject({
      schema: 'distill-playground/eval-record@1',
      npz: { file: npz, images: 10, ipc: 1, meta: { method: 'dm' } },
      dataset: { id: 'mnist', testCount: 10000 },
      backend: 'wasm',
      evaluation: { epochs: 2, models: 1, width: 8, testImages: 10000 },
    });
    for (const name of ['distilled', 'random', 'herding', 'kCenter'] as const) {
      expect(ev.accuracy[name].runs).toHaveLength(1);
      expect(ev.accuracy[name].mean).toBeGreaterThan(0);
      // Same set, same protocol, same seed: the same numbers as the run's own evaluation.
      expect(ev.accuracy[name]).toEqual(rec.accuracy![name]);
    }
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
      const r = await distill('eval', ...args, '--data', datasetsDir());
      expect(r.status, r.stderr).toBe(status);
      expect(r.stderr.split('\n')[0]).toMatch(message);
      if (status === 1) expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

/** Every answer to bad input: exactly one line on stderr, the given status, no stack trace. */
function expectOneLine(r: { status: number | null; stderr: string }, status: number, line: string): void {
  expect(r.stderr.trimEnd().split('\n'), r.stderr).toEqual([line]);
  expect(r.status).toBe(status);
}

describe('the distill command and the bad-input corpus (src/testing/bad-inputs.ts)', () => {
  it.each(CLI_ARGS.map((c) => [c.name, c] as const))('argument: %s', async (_, c) => {
    expectOneLine(await distill(...c.args), 2, `distill: ${c.message} (distill --help lists every option)`);
  });

  it.each(DATASET_FILES.map((c) => [c.name, c] as const))('--data file: %s', async (_, c) => {
    // A data folder with the real files of the variant, one of them replaced by the bad one (or missing).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'distill-bad-'));
    const folder = path.join(dir, c.dataset);
    fs.mkdirSync(folder);
    for (const [name, bytes] of variantFiles(c)) fs.writeFileSync(path.join(folder, name), bytes);
    const r = await distill('run', '--dataset', c.dataset, '--data', dir, '--iterations', '1', '--eval-models', '0');
    if (c.bytes() === null) {
      // With a file missing no variant is complete: the folder is named with what it needs.
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`^distill: ${folder}: no complete set of ${getDataset(c.dataset).name} files \\(expected `));
      expect(r.status).toBe(1);
    } else {
      expectOneLine(r, 1, `distill: ${path.join(folder, c.message)}`);
    }
    fs.rmSync(dir, { recursive: true });
  });

  it.each(IMPORTS.filter((c) => c.cli).map((c) => [c.name, c] as const))('eval --npz: %s', async (_, c) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'distill-bad-'));
    const file = path.join(dir, c.file);
    fs.writeFileSync(file, c.bytes());
    const r = await distill('eval', '--npz', file, '--data', datasetsDir());
    expectOneLine(r, 1, `distill: ${file}${c.message.slice(c.file.length)}`);
    fs.rmSync(dir, { recursive: true });
  });

  it('--help prints the usage on stdout and exits 0', async () => {
    const child = spawn('node', [path.join(root, 'bin/distill.mjs'), '--help'], { cwd: root });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.resume();
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(status).toBe(0);
    expect(stdout).toMatch(/^usage: distill run --dataset/);
    expect(stdout).toContain('--sampler-alpha A');
  });
});
