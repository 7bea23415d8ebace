import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { createLearnedLabels, disposeLearnedLabels, krrLoss, krrStep, KRR_DEFAULTS, solveSpd, targets } from './krr';
import { createSyntheticState, disposeSyntheticState } from '../dm/dm';
import { initConvNet, disposeConvNet, type ConvNetShape } from '../../nn/convnet';
import { initNoise, initReal } from '../../init';
import { METHODS } from '../../../shared/methods';
import { movementPerClass } from '../../change';
import type { RealData } from '../../data/batches';
import { Rng } from '../../rng';
import { finiteDifference, relativeError, useBackend } from '../../../testing/tf';
import { mnistSubset } from '../../../testing/data';
import { estimateKrrBytes } from '../../../shared/memory';

describe('KRR with random features', () => {
  let data: RealData;
  beforeAll(async () => {
    await useBackend('wasm');
    data = mnistSubset(60);
  });

  it('solveSpd solves an SPD system with condition number 100 (what the ridge guarantees)', () => {
    // A = Q diag(10, 1, 0.1) Qᵀ and B with two right-hand sides. (At condition number 1e4 wasm's matMul,
    // less precise than cpu's, leaves errors of 0.3 here; KRR's ridge bounds it by 1 + n/ridge.)
    const q = tf.linalg.qr(tf.tensor2d([[1, 2, 0], [0, 1, 3], [2, 0, 1]]))[0];
    const a = tf.matMul(tf.matMul(q, tf.diag(tf.tensor1d([10, 1, 0.1]))), q, false, true) as tf.Tensor2D;
    const xTrue = tf.tensor2d([[1, -1], [2, 0.5], [-3, 4]]);
    const b = tf.matMul(a, xTrue) as tf.Tensor2D;
    const x = solveSpd(a, b);
    expect(tf.max(tf.abs(tf.sub(x, xTrue))).dataSync()[0]).toBeLessThan(1e-2);
    tf.dispose([q, a, xTrue, b, x]);
  });

  it('the loss has the right gradient w.r.t. the synthetic pixels (finite differences)', () => {
    const net: ConvNetShape = { input: [8, 8, 1], classes: 3, width: 4, depth: 2 };
    const nets = [initConvNet(net, 1), initConvNet(net, 2)];
    const xr = tf.randomNormal([6, 8, 8, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const yr = targets([0, 1, 2, 0, 1, 2], 3);
    const ys = targets([0, 1, 2], 3);
    const xs = tf.randomNormal([3, 8, 8, 1], 0, 1, 'float32', 4);
    const f = (s: tf.Tensor) => krrLoss(net, nets, xr, yr, s as tf.Tensor4D, ys, 0.1);
    const analytic = tf.grad(f)(xs).dataSync() as Float32Array;
    const probes = [1, 9, 20, 33, 47, 64, 70, 100, 150, 180];
    expect(relativeError(finiteDifference(f, xs, analytic, probes, 1e-2))).toBeLessThan(2e-2);
    nets.forEach(disposeConvNet);
    tf.dispose([xr, yr, ys, xs]);
  });

  it('the loss has the right gradient w.r.t. the synthetic labels (finite differences)', () => {
    const net: ConvNetShape = { input: [8, 8, 1], classes: 3, width: 4, depth: 2 };
    const nets = [initConvNet(net, 1), initConvNet(net, 2)];
    const xr = tf.randomNormal([6, 8, 8, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const yr = targets([0, 1, 2, 0, 1, 2], 3);
    const xs = tf.randomNormal([3, 8, 8, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
    const ys = tf.add(targets([0, 1, 2], 3), tf.randomNormal([3, 3], 0, 0.2, 'float32', 5));
    const f = (y: tf.Tensor) => krrLoss(net, nets, xr, yr, xs, y as tf.Tensor2D, 0.1);
    const analytic = tf.grad(f)(ys).dataSync() as Float32Array;
    expect(relativeError(finiteDifference(f, ys, analytic, [0, 1, 2, 3, 4, 5, 6, 7, 8], 1e-2))).toBeLessThan(2e-2);
    nets.forEach(disposeConvNet);
    tf.dispose([xr, yr, ys, xs]);
  });

  it('with learned labels on real MNIST: labels move from the centred one-hot, the loss falls, no leaks', async () => {
    const net: ConvNetShape = { input: [28, 28, 1], classes: 10, width: 8, depth: 3 };
    const rng = new Rng(2);
    const syn = createSyntheticState(initNoise(data, 2, rng).pixels, 20, [28, 28, 1]);
    const labels = createLearnedLabels(10, 2);
    const start = (await labels.values.data()).slice();
    expect(Array.from(start.slice(0, 10)).map((v) => Number(v.toFixed(2)))).toEqual([0.9, -0.1, -0.1, -0.1, -0.1, -0.1, -0.1, -0.1, -0.1, -0.1]);
    const cfg = { ...KRR_DEFAULTS, ipc: 2, realPerClass: 10, models: 2, lrImages: 0.1 };
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    for (let i = 0; i < 24; i++) {
      const l = krrStep(net, data, syn, cfg, rng, undefined, undefined, labels);
      losses.push((await l.data())[0]!);
      l.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    const now = await labels.values.data();
    expect(now.some((v, i) => Math.abs(v - start[i]!) > 1e-3)).toBe(true);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-6))).toBeLessThan(mean(losses.slice(0, 6)));
    disposeLearnedLabels(labels);
    disposeSyntheticState(syn);
  });

  // The default learning rate is one that moves the images: at the old 0.1 this config moved every class's images
  // by at most 0.0009 stds (IPC 1) and 0.0001 (IPC 10) in 20 iterations, so a KRR run returned its init; lr 10 moves
  // each class by at least 0.029 and 0.006.
  it.each([1, 10])('at its default learning rate, KRR moves every class of real-initialised MNIST images (IPC %d) in 20 iterations', async (ipc) => {
    const net: ConvNetShape = { input: [28, 28, 1], classes: 10, width: 8, depth: 3 };
    const rng = new Rng(3);
    const start = initReal(data, ipc, rng).pixels;
    const syn = createSyntheticState(start, 10 * ipc, [28, 28, 1]);
    const cfg = { ...KRR_DEFAULTS, ipc, realPerClass: 10, models: 2 };
    expect(cfg.lrImages).toBe(METHODS.krr.defaults.lrImages);
    for (let i = 0; i < 20; i++) {
      const l = krrStep(net, data, syn, cfg, rng);
      await l.data(); // yields to the event loop between iterations
      l.dispose();
    }
    // The page's "how far the images moved" figure: per class, each image's RMS change in the real pixels' stds.
    const moved = movementPerClass(await syn.images.data(), start, 28 * 28, 10, ipc);
    expect(moved.every(Number.isFinite)).toBe(true);
    expect(Math.min(...moved)).toBeGreaterThan(0.003);
    disposeSyntheticState(syn);
  });

  it('on real MNIST the loss falls from noise, and no tensors are left behind', async () => {
    const net: ConvNetShape = { input: [28, 28, 1], classes: 10, width: 8, depth: 3 };
    const rng = new Rng(2);
    const syn = createSyntheticState(initNoise(data, 2, rng).pixels, 20, [28, 28, 1]);
    const cfg = { ...KRR_DEFAULTS, ipc: 2, realPerClass: 10, models: 2, lrImages: 0.1 };
    const start = tf.memory().numTensors;
    const losses: number[] = [];
    for (let i = 0; i < 24; i++) {
      const l = krrStep(net, data, syn, cfg, rng);
      losses.push((await l.data())[0]!);
      l.dispose();
    }
    expect(tf.memory().numTensors).toBe(start);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-6))).toBeLessThan(mean(losses.slice(0, 6)));
    disposeSyntheticState(syn);
  });
});

describe('KRR memory estimate', () => {
  // Both phases: a synthetic set large against the real batch (the gradient's graph dominates), and the reverse.
  it.each([
    { width: 16, ipc: 4, realPerClass: 4 },
    { width: 8, ipc: 1, realPerClass: 64 },
  ])('is within 25%% of the peak bytes tf.profile measures for an iteration (cpu, %j)', async ({ width, ipc, realPerClass }) => {
    await useBackend('cpu');
    const data = mnistSubset(70);
    const net: ConvNetShape = { input: [28, 28, 1], classes: 10, width, depth: 3 };
    const rng = new Rng(5);
    const syn = createSyntheticState(initNoise(data, ipc, rng).pixels, 10 * ipc, [28, 28, 1]);
    const cfg = { ...KRR_DEFAULTS, ipc, realPerClass };
    const resident = tf.memory().numBytes;
    const prof = await tf.profile(() => krrStep(net, data, syn, cfg, rng));
    const measured = prof.peakBytes - resident;
    const estimate = estimateKrrBytes(net, { networks: cfg.models, synthetic: 10 * ipc, real: 10 * realPerClass });
    expect(estimate / measured).toBeGreaterThan(0.8);
    expect(estimate / measured).toBeLessThan(1.25);
    tf.dispose(prof.result as tf.Tensor);
    disposeSyntheticState(syn);
  });
});
