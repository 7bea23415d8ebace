/**
 * Layers whose gradients exist on every TensorFlow.js backend, and are themselves differentiable.
 *
 * Stock tfjs 4.22 has no `Conv2DBackpropFilter` kernel on wasm and registers no gradient for
 * `Conv2DBackpropFilter` or `AvgPoolGrad` anywhere. We therefore build convolution from a closed set of
 * one custom-gradient operation whose gradients are themselves written with it:
 *   conv(x, w)             y = x ⋆ w (stride 1, 'valid')              -> tf.conv2d
 *   convInputGrad(g, w)    dL/dx given dL/dy = g, a full convolution with the flipped kernel
 *   filterGrad(x, g)       dL/dw given dL/dy = g, as k² matrix products of shifted views
 * Padding is a separate `tf.pad` (its gradient is a slice) and pooling is reshape + mean, so every layer
 * of ConvNet-3 is differentiable twice, as gradient matching needs.
 */
import * as tf from '@tensorflow/tfjs';

type CustomGradFn = Parameters<typeof tf.customGrad>[0];

/**
 * dL/dw for y = conv(x, w) with k x k kernels: dw[a,b,i,o] = Σ_n,h,v x[n,h+a,v+b,i] g[n,h,v,o], as k² matrix
 * products of shifted views of x with g (each [Ci, N·H·W] x [N·H·W, Co]). Memory stays at one view at a time;
 * the alternative (a convolution with x's channels as the batch) needs an im2col buffer of gigabytes for a
 * batch of 256 at width 128, which aborts the wasm backend.
 */
export function filterGrad(x: tf.Tensor4D, g: tf.Tensor4D, k = x.shape[1] - g.shape[1] + 1): tf.Tensor4D {
  const [n, ho, wo, co] = g.shape;
  const ci = x.shape[3];
  const gFlat = tf.reshape(g, [n * ho * wo, co]);
  const taps: tf.Tensor[] = [];
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      const view = tf.reshape(tf.slice(x, [0, a, b, 0], [n, ho, wo, ci]), [n * ho * wo, ci]);
      taps.push(tf.matMul(tf.transpose(view), gFlat)); // [Ci, Co]
    }
  }
  return tf.reshape(tf.stack(taps), [k, k, ci, co]);
}

/**
 * dL/dx for y = conv(x, w), given g = dL/dy: the 'full' convolution of g with the spatially flipped kernel,
 * input and output channels swapped. Written with `conv` itself (not tf.conv2dTranspose, which wasm runs
 * several times slower), so it is differentiable again through conv's own gradient.
 */
export function convInputGrad(g: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  const k = w.shape[0];
  const flipped = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
  return conv(pad2d(g, k - 1), flipped);
}

/** y = x ⋆ w, stride 1, no padding (pad with `tf.pad` first). Differentiable to any order on every backend. */
export const conv = tf.customGrad(((x: tf.Tensor4D, w: tf.Tensor4D, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.conv2d(x, w, 1, 'valid'),
    gradFunc: (g: tf.Tensor, saved: tf.Tensor[]) => {
      const [xS, wS] = saved as [tf.Tensor4D, tf.Tensor4D];
      return [convInputGrad(g as tf.Tensor4D, wS), filterGrad(xS, g as tf.Tensor4D)];
    },
  };
}) as unknown as CustomGradFn) as (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;

/** Zero padding of `p` pixels on each spatial side. */
export function pad2d(x: tf.Tensor4D, p: number): tf.Tensor4D {
  if (p === 0) return x;
  return tf.pad(x, [
    [0, 0],
    [p, p],
    [p, p],
    [0, 0],
  ]);
}

/** 2x2 average pooling, stride 2, as reshape + mean (differentiable twice; AvgPoolGrad has no gradient). */
export function avgPool2(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const hh = Math.floor(h / 2);
  const ww = Math.floor(w / 2);
  const cropped = h % 2 || w % 2 ? tf.slice(x, [0, 0, 0, 0], [n, hh * 2, ww * 2, c]) : x;
  return tf.mean(tf.reshape(cropped, [n, hh, 2, ww, 2, c]), [2, 4]) as tf.Tensor4D;
}

/**
 * Instance norm (GroupNorm with one group per channel) with affine parameters:
 * y = γ · (x − μ_nc) / sqrt(σ²_nc + ε) + β, statistics over each image's spatial positions.
 * Written with sqrt and div (never pow or rsqrt, whose gradients break second-order gradients).
 */
export function instanceNorm(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps = 1e-5): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const flat = tf.reshape(x, [n, h * w, c]) as tf.Tensor3D;
  const mu = spatialMean(flat);
  const centred = tf.sub(flat, mu);
  const variance = spatialMean(tf.square(centred) as tf.Tensor3D);
  const normed = tf.div(centred, tf.sqrt(tf.add(variance, eps)));
  return tf.reshape(tf.add(tf.mul(normed, gamma), beta), [n, h, w, c]) as tf.Tensor4D;
}

/**
 * Per-channel mean over the positions of x [N, P, C], as [N, 1, C]: a batched matrix product with a row of 1/P,
 * differentiable twice through matMul's own gradient. tf.mean over non-innermost axes transposes the whole tensor
 * first: forward + backward measured here (tmp A/B, same process), wasm 256x16x16x128 437 vs 246 ms (equal at
 * width 32), cpu 7-14x slower than this.
 */
export function spatialMean(x: tf.Tensor3D): tf.Tensor3D {
  const [n, p] = x.shape;
  // Explicit batch of the averaging row: WebGL's batched matMul mis-handles a broadcast batch dimension.
  return tf.matMul(tf.fill([n, 1, p], 1 / p), x) as tf.Tensor3D;
}

/*
 * First-order layers for a frozen network: each is differentiable once, in its input x only (the other arguments
 * are constants to it), and each gradient is one fast kernel on every backend. tfjs's own gradients are slow on
 * wasm where these matter (measured in a DM iteration at width 128: Conv2DBackpropInput 3.7 s for 10 synthetic
 * images a class, AvgPoolGrad of a global pool 3.7 s), and the custom `conv` above computes the filters'
 * gradient too, which a frozen network never needs.
 */

/** The spatial padding of a 'same'-style convolution: `p` zeros on every side. */
const padding = (p: number): [[number, number], [number, number], [number, number], [number, number]] => [
  [0, 0],
  [p, p],
  [p, p],
  [0, 0],
];

/**
 * y = conv2d(x, w) with stride 1 and `p` zeros of padding on each side; dL/dx only (w is a constant), as one
 * convolution of the output gradient with the flipped kernel.
 */
export function convFirstOrder(x: tf.Tensor4D, w: tf.Tensor4D, p: number): tf.Tensor4D {
  const k = w.shape[0];
  return tf.customGrad(((xIn: tf.Tensor4D) => ({
    value: tf.conv2d(xIn, w, 1, padding(p)),
    gradFunc: (g: tf.Tensor) => {
      const flipped = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
      // The full correlation needs k − 1 − p more zeros around g; a negative amount crops instead.
      const q = k - 1 - p;
      const g4 = g as tf.Tensor4D;
      if (q >= 0) return tf.conv2d(g4, flipped, 1, padding(q));
      const [n, h, wd, c] = g4.shape;
      return tf.conv2d(tf.slice(g4, [0, -q, -q, 0], [n, h + 2 * q, wd + 2 * q, c]), flipped, 1, 'valid');
    },
  })) as unknown as CustomGradFn)(x) as tf.Tensor4D;
}

/** Per-image, per-channel spatial mean [N, 1, 1, C] of x [N, H, W, C] (a global average pool); dL/dx spreads evenly. */
export const spatialMeanFirstOrder = tf.customGrad(((x: tf.Tensor4D) => {
  const [, h, w] = x.shape;
  return {
    value: tf.avgPool(x, [h, w], 1, 'valid'),
    // A broadcasting multiply: wasm's Tile (tf.broadcastTo) is tens of times slower.
    gradFunc: (g: tf.Tensor) => tf.mul(tf.fill(x.shape, 1 / (h * w)), g),
  };
}) as unknown as CustomGradFn) as (x: tf.Tensor4D) => tf.Tensor4D;

/** 2x2 average pooling with stride 2 (odd edges dropped); dL/dx is g / 4 repeated over each window. */
export const avgPool2FirstOrder = tf.customGrad(((x: tf.Tensor4D) => {
  const [, h, w] = x.shape;
  const hh = Math.floor(h / 2);
  const ww = Math.floor(w / 2);
  return {
    value: tf.avgPool(x, 2, 2, 'valid'),
    gradFunc: (g: tf.Tensor) => {
      // Nearest-neighbour upsampling by exactly 2 repeats each value over its window (wasm's Tile is far slower).
      const spread = tf.image.resizeNearestNeighbor(tf.div(g, 4) as tf.Tensor4D, [2 * hh, 2 * ww]);
      return h === 2 * hh && w === 2 * ww ? spread : tf.pad(spread, [[0, 0], [0, h - 2 * hh], [0, w - 2 * ww], [0, 0]]);
    },
  };
}) as unknown as CustomGradFn) as (x: tf.Tensor4D) => tf.Tensor4D;

/**
 * The n×n identity made on the device (a one-hot of 0..n−1): the same values as `tf.eye(n)`, which builds the n²
 * floats in JavaScript and uploads them (40 KB at n = 100, on every KRR iteration before issue 15).
 */
export function eyeOnDevice(n: number): tf.Tensor2D {
  return tf.tidy(() => tf.cast(tf.oneHot(tf.range(0, n, 1, 'int32') as tf.Tensor1D, n), 'float32') as tf.Tensor2D);
}
