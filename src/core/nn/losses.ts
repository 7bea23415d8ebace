/**
 * Losses whose gradients are themselves differentiable (gradient matching differentiates a gradient).
 * Two tfjs traps are avoided: Exp's registered gradient reuses its saved output, which an outer gradient
 * treats as a constant; and max / logSumExp gradients go through Equal, which has no gradient.
 */
import * as tf from '@tensorflow/tfjs';

type CustomGradFn = Parameters<typeof tf.customGrad>[0];

/** Row-wise max of a [N, K] matrix, kept as [N, 1], with a zero gradient (softmax is invariant to it). */
const rowMaxNoGrad = tf.customGrad(((z: tf.Tensor2D) => ({
  value: tf.max(z, 1, true),
  gradFunc: () => [tf.zerosLike(z)],
})) as unknown as CustomGradFn) as (z: tf.Tensor2D) => tf.Tensor2D;

/** Numerically stable softmax over the last axis of [N, K] logits. */
export function softmax(z: tf.Tensor2D): tf.Tensor2D {
  const e = tf.exp(tf.sub(z, rowMaxNoGrad(z)));
  return tf.div(e, tf.sum(e, 1, true));
}

/**
 * Mean cross-entropy of logits z [N, K] against one-hot (or soft) targets y [N, K]:
 * mean_n (logΣ_k exp z_nk − Σ_k y_nk z_nk). Its gradient, (softmax(z) − y)/N, is written out explicitly
 * with differentiable ops, so second-order gradients are exact on every backend.
 */
export const crossEntropy = tf.customGrad(((z: tf.Tensor2D, y: tf.Tensor2D, save: tf.GradSaveFunc) => {
  save([z, y]);
  const m = tf.max(z, 1, true);
  const lse = tf.add(tf.log(tf.sum(tf.exp(tf.sub(z, m)), 1, true)), m);
  const value = tf.mean(tf.sub(tf.squeeze(lse, [1]), tf.sum(tf.mul(y, z), 1)));
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [zS, yS] = saved as [tf.Tensor2D, tf.Tensor2D];
      const n = zS.shape[0];
      const dz = tf.mul(tf.sub(softmax(zS), yS), tf.div(dy, n));
      // d/dy of −mean Σ y·z is −z/N; kept so soft (learned) labels get their gradient too.
      const dyLabels = tf.mul(tf.neg(zS), tf.div(dy, n));
      return [dz, dyLabels];
    },
  };
}) as unknown as CustomGradFn) as (z: tf.Tensor2D, y: tf.Tensor2D) => tf.Scalar;

/**
 * DC's layer-wise gradient distance between two gradients of the same weight tensor:
 * Σ over output units (rows) of 1 − cos(row_a, row_b). Conv weights [k, k, in, out] become out × (k·k·in)
 * rows, dense weights [in, out] become out rows; 1-D tensors (biases, norm parameters) contribute 0,
 * as in the reference code.
 */
export function gradientDistance(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  if (a.rank === 1) return tf.scalar(0);
  const out = a.shape[a.rank - 1]!;
  const rows = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [-1, out])); // [out, fan_in]
  const ra = rows(a);
  const rb = rows(b);
  const dot = tf.sum(tf.mul(ra, rb), 1);
  const norms = tf.mul(tf.sqrt(tf.sum(tf.square(ra), 1)), tf.sqrt(tf.sum(tf.square(rb), 1)));
  return tf.sum(tf.sub(1, tf.div(dot, tf.add(norms, 1e-6))));
}

/**
 * IDC's gradient distance (Kim et al. 2022; its code's default `--metric l1` with `--bias False --fc False`):
 * Σ |a − b| over the elements of a convolution's weight gradient; 1-D tensors (biases, norm parameters) and
 * dense (fully connected) weights contribute 0.
 */
export function gradientDistanceL1(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  if (a.rank <= 2) return tf.scalar(0);
  return tf.sum(tf.abs(tf.sub(a, b)));
}

/** The gradient distances gradient matching offers: DC's layer-wise Σ(1 − cos), or IDC's L1 on the convolutions. */
export type GradientDistanceName = 'cos' | 'l1';
export const GRADIENT_DISTANCES: Record<GradientDistanceName, (a: tf.Tensor, b: tf.Tensor) => tf.Scalar> = {
  cos: gradientDistance,
  l1: gradientDistanceL1,
};
