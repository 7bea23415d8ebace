import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { DcMethod, DC_DEFAULTS, dcLoops, matchingLoss, realGradients } from './dc';
import { createSyntheticState, disposeSyntheticState } from '../dm/dm';
import { initConvNet, disposeConvNet, paramList, type ConvNetShape } from '../../nn/convnet';
import { gatherBatch, type RealData } from '../../data/batches';
import { initReal } from '../../init';
import { Rng } from '../../rng';
import { finiteDifference, relativeError, useBackend } from '../../../testing/tf';
import { mnistSubset } from '../../../testing/data';


describe('DC gradient matching', () => {
  let data: RealData;
  beforeAll(async () => {
    await useBackend('wasm');
    data = mnistSubset(40);
  });

  it("uses the paper's loops per IPC", () => {
    expect(dcLoops(1)).toEqual({ outer: 1, inner: 1 });
    expect(dcLoops(10)).toEqual({ outer: 10, inner: 50 });
    expect(dcLoops(50)).toEqual({ outer: 50, inner: 10 });
  });

  /** A tiny network, a real batch of class 1, its gradients (the matching target) and two synthetic images. */
  function tinyMatch() {
    const net: ConvNetShape = { input: [8, 8, 1], classes: 3, width: 3, depth: 2 };
    const params = initConvNet(net, 11);
    const list = paramList(params);
    const real = tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', 12) as tf.Tensor4D;
    const syn = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 13);
    return { net, params, list, real, syn, gReal: realGradients(net, list, params, real, 1) };
  }

  it('the whole matching loss has the right gradient w.r.t. the synthetic pixels (finite differences)', () => {
    const { net, params, list, real, syn, gReal } = tinyMatch();
    const f = (s: tf.Tensor) => matchingLoss(net, list, params, gReal, s as tf.Tensor4D, 1);
    const analytic = tf.grad(f)(syn).dataSync() as Float32Array;
    const probes = [3, 10, 21, 30, 45, 64, 77, 90, 101, 120];
    expect(relativeError(finiteDifference(f, syn, analytic, probes, 1e-3))).toBeLessThan(1e-2);
    disposeConvNet(params);
    tf.dispose([real, syn, ...gReal]);
  });

  it("with IDC's L1 distance too: the matching loss's gradient w.r.t. the pixels (finite differences), and it differs from DC's", async () => {
    const { net, params, list, real, syn, gReal } = tinyMatch();
    const f = (s: tf.Tensor) => matchingLoss(net, list, params, gReal, s as tf.Tensor4D, 1, 'l1');
    const analytic = tf.grad(f)(syn).dataSync() as Float32Array;
    const probes = [3, 10, 21, 30, 45, 64, 77, 90, 101, 120];
    expect(relativeError(finiteDifference(f, syn, analytic, probes, 1e-3))).toBeLessThan(1e-2);
    // The L1 sum over the convolutions' weights only: by hand from the same gradients.
    const byHand = tf.tidy(() => {
      const gSyn = realGradients(net, list, params, syn as tf.Tensor4D, 1);
      return tf.addN(gReal.flatMap((g, i) => (g.rank === 4 ? [tf.sum(tf.abs(tf.sub(g, gSyn[i]!)))] : [])));
    });
    const l1 = tf.tidy(() => f(syn));
    expect((await l1.data())[0]).toBeCloseTo((await byHand.data())[0]!, 4);
    const cos = tf.tidy(() => matchingLoss(net, list, params, gReal, syn as tf.Tensor4D, 1));
    expect((await cos.data())[0]).not.toBeCloseTo((await l1.data())[0]!, 1);
    disposeConvNet(params);
    tf.dispose([real, syn, ...gReal, byHand, l1, cos]);
  });

  it('descending the matching loss on real MNIST brings synthetic gradients closer to real ones', async () => {
    const net: ConvNetShape = { input: [28, 28, 1], classes: 10, width: 8, depth: 3 };
    const params = initConvNet(net, 21);
    const list = paramList(params);
    const real = gatherBatch(data, data.byClass[3]!.slice(0, 32));
    let syn = gatherBatch(data, data.byClass[3]!.slice(32, 34));
    const gReal = realGradients(net, list, params, real, 3);
    const loss = (s: tf.Tensor) => matchingLoss(net, list, params, gReal, s as tf.Tensor4D, 3);
    const before = (await tf.tidy(() => loss(syn)).data())[0]!;
    for (let i = 0; i < 5; i++) {
      const next = tf.tidy(() => tf.sub(syn, tf.mul(tf.grad(loss)(syn), 1)));
      syn.dispose();
      syn = next as tf.Tensor4D;
    }
    const after = (await tf.tidy(() => loss(syn)).data())[0]!;
    expect(after).toBeLessThan(before);
    disposeConvNet(params);
    tf.dispose([real, syn, ...gReal]);
  });

  it('an outer iteration updates the images and leaves no tensors behind', async () => {
    const rng = new Rng(5);
    const init = initReal(data, 1, rng);
    const syn = createSyntheticState(init.pixels, 10, [28, 28, 1]);
    const net: ConvNetShape = { input: [28, 28, 1], classes: 10, width: 8, depth: 3 };
    const dc = new DcMethod(net, data, syn, { ...DC_DEFAULTS, ipc: 1, realPerClass: 16, outerLoop: 2, innerLoop: 2 }, rng);
    const start = tf.memory().numTensors;
    const losses: number[] = [];
    for (let i = 0; i < 2; i++) {
      const l = dc.step();
      losses.push((await l.data())[0]!);
      l.dispose();
      expect(tf.memory().numTensors).toBe(start);
    }
    expect(losses.every((l) => Number.isFinite(l) && l > 0)).toBe(true);
    const after = await syn.images.data();
    const before = init.pixels;
    let changed = 0;
    for (let i = 0; i < after.length; i++) if (Math.abs(after[i]! - before[i]!) > 1e-6) changed++;
    expect(changed).toBeGreaterThan(after.length / 10);
    disposeSyntheticState(syn);
  });
});
