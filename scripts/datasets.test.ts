import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DATASETS, getVariant, parseManifest } from '../src/core/data/registry';
import type { DatasetManifest, DatasetSpec, DatasetVariant } from '../src/core/data/types';
import { type FetchLike, installDatasets, type InstallOptions, readTar, show as shownPath } from './datasets-lib';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DATASETS_DIR = path.resolve(ROOT, process.env.DATASETS_DIR ?? '../shared/datasets');
for (const id of ['mnist', 'cifar-10']) {
  if (!existsSync(path.join(DATASETS_DIR, id))) {
    throw new Error(
      `${path.join(DATASETS_DIR, id)} not found: these tests need the real files (set DATASETS_DIR to a folder ` +
        `laid out like ../shared/datasets)`,
    );
  }
}

const temps: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'datasets-test-'));
  temps.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

const MNIST = getVariant(DATASETS.mnist, 'idx');
const PARTIAL = getVariant(DATASETS['cifar-10'], 'partial-4000');
const JPEG = getVariant(DATASETS['cifar-10'], 'jpeg-zip');

/** A fetch that must not be reached, or that records the URLs and fails like an offline machine. */
function offlineFetch(calls: string[]): FetchLike {
  return async (url) => {
    calls.push(url);
    throw new TypeError('fetch failed', { cause: new Error('getaddrinfo ENOTFOUND (test)') });
  };
}

async function run(opts: Partial<InstallOptions> & { publicDir: string }) {
  const lines: string[] = [];
  const report = await installDatasets({ log: (l) => lines.push(l), ...opts });
  return { report, lines, text: lines.join('\n') };
}

async function readManifest(publicDir: string, id: string): Promise<DatasetManifest> {
  return parseManifest(JSON.parse(await readFile(path.join(publicDir, id, 'manifest.json'), 'utf8')));
}

describe('installDatasets from DATASETS_DIR', () => {
  let publicDir = '';

  it('installs MNIST and the complete CIFAR-10 from its JPEG zip (cifar-10-jpeg/), with manifests', async () => {
    publicDir = await tempDir();
    const calls: string[] = [];
    const { report, text } = await run({
      ids: ['mnist', 'cifar-10'],
      datasetsDir: DATASETS_DIR,
      publicDir,
      fetch: offlineFetch(calls),
    });
    expect(report.ok).toBe(true);
    const [mnist, cifar] = report.results;
    expect(mnist).toMatchObject({ id: 'mnist', ok: true, variant: 'idx' });
    expect(mnist!.files.map((f) => f.status)).toEqual(['copied', 'copied', 'copied', 'copied']);
    expect(cifar).toMatchObject({ id: 'cifar-10', ok: true, variant: 'jpeg-zip' });
    expect(cifar!.files.map((f) => [f.name, f.status, f.from])).toEqual([
      ['cifar10-jpeg.zip', 'copied', path.join(DATASETS_DIR, 'cifar-10-jpeg', 'cifar10-jpeg.zip')],
    ]);
    // The binary variant was tried first: only its archive URL, and the failure is reported.
    expect(calls).toEqual(['https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz']);
    expect(text).toMatch(/cifar-10: variant 'binary' is not available .*ENOTFOUND.*Falling back to variant 'jpeg-zip'/);
    expect(text).toMatch(/cifar-10: installed variant 'jpeg-zip'/);

    const manifest = await readManifest(publicDir, 'mnist');
    expect(manifest).toEqual({ id: 'mnist', variant: 'idx', files: MNIST.files.map((f) => ({ ...f })) });
    expect(await readManifest(publicDir, 'cifar-10')).toEqual({
      id: 'cifar-10',
      variant: 'jpeg-zip',
      files: JPEG.files.map(({ localPath: _l, ...f }) => f),
    });
    const zip = await readFile(path.join(publicDir, 'cifar-10', 'cifar10-jpeg.zip'));
    expect(createHash('sha256').update(zip).digest('hex')).toBe(JPEG.files[0]!.sha256);
    for (const f of MNIST.files) {
      const copy = await readFile(path.join(publicDir, 'mnist', f.name));
      expect(createHash('sha256').update(copy).digest('hex')).toBe(f.sha256);
    }
    // No temp files are left behind.
    expect((await readdir(path.join(publicDir, 'mnist'))).sort()).toEqual(
      [...MNIST.files.map((f) => f.name), 'manifest.json'].sort(),
    );
  });

  it('falls back to the partial CIFAR-10 when the JPEG zip is not in DATASETS_DIR (the last fallback)', async () => {
    const dir = await tempDir();
    await symlink(path.join(DATASETS_DIR, 'cifar-10'), path.join(dir, 'cifar-10'));
    const { report, text } = await run({ ids: ['cifar-10'], datasetsDir: dir, publicDir: await tempDir(), fetch: offlineFetch([]) });
    expect(report.results[0]).toMatchObject({ id: 'cifar-10', ok: true, variant: 'partial-4000' });
    expect(text).toMatch(/variant 'jpeg-zip' is not available \(missing cifar10-jpeg.zip\).*not in DATASETS_DIR \(.*cifar-10-jpeg\/cifar10-jpeg.zip\).*Falling back to variant 'partial-4000'/);
  });

  it('is idempotent: a second call copies nothing', async () => {
    const manifestPath = path.join(publicDir, 'mnist', 'manifest.json');
    const before = (await stat(manifestPath)).mtimeMs;
    const { report, lines } = await run({
      ids: ['mnist', 'cifar-10'],
      datasetsDir: DATASETS_DIR,
      publicDir,
      fetch: offlineFetch([]),
    });
    expect(report.ok).toBe(true);
    for (const r of report.results) expect(r.files.every((f) => f.status === 'up-to-date')).toBe(true);
    expect(lines.filter((l) => l.includes('up to date'))).toHaveLength(5);
    expect(lines.some((l) => l.includes('copied'))).toBe(false);
    expect((await stat(manifestPath)).mtimeMs).toBe(before);
  });

  it('detects and replaces a corrupted copy in place', async () => {
    const target = path.join(publicDir, 'mnist', 'train-labels-idx1-ubyte.gz');
    const bytes = await readFile(target);
    bytes[100]! ^= 0xff;
    await writeFile(target, bytes);
    await writeFile(path.join(publicDir, 'mnist', 't10k-labels-idx1-ubyte.gz'), 'short');
    const { report, text } = await run({ ids: ['mnist'], datasetsDir: DATASETS_DIR, publicDir, download: false });
    expect(report.ok).toBe(true);
    expect(report.results[0]!.files.map((f) => f.status)).toEqual(['up-to-date', 'copied', 'up-to-date', 'copied']);
    expect(text).toMatch(/mnist\/train-labels-idx1-ubyte.gz: the copy in place fails verification \(sha256 [0-9a-f]+, expected 3552/);
    expect(text).toMatch(/mnist\/t10k-labels-idx1-ubyte.gz: the copy in place fails verification \(5 bytes, expected 4542\)/);
    const fixed = await readFile(target);
    expect(createHash('sha256').update(fixed).digest('hex')).toBe(MNIST.files[1]!.sha256);
  });
});

describe('installDatasets with a bad source', () => {
  it('rejects a corrupted DATASETS_DIR file, naming it, and reports MNIST missing', async () => {
    const source = await tempDir();
    await mkdir(path.join(source, 'mnist'));
    for (const f of MNIST.files) await copyFile(path.join(DATASETS_DIR, 'mnist', f.name), path.join(source, 'mnist', f.name));
    const bad = path.join(source, 'mnist', 'train-labels-idx1-ubyte.gz');
    const bytes = await readFile(bad);
    bytes[5000]! ^= 0x01;
    await writeFile(bad, bytes);
    await writeFile(path.join(source, 'mnist', 't10k-labels-idx1-ubyte.gz'), bytes.subarray(0, 10));

    const publicDir = await tempDir();
    const { report, lines, text } = await run({ ids: ['mnist'], datasetsDir: source, publicDir, download: false });
    expect(report.ok).toBe(false);
    expect(report.results[0]).toMatchObject({ id: 'mnist', ok: false });
    expect(text).toContain(`rejected ${shownPath(bad)}: sha256 `);
    expect(text).toMatch(/t10k-labels-idx1-ubyte.gz: 10 bytes, expected 4542; not used/);
    expect(lines).toContain('mnist/train-labels-idx1-ubyte.gz: MISSING');
    expect(lines).toContain('mnist/t10k-labels-idx1-ubyte.gz: MISSING');
    expect(text).toMatch(/set DATASETS_DIR to a folder laid out like \.\.\/shared\/datasets.*check the network.*upload the files in the app/);
    expect(lines.at(-1)).toBe('error: mnist (the default dataset) is missing.');
    // The good files were installed, the bad ones never, and there is no manifest for an incomplete set.
    const installed = (await readdir(path.join(publicDir, 'mnist'))).sort();
    expect(installed).toEqual(['t10k-images-idx3-ubyte.gz', 'train-images-idx3-ubyte.gz']);
  });

  it('only warns when a dataset other than MNIST is missing', async () => {
    const { report, text } = await run({ ids: ['cifar-10'], datasetsDir: await tempDir(), publicDir: await tempDir(), download: false });
    expect(report.ok).toBe(true);
    expect(report.results[0]!.ok).toBe(false);
    expect(text).toMatch(/cifar-10\/data_batch_1.first4000.bin: MISSING/);
    expect(text).toMatch(/warning: cifar-10 is missing/);
  });
});

describe('installDatasets by download (injected fetch)', () => {
  const served = new Map(MNIST.files.map((f) => [f.name, readFileSync(path.join(DATASETS_DIR, 'mnist', f.name))]));

  it('downloads, trying each URL in turn, and verifies', async () => {
    const calls: string[] = [];
    const fetch: FetchLike = async (url) => {
      calls.push(url);
      if (url.startsWith('https://ossci-datasets.s3.amazonaws.com/')) return new Response('no', { status: 404 });
      const body = served.get(url.slice(url.lastIndexOf('/') + 1));
      return body ? new Response(new Uint8Array(body)) : new Response('no', { status: 404 });
    };
    const publicDir = await tempDir();
    const { report, text } = await run({ ids: ['mnist'], publicDir, fetch });
    expect(report.ok).toBe(true);
    const files = report.results[0]!.files;
    expect(files.map((f) => f.status)).toEqual(['downloaded', 'downloaded', 'downloaded', 'downloaded']);
    expect(files.map((f) => f.from)).toEqual(MNIST.files.map((f) => `https://storage.googleapis.com/cvdf-datasets/mnist/${f.name}`));
    expect(calls).toHaveLength(8);
    expect(text).toMatch(/mnist\/train-images-idx3-ubyte.gz: downloaded from https:\/\/storage.googleapis.com\/cvdf-datasets\/mnist\/train-images-idx3-ubyte.gz \(9912422 bytes, sha256 verified\)/);
    expect(await readManifest(publicDir, 'mnist')).toEqual({ id: 'mnist', variant: 'idx', files: MNIST.files.map((f) => ({ ...f })) });
    expect((await readdir(path.join(publicDir, 'mnist'))).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('rejects downloads with wrong bytes and leaves nothing behind', async () => {
    const fetch: FetchLike = async (url) => {
      const body = new Uint8Array(served.get(url.slice(url.lastIndexOf('/') + 1))!);
      body[body.length >> 1]! ^= 0x80;
      return new Response(body);
    };
    const publicDir = await tempDir();
    const { report, text } = await run({ ids: ['mnist'], publicDir, fetch });
    expect(report.ok).toBe(false);
    for (const f of MNIST.files) {
      expect(text).toContain(`mnist/${f.name}: rejected the download from https://ossci-datasets.s3.amazonaws.com/mnist/${f.name}: sha256 `);
      expect(text).toContain(`mnist/${f.name}: MISSING`);
    }
    expect(await readdir(path.join(publicDir, 'mnist'))).toEqual([]);
  });
});

/** A minimal ustar archive writer for the tests. */
function tar(entries: { name: string; data?: Uint8Array; type?: string; prefix?: string }[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const e of entries) {
    const data = e.data ?? new Uint8Array(0);
    const h = Buffer.alloc(512);
    h.write(e.name, 0, 100, 'utf8');
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(data.length.toString(8).padStart(11, '0') + '\0', 124);
    h.write('00000000000\0', 136);
    h.fill(0x20, 148, 156);
    h.write(e.type ?? '0', 156);
    h.write('ustar\0', 257);
    h.write('00', 263);
    if (e.prefix) h.write(e.prefix, 345, 155, 'utf8');
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    blocks.push(h, data, new Uint8Array((512 - (data.length % 512)) % 512));
  }
  blocks.push(new Uint8Array(1024));
  return Buffer.concat(blocks);
}

describe('the CIFAR-10 archive path (a small stand-in archive)', () => {
  const partial = readFileSync(path.join(DATASETS_DIR, 'cifar-10', 'data_batch_1.first4000.bin'));
  const rec = 3073;
  const batch1 = new Uint8Array(partial.subarray(0, 3 * rec));
  const testBatch = new Uint8Array(partial.subarray(3 * rec, 5 * rec));
  const archive = new Uint8Array(
    gzipSync(
      tar([
        { name: 'cifar-10-batches-bin/', type: '5' },
        { name: 'cifar-10-batches-bin/batches.meta.txt', data: new TextEncoder().encode('airplane\n') },
        { name: 'data_batch_1.bin', prefix: 'cifar-10-batches-bin', data: batch1 },
        { name: 'cifar-10-batches-bin/test_batch.bin', data: testBatch },
      ]),
    ),
  );
  const url = 'https://example.test/cifar-10-binary.tar.gz';
  const md5 = createHash('md5').update(archive).digest('hex');
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  const binary: DatasetVariant = {
    id: 'binary',
    description: 'stand-in: 1 training batch of 3 records and a test batch of 2',
    files: [
      { name: 'data_batch_1.bin', role: 'train-batch', bytes: batch1.length },
      { name: 'test_batch.bin', role: 'test-batch', bytes: testBatch.length },
    ],
    download: [
      {
        kind: 'tar.gz',
        url,
        bytes: archive.length,
        md5,
        members: { 'data_batch_1.bin': 'cifar-10-batches-bin/data_batch_1.bin', 'test_batch.bin': 'cifar-10-batches-bin/test_batch.bin' },
      },
    ],
    lacksTestSplit: false,
  };
  const spec: DatasetSpec = { ...DATASETS['cifar-10'], variants: [binary, PARTIAL] };

  it('reads ustar members, with prefixes, skipping directories', () => {
    const members = readTar(tar([
      { name: 'd/', type: '5' },
      { name: 'x.bin', prefix: 'd', data: batch1 },
      { name: 'd/y', data: new Uint8Array([1, 2, 3]) },
    ]));
    expect([...members.keys()]).toEqual(['d/x.bin', 'd/y']);
    expect(Buffer.from(members.get('d/x.bin')!).equals(batch1)).toBe(true);
    const broken = tar([{ name: 'a', data: batch1 }]);
    broken[0]! ^= 1;
    expect(() => readTar(broken)).toThrow(/checksum/);
    expect(() => readTar(tar([{ name: 'a', data: batch1 }]).subarray(0, 2048))).toThrow(/truncated/);
  });

  it('downloads, verifies by md5, extracts, records sha256, and is idempotent', async () => {
    const publicDir = await tempDir();
    const calls: string[] = [];
    const fetch: FetchLike = async (u) => {
      calls.push(u);
      return new Response(archive);
    };
    const { report, text } = await run({ ids: ['cifar-10'], publicDir, fetch, specs: { 'cifar-10': spec } });
    expect(report.results[0]).toMatchObject({ ok: true, variant: 'binary' });
    expect(report.results[0]!.files.map((f) => f.status)).toEqual(['extracted', 'extracted']);
    expect(text).toMatch(/extracted from https:\/\/example.test\/cifar-10-binary.tar.gz \(archive md5 verified/);
    const manifest = JSON.parse(await readFile(path.join(publicDir, 'cifar-10', 'manifest.json'), 'utf8')) as DatasetManifest;
    expect(manifest).toEqual({
      id: 'cifar-10',
      variant: 'binary',
      files: [
        { name: 'data_batch_1.bin', role: 'train-batch', bytes: batch1.length, sha256: sha(batch1) },
        { name: 'test_batch.bin', role: 'test-batch', bytes: testBatch.length, sha256: sha(testBatch) },
      ],
    });
    expect((await readdir(path.join(publicDir, 'cifar-10'))).sort()).toEqual(['data_batch_1.bin', 'manifest.json', 'test_batch.bin']);

    // Second call: verified against the recorded sha256, nothing fetched.
    calls.length = 0;
    const again = await run({ ids: ['cifar-10'], publicDir, fetch, specs: { 'cifar-10': spec } });
    expect(again.report.results[0]!.files.map((f) => f.status)).toEqual(['up-to-date', 'up-to-date']);
    expect(calls).toEqual([]);

    // A corrupted member in place is caught by the recorded sha256 and extracted again.
    const target = path.join(publicDir, 'cifar-10', 'test_batch.bin');
    const bytes = await readFile(target);
    bytes[10]! ^= 1;
    await writeFile(target, bytes);
    const third = await run({ ids: ['cifar-10'], publicDir, fetch, specs: { 'cifar-10': spec } });
    expect(third.report.results[0]!.files.map((f) => f.status)).toEqual(['up-to-date', 'extracted']);
    expect(third.text).toMatch(/test_batch.bin: the copy in place fails verification/);
  });

  it('uses the archive or loose batches from DATASETS_DIR, checking loose ones by size and labels', async () => {
    const source = await tempDir();
    await mkdir(path.join(source, 'cifar-10'));
    await writeFile(path.join(source, 'cifar-10', 'cifar-10-binary.tar.gz'), archive);
    const fromArchive = await run({ ids: ['cifar-10'], datasetsDir: source, publicDir: await tempDir(), fetch: offlineFetch([]), specs: { 'cifar-10': spec } });
    expect(fromArchive.report.results[0]!.files.map((f) => f.status)).toEqual(['extracted', 'extracted']);

    const loose = await tempDir();
    await mkdir(path.join(loose, 'cifar-10'));
    await writeFile(path.join(loose, 'cifar-10', 'data_batch_1.bin'), batch1);
    const badTest = testBatch.slice();
    badTest[rec] = 12;
    await writeFile(path.join(loose, 'cifar-10', 'test_batch.bin'), badTest);
    await copyFile(path.join(DATASETS_DIR, 'cifar-10', 'data_batch_1.first4000.bin'), path.join(loose, 'cifar-10', 'data_batch_1.first4000.bin'));
    const publicDir = await tempDir();
    const mixed = await run({ ids: ['cifar-10'], datasetsDir: loose, publicDir, fetch: offlineFetch([]), specs: { 'cifar-10': spec } });
    expect(mixed.text).toMatch(/data_batch_1.bin: copied from .* \(9219 bytes, no published sha256: size and labels checked\)/);
    expect(mixed.text).toMatch(/test_batch.bin: rejected .*test_batch.bin: record 1 has label 12, expected 0 to 9; not used/);
    expect(mixed.report.results[0]).toMatchObject({ ok: true, variant: 'partial-4000' });
  });

  it('rejects an archive with the wrong md5 and falls back to the partial variant', async () => {
    const wrong = archive.slice();
    wrong[wrong.length - 20]! ^= 1;
    const { report, text } = await run({
      ids: ['cifar-10'],
      datasetsDir: DATASETS_DIR,
      publicDir: await tempDir(),
      fetch: async () => new Response(wrong),
      specs: { 'cifar-10': spec },
    });
    expect(text).toMatch(/cifar-10: rejected the download from https:\/\/example.test\/cifar-10-binary.tar.gz: \d+ bytes, md5 [0-9a-f]+; expected \d+ bytes, md5/);
    expect(report.results[0]).toMatchObject({ ok: true, variant: 'partial-4000' });
  });
});
