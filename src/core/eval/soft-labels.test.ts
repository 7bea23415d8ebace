import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { labelDistributions, oneHotRows } from './soft-labels';
import { crossEntropy, softmax } from '../nn/losses';
import { finiteDifference, relativeError, useBackend } from '../../testing/tf';

describe('soft-label targets', () => {
  it("KRR's unlearned (centred one-hot) rows become exactly their one-hot labels", () => {
    const centred = Float32Array.from(oneHotRows([2, 0, 1], 3), (v) => v - 1 / 3);
    expect(Array.from(labelDistributions(centred, 3))).toEqual(Array.from(oneHotRows([2, 0, 1], 3)));
  });

  it('learned rows are un-centred, clipped at 0 and renormalised; distributions are kept; an empty row is uniform', () => {
    // C = 4: y + 1/4 = [1.25, 0.5, -0.25 -> 0, 0.25] -> / 2.
    const got = labelDistributions(Float32Array.from([1, 0.25, -0.5, 0, 0.1, 0.2, 0.3, 0.4, -1, -1, -1, -1]), 4);
    const want = [0.625, 0.25, 0, 0.125, 0.1, 0.2, 0.3, 0.4, 0.25, 0.25, 0.25, 0.25];
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
    expect(() => labelDistributions(new Float32Array(5), 4)).toThrow(/not rows of 4 classes/);
  });
});

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`cross-entropy against soft targets on ${backend}`, () => {
    beforeAll(() => useBackend(backend));

    it('value: −Σ t log softmax(z), by hand', async () => {
      const z = tf.tensor2d([[1, 2, 0.5], [0, -1, 3]]);
      const t = tf.tensor2d([[0.2, 0.7, 0.1], [0.5, 0, 0.5]]);
      const rows = [[1, 2, 0.5], [0, -1, 3]];
      const targets = [[0.2, 0.7, 0.1], [0.5, 0, 0.5]];
      let hand = 0;
      rows.forEach((r, n) => {
        const lse = Math.log(r.reduce((s, v) => s + Math.exp(v), 0));
        hand -= r.reduce((s, v, k) => s + targets[n]![k]! * (v - lse), 0);
      });
      const loss = crossEntropy(z, t);
      expect((await loss.data())[0]).toBeCloseTo(hand / 2, 5);
      tf.dispose([z, t, loss]);
    });

    it('gradient w.r.t. the logits: (softmax(z) − t)/N, and central finite differences agree', () => {
      const z = tf.randomNormal([5, 4], 0, 1, 'float32', 11) as tf.Tensor2D;
      const raw = tf.randomUniform([5, 4], 0, 1, 'float32', 12);
      const t = tf.div(raw, tf.sum(raw, 1, true)) as tf.Tensor2D;
      const f = (zz: tf.Tensor) => crossEntropy(zz as tf.Tensor2D, t);
      const g = tf.grad(f)(z);
      const expected = tf.div(tf.sub(softmax(z), t), 5);
      expect(tf.max(tf.abs(tf.sub(g, expected))).dataSync()[0]).toBeLessThan(1e-6);
      const pairs = finiteDifference(f, z, g.dataSync() as Float32Array, [0, 3, 6, 9, 13, 19], 1e-2);
      expect(relativeError(pairs)).toBeLessThan(2e-3);
      tf.dispose([z, raw, t, g, expected]);
    });
  });
}
