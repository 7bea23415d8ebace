// The distill command's arguments, data folders, run record and PNG, and every bad input's one-line answer.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runRecordSchema } from '../core/run/record';
import { datasetsDir } from '../testing/tf';
import { DATASET_FILES, IMPORTS, variantFiles } from '../testing/bad-inputs';
import { getDataset } from '../core/data/registry';
import { distill, distillHere } from '../testing/cli';

describe('the distill command', () => {
  // Every bad argument's message is checked in-process (args.test.ts); these two check what a user sees from the
  // command itself: one line on stderr naming the argument, exit code 2, no stack trace.
  it.each([
    [['run', '--dataset', 'mnist', '--data', '.', '--ipc', 'ten'], /^distill: --ipc must be a number \(got 'ten'\) \(distill --help lists every option\)$/],
    [['fly'], /^distill: unknown command 'fly' \(expected: run, eval\)/],
  ])('rejects %j with a message naming the argument and exit code 2, no stack trace', async (args, message) => {
    const r = await distill(...args);
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr.split('\n')[0]).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a data folder that does not exist is named in one line', async () => {
    const r = await distillHere('run', '--dataset', 'mnist', '--data', '/nonexistent/datasets', '--eval-models', '0');
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual(['distill: --data /nonexistent/datasets: no such folder']);
  });

  it("a dataset's folder holding another dataset's files is refused, naming what they are", async () => {
    const r = await distillHere('run', '--dataset', 'mnist', '--data', path.join(datasetsDir(), 'fashion-mnist'), '--eval-models', '0');
    expect(r.status).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no complete set of MNIST files, neither in .* nor in .* itself .*; the files there are Fashion-MNIST's \(--dataset fashion-mnist\)/);
  });

  it('writes a valid run record and a PNG; the same seed gives the same synthetic bytes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'distill-'));
    // The installed command (a process of its own) ...
    const a = await distill(
      'run', '--dataset', 'mnist', '--data', datasetsDir(), '--backend', 'wasm', '--ipc', '1', '--iterations', '2', '--width', '8',
      '--real', '8', '--eval-models', '0', '--seed', '7', '--out', path.join(dir, 'a.json'), '--png', path.join(dir, 'grid.png'),
    );
    expect(a.status, a.stderr).toBe(0);
    expect(a.stderr).toMatch(/iteration 2\/2/);
    expect(a.stderr).toContain(`from ${path.join(datasetsDir(), 'mnist')} (under the datasets folder ${datasetsDir()})`);
    // The folder of MNIST's own files works as --data too, and gives the same set; so does the dataset resident on
    // the device (issue 15: batches gathered there by index instead of normalised and uploaded each time), and so does
    // the command called in this process (how the other CLI tests call it).
    const b = await distillHere(
      'run', '--dataset', 'mnist', '--data', path.join(datasetsDir(), 'mnist'), '--backend', 'wasm', '--ipc', '1', '--iterations', '2', '--width', '8',
      '--real', '8', '--eval-models', '0', '--seed', '7', '--resident', 'on', '--out', path.join(dir, 'b.json'),
    );
    expect(b.status, b.stderr).toBe(0);
    expect(b.stderr).toContain(`from ${path.join(datasetsDir(), 'mnist')} (the dataset's own folder)`);
    // No banner from TensorFlow.js about tfjs-node: the command says which backend it uses.
    expect(a.stderr).not.toMatch(/looks like you are running TensorFlow\.js in Node/);
    const ra = runRecordSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, 'a.json'), 'utf8')));
    const rb = runRecordSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, 'b.json'), 'utf8')));
    expect(ra.config).toMatchObject({ dataset: 'mnist', method: 'dm', ipc: 1, iterations: 2, width: 8, seed: 7, depth: 3 });
    expect(ra.iterations.map((p) => p.iteration)).toEqual([1, 2]);
    expect(ra.backend).toBe('wasm');
    expect(ra.syntheticSha256).toBe(rb.syntheticSha256);
    expect(ra.realBatches).toMatchObject({ resident: false, bytes: 60000 * 28 * 28 * 4, reason: expect.stringMatching(/^host batches \(the default on wasm/) });
    expect(rb.realBatches).toMatchObject({ resident: true, reason: expect.stringMatching(/^dataset resident on the device \(179 MiB\)/) });
    expect(b.stderr).toMatch(/real batches: dataset resident on the device/);
    const png = fs.readFileSync(path.join(dir, 'grid.png'));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    // 1 column x 10 rows of 28x28 cells, 1-pixel gaps, scaled x4.
    expect(png.readUInt32BE(16)).toBe(28 * 4);
    expect(png.readUInt32BE(20)).toBe((10 * 28 + 9) * 4);
  });
});

describe('wasm threads in Node', () => {
  // Auto's probe (a few seconds per process) is checked once, with dm; dc and krr name the backend.
  it.each(['dm', 'dc', 'krr'])('%s: --threads 2 runs the threaded build and gives the same synthetic bytes as --threads 1', async (method) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'distill-'));
    const auto = method === 'dm';
    const run = (threads: number) =>
      distill(
        'run', '--dataset', 'mnist', '--data', datasetsDir(), '--method', method, '--ipc', '1', '--iterations', '2',
        '--width', '8', '--real', '8', '--eval-models', '0', '--threads', String(threads), '--out', path.join(dir, `${threads}.json`),
        ...(auto ? [] : ['--backend', 'wasm']),
      );
    const one = await run(1);
    expect(one.status, one.stderr).toBe(0);
    const two = await run(2);
    expect(two.status, two.stderr).toBe(0);
    expect(two.stderr).toMatch(/backend wasm \(SIMD, 2 threads\)/);
    const [r1, r2] = [1, 2].map((t) => runRecordSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, `${t}.json`), 'utf8'))));
    if (auto) {
      // Auto measured (webgpu needs the optional package, cpu's matmul was far slower) and the record says so.
      expect(r1!.backendDetail).toMatch(/^SIMD, 1 thread; auto: wasm \(SIMD, 1 thread\): [\d.]+ s\/it; /);
      expect(r2!.backendDetail).toMatch(/^SIMD, 2 threads; auto: wasm \(SIMD, 2 threads\): [\d.]+ s\/it; .*cpu (not timed|[\d.]+ s\/it)/);
      expect(r2!.backendDetail).toMatch(/webgpu failed/);
    } else {
      expect([r1!.backendDetail, r2!.backendDetail]).toEqual(['SIMD, 1 thread', 'SIMD, 2 threads']);
    }
    expect(r2!.syntheticSha256).toBe(r1!.syntheticSha256);
  });
});

/** Every answer to bad input: exactly one line on stderr, the given status, no stack trace. */
function expectOneLine(r: { status: number | null; stderr: string }, status: number, line: string): void {
  expect(r.stderr.trimEnd().split('\n'), r.stderr).toEqual([line]);
  expect(r.status).toBe(status);
}

describe('the distill command and the bad-input corpus (src/testing/bad-inputs.ts)', () => {
  it.each(DATASET_FILES.map((c) => [c.name, c] as const))('--data file: %s', async (_, c) => {
    // A data folder with the real files of the variant, one of them replaced by the bad one (or missing).
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'distill-bad-'));
    const folder = path.join(dir, c.dataset);
    fs.mkdirSync(folder);
    for (const [name, bytes] of variantFiles(c)) fs.writeFileSync(path.join(folder, name), bytes);
    const r = await distillHere('run', '--dataset', c.dataset, '--data', dir, '--iterations', '1', '--eval-models', '0');
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
    const r = await distillHere('eval', '--npz', file, '--data', datasetsDir());
    expectOneLine(r, 1, `distill: ${file}${c.message.slice(c.file.length)}`);
    fs.rmSync(dir, { recursive: true });
  });

  it('--help prints the usage on stdout and exits 0', async () => {
    const { status, stdout } = await distill('--help');
    expect(status).toBe(0);
    expect(stdout).toMatch(/^usage: distill run --dataset/);
    expect(stdout).toContain('--sampler-alpha A');
  });
});
