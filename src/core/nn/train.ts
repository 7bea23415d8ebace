/**
 * Training a ConvNet with SGD (momentum, weight decay; PyTorch semantics), as the evaluation protocol and
 * DC's inner loop do. Parameters are plain tensors owned by the trainer and replaced each step.
 */
import * as tf from '@tensorflow/tfjs';
import { disposeConvNet, logits, paramList, type ConvNetParams, type ConvNetShape } from './convnet';
import { crossEntropy } from './losses';

/** SGD hyper-parameters; the evaluation protocol uses lr 0.01, momentum 0.9, weight decay 5e-4. */
export interface SgdConfig {
  lr: number;
  momentum: number;
  weightDecay: number;
}

/** Rebuilds a ConvNetParams from a flat list in `paramList` order. */
export function paramsFromList(template: ConvNetParams, list: tf.Tensor[]): ConvNetParams {
  const h0 = template.blocks.length * 4;
  return {
    blocks: template.blocks.map((_, i) => ({
      w: list[i * 4] as tf.Tensor4D,
      b: list[i * 4 + 1] as tf.Tensor1D,
      gamma: list[i * 4 + 2] as tf.Tensor1D,
      beta: list[i * 4 + 3] as tf.Tensor1D,
    })),
    ...(template.hidden ? { hidden: template.hidden.map((_, i) => ({ w: list[h0 + i * 2] as tf.Tensor2D, b: list[h0 + i * 2 + 1] as tf.Tensor1D })) } : {}),
    fcW: list[list.length - 2] as tf.Tensor2D,
    fcB: list[list.length - 1] as tf.Tensor1D,
  };
}

/**
 * Gradients (and value) of the mean cross-entropy of a batch, accumulated over chunks of at most `chunk`
 * images: exact, since the mean over the batch is the size-weighted mean over chunks. Keeps the tape of one
 * chunk alive at a time (a batch of 256 at width 128 would exhaust the wasm backend's memory).
 */
export function meanCrossEntropyGrads(
  shape: ConvNetShape,
  template: ConvNetParams,
  list: tf.Tensor[],
  x: tf.Tensor4D,
  y: tf.Tensor2D,
  chunk = 64,
): { value: tf.Scalar; grads: tf.Tensor[] } {
  const n = x.shape[0];
  let value: tf.Tensor = tf.scalar(0);
  let grads: tf.Tensor[] = list.map((p) => tf.zerosLike(p));
  for (let s = 0; s < n; s += chunk) {
    const m = Math.min(chunk, n - s);
    const next = tf.tidy(() => {
      const xc = tf.slice(x, [s, 0, 0, 0], [m, -1, -1, -1]);
      const yc = tf.slice(y, [s, 0], [m, -1]);
      const f = (...ps: tf.Tensor[]) => crossEntropy(logits(shape, paramsFromList(template, ps), xc), yc);
      const r = tf.valueAndGrads(f)(list);
      const w = m / n;
      return { value: tf.add(value, tf.mul(r.value, w)), grads: grads.map((g, i) => tf.add(g, tf.mul(r.grads[i]!, w))) };
    });
    tf.dispose([value, ...grads]);
    value = next.value;
    grads = next.grads;
  }
  return { value: value as tf.Scalar, grads };
}

export class SgdTrainer {
  params: ConvNetParams;
  private velocity: tf.Tensor[];

  /** Takes ownership of `params`. */
  constructor(
    readonly shape: ConvNetShape,
    params: ConvNetParams,
    public config: SgdConfig,
  ) {
    this.params = params;
    this.velocity = paramList(params).map((p) => tf.zerosLike(p));
  }

  /** One step on a batch (x NHWC normalised, y one-hot [N, K]); returns the batch loss (caller disposes). */
  step(x: tf.Tensor4D, y: tf.Tensor2D): tf.Scalar {
    const { lr, momentum, weightDecay } = this.config;
    const old = paramList(this.params);
    const result = tf.tidy(() => {
      const { value, grads } = this.lossAndGrads(old, x, y);
      const next: tf.Tensor[] = [];
      const vel: tf.Tensor[] = [];
      old.forEach((p, i) => {
        const g = tf.add(grads[i]!, tf.mul(p, weightDecay));
        const v = tf.add(tf.mul(this.velocity[i]!, momentum), g);
        vel.push(v);
        next.push(tf.sub(p, tf.mul(v, lr)));
      });
      return { value, next, vel };
    });
    tf.dispose([...old, ...this.velocity]);
    this.params = paramsFromList(this.params, result.next);
    this.velocity = result.vel;
    return result.value;
  }

  private lossAndGrads(list: tf.Tensor[], x: tf.Tensor4D, y: tf.Tensor2D): { value: tf.Scalar; grads: tf.Tensor[] } {
    return meanCrossEntropyGrads(this.shape, this.params, list, x, y);
  }

  dispose(): void {
    disposeConvNet(this.params);
    tf.dispose(this.velocity);
  }
}

/** Fraction of `x` whose arg-max logit equals `labels`, computed in batches of `batch`. */
export async function accuracy(
  shape: ConvNetShape,
  params: ConvNetParams,
  x: (start: number, end: number) => tf.Tensor4D,
  labels: Uint8Array,
  batch = 500,
): Promise<number> {
  let correct = 0;
  for (let s = 0; s < labels.length; s += batch) {
    const e = Math.min(labels.length, s + batch);
    const pred = tf.tidy(() => tf.argMax(logits(shape, params, x(s, e)), 1));
    const p = await pred.data();
    pred.dispose();
    for (let i = 0; i < p.length; i++) if (p[i] === labels[s + i]) correct++;
  }
  return correct / labels.length;
}
