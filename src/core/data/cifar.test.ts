import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CIFAR_RECORD_BYTES, concatImageSets, parseCifarBinary } from './cifar';
import { DatasetFormatError } from './errors';
import { classIndices, decodeDataset, holdOutStratified } from './load';
import { DATASETS } from './registry';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DATASETS_DIR = path.resolve(ROOT, process.env.DATASETS_DIR ?? '../shared/datasets');
const PARTIAL = path.join(DATASETS_DIR, 'cifar-10', 'data_batch_1.first4000.bin');
if (!existsSync(PARTIAL)) {
  throw new Error(
    `${PARTIAL} not found: these tests need the real file (set DATASETS_DIR to a folder laid out like ` +
      `../shared/datasets, with cifar-10/data_batch_1.first4000.bin)`,
  );
}
const NAME = 'data_batch_1.first4000.bin';
const bytes = new Uint8Array(readFileSync(PARTIAL));
const CLASS_COUNTS = [396, 366, 420, 384, 422, 393, 414, 385, 407, 413];

describe('parseCifarBinary on the real partial batch', () => {
  const set = parseCifarBinary(bytes, NAME);

  it('gives 4000 records of 32x32x3 with the known class counts', () => {
    expect(set).toMatchObject({ count: 4000, height: 32, width: 32, channels: 3 });
    expect(set.images.length).toBe(4000 * 3072);
    expect(classIndices(set, 10).map((i) => i.length)).toEqual(CLASS_COUNTS);
  });

  it('has the published first labels and record 0 red bytes, interleaved as HWC', () => {
    expect(Array.from(set.labels.subarray(0, 10))).toEqual([6, 9, 9, 4, 1, 1, 2, 7, 8, 3]);
    const red = Array.from({ length: 8 }, (_, p) => set.images[p * 3]);
    expect(red).toEqual([59, 43, 50, 68, 98, 119, 139, 145]);
    // Independent read of the planes by byte offset: record r, plane k, pixel p is at r*3073 + 1 + 1024k + p.
    for (const [r, p] of [
      [0, 0],
      [0, 1023],
      [1, 517],
      [3999, 100],
    ] as const) {
      for (let k = 0; k < 3; k++) {
        expect(set.images[r * 3072 + p * 3 + k]).toBe(bytes[r * CIFAR_RECORD_BYTES + 1 + 1024 * k + p]);
      }
    }
  });

  it('rejects a length that is not a positive multiple of 3073', () => {
    for (const n of [0, 3072, 3074, 2 * CIFAR_RECORD_BYTES - 1]) {
      let caught: unknown;
      try {
        parseCifarBinary(bytes.subarray(0, n), NAME);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(DatasetFormatError);
      expect((caught as DatasetFormatError).file).toBe(NAME);
      expect((caught as Error).message).toMatch(n === 0 ? /^data_batch_1.first4000.bin: empty file/ : /not a whole number of 3073-byte CIFAR records/);
    }
  });

  it('rejects a label out of range, naming the record', () => {
    const bad = bytes.slice(0, 3 * CIFAR_RECORD_BYTES);
    bad[2 * CIFAR_RECORD_BYTES] = 10;
    expect(() => parseCifarBinary(bad, NAME)).toThrow(/^data_batch_1.first4000.bin: label 10 of record 2 .*out of range/);
  });

  it('concatenates sets in order', () => {
    const a = parseCifarBinary(bytes.subarray(0, 2 * CIFAR_RECORD_BYTES), 'a');
    const b = parseCifarBinary(bytes.subarray(2 * CIFAR_RECORD_BYTES, 5 * CIFAR_RECORD_BYTES), 'b');
    const ab = concatImageSets(a, b);
    expect(ab.count).toBe(5);
    expect(Array.from(ab.labels)).toEqual(Array.from(set.labels.subarray(0, 5)));
    expect(Buffer.from(ab.images).equals(Buffer.from(set.images.subarray(0, 5 * 3072)))).toBe(true);
    expect(() => concatImageSets(a, { ...b, channels: 1 })).toThrow(/cannot concatenate/);
  });
});

describe('decodeDataset on the partial CIFAR-10 variant', () => {
  const loaded = decodeDataset(DATASETS['cifar-10'], 'partial-4000', new Map([[NAME, bytes]]));
  const all = parseCifarBinary(bytes, NAME);

  it('holds out 800 stratified records as the test set, with a note', () => {
    expect(loaded.variant).toBe('partial-4000');
    expect(loaded.train.count).toBe(3200);
    expect(loaded.test.count).toBe(800);
    const trainCounts = classIndices(loaded.train, 10).map((i) => i.length);
    const testCounts = classIndices(loaded.test, 10).map((i) => i.length);
    expect(trainCounts.map((n, c) => n + testCounts[c]!)).toEqual(CLASS_COUNTS);
    // Largest remainder of 20%: 79.2, 73.2, 84, 76.8, 84.4, 78.6, 82.8, 77, 81.4, 82.6.
    expect(testCounts).toEqual([79, 73, 84, 77, 84, 79, 83, 77, 81, 83]);
    expect(loaded.heldOutNote).toBe(
      'CIFAR-10 here is a partial copy (4000 training images, no test batch): 800 of them are held out as the ' +
        'test set (the last 20% of each class, in file order), leaving 3200 for training.',
    );
  });

  it('holds out the last records of each class, in file order', () => {
    const byClass = classIndices(all, 10);
    const expectedTest = byClass
      .flatMap((idx, c) => Array.from(idx.subarray(idx.length - [79, 73, 84, 77, 84, 79, 83, 77, 81, 83][c]!)))
      .sort((x, y) => x - y);
    expect(loaded.test.labels.length).toBe(expectedTest.length);
    expectedTest.forEach((i, k) => {
      expect(loaded.test.labels[k]).toBe(all.labels[i]);
    });
    const k = 123;
    const i = expectedTest[k]!;
    expect(Buffer.from(loaded.test.images.subarray(k * 3072, (k + 1) * 3072)).equals(
      Buffer.from(all.images.subarray(i * 3072, (i + 1) * 3072)),
    )).toBe(true);
    // The training part is the first records: record 0 (a frog) stays in training.
    expect(Buffer.from(loaded.train.images.subarray(0, 3072)).equals(Buffer.from(all.images.subarray(0, 3072)))).toBe(true);
  });

  it('is deterministic and never empties a class', () => {
    const again = holdOutStratified(all, 10);
    expect(Buffer.from(again.test.labels).equals(Buffer.from(loaded.test.labels))).toBe(true);
    const tiny = { images: new Uint8Array(3), labels: new Uint8Array([0, 1, 1]), count: 3, height: 1, width: 1, channels: 1 };
    const split = holdOutStratified(tiny, 2, 0.5);
    expect(Array.from(split.train.labels)).toEqual([0, 1]);
    expect(Array.from(split.test.labels)).toEqual([1]);
  });
});
