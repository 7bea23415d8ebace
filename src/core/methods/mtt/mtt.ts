/**
 * MTT, trajectory matching (Cazenavette et al. 2022), small N for a browser. Expert networks are trained on
 * the real data and their parameters stored after every epoch. Each iteration picks an expert and a start
 * epoch t, starts a student at θ*_t, takes N differentiable SGD steps on the synthetic images with a
 * learnable step size α, and minimises ‖θ̂_N − θ*_{t+M}‖² / ‖θ*_t − θ*_{t+M}‖² w.r.t. the images and α.
 * Memory grows with N (every step's tape is kept): see shared/memory.ts for the estimate shown before a run.
 */
import * as tf from '@tensorflow/tfjs';
import { initConvNet, logits, paramList, type ConvNetParams, type ConvNetShape } from '../../nn/convnet';
import { crossEntropy } from '../../nn/losses';
import { SgdTrainer, paramsFromList } from '../../nn/train';
import { gatherBatch, type RealData } from '../../data/batches';
import type { DrawAugment, SyntheticState } from '../dm/dm';
import type { Rng } from '../../rng';

/** MTT's hyper-parameters (the expert settings also key the expert cache). */
export interface MttConfig {
  ipc: number;
  lrImages: number;
  momentum: number;
  /** N: differentiable student steps per iteration. */
  syntheticSteps: number;
  /** M: expert epochs the student's N steps must cover. */
  expertEpochs: number;
  /** Start epochs are drawn from 0..maxStartEpoch; experts train maxStartEpoch + expertEpochs epochs. */
  maxStartEpoch: number;
  /** Expert networks trained on the real data. */
  experts: number;
  /** SGD of the experts (the paper: lr 0.01, no momentum), batch size, and real images per expert epoch. */
  expertLr: number;
  expertBatch: number;
  expertImagesPerEpoch: number;
  /** Learning rate of the learnable step size α (initialised to expertLr). */
  lrStepSize: number;
  /** Synthetic images per student step, drawn at random (0 = all of them); memory grows with it. */
  batchSyn: number;
}

export const MTT_DEFAULTS: MttConfig = {
  ipc: 10,
  lrImages: 100,
  momentum: 0.5,
  syntheticSteps: 10,
  expertEpochs: 2,
  maxStartEpoch: 4,
  experts: 2,
  expertLr: 0.01,
  expertBatch: 256,
  expertImagesPerEpoch: 5000,
  lrStepSize: 1e-5,
  batchSyn: 0,
};

/** The settings that determine the experts (with the dataset, network shape and seed). */
export function expertKey(dataset: string, net: ConvNetShape, cfg: MttConfig, seed: number, dsa: boolean): string {
  const { experts, expertLr, expertBatch, expertImagesPerEpoch, maxStartEpoch, expertEpochs } = cfg;
  return JSON.stringify({ dataset, net, experts, expertLr, expertBatch, expertImagesPerEpoch, epochs: maxStartEpoch + expertEpochs, seed, dsa });
}

/** Expert trajectories: for each expert, its flat parameter list (paramList order) after each epoch, from epoch 0. */
export interface Trajectories {
  key: string;
  template: ConvNetParams;
  experts: tf.Tensor[][][];
}

export function disposeTrajectories(t: Trajectories): void {
  for (const e of t.experts) for (const snap of e) tf.dispose(snap);
}

/** Progress of expert training: expert e (0-based) finished `epoch` of `epochs`. */
export interface ExpertProgress {
  expert: number;
  experts: number;
  epoch: number;
  epochs: number;
}

/**
 * Trains `cfg.experts` fresh ConvNets on the real data (SGD, the experts' lr, no momentum or weight decay;
 * augmented when `augment` is given, as the paper's experts are) and snapshots them after every epoch. An
 * epoch is `expertImagesPerEpoch` real images drawn without replacement across classes. Yields to the caller
 * after each epoch through `onEpoch`, which may throw to cancel (then nothing is leaked).
 */
export async function trainExperts(
  net: ConvNetShape,
  data: RealData,
  cfg: MttConfig,
  rng: Rng,
  key: string,
  augment?: DrawAugment,
  onEpoch?: (p: ExpertProgress) => void | Promise<void>,
): Promise<Trajectories> {
  const epochs = cfg.maxStartEpoch + cfg.expertEpochs;
  const experts: tf.Tensor[][][] = [];
  let template: ConvNetParams | null = null;
  const total = data.set.count;
  try {
    for (let e = 0; e < cfg.experts; e++) {
      const trainer = new SgdTrainer(net, initConvNet(net, rng.nextSeed()), { lr: cfg.expertLr, momentum: 0, weightDecay: 0 });
      const snaps: tf.Tensor[][] = [];
      experts.push(snaps);
      try {
        snaps.push(paramList(trainer.params).map((p) => tf.clone(p)));
        for (let ep = 0; ep < epochs; ep++) {
          const order = rng.sampleWithoutReplacement(total, Math.min(total, cfg.expertImagesPerEpoch));
          for (let s = 0; s < order.length; s += cfg.expertBatch) {
            const idx = order.subarray(s, Math.min(order.length, s + cfg.expertBatch));
            const [x, y] = tf.tidy(() => {
              const aug = augment?.() ?? ((t: tf.Tensor4D) => t);
              const lab = Int32Array.from(idx, (i) => data.set.labels[i]!);
              return [aug(gatherBatch(data, idx)), tf.oneHot(tf.tensor1d(lab, 'int32'), net.classes) as tf.Tensor2D] as const;
            });
            tf.dispose([trainer.step(x, y), x, y]);
          }
          snaps.push(paramList(trainer.params).map((p) => tf.clone(p)));
          await onEpoch?.({ expert: e, experts: cfg.experts, epoch: ep + 1, epochs });
        }
        template ??= { ...trainer.params };
      } finally {
        trainer.dispose();
      }
    }
  } catch (err) {
    for (const snaps of experts) for (const s of snaps) tf.dispose(s);
    throw err;
  }
  // The template only lends paramsFromList its structure; its tensors were disposed with the trainer.
  return { key, template: template!, experts };
}

/**
 * The MTT loss from `start` after N student steps on `images` with step size `stepSize`:
 * Σ‖θ̂_N − target‖² / Σ‖start − target‖². Differentiable w.r.t. images and stepSize.
 */
export function trajectoryLoss(
  net: ConvNetShape,
  template: ConvNetParams,
  start: tf.Tensor[],
  target: tf.Tensor[],
  images: tf.Tensor4D,
  labels: tf.Tensor2D,
  stepSize: tf.Scalar,
  steps: number,
  augment?: DrawAugment,
  batches?: Int32Array[],
): tf.Scalar {
  let theta = start;
  for (let i = 0; i < steps; i++) {
    const aug = augment?.() ?? ((t: tf.Tensor4D) => t);
    const idx = batches?.[i];
    const x = aug(idx ? selectRows(images, idx) : images);
    const y = idx ? tf.gather(labels, idx) : labels;
    const ce = (...ps: tf.Tensor[]) => crossEntropy(logits(net, paramsFromList(template, ps), x), y);
    const g = tf.grads(ce)(theta);
    theta = theta.map((p, j) => tf.sub(p, tf.mul(stepSize, g[j]!)));
  }
  const sq = (a: tf.Tensor[], b: tf.Tensor[]) => tf.sum(tf.stack(a.map((p, j) => tf.sum(tf.square(tf.sub(p, b[j]!))))));
  return tf.div(sq(theta, target), sq(start, target)) as tf.Scalar;
}

/**
 * x[idx] along the first axis as a one-hot matrix product, so that its gradient exists on every backend:
 * tf.gather's gradient needs UnsortedSegmentSum, which wasm does not have. Exact: each output is one input value
 * times 1 plus zeros.
 */
export function selectRows(x: tf.Tensor4D, idx: Int32Array): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  // Cast, not oneHot's dtype argument: wasm's OneHot writes int32 bits whatever the dtype.
  const pick = tf.cast(tf.oneHot(tf.tensor1d(idx, 'int32'), n), 'float32') as tf.Tensor2D;
  return tf.reshape(tf.matMul(pick, tf.reshape(x, [n, h * w * c])), [idx.length, h, w, c]);
}

/** An MTT run's state beyond the synthetic images: the experts and the learnable step size. */
export class MttMethod {
  readonly stepSize: tf.Variable<tf.Rank.R0>;
  private readonly stepVelocity: tf.Variable<tf.Rank.R0>;
  private readonly labels: tf.Tensor2D;

  constructor(
    private readonly net: ConvNetShape,
    private readonly trajectories: Trajectories,
    private readonly syn: SyntheticState,
    private readonly cfg: MttConfig,
    private readonly rng: Rng,
    private readonly augment?: DrawAugment,
  ) {
    // tf.variable shares its initial value's data, not its handle: free the handles.
    const [alpha, zero] = [tf.scalar(cfg.expertLr), tf.scalar(0)];
    this.stepSize = tf.variable(alpha, true);
    this.stepVelocity = tf.variable(zero, false);
    tf.dispose([alpha, zero]);
    const n = syn.images.shape[0];
    this.labels = tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from({ length: n }, (_, i) => Math.floor(i / cfg.ipc)), 'int32'), net.classes) as tf.Tensor2D);
  }

  /** One iteration: a random expert and start epoch, N student steps, one SGD-momentum step on images and α. */
  step(): tf.Scalar {
    const { cfg, trajectories } = this;
    const expert = trajectories.experts[this.rng.int(trajectories.experts.length)]!;
    const t = this.rng.int(cfg.maxStartEpoch + 1);
    const start = expert[t]!;
    const target = expert[t + cfg.expertEpochs]!;
    const n = this.syn.images.shape[0];
    const batches =
      cfg.batchSyn > 0 && cfg.batchSyn < n
        ? Array.from({ length: cfg.syntheticSteps }, () => this.rng.sampleWithoutReplacement(n, cfg.batchSyn))
        : undefined;
    return tf.tidy(() => {
      const f = (images: tf.Tensor, alpha: tf.Tensor) =>
        trajectoryLoss(this.net, trajectories.template, start, target, images as tf.Tensor4D, this.labels, alpha as tf.Scalar, cfg.syntheticSteps, this.augment, batches);
      const { value, grads } = tf.valueAndGrads(f)([this.syn.images, this.stepSize]);
      const v = tf.add(tf.mul(this.syn.velocity, cfg.momentum), grads[0]!);
      this.syn.velocity.assign(v as tf.Tensor4D);
      this.syn.images.assign(tf.sub(this.syn.images, tf.mul(v, cfg.lrImages)) as tf.Tensor4D);
      const va = tf.add(tf.mul(this.stepVelocity, cfg.momentum), grads[1]!);
      this.stepVelocity.assign(va as tf.Scalar);
      this.stepSize.assign(tf.sub(this.stepSize, tf.mul(va, cfg.lrStepSize)) as tf.Scalar);
      return value;
    });
  }

  /** The learned step size and its momentum (what a checkpoint needs beyond the images). */
  async save(): Promise<{ stepSize: number; stepVelocity: number }> {
    const [a, v] = await Promise.all([this.stepSize.data(), this.stepVelocity.data()]);
    return { stepSize: a[0]!, stepVelocity: v[0]! };
  }

  load(s: { stepSize: number; stepVelocity: number }): void {
    tf.tidy(() => {
      this.stepSize.assign(tf.scalar(s.stepSize));
      this.stepVelocity.assign(tf.scalar(s.stepVelocity));
    });
  }

  dispose(): void {
    tf.dispose([this.stepSize, this.stepVelocity, this.labels]);
  }
}
