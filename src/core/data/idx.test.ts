import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync as zlibGunzip, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DatasetFormatError } from './errors';
import { crc32, decodeIdxPair, gunzip, MAX_GUNZIP_BYTES, parseIdx, parseIdxImages, parseIdxLabels } from './idx';
import { classIndices, decodeDataset } from './load';
import { DATASETS } from './registry';
import type { DatasetId, ImageSet } from './types';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DATASETS_DIR = path.resolve(ROOT, process.env.DATASETS_DIR ?? '../shared/datasets');
if (!existsSync(path.join(DATASETS_DIR, 'mnist')) || !existsSync(path.join(DATASETS_DIR, 'fashion-mnist'))) {
  throw new Error(
    `real dataset files not found in ${DATASETS_DIR}: these tests need them (set DATASETS_DIR to a folder laid out ` +
      `like ../shared/datasets, with mnist/ and fashion-mnist/)`,
  );
}

function real(id: DatasetId, name: string): Uint8Array {
  return new Uint8Array(readFileSync(path.join(DATASETS_DIR, id, name)));
}

function filesOf(id: DatasetId): Map<string, Uint8Array> {
  const variant = DATASETS[id].variants[0]!;
  return new Map(variant.files.map((f) => [f.name, real(id, f.name)]));
}

function countPerClass(set: ImageSet, numClasses = 10): number[] {
  return classIndices(set, numClasses).map((idx) => idx.length);
}

/** Builds an IDX buffer from its 4 magic bytes, dims and a payload length. */
function idx(magic: [number, number, number, number], dims: number[], payload: number): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + payload);
  out.set(magic);
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return out;
}

function expectFormatError(fn: () => unknown, file: string, pattern: RegExp): DatasetFormatError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(DatasetFormatError);
  const err = caught as DatasetFormatError;
  expect(err.file).toBe(file);
  expect(err.message.startsWith(`${file}: `)).toBe(true);
  expect(err.message).toMatch(pattern);
  return err;
}

describe('real MNIST', () => {
  const mnist = decodeDataset(DATASETS.mnist, 'idx', filesOf('mnist'));

  it('parses train and test to the right shapes', () => {
    expect(mnist.variant).toBe('idx');
    expect(mnist.heldOutNote).toBeUndefined();
    for (const [set, count] of [
      [mnist.train, 60000],
      [mnist.test, 10000],
    ] as const) {
      expect(set.count).toBe(count);
      expect([set.height, set.width, set.channels]).toEqual([28, 28, 1]);
      expect(set.images.length).toBe(count * 784);
      expect(set.labels.length).toBe(count);
    }
  });

  it('has the published label counts per class', () => {
    expect(countPerClass(mnist.train)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(countPerClass(mnist.test)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  });

  it('decodes the first training image as an independent reader sees it', () => {
    const raw = zlibGunzip(readFileSync(path.join(DATASETS_DIR, 'mnist', 'train-images-idx3-ubyte.gz')));
    const rawLabels = zlibGunzip(readFileSync(path.join(DATASETS_DIR, 'mnist', 'train-labels-idx1-ubyte.gz')));
    expect(raw.readUInt32BE(0)).toBe(0x803);
    expect([raw.readUInt32BE(4), raw.readUInt32BE(8), raw.readUInt32BE(12)]).toEqual([60000, 28, 28]);
    expect(raw.length).toBe(47040016);
    const first = mnist.train.images.subarray(0, 784);
    expect(Buffer.from(first).equals(raw.subarray(16, 16 + 784))).toBe(true);
    // A few pixels, read by byte offset: row r, col c of image 0 is at 16 + 28r + c.
    for (const [r, c] of [
      [0, 0],
      [5, 12],
      [14, 14],
      [20, 10],
      [27, 27],
    ] as const) {
      expect(first[r * 28 + c]).toBe(raw[16 + r * 28 + c]);
    }
    expect(first[0]).toBe(0);
    expect(rawLabels[8]).toBe(5);
    expect(mnist.train.labels[0]).toBe(5);
    const row14 = first.subarray(14 * 28, 15 * 28);
    expect(row14.some((v) => v > 0)).toBe(true);
    // The last training image too, to check the end of the payload.
    const last = mnist.train.images.subarray(59999 * 784);
    expect(Buffer.from(last).equals(raw.subarray(16 + 59999 * 784))).toBe(true);
    expect(mnist.train.labels[59999]).toBe(rawLabels[8 + 59999]);
  });

  it('returns views, not copies, from parseIdx', () => {
    const bytes = gunzip(real('mnist', 't10k-labels-idx1-ubyte.gz'), 't10k-labels-idx1-ubyte.gz', MAX_GUNZIP_BYTES);
    const parsed = parseIdx(bytes, 't10k-labels-idx1-ubyte.gz', { ndim: 1 });
    expect(parsed.dims).toEqual([10000]);
    expect(parsed.data.buffer).toBe(bytes.buffer);
    expect(parsed.data.byteOffset).toBe(bytes.byteOffset + 8);
  });
});

describe('real Fashion-MNIST', () => {
  const fashion = decodeDataset(DATASETS['fashion-mnist'], 'idx', filesOf('fashion-mnist'));

  it('parses train and test with 6000 / 1000 images per class', () => {
    expect(fashion.train.count).toBe(60000);
    expect(fashion.test.count).toBe(10000);
    expect([fashion.train.height, fashion.train.width, fashion.train.channels]).toEqual([28, 28, 1]);
    expect(countPerClass(fashion.train)).toEqual(Array(10).fill(6000));
    expect(countPerClass(fashion.test)).toEqual(Array(10).fill(1000));
  });
});

describe('gunzip', () => {
  const name = 'train-labels-idx1-ubyte.gz';
  const gz = real('mnist', name);

  it('matches zlib and checks the CRC', () => {
    const ours = gunzip(gz, name, MAX_GUNZIP_BYTES);
    expect(Buffer.from(ours).equals(zlibGunzip(gz))).toBe(true);
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('rejects an empty file', () => {
    expectFormatError(() => gunzip(new Uint8Array(0), name, MAX_GUNZIP_BYTES), name, /empty file/);
  });

  it('rejects a file that is not gzip', () => {
    expectFormatError(() => gunzip(idx([0, 0, 8, 1], [3], 3), name, 1e6), name, /not a gzip file: starts with 00 00/);
  });

  it('rejects a truncated gzip', () => {
    for (const keep of [10, 17, 5000, gz.length - 1]) {
      expectFormatError(() => gunzip(gz.subarray(0, keep), name, MAX_GUNZIP_BYTES), name, /corrupt or truncated gzip/);
    }
  });

  it('rejects a corrupt gzip (flipped bytes in the deflate stream)', () => {
    for (const at of [40, 1000, 20000]) {
      const bad = gz.slice();
      bad[at]! ^= 0xff;
      expectFormatError(() => gunzip(bad, name, MAX_GUNZIP_BYTES), name, /corrupt or truncated gzip/);
    }
  });

  it('refuses a zip bomb by its trailer before inflating', () => {
    const bomb = new Uint8Array(gzipSync(new Uint8Array(4_000_000)));
    expect(bomb.length).toBeLessThan(10_000);
    expectFormatError(() => gunzip(bomb, 'bomb.gz', 1_000_000), 'bomb.gz', /4000000 bytes, more than the 1000000-byte limit/);
    // A trailer claiming 2^31 bytes is refused without allocating.
    const lying = gz.slice();
    new DataView(lying.buffer).setUint32(lying.length - 4, 2 ** 31, true);
    expectFormatError(() => gunzip(lying, name, MAX_GUNZIP_BYTES), name, /2147483648 bytes, which \d+ compressed bytes cannot hold/);
  });

  it('rejects a trailer that understates the size (caught by the CRC)', () => {
    const lying = gz.slice();
    new DataView(lying.buffer).setUint32(lying.length - 4, 100, true);
    expectFormatError(() => gunzip(lying, name, MAX_GUNZIP_BYTES), name, /corrupt or truncated gzip: CRC-32/);
  });
});

describe('parseIdx bad inputs', () => {
  const images = 'train-images-idx3-ubyte.gz';
  const labels = 'train-labels-idx1-ubyte.gz';

  it('rejects an empty or too short file', () => {
    expectFormatError(() => parseIdx(new Uint8Array(0), images), images, /empty file/);
    expectFormatError(() => parseIdx(new Uint8Array([0, 0, 8]), images), images, /too short/);
  });

  it('rejects a wrong magic number, naming what was expected', () => {
    const err = expectFormatError(() => parseIdxImages(idx([0, 0, 8, 2], [10, 784], 7840), images), images, /magic/);
    expect(err.message).toBe(
      `${images}: magic number 0x00000802, expected 0x00000803 (unsigned-byte images, 3 dimensions)`,
    );
    expectFormatError(
      () => parseIdxImages(idx([0x1f, 0x8b, 8, 3], [1, 1, 1], 1), images),
      images,
      /magic number 0x1F8B0803, expected 0x00000803 .*two zero bytes/,
    );
    expectFormatError(() => parseIdxLabels(idx([0, 0, 8, 3], [1, 28, 28], 784), labels), labels, /expected 0x00000801/);
  });

  it('rejects a data type other than unsigned byte, naming it', () => {
    expectFormatError(
      () => parseIdxImages(idx([0, 0, 0x0d, 3], [1, 28, 28], 784 * 4), images),
      images,
      /data type 0x0D \(32-bit float\) is not supported, only 0x08 \(unsigned byte\)/,
    );
    expectFormatError(() => parseIdx(idx([0, 0, 0x42, 1], [3], 3), images), images, /data type 0x42 \(unknown\)/);
  });

  it('rejects zero dimensions and zero-sized dimensions', () => {
    expectFormatError(() => parseIdx(idx([0, 0, 8, 0], [], 0), images), images, /0 dimensions/);
    expectFormatError(() => parseIdx(idx([0, 0, 8, 3], [0, 28, 28], 0), images), images, /dimension 0 is 0/);
  });

  it('rejects a truncated header', () => {
    expectFormatError(() => parseIdx(idx([0, 0, 8, 3], [5], 0), images), images, /truncated header/);
  });

  it('rejects dimensions that disagree with the length', () => {
    expectFormatError(
      () => parseIdxImages(idx([0, 0, 8, 3], [2, 28, 28], 784), images),
      images,
      /dimensions \[2, 28, 28\] need 1568 bytes of data after the 16-byte header, but 784 follow \(truncated\)/,
    );
    expectFormatError(() => parseIdxLabels(idx([0, 0, 8, 1], [2], 3), labels), labels, /trailing bytes/);
  });

  it('refuses absurd dimensions before allocating', () => {
    expectFormatError(
      () => parseIdxImages(idx([0, 0, 8, 3], [2 ** 31, 28, 28], 0), images),
      images,
      /dimensions \[2147483648, 28, 28\] describe \d+ bytes of data, more than the 268435456-byte limit/,
    );
    expectFormatError(() => parseIdx(idx([0, 0, 8, 4], [2 ** 32 - 1, 2 ** 32 - 1, 2 ** 32 - 1, 9], 0), images), images, /limit/);
  });

  it('rejects images of the wrong size when a size is required', () => {
    expectFormatError(
      () => parseIdxImages(idx([0, 0, 8, 3], [1, 32, 32], 1024), images, { height: 28, width: 28 }),
      images,
      /dimension 1 is 32, expected 28/,
    );
  });

  it('rejects a label count that differs from the image count', () => {
    expectFormatError(
      () =>
        decodeIdxPair(idx([0, 0, 8, 3], [3, 2, 2], 12), idx([0, 0, 8, 1], [2], 2), { images, labels }, 10),
      labels,
      /2 labels, but train-images-idx3-ubyte.gz has 3 images/,
    );
  });

  it('rejects a label out of range', () => {
    const lab = idx([0, 0, 8, 1], [3], 3);
    lab.set([1, 10, 2], 8);
    expectFormatError(
      () => decodeIdxPair(idx([0, 0, 8, 3], [3, 2, 2], 12), lab, { images, labels }, 10),
      labels,
      /label 10 at record 1 is out of range \(10 classes: 0 to 9\)/,
    );
  });

  it('decodes a valid tiny pair', () => {
    const img = idx([0, 0, 8, 3], [2, 1, 2], 4);
    img.set([1, 2, 3, 4], 16);
    const lab = idx([0, 0, 8, 1], [2], 2);
    lab.set([9, 0], 8);
    const set = decodeIdxPair(img, lab, { images, labels }, 10);
    expect(set).toMatchObject({ count: 2, height: 1, width: 2, channels: 1 });
    expect(Array.from(set.images)).toEqual([1, 2, 3, 4]);
    expect(Array.from(set.labels)).toEqual([9, 0]);
  });

  it('makes decodeDataset name a missing or malformed file', () => {
    const files = filesOf('mnist');
    files.delete('train-labels-idx1-ubyte.gz');
    expect(() => decodeDataset(DATASETS.mnist, 'idx', files)).toThrow(/^train-labels-idx1-ubyte.gz: missing/);
    files.set('train-labels-idx1-ubyte.gz', new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]));
    expect(() => decodeDataset(DATASETS.mnist, 'idx', files)).toThrow(
      /^train-labels-idx1-ubyte.gz: corrupt or truncated gzip/,
    );
  });
});
