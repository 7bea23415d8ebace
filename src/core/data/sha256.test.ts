import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { verifyFileBytes } from './load';
import { DATASET_IDS, DATASETS, getDataset, getVariant, isDatasetId, parseManifest } from './registry';
import { sha256Hex } from './sha256';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DATASETS_DIR = path.resolve(ROOT, process.env.DATASETS_DIR ?? '../shared/datasets');
if (!existsSync(DATASETS_DIR)) {
  throw new Error(`${DATASETS_DIR} not found: set DATASETS_DIR to a folder laid out like ../shared/datasets`);
}

describe('sha256Hex', () => {
  it('matches the standard test vectors and hashes only the view', async () => {
    expect(await sha256Hex(new Uint8Array(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const abc = new TextEncoder().encode('xxabcyy');
    expect(await sha256Hex(abc.subarray(2, 5))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('the real files against the registry', () => {
  const files = DATASET_IDS.flatMap((id) =>
    DATASETS[id].variants.flatMap((v) => v.files.filter((f) => f.sha256).map((f) => ({ id, file: f }))),
  );

  const where = (id: string, file: { name: string; localPath?: string }) => path.join(DATASETS_DIR, file.localPath ?? path.join(id, file.name));

  it('covers every file we hold (4 + 4 + 1 + 1) and each exists', () => {
    expect(files.map(({ id, file }) => `${id}/${file.name}`)).toEqual([
      'mnist/train-images-idx3-ubyte.gz',
      'mnist/train-labels-idx1-ubyte.gz',
      'mnist/t10k-images-idx3-ubyte.gz',
      'mnist/t10k-labels-idx1-ubyte.gz',
      'fashion-mnist/train-images-idx3-ubyte.gz',
      'fashion-mnist/train-labels-idx1-ubyte.gz',
      'fashion-mnist/t10k-images-idx3-ubyte.gz',
      'fashion-mnist/t10k-labels-idx1-ubyte.gz',
      'cifar-10/cifar10-jpeg.zip',
      'cifar-10/data_batch_1.first4000.bin',
    ]);
    for (const { id, file } of files) expect(statSync(where(id, file)).size).toBe(file.bytes);
  });

  it('has the registry sha256 for each file', async () => {
    for (const { id, file } of files) {
      const bytes = new Uint8Array(readFileSync(where(id, file)));
      expect(await sha256Hex(bytes), `${id}/${file.name}`).toBe(file.sha256);
      if (file.bytes < 100_000) {
        await expect(verifyFileBytes(file, bytes)).resolves.toBeUndefined();
        const bad = bytes.slice();
        bad[bad.length >> 1]! ^= 1;
        await expect(verifyFileBytes(file, bad)).rejects.toThrow(new RegExp(`^${file.name}: sha256 [0-9a-f]{64}, expected`));
        await expect(verifyFileBytes(file, bytes.subarray(1))).rejects.toThrow(/bytes, expected/);
      }
    }
  });
});

describe('registry', () => {
  it('describes the three datasets', () => {
    expect(DATASET_IDS).toEqual(['mnist', 'fashion-mnist', 'cifar-10']);
    expect(isDatasetId('mnist')).toBe(true);
    expect(isDatasetId('svhn')).toBe(false);
    expect(getDataset('fashion-mnist').classes[9]).toBe('Ankle boot');
    expect(getDataset('cifar-10').shape).toEqual([32, 32, 3]);
    expect(getDataset('cifar-10').variants.map((v) => v.id)).toEqual(['binary', 'jpeg-zip', 'partial-4000']);
    expect(getVariant(getDataset('cifar-10'), 'partial-4000').lacksTestSplit).toBe(true);
    expect(() => getVariant(getDataset('mnist'), 'nope')).toThrow(/no variant 'nope'/);
    const archive = getVariant(getDataset('cifar-10'), 'binary').download[0];
    expect(archive).toMatchObject({ kind: 'tar.gz', bytes: 170052171, md5: 'c32a1d4ab5d03f1284b67883e8d87530' });
  });

  it('validates manifests', () => {
    const variant = getVariant(getDataset('cifar-10'), 'partial-4000');
    const good = { id: 'cifar-10', variant: 'partial-4000', files: variant.files.map((f) => ({ ...f })) };
    expect(parseManifest(good)).toEqual(good);
    expect(() => parseManifest({ ...good, variant: 'x' })).toThrow(/no variant 'x'/);
    expect(() => parseManifest({ ...good, files: [{ ...good.files[0]!, bytes: 1 }] })).toThrow(/disagrees/);
    expect(() => parseManifest({ id: 'svhn' })).toThrow(/malformed/);
  });
});
