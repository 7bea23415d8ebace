/**
 * Initialisers: a function from the real data and a config to the first synthetic set (class-major,
 * `ipc` images per class, NHWC, normalised). The engine and the seeds' techniques add more here.
 */
import * as tf from '@tensorflow/tfjs';
import { gatherPixels, sampleClass, type RealData } from '../data/batches';
import type { Rng } from '../rng';
import type { ClassImportance } from './select';

export type { InitId } from '../../shared/methods';

/** Initialisers that run synchronously in the run's constructor; the others run in its prepare(). */
export type SyncInitId = 'real' | 'noise';

/** An initial synthetic set as plain pixels, with the real indices it was drawn from (when real). */
export interface InitialSet {
  pixels: Float32Array;
  /** Per class, the dataset indices of the real images used (empty for noise). */
  chosen: Int32Array[];
  /** Per class, what importance sampling computed (the importance init only). */
  importance?: ClassImportance[];
}

/** Random real images of each class (distinct within a class). */
export function initReal(data: RealData, ipc: number, rng: Rng): InitialSet {
  const chosen: Int32Array[] = [];
  for (let c = 0; c < data.numClasses; c++) chosen.push(sampleClass(data, c, ipc, rng));
  const all = new Int32Array(chosen.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of chosen) {
    all.set(a, o);
    o += a.length;
  }
  return { pixels: gatherPixels(data, all), chosen };
}

/** Standard normal noise in the normalised space (the DC paper's noise init). */
export function initNoise(data: RealData, ipc: number, rng: Rng): InitialSet {
  const { height, width, channels } = data.set;
  const n = data.numClasses * ipc;
  const pixels = tf.tidy(() => tf.randomNormal([n, height, width, channels], 0, 1, 'float32', rng.nextSeed()).dataSync() as Float32Array);
  return { pixels: Float32Array.from(pixels), chosen: data.byClass.map(() => new Int32Array(0)) };
}

export const INITIALISERS: Record<SyncInitId, (data: RealData, ipc: number, rng: Rng) => InitialSet> = {
  real: initReal,
  noise: initNoise,
};
