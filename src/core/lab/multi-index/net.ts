/**
 * The two-layer network of the lab: f(x) = Σ_j a_j σ(w_j·x + b_j), σ = softplus (a smooth ReLU), trained on the
 * mean logistic loss ℓ = mean_i log(1 + exp(−y_i f(x_i))) with labels ±1. Its parameter gradients are written by
 * hand (`lossGrads`), so gradient matching differentiates them once more with tfjs's ordinary first-order
 * autodiff, never through a gradient's gradient (the second-order traps of docs/platform.md do not arise).
 *
 * Softplus, not ReLU: the matching loss involves σ', and ReLU's σ' is a step, which makes the matching loss
 * discontinuous in the synthetic points and gives them no signal through it.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../rng';

export interface NetParams {
  /** [d, L] first layer, [L] biases, [L] second layer. */
  w: tf.Tensor2D;
  b: tf.Tensor1D;
  a: tf.Tensor1D;
}

export const PARAM_KEYS = ['w', 'b', 'a'] as const;

/** A fresh network: w ~ N(0, 1/d) (so w·x ~ N(0, 1) for x ~ N(0, I)), b ~ N(0, 1), a ~ N(0, 1/L). Seeded. */
export function initNet(d: number, width: number, rng: Rng): NetParams {
  return {
    w: tf.randomNormal([d, width], 0, 1 / Math.sqrt(d), 'float32', rng.nextSeed()),
    b: tf.randomNormal([width], 0, 1, 'float32', rng.nextSeed()),
    a: tf.randomNormal([width], 0, 1 / Math.sqrt(width), 'float32', rng.nextSeed()),
  };
}

export function disposeNet(p: NetParams): void {
  tf.dispose([p.w, p.b, p.a]);
}

/** The outputs f(x) of a batch x [n, d]: [n]. */
export function forward(p: NetParams, x: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.softplus(tf.add(tf.matMul(x, p.w), p.b)).matMul(p.a.reshape([-1, 1])).reshape([-1]) as tf.Tensor1D);
}

/** The mean logistic loss of a batch (labels ±1). */
export function loss(p: NetParams, x: tf.Tensor2D, y: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.softplus(tf.neg(tf.mul(y, forward(p, x)))).mean() as tf.Scalar);
}

/**
 * ∇_θ ℓ, written by hand: with u = xW + b, h = σ(u), f = h·a and e_i = −y_i·sigmoid(−y_i f_i)/n,
 * ∇a = hᵀe, G = (e aᵀ) ⊙ σ'(u), ∇W = xᵀG, ∇b = Σ_i G_i. Differentiable (first order) in x: the matching loss
 * takes its gradient with respect to the synthetic points.
 */
export function lossGrads(p: NetParams, x: tf.Tensor2D, y: tf.Tensor1D): NetParams {
  return tf.tidy(() => {
    const n = x.shape[0];
    const u = tf.add(tf.matMul(x, p.w), p.b);
    const h = tf.softplus(u);
    const f = h.matMul(p.a.reshape([-1, 1])).reshape([-1]);
    const e = tf.mul(tf.neg(y), tf.sigmoid(tf.neg(tf.mul(y, f)))).div(n);
    const a = tf.matMul(h, e.reshape([-1, 1]), true, false).reshape([-1]) as tf.Tensor1D;
    const g = tf.mul(tf.mul(e.reshape([-1, 1]), p.a.reshape([1, -1])), tf.sigmoid(u)) as tf.Tensor2D;
    const w = tf.matMul(x, g, true, false) as tf.Tensor2D;
    const b = g.sum(0) as tf.Tensor1D;
    return { w, b, a };
  });
}

/** Fraction of the batch whose label is sign(f(x)). */
export async function accuracy(p: NetParams, x: tf.Tensor2D, y: tf.Tensor1D): Promise<number> {
  const right = tf.tidy(() => tf.greater(tf.mul(forward(p, x), y), 0).cast('float32').mean());
  const v = (await right.data())[0]!;
  right.dispose();
  return v;
}

/** Adam's moments for a network's parameters. */
interface Moments {
  m: NetParams;
  v: NetParams;
}

const zerosLike = (p: NetParams): NetParams => ({ w: tf.zerosLike(p.w), b: tf.zerosLike(p.b), a: tf.zerosLike(p.a) });

/**
 * Trains a network on (x, y) by Adam (β = 0.9, 0.999) for `steps` steps on the hand-written gradients: full-batch,
 * or with `minibatch` a fresh draw of `size` rows each step (from its generator). Takes ownership of `p` and
 * returns the trained parameters (the caller disposes them).
 */
export function train(p: NetParams, x: tf.Tensor2D, y: tf.Tensor1D, steps: number, lr: number, minibatch?: { size: number; rng: Rng }): NetParams {
  let params = p;
  const mom: Moments = { m: zerosLike(p), v: zerosLike(p) };
  const b1 = 0.9;
  const b2 = 0.999;
  for (let t = 1; t <= steps; t++) {
    const rows = minibatch && minibatch.size < x.shape[0] ? minibatch.rng.sampleWithoutReplacement(x.shape[0], minibatch.size) : null;
    const next = tf.tidy(() => {
      const idx = rows ? tf.tensor1d(rows, 'int32') : null;
      const g = idx ? lossGrads(params, tf.gather(x, idx), tf.gather(y, idx)) : lossGrads(params, x, y);
      const out = { p: {} as Record<string, tf.Tensor>, m: {} as Record<string, tf.Tensor>, v: {} as Record<string, tf.Tensor> };
      for (const k of PARAM_KEYS) {
        const m = tf.add(tf.mul(mom.m[k], b1), tf.mul(g[k], 1 - b1));
        const v = tf.add(tf.mul(mom.v[k], b2), tf.mul(tf.square(g[k]), 1 - b2));
        const step = tf.div(tf.div(m, 1 - b1 ** t), tf.add(tf.sqrt(tf.div(v, 1 - b2 ** t)), 1e-8));
        out.p[k] = tf.sub(params[k], tf.mul(step, lr));
        out.m[k] = m;
        out.v[k] = v;
      }
      return out;
    });
    disposeNet(params);
    disposeNet(mom.m);
    disposeNet(mom.v);
    params = next.p as unknown as NetParams;
    mom.m = next.m as unknown as NetParams;
    mom.v = next.v as unknown as NetParams;
  }
  disposeNet(mom.m);
  disposeNet(mom.v);
  return params;
}
