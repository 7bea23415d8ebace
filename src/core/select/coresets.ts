/**
 * Coreset baselines the evaluation reports beside every distilled set (same IPC): herding and k-center,
 * both greedy, on feature vectors (rows of a [n, d] matrix), and the features they use: `embed` of a
 * random ConvNet (fixed seed), computed in batches.
 */
import * as tf from '@tensorflow/tfjs';
import { embedFirstOrder, initConvNet, disposeConvNet, type ConvNetParams, type ConvNetShape } from '../nn/convnet';
import { gatherBatch, type RealData } from '../data/batches';

/** Row-major features: n rows of d numbers. */
export interface Features {
  data: Float32Array;
  n: number;
  d: number;
}

function sqDist(a: Float32Array, ai: number, b: Float32Array, bi: number, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) {
    const t = a[ai + k]! - b[bi + k]!;
    s += t * t;
  }
  return s;
}

/**
 * Herding (Welling 2009, as in the DC code): pick m rows one at a time, each time the row that brings the
 * mean of the picked rows closest to the mean of all rows. Returns row indices in pick order.
 */
export function herding(f: Features, m: number): Int32Array {
  const { data, n, d } = f;
  const mu = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) mu[k]! += data[i * d + k]! / n;
  const sum = new Float64Array(d);
  const picked = new Uint8Array(n);
  const out: number[] = [];
  for (let t = 1; t <= Math.min(m, n); t++) {
    let best = -1;
    let bestDist = Infinity;
    for (let i = 0; i < n; i++) {
      if (picked[i]) continue;
      let s = 0;
      for (let k = 0; k < d; k++) {
        const v = (sum[k]! + data[i * d + k]!) / t - mu[k]!;
        s += v * v;
      }
      if (s < bestDist) {
        bestDist = s;
        best = i;
      }
    }
    picked[best] = 1;
    out.push(best);
    for (let k = 0; k < d; k++) sum[k]! += data[best * d + k]!;
  }
  return Int32Array.from(out);
}

/**
 * k-center greedy (Sener & Savarese 2018): start from the row nearest the mean, then repeatedly add the row
 * farthest from all picked rows. Returns row indices in pick order.
 */
export function kCenter(f: Features, m: number): Int32Array {
  const { data, n, d } = f;
  const mu = new Float32Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) mu[k]! += data[i * d + k]! / n;
  let first = 0;
  let firstDist = Infinity;
  for (let i = 0; i < n; i++) {
    const s = sqDist(data, i * d, mu, 0, d);
    if (s < firstDist) {
      firstDist = s;
      first = i;
    }
  }
  const out = [first];
  const minDist = new Float64Array(n).fill(Infinity);
  let last = first;
  while (out.length < Math.min(m, n)) {
    let best = -1;
    let bestDist = -1;
    for (let i = 0; i < n; i++) {
      const s = sqDist(data, i * d, data, last * d, d);
      if (s < minDist[i]!) minDist[i] = s;
      if (minDist[i]! > bestDist) {
        bestDist = minDist[i]!;
        best = i;
      }
    }
    out.push(best);
    last = best;
  }
  return Int32Array.from(out);
}

/** `embed` features [n, d] of the images at `indices` under `params`, computed in batches of `batch` (no gradient). */
export function embedAll(net: ConvNetShape, params: ConvNetParams, data: RealData, indices: ArrayLike<number>, batch = 256): tf.Tensor2D {
  return tf.tidy(() => {
    const parts: tf.Tensor2D[] = [];
    for (let s = 0; s < indices.length; s += batch) {
      const idx = Array.from({ length: Math.min(batch, indices.length - s) }, (_, k) => indices[s + k]!);
      parts.push(embedFirstOrder(net, params, gatherBatch(data, idx)));
    }
    return tf.concat(parts, 0);
  });
}

/** `embed` features of the given images under a random ConvNet (seeded), read back to the CPU. */
export async function embedFeatures(data: RealData, indices: ArrayLike<number>, net: ConvNetShape, seed: number): Promise<Features> {
  const params = initConvNet(net, seed);
  try {
    const e = embedAll(net, params, data, indices);
    const out = (await e.data()) as Float32Array;
    const d = e.shape[1];
    e.dispose();
    return { data: out, n: indices.length, d };
  } finally {
    disposeConvNet(params);
  }
}

export type CoresetId = 'herding' | 'kCenter';

/** Each class's `embed` features under one random ConvNet (compute once, select with several methods). */
export async function classFeatures(data: RealData, net: ConvNetShape, seed: number): Promise<Features[]> {
  const out: Features[] = [];
  for (const idx of data.byClass) out.push(await embedFeatures(data, idx, net, seed));
  return out;
}

/** Per class, `ipc` dataset indices chosen by a coreset method on the given per-class features. */
export function selectCoreset(method: CoresetId, data: RealData, features: Features[], ipc: number): Int32Array[] {
  const pick = method === 'herding' ? herding : kCenter;
  return data.byClass.map((idx, c) => pick(features[c]!, ipc).map((r) => idx[r]!));
}
