/**
 * Initialisers that choose real images by looking at them (async: they compute features on the backend):
 *   kmeans:     DREAM's init: per class, k-means with IPC centres on features, the member nearest each centre.
 *   importance: "Dataset Distillation Meets Provable Subset Selection": per class, sensitivity sampling with
 *               π ∝ s (k-means loss) or π ∝ τ + 1/n (ridge leverage, the kernel-fitting loss, for KRR);
 *               IPC images drawn by π without replacement; weights 1/(m·π) kept for the run record.
 *               Variant `draw: 'coreset'` (algorithms.md §2): draw 10·IPC by π with replacement (weights
 *               1/(10·IPC·π), summed over repeats), weighted k-means to IPC centres on that coreset, and take
 *               the candidate nearest each centre; its weight is the coreset mass of its cluster.
 * Features are `embed` of a random ConvNet of the run's shape (seeded) or the raw pixels.
 */
import * as tf from '@tensorflow/tfjs';
import { classPool, gatherPixels, type RealData } from '../data/batches';
import { disposeConvNet, initConvNet, type ConvNetParams, type ConvNetShape } from '../nn/convnet';
import type { Rng } from '../rng';
import { embedAll } from '../select/coresets';
import { assignTo, clusterRepresentatives, drawProportional, kmeans, type KMeansResult } from '../select/kmeans';
import { kmeansSensitivity, leverageScores, normalise, sampleByImportance, type ImportanceSample } from '../select/importance';
import type { InitialSet } from '.';
import { INIT_SETTINGS_DEFAULTS, type InitDraw } from '../../shared/methods';

export interface SelectInitOptions {
  features: 'embed' | 'pixels';
  /** Candidates per class (a seeded random subset; 0 = every image of the class). */
  pool: number;
  /** Lloyd iterations after k-means++ seeding (kmeans init; importance uses its seeds' clustering as B). */
  lloyd: number;
  /** Importance by the kernel-fitting loss (ridge leverage) instead of the k-means loss. */
  kernel: boolean;
  /** Importance: the IPC images themselves drawn by π ('sample'), or the coreset variant ('coreset'). */
  draw: InitDraw;
}

export const SELECT_INIT_DEFAULTS: SelectInitOptions = {
  features: INIT_SETTINGS_DEFAULTS.initFeatures,
  pool: INIT_SETTINGS_DEFAULTS.initPool,
  lloyd: 20,
  kernel: false,
  draw: INIT_SETTINGS_DEFAULTS.initDraw,
};

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

/**
 * Class c's candidates (a seeded subset of `opts.pool`) and their features [n, d] as a tensor the caller
 * disposes: `embed` under `params`, or the pixels.
 */
function candidateFeatures(data: RealData, c: number, rng: Rng, net: ConvNetShape, params: ConvNetParams, opts: SelectInitOptions) {
  const cand = classPool(data, c, opts.pool, rng);
  const { height, width, channels } = data.set;
  const x = opts.features === 'embed' ? embedAll(net, params, data, cand) : tf.tensor2d(gatherPixels(data, cand), [cand.length, height * width * channels]);
  return { cand, x };
}

/**
 * Runs `perClass` on every class's candidates and features, with a random ConvNet seeded from rng (the same
 * network for every class); frees what it made, reports progress after each class.
 */
async function eachClass(
  data: RealData,
  rng: Rng,
  net: ConvNetShape,
  opts: SelectInitOptions,
  onProgress: InitProgress | undefined,
  perClass: (cand: Int32Array, x: tf.Tensor2D) => Promise<void>,
): Promise<void> {
  const params = initConvNet(net, rng.nextSeed());
  try {
    for (let c = 0; c < data.numClasses; c++) {
      const { cand, x } = candidateFeatures(data, c, rng, net, params, opts);
      try {
        await perClass(cand, x);
      } finally {
        x.dispose();
      }
      await onProgress?.(c + 1, data.numClasses);
    }
  } finally {
    disposeConvNet(params);
  }
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
  const chosen: Int32Array[] = [];
  await eachClass(data, rng, net, opts, onProgress, async (cand, x) => {
    const r = await kmeans(x, Math.min(ipc, cand.length), rng, { iterations: opts.lloyd });
    chosen.push(Int32Array.from(clusterRepresentatives(r), (p) => cand[p]!));
  });
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
  const chosen: Int32Array[] = [];
  const importance: ClassImportance[] = [];
  await eachClass(data, rng, net, opts, onProgress, async (cand, x) => {
    const m = Math.min(ipc, cand.length);
    let pi: Float64Array;
    if (opts.kernel) {
      const tau = await leverageScores(x);
      pi = normalise(Float64Array.from(tau, (t) => t + 1 / cand.length));
    } else {
      // B = the k-means++ seeds (the sensitivity bound's bicriteria solution); no Lloyd steps.
      pi = normalise(kmeansSensitivity(await kmeans(x, m, rng, { iterations: 0 })));
    }
    const s = opts.draw === 'coreset' ? await coresetDraw(x, pi, m, rng, opts.lloyd) : sampleByImportance(pi, m, rng);
    chosen.push(Int32Array.from(s.indices, (p) => cand[p]!));
    importance.push({ candidates: cand, pi, drawn: s.indices, weights: s.weights });
  });
  return finish(data, chosen, importance);
}

/**
 * The coreset variant: 10m draws by π with replacement form a weighted coreset of the candidates (weight
 * 1/(10m·π) per draw); weighted k-means on it gives m centres; each centre's representative is the nearest
 * candidate (distinct). Returns positions into the candidates and each one's cluster mass on the coreset.
 */
async function coresetDraw(x: tf.Tensor2D, pi: Float64Array, m: number, rng: Rng, lloyd: number): Promise<ImportanceSample> {
  const draws = 10 * m;
  const mass = new Map<number, number>();
  for (let t = 0; t < draws; t++) {
    const i = drawProportional(pi, rng);
    mass.set(i, (mass.get(i) ?? 0) + 1 / (draws * pi[i]!));
  }
  const members = Int32Array.from(mass.keys());
  const w = Float64Array.from(members, (i) => mass.get(i)!);
  const k = Math.min(m, members.length);
  const sub = tf.gather(x, members) as tf.Tensor2D;
  let r: KMeansResult;
  try {
    r = await kmeans(sub, k, rng, { iterations: lloyd, weights: w });
  } finally {
    sub.dispose();
  }
  const near = await assignTo(x, r.centres, k);
  const indices = clusterRepresentatives({ ...near, k });
  const clusterMass = new Float64Array(k);
  r.assign.forEach((c, j) => (clusterMass[c] = clusterMass[c]! + w[j]!));
  // Representatives are per centre (clusterRepresentatives' order): weight = that centre's coreset mass.
  const weights = Float64Array.from({ length: k }, (_, c) => clusterMass[c]!);
  if (k < m) {
    // Fewer distinct draws than m (a very peaked π): fill with the most probable candidates not yet chosen.
    const taken = new Set(indices);
    const rest = Array.from(pi.keys()).filter((i) => !taken.has(i)).sort((a, b) => pi[b]! - pi[a]!);
    const extra = rest.slice(0, m - k);
    return { indices: Int32Array.from([...indices, ...extra]), weights: Float64Array.from([...weights, ...extra.map(() => 0)]) };
  }
  return { indices, weights };
}
