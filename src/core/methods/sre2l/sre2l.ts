/**
 * SRe2L's recover and relabel (Yin et al., NeurIPS 2023) with DWA's directed weight adjustment (Du et al.,
 * NeurIPS 2024), at browser scale on a BN ConvNet-3 teacher (./teacher.ts, the squeeze step).
 *
 * Recover: the synthetic images are optimised so that, at every BN layer of the frozen teacher (eval mode), the
 * batch mean and variance of the synthetic batch's BN inputs match the teacher's running ones, plus the teacher's
 * cross-entropy on the images' classes:
 *   L = CE(teacher(jitter(x)), y) + r_bn · Σ_l m_l (r_var · ‖σ²_l(x) − σ²_run,l‖₂ + ‖μ_l(x) − μ_run,l‖₂)
 * (m_1 = the first-BN multiplier, else 1), with Adam (β₁ = the run's momentum, β₂ = 0.9), a cosine learning rate
 * over the run's iterations, and the pixels clipped to the valid range after each update, as the authors' code.
 * Batches are the authors': batch k is image k of every class (one image per class), so one iteration updates all
 * IPC·classes images, batch by batch, each against its own teacher.
 *
 * DWA: each batch k has its own teacher θ + Δθ_k, where Δθ_k is K steps of size ρ/K along the normalised gradient
 * of the teacher's cross-entropy on a small random real subset (gradient ascent: the adjusted teacher does worse
 * on that subset), the BN running statistics kept (eval mode). Computed once per batch before the first
 * iteration, as the authors' code does at a batch's first iteration; the unadjusted teacher is kept.
 *
 * Relabel: the teacher's (unadjusted) softmax at temperature T on the final images, as soft labels.
 */
import * as tf from '@tensorflow/tfjs';
import { paramList, type ConvNetParams, type ConvNetShape } from '../../nn/convnet';
import { crossEntropy, softmax } from '../../nn/losses';
import { paramsFromList } from '../../nn/train';
import { gatherBatch, sampleClass, type RealData } from '../../data/batches';
import type { Rng } from '../../rng';
import type { DrawAugment, SyntheticState } from '../dm/dm';
import { bnForward, type Teacher } from './teacher';

/** Recover, DWA and relabel settings (the defaults, with their sources, are in src/shared/method-info/sre2l.ts). */
export interface RecoverConfig {
  ipc: number;
  iterations: number;
  lr: number;
  /** Adam's β₁ (the run's momentum); β₂ is ADAM_BETA2. */
  beta1: number;
  bnWeight: number;
  firstBnMultiplier: number;
  varWeight: number;
  /** Random shift (torch.roll) of up to this many pixels in each direction, per batch and iteration. */
  jitter: number;
  /** DWA: off when false (every batch uses the teacher as trained). */
  dwa: boolean;
  rho: number;
  dwaSteps: number;
  /** Real images per class in each batch's DWA subset. */
  dwaSubset: number;
  temperature: number;
}

export const ADAM_BETA2 = 0.9;
export const ADAM_EPS = 1e-8;

/** Batch k's rows in the class-major set: image k of every class. */
export function batchRows(classes: number, ipc: number, k: number): number[] {
  return Array.from({ length: classes }, (_, c) => c * ipc + k);
}

/** Batch k of the class-major images [classes·ipc, H, W, C]: a slice (its gradient, a pad, exists on every backend). */
function batchOf(images: tf.Tensor4D, classes: number, ipc: number, k: number): tf.Tensor4D {
  const [, h, w, c] = images.shape;
  return tf.reshape(tf.slice(tf.reshape(images, [classes, ipc, h * w * c]), [0, k, 0], [classes, 1, h * w * c]), [classes, h, w, c]);
}

/** torch.roll of x by (dy, dx) pixels along height and width. */
export function roll2d(x: tf.Tensor4D, dy: number, dx: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  let out = x;
  const sy = ((dy % h) + h) % h;
  const sx = ((dx % w) + w) % w;
  if (sy) out = tf.concat([tf.slice(out, [0, h - sy, 0, 0], [-1, sy, -1, -1]), tf.slice(out, [0, 0, 0, 0], [-1, h - sy, -1, -1])], 1);
  if (sx) out = tf.concat([tf.slice(out, [0, 0, w - sx, 0], [-1, -1, sx, -1]), tf.slice(out, [0, 0, 0, 0], [-1, -1, w - sx, -1])], 2);
  return out;
}

/** ‖a − b‖₂ (a small constant under the root keeps its gradient finite at 0). */
function l2(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return tf.sqrt(tf.add(tf.sum(tf.square(tf.sub(a, b))), 1e-12)) as tf.Scalar;
}

/** SRe2L's loss of one batch x (labels y one-hot) under teacher parameters `params` with `teacher`'s running statistics. */
export function recoverLoss(
  shape: ConvNetShape,
  params: ConvNetParams,
  teacher: Teacher,
  x: tf.Tensor4D,
  y: tf.Tensor2D,
  cfg: Pick<RecoverConfig, 'bnWeight' | 'firstBnMultiplier' | 'varWeight'>,
): tf.Scalar {
  const r = bnForward(shape, params, teacher.running, x, 'eval', true);
  const ce = crossEntropy(r.logits, y);
  const terms = r.moments.map((m, l) => {
    const run = teacher.running[l]!;
    const t = tf.add(tf.mul(l2(m.variance, run.variance), cfg.varWeight), l2(m.mean, run.mean));
    return tf.mul(t, l === 0 ? cfg.firstBnMultiplier : 1);
  });
  return tf.add(ce, tf.mul(tf.addN(terms), cfg.bnWeight)) as tf.Scalar;
}

/**
 * DWA's directed weight adjustment of `teacher` on the real images x (labels y): K steps θ ← θ + (ρ/K)·g/‖g‖,
 * g the gradient of the eval-mode cross-entropy w.r.t. all parameters (running statistics unchanged). Returns the
 * adjusted parameters as a flat list in paramList order (new tensors; the caller disposes them).
 */
export function directedAdjustment(shape: ConvNetShape, teacher: Teacher, x: tf.Tensor4D, y: tf.Tensor2D, rho: number, steps: number): tf.Tensor[] {
  let theta = paramList(teacher.params).map((p) => tf.clone(p));
  for (let s = 0; s < steps; s++) {
    const next = tf.tidy(() => {
      const f = (...ps: tf.Tensor[]) => crossEntropy(bnForward(shape, paramsFromList(teacher.params, ps), teacher.running, x, 'eval').logits, y);
      const g = tf.grads(f)(theta);
      const norm = tf.sqrt(tf.addN(g.map((gi) => tf.sum(tf.square(gi)))));
      const scale = tf.div(rho / steps, tf.add(norm, 1e-12));
      return theta.map((p, i) => tf.add(p, tf.mul(g[i]!, scale)));
    });
    tf.dispose(theta);
    theta = next;
  }
  return theta;
}

/** The teacher each batch uses: its own adjusted parameters (DWA), or the teacher's own (shared, not owned). */
export interface BatchTeachers {
  params: ConvNetParams[];
  owned: tf.Tensor[][];
}

/**
 * The batch teachers of a run: with DWA, one adjustment per batch k on `dwaSubset` real images per class drawn from
 * `rng` (a stream of its own, in batch order); without, the teacher for every batch.
 */
export function batchTeachers(shape: ConvNetShape, teacher: Teacher, data: RealData, cfg: RecoverConfig, rng: Rng): BatchTeachers {
  if (!cfg.dwa || cfg.rho === 0) return { params: Array.from({ length: cfg.ipc }, () => teacher.params), owned: [] };
  const owned: tf.Tensor[][] = [];
  try {
    for (let k = 0; k < cfg.ipc; k++) {
      const idx = Array.from({ length: data.numClasses }, (_, c) => Array.from(sampleClass(data, c, cfg.dwaSubset, rng))).flat();
      const labels = Array.from({ length: data.numClasses }, (_, c) => new Array<number>(Math.min(cfg.dwaSubset, data.byClass[c]!.length)).fill(c)).flat();
      const [x, y] = tf.tidy(() => [gatherBatch(data, idx), tf.oneHot(tf.tensor1d(labels, 'int32'), shape.classes) as tf.Tensor2D] as const);
      try {
        owned.push(directedAdjustment(shape, teacher, x, y, cfg.rho, cfg.dwaSteps));
      } finally {
        tf.dispose([x, y]);
      }
    }
  } catch (err) {
    tf.dispose(owned.flat());
    throw err;
  }
  return { params: owned.map((l) => paramsFromList(teacher.params, l)), owned };
}

/** The recover step's state beyond the images: Adam's second moment (its first is the run's velocity). */
export class Recover {
  readonly second: tf.Variable<tf.Rank.R4>;
  private readonly labels: tf.Tensor2D;
  private readonly lo: tf.Tensor;
  private readonly hi: tf.Tensor;

  constructor(
    private readonly shape: ConvNetShape,
    private readonly teacher: Teacher,
    private readonly batches: BatchTeachers,
    private readonly syn: SyntheticState,
    private readonly cfg: RecoverConfig,
    private readonly rng: Rng,
    private readonly iteration: () => number,
    data: Pick<RealData, 'mean' | 'std'>,
    private readonly augment?: DrawAugment,
  ) {
    const zeros = tf.zerosLike(syn.images);
    this.second = tf.variable(zeros, false);
    zeros.dispose();
    this.labels = tf.tidy(() => tf.oneHot(tf.range(0, shape.classes, 1, 'int32'), shape.classes) as tf.Tensor2D);
    // The valid pixel range [0, 1] in the normalised space, per channel.
    const ch = shape.input[2];
    const mean = Array.from({ length: ch }, (_, c) => data.mean[c] ?? data.mean[0]!);
    const std = Array.from({ length: ch }, (_, c) => data.std[c] ?? data.std[0]!);
    this.lo = tf.tensor1d(mean.map((m, c) => -m / std[c]!));
    this.hi = tf.tensor1d(mean.map((m, c) => (1 - m) / std[c]!));
  }

  /** One iteration: every batch's loss under its teacher, one Adam step on all images, then clipping. Returns the mean batch loss. */
  step(): tf.Scalar {
    const { cfg, shape } = this;
    const classes = shape.classes;
    // Jitter offsets (and DSA draws) in batch order, from the run's stream.
    const shifts = Array.from({ length: cfg.ipc }, () => [this.rng.int(cfg.jitter + 1), this.rng.int(cfg.jitter + 1)] as const);
    const augs = Array.from({ length: cfg.ipc }, () => this.augment?.() ?? ((t: tf.Tensor4D) => t));
    const t = this.iteration() + 1;
    const lr = 0.5 * cfg.lr * (1 + Math.cos((Math.PI * (t - 1)) / Math.max(1, cfg.iterations)));
    return tf.tidy(() => {
      const f = (images: tf.Tensor) => {
        const losses = shifts.map(([dy, dx], k) => {
          const x = roll2d(augs[k]!(batchOf(images as tf.Tensor4D, classes, cfg.ipc, k)), dy, dx);
          return recoverLoss(shape, this.batches.params[k]!, this.teacher, x, this.labels, cfg);
        });
        return tf.div(tf.addN(losses), cfg.ipc) as tf.Scalar;
      };
      const { value, grad } = tf.valueAndGrad(f)(this.syn.images);
      const m = tf.add(tf.mul(this.syn.velocity, cfg.beta1), tf.mul(grad, 1 - cfg.beta1));
      const v = tf.add(tf.mul(this.second, ADAM_BETA2), tf.mul(tf.square(grad), 1 - ADAM_BETA2));
      const mHat = tf.div(m, 1 - cfg.beta1 ** t);
      const vHat = tf.div(v, 1 - ADAM_BETA2 ** t);
      const next = tf.sub(this.syn.images, tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), ADAM_EPS)), lr));
      this.syn.velocity.assign(m as tf.Tensor4D);
      this.second.assign(v as tf.Tensor4D);
      this.syn.images.assign(tf.minimum(tf.maximum(next, this.lo), this.hi) as tf.Tensor4D);
      return value;
    });
  }

  /** The teacher's soft labels of the current images: softmax(teacher(x) / T), [N, classes] class-major. */
  softLabels(): tf.Tensor2D {
    return this.relabel(this.syn.images);
  }

  /** The teacher's (unadjusted, eval mode) softmax at the relabel temperature for any batch of images. */
  relabel(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const z = bnForward(this.shape, this.teacher.params, this.teacher.running, x, 'eval', true).logits;
      return softmax(tf.div(z, this.cfg.temperature) as tf.Tensor2D);
    });
  }

  /**
   * Per class, the mean pairwise Euclidean distance between its images' teacher features (the unadjusted teacher's
   * last block, eval mode): how diverse the synthetic images of a class look to the teacher. Empty with IPC 1.
   */
  async diversity(): Promise<number[]> {
    return classDiversity(this.shape, this.teacher, this.syn.images, this.cfg.ipc);
  }

  dispose(): void {
    tf.dispose([this.second, this.labels, this.lo, this.hi]);
  }
}

/** Mean pairwise feature distance per class of class-major images (see Recover.diversity); [] when ipc < 2. */
export async function classDiversity(shape: ConvNetShape, teacher: Teacher, images: tf.Tensor4D, ipc: number): Promise<number[]> {
  if (ipc < 2) return [];
  const feats = tf.tidy(() => bnForward(shape, teacher.params, teacher.running, images, 'eval', true).features);
  const f = (await feats.data()) as Float32Array;
  const d = feats.shape[1];
  feats.dispose();
  return Array.from({ length: shape.classes }, (_, c) => {
    let sum = 0;
    let pairs = 0;
    for (let i = 0; i < ipc; i++) {
      for (let j = i + 1; j < ipc; j++) {
        const a = (c * ipc + i) * d;
        const b = (c * ipc + j) * d;
        let s = 0;
        for (let q = 0; q < d; q++) s += (f[a + q]! - f[b + q]!) ** 2;
        sum += Math.sqrt(s);
        pairs++;
      }
    }
    return sum / pairs;
  });
}
