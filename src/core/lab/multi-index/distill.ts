/**
 * Distilling m points of a multi-index task by gradient matching (DC's objective, Zhao et al. 2021) on two-layer
 * networks: every iteration draws a fresh network at initialisation, a real batch, and moves the synthetic points
 * (labels fixed, half +1 and half −1) by one Adam step on
 *   D(S) = Σ_j (1 − cos(∇_{w_j}ℓ(S), ∇_{w_j}ℓ(T))) + (1 − cos(∇_bℓ(S), ∇_bℓ(T))) + (1 − cos(∇_aℓ(S), ∇_aℓ(T)))
 * (one term per hidden unit's incoming weights, as DC matches per output node). Fresh networks at initialisation,
 * never trained: the regime of the paper's analysis, where the first gradient step already carries the hidden
 * subspace (∇_{w_j}ℓ(T) lies close to span U for a large real batch).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../rng';
import { disposeNet, initNet, lossGrads, type NetParams } from './net';

/** 1 − cos between matching columns of a and b ([d, L] → [L]); eps keeps a zero column finite. */
function columnDistance(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  const dot = tf.sum(tf.mul(a, b), 0);
  const na = tf.sqrt(tf.add(tf.sum(tf.square(a), 0), 1e-12));
  const nb = tf.sqrt(tf.add(tf.sum(tf.square(b), 0), 1e-12));
  return tf.sub(1, tf.div(dot, tf.mul(na, nb))) as tf.Tensor1D;
}

/** D(S) for the synthetic points `s` (labels `ys`) against the real gradients `target` of the same network. */
export function matchingLoss(net: NetParams, s: tf.Tensor2D, ys: tf.Tensor1D, target: NetParams): tf.Scalar {
  return tf.tidy(() => {
    const g = lossGrads(net, s, ys);
    const w = columnDistance(g.w, target.w).sum();
    const b = columnDistance(g.b.reshape([-1, 1]), target.b.reshape([-1, 1])).sum();
    const a = columnDistance(g.a.reshape([-1, 1]), target.a.reshape([-1, 1])).sum();
    return tf.addN([w, b, a]) as tf.Scalar;
  });
}

/** Balanced fixed labels of m distilled points: the first ⌈m/2⌉ are +1, the rest −1. */
export function distilledLabels(m: number): Float32Array {
  const y = new Float32Array(m);
  for (let i = 0; i < m; i++) y[i] = i < Math.ceil(m / 2) ? 1 : -1;
  return y;
}

/** The real data the distillation draws batches from (tensors owned by the caller). */
export interface RealPool {
  x: tf.Tensor2D;
  y: tf.Tensor1D;
  /** Row indices of each label, for class-balanced batches and inits. */
  positive: Int32Array;
  negative: Int32Array;
}

/** The state of one distillation: the synthetic points, their fixed labels, Adam's moments and step count. */
export class MultiIndexDistillation {
  readonly labels: tf.Tensor1D;
  private s: tf.Variable<tf.Rank.R2>;
  private m1: tf.Variable<tf.Rank.R2>;
  private m2: tf.Variable<tf.Rank.R2>;
  private t = 0;

  /** Starts from `init` ([m, d] row-major; balanced labels as `distilledLabels`). */
  constructor(
    init: Float32Array,
    readonly m: number,
    readonly d: number,
    readonly width: number,
    readonly lr: number,
  ) {
    this.labels = tf.tensor1d(distilledLabels(m));
    // tf.variable keeps its initial tensor alive beside itself: make them inside a tidy, which disposes those.
    [this.s, this.m1, this.m2] = tf.tidy(() => [tf.variable(tf.tensor2d(init, [m, d])), tf.variable(tf.zeros<tf.Rank.R2>([m, d])), tf.variable(tf.zeros<tf.Rank.R2>([m, d]))]);
  }

  /** One iteration: a fresh network (from `rng`), a real batch of `batch` rows, one Adam step. Returns D(S). */
  async step(pool: RealPool, batch: number, rng: Rng): Promise<number> {
    const net = initNet(this.d, this.width, rng);
    const rows = rng.sampleWithoutReplacement(pool.x.shape[0], batch);
    this.t++;
    const t = this.t;
    const value = tf.tidy(() => {
      const idx = tf.tensor1d(rows, 'int32');
      const target = lossGrads(net, tf.gather(pool.x, idx), tf.gather(pool.y, idx));
      const { value, grad } = tf.valueAndGrad((s: tf.Tensor) => matchingLoss(net, s as tf.Tensor2D, this.labels, target))(this.s);
      const b1 = 0.9;
      const b2 = 0.999;
      const m1 = tf.add(tf.mul(this.m1, b1), tf.mul(grad, 1 - b1));
      const m2 = tf.add(tf.mul(this.m2, b2), tf.mul(tf.square(grad), 1 - b2));
      const update = tf.div(tf.div(m1, 1 - b1 ** t), tf.add(tf.sqrt(tf.div(m2, 1 - b2 ** t)), 1e-8));
      this.m1.assign(m1 as tf.Tensor2D);
      this.m2.assign(m2 as tf.Tensor2D);
      this.s.assign(tf.sub(this.s, tf.mul(update, this.lr)) as tf.Tensor2D);
      return value;
    });
    disposeNet(net);
    const v = (await value.data())[0]!;
    value.dispose();
    return v;
  }

  /** The current points, [m, d] row-major. */
  async points(): Promise<Float32Array> {
    return (await this.s.data()) as Float32Array;
  }

  /** A copy of the points as a tensor (the caller disposes it). */
  pointsTensor(): tf.Tensor2D {
    return this.s.clone();
  }

  dispose(): void {
    tf.dispose([this.labels, this.s, this.m1, this.m2]);
  }
}

/**
 * m starting points: random real points, class-balanced to the fixed labels (⌈m/2⌉ positive then the rest
 * negative), so the start is exactly the random-real baseline's kind of set.
 */
export function balancedRows(pool: RealPool, m: number, rng: Rng): Int32Array {
  const pos = Math.ceil(m / 2);
  const p = rng.sampleWithoutReplacement(pool.positive.length, pos);
  const n = rng.sampleWithoutReplacement(pool.negative.length, m - pos);
  return Int32Array.from([...Array.from(p, (i) => pool.positive[i]!), ...Array.from(n, (i) => pool.negative[i]!)]);
}
