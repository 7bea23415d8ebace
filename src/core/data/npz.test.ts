import { describe, expect, it } from 'vitest';
import { unzipSync, zipSync } from 'fflate';
import { DatasetFormatError } from './errors';
import { classMajorSet, decodeNpz, encodeNpz, forEvaluation, MAX_NPY_BYTES, NPZ_FORMAT, type DistilledSet } from './npz';
import { DATASETS } from './registry';
import { Rng } from '../rng';

/** A .npy member written by hand (independent of the codec's writer): magic, v1.0, the header as given, the data. */
function npyRaw(header: string, data: Uint8Array): Uint8Array {
  const padded = header.padEnd(Math.ceil((10 + header.length + 1) / 64) * 64 - 11, ' ') + '\n';
  const out = new Uint8Array(10 + padded.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, padded.length & 0xff, padded.length >> 8]);
  for (let i = 0; i < padded.length; i++) out[10 + i] = padded.charCodeAt(i);
  out.set(data, 10 + padded.length);
  return out;
}

function npyOf(descr: string, shape: number[], values: ArrayLike<number>, fortran = false): Uint8Array {
  const size = { '<f4': 4, '<f8': 8, '<i8': 8, '<i4': 4, '|u1': 1, '<u1': 1, '<f2': 2, '>f4': 4 }[descr]!;
  const data = new Uint8Array(values.length * size);
  const view = new DataView(data.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (descr === '<f4') view.setFloat32(i * 4, v, true);
    else if (descr === '>f4') view.setFloat32(i * 4, v, false);
    else if (descr === '<f8') view.setFloat64(i * 8, v, true);
    else if (descr === '<i8') view.setBigInt64(i * 8, BigInt(v), true);
    else if (descr === '<i4') view.setInt32(i * 4, v, true);
    else if (descr === '<f2') view.setUint16(i * 2, 0, true);
    else view.setUint8(i, v);
  }
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  return npyRaw(`{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${dims}, }`, data);
}

/** A random MNIST-shaped set of `n` images: NCHW values i/1000 (so the layout is checkable), labels i % 10. */
function mnistArrays(n: number, over: Record<string, Uint8Array | null> = {}): Uint8Array {
  const files: Record<string, Uint8Array | null> = {
    'images.npy': npyOf('<f4', [n, 1, 28, 28], Array.from({ length: n * 784 }, (_, i) => i / 1000)),
    'labels.npy': npyOf('<i8', [n], Array.from({ length: n }, (_, i) => i % 10)),
    'mean.npy': npyOf('<f4', [1], [0.1307]),
    'std.npy': npyOf('<f4', [1], [0.3081]),
    ...over,
  };
  return zipSync(Object.fromEntries(Object.entries(files).filter((e): e is [string, Uint8Array] => e[1] !== null)));
}

function cifarSet(ipc: number, seed = 1): DistilledSet {
  const spec = DATASETS['cifar-10'];
  const rng = new Rng(seed);
  const pixels = Float32Array.from({ length: 10 * ipc * 32 * 32 * 3 }, () => rng.next() * 4 - 2);
  return classMajorSet(spec, pixels, ipc, { app: { name: 'distill-playground', version: '0.1.0' }, method: 'dm', config: { iterations: 3 } });
}

function expectFormatError(f: () => unknown, message: RegExp): void {
  expect(f).toThrow(DatasetFormatError);
  expect(f).toThrow(message);
}

describe('encodeNpz / decodeNpz', () => {
  it('round-trips a CIFAR-10 set exactly, with its labels, normalisation, ipc and meta', () => {
    const set = cifarSet(2);
    const bytes = encodeNpz(set);
    const back = decodeNpz(bytes);
    expect(back.dataset).toBe('cifar-10');
    expect(back.shape).toEqual([32, 32, 3]);
    expect(back.pixels).toEqual(set.pixels);
    expect(Array.from(back.labels)).toEqual(Array.from(set.labels));
    expect(back.mean).toEqual(Array.from(Float32Array.from(set.mean)));
    expect(back.std).toEqual(Array.from(Float32Array.from(set.std)));
    expect(back.ipc).toBe(2);
    expect(back.meta).toEqual(set.meta);
    expect(encodeNpz(set)).toEqual(bytes); // the bytes are a function of the set
  });

  it('writes images NCHW and labels int64, each member a v1.0 .npy with a 64-byte aligned header', () => {
    const set = cifarSet(1);
    const members = unzipSync(encodeNpz(set));
    expect(Object.keys(members).sort()).toEqual(['images.npy', 'ipc.npy', 'labels.npy', 'mean.npy', 'meta.npy', 'std.npy']);
    const headerOf = (m: Uint8Array) => new TextDecoder().decode(m.subarray(10, 10 + (m[8]! | (m[9]! << 8))));
    const images = members['images.npy']!;
    expect([...images.subarray(0, 8)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    expect(headerOf(images)).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(10, 3, 32, 32\), \} *\n$/);
    expect((10 + headerOf(images).length) % 64).toBe(0);
    expect(headerOf(members['labels.npy']!)).toMatch(/'descr': '<i8', 'fortran_order': False, 'shape': \(10,\)/);
    expect(headerOf(members['ipc.npy']!)).toMatch(/'descr': '<i8', 'fortran_order': False, 'shape': \(\)/);
    expect(headerOf(members['meta.npy']!)).toMatch(/'descr': '<U\d+', 'fortran_order': False, 'shape': \(\)/);
    const data = new DataView(images.buffer, images.byteOffset + 10 + headerOf(images).length);
    // Image 7, channel 2, row 5, column 9: NCHW offset ((7*3 + 2)*32 + 5)*32 + 9; NHWC ((7*32 + 5)*32 + 9)*3 + 2.
    expect(data.getFloat32((((7 * 3 + 2) * 32 + 5) * 32 + 9) * 4, true)).toBe(set.pixels[((7 * 32 + 5) * 32 + 9) * 3 + 2]);
  });

  it('reads float64 images, int32 / uint8 labels and float64 normalisation, without ipc or meta when told the dataset', () => {
    for (const labelDescr of ['<i4', '|u1', '<u1', '<i8']) {
      const bytes = mnistArrays(3, {
        'images.npy': npyOf('<f8', [3, 1, 28, 28], Array.from({ length: 3 * 784 }, (_, i) => i / 1000)),
        'labels.npy': npyOf(labelDescr, [3], [4, 0, 9]),
        'mean.npy': npyOf('<f8', [1], [0.5]),
        'std.npy': npyOf('<f8', [1], [0.25]),
      });
      const set = decodeNpz(bytes, { dataset: 'mnist' });
      expect(Array.from(set.labels)).toEqual([4, 0, 9]);
      expect(set.pixels[2 * 784 + 100]).toBe(Math.fround((2 * 784 + 100) / 1000));
      expect(set.mean).toEqual([0.5]);
      expect(set.std).toEqual([0.25]);
      expect(set.ipc).toBeNull();
      expect(set.meta).toEqual({});
    }
  });

  it('takes the dataset from meta, and refuses a dataset that disagrees with it', () => {
    const bytes = encodeNpz(cifarSet(1));
    expect(decodeNpz(bytes, { dataset: 'cifar-10' }).dataset).toBe('cifar-10');
    expectFormatError(() => decodeNpz(bytes, { dataset: 'mnist', file: 'set.npz' }), /^set\.npz: the file holds a cifar-10 set, not mnist$/);
    expectFormatError(() => decodeNpz(mnistArrays(2), { file: 'x.npz' }), /^x\.npz: the file does not say which dataset it is \(no meta\.dataset\)/);
  });

  it.each([
    ['not a zip', () => new Uint8Array([1, 2, 3, 4, 5]), /not an \.npz file \(no zip signature PK\)/],
    ['a truncated zip', () => encodeNpz(cifarSet(1)).subarray(0, 500), /not a readable \.npz: the zip archive is damaged or cut short/],
    ['fortran order', () => mnistArrays(2, { 'images.npy': npyOf('<f4', [2, 1, 28, 28], new Array(2 * 784).fill(0), true) }),
      /images\.npy: fortran_order is True \(expected C order/],
    ['float16 images', () => mnistArrays(2, { 'images.npy': npyOf('<f2', [2, 1, 28, 28], new Array(2 * 784).fill(0)) }),
      /images: dtype '<f2' is not supported \(expected one of '<f4', '<f8', '<i8', '<i4', '\|u1', '<u1'/],
    ['big-endian images', () => mnistArrays(2, { 'images.npy': npyOf('>f4', [2, 1, 28, 28], new Array(2 * 784).fill(0)) }),
      /images: dtype '>f4' is not supported .*little-endian/],
    ['float labels', () => mnistArrays(2, { 'labels.npy': npyOf('<f4', [2], [0, 1]) }), /labels: dtype '<f4' is not supported \(expected one of '<i8', '<i4', '\|u1', '<u1'/],
    ['a shape that disagrees with the bytes', () => mnistArrays(2, { 'images.npy': npyOf('<f4', [3, 1, 28, 28], new Array(2 * 784).fill(0)) }),
      /images\.npy: shape \(3, 1, 28, 28\) of '<f4' needs 9408 bytes but the array holds 6272/],
    ['a missing labels array', () => mnistArrays(2, { 'labels.npy': null }), /no 'labels' array \(expected images, labels, mean and std; found images, mean, std/],
    ['a missing std array', () => mnistArrays(2, { 'std.npy': null }), /no 'std' array/],
    ['NHWC images', () => mnistArrays(2, { 'images.npy': npyOf('<f4', [2, 28, 28, 1], new Array(2 * 784).fill(0)) }),
      /images: shape \(2, 28, 28, 1\) does not fit MNIST: expected \(N, 1, 28, 28\), NCHW/],
    ['CIFAR-sized images', () => mnistArrays(1, { 'images.npy': npyOf('<f4', [1, 3, 32, 32], new Array(3072).fill(0)) }),
      /images: shape \(1, 3, 32, 32\) does not fit MNIST/],
    ['a label of 10', () => mnistArrays(2, { 'labels.npy': npyOf('<i8', [2], [3, 10]) }), /labels: label 10 at index 1 is out of range \(MNIST has classes 0\.\.9\)/],
    ['a negative label', () => mnistArrays(2, { 'labels.npy': npyOf('<i4', [2], [-1, 0]) }), /labels: label -1 at index 0 is out of range/],
    ['fewer labels than images', () => mnistArrays(2, { 'labels.npy': npyOf('<i8', [1], [0]) }), /labels: shape \(1\) does not match the 2 images/],
    ['NaN pixels', () => mnistArrays(1, { 'images.npy': npyOf('<f4', [1, 1, 28, 28], [NaN, ...new Array(783).fill(0)]) }), /images: holds NaN or infinite values/],
    ['a zero std', () => mnistArrays(1, { 'std.npy': npyOf('<f4', [1], [0]) }), /std: values 0 are not usable/],
    ['three means for one channel', () => mnistArrays(1, { 'mean.npy': npyOf('<f4', [3], [0, 0, 0]) }), /mean: shape \(3\) does not fit 1 channel/],
    ['no magic', () => mnistArrays(1, { 'mean.npy': new Uint8Array(20) }), /mean\.npy: not a \.npy array/],
    ['a header longer than the array', () => mnistArrays(1, { 'mean.npy': npyOf('<f4', [1], [0]).subarray(0, 40) }), /mean\.npy: the header claims 118 bytes/],
    ['a malformed header', () => mnistArrays(1, { 'mean.npy': npyRaw("{'descr': '<f4'}", new Uint8Array(4)) }), /mean\.npy: malformed header/],
    ['an ipc that disagrees with the labels', () => mnistArrays(2, { 'ipc.npy': npyOf('<i8', [], [1]) }), /ipc: says 1 images per class but the labels count 1, 1, 0,/],
    ['meta that is not JSON', () => mnistArrays(1, { 'meta.npy': npyOf('|u1', [3], [1, 2, 3]) }), /meta: is not valid JSON/],
    ['meta naming an unknown dataset', () => mnistArrays(1, { 'meta.npy': npyOf('|u1', [15], Array.from('{"dataset":"x"}', (ch) => ch.charCodeAt(0))) }),
      /meta: unknown dataset 'x'/],
  ])('refuses %s with a message naming the array and what was expected', (_name, make, message) => {
    expectFormatError(() => decodeNpz(make(), { dataset: 'mnist', file: 'bad.npz' }), new RegExp(`^bad\\.npz: ${message.source}`));
  });

  it('refuses a member that would unpack beyond the limit, before inflating it', () => {
    const bytes = mnistArrays(1);
    // Patch the central directory's uncompressed size of the first member (offset 24 of each 0x02014b50 record).
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    let at = bytes.length - 22;
    at = view.getUint32(at + 16, true);
    expect(view.getUint32(at, true)).toBe(0x02014b50);
    view.setUint32(at + 24, MAX_NPY_BYTES + 1, true);
    expectFormatError(() => decodeNpz(bytes, { dataset: 'mnist' }), /images\.npy would unpack to 268435457 bytes \(at most 268435456 accepted\)/);
  });

  it('meta is JSON with the format, dataset and class names', () => {
    const members = unzipSync(encodeNpz(cifarSet(1)));
    const m = members['meta.npy']!;
    const start = 10 + (m[8]! | (m[9]! << 8));
    const view = new DataView(m.buffer, m.byteOffset + start);
    const text = String.fromCodePoint(...Array.from({ length: (m.length - start) / 4 }, (_, i) => view.getUint32(i * 4, true)));
    expect(JSON.parse(text)).toMatchObject({ format: NPZ_FORMAT, dataset: 'cifar-10', classes: DATASETS['cifar-10'].classes, layout: 'NCHW', method: 'dm' });
  });
});

describe('forEvaluation', () => {
  it('puts a shuffled set back in class-major order, keeping the pixels when the normalisation is the dataset’s', () => {
    const set = decodeNpz(mnistArrays(20, { 'labels.npy': npyOf('<i8', [20], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) }), { dataset: 'mnist' });
    const { pixels, ipc } = forEvaluation(set);
    expect(ipc).toBe(2);
    // Class 0 is images 9 and 10, class 9 images 0 and 19.
    expect(pixels.subarray(0, 784)).toEqual(set.pixels.subarray(9 * 784, 10 * 784));
    expect(pixels.subarray(784, 2 * 784)).toEqual(set.pixels.subarray(10 * 784, 11 * 784));
    expect(pixels.subarray(18 * 784, 19 * 784)).toEqual(set.pixels.subarray(0, 784));
    expect(pixels.subarray(19 * 784)).toEqual(set.pixels.subarray(19 * 784));
  });

  it('re-normalises a set saved with another mean and std into the dataset’s', () => {
    const set = decodeNpz(mnistArrays(10, { 'mean.npy': npyOf('<f4', [1], [0.5]), 'std.npy': npyOf('<f4', [1], [0.5]) }), { dataset: 'mnist' });
    const { pixels } = forEvaluation(set);
    for (const i of [0, 1000, 7839]) {
      const raw = set.pixels[i]! * 0.5 + 0.5; // pixel / 255
      expect(pixels[i]).toBeCloseTo((raw - 0.1307) / 0.3081, 5);
    }
  });

  it('refuses classes of different sizes', () => {
    const set = decodeNpz(mnistArrays(11), { dataset: 'mnist' });
    expect(() => forEvaluation(set)).toThrow('the set has 2, 1, 1, 1, 1, 1, 1, 1, 1, 1 images per class; the evaluation needs the same number (at least 1) in every class');
  });
});
