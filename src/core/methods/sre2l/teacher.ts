/**
 * SRe2L's "squeeze" network: the project's ConvNet-3 with batch normalisation after each conv (instead of instance
 * norm), as plain tensors and pure functions. Training mode normalises with the batch's statistics and keeps
 * running ones (PyTorch's BatchNorm2d: momentum 0.1, unbiased running variance, ε 1e-5); eval mode normalises with
 * the running statistics and also reports the batch's per-channel mean and variance of every BN input, which
 * SRe2L's recover step matches to the running ones. The parameters use ConvNetParams (γ, β are the BN affine).
 */
import * as tf from '@tensorflow/tfjs';
import { blockPadding, disposeConvNet, initConvNet, paramList, type ConvNetParams, type ConvNetShape } from '../../nn/convnet';
import { avgPool2, avgPool2FirstOrder, conv, convFirstOrder, pad2d } from '../../nn/ops';
import { crossEntropy } from '../../nn/losses';
import { paramsFromList } from '../../nn/train';
import { gatherBatch, type RealData } from '../../data/batches';
import type { Rng } from '../../rng';

export const BN_EPS = 1e-5;
/** PyTorch's BatchNorm2d momentum: running ← (1 − m)·running + m·batch. */
export const BN_MOMENTUM = 0.1;

/** The running statistics of each BN layer (one entry per conv block). */
export interface BnRunning {
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/** A BN ConvNet: its parameters and running statistics. */
export interface Teacher {
  params: ConvNetParams;
  running: BnRunning[];
}

/** Per-channel statistics of one BN input over the batch and positions (biased variance, as BN normalises with). */
export interface Moments {
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

export function disposeTeacher(t: Teacher): void {
  disposeConvNet(t.params);
  for (const r of t.running) tf.dispose([r.mean, r.variance]);
}

/** A fresh BN ConvNet (PyTorch's initialisation, as initConvNet) with running mean 0 and variance 1. */
export function initTeacher(shape: ConvNetShape, seed: number): Teacher {
  const params = initConvNet(shape, seed);
  const running = params.blocks.map(() => ({ mean: tf.zeros([shape.width]) as tf.Tensor1D, variance: tf.ones([shape.width]) as tf.Tensor1D }));
  return { params, running };
}

/**
 * Mean and biased variance per channel of h [N, H, W, C] over N·H·W, as matrix products with a row of 1/P
 * (differentiable on every backend; tf.mean over leading axes transposes the whole tensor first).
 */
export function channelMoments(h: tf.Tensor4D): Moments {
  const [n, hh, ww, c] = h.shape;
  const p = n * hh * ww;
  const flat = tf.reshape(h, [p, c]) as tf.Tensor2D;
  const row = tf.fill([1, p], 1 / p) as tf.Tensor2D;
  const mean = tf.reshape(tf.matMul(row, flat), [c]) as tf.Tensor1D;
  const variance = tf.reshape(tf.matMul(row, tf.square(tf.sub(flat, mean))), [c]) as tf.Tensor1D;
  return { mean, variance };
}

/** What a forward pass gives: logits, the flattened last block (features), and each BN input's batch moments. */
export interface BnForward {
  logits: tf.Tensor2D;
  features: tf.Tensor2D;
  moments: Moments[];
}

/**
 * Forward pass. `mode` 'train': BN with the batch's statistics (the moments are those it normalised with);
 * 'eval': BN with `running` (the moments are still the batch's, for SRe2L's loss). `inputOnly`: the parameters
 * are constants (the recover step's gradient is w.r.t. the images alone), so the faster first-order conv and
 * pool are used; otherwise every layer has parameter gradients on every backend (ops.ts `conv`).
 */
export function bnForward(
  shape: ConvNetShape,
  params: ConvNetParams,
  running: BnRunning[] | null,
  x: tf.Tensor4D,
  mode: 'train' | 'eval',
  inputOnly = false,
): BnForward {
  let h = x;
  const moments: Moments[] = [];
  params.blocks.forEach((blk, i) => {
    const pad = blockPadding(shape, i);
    h = inputOnly ? convFirstOrder(h, blk.w, pad) : conv(pad2d(h, pad), blk.w);
    h = tf.add(h, blk.b);
    const m = channelMoments(h);
    moments.push(m);
    const stats = mode === 'train' ? m : running![i]!;
    const scale = tf.div(blk.gamma, tf.sqrt(tf.add(stats.variance, BN_EPS)));
    h = tf.add(tf.mul(tf.sub(h, stats.mean), scale), blk.beta);
    h = tf.relu(h);
    h = inputOnly ? avgPool2FirstOrder(h) : avgPool2(h);
  });
  const features = tf.reshape(h, [h.shape[0], -1]) as tf.Tensor2D;
  const logits = tf.add(tf.matMul(features, params.fcW), params.fcB) as tf.Tensor2D;
  return { logits, features, moments };
}

/** The squeeze step's settings (the DWA authors' squeeze_cifar10.py: SGD lr 0.1, momentum 0.9, wd 5e-4, batch 128, cosine). */
export interface TeacherConfig {
  epochs: number;
  /** Real images per epoch, drawn without replacement across classes (a subset keeps this short in a browser). */
  imagesPerEpoch: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  batch: number;
}

export const TEACHER_SGD = { lr: 0.1, momentum: 0.9, weightDecay: 5e-4, batch: 128 } as const;

/** Progress of teacher training: `epoch` of `epochs` done. */
export interface TeacherProgress {
  epoch: number;
  epochs: number;
}

/**
 * One SGD step of a BN ConvNet in training mode on (x, y one-hot): updates `teacher` (parameters replaced, running
 * statistics updated) and `velocity`; returns the batch loss (caller disposes).
 */
export function teacherStep(
  shape: ConvNetShape,
  teacher: Teacher,
  velocity: tf.Tensor[],
  x: tf.Tensor4D,
  y: tf.Tensor2D,
  sgd: { lr: number; momentum: number; weightDecay: number },
): { loss: tf.Scalar; velocity: tf.Tensor[] } {
  const old = paramList(teacher.params);
  const out = tf.tidy(() => {
    let kept: Moments[] = [];
    const f = (...ps: tf.Tensor[]) => {
      const r = bnForward(shape, paramsFromList(teacher.params, ps), null, x, 'train');
      // The forward scope frees everything but its result: keep the batch moments for the running statistics.
      kept = r.moments.map((m) => ({ mean: tf.keep(m.mean), variance: tf.keep(m.variance) }));
      return crossEntropy(r.logits, y);
    };
    const { value, grads } = tf.valueAndGrads(f)(old);
    const next: tf.Tensor[] = [];
    const vel: tf.Tensor[] = [];
    old.forEach((p, i) => {
      const g = tf.add(grads[i]!, tf.mul(p, sgd.weightDecay));
      const v = tf.add(tf.mul(velocity[i]!, sgd.momentum), g);
      vel.push(v);
      next.push(tf.sub(p, tf.mul(v, sgd.lr)));
    });
    const running = kept.map((m, i) => {
      const count = bnInputSide(shape, i, x.shape[0]);
      const unbiased = tf.mul(m.variance, count / Math.max(1, count - 1));
      const r = teacher.running[i]!;
      return {
        mean: tf.add(tf.mul(r.mean, 1 - BN_MOMENTUM), tf.mul(m.mean, BN_MOMENTUM)) as tf.Tensor1D,
        variance: tf.add(tf.mul(r.variance, 1 - BN_MOMENTUM), tf.mul(unbiased, BN_MOMENTUM)) as tf.Tensor1D,
      };
    });
    tf.dispose(kept.flatMap((m) => [m.mean, m.variance]));
    return { value, next, vel, running };
  });
  tf.dispose([...old, ...velocity, ...teacher.running.flatMap((r) => [r.mean, r.variance])]);
  teacher.params = paramsFromList(teacher.params, out.next);
  teacher.running = out.running;
  return { loss: out.value as tf.Scalar, velocity: out.vel };
}

/** N·H·W of block i's BN input for a batch of n (the count behind its variance). */
export function bnInputSide(shape: ConvNetShape, block: number, n: number): number {
  let side = shape.input[0];
  for (let i = 0; i <= block; i++) {
    side = side + 2 * blockPadding(shape, i) - 2;
    if (i < block) side = Math.floor(side / 2);
  }
  return n * side * side;
}

/**
 * SRe2L's squeeze: trains a fresh BN ConvNet on the real data (SGD with momentum and weight decay, the learning
 * rate on a cosine over the epochs, as the authors' squeeze script). An epoch is `imagesPerEpoch` images drawn
 * without replacement across classes, in batches. `onEpoch` is awaited after each epoch and may throw to cancel
 * (nothing leaks then).
 */
export async function trainTeacher(
  shape: ConvNetShape,
  data: RealData,
  cfg: TeacherConfig,
  rng: Rng,
  onEpoch?: (p: TeacherProgress) => void | Promise<void>,
): Promise<Teacher> {
  const teacher = initTeacher(shape, rng.nextSeed());
  let velocity = paramList(teacher.params).map((p) => tf.zerosLike(p));
  const total = data.set.count;
  try {
    for (let ep = 0; ep < cfg.epochs; ep++) {
      const lr = 0.5 * cfg.lr * (1 + Math.cos((Math.PI * ep) / cfg.epochs));
      const order = rng.sampleWithoutReplacement(total, Math.min(total, cfg.imagesPerEpoch));
      for (let s = 0; s < order.length; s += cfg.batch) {
        const idx = order.subarray(s, Math.min(order.length, s + cfg.batch));
        // BN needs more than one value per channel to normalise with batch statistics.
        if (idx.length < 2) continue;
        const [x, y] = tf.tidy(() => {
          const lab = Int32Array.from(idx, (i) => data.set.labels[i]!);
          return [gatherBatch(data, idx), tf.oneHot(tf.tensor1d(lab, 'int32'), shape.classes) as tf.Tensor2D] as const;
        });
        const r = teacherStep(shape, teacher, velocity, x, y, { lr, momentum: cfg.momentum, weightDecay: cfg.weightDecay });
        velocity = r.velocity;
        tf.dispose([r.loss, x, y]);
      }
      await onEpoch?.({ epoch: ep + 1, epochs: cfg.epochs });
    }
  } catch (err) {
    disposeTeacher(teacher);
    throw err;
  } finally {
    tf.dispose(velocity);
  }
  return teacher;
}

/** Accuracy of a teacher (eval mode) on a split, in batches. */
export async function teacherAccuracy(shape: ConvNetShape, teacher: Teacher, data: RealData, limit = data.set.count, batch = 500): Promise<number> {
  const n = Math.min(limit, data.set.count);
  let correct = 0;
  for (let s = 0; s < n; s += batch) {
    const idx = Int32Array.from({ length: Math.min(batch, n - s) }, (_, k) => s + k);
    const pred = tf.tidy(() => tf.argMax(bnForward(shape, teacher.params, teacher.running, gatherBatch(data, idx), 'eval', true).logits, 1));
    const p = await pred.data();
    pred.dispose();
    p.forEach((v, k) => {
      if (v === data.set.labels[idx[k]!]) correct++;
    });
  }
  return correct / n;
}
