/**
 * Sum's and Mean's gradients without a host upload. tfjs-core's own multiply dy by `ones(x.shape)`, which is made
 * in JavaScript and uploaded: on webgl/webgpu every backward pass through a sum or a mean sent a tensor of ones
 * the size of its input over the bus (7.7 MB per DC iteration and 12 MB per MTT iteration at width 8, measured
 * by src/core/run/transfers.test.ts). Here the ones are made on the device (OnesLike), which gives the same values
 * (dy·1 is exact), and the gradient stays differentiable (OnesLike's gradient is zero, as a constant's is).
 * Registered on import, for every backend; tf.registerGradient replaces the built-in entry.
 */
import * as tf from '@tensorflow/tfjs';

type GradFunc = Parameters<typeof tf.registerGradient>[0]['gradFunc'];

/** dy reshaped to x's rank (reduced axes of size 1) times ones like x, in float32 as tfjs-core's gradient gives. */
function broadcastDy(dy: tf.Tensor, x: tf.Tensor, axis: number | number[]): tf.Tensor {
  const axes = tf.util.parseAxisParam(axis, x.shape);
  const expanded = x.shape.slice();
  for (const a of axes) expanded[a] = 1;
  const ones = x.dtype === 'float32' ? tf.onesLike(x) : tf.cast(tf.onesLike(x), 'float32');
  return tf.mul(tf.reshape(dy, expanded), ones);
}

const sumGrad: GradFunc = (dy, saved, attrs) => {
  const x = saved[0]!;
  const derX = broadcastDy(dy as tf.Tensor, x, (attrs as unknown as { axis: number | number[] }).axis);
  return { x: () => derX };
};

const meanGrad: GradFunc = (dy, saved, attrs) => {
  const x = saved[0]!;
  const axis = (attrs as unknown as { axis: number | number[] }).axis;
  const axes = tf.util.parseAxisParam(axis, x.shape);
  const reduceSize = axes.reduce((n, a) => n * x.shape[a]!, 1);
  return { x: () => tf.div(broadcastDy(dy as tf.Tensor, x, axis), reduceSize) };
};

let registered = false;

/** Registers the two gradients (idempotent; done on import). */
export function registerDeviceGradients(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({ kernelName: tf.Sum, inputsToSave: ['x'], gradFunc: sumGrad });
  tf.registerGradient({ kernelName: tf.Mean, inputsToSave: ['x'], gradFunc: meanGrad });
}

registerDeviceGradients();
