/**
 * k-means on the backend: k-means++ seeding and Lloyd iterations with distances as matrix products
 * (‖x‖² − 2x·c + ‖c‖²), in row chunks so that a class of 6000 images x 2048 features fits in memory.
 * Seeded by an Rng; assignments and distances come back as plain arrays.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../rng';

export interface KMeansOptions {
  /** Lloyd iterations at most (0 = the k-means++ seeds themselves). DREAM's code uses 100. */
  iterations: number;
  /** Stop when no centre moves by more than tol x the mean squared norm of the data (DREAM: 1e-4). */
  tol: number;
  /** 'kmeans++' (D² sampling) or 'random' (k distinct data points, as DREAM's code starts). */
  init: 'kmeans++' | 'random';
  /** Rows per distance chunk. */
  chunk: number;
  /**
   * Optional non-negative weight per point (a weighted coreset): seeding draws ∝ w·D², centres are weighted
   * means. Absent = every point weighs 1.
   */
  weights?: ArrayLike<number>;
}

export const KMEANS_DEFAULTS: KMeansOptions = { iterations: 100, tol: 1e-4, init: 'kmeans++', chunk: 2048 };

export interface KMeansResult {
  /** k x d centres, row-major. */
  centres: Float32Array;
  k: number;
  /** For each point, its centre, and its squared distance to it. */
  assign: Int32Array;
  dist2: Float32Array;
  /** Points per centre. */
  sizes: Int32Array;
  /** Lloyd iterations run. */
  iterations: number;
}

/** For every row of x, its nearest centre and the squared distance to it, in chunks of rows. */
async function nearest(x: tf.Tensor2D, xNorm: tf.Tensor1D, centres: tf.Tensor2D, chunk: number): Promise<{ assign: Int32Array; dist2: Float32Array }> {
  const n = x.shape[0];
  const parts: { idx: tf.Tensor; min: tf.Tensor }[] = [];
  const cNorm = tf.tidy(() => tf.sum(tf.square(centres), 1));
  for (let s = 0; s < n; s += chunk) {
    const m = Math.min(chunk, n - s);
    parts.push(
      tf.tidy(() => {
        const xs = tf.slice(x, [s, 0], [m, -1]);
        const xn = tf.slice(xNorm, [s], [m]);
        const d = tf.relu(tf.add(tf.sub(tf.expandDims(xn, 1), tf.mul(tf.matMul(xs, centres, false, true), 2)), tf.expandDims(cNorm, 0)));
        return { idx: tf.argMin(d, 1), min: tf.min(d, 1) };
      }),
    );
  }
  cNorm.dispose();
  // Every chunk is queued before the first readback.
  const assign = new Int32Array(n);
  const dist2 = new Float32Array(n);
  let o = 0;
  for (const p of parts) {
    const [idx, min] = await Promise.all([p.idx.data(), p.min.data()]);
    assign.set(idx as Int32Array, o);
    dist2.set(min as Float32Array, o);
    o += idx.length;
    tf.dispose([p.idx, p.min]);
  }
  return { assign, dist2 };
}

/** Draws an index with probability ∝ weights (all ≥ 0; uniform when they sum to 0). */
export function drawProportional(weights: ArrayLike<number>, rng: Rng): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) total += weights[i]!;
  if (!(total > 0)) return rng.int(weights.length);
  let u = rng.next() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i]!;
    if (u < 0) return i;
  }
  return weights.length - 1;
}

/** Squared distances [n, L] of every row of x to rows `cands` of x, row-major. */
async function distancesTo(x: tf.Tensor2D, xNorm: tf.Tensor1D, cands: number[]): Promise<Float32Array> {
  const d = tf.tidy(() => {
    const c = tf.gather(x, cands);
    const cn = tf.gather(xNorm, cands);
    return tf.relu(tf.add(tf.sub(tf.expandDims(xNorm, 1), tf.mul(tf.matMul(x, c, false, true), 2)), tf.expandDims(cn, 0)));
  });
  const out = (await d.data()) as Float32Array;
  d.dispose();
  return out;
}

/**
 * Greedy k-means++ seeds (as scikit-learn): the first uniformly; then 2 + ⌊ln k⌋ candidates drawn ∝ squared
 * distance to the nearest seed so far, keeping the one that lowers the total most. Plain k-means++ puts two
 * seeds in one well-separated blob often enough to matter.
 */
async function seedPlusPlus(x: tf.Tensor2D, xNorm: tf.Tensor1D, k: number, rng: Rng, w?: ArrayLike<number>): Promise<number[]> {
  const n = x.shape[0];
  const trials = 2 + Math.floor(Math.log(k));
  const first = w ? drawProportional(w, rng) : rng.int(n);
  const chosen = [first];
  const minD = (await distancesTo(x, xNorm, [first])).slice();
  const wi = (i: number) => (w ? w[i]! : 1);
  while (chosen.length < k) {
    const mass = w ? Float64Array.from(minD, (d, i) => d * wi(i)) : minD;
    const cands = Array.from({ length: trials }, () => drawProportional(mass, rng));
    const d = await distancesTo(x, xNorm, cands);
    let best = 0;
    let bestCost = Infinity;
    for (let t = 0; t < trials; t++) {
      let cost = 0;
      for (let i = 0; i < n; i++) cost += wi(i) * Math.min(minD[i]!, d[i * trials + t]!);
      if (cost < bestCost) {
        bestCost = cost;
        best = t;
      }
    }
    for (let i = 0; i < n; i++) minD[i] = Math.min(minD[i]!, d[i * trials + best]!);
    chosen.push(cands[best]!);
  }
  return chosen;
}

/**
 * k-means of the rows of x ([n, d]) into k clusters (k ≤ n). Deterministic in rng. Empty clusters keep their
 * previous centre. x is not disposed.
 */
export async function kmeans(x: tf.Tensor2D, k: number, rng: Rng, options: Partial<KMeansOptions> = {}): Promise<KMeansResult> {
  const opts = { ...KMEANS_DEFAULTS, ...options };
  const [n, d] = x.shape;
  if (k < 1 || k > n) throw new Error(`k-means needs 1 ≤ k ≤ n (k = ${k}, n = ${n})`);
  const w = opts.weights;
  if (w && w.length !== n) throw new Error(`k-means got ${w.length} weights for ${n} points`);
  const xNorm = tf.tidy(() => tf.sum(tf.square(x), 1)) as tf.Tensor1D;
  try {
    const seeds = opts.init === 'kmeans++' ? await seedPlusPlus(x, xNorm, k, rng, w) : Array.from(rng.sampleWithoutReplacement(n, k));
    let centres = tf.gather(x, seeds) as tf.Tensor2D;
    const meanNorm = tf.mean(xNorm);
    const scale = (await meanNorm.data())[0]! * opts.tol;
    meanNorm.dispose();
    let { assign, dist2 } = await nearest(x, xNorm, centres, opts.chunk);
    let it = 0;
    for (; it < opts.iterations; it++) {
      const counts = new Float32Array(k);
      for (let i = 0; i < n; i++) counts[assign[i]!]! += w ? w[i]! : 1;
      const next = tf.tidy(() => {
        // Sums per cluster as a product with the one-hot assignment matrix, in row chunks.
        let sums: tf.Tensor = tf.zeros([k, d]);
        for (let s = 0; s < n; s += opts.chunk) {
          const m = Math.min(opts.chunk, n - s);
          // One-hot by comparison (tf.oneHot rejects a depth of 1, i.e. k = 1).
          let oneHot: tf.Tensor = tf.cast(tf.equal(tf.expandDims(tf.tensor1d(assign.slice(s, s + m), 'int32'), 1), tf.range(0, k, 1, 'int32')), 'float32');
          if (w) oneHot = tf.mul(oneHot, tf.tensor2d(Float32Array.from({ length: m }, (_, i) => w[s + i]!), [m, 1]));
          sums = tf.add(sums, tf.matMul(oneHot, tf.slice(x, [s, 0], [m, -1]), true, false));
        }
        const cnt = tf.tensor2d(counts, [k, 1]);
        const empty = tf.lessEqual(cnt, 0);
        return tf.where(tf.broadcastTo(empty, [k, d]), centres, tf.div(sums, tf.maximum(cnt, 1))) as tf.Tensor2D;
      });
      const shift = tf.tidy(() => tf.max(tf.sum(tf.square(tf.sub(next, centres)), 1)));
      const moved = (await shift.data())[0]!;
      shift.dispose();
      centres.dispose();
      centres = next;
      ({ assign, dist2 } = await nearest(x, xNorm, centres, opts.chunk));
      if (moved <= scale) {
        it++;
        break;
      }
    }
    const sizes = new Int32Array(k);
    for (let i = 0; i < n; i++) sizes[assign[i]!]!++;
    const out = (await centres.data()) as Float32Array;
    centres.dispose();
    return { centres: Float32Array.from(out), k, assign, dist2, sizes, iterations: it };
  } finally {
    xNorm.dispose();
  }
}

/** Each row of x's nearest centre (centres row-major k x d, as kmeans returns them) and its squared distance. */
export async function assignTo(x: tf.Tensor2D, centres: Float32Array, k: number, chunk = KMEANS_DEFAULTS.chunk): Promise<{ assign: Int32Array; dist2: Float32Array }> {
  const c = tf.tensor2d(centres, [k, x.shape[1]]);
  const xNorm = tf.tidy(() => tf.sum(tf.square(x), 1)) as tf.Tensor1D;
  try {
    return await nearest(x, xNorm, c, chunk);
  } finally {
    tf.dispose([c, xNorm]);
  }
}

/**
 * For each cluster, its member nearest the centre: k distinct points (clusters are disjoint). A cluster left
 * empty (it kept its old centre) takes the point farthest from its own centre among those not yet taken.
 */
export function clusterRepresentatives(r: Pick<KMeansResult, 'assign' | 'dist2' | 'k'>): Int32Array {
  const best = new Int32Array(r.k).fill(-1);
  const bestD = new Float32Array(r.k).fill(Infinity);
  for (let i = 0; i < r.assign.length; i++) {
    const c = r.assign[i]!;
    if (r.dist2[i]! < bestD[c]!) {
      bestD[c] = r.dist2[i]!;
      best[c] = i;
    }
  }
  const taken = new Set(best);
  for (let c = 0; c < r.k; c++) {
    if (best[c] !== -1) continue;
    let far = -1;
    for (let i = 0; i < r.assign.length; i++) if (!taken.has(i) && (far === -1 || r.dist2[i]! > r.dist2[far]!)) far = i;
    best[c] = far;
    taken.add(far);
  }
  return best;
}
