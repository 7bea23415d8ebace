/** The bad-input corpus (src/testing/bad-inputs.ts): files dropped on the page's import → `readImport`. */
import { zipSync } from 'fflate';
import { buildRunRecord } from '../../core/run/record';
import { classMajorSet, encodeNpz } from '../../core/data/npz';
import { getDataset } from '../../core/data/registry';
import { completeConfig, LIMITS } from '../../shared/config';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../shared/protocol';
import { enc } from './files';

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

