/**
 * The bad-input corpus: files, links and settings a user (or a tampered link) can hand the app, each with the
 * exact message it must get. One table per entry point, each entry point being the function the worker (or the
 * page, for links) calls on such input, so the tests run the real code path:
 *
 * - `DATASET_FILES`: a built-in dataset's files with one of them replaced → `decodeDataset` (the worker's
 *   `loadDataset` and the CLI's `--data` folder both decode through it);
 * - `IMPORTS`: a file dropped on the page's import → `readImport` (the worker's `importFile`);
 * - `LINKS`: a query string the page opens with → `configFromSearch`;
 * - `CLI_ARGS`: `distill` arguments → the command's one-line answer.
 *
 * Messages are written as the user reads them: `<file>: <problem>` for files. To add a case, add a row; the
 * tests in `src/testing/bad-inputs.test.ts` (unit), `src/cli/cli.test.ts` (the command) and
 * `e2e/bad-input.spec.ts` (the page) pick it up.
 */
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { buildRunRecord } from '../core/run/record';
import { classMajorSet, encodeNpz } from '../core/data/npz';
import { getDataset } from '../core/data/registry';
import type { DatasetId } from '../core/data/types';
import { completeConfig, LIMITS, MAX_LINK_CHARS } from '../shared/config';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../shared/protocol';
import { datasetsDir } from './tf';

// ---------------------------------------------------------------------------------------------------------------
// Builders

const enc = (s: string) => new TextEncoder().encode(s);
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

/** A .npy v1.0 array with the given header fields and data bytes (any of them wrong on purpose). */
function npy(descr: string, shape: readonly number[], data: Uint8Array, fortran = false): Uint8Array {
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${dims}, }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const header = dict + ' '.repeat(total - 10 - dict.length - 1) + '\n';
  const out = new Uint8Array(total + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(enc(header), 10);
  out.set(data, total);
  return out;
}
const f32 = (values: ArrayLike<number>) => new Uint8Array(Float32Array.from(values).buffer);
const i64 = (values: ArrayLike<number>) => new Uint8Array(BigInt64Array.from(Array.from(values), (v) => BigInt(v)).buffer);

/** An MNIST-shaped set as .npz members; `patch` replaces or adds members. */
function mnistNpz(patch: Record<string, Uint8Array | undefined> = {}, n = 10): Uint8Array {
  const members: Record<string, Uint8Array> = {
    'images.npy': npy('<f4', [n, 1, 28, 28], f32(new Float32Array(n * 784).fill(0.5))),
    'labels.npy': npy('<i8', [n], i64(Array.from({ length: n }, (_, i) => i % 10))),
    'mean.npy': npy('<f4', [1], f32([0.1307])),
    'std.npy': npy('<f4', [1], f32([0.3081])),
    'meta.npy': npy('|u1', [enc('{"dataset":"mnist"}').length], enc('{"dataset":"mnist"}')),
  };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete members[k];
    else members[k] = v;
  }
  return zipSync(members, { level: 0, mtime: new Date(1980, 0, 1) });
}

const CONFIG: RunConfig = completeConfig({ ...DEFAULT_RUN_CONFIG, ipc: 1, width: 8, realPerClass: 4, iterations: 6, seed: 5 });

/** A valid run record (JSON text) with `patch` applied to its top level or, for `config`, merged into it. */
function record(patch: { config?: Record<string, unknown>; [key: string]: unknown } = {}): Uint8Array {
  const r = buildRunRecord({
    app: { name: 'distill-playground', version: 'test' },
    config: CONFIG,
    dataset: { id: 'mnist', variant: 'idx', trainCount: 60000, testCount: 10000 },
    initial: { chosen: [] },
    backend: 'cpu',
    iterations: [{ iteration: 1, loss: 0.5, ms: 12 }],
    syntheticSha256: 'a'.repeat(64),
    evaluation: null,
    accuracy: null,
  });
  const { config, ...top } = patch;
  return enc(JSON.stringify({ ...r, ...top, config: { ...r.config, ...config } }));
}

// ---------------------------------------------------------------------------------------------------------------
// Dataset files (decodeDataset)

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

// ---------------------------------------------------------------------------------------------------------------
// Imports (readImport): .npz sets and run records

export interface BadImport {
  name: string;
  /** The file name the user's file has. */
  file: string;
  bytes: () => Uint8Array;
  /** The whole message: `<file>: <problem>`. */
  message: string;
  /** A .npz the CLI's `distill eval --npz` reads too, with the same problem (the message's part after the file). */
  cli?: boolean;
}

export const IMPORTS: BadImport[] = [
  { name: 'an empty file', file: 'empty.npz', bytes: () => new Uint8Array(0), message: 'empty.npz: the file is empty' },
  {
    name: 'neither a zip nor JSON (a PNG)',
    file: 'grid.png',
    bytes: () => Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    message:
      'grid.png: neither a .npz set (a zip archive) nor a run record (JSON): export one from this page or the distill command',
  },
  {
    name: 'a truncated .npz (a zip cut in half)',
    file: 'cut.npz',
    bytes: () => {
      const b = mnistNpz();
      return b.subarray(0, b.length >> 1);
    },
    message: 'cut.npz: not a readable .npz: the zip archive is damaged or cut short (invalid zip data); save or export it again',
    cli: true,
  },
  {
    name: 'an .npz without labels',
    file: 'nolabels.npz',
    bytes: () => mnistNpz({ 'labels.npy': undefined }),
    message: "nolabels.npz: no 'labels' array (expected images, labels, mean and std; found images, mean, std, meta)",
    cli: true,
  },
  {
    name: 'an .npz with images of the wrong shape (32x32 for MNIST)',
    file: 'shape.npz',
    bytes: () => mnistNpz({ 'images.npy': npy('<f4', [10, 1, 32, 32], f32(new Float32Array(10 * 1024))) }),
    message: 'shape.npz: images: shape (10, 1, 32, 32) does not fit MNIST: expected (N, 1, 28, 28), NCHW',
    cli: true,
  },
  {
    name: 'an .npz with images in NHWC instead of NCHW',
    file: 'nhwc.npz',
    bytes: () => mnistNpz({ 'images.npy': npy('<f4', [10, 28, 28, 1], f32(new Float32Array(10 * 784))) }),
    message: 'nhwc.npz: images: shape (10, 28, 28, 1) does not fit MNIST: expected (N, 1, 28, 28), NCHW',
    cli: true,
  },
  {
    name: 'an .npz with images of an unsupported dtype (int16)',
    file: 'dtype.npz',
    bytes: () => mnistNpz({ 'images.npy': npy('<i2', [10, 1, 28, 28], new Uint8Array(10 * 784 * 2)) }),
    message: "dtype.npz: images: dtype '<i2' is not supported (expected one of '<f4', '<f8', '<i8', '<i4', '|u1', '<u1', little-endian)",
    cli: true,
  },
  {
    name: 'an .npz with big-endian float images',
    file: 'bigendian.npz',
    bytes: () => mnistNpz({ 'images.npy': npy('>f4', [10, 1, 28, 28], new Uint8Array(10 * 784 * 4)) }),
    message: "bigendian.npz: images: dtype '>f4' is not supported (expected one of '<f4', '<f8', '<i8', '<i4', '|u1', '<u1', little-endian)",
    cli: true,
  },
  {
    name: 'an .npz with float labels',
    file: 'floatlabels.npz',
    bytes: () => mnistNpz({ 'labels.npy': npy('<f4', [10], f32(Array.from({ length: 10 }, (_, i) => i))) }),
    message: "floatlabels.npz: labels: dtype '<f4' is not supported (expected one of '<i8', '<i4', '|u1', '<u1', little-endian)",
    cli: true,
  },
  {
    name: 'an .npz with fewer labels than images',
    file: 'count.npz',
    bytes: () => mnistNpz({ 'labels.npy': npy('<i8', [9], i64(Array.from({ length: 9 }, (_, i) => i))) }),
    message: 'count.npz: labels: shape (9) does not match the 10 images (expected (10,))',
    cli: true,
  },
  {
    name: 'an .npz with a label out of range',
    file: 'range.npz',
    bytes: () => mnistNpz({ 'labels.npy': npy('<i8', [10], i64([0, 1, 2, 3, 4, 5, 6, 7, 8, 12])) }),
    message: 'range.npz: labels: label 12 at index 9 is out of range (MNIST has classes 0..9)',
    cli: true,
  },
  {
    name: 'an .npz whose images hold NaN',
    file: 'nan.npz',
    bytes: () => mnistNpz({ 'images.npy': npy('<f4', [10, 1, 28, 28], f32(new Float32Array(10 * 784).fill(NaN))) }),
    message: 'nan.npz: images: holds NaN or infinite values',
    cli: true,
  },
  {
    name: 'an .npz whose header promises more data than it holds',
    file: 'short.npz',
    bytes: () => mnistNpz({ 'images.npy': npy('<f4', [10, 1, 28, 28], f32(new Float32Array(784))) }),
    message: "short.npz: images.npy: shape (10, 1, 28, 28) of '<f4' needs 31360 bytes but the array holds 3136",
    cli: true,
  },
  {
    name: 'an .npz in Fortran order',
    file: 'fortran.npz',
    bytes: () => mnistNpz({ 'images.npy': npy('<f4', [10, 1, 28, 28], f32(new Float32Array(10 * 784)), true) }),
    message: 'fortran.npz: images.npy: fortran_order is True (expected C order: save with np.ascontiguousarray)',
    cli: true,
  },
  {
    name: 'an .npz with a zero std',
    file: 'std.npz',
    bytes: () => mnistNpz({ 'std.npy': npy('<f4', [1], f32([0])) }),
    message: 'std.npz: std: values 0 are not usable',
    cli: true,
  },
  {
    name: 'an .npz whose meta names an unknown dataset',
    file: 'svhn.npz',
    bytes: () => mnistNpz({ 'meta.npy': npy('|u1', [18], enc('{"dataset":"svhn"}')) }),
    message: "svhn.npz: meta: unknown dataset 'svhn'",
    cli: true,
  },
  {
    name: 'an .npz member that claims to unpack to 2^31 bytes (refused before unpacking)',
    file: 'bomb.npz',
    bytes: () => {
      const b = mnistNpz();
      // Every local header and central-directory entry of images.npy: uncompressed size := 2^31.
      const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
      for (let i = 0; i + 30 < b.length; i++) {
        const sig = view.getUint32(i, true);
        const nameAt = sig === 0x04034b50 ? i + 30 : sig === 0x02014b50 ? i + 46 : -1;
        if (nameAt < 0) continue;
        const nameLen = view.getUint16(sig === 0x04034b50 ? i + 26 : i + 28, true);
        if (new TextDecoder().decode(b.subarray(nameAt, nameAt + nameLen)) !== 'images.npy') continue;
        view.setUint32(sig === 0x04034b50 ? i + 22 : i + 24, 2 ** 31, true);
      }
      return b;
    },
    message: 'bomb.npz: images.npy would unpack to 2147483648 bytes (at most 268435456 accepted)',
    cli: true,
  },
  {
    name: 'an .npz exported for another page limit (60 images per class)',
    file: 'ipc60.npz',
    bytes: () => encodeNpz(classMajorSet(getDataset('mnist'), new Float32Array(600 * 784), 60)),
    message: 'ipc60.npz: the set has 60 images per class; the page works with at most 50',
  },
  {
    name: 'a run record that is not JSON (cut short)',
    file: 'run.json',
    bytes: () => enc('{"schema": "distill-playground/run-record@1",'),
    message: 'run.json: not valid JSON (Expected double-quoted property name in JSON at position 45)',
  },
  {
    name: 'a JSON document that is not a run record',
    file: 'package.json',
    bytes: () => enc('{"name": "distill-playground", "version": "0.1.0"}'),
    message: 'package.json: not a run record: it has no "schema": "distill-playground/run-record@1"',
  },
  {
    name: 'a run record with a field of the wrong type (ipc as text)',
    file: 'types.json',
    bytes: () => record({ config: { ipc: 'ten' } }),
    message: 'types.json: not a valid run record: config.ipc: Invalid input: expected number, received string',
  },
  {
    name: 'a run record with a missing field',
    file: 'nosha.json',
    bytes: () => {
      const r = JSON.parse(new TextDecoder().decode(record())) as Record<string, unknown>;
      delete r.syntheticSha256;
      return enc(JSON.stringify(r));
    },
    message: 'nosha.json: not a valid run record: syntheticSha256: Invalid input: expected string, received undefined',
  },
  {
    name: 'a run record whose dataset is a script',
    file: 'script.json',
    bytes: () => record({ config: { dataset: '<script>alert(1)</script>' } }),
    message: 'script.json: not a valid run record: config.dataset: Invalid option: expected one of "mnist"|"fashion-mnist"|"cifar-10"|"custom"',
  },
  {
    name: 'a run record with a negative learning rate',
    file: 'lr.json',
    bytes: () => record({ config: { lrImages: -1 } }),
    message: `lr.json: its configuration is outside what the page runs: lrImages must be a number from ${LIMITS.lrImages.min} to ${LIMITS.lrImages.max}`,
  },
  {
    name: 'a run record with a huge iteration count',
    file: 'huge.json',
    bytes: () => record({ config: { iterations: 1e12 } }),
    message: `huge.json: its configuration is outside what the page runs: iterations must be a whole number from 1 to ${LIMITS.iterations.max}`,
  },
  {
    name: 'a run record with an unknown configuration field',
    file: 'extra.json',
    bytes: () => record({ config: { turbo: true } }),
    message: "extra.json: its configuration is outside what the page runs: unknown field 'turbo'",
  },
  {
    name: 'a run record larger than any real one (33 MiB)',
    file: 'big.json',
    bytes: () => {
      const b = new Uint8Array(2 ** 25 + 1).fill(0x20);
      b[0] = 0x7b;
      return b;
    },
    message: 'big.json: a run record of 33554433 bytes is too large (at most 33554432)',
  },
];

// ---------------------------------------------------------------------------------------------------------------
// Links (configFromSearch)

export interface BadLink {
  name: string;
  search: string;
  /** Every message the page lists, in order. */
  errors: string[];
  /** Settings of the link that are fine and must be kept. */
  kept?: Partial<RunConfig>;
}

const range = (field: keyof typeof LIMITS & string) => {
  const l = LIMITS[field] as { min: number; max: number; int: boolean };
  return `${field} must be ${l.int ? 'a whole number' : 'a number'} from ${l.min} to ${l.max}`;
};

export const LINKS: BadLink[] = [
  { name: 'an unknown field', search: '?ipc=3&turbo=1', errors: ["unknown field 'turbo'"], kept: { ipc: 3 } },
  { name: 'a number field given text', search: '?ipc=ten&width=16', errors: [`${range('ipc')} (got 'ten')`], kept: { width: 16 } },
  { name: 'a NaN hyper-parameter', search: '?lrImages=NaN&ipc=2', errors: [`${range('lrImages')} (got 'NaN')`], kept: { ipc: 2 } },
  { name: 'an infinite hyper-parameter', search: '?momentum=Infinity', errors: [`${range('momentum')} (got 'Infinity')`] },
  { name: 'a negative hyper-parameter', search: '?momentum=-0.5&seed=9', errors: [`${range('momentum')} (got '-0.5')`], kept: { seed: 9 } },
  { name: 'a huge value', search: '?iterations=99999999999999999999', errors: [`${range('iterations')} (got '99999999999999999999')`] },
  { name: 'a fractional count', search: '?width=8.5', errors: [`${range('width')} (got '8.5')`] },
  { name: 'a hex number', search: '?width=0x10', errors: [`${range('width')} (got '0x10')`] },
  { name: 'a boolean that is not one', search: '?dsa=maybe', errors: ["dsa must be true or false (got 'maybe')"] },
  {
    name: 'a script in a string (echoed as text, cut to 40 characters)',
    search: `?dataset=${encodeURIComponent('<script>alert(document.cookie)</script>')}`,
    errors: ["dataset must be one of mnist, fashion-mnist, cifar-10, custom (got '<script>alert(document.cookie)</script>')"],
  },
  {
    name: 'an image tag in a field name',
    search: `?${encodeURIComponent('<img src=x onerror=alert(1)>')}=1`,
    errors: ["unknown field '<img src=x onerror=alert(1)>'"],
  },
  {
    name: 'control characters in a value',
    search: `?method=${encodeURIComponent('dm\n\u0007evil')}`,
    errors: ["method must be one of dm, dc, krr, mtt, sre2l, mgdd (got 'dm??evil')"],
  },
  { name: 'an unknown backend', search: '?backend=quantum&ipc=4', errors: ["backend must be one of auto, webgpu, webgl, wasm, cpu (got 'quantum')"], kept: { ipc: 4 } },
  { name: 'a field given twice', search: '?ipc=2&ipc=40', errors: ["'ipc' appears more than once; the first value is used"], kept: { ipc: 2 } },
  {
    name: 'a huge link',
    search: `?ipc=2&x=${'a'.repeat(MAX_LINK_CHARS)}`,
    // The tests open it with `&run=1` appended (6 characters more).
    errors: [`the link's settings are ${MAX_LINK_CHARS + 15} characters long; at most ${MAX_LINK_CHARS} are read, so all were ignored`],
  },
  {
    name: 'a long value (echoed cut to 40 characters)',
    search: `?init=${'x'.repeat(100)}`,
    errors: [`init must be one of real, noise, kmeans, importance (got '${'x'.repeat(40)}…')`],
  },
];

// ---------------------------------------------------------------------------------------------------------------
// Command-line arguments (distill)

export interface BadArgs {
  name: string;
  args: string[];
  /** The first line on stderr, after `distill: `. */
  message: string;
}

const RUN = ['run', '--dataset', 'mnist', '--data', '.'];
export const CLI_ARGS: BadArgs[] = [
  { name: 'a NaN count', args: [...RUN, '--ipc', 'NaN'], message: "--ipc must be a number (got 'NaN')" },
  { name: 'a non-numeric count', args: [...RUN, '--iterations', 'many'], message: "--iterations must be a number (got 'many')" },
  { name: 'an empty count', args: [...RUN, '--width', ''], message: "--width must be a number (got '')" },
  { name: 'a hex count', args: [...RUN, '--width', '0x10'], message: "--width must be a number (got '0x10')" },
  { name: 'a negative count', args: [...RUN, '--real=-4'], message: "--real must be at least 1 (got '-4')" },
  { name: 'a huge count', args: [...RUN, '--iterations', '1e99'], message: "--iterations must be at most 1000000 (got '1e99')" },
  { name: 'an infinite count', args: [...RUN, '--seed', 'Infinity'], message: "--seed must be a number (got 'Infinity')" },
  { name: 'a fractional count', args: [...RUN, '--ipc', '2.5'], message: "--ipc must be a whole number (got '2.5')" },
  { name: 'a NaN hyper-parameter', args: [...RUN, '--sampler-alpha', 'NaN'], message: "--sampler-alpha must be a number (got 'NaN')" },
  { name: 'a hyper-parameter out of range', args: [...RUN, '--sampler-alpha', '1.5'], message: "--sampler-alpha must be between 0 and 1 (got '1.5')" },
];

/** Every case of every table, counted (the closing note quotes it). */
export const CORPUS_SIZE = DATASET_FILES.length + IMPORTS.length + LINKS.length + CLI_ARGS.length;

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
