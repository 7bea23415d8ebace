/**
 * The .npz codec against an independent implementation: NumPy. Real images go out through encodeNpz and are read
 * by numpy.load; arrays written by np.savez come back through decodeNpz. Needs python3 with numpy (CI installs
 * Debian's python3-numpy); without it these tests fail, saying so.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDatasetFromDir } from '../../node/datasets';
import { datasetsDir } from '../../testing/tf';
import { gatherPixels, prepareRealData } from './batches';
import { DatasetFormatError } from './errors';
import { classMajorSet, decodeNpz, encodeNpz, forEvaluation } from './npz';
import type { DatasetId } from './types';

function python(script: string, ...args: string[]): string {
  const r = spawnSync('python3', ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (r.error) throw new Error(`python3 could not be run (${r.error.message}): install python3 and numpy (apt-get install python3-numpy)`);
  if (r.status !== 0) throw new Error(`python3 exited with ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npz-'));

beforeAll(() => {
  const r = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(`these tests need python3 with numpy, to read and write .npz independently: apt-get install python3-numpy (${r.error?.message ?? r.stderr.trim()})`);
  }
});

/** The first `perClass` training images of each class, class-major: their uint8 bytes (HWC) and the normalised set. */
function realSet(id: DatasetId, perClass: number) {
  const loaded = loadDatasetFromDir(id, datasetsDir());
  const train = prepareRealData(loaded.train, loaded.spec);
  const picks = train.byClass.flatMap((idx) => Array.from(idx.subarray(0, perClass)));
  const size = loaded.train.height * loaded.train.width * loaded.train.channels;
  const bytes = new Uint8Array(picks.length * size);
  picks.forEach((p, k) => bytes.set(loaded.train.images.subarray(p * size, (p + 1) * size), k * size));
  const set = classMajorSet(loaded.spec, gatherPixels(train, picks), perClass, { app: { name: 'distill-playground', version: 'test' }, method: 'dm' });
  return { spec: loaded.spec, set, bytes };
}

/** What numpy sees in an .npz: keys, dtypes, shapes, values, and the pixels recovered through mean and std. */
const READ = `
import json, sys
import numpy as np
f = np.load(sys.argv[1])  # allow_pickle stays False
images, labels, mean, std = f['images'], f['labels'], f['mean'], f['std']
recovered = np.rint((images * std[None, :, None, None] + mean[None, :, None, None]) * 255)
print(json.dumps({
  'keys': sorted(f.files),
  'dtypes': {k: f[k].dtype.str for k in f.files},
  'shapes': {k: list(f[k].shape) for k in f.files},
  'contiguous': bool(images.flags['C_CONTIGUOUS']),
  'nhwc': images.transpose(0, 2, 3, 1).ravel().tolist(),
  'recovered': recovered.transpose(0, 2, 3, 1).ravel().astype(int).tolist(),
  'labels': labels.tolist(),
  'mean': mean.tolist(),
  'std': std.tolist(),
  'ipc': int(f['ipc']),
  'meta': json.loads(str(f['meta'])),
}))
`;

describe('.npz read by numpy', () => {
  it.each([
    ['mnist', 1, 28, 3],
    ['cifar-10', 3, 32, 2],
  ] as const)('%s: numpy.load sees float32 NCHW images, int64 labels, mean, std, ipc and meta; the pixels come back', (id, c, hw, ipc) => {
    const { spec, set, bytes } = realSet(id, ipc);
    const file = path.join(dir, `${id}.npz`);
    fs.writeFileSync(file, encodeNpz(set));
    const got = JSON.parse(python(READ, file)) as Record<string, unknown> & { nhwc: number[]; recovered: number[] };
    const n = 10 * ipc;
    expect(got.keys).toEqual(['images', 'ipc', 'labels', 'mean', 'meta', 'std']);
    expect(got.dtypes).toMatchObject({ images: '<f4', labels: '<i8', mean: '<f4', std: '<f4', ipc: '<i8' });
    expect(got.shapes).toMatchObject({ images: [n, c, hw, hw], labels: [n], mean: [c], std: [c], ipc: [], meta: [] });
    expect(got.contiguous).toBe(true);
    // numpy's NCHW transposed back to NHWC is, value for value, the set's float32 pixels.
    expect(got.nhwc).toHaveLength(set.pixels.length);
    expect(got.nhwc.every((v, i) => v === set.pixels[i])).toBe(true);
    // Undoing the normalisation with the file's own mean and std gives the dataset's bytes.
    expect(got.recovered.every((v, i) => v === bytes[i])).toBe(true);
    expect(got.labels).toEqual(Array.from({ length: n }, (_, i) => Math.floor(i / ipc)));
    expect(got.mean).toEqual(spec.mean.map(Math.fround));
    expect(got.std).toEqual(spec.std.map(Math.fround));
    expect(got.ipc).toBe(ipc);
    expect(got.meta).toMatchObject({ dataset: id, classes: spec.classes, app: { name: 'distill-playground', version: 'test' }, method: 'dm' });
  });
});

describe('.npz written by numpy', () => {
  /** numpy writes N CIFAR-shaped images whose NCHW value at flat index i is i / 1000, labels i % 10. */
  const WRITE = `
import sys
import numpy as np
n = 20
images = (np.arange(n * 3 * 32 * 32) / 1000).reshape(n, 3, 32, 32).astype(sys.argv[2])
kw = dict(images=images, labels=np.arange(n, dtype=np.int64) % 10,
          mean=np.array([0.4914, 0.4822, 0.4465], dtype=np.float32), std=np.array([0.2023, 0.1994, 0.201], dtype=np.float32))
if sys.argv[3] == 'fortran':
    kw['images'] = np.asfortranarray(images)
(np.savez_compressed if sys.argv[3] == 'compressed' else np.savez)(sys.argv[1], **kw)
`;

  it.each([
    ['float32', 'stored'],
    ['float32', 'compressed'],
    ['float64', 'stored'],
  ])('np.savez of %s NCHW images (%s) decodes to the same values, NHWC', (dtype, how) => {
    const file = path.join(dir, `numpy-${dtype}-${how}.npz`);
    python(WRITE, file, dtype, how);
    const set = decodeNpz(new Uint8Array(fs.readFileSync(file)), { dataset: 'cifar-10', file });
    expect(set.shape).toEqual([32, 32, 3]);
    expect(set.pixels).toHaveLength(20 * 32 * 32 * 3);
    for (const [k, ch, y, x] of [[0, 0, 0, 0], [3, 2, 17, 5], [19, 1, 31, 31], [11, 0, 8, 30]] as const) {
      const nchw = ((k * 3 + ch) * 32 + y) * 32 + x;
      expect(set.pixels[((k * 32 + y) * 32 + x) * 3 + ch]).toBe(Math.fround(nchw / 1000));
    }
    expect(Array.from(set.labels)).toEqual(Array.from({ length: 20 }, (_, i) => i % 10));
    expect(set.mean).toEqual([0.4914, 0.4822, 0.4465].map(Math.fround));
    expect(set.std).toEqual([0.2023, 0.1994, 0.201].map(Math.fround));
    expect(set.ipc).toBeNull();
  });

  it('an array numpy saves in Fortran order is refused, naming it', () => {
    const file = path.join(dir, 'numpy-fortran.npz');
    python(WRITE, file, 'float32', 'fortran');
    expect(() => decodeNpz(new Uint8Array(fs.readFileSync(file)), { dataset: 'cifar-10', file: 'f.npz' })).toThrow(DatasetFormatError);
    expect(() => decodeNpz(new Uint8Array(fs.readFileSync(file)), { dataset: 'cifar-10', file: 'f.npz' })).toThrow(
      /^f\.npz: images\.npy: fortran_order is True/,
    );
  });
});

describe('soft_labels (KRR learned labels) in .npz, both ways', () => {
  it('numpy reads the soft_labels an export writes: float32 [N, classes], value for value, beside the int64 labels', () => {
    const { set } = realSet('mnist', 2);
    const softLabels = Float32Array.from({ length: 20 * 10 }, (_, i) => Math.fround(Math.sin(i) * 0.7));
    const file = path.join(dir, 'soft.npz');
    fs.writeFileSync(file, encodeNpz({ ...set, softLabels }));
    const got = JSON.parse(
      python(
        `
import json, sys
import numpy as np
f = np.load(sys.argv[1])
s = f['soft_labels']
print(json.dumps({'dtype': s.dtype.str, 'shape': list(s.shape), 'values': s.ravel().tolist(), 'labels': f['labels'].tolist()}))
`,
        file,
      ),
    ) as { dtype: string; shape: number[]; values: number[]; labels: number[] };
    expect(got.dtype).toBe('<f4');
    expect(got.shape).toEqual([20, 10]);
    expect(got.values).toEqual(Array.from(softLabels));
    expect(got.labels).toEqual(Array.from({ length: 20 }, (_, i) => Math.floor(i / 2)));
    // And they come back through the reader.
    expect(decodeNpz(new Uint8Array(fs.readFileSync(file))).softLabels).toEqual(softLabels);
  });

  it('soft_labels saved by np.savez (float64, any image order) are read, and reordered class-major with the images', () => {
    const file = path.join(dir, 'numpy-soft.npz');
    python(
      `
import sys
import numpy as np
n = 20
labels = np.arange(n, dtype=np.int64) % 10
soft = np.full((n, 10), 0.05)
soft[np.arange(n), labels] = 0.55
soft[:, 0] += np.arange(n) / 1000
np.savez(sys.argv[1], images=np.zeros((n, 1, 28, 28), dtype=np.float32), labels=labels, soft_labels=soft,
         mean=np.array([0.1307], dtype=np.float32), std=np.array([0.3081], dtype=np.float32))
`,
      file,
    );
    const set = decodeNpz(new Uint8Array(fs.readFileSync(file)), { dataset: 'mnist', file });
    expect(set.softLabels).toHaveLength(200);
    expect(set.softLabels![3 * 10 + 3]).toBe(Math.fround(0.55));
    const ev = forEvaluation(set);
    // File order is class i % 10; class-major order puts file images 0 and 10 first (class 0), then 1 and 11, ...
    const fileRows = [0, 10, 1, 11];
    fileRows.forEach((src, dst) => {
      expect(ev.softLabels![dst * 10 + 0]).toBe(Math.fround((src % 10 === 0 ? 0.55 : 0.05) + src / 1000));
      expect(ev.softLabels![dst * 10 + (src % 10)]).toBe(Math.fround(src % 10 === 0 ? 0.55 + src / 1000 : 0.55));
    });
  });

  it('soft_labels of the wrong shape are refused, naming the array', () => {
    const file = path.join(dir, 'numpy-soft-bad.npz');
    python(
      `
import sys
import numpy as np
np.savez(sys.argv[1], images=np.zeros((10, 1, 28, 28), dtype=np.float32), labels=np.arange(10, dtype=np.int64), soft_labels=np.zeros((10, 3)),
         mean=np.array([0.1307], dtype=np.float32), std=np.array([0.3081], dtype=np.float32))
`,
      file,
    );
    expect(() => decodeNpz(new Uint8Array(fs.readFileSync(file)), { dataset: 'mnist', file: 's.npz' })).toThrow(
      /^s\.npz: soft_labels: shape \(10, 3\) does not fit 10 images of 10 classes \(expected \(10, 10\)\)$/,
    );
  });
});
