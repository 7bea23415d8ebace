import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { conv, avgPool2, instanceNorm, pad2d } from './ops';
import { embed, embedFirstOrder, initConvNet, disposeConvNet } from './convnet';
import { useBackend, finiteDifference, relativeError } from '../../testing/tf';

const rand = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

/** Gradients of Σ r ⊙ conv2d(x, w) from tfjs's own conv2d kernels on the cpu backend. */
async function stockConvGrads() {
  await useBackend('cpu');
  const x = rand([2, 6, 6, 3], 1);
  const w = rand([3, 3, 3, 4], 2);
  const r = rand([2, 4, 4, 4], 3);
  const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'valid'), r)))([x, w]);
  const out = { x: await x.data(), w: await w.data(), r: await r.data(), grads: await Promise.all(grads.map((g) => g.data())) };
  tf.dispose([x, w, r, ...grads]);
  return out;
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`layers on ${backend}`, () => {
    beforeAll(() => useBackend(backend));

    it('conv weight and input gradients equal the stock conv2d gradients (reference on cpu)', async () => {
      const ref = await stockConvGrads();
      await useBackend(backend);
      const [x, w, r] = [tf.tensor(ref.x, [2, 6, 6, 3]), tf.tensor(ref.w, [3, 3, 3, 4]), tf.tensor(ref.r, [2, 4, 4, 4])];
      const ours = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), r)))([x, w]);
      const oursData = await Promise.all(ours.map((g) => g.data()));
      for (let k = 0; k < 2; k++) {
        const a = oursData[k]!;
        const b = ref.grads[k]!;
        expect(a.length).toBe(b.length);
        let maxDiff = 0;
        for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
        expect(maxDiff).toBeLessThan(1e-4);
      }
      tf.dispose([x, w, r, ...ours]);
    });

    it('second-order: the gradient of a weight gradient w.r.t. the input matches finite differences', () => {
      // M(x) = Σ R2 ⊙ ∂/∂w Σ (conv(x, w))², a gradient-matching-like quantity that needs d²/dx dw.
      const w = rand([3, 3, 2, 3], 5) as tf.Tensor4D;
      const r2 = rand([3, 3, 2, 3], 6);
      const M = (x: tf.Tensor) => {
        const gw = tf.grad((ww: tf.Tensor) => tf.sum(tf.square(conv(x as tf.Tensor4D, ww as tf.Tensor4D))))(w);
        return tf.sum(tf.mul(gw, r2)) as tf.Scalar;
      };
      const x = rand([2, 5, 5, 2], 7);
      const analytic = tf.grad(M)(x).dataSync() as Float32Array;
      const pairs = finiteDifference(M, x, analytic, [0, 7, 19, 33, 48, 61, 77, 99], 1e-2);
      expect(relativeError(pairs)).toBeLessThan(1e-2);
      tf.dispose([w, r2, x]);
    });

    it('pooling and instance norm: input gradients match finite differences, twice differentiable', () => {
      const gamma = tf.tensor1d([1.5, 0.5]);
      const beta = tf.tensor1d([0.1, -0.2]);
      const r = rand([2, 2, 2, 2], 8);
      const f = (x: tf.Tensor) => tf.sum(tf.mul(avgPool2(instanceNorm(pad2d(x as tf.Tensor4D, 1), gamma, beta)), r)) as tf.Scalar;
      const x = rand([2, 3, 3, 2], 9);
      const analytic = tf.grad(f)(x).dataSync() as Float32Array;
      expect(relativeError(finiteDifference(f, x, analytic, [0, 3, 8, 13, 21, 30, 35], 1e-2))).toBeLessThan(1e-2);
      // Second order: derivative of Σ(∂f/∂x)² w.r.t. x.
      const g2 = (y: tf.Tensor) => tf.sum(tf.square(tf.grad(f)(y))) as tf.Scalar;
      const analytic2 = tf.grad(g2)(x).dataSync() as Float32Array;
      expect(relativeError(finiteDifference(g2, x, analytic2, [1, 4, 10, 17, 25, 31], 1e-2))).toBeLessThan(1e-2);
      tf.dispose([gamma, beta, r, x]);
    });

    it('ConvNet-3 embed: 28x28 inputs give width*4*4 features and input gradients match finite differences', () => {
      const shape = { input: [28, 28, 1] as const, classes: 10, width: 4, depth: 3 };
      const params = initConvNet(shape, 3);
      const x = rand([2, 28, 28, 1], 10);
      expect(tf.tidy(() => embed(shape, params, x as tf.Tensor4D).shape)).toEqual([2, 64]);
      const r = rand([64], 11);
      const f = (y: tf.Tensor) => tf.sum(tf.mul(tf.mean(embed(shape, params, y as tf.Tensor4D), 0), r)) as tf.Scalar;
      const analytic = tf.grad(f)(x).dataSync() as Float32Array;
      const probes = [100, 300, 406, 500, 777, 900, 1200, 1500];
      expect(relativeError(finiteDifference(f, x, analytic, probes, 1e-2))).toBeLessThan(1e-2);
      disposeConvNet(params);
      tf.dispose([x, r]);
    });

    it('embedFirstOrder (the fast path, differentiable once) equals embed', async () => {
      for (const input of [[28, 28, 1] as const, [32, 32, 3] as const]) {
        const shape = { input, classes: 10, width: 8, depth: 3 };
        const params = initConvNet(shape, 4);
        const x = rand([3, ...input], 12) as tf.Tensor4D;
        const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(embed(shape, params, x), embedFirstOrder(shape, params, x)))));
        const scale = tf.tidy(() => tf.max(tf.abs(embed(shape, params, x))));
        expect((await diff.data())[0]).toBeLessThan(1e-4 * (await scale.data())[0]!);
        disposeConvNet(params);
        tf.dispose([x, diff, scale]);
      }
    });

    it('embedFirstOrder: its input gradient equals embed\'s (28x28 with padding 3, 32x32 RGB, odd 13x13 maps), and finite differences', async () => {
      for (const input of [[28, 28, 1] as const, [32, 32, 3] as const, [13, 13, 2] as const]) {
        const shape = { input, classes: 10, width: 6, depth: 2 };
        const params = initConvNet(shape, 9);
        const x = rand([2, ...input], 13) as tf.Tensor4D;
        const features = embed(shape, params, x);
        const r = rand(features.shape, 14);
        const loss = (f: typeof embed) => (v: tf.Tensor) => tf.sum(tf.mul(f(shape, params, v as tf.Tensor4D), r)) as tf.Scalar;
        const ours = tf.grad(loss(embedFirstOrder))(x);
        const ref = tf.grad(loss(embed))(x);
        const [a, b] = [await ours.data(), await ref.data()];
        let maxDiff = 0;
        let scale = 0;
        for (let i = 0; i < a.length; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
          scale = Math.max(scale, Math.abs(b[i]!));
        }
        expect(scale).toBeGreaterThan(0);
        expect(maxDiff).toBeLessThan(1e-3 * scale);
        const probes = [0, 17, 101, 233, a.length - 1];
        expect(relativeError(finiteDifference(loss(embedFirstOrder), x, a as Float32Array, probes, 1e-2))).toBeLessThan(1e-2);
        disposeConvNet(params);
        tf.dispose([x, features, r, ours, ref]);
      }
    });
  });
}
