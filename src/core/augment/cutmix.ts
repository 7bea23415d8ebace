/**
 * CutMix (Yun et al., ICCV 2019) as IDC evaluates its sets (Kim et al., ICML 2022; its `train_epoch`): with
 * probability p a batch is mixed. λ ~ Beta(1, 1) (uniform), a box of side ⌊H·√(1−λ)⌋ × ⌊W·√(1−λ)⌋ centred on a
 * uniform pixel and clipped to the image takes its pixels from a permutation of the batch, and each target becomes
 * ratio·t_i + (1 − ratio)·t_perm(i), with ratio = 1 − (the clipped box's area)/(H·W). IDC sets p = 0.5 for MNIST,
 * Fashion-MNIST, SVHN and CIFAR, and drops cutout from the DSA strategy when CutMix is on (both cut holes).
 *
 * Pure: the draw takes an Rng and sizes; the application is a function of tensors. No state.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../rng';

/** IDC's mixing probability for the 28×28 and 32×32 datasets (argument.py: mix_p = 0.5). */
export const CUTMIX_PROBABILITY = 0.5;

/** One batch's mix: the permutation, the box (rows y0 ≤ y < y1, columns x0 ≤ x < x1) and the kept share. */
export interface CutMixDraw {
  perm: Int32Array;
  y0: number;
  y1: number;
  x0: number;
  x1: number;
  /** 1 − box area / image area: the weight of each image's own target. */
  ratio: number;
}

/**
 * Draws one batch's CutMix, or null when the batch is not mixed (probability 1 − p). The rng is advanced by the
 * coin always, and by the mix's draws only when it mixes.
 */
export function drawCutMix(rng: Rng, n: number, height: number, width: number, p = CUTMIX_PROBABILITY): CutMixDraw | null {
  if (rng.next() >= p) return null;
  const lam = rng.next();
  const cut = Math.sqrt(1 - lam);
  const ch = Math.floor(height * cut);
  const cw = Math.floor(width * cut);
  const cy = rng.int(height);
  const cx = rng.int(width);
  const clip = (v: number, max: number) => Math.min(max, Math.max(0, v));
  const y0 = clip(cy - Math.floor(ch / 2), height);
  const y1 = clip(cy + Math.floor(ch / 2), height);
  const x0 = clip(cx - Math.floor(cw / 2), width);
  const x1 = clip(cx + Math.floor(cw / 2), width);
  const perm = rng.sampleWithoutReplacement(n, n);
  return { perm, y0, y1, x0, x1, ratio: 1 - ((y1 - y0) * (x1 - x0)) / (height * width) };
}

/** The mask [1, H, W, 1] of a draw's box (1 inside). */
function boxMask(d: CutMixDraw, height: number, width: number): tf.Tensor4D {
  const mask = new Float32Array(height * width);
  for (let r = d.y0; r < d.y1; r++) mask.fill(1, r * width + d.x0, r * width + d.x1);
  return tf.tensor4d(mask, [1, height, width, 1]);
}

/** Images x [n, H, W, C] with the draw's box pasted from the permuted images: a new tensor (the caller disposes it and x). */
export function cutMixImages(x: tf.Tensor4D, d: CutMixDraw): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, H, W] = x.shape;
    if (d.perm.length !== n) throw new Error(`cutMixImages: a permutation of ${d.perm.length} for a batch of ${n}`);
    const m = boxMask(d, H, W);
    return tf.add(tf.mul(x, tf.sub(1, m)), tf.mul(tf.gather(x, tf.tensor1d(d.perm, 'int32')), m)) as tf.Tensor4D;
  });
}

/** Targets y [n, classes] mixed by the draw's area: ratio·y_i + (1 − ratio)·y_perm(i) (a new tensor). */
export function cutMixTargets(y: tf.Tensor2D, d: CutMixDraw): tf.Tensor2D {
  if (d.perm.length !== y.shape[0]) throw new Error(`cutMixTargets: a permutation of ${d.perm.length} for a batch of ${y.shape[0]}`);
  return tf.tidy(() => tf.add(tf.mul(y, d.ratio), tf.mul(tf.gather(y, tf.tensor1d(d.perm, 'int32')), 1 - d.ratio)) as tf.Tensor2D);
}
