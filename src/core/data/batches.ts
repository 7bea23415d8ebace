/**
 * From decoded uint8 images to normalised float tensors, one class at a time.
 * Pixels stay as uint8 on the CPU; each batch is gathered and normalised on demand, so a dataset
 * costs its byte size in memory rather than four times that on the device.
 */
import * as tf from '@tensorflow/tfjs';
import type { DatasetSpec, ImageSet } from './types';
import { classIndices } from './load';
import type { Rng } from '../rng';

/** A training split grouped by class, with the normalisation that maps bytes to the network's input space. */
export interface RealData {
  set: ImageSet;
  byClass: Int32Array[];
  mean: readonly number[];
  std: readonly number[];
  numClasses: number;
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

/** The images at `indices` as a normalised NHWC tensor. */
export function gatherBatch(data: RealData, indices: ArrayLike<number>): tf.Tensor4D {
  const { height, width, channels } = data.set;
  return tf.tensor4d(gatherPixels(data, indices), [indices.length, height, width, channels]);
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
