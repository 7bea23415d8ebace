/**
 * A distilled set as a NumPy `.npz` file, for PyTorch and friends: `images` float32 [N, C, H, W] in the normalised
 * space, `labels` int64 [N], the normalisation `mean` and `std` float32 [C], `ipc` int64 (a scalar), and `meta`, a
 * 0-d unicode string (`<U`) holding JSON (dataset id, class names, app, method and config). Everything loads with
 * `numpy.load` without `allow_pickle`: x = (pixel / 255 − mean[c]) / std[c].
 *
 * Pure TypeScript (fflate + typed arrays), so the worker can use it as well as Node. The reader takes files from
 * users: every size is checked before anything is allocated, and every problem is a DatasetFormatError naming the
 * file, the array and what was expected (src/core/data/npz-read.ts). The types and limits both share are in
 * npz-format.ts.
 */
import { zipSync } from 'fflate';
import { getDataset } from './registry';
import type { DatasetId, DatasetSpec } from './types';
import { classCounts, MAGIC, NPZ_FORMAT, type DistilledSet, type NpzMeta } from './npz-format';

export { MAX_NPY_BYTES, NPZ_FORMAT, type DistilledSet, type NpzMeta } from './npz-format';
export { decodeNpz } from './npz-read';

/** The set that a run's class-major synthetic pixels (`ipc` per class) make, with the dataset's normalisation. */
export function classMajorSet(spec: DatasetSpec, pixels: Float32Array, ipc: number, meta: NpzMeta = {}, softLabels?: Float32Array): DistilledSet {
  const [h, w, c] = spec.shape;
  const n = spec.classes.length * ipc;
  if (pixels.length !== n * h * w * c) {
    throw new Error(`classMajorSet: ${pixels.length} pixels are not ${spec.classes.length} classes x ${ipc} images of ${h}x${w}x${c}`);
  }
  return {
    dataset: spec.id,
    ...(spec.id === 'custom' ? { classes: spec.classes } : {}),
    shape: spec.shape,
    pixels,
    labels: Int32Array.from({ length: n }, (_, i) => Math.floor(i / ipc)),
    ...(softLabels ? { softLabels } : {}),
    mean: spec.mean,
    std: spec.std,
    ipc,
    meta,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// .npy v1.0 writer



function npy(descr: string, shape: readonly number[], data: Uint8Array): Uint8Array {
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${dims}, }`;
  // magic (6) + version (2) + header length (2) + dict, padded with spaces and ended by \n to a multiple of 64.
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const header = dict + ' '.repeat(total - 10 - dict.length - 1) + '\n';
  const out = new Uint8Array(total + data.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(data, total);
  return out;
}

function littleEndian(values: ArrayLike<number>, descr: '<f4' | '<i8'): Uint8Array {
  const size = descr === '<f4' ? 4 : 8;
  const out = new Uint8Array(values.length * size);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    if (descr === '<f4') view.setFloat32(i * 4, values[i]!, true);
    else view.setBigInt64(i * 8, BigInt(values[i]!), true);
  }
  return out;
}

/** A string as a 0-d numpy unicode array (`<U n`, UTF-32LE code points). */
function unicodeScalar(text: string): Uint8Array {
  const points = Array.from(text, (ch) => ch.codePointAt(0)!);
  const data = new Uint8Array(points.length * 4);
  const view = new DataView(data.buffer);
  points.forEach((p, i) => view.setUint32(i * 4, p, true));
  return npy(`<U${Math.max(1, points.length)}`, [], points.length ? data : new Uint8Array(4));
}

/** Transposes NHWC pixels to NCHW. */
function toNchw(pixels: Float32Array, n: number, [h, w, c]: readonly [number, number, number]): Float32Array {
  const out = new Float32Array(pixels.length);
  const plane = h * w;
  for (let k = 0; k < n; k++) {
    const base = k * plane * c;
    for (let p = 0; p < plane; p++) for (let ch = 0; ch < c; ch++) out[base + ch * plane + p] = pixels[base + p * c + ch]!;
  }
  return out;
}

/** Encodes a set as `.npz` bytes (stored, not deflated: float noise does not compress). */
export function encodeNpz(set: DistilledSet): Uint8Array {
  const [h, w, c] = set.shape;
  const n = set.labels.length;
  if (set.pixels.length !== n * h * w * c) throw new Error(`encodeNpz: ${set.pixels.length} pixels are not ${n} images of ${h}x${w}x${c}`);
  if (set.mean.length !== c || set.std.length !== c) throw new Error(`encodeNpz: mean and std need ${c} values (one per channel)`);
  if (set.softLabels && set.softLabels.length % n !== 0) throw new Error(`encodeNpz: ${set.softLabels.length} soft label values are not ${n} rows`);
  const classes = set.classes ?? getDataset(set.dataset as DatasetId).classes;
  const meta = { format: NPZ_FORMAT, dataset: set.dataset, classes, layout: 'NCHW', ...set.meta };
  const files: Record<string, Uint8Array> = {
    'images.npy': npy('<f4', [n, c, h, w], littleEndian(toNchw(set.pixels, n, set.shape), '<f4')),
    'labels.npy': npy('<i8', [n], littleEndian(set.labels, '<i8')),
    'mean.npy': npy('<f4', [c], littleEndian(set.mean, '<f4')),
    'std.npy': npy('<f4', [c], littleEndian(set.std, '<f4')),
    ...(set.ipc !== null ? { 'ipc.npy': npy('<i8', [], littleEndian([set.ipc], '<i8')) } : {}),
    ...(set.multiFormation && set.multiFormation.factor > 1 ? multiFormationFiles(set, n) : {}),
    ...(set.softLabels ? { 'soft_labels.npy': npy('<f4', [n, set.softLabels.length / n], littleEndian(set.softLabels, '<f4')) } : {}),
    'meta.npy': unicodeScalar(JSON.stringify(meta)),
  };
  // A fixed time stamp keeps the bytes a function of the set.
  return zipSync(files, { level: 0, mtime: new Date(1980, 0, 1) });
}

/** The multi-formation entries of a set (see DistilledSet.multiFormation). */
function multiFormationFiles(set: DistilledSet, n: number): Record<string, Uint8Array> {
  const { factor, decoded } = set.multiFormation!;
  const [h, w, c] = set.shape;
  const m = n * factor * factor;
  if (decoded.length !== m * h * w * c) throw new Error(`encodeNpz: ${decoded.length} decoded values are not ${m} images of ${h}x${w}x${c}`);
  const labels = Int32Array.from({ length: m }, (_, i) => set.labels[Math.floor(i / (factor * factor))]!);
  return {
    'factor.npy': npy('<i8', [], littleEndian([factor], '<i8')),
    'decoded_images.npy': npy('<f4', [m, c, h, w], littleEndian(toNchw(decoded, m, set.shape), '<f4')),
    'decoded_labels.npy': npy('<i8', [m], littleEndian(labels, '<i8')),
  };
}


/**
 * The set as the evaluation protocol takes it: class-major NHWC pixels in the dataset's own normalisation
 * (re-normalised when the file's mean/std differ), the images per class and, when the file has them, its soft
 * labels in the same class-major order. Throws when the classes do not all hold the same number of images.
 */
export function forEvaluation(set: DistilledSet): { pixels: Float32Array; ipc: number; softLabels?: Float32Array } {
  if (set.dataset === 'custom') throw new Error('forEvaluation: a set of an uploaded dataset has no registry entry');
  const spec = getDataset(set.dataset);
  const [h, w, c] = set.shape;
  const size = h * w * c;
  const counts = classCounts(set.labels, spec.classes.length);
  const ipc = counts[0]!;
  if (!counts.every((k) => k === ipc) || ipc === 0) {
    throw new Error(`the set has ${counts.join(', ')} images per class; the evaluation needs the same number (at least 1) in every class`);
  }
  const order = Array.from(set.labels.keys()).sort((a, b) => set.labels[a]! - set.labels[b]! || a - b);
  // The file's float32 mean/std round the registry's: treat those as the same normalisation, so pixels stay exact.
  const same = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
  const renormalise = !set.mean.every((m, ch) => same(m, spec.mean[ch]!) && same(set.std[ch]!, spec.std[ch]!));
  const scale = Array.from({ length: c }, (_, ch) => (renormalise ? set.std[ch]! / spec.std[ch]! : 1));
  const shift = Array.from({ length: c }, (_, ch) => (renormalise ? (set.mean[ch]! - spec.mean[ch]!) / spec.std[ch]! : 0));
  const pixels = new Float32Array(set.pixels.length);
  order.forEach((src, dst) => {
    for (let i = 0; i < size; i++) pixels[dst * size + i] = set.pixels[src * size + i]! * scale[i % c]! + shift[i % c]!;
  });
  if (!set.softLabels) return { pixels, ipc };
  const k = set.softLabels.length / set.labels.length;
  const softLabels = new Float32Array(set.softLabels.length);
  order.forEach((src, dst) => softLabels.set(set.softLabels!.subarray(src * k, (src + 1) * k), dst * k));
  return { pixels, ipc, softLabels };
}
