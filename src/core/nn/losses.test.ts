import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { crossEntropy, gradientDistance, gradientDistanceL1, softmax } from './losses';
import { finiteDifference, relativeError, useBackend } from '../../testing/tf';

const rand = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`second-order-safe losses on ${backend}`, () => {
    beforeAll(() => useBackend(backend));

    it('cross-entropy equals tfjs softmaxCrossEntropy and its gradient is softmax − y', async () => {
      const z = rand([4, 5], 1) as tf.Tensor2D;
      const y = tf.oneHot(tf.tensor1d([0, 3, 1, 4], 'int32'), 5) as tf.Tensor2D;
      const ours = crossEntropy(z, y);
      const ref = tf.losses.softmaxCrossEntropy(y, z);
      expect((await ours.data())[0]).toBeCloseTo((await ref.data())[0]!, 5);
      const g = tf.grad((zz: tf.Tensor) => crossEntropy(zz as tf.Tensor2D, y))(z);
      const expected = tf.div(tf.sub(softmax(z), y), 4);
      expect(tf.max(tf.abs(tf.sub(g, expected))).dataSync()[0]).toBeLessThan(1e-6);
      tf.dispose([z, y, ours, ref, g, expected]);
    });

    it('second order: d/dx of a weight-gradient norm of cross-entropy matches finite differences', () => {
      // What DC differentiates: x -> ∇_W CE(xW, y) -> a scalar of that gradient.
      const w = rand([6, 3], 2);
      const y = tf.oneHot(tf.tensor1d([2, 0], 'int32'), 3) as tf.Tensor2D;
      const r = rand([6, 3], 3);
      const M = (x: tf.Tensor) => {
        const gw = tf.grad((ww: tf.Tensor) => crossEntropy(tf.matMul(x as tf.Tensor2D, ww as tf.Tensor2D), y))(w);
        return tf.sum(tf.mul(gw, r)) as tf.Scalar;
      };
      const x = rand([2, 6], 4);
      const analytic = tf.grad(M)(x).dataSync() as Float32Array;
      expect(relativeError(finiteDifference(M, x, analytic, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 1e-2))).toBeLessThan(1e-2);
      tf.dispose([w, y, r, x]);
    });

    it('gradient distance: 0 for parallel rows, 1 per orthogonal row, 0 for 1-D tensors, differentiable', () => {
      const a = tf.tensor2d([[1, 0], [0, 2], [3, 3]]); // rows of the [in=3, out=2] layout are columns here
      expect(gradientDistance(a, tf.mul(a, 2.5)).dataSync()[0]).toBeCloseTo(0, 5);
      const b = tf.tensor2d([[0, 1], [2, 0], [0, 0]]);
      // Column 0 of a = (1,0,3), of b = (0,2,0): orthogonal -> 1. Column 1: (0,2,3) vs (1,0,0) -> 1.
      expect(gradientDistance(a, b).dataSync()[0]).toBeCloseTo(2, 5);
      expect(gradientDistance(tf.ones([4]), tf.zeros([4])).dataSync()[0]).toBe(0);
      const target = rand([3, 3, 2, 4], 5);
      const f = (t: tf.Tensor) => gradientDistance(target, t);
      const x = rand([3, 3, 2, 4], 6);
      const analytic = tf.grad(f)(x).dataSync() as Float32Array;
      expect(relativeError(finiteDifference(f, x, analytic, [0, 5, 17, 30, 44, 59, 71], 1e-2))).toBeLessThan(1e-2);
      tf.dispose([a, b, target, x]);
    });

    it("IDC's L1 distance: Σ|a − b| on a convolution's weights, 0 for biases and dense weights; its gradient is −sign(a − b)", async () => {
      const a = tf.tensor4d([1, -2, 3, 0.5, 0, 4, -1, 2], [1, 2, 2, 2]);
      const b = tf.tensor4d([0, -3, 1, 1.5, 1, 5, 1, 0], [1, 2, 2, 2]);
      // a − b = 1, 1, 2, −1, −1, −1, −2, 2: Σ|·| = 11
      expect((await gradientDistanceL1(a, b).data())[0]).toBeCloseTo(11, 5);
      expect((await gradientDistanceL1(tf.ones([3, 4]), tf.zeros([3, 4])).data())[0]).toBe(0);
      expect((await gradientDistanceL1(tf.ones([4]), tf.zeros([4])).data())[0]).toBe(0);
      const g = tf.grad((t: tf.Tensor) => gradientDistanceL1(a, t))(b);
      expect(Array.from(await g.data())).toEqual([-1, -1, -1, 1, 1, 1, 1, -1]);
      tf.dispose([a, b, g]);
    });
  });
}
