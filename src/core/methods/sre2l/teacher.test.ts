import { describe, expect, it, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { paramList, type ConvNetShape } from '../../nn/convnet';
import { crossEntropy } from '../../nn/losses';
import { paramsFromList } from '../../nn/train';
import { finiteDifference, relativeError, useBackend } from '../../../testing/tf';
import { loadReal } from '../../../testing/data';
import { Rng } from '../../rng';
import { bnForward, channelMoments, disposeTeacher, initTeacher, teacherAccuracy, trainTeacher, TEACHER_SGD } from './teacher';

const small: ConvNetShape = { input: [8, 8, 1], classes: 3, width: 4, depth: 2 };

describe('BN ConvNet (SRe2L teacher)', () => {
  beforeAll(() => useBackend('cpu'));

  it('channel moments are the per-channel mean and biased variance over N, H, W', async () => {
    const h = tf.randomNormal([3, 4, 5, 2], 1, 2, 'float32', 3) as tf.Tensor4D;
    const m = channelMoments(h);
    const vals = await h.data();
    const [mean, variance] = [await m.mean.data(), await m.variance.data()];
    for (let c = 0; c < 2; c++) {
      const xs: number[] = [];
      for (let i = c; i < vals.length; i += 2) xs.push(vals[i]!);
      const mu = xs.reduce((a, b) => a + b, 0) / xs.length;
      const v = xs.reduce((a, b) => a + (b - mu) ** 2, 0) / xs.length;
      expect(mean[c]).toBeCloseTo(mu, 4);
      expect(variance[c]).toBeCloseTo(v, 4);
    }
    tf.dispose([h, m.mean, m.variance]);
  });

  it('training-mode gradients (parameters and input) match central finite differences', () => {
    const t = initTeacher(small, 7);
    const x = tf.randomNormal([6, 8, 8, 1], 0, 1, 'float32', 8) as tf.Tensor4D;
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3) as tf.Tensor2D;
    const list = paramList(t.params);
    // Loss as a function of one parameter tensor k (others fixed), and of the input.
    const lossOf = (k: number) => (p: tf.Tensor) =>
      crossEntropy(bnForward(small, paramsFromList(t.params, list.map((q, i) => (i === k ? p : q))), null, x, 'train').logits, y);
    for (const k of [0, 2, 3, 4, list.length - 2]) {
      const analytic = tf.grad(lossOf(k))(list[k]!).dataSync() as Float32Array;
      const probes = Array.from({ length: Math.min(6, analytic.length) }, (_, i) => Math.floor((i * analytic.length) / 6));
      const pairs = finiteDifference(lossOf(k), list[k]!, analytic, probes, 2e-3);
      // ReLU kinks crossed by the step make finite differences of the first conv's weights loose (seen 2.7 %).
      expect(relativeError(pairs), `parameter ${k}`).toBeLessThan(5e-2);
    }
    const fx = (xx: tf.Tensor) => crossEntropy(bnForward(small, t.params, null, xx as tf.Tensor4D, 'train').logits, y);
    const ax = tf.grad(fx)(x).dataSync() as Float32Array;
    expect(relativeError(finiteDifference(fx, x, ax, [0, 13, 77, 150, 201, 300, 383], 1e-2))).toBeLessThan(2e-2);
    // Eval mode with the first-order layers gives the same input gradient as with the differentiable-twice ones.
    const gEval = (inputOnly: boolean) =>
      tf.tidy(() => tf.grad((xx: tf.Tensor) => crossEntropy(bnForward(small, t.params, t.running, xx as tf.Tensor4D, 'eval', inputOnly).logits, y))(x).dataSync());
    const [a, b] = [gEval(true), gEval(false)];
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-5);
    disposeTeacher(t);
    tf.dispose([x, y]);
  });

  it('training-mode gradients equal those of the same network built from stock tfjs ops (conv2d, moments, avgPool)', () => {
    const t = initTeacher(small, 9);
    const x = tf.randomNormal([6, 8, 8, 1], 0, 1, 'float32', 10) as tf.Tensor4D;
    const y = tf.oneHot(tf.tensor1d([2, 1, 0, 0, 1, 2], 'int32'), 3) as tf.Tensor2D;
    const list = paramList(t.params);
    const stock = (...ps: tf.Tensor[]) => {
      const p = paramsFromList(t.params, ps);
      let h = x as tf.Tensor4D;
      p.blocks.forEach((b) => {
        h = tf.add(tf.conv2d(h, b.w, 1, 'same'), b.b) as tf.Tensor4D;
        const m = tf.moments(h, [0, 1, 2]);
        h = tf.relu(tf.add(tf.mul(tf.div(tf.sub(h, m.mean), tf.sqrt(tf.add(m.variance, 1e-5))), b.gamma), b.beta)) as tf.Tensor4D;
        h = tf.avgPool(h, 2, 2, 'valid');
      });
      return tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(tf.reshape(h, [6, -1]), p.fcW), p.fcB)) as tf.Scalar;
    };
    const ours = (...ps: tf.Tensor[]) => crossEntropy(bnForward(small, paramsFromList(t.params, ps), null, x, 'train').logits, y);
    const a = tf.valueAndGrads(ours)(list);
    const b = tf.valueAndGrads(stock)(list);
    expect(a.value.dataSync()[0]).toBeCloseTo(b.value.dataSync()[0]!, 5);
    a.grads.forEach((g, i) => {
      const ga = g.dataSync();
      const gb = b.grads[i]!.dataSync();
      let diff = 0;
      let norm = 0;
      for (let j = 0; j < ga.length; j++) {
        diff = Math.max(diff, Math.abs(ga[j]! - gb[j]!));
        norm = Math.max(norm, Math.abs(gb[j]!));
      }
      // Conv biases before batch norm have a zero gradient (BN removes per-channel constants): compare on a floor of 1e-2.
      expect(diff / Math.max(norm, 1e-2), `parameter ${i}`).toBeLessThan(1e-4);
    });
    tf.dispose([a.value, b.value, ...a.grads, ...b.grads, x, y]);
    disposeTeacher(t);
  });

  it('learns MNIST: test accuracy well above chance after one short epoch, running statistics move', async () => {
    await useBackend('wasm');
    const { train, test } = loadReal('mnist');
    const shape: ConvNetShape = { input: [28, 28, 1], classes: 10, width: 8, depth: 3 };
    const before = tf.memory().numTensors;
    const t = await trainTeacher(shape, train, { ...TEACHER_SGD, epochs: 1, imagesPerEpoch: 2048 }, new Rng(1));
    const acc = await teacherAccuracy(shape, t, test, 1000);
    const rv = await t.running[0]!.variance.data();
    disposeTeacher(t);
    expect(tf.memory().numTensors).toBe(before);
    console.log(`BN teacher, width 8, 2048 MNIST images x 1 epoch: test accuracy ${(acc * 100).toFixed(1)} % (first 1000 test images)`);
    expect(acc).toBeGreaterThan(0.7);
    expect(Array.from(rv).some((v) => Math.abs(v - 1) > 0.05)).toBe(true);
  }, 60_000);
});
