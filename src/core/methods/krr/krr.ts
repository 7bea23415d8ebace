/**
 * KRR with random features (RFAD-style, Loo et al. 2022), our reconstruction from algorithms.md §1:
 * each iteration draw `models` random ConvNets; features φ(x) = their `embed` outputs concatenated and scaled
 * by 1/√D, so K(a, b) = Φ_a Φ_bᵀ; fit the real batch's targets by kernel ridge regression from the
 * synthetic set: loss = ½ · mean ‖y_r − K_rs (K_ss + λI)⁻¹ y_s‖². First-order only: no gradient of a
 * gradient, one small n_syn × n_syn solve. Optionally the synthetic targets y_s are learned too (KIP/RFAD's
 * learned labels), from the centred one-hot labels, by SGD with the pixels' momentum at their own rate `lrLabels`.
 */
import * as tf from '@tensorflow/tfjs';
import { disposeConvNet, embedFirstOrder, initConvNet, type ConvNetParams, type ConvNetShape } from '../../nn/convnet';
import { eyeOnDevice } from '../../nn/ops';
import { gatherBatch, sampleClass, type RealData } from '../../data/batches';
import type { DrawAugment, SyntheticState } from '../dm/dm';
import type { Rng } from '../../rng';
import { KRR_INFO, KRR_NETWORKS } from '../../../shared/method-info/krr';
import { decode } from '../idc/multiformation';

/** KRR's hyper-parameters. */
export interface KrrConfig {
  ipc: number;
  realPerClass: number;
  lrImages: number;
  momentum: number;
  /** Random networks whose features make the kernel. */
  models: number;
  /** Ridge, relative to the mean diagonal of K_ss. */
  ridge: number;
  /** Multi-formation factor (1 = off): the kernel sees the decoded set, each label repeated f² times. */
  factor?: number;
  /** Learning rate of the learned labels (absent: lrImages, which runs from before the setting shared). */
  lrLabels?: number;
}

/** ridge 0.1 bounds cond(K_ss + λI) by 1 + 10·n, which float32 Newton–Schulz handles on every backend; the learning rates and momentum are the method's defaults (KRR_INFO, which says why lr 10 and why the labels' 0.1). */
export const KRR_DEFAULTS: KrrConfig = { ipc: 10, realPerClass: 26, ...KRR_INFO.defaults, models: KRR_NETWORKS, ridge: 0.1 };

/**
 * (A)⁻¹B for a symmetric positive-definite A by `iterations` Newton–Schulz steps X ← X(2I − AX) from
 * X₀ = I / tr(A) (which converges because tr(A) ≥ λ_max). Only matrix products: differentiable to any order
 * on every backend (tfjs has no linear solve).
 */
export function solveSpd(a: tf.Tensor2D, b: tf.Tensor2D, iterations = 40): tf.Tensor2D {
  return tf.tidy(() => {
    const n = a.shape[0];
    const eye = eyeOnDevice(n);
    const trace = tf.sum(tf.mul(a, eye));
    let x = tf.div(eye, trace) as tf.Tensor2D;
    const twoI = tf.mul(eye, 2);
    for (let k = 0; k < iterations; k++) x = tf.matMul(x, tf.sub(twoI, tf.matMul(a, x)));
    return tf.matMul(x, b);
  });
}

/** Centred one-hot targets (one-hot − 1/C), as KIP and RFAD use. */
export function targets(labels: ArrayLike<number>, classes: number): tf.Tensor2D {
  return tf.tidy(() => tf.sub(tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), classes), 1 / classes) as tf.Tensor2D);
}

/** The synthetic set's learned targets [n_syn, classes] and their momentum (KRR with learned labels). */
export interface LearnedLabels {
  values: tf.Variable<tf.Rank.R2>;
  velocity: tf.Variable<tf.Rank.R2>;
}

/** Learned labels starting from the centred one-hot labels of a class-major set (or from `values`, a checkpoint's). */
export function createLearnedLabels(classes: number, ipc: number, values?: Float32Array, velocity?: Float32Array): LearnedLabels {
  return tf.tidy(() => {
    const n = classes * ipc;
    const start = values ? tf.tensor2d(values, [n, classes]) : targets(Array.from({ length: n }, (_, i) => Math.floor(i / ipc)), classes);
    const v = velocity ? tf.tensor2d(velocity, [n, classes]) : tf.zeros([n, classes]);
    return { values: tf.variable(start as tf.Tensor2D, true), velocity: tf.variable(v as tf.Tensor2D, false) };
  });
}

export function disposeLearnedLabels(l: LearnedLabels): void {
  l.values.dispose();
  l.velocity.dispose();
}

/**
 * Concatenated, scaled random features of x under several networks (differentiable once in x: the loss needs
 * the synthetic images' gradient only, never the frozen networks').
 */
function features(net: ConvNetShape, nets: ConvNetParams[], x: tf.Tensor4D): tf.Tensor2D {
  const parts = nets.map((p) => embedFirstOrder(net, p, x));
  const phi = tf.concat(parts, 1);
  return tf.div(phi, Math.sqrt(phi.shape[1])) as tf.Tensor2D;
}

/** The KRR loss of a real batch (xr, yr) fitted from the synthetic set (xs, ys) under the given features. */
export function krrLoss(
  net: ConvNetShape,
  nets: ConvNetParams[],
  xr: tf.Tensor4D,
  yr: tf.Tensor2D,
  xs: tf.Tensor4D,
  ys: tf.Tensor2D,
  ridge: number,
): tf.Scalar {
  return krrLossFromFeatures(features(net, nets, xr), yr, features(net, nets, xs), ys, ridge);
}

/**
 * The KRR loss from the real batch's features φ_r (computed once, outside any gradient: on a gradient tape the
 * real batch's activations under every network would be kept, gigabytes at width 64) and the synthetic set's φ_s.
 */
export function krrLossFromFeatures(phiR: tf.Tensor2D, yr: tf.Tensor2D, phiS: tf.Tensor2D, ys: tf.Tensor2D, ridge: number): tf.Scalar {
  const kss = tf.matMul(phiS, phiS, false, true);
  const krs = tf.matMul(phiR, phiS, false, true);
  const n = kss.shape[0];
  const lambda = tf.mul(tf.div(tf.sum(tf.mul(kss, eyeOnDevice(n))), n), ridge);
  const alpha = solveSpd(tf.add(kss, tf.mul(eyeOnDevice(n), lambda)) as tf.Tensor2D, ys);
  const pred = tf.matMul(krs, alpha);
  return tf.mul(tf.mean(tf.sum(tf.square(tf.sub(yr, pred)), 1)), 0.5) as tf.Scalar;
}

/** One KRR iteration: fresh random networks, a real batch from every class, one SGD-momentum step on the images. */
export function krrStep(
  net: ConvNetShape,
  data: RealData,
  syn: SyntheticState,
  cfg: KrrConfig,
  rng: Rng,
  augment?: DrawAugment,
  pickReal: (c: number, n: number) => ArrayLike<number> = (c, n) => sampleClass(data, c, n, rng),
  labels?: LearnedLabels,
  /** Where the fresh networks' weights are drawn (the run's `netDraw`; host by default). */
  drawNet: (seed: number) => ConvNetParams = (seed) => initConvNet(net, seed),
): tf.Scalar {
  const nets = Array.from({ length: cfg.models }, () => drawNet(rng.nextSeed()));
  try {
    return tf.tidy(() => {
      const realIdx: number[] = [];
      const realLabels: number[] = [];
      for (let c = 0; c < data.numClasses; c++) {
        for (const i of Array.from(pickReal(c, cfg.realPerClass))) {
          realIdx.push(i);
          realLabels.push(c);
        }
      }
      const aug = augment?.() ?? ((x: tf.Tensor4D) => x);
      const phiR = features(net, nets, aug(gatherBatch(data, realIdx)));
      const yr = targets(realLabels, net.classes);
      const sgd = (x: tf.Variable, velocity: tf.Variable, g: tf.Tensor, lr = cfg.lrImages) => {
        const v = tf.add(tf.mul(velocity, cfg.momentum), g);
        velocity.assign(v);
        x.assign(tf.sub(x, tf.mul(v, lr)));
      };
      const f = cfg.factor ?? 1;
      const n = data.numClasses * cfg.ipc;
      // Multi-formation: the decoded set's targets are its stored images' rows, each repeated f² times.
      // (A 0/1 [n·f², n] matrix rather than tf.gather, whose gradient needs UnsortedSegmentSum, missing on wasm.)
      const repeat = f > 1 ? tf.oneHot(tf.tensor1d(Int32Array.from({ length: n * f * f }, (_, i) => Math.floor(i / (f * f))), 'int32'), n).toFloat() : null;
      const loss = (s: tf.Tensor, ys: tf.Tensor) =>
        krrLossFromFeatures(phiR, yr, features(net, nets, aug(decode(s as tf.Tensor4D, f))), (repeat ? tf.matMul(repeat, ys as tf.Tensor2D) : ys) as tf.Tensor2D, cfg.ridge);
      if (labels) {
        const { value, grads } = tf.valueAndGrads(loss)([syn.images, labels.values]);
        sgd(syn.images, syn.velocity, grads[0]!);
        sgd(labels.values, labels.velocity, grads[1]!, cfg.lrLabels ?? cfg.lrImages);
        return value;
      }
      const synLabels = Array.from({ length: data.numClasses * cfg.ipc }, (_, i) => Math.floor(i / cfg.ipc));
      const ys = targets(synLabels, net.classes);
      const { value, grad } = tf.valueAndGrad((s: tf.Tensor) => loss(s, ys))(syn.images);
      sgd(syn.images, syn.velocity, grad);
      return value;
    });
  } finally {
    nets.forEach(disposeConvNet);
  }
}
