/**
 * Sensitivity ("importance") of real points, after "Dataset Distillation Meets Provable Subset Selection"
 * (Tukan, Maalouf & Osadchy 2023), as algorithms.md §2 reconstructs it:
 *   k-means loss:       s(p) = d(p, B)² / Σ_q d(q, B)² + 1 / |cluster(p)|
 *   kernel fitting:     τ_i = φ_iᵀ (ΦᵀΦ + λI)⁻¹ φ_i  (ridge leverage), sampled ∝ τ_i + 1/n
 * and sampling m points by π ∝ s without replacement, with the weights 1/(m·π) a coreset carries.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../rng';
import { drawProportional, type KMeansResult } from './kmeans';

/** k-means sensitivity of every point from a clustering: d²/Σd² + 1/|cluster|. */
export function kmeansSensitivity(r: Pick<KMeansResult, 'assign' | 'dist2' | 'sizes'>): Float64Array {
  let total = 0;
  for (let i = 0; i < r.dist2.length; i++) total += r.dist2[i]!;
  return Float64Array.from(r.dist2, (d, i) => (total > 0 ? d / total : 0) + 1 / r.sizes[r.assign[i]!]!);
}

/** Probabilities proportional to non-negative scores. */
export function normalise(scores: ArrayLike<number>): Float64Array {
  let total = 0;
  for (let i = 0; i < scores.length; i++) total += scores[i]!;
  return Float64Array.from(scores as ArrayLike<number>, (s) => (total > 0 ? s / total : 1 / scores.length));
}

/** A sample drawn by importance: the indices (into the scored points) and each one's weight 1/(m·π). */
export interface ImportanceSample {
  indices: Int32Array;
  weights: Float64Array;
}

/**
 * Draws m distinct indices, each next one with probability ∝ π among those not yet drawn (so near-duplicates,
 * which share mass, are rarely both drawn); weights are 1/(m·π_i) with the original π.
 */
export function sampleByImportance(pi: ArrayLike<number>, m: number, rng: Rng): ImportanceSample {
  const n = pi.length;
  if (m > n) throw new Error(`cannot draw ${m} distinct points from ${n}`);
  const left = Float64Array.from(pi as ArrayLike<number>);
  const drawn = new Uint8Array(n);
  const indices = new Int32Array(m);
  for (let j = 0; j < m; j++) {
    let mass = 0;
    for (let i = 0; i < n; i++) mass += left[i]!;
    let i: number;
    if (mass > 0) i = drawProportional(left, rng);
    else {
      // Only points of zero probability remain: any of them, uniformly.
      const free = Array.from({ length: n }, (_, t) => t).filter((t) => !drawn[t]);
      i = free[rng.int(free.length)]!;
    }
    indices[j] = i;
    drawn[i] = 1;
    left[i] = 0;
  }
  return { indices, weights: Float64Array.from(indices, (i) => 1 / (m * pi[i]!)) };
}

/**
 * Ridge leverage scores of the rows of Φ [n, D]: τ_i = φ_iᵀ(ΦᵀΦ + λI)⁻¹φ_i with λ = ridge · tr(ΦᵀΦ)/D.
 * The D x D inverse is taken in float64 on the CPU (Cholesky), the rest on the backend.
 */
export async function leverageScores(phi: tf.Tensor2D, ridge = 1e-3): Promise<Float64Array> {
  const D = phi.shape[1];
  const gram = tf.matMul(phi, phi, true, false);
  const g = Float64Array.from((await gram.data()) as Float32Array);
  gram.dispose();
  let trace = 0;
  for (let i = 0; i < D; i++) trace += g[i * D + i]!;
  const lambda = (ridge * trace) / D || ridge;
  for (let i = 0; i < D; i++) g[i * D + i] = g[i * D + i]! + lambda;
  const inv = spdInverse(g, D);
  const m = tf.tensor2d(Float32Array.from(inv), [D, D]);
  const tau = tf.tidy(() => tf.sum(tf.mul(tf.matMul(phi, m), phi), 1));
  const out = Float64Array.from((await tau.data()) as Float32Array, (t) => Math.max(0, t));
  tf.dispose([m, tau]);
  return out;
}

/** Inverse of a symmetric positive-definite matrix (row-major, n x n) by Cholesky, in float64. */
export function spdInverse(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (!(s > 0)) throw new Error('matrix is not positive definite');
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / l[j * n + j]!;
    }
  }
  // L⁻¹ (lower triangular), then A⁻¹ = L⁻ᵀ L⁻¹.
  const li = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    li[i * n + i] = 1 / l[i * n + i]!;
    for (let j = 0; j < i; j++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= l[i * n + k]! * li[k * n + j]!;
      li[i * n + j] = s / l[i * n + i]!;
    }
  }
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = i; k < n; k++) s += li[k * n + i]! * li[k * n + j]!;
      inv[i * n + j] = s;
      inv[j * n + i] = s;
    }
  }
  return inv;
}
