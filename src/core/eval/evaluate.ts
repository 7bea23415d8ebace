/**
 * The field's evaluation protocol (algorithms.md §0): train fresh ConvNets on a (distilled) set only, with
 * SGD lr 0.01, momentum 0.9, weight decay 5e-4, batch 256, lr x0.1 at half the epochs (or IDC's schedule, lrAt); test on the real
 * test set; repeat over K networks; report mean ± std. `architecture: 'mlp'` trains MLPs instead (2 hidden
 * layers of `width` units), the cross-architecture check: a set distilled with ConvNets may not transfer.
 */
import * as tf from '@tensorflow/tfjs';
import { initConvNet, type Architecture, type ConvNetShape } from '../nn/convnet';
import { SgdTrainer, accuracy } from '../nn/train';
import { gatherBatch, type RealData } from '../data/batches';
import { Rng } from '../rng';
import { applyDsa, drawDsa, DSA_DEFAULT_STRATEGY } from '../augment/dsa';
import { cutMixImages, cutMixTargets, drawCutMix } from '../augment/cutmix';
import type { EvalLabels } from './soft-labels';
import type { EvalLrSchedule } from '../../shared/protocol';

/** Settings of the protocol; the papers use 300-1000 epochs and 5-10 models. */
export interface EvalConfig {
  epochs: number;
  models: number;
  batch: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  width: number;
  depth: number;
  /** The networks trained: ConvNet-3 (the protocol) or an MLP (cross-architecture). */
  architecture: Architecture;
  seed: number;
  /** Test images used (all when 0); a smaller number makes quick checks cheaper, and is reported. */
  testLimit: number;
  /**
   * Evaluation with DSA augmentation (the protocol of DSA, DM, IDC and DREAM): a fresh DSA draw (the reference
   * strategy and ratios, src/core/augment/dsa.ts) on every training batch of every evaluation network. Absent: off.
   */
  dsa?: boolean;
  /**
   * CutMix during evaluation, as IDC evaluates (src/core/augment/cutmix.ts: p = 0.5, λ ~ U(0, 1), targets mixed by
   * area), drawn after DSA on every training batch; with dsa, cutout leaves the DSA strategy (IDC's rule). With the
   * teacher relabel the teacher labels the mixed images. Absent: off.
   */
  cutmix?: boolean;
  /** The learning-rate schedule (lrAt): 'half' (the protocol; absent means half) or 'idc' (IDC's, a stated variant). */
  lrSchedule?: EvalLrSchedule;
  /** With dsa: whether flips are among the augmentations (false for MNIST, whose digits are not mirror-symmetric). */
  dsaFlip?: boolean;
  /**
   * The labels trained on: 'hard' (the class labels, the protocol; absent means hard) or 'soft' (a stated variant:
   * the set's `soft` target distributions, softmax cross-entropy against them; src/core/eval/soft-labels.ts). A set
   * without soft labels (the baselines) trains on its class labels either way, which is the same as one-hot targets.
   * 'teacher' names the relabel protocol below and needs `relabel`.
   */
  labels?: EvalLabels;
  /**
   * Relabelling by a teacher (SRe2L's relabel as its authors evaluate it, after FKD): every training batch of every
   * evaluation network, as augmented, gets the teacher's target distributions for exactly those images, and the
   * network minimises the softmax cross-entropy against them. It applies to every set evaluated (the baselines
   * too, so they stand under the same protocol) and overrides `labels`. A function of the run's teacher (e.g.
   * DistillRun.relabeler()), so not part of a saved config: the benches and tests set it.
   */
  relabel?: Relabel;
}

/** A teacher's target distributions [n, classes] for a batch of images [n, H, W, C] (a new tensor; the caller disposes). */
export type Relabel = (x: tf.Tensor4D) => tf.Tensor2D;

export const EVAL_DEFAULTS: EvalConfig = {
  epochs: 300,
  models: 5,
  batch: 256,
  lr: 0.01,
  momentum: 0.9,
  weightDecay: 5e-4,
  width: 128,
  depth: 3,
  architecture: 'convnet',
  seed: 0,
  testLimit: 0,
};

/** A labelled training set as plain data: NHWC normalised pixels, one label per image. */
export interface LabelledSet {
  pixels: Float32Array;
  labels: Int32Array;
  shape: readonly [number, number, number];
  /** Target distributions [n, classes] (rows sum to 1), used when the evaluation's `labels` is 'soft'. */
  soft?: Float32Array;
}

/** Accuracy of K fresh networks trained on `set`: mean, (population) std and each run. */
export interface EvalResult {
  mean: number;
  std: number;
  runs: number[];
}

/**
 * The learning rate at `epoch` (0-based). 'half' (the default): lr, then lr/10 from half the epochs on. 'idc':
 * PyTorch's MultiStepLR(milestones [⌊2E/3⌋, ⌊5E/6⌋], gamma 0.2) stepped once per epoch, as IDC's train.py does:
 * lr × 0.2^(milestones ≤ epoch).
 */
export function lrAt(cfg: Pick<EvalConfig, 'lr' | 'epochs' | 'lrSchedule'>, epoch: number): number {
  if (cfg.lrSchedule === 'idc') {
    const drops = [Math.floor((2 * cfg.epochs) / 3), Math.floor((5 * cfg.epochs) / 6)].filter((m) => m <= epoch).length;
    return cfg.lr * 0.2 ** drops;
  }
  return epoch < Math.floor(cfg.epochs / 2) ? cfg.lr : cfg.lr * 0.1;
}

/** Trains one fresh network on `set` and returns its accuracy on `test`. */
export async function trainAndTest(
  set: LabelledSet,
  test: RealData,
  testIndices: Int32Array,
  cfg: EvalConfig,
  seed: number,
  onEpoch?: (epoch: number) => void | Promise<void>,
): Promise<number> {
  // The MLP of the DC benchmarks: 2 hidden layers (ConvNet-3's depth counts conv blocks).
  const net: ConvNetShape =
    cfg.architecture === 'mlp'
      ? { input: set.shape, classes: test.numClasses, width: cfg.width, depth: 2, architecture: 'mlp' }
      : { input: set.shape, classes: test.numClasses, width: cfg.width, depth: cfg.depth };
  const rng = new Rng(seed);
  const trainer = new SgdTrainer(net, initConvNet(net, rng.nextSeed()), { lr: cfg.lr, momentum: cfg.momentum, weightDecay: cfg.weightDecay });
  const n = set.labels.length;
  const size = set.shape[0] * set.shape[1] * set.shape[2];
  const classes = net.classes;
  if (cfg.labels === 'teacher' && !cfg.relabel) throw new Error("trainAndTest: labels 'teacher' needs the teacher (EvalConfig.relabel)");
  const soft = cfg.labels === 'soft' && set.soft ? set.soft : null;
  if (soft && soft.length !== n * classes) throw new Error(`trainAndTest: ${soft.length} soft label values are not ${n} rows of ${classes} classes`);
  // IDC drops cutout from DSA when CutMix is on: both cut holes.
  const dsaStrategy = cfg.cutmix ? DSA_DEFAULT_STRATEGY.replace('cutout_', '') : DSA_DEFAULT_STRATEGY;
  try {
    for (let epoch = 0; epoch < cfg.epochs; epoch++) {
      trainer.config = { ...trainer.config, lr: lrAt(cfg, epoch) };
      const order = rng.sampleWithoutReplacement(n, n);
      for (let s = 0; s < n; s += cfg.batch) {
        const idx = order.subarray(s, Math.min(n, s + cfg.batch));
        const px = new Float32Array(idx.length * size);
        idx.forEach((i, k) => px.set(set.pixels.subarray(i * size, (i + 1) * size), k * size));
        const raw = tf.tensor4d(px, [idx.length, ...set.shape]);
        // DSA during evaluation draws from the network's own stream, after its order: off leaves the stream as it was.
        const augmented = cfg.dsa ? tf.tidy(() => applyDsa(raw, drawDsa(rng, dsaStrategy, { height: set.shape[0], width: set.shape[1], flip: cfg.dsaFlip ?? true }))) : raw;
        if (augmented !== raw) raw.dispose();
        // CutMix draws after DSA, from the same stream; off leaves the stream as it was.
        const mix = cfg.cutmix ? drawCutMix(rng, idx.length, set.shape[0], set.shape[1]) : null;
        const x = mix ? cutMixImages(augmented, mix) : augmented;
        if (x !== augmented) augmented.dispose();
        const relabel = cfg.relabel;
        const y = relabel
          ? tf.tidy(() => relabel(x))
          : tf.tidy(() => {
              const targets = soft
                ? tf.tensor2d(Float32Array.from({ length: idx.length * classes }, (_, j) => soft[idx[Math.floor(j / classes)]! * classes + (j % classes)]!), [idx.length, classes])
                : (tf.oneHot(tf.tensor1d(Array.from(idx, (i) => set.labels[i]!), 'int32'), classes) as tf.Tensor2D);
              return mix ? cutMixTargets(targets, mix) : targets;
            });
        tf.dispose([trainer.step(x, y), x, y]);
      }
      await onEpoch?.(epoch);
      // Let other work through between epochs (messages to a worker, a test runner's RPC).
      await new Promise((r) => setTimeout(r, 0));
    }
    const labels = Uint8Array.from(testIndices, (i) => test.set.labels[i]!);
    return await accuracy(net, trainer.params, (s, e) => gatherBatch(test, testIndices.subarray(s, e)), labels);
  } finally {
    trainer.dispose();
  }
}

/** The test indices used: all, or the first `limit` in a class-balanced order when a limit is set. */
export function testIndices(test: RealData, limit: number): Int32Array {
  if (!limit || limit >= test.set.count) return Int32Array.from({ length: test.set.count }, (_, i) => i);
  const out: number[] = [];
  for (let k = 0; out.length < limit; k++) {
    let any = false;
    for (const idx of test.byClass) {
      if (k < idx.length && out.length < limit) {
        out.push(idx[k]!);
        any = true;
      }
    }
    if (!any) break;
  }
  return Int32Array.from(out);
}

/**
 * The protocol: K fresh networks (seeds derived from cfg.seed) trained on `set`, tested on `test`. `onProgress` is
 * called after each epoch of each network, and once more, with the network's test accuracy, when it has been tested.
 */
export async function evaluateSet(
  set: LabelledSet,
  test: RealData,
  cfg: EvalConfig,
  onProgress?: (model: number, epoch: number, accuracy?: number) => void | Promise<void>,
): Promise<EvalResult> {
  const idx = testIndices(test, cfg.testLimit);
  const seeds = new Rng(cfg.seed);
  const runs: number[] = [];
  for (let m = 0; m < cfg.models; m++) {
    const accuracy = await trainAndTest(set, test, idx, cfg, seeds.nextSeed(), (e) => onProgress?.(m, e));
    runs.push(accuracy);
    await onProgress?.(m, cfg.epochs - 1, accuracy);
  }
  const mean = runs.reduce((a, b) => a + b, 0) / runs.length;
  const std = Math.sqrt(runs.reduce((a, b) => a + (b - mean) ** 2, 0) / runs.length);
  return { mean, std, runs };
}
