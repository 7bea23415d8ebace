import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { loadReal } from '../../testing/data';
import { gatherBatch, type RealData } from '../data/batches';
import { disposeConvNet, initConvNet, paramList, type ConvNetShape } from './convnet';
import { SgdTrainer, accuracy, meanCrossEntropyGrads } from './train';
import { Rng } from '../rng';
import { useBackend } from '../../testing/tf';

describe('training ConvNet-3 with SGD on real MNIST (wasm: weight gradients without Conv2DBackpropFilter)', () => {
  let train: RealData;
  let testIdx: number[];
  let test: RealData;
  beforeAll(async () => {
    await useBackend('wasm');
    ({ train, test } = loadReal('mnist'));
    testIdx = test.byClass.flatMap((idx) => Array.from(idx.slice(0, 30)));
  });

  it('learns: test accuracy well above chance after 40 steps, and numTensors stays flat', async () => {
    const shape: ConvNetShape = { input: [28, 28, 1], classes: 10, width: 16, depth: 3 };
    const trainer = new SgdTrainer(shape, initConvNet(shape, 7), { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 });
    const rng = new Rng(1);
    const labelsOf = (d: RealData, idx: ArrayLike<number>) => Array.from(idx, (i) => d.set.labels[i]!);
    let at5 = -1;
    const losses: number[] = [];
    for (let step = 1; step <= 40; step++) {
      const idx = rng.sampleWithoutReplacement(train.set.count, 64);
      const x = gatherBatch(train, idx);
      const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labelsOf(train, idx), 'int32'), 10) as tf.Tensor2D);
      const loss = trainer.step(x, y);
      losses.push((await loss.data())[0]!);
      tf.dispose([x, y, loss]);
      if (step === 5) at5 = tf.memory().numTensors;
    }
    expect(tf.memory().numTensors).toBe(at5);
    const acc = await accuracy(shape, trainer.params, (s, e) => gatherBatch(test, testIdx.slice(s, e)), Uint8Array.from(labelsOf(test, testIdx)));
    expect(losses.slice(-5).reduce((a, b) => a + b) / 5).toBeLessThan(losses.slice(0, 5).reduce((a, b) => a + b) / 5);
    expect(acc).toBeGreaterThan(0.6);
    trainer.dispose();
  });
});

describe('chunked gradients', () => {
  it('accumulating the mean cross-entropy over chunks gives the whole-batch value and gradients', async () => {
    await useBackend('wasm');
    const shape: ConvNetShape = { input: [8, 8, 1], classes: 3, width: 4, depth: 2 };
    const params = initConvNet(shape, 3);
    const list = paramList(params);
    const x = tf.randomNormal([10, 8, 8, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], 'int32'), 3) as tf.Tensor2D);
    const whole = meanCrossEntropyGrads(shape, params, list, x, y, 10);
    const chunked = meanCrossEntropyGrads(shape, params, list, x, y, 3);
    expect((await chunked.value.data())[0]).toBeCloseTo((await whole.value.data())[0]!, 5);
    for (let i = 0; i < list.length; i++) {
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(whole.grads[i]!, chunked.grads[i]!))).dataSync()[0]!);
      expect(diff).toBeLessThan(1e-5);
    }
    tf.dispose([whole.value, chunked.value, ...whole.grads, ...chunked.grads, x, y]);
    disposeConvNet(params);
  });
});
