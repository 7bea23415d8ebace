/**
 * The multi-index task: x ~ N(0, I_d), a hidden orthonormal U ∈ R^{d×r}, label y = sign(g(Uᵀx) − τ) ∈ {−1, +1}
 * with τ the median of g (so the two labels are equally likely). Pure JS, seeded; no tensors.
 */
import { Rng } from '../../rng';
import type { LabLink } from '../../../shared/lab';

/** n·k standard normal draws (Box–Muller on the seeded generator), row-major. */
export function gaussian(rng: Rng, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    // 1 − next() is in (0, 1]: the log is finite.
    const u = 1 - rng.next();
    const v = rng.next();
    const rad = Math.sqrt(-2 * Math.log(u));
    out[i] = rad * Math.cos(2 * Math.PI * v);
    if (i + 1 < count) out[i + 1] = rad * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/** A d×r matrix with orthonormal columns (Gram–Schmidt of Gaussian columns), row-major, float64. */
export function orthonormalBasis(rng: Rng, d: number, r: number): Float64Array {
  if (r > d) throw new Error(`r (${r}) must be at most d (${d})`);
  const cols: Float64Array[] = [];
  while (cols.length < r) {
    const v = Float64Array.from(gaussian(rng, d));
    for (const c of cols) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += v[i]! * c[i]!;
      for (let i = 0; i < d; i++) v[i]! -= dot * c[i]!;
    }
    let norm = 0;
    for (let i = 0; i < d; i++) norm += v[i]! ** 2;
    norm = Math.sqrt(norm);
    // A draw (almost) in the span of the earlier ones: draw again.
    if (norm < 1e-6) continue;
    for (let i = 0; i < d; i++) v[i]! /= norm;
    cols.push(v);
  }
  const u = new Float64Array(d * r);
  for (let i = 0; i < d; i++) for (let k = 0; k < r; k++) u[i * r + k] = cols[k]![i]!;
  return u;
}

/** g(z) before centring, for z ∈ R^r. */
export function linkValue(link: LabLink, z: ArrayLike<number>): number {
  switch (link) {
    case 'parity': {
      let p = 1;
      for (let k = 0; k < z.length; k++) p *= z[k]!;
      return p;
    }
    case 'norm': {
      let s = 0;
      for (let k = 0; k < z.length; k++) s += z[k]! ** 2;
      return s;
    }
    case 'relu': {
      let s = 0;
      for (let k = 0; k < z.length; k++) s += Math.max(0, z[k]!);
      return s;
    }
  }
}

/**
 * The median of g(z), z ~ N(0, I_r): 0 for parity (by symmetry), else estimated from 20 001 draws of a fixed
 * generator (so it depends on the link and r only, never on the run's seed).
 */
export function linkMedian(link: LabLink, r: number): number {
  if (link === 'parity') return 0;
  const n = 20_001;
  const z = gaussian(new Rng(0x5eed), n * r);
  const g = new Float64Array(n);
  for (let i = 0; i < n; i++) g[i] = linkValue(link, z.subarray(i * r, (i + 1) * r));
  g.sort();
  return g[(n - 1) / 2]!;
}

/** A task: its sizes, link, hidden basis and threshold. */
export interface MultiIndexTask {
  d: number;
  r: number;
  link: LabLink;
  /** d×r, orthonormal columns, row-major. */
  u: Float64Array;
  threshold: number;
}

export function makeTask(rng: Rng, d: number, r: number, link: LabLink): MultiIndexTask {
  return { d, r, link, u: orthonormalBasis(rng, d, r), threshold: linkMedian(link, r) };
}

/** Uᵀx for one row x of a row-major [n, d] array. */
export function project(task: MultiIndexTask, x: Float32Array, row: number, out = new Float64Array(task.r)): Float64Array {
  const { d, r, u } = task;
  out.fill(0);
  const base = row * d;
  for (let i = 0; i < d; i++) {
    const xi = x[base + i]!;
    for (let k = 0; k < r; k++) out[k]! += xi * u[i * r + k]!;
  }
  return out;
}

/** The labels (±1) of the rows of a row-major [n, d] array. */
export function labelsOf(task: MultiIndexTask, x: Float32Array): Float32Array {
  const n = x.length / task.d;
  const y = new Float32Array(n);
  const z = new Float64Array(task.r);
  for (let i = 0; i < n; i++) y[i] = linkValue(task.link, project(task, x, i, z)) > task.threshold ? 1 : -1;
  return y;
}

/** n points drawn from the task: inputs [n, d] row-major and their labels. */
export function sample(task: MultiIndexTask, rng: Rng, n: number): { x: Float32Array; y: Float32Array } {
  const x = gaussian(rng, n * task.d);
  return { x, y: labelsOf(task, x) };
}

/**
 * The mean over rows of ‖Uᵀx‖² / ‖x‖²: the share of each point's energy in the hidden subspace (r/d in
 * expectation for isotropic points; 1 for points inside it). Rows of zero norm count as 0.
 */
export function subspaceFraction(task: MultiIndexTask, x: Float32Array): number {
  const n = x.length / task.d;
  const z = new Float64Array(task.r);
  let total = 0;
  for (let i = 0; i < n; i++) {
    project(task, x, i, z);
    let inside = 0;
    for (let k = 0; k < task.r; k++) inside += z[k]! ** 2;
    let norm = 0;
    for (let j = 0; j < task.d; j++) norm += x[i * task.d + j]! ** 2;
    total += norm > 0 ? inside / norm : 0;
  }
  return n > 0 ? total / n : 0;
}
