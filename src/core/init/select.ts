/**
 * Initialisers that choose real images by looking at them (async: they compute features on the backend):
 *   kmeans:     DREAM's init: per class, k-means with IPC centres on features, the member nearest each centre.
 *   importance: "Dataset Distillation Meets Provable Subset Selection": per class, sensitivity sampling with
 *               π ∝ s (k-means loss) or π ∝ τ + 1/n (ridge leverage, the kernel-fitting loss, for KRR);
 *               IPC images drawn by π without replacement; weights 1/(m·π) kept for the run record.
 * Features are `embed` of a random ConvNet of the run's shape (seeded) or the raw pixels.
 */
import * as tf from '@tensorflow/tfjs';
import { gatherPixels, type RealData } from '../data/batches';
import type { ConvNetShape } from '../nn/convnet';
import type { Rng } from '../rng';
import { embedFeatures, type Features } from '../select/coresets';
import { clusterRepresentatives, kmeans } from '../select/kmeans';
import { kmeansSensitivity, leverageScores, normalise, sampleByImportance } from '../select/importance';
import type { InitialSet } from '.';

export interface SelectInitOptions {
  features: 'embed' | 'pixels';
  /** Candidates per class (a seeded random subset; 0 = every image of the class). */
  pool: number;
  /** Lloyd iterations after k-means++ seeding (kmeans init; importance uses its seeds' clustering as B). */
  lloyd: number;
  /** Importance by the kernel-fitting loss (ridge leverage) instead of the k-means loss. */
  kernel: boolean;
}

export const SELECT_INIT_DEFAULTS: SelectInitOptions = { features: 'embed', pool: 1000, lloyd: 20, kernel: false };

/** What the importance init computed for one class: its candidates, their probabilities and the draw. */
export interface ClassImportance {
  /** Dataset indices of the candidates. */
  candidates: Int32Array;
  /** Sampling probability of each candidate. */
  pi: Float64Array;
  /** Positions (into candidates) of the drawn images, in draw order, and their weights 1/(m·π). */
  drawn: Int32Array;
  weights: Float64Array;
}

/** Reports progress: classes done of classes. May throw to cancel. */
export type InitProgress = (done: number, total: number) => void | Promise<void>;

async function featuresOf(data: RealData, idx: Int32Array, net: ConvNetShape, seed: number, kind: SelectInitOptions['features']): Promise<Features> {
  if (kind === 'embed') return embedFeatures(data, idx, net, seed);
  const { height, width, channels } = data.set;
  return { data: gatherPixels(data, idx), n: idx.length, d: height * width * channels };
}

function candidatesOf(data: RealData, c: number, pool: number, rng: Rng): Int32Array {
  const all = data.byClass[c]!;
  if (pool <= 0 || pool >= all.length) return all;
  return Int32Array.from(rng.sampleWithoutReplacement(all.length, pool), (i) => all[i]!);
}

function finish(data: RealData, chosen: Int32Array[], importance?: ClassImportance[]): InitialSet {
  const all = chosen.flatMap((a) => Array.from(a));
  return { pixels: gatherPixels(data, all), chosen, ...(importance ? { importance } : {}) };
}

/** DREAM's initialisation: per class, the real image nearest each of IPC k-means centres. */
export async function initKmeans(
  data: RealData,
  ipc: number,
  rng: Rng,
  net: ConvNetShape,
  opts: SelectInitOptions = SELECT_INIT_DEFAULTS,
  onProgress?: InitProgress,
): Promise<InitialSet> {
  const seed = rng.nextSeed();
  const chosen: Int32Array[] = [];
  for (let c = 0; c < data.numClasses; c++) {
    const cand = candidatesOf(data, c, opts.pool, rng);
    const f = await featuresOf(data, cand, net, seed, opts.features);
    const x = tf.tensor2d(f.data, [f.n, f.d]);
    try {
      const r = await kmeans(x, Math.min(ipc, f.n), rng, { iterations: opts.lloyd });
      chosen.push(Int32Array.from(clusterRepresentatives(r), (p) => cand[p]!));
    } finally {
      x.dispose();
    }
    await onProgress?.(c + 1, data.numClasses);
  }
  return finish(data, chosen);
}

/** Importance (sensitivity) sampling of IPC real images per class. */
export async function initImportance(
  data: RealData,
  ipc: number,
  rng: Rng,
  net: ConvNetShape,
  opts: SelectInitOptions = SELECT_INIT_DEFAULTS,
  onProgress?: InitProgress,
): Promise<InitialSet> {
  const seed = rng.nextSeed();
  const chosen: Int32Array[] = [];
  const importance: ClassImportance[] = [];
  for (let c = 0; c < data.numClasses; c++) {
    const cand = candidatesOf(data, c, opts.pool, rng);
    const m = Math.min(ipc, cand.length);
    const f = await featuresOf(data, cand, net, seed, opts.features);
    const x = tf.tensor2d(f.data, [f.n, f.d]);
    let pi: Float64Array;
    try {
      if (opts.kernel) {
        const tau = await leverageScores(x);
        pi = normalise(Float64Array.from(tau, (t) => t + 1 / f.n));
      } else {
        // B = the k-means++ seeds (the sensitivity bound's bicriteria solution); no Lloyd steps.
        const r = await kmeans(x, m, rng, { iterations: 0 });
        pi = normalise(kmeansSensitivity(r));
      }
    } finally {
      x.dispose();
    }
    const s = sampleByImportance(pi, m, rng);
    chosen.push(Int32Array.from(s.indices, (p) => cand[p]!));
    importance.push({ candidates: cand, pi, drawn: s.indices, weights: s.weights });
    await onProgress?.(c + 1, data.numClasses);
  }
  return finish(data, chosen, importance);
}
