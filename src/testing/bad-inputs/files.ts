/** The bad-input corpus (src/testing/bad-inputs.ts): a built-in dataset's files with one replaced → `decodeDataset`. */
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { getDataset } from '../../core/data/registry';
import type { DatasetId } from '../../core/data/types';
import { datasetsDir } from '../tf';

export const enc = (s: string) => new TextEncoder().encode(s);
const gz = (b: Uint8Array) => new Uint8Array(gzipSync(b));

/** The real bytes of a dataset file (as published: .gz still compressed). */
export function realFile(id: DatasetId, name: string): Uint8Array {
  return new Uint8Array(fs.readFileSync(path.join(datasetsDir(), id, name)));
}
const rawFile = (id: DatasetId, name: string) => new Uint8Array(gunzipSync(realFile(id, name)));

/** An IDX file: 4 magic bytes, big-endian dimensions, then `payload` (zeros unless given). */
function idx(magic: [number, number, number, number], dims: number[], payload: number | Uint8Array): Uint8Array {
  const body = typeof payload === 'number' ? new Uint8Array(payload) : payload;
  const out = new Uint8Array(4 + 4 * dims.length + body.length);
  out.set(magic);
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(body, 4 + 4 * dims.length);
  return out;
}

export interface BadDatasetFile {
  name: string;
  dataset: DatasetId;
  variant: string;
  /** The file replaced (or removed, when `bytes` returns null). */
  file: string;
  bytes: () => Uint8Array | null;
  /** The whole message: `<file>: <problem>`. */
  message: string;
}

const TRAIN_IMAGES = 'train-images-idx3-ubyte.gz';
const TRAIN_LABELS = 'train-labels-idx1-ubyte.gz';
const TEST_LABELS = 't10k-labels-idx1-ubyte.gz';
const CIFAR_PARTIAL = 'data_batch_1.first4000.bin';
const LIMIT = 2 ** 28;
const GZ_LIMIT = LIMIT + 1024;

export const DATASET_FILES: BadDatasetFile[] = [
  {
    name: 'an empty file',
    dataset: 'mnist',
    variant: 'idx',
    file: TRAIN_IMAGES,
    bytes: () => new Uint8Array(0),
    message: `${TRAIN_IMAGES}: empty file (0 bytes)`,
  },
  {
    name: 'a missing file',
    dataset: 'mnist',
    variant: 'idx',
    file: TRAIN_LABELS,
    bytes: () => null,
    message: `${TRAIN_LABELS}: missing: MNIST (idx) needs this file`,
  },
  {
    name: 'a .gz that is not gzip (an uncompressed IDX file)',
    dataset: 'mnist',
    variant: 'idx',
    file: TRAIN_LABELS,
    bytes: () => rawFile('mnist', TRAIN_LABELS),
    message: `${TRAIN_LABELS}: not a gzip file: starts with 00 00, expected 1f 8b`,
  },
  {
    name: 'a truncated gzip (the first half of the real file)',
    dataset: 'mnist',
    variant: 'idx',
    file: TRAIN_LABELS,
    bytes: () => {
      const b = realFile('mnist', TRAIN_LABELS);
      return b.subarray(0, b.length >> 1);
    },
    message:
      `${TRAIN_LABELS}: corrupt or truncated gzip: its trailer says it decompresses to 3536890474 bytes, which 14440 ` +
      'compressed bytes cannot hold (deflate expands at most 1032:1)',
  },
  {
    name: 'a truncated gzip (the last 8 bytes, its trailer, cut off)',
    dataset: 'mnist',
    variant: 'idx',
    file: TRAIN_LABELS,
    bytes: () => {
      const b = realFile('mnist', TRAIN_LABELS);
      return b.subarray(0, b.length - 8);
    },
    message:
      `${TRAIN_LABELS}: corrupt or truncated gzip: its trailer says it decompresses to 4294799941 bytes, which 28873 ` +
      'compressed bytes cannot hold (deflate expands at most 1032:1)',
  },
  {
    name: 'a truncated gzip (its second half missing, the trailer kept)',
    dataset: 'mnist',
    variant: 'idx',
    file: TRAIN_LABELS,
    bytes: () => {
      const b = realFile('mnist', TRAIN_LABELS);
      const out = new Uint8Array((b.length >> 1) + 8);
      out.set(b.subarray(0, b.length >> 1));
      out.set(b.subarray(b.length - 8), b.length >> 1);
      return out;
    },
    message: `${TRAIN_LABELS}: corrupt or truncated gzip (unexpected EOF)`,
  },
  {
    name: 'a corrupt gzip (bytes flipped in the deflate stream)',
    dataset: 'mnist',
    variant: 'idx',
    file: TRAIN_LABELS,
    bytes: () => {
      const b = realFile('mnist', TRAIN_LABELS).slice();
      for (let i = 2000; i < 2016; i++) b[i]! ^= 0xa5;
      return b;
    },
    message: `${TRAIN_LABELS}: corrupt or truncated gzip (invalid distance)`,
  },
  {
    name: 'a gzip whose trailer claims 2^31 bytes (refused before inflating)',
    dataset: 'mnist',
    variant: 'idx',
    file: TRAIN_IMAGES,
    bytes: () => {
      const b = realFile('mnist', TRAIN_IMAGES).slice();
      new DataView(b.buffer).setUint32(b.length - 4, 2 ** 31, true);
      return b;
    },
    message:
      `${TRAIN_IMAGES}: corrupt or truncated gzip, or too large: its trailer says it decompresses to 2147483648 bytes, ` +
      `more than the ${GZ_LIMIT}-byte limit`,
  },
  {
    name: 'an IDX images file with a wrong magic number (a labels file)',
    dataset: 'mnist',
    variant: 'idx',
    file: TRAIN_IMAGES,
    bytes: () => gz(idx([0, 0, 8, 1], [60000], 60000)),
    message: `${TRAIN_IMAGES}: magic number 0x00000801, expected 0x00000803 (unsigned-byte images, 3 dimensions)`,
  },
  {
    name: 'an IDX file that does not start with two zero bytes',
    dataset: 'mnist',
    variant: 'idx',
    file: TRAIN_LABELS,
    bytes: () => gz(enc('PK\u0003\u0004 this is a zip, not IDX')),
    message:
      `${TRAIN_LABELS}: magic number 0x504B0304, expected 0x00000801 (unsigned-byte labels, 1 dimension): ` +
      'an IDX file starts with two zero bytes (is this an IDX file?)',
  },
  {
    name: 'an IDX file with a wrong dtype code (32-bit float)',
    dataset: 'mnist',
    variant: 'idx',
    file: TRAIN_IMAGES,
    bytes: () => gz(idx([0, 0, 0x0d, 3], [10, 28, 28], 10 * 784 * 4)),
    message:
      `${TRAIN_IMAGES}: magic number 0x00000D03, expected 0x00000803 (unsigned-byte images, 3 dimensions): ` +
      'data type 0x0D (32-bit float) is not supported, only 0x08 (unsigned byte)',
  },
  {
    name: 'an IDX file with an unknown dtype code',
    dataset: 'mnist',
    variant: 'idx',
    file: TRAIN_LABELS,
    bytes: () => gz(idx([0, 0, 0x42, 1], [60000], 60000)),
    message:
      `${TRAIN_LABELS}: magic number 0x00004201, expected 0x00000801 (unsigned-byte labels, 1 dimension): ` +
      'data type 0x42 (unknown) is not supported, only 0x08 (unsigned byte)',
  },
  {
    name: 'IDX dimensions that disagree with the file length (one image more than the data)',
    dataset: 'mnist',
    variant: 'idx',
    file: TRAIN_IMAGES,
    bytes: () => {
      const raw = rawFile('mnist', TRAIN_IMAGES);
      new DataView(raw.buffer).setUint32(4, 60001, false);
      return gz(raw);
    },
    message:
      `${TRAIN_IMAGES}: dimensions [60001, 28, 28] need 47040784 bytes of data after the 16-byte header, ` +
      'but 47040000 follow (truncated)',
  },
  {
    name: 'IDX data longer than its dimensions say (trailing bytes)',
    dataset: 'mnist',
    variant: 'idx',
    file: TRAIN_LABELS,
    bytes: () => {
      const raw = rawFile('mnist', TRAIN_LABELS);
      const out = new Uint8Array(raw.length + 3);
      out.set(raw);
      return gz(out);
    },
    message: `${TRAIN_LABELS}: dimensions [60000] need 60000 bytes of data after the 8-byte header, but 60003 follow (trailing bytes)`,
  },
  {
    name: 'absurd IDX dimensions (2^31 images), refused from the header before allocating',
    dataset: 'mnist',
    variant: 'idx',
    file: TRAIN_IMAGES,
    bytes: () => gz(idx([0, 0, 8, 3], [2 ** 31, 28, 28], 784)),
    message: `${TRAIN_IMAGES}: dimensions [2147483648, 28, 28] describe 1683627180032 bytes of data, more than the ${LIMIT}-byte limit`,
  },
  {
    name: 'an IDX header cut short (3 dimensions announced, 1 present)',
    dataset: 'mnist',
    variant: 'idx',
    file: TRAIN_IMAGES,
    bytes: () => gz(idx([0, 0, 8, 3], [60000], 0)),
    message: `${TRAIN_IMAGES}: truncated header: 3 dimensions need a 16-byte header, the file has 8 bytes`,
  },
  {
    name: 'images of the wrong size (32x32 in MNIST)',
    dataset: 'mnist',
    variant: 'idx',
    file: TRAIN_IMAGES,
    bytes: () => gz(idx([0, 0, 8, 3], [60000, 32, 32], 60000 * 1024)),
    message: `${TRAIN_IMAGES}: dimension 1 is 32, expected 28 (dimensions [60000, 32, 32])`,
  },
  {
    name: 'images and labels with different counts',
    dataset: 'mnist',
    variant: 'idx',
    file: TRAIN_LABELS,
    bytes: () => {
      const raw = rawFile('mnist', TRAIN_LABELS);
      const out = raw.slice(0, raw.length - 1);
      new DataView(out.buffer).setUint32(4, 59999, false);
      return gz(out);
    },
    message: `${TRAIN_LABELS}: 59999 labels, but ${TRAIN_IMAGES} has 60000 images`,
  },
  {
    name: 'a label out of range (10 in a 10-class dataset)',
    dataset: 'mnist',
    variant: 'idx',
    file: TEST_LABELS,
    bytes: () => {
      const raw = rawFile('mnist', TEST_LABELS);
      raw[8 + 1234] = 10;
      return gz(raw);
    },
    message: `${TEST_LABELS}: label 10 at record 1234 is out of range (10 classes: 0 to 9)`,
  },
  {
    name: 'a CIFAR file whose length is not a multiple of 3073',
    dataset: 'cifar-10',
    variant: 'partial-4000',
    file: CIFAR_PARTIAL,
    bytes: () => realFile('cifar-10', CIFAR_PARTIAL).subarray(0, 3073 * 10 + 1000),
    message:
      `${CIFAR_PARTIAL}: 31730 bytes is not a whole number of 3073-byte CIFAR records (10 records and 1000 bytes left over): ` +
      'truncated or not a CIFAR-10 binary batch',
  },
  {
    name: 'an empty CIFAR file',
    dataset: 'cifar-10',
    variant: 'partial-4000',
    file: CIFAR_PARTIAL,
    bytes: () => new Uint8Array(0),
    message: `${CIFAR_PARTIAL}: empty file (0 bytes)`,
  },
  {
    name: 'a CIFAR record with a label out of range',
    dataset: 'cifar-10',
    variant: 'partial-4000',
    file: CIFAR_PARTIAL,
    bytes: () => {
      const b = realFile('cifar-10', CIFAR_PARTIAL).slice(0, 3073 * 20);
      b[3073 * 7] = 200;
      return b;
    },
    message: `${CIFAR_PARTIAL}: label 200 of record 7 (byte 21511) is out of range (10 classes: 0 to 9)`,
  },
];


/** The real files of a dataset variant, keyed by name, with `bad` replacing (or removing) one of them. */
export function variantFiles(c: Pick<BadDatasetFile, 'dataset' | 'variant' | 'file' | 'bytes'>): Map<string, Uint8Array> {
  const spec = getDataset(c.dataset);
  const variant = spec.variants.find((v) => v.id === c.variant)!;
  const files = new Map(variant.files.map((f) => [f.name, realFile(c.dataset, f.name)]));
  const bad = c.bytes();
  if (bad === null) files.delete(c.file);
  else files.set(c.file, bad);
  return files;
}
