/**
 * ConvNet-3, the field's standard network (algorithms.md §0), as plain tensors and pure functions:
 * depth x [conv 3x3 (width channels) -> instance norm -> ReLU -> avg pool 2x2] -> linear.
 * 28x28 inputs get padding 3 on the first conv so the maps are 32x32 and `embed` is width·4·4-D.
 * With `architecture: 'mlp'` the same functions give the MLP of cross-architecture checks: the flattened
 * pixels -> depth x [linear (width units) -> ReLU] -> linear (3 layers of 128 units in the DC benchmarks: depth 2).
 */
import * as tf from '@tensorflow/tfjs';
import './device-grads';
import { avgPool2, avgPool2FirstOrder, conv, convFirstOrder, instanceNorm, pad2d, spatialMeanFirstOrder } from './ops';

/** Shape hyper-parameters of a ConvNet. */
export interface ConvNetShape {
  /** Input image [height, width, channels]. */
  input: readonly [number, number, number];
  classes: number;
  width: number;
  depth: number;
  /** 'convnet' (the default) or 'mlp': `depth` hidden layers of `width` units on the flattened pixels. */
  architecture?: Architecture;
}

export type Architecture = 'convnet' | 'mlp';
export const ARCHITECTURES: readonly [Architecture, ...Architecture[]] = ['convnet', 'mlp'];

/** The parameters of one network: one entry per conv block (none for an MLP), its hidden layers (MLP), the classifier. */
export interface ConvNetParams {
  blocks: { w: tf.Tensor4D; b: tf.Tensor1D; gamma: tf.Tensor1D; beta: tf.Tensor1D }[];
  /** The MLP's hidden layers (absent for a ConvNet). */
  hidden?: { w: tf.Tensor2D; b: tf.Tensor1D }[];
  fcW: tf.Tensor2D;
  fcB: tf.Tensor1D;
}

/** Padding of block i's conv: 3 on the first block for 28x28 inputs (so 32x32 maps), else 1. */
export function blockPadding(shape: ConvNetShape, block: number): number {
  return block === 0 && shape.input[0] === 28 ? 3 : 1;
}

/** Spatial size and length of `embed(x)`. */
export function embedSize(shape: ConvNetShape): { side: number; features: number } {
  if (shape.architecture === 'mlp') return { side: 1, features: shape.depth > 0 ? shape.width : shape.input[0] * shape.input[1] * shape.input[2] };
  let side = shape.input[0];
  for (let i = 0; i < shape.depth; i++) {
    side = side + 2 * blockPadding(shape, i) - 2; // 3x3 'valid' conv after padding
    side = Math.floor(side / 2);
  }
  return { side, features: side * side * shape.width };
}

/**
 * Fresh parameters with PyTorch's default initialisation (what the reference code uses):
 * conv and linear weights and biases ~ U(−1/√fan_in, 1/√fan_in); norm γ = 1, β = 0.
 * Deterministic in `seed`.
 */
export function initConvNet(shape: ConvNetShape, seed: number): ConvNetParams {
  // Each op below makes exactly one tensor, so no tidy is needed.
  let s = seed;
  const uniform = (dims: number[], fanIn: number) => {
    const bound = 1 / Math.sqrt(fanIn);
    return tf.randomUniform(dims, -bound, bound, 'float32', s++);
  };
  if (shape.architecture === 'mlp') {
    const hidden: NonNullable<ConvNetParams['hidden']> = [];
    let inF = shape.input[0] * shape.input[1] * shape.input[2];
    for (let i = 0; i < shape.depth; i++) {
      hidden.push({ w: uniform([inF, shape.width], inF) as tf.Tensor2D, b: uniform([shape.width], inF) as tf.Tensor1D });
      inF = shape.width;
    }
    return { blocks: [], hidden, fcW: uniform([inF, shape.classes], inF) as tf.Tensor2D, fcB: uniform([shape.classes], inF) as tf.Tensor1D };
  }
  const blocks: ConvNetParams['blocks'] = [];
  let inC = shape.input[2];
  for (let i = 0; i < shape.depth; i++) {
    const fanIn = inC * 9;
    blocks.push({
      w: uniform([3, 3, inC, shape.width], fanIn) as tf.Tensor4D,
      b: uniform([shape.width], fanIn) as tf.Tensor1D,
      gamma: tf.ones([shape.width]) as tf.Tensor1D,
      beta: tf.zeros([shape.width]) as tf.Tensor1D,
    });
    inC = shape.width;
  }
  const features = embedSize(shape).features;
  return {
    blocks,
    fcW: uniform([features, shape.classes], features) as tf.Tensor2D,
    fcB: uniform([shape.classes], features) as tf.Tensor1D,
  };
}

/** Every parameter tensor of a network, in a fixed order. */
export function paramList(p: ConvNetParams): tf.Tensor[] {
  return [...p.blocks.flatMap((b) => [b.w, b.b, b.gamma, b.beta]), ...(p.hidden ?? []).flatMap((l) => [l.w, l.b]), p.fcW, p.fcB];
}

/** Frees a network's parameters. */
export function disposeConvNet(p: ConvNetParams): void {
  tf.dispose(paramList(p));
}

/** The flattened output of the last block: [N, width·s·s]. x is NHWC in normalised space. */
export function embed(shape: ConvNetShape, p: ConvNetParams, x: tf.Tensor4D): tf.Tensor2D {
  if (shape.architecture === 'mlp') return mlpEmbed(p, x);
  let h = x;
  p.blocks.forEach((blk, i) => {
    h = pad2d(h, blockPadding(shape, i));
    h = tf.add(conv(h, blk.w), blk.b);
    h = instanceNorm(h, blk.gamma, blk.beta);
    h = tf.relu(h);
    h = avgPool2(h);
  });
  return tf.reshape(h, [h.shape[0], -1]);
}

/** Class logits: linear layer on `embed(x)`. */
export function logits(shape: ConvNetShape, p: ConvNetParams, x: tf.Tensor4D): tf.Tensor2D {
  return tf.add(tf.matMul(embed(shape, p, x), p.fcW), p.fcB);
}

/** The MLP's last hidden layer (its input is the flattened pixels). */
function mlpEmbed(p: ConvNetParams, x: tf.Tensor4D): tf.Tensor2D {
  let h = tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D;
  for (const l of p.hidden ?? []) h = tf.relu(tf.add(tf.matMul(h, l.w), l.b)) as tf.Tensor2D;
  return h;
}

/**
 * `embed` with the backends' fastest kernels, for inputs that need no gradient (DM's real batch) or only a
 * first-order one with respect to x (DM's and KRR's synthetic images under frozen networks): padded conv2d,
 * instance norm folded into one scale and shift, built-in average pooling, each with a gradient for x alone
 * (ops.ts, `*FirstOrder`). Equal to `embed` up to float rounding; the conv bias is left out because instance
 * norm removes any per-channel constant. No gradient with respect to the parameters, and none of second order:
 * gradient matching (DC) and MTT use `embed`.
 */
export function embedFirstOrder(shape: ConvNetShape, p: ConvNetParams, x: tf.Tensor4D): tf.Tensor2D {
  if (shape.architecture === 'mlp') return tf.tidy(() => mlpEmbed(p, x));
  return tf.tidy(() => {
    let h = x;
    p.blocks.forEach((blk, i) => {
      h = convFirstOrder(h, blk.w, blockPadding(shape, i));
      const mu = spatialMeanFirstOrder(h);
      const variance = tf.relu(tf.sub(spatialMeanFirstOrder(tf.square(h) as tf.Tensor4D), tf.square(mu)));
      const scale = tf.div(blk.gamma, tf.sqrt(tf.add(variance, 1e-5))); // [N, 1, 1, C]
      const shift = tf.sub(blk.beta, tf.mul(mu, scale));
      h = tf.relu(tf.add(tf.mul(h, scale), shift)) as tf.Tensor4D;
      h = avgPool2FirstOrder(h);
    });
    // A non-finite pixel gives its image non-finite features, as in `embed`: wasm's average pool turns NaN into
    // −∞, which the norm and ReLU then hide, so a diverged set would otherwise report a finite loss.
    const poison = tf.mul(tf.sum(tf.reshape(x, [x.shape[0], -1]), 1, true), 0);
    return tf.add(tf.reshape(h, [h.shape[0], -1]), poison) as tf.Tensor2D;
  });
}
