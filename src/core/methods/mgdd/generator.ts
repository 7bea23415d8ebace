/**
 * MGDD's generator (Liu & Wang, "MGDD: A Meta Generator for Fast Dataset Distillation", NeurIPS 2023), at browser
 * scale: a small fully convolutional network G that maps an initial synthetic image x0 (a real image of class c)
 * and its class to a synthetic image, G(x0, c) = x0 + r(x0, onehot(c)), where r is three 3x3 convolutions
 * (ReLU between them) on x0 concatenated with c's one-hot planes. The residual form makes G start near the
 * identity (its last layer is initialised small), so an untrained G gives back the real initial set, and
 * being per image it produces a set of any size. Pure tensors and functions: parameters are a flat list
 * [w1, b1, w2, b2, w3, b3] of plain tensors, seeded like initConvNet.
 *
 * The convolutions are ops.ts `conv` (hand-written gradients for the weights that exist on every backend,
 * including wasm, which has no Conv2DBackpropFilter kernel); G's gradient is then ordinary autodiff through them.
 */
import { readFlat } from '../../nn/flat';
import * as tf from '@tensorflow/tfjs';
import { conv, pad2d } from '../../nn/ops';

/** G's shape: the images' channels, the classes (one-hot planes appended to the input) and its hidden width. */
export interface GeneratorShape {
  channels: number;
  classes: number;
  width: number;
}

/** G's parameters in a fixed order: [w1, b1, w2, b2, w3, b3] (3x3 kernels, NHWC). */
export type GeneratorParams = tf.Tensor[];

/** The last layer's initial weights are PyTorch's default times this, so G(x0) starts within a few % of x0. */
export const OUTPUT_INIT_SCALE = 0.1;

/** Shapes of G's parameters, in order. */
export function generatorShapes(g: GeneratorShape): number[][] {
  const cin = g.channels + g.classes;
  return [
    [3, 3, cin, g.width],
    [g.width],
    [3, 3, g.width, g.width],
    [g.width],
    [3, 3, g.width, g.channels],
    [g.channels],
  ];
}

/** Number of scalars in G (for checkpoints). */
export function generatorSize(g: GeneratorShape): number {
  return generatorShapes(g).reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0);
}

/** Fresh parameters: PyTorch's default U(±1/√fan_in) for weights and biases (last layer scaled), deterministic in seed. */
export function initGenerator(g: GeneratorShape, seed: number): GeneratorParams {
  const shapes = generatorShapes(g);
  return tf.tidy(() =>
    shapes.map((dims, i) => {
      const layer = Math.floor(i / 2);
      const wDims = shapes[layer * 2]!;
      const fanIn = wDims[0]! * wDims[1]! * wDims[2]!;
      const bound = (1 / Math.sqrt(fanIn)) * (layer === 2 ? OUTPUT_INIT_SCALE : 1);
      return tf.randomUniform(dims, -bound, bound, 'float32', seed + i);
    }),
  );
}

/** G's parameters as one flat array (checkpoints, cache keys of tests). */
export function flattenGenerator(params: GeneratorParams): Promise<Float32Array> {
  return readFlat(params);
}

/** Parameters from a flat array (the inverse of flattenGenerator); throws when the size does not fit. */
export function unflattenGenerator(g: GeneratorShape, flat: Float32Array): GeneratorParams {
  if (flat.length !== generatorSize(g)) throw new Error(`The generator holds ${flat.length} values; this run's has ${generatorSize(g)}.`);
  let o = 0;
  return generatorShapes(g).map((dims) => {
    const n = dims.reduce((x, y) => x * y, 1);
    const t = tf.tensor(flat.subarray(o, o + n), dims);
    o += n;
    return t;
  });
}

/** The one-hot class planes of a batch: [N, H, W, classes] (a constant: no gradient flows into labels). */
export function classPlanes(labels: ArrayLike<number>, classes: number, height: number, width: number): tf.Tensor4D {
  return tf.tidy(() => {
    const oh = tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), classes).toFloat();
    return tf.tile(tf.reshape(oh, [labels.length, 1, 1, classes]), [1, height, width, 1]) as tf.Tensor4D;
  });
}

/** G(x0, c) = x0 + r([x0, onehot planes]) for a batch x0 [N, H, W, channels] with `planes` from classPlanes. */
export function generate(params: GeneratorParams, x0: tf.Tensor4D, planes: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [w1, b1, w2, b2, w3, b3] = params as [tf.Tensor4D, tf.Tensor, tf.Tensor4D, tf.Tensor, tf.Tensor4D, tf.Tensor];
    let h = tf.concat([x0, planes], 3) as tf.Tensor4D;
    h = tf.relu(tf.add(conv(pad2d(h, 1), w1), b1)) as tf.Tensor4D;
    h = tf.relu(tf.add(conv(pad2d(h, 1), w2), b2)) as tf.Tensor4D;
    const r = tf.add(conv(pad2d(h, 1), w3), b3);
    return tf.add(x0, r) as tf.Tensor4D;
  });
}
