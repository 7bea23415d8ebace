/**
 * From decoded uint8 images to normalised float tensors, one class at a time. Two paths give the same bytes:
 *   host      pixels stay as uint8 on the CPU; each batch is gathered and normalised in JavaScript on demand and
 *             uploaded (a dataset costs its byte size in memory, but every batch crosses the bus).
 *   resident  `makeResident` normalises each class's images once (the same JavaScript arithmetic) and uploads them
 *             as one float tensor per class; batches are then gathered on the device by index (tf.gather), so
 *             only the int32 indices cross the bus. Four times the byte size on the device; see shared/memory.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type { DatasetSpec, ImageSet } from './types';
import { classIndices } from './load';
import type { Rng } from '../rng';
import { residentDataBytes } from '../../shared/memory';

/** A training split grouped by class, with the normalisation that maps bytes to the network's input space. */
export interface RealData {
  set: ImageSet;
  byClass: Int32Array[];
  mean: readonly number[];
  std: readonly number[];
  numClasses: number;
  /** The resident copy of the set on the device, when the run made one (makeResident); batches gather from it. */
  resident?: ResidentImages;
}

/** Each class's images as one normalised [n_c, H, W, C] tensor, and where each dataset index lies in it. */
export interface ResidentImages {
  classes: tf.Tensor4D[];
  /** For dataset index i: its position within its class's tensor (its class is set.labels[i]). */
  position: Int32Array;
}

/** Groups a split by class for sampling. */
export function prepareRealData(set: ImageSet, spec: Pick<DatasetSpec, 'classes' | 'mean' | 'std'>): RealData {
  return { set, byClass: classIndices(set, spec.classes.length), mean: spec.mean, std: spec.std, numClasses: spec.classes.length };
}

/** Normalised float pixels (NHWC) of the images at `indices`: (byte/255 − mean_c) / std_c. */
export function gatherPixels(data: RealData, indices: ArrayLike<number>): Float32Array {
  const { images, height, width, channels } = data.set;
  const size = height * width * channels;
  const out = new Float32Array(indices.length * size);
  const scale = new Float32Array(channels);
  const shift = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const std = data.std[c] ?? data.std[0]!;
    const mean = data.mean[c] ?? data.mean[0]!;
    scale[c] = 1 / (255 * std);
    shift[c] = -mean / std;
  }
  for (let k = 0; k < indices.length; k++) {
    const src = indices[k]! * size;
    const dst = k * size;
    for (let i = 0; i < size; i++) {
      const c = i % channels;
      out[dst + i] = images[src + i]! * scale[c]! + shift[c]!;
    }
  }
  return out;
}

/** The images at `indices` as a normalised NHWC tensor (gathered on the device when the data is resident). */
export function gatherBatch(data: RealData, indices: ArrayLike<number>): tf.Tensor4D {
  if (data.resident && indices.length > 0) return gatherResident(data, data.resident, indices);
  const { height, width, channels } = data.set;
  return tf.tensor4d(gatherPixels(data, indices), [indices.length, height, width, channels]);
}

/**
 * The resident gather: one tf.gather per class present (in order of first appearance), concatenated; when the
 * batch interleaves classes (MTT's experts draw across classes) one more gather puts the rows in batch order.
 * Uploads only int32 indices. Exact: gather and concat copy values.
 */
function gatherResident(data: RealData, r: ResidentImages, indices: ArrayLike<number>): tf.Tensor4D {
  const n = indices.length;
  const labels = data.set.labels;
  const groups = new Map<number, number[]>();
  for (let k = 0; k < n; k++) {
    const c = labels[indices[k]!]!;
    let g = groups.get(c);
    if (!g) groups.set(c, (g = []));
    g.push(k);
  }
  return tf.tidy(() => {
    const parts: tf.Tensor4D[] = [];
    const order: number[] = [];
    for (const [c, ks] of groups) {
      const source = r.classes[c];
      if (!source) throw new Error(`image of class ${c} has no resident tensor`);
      parts.push(tf.gather(source, tf.tensor1d(Int32Array.from(ks, (k) => r.position[indices[k]!]!), 'int32')));
      order.push(...ks);
    }
    const joined = parts.length === 1 ? parts[0]! : (tf.concat(parts, 0) as tf.Tensor4D);
    if (order.every((k, j) => k === j)) return joined;
    // Row j of `joined` is batch row order[j]: batch row k is joined row inverse[k].
    const inverse = new Int32Array(n);
    order.forEach((k, j) => (inverse[k] = j));
    return tf.gather(joined, tf.tensor1d(inverse, 'int32'));
  });
}

/** Bytes the resident copy of a set takes on the device: every image as float32. */
export function residentBytes(set: Pick<ImageSet, 'count' | 'height' | 'width' | 'channels'>): number {
  return residentDataBytes(set.count, [set.height, set.width, set.channels]);
}

/**
 * The same data with its images resident on the device: each class normalised once (gatherPixels, the host
 * path's own arithmetic, so the bytes are equal) and uploaded as one tensor. The caller owns the tensors:
 * `disposeResident` frees them (the source data is unchanged and may be shared).
 */
export function makeResident(data: RealData): RealData {
  const { height, width, channels, count } = data.set;
  const position = new Int32Array(count);
  const classes: tf.Tensor4D[] = [];
  try {
    data.byClass.forEach((idx) => {
      idx.forEach((i, p) => (position[i] = p));
      classes.push(tf.tensor4d(gatherPixels(data, idx), [idx.length, height, width, channels]));
    });
  } catch (err) {
    tf.dispose(classes);
    throw err;
  }
  return { ...data, resident: { classes, position } };
}

/** Frees the resident tensors of data made by makeResident (a no-op for host data). */
export function disposeResident(data: RealData): void {
  if (data.resident) tf.dispose(data.resident.classes);
}

/** `n` distinct random images of class `c` (all of them if the class has fewer), as dataset indices. */
export function sampleClass(data: RealData, c: number, n: number, rng: Rng): Int32Array {
  const pool = data.byClass[c]!;
  const picks = rng.sampleWithoutReplacement(pool.length, n);
  return picks.map((i) => pool[i]!);
}

/** A seeded random subset of `pool` images of class c (all of them when pool is 0 or at least the class size). */
export function classPool(data: RealData, c: number, pool: number, rng: Rng): Int32Array {
  const all = data.byClass[c]!;
  if (pool <= 0 || pool >= all.length) return all;
  return Int32Array.from(rng.sampleWithoutReplacement(all.length, pool), (i) => all[i]!);
}
