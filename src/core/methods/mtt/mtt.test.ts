import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { disposeTrajectories, MttMethod, MTT_DEFAULTS, selectRows, trainExperts, trajectoryLoss, type MttConfig } from './mtt';
import { createSyntheticState, disposeSyntheticState } from '../dm/dm';
import { disposeConvNet, initConvNet, paramList, type ConvNetShape } from '../../nn/convnet';
import { initReal } from '../../init';
import type { RealData } from '../../data/batches';
import { Rng } from '../../rng';
import { finiteDifference, relativeError, useBackend } from '../../../testing/tf';
import { mnistSubset } from '../../../testing/data';
import { estimateMttBytes } from '../../../shared/memory';

describe('MTT trajectory matching', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('the loss through N student steps has the right gradient w.r.t. the images and the step size (finite differences)', () => {
    const net: ConvNetShape = { input: [8, 8, 1], classes: 3, width: 4, depth: 2 };
    const start = initConvNet(net, 1);
    const target = initConvNet(net, 2);
    const images = tf.randomNormal([3, 8, 8, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2], 'int32'), 3) as tf.Tensor2D;
    const alpha = tf.scalar(0.5);
    const s = paramList(start);
    // The target a short way from the start, as an expert's epochs are: the loss then varies enough with the
    // pixels for float32 differences. Small steps: the loss has jumps where a ReLU's derivative flips.
    const t = paramList(target).map((p, i) => tf.add(s[i]!, tf.mul(tf.sub(p, s[i]!), 0.05)));
    const loss = (x: tf.Tensor, a: tf.Tensor) => trajectoryLoss(net, start, s, t, x as tf.Tensor4D, labels, a as tf.Scalar, 3);
    const { grads } = tf.valueAndGrads(loss)([images, alpha]);
    const probes = [0, 7, 15, 22, 30, 41, 55, 63, 90, 130, 170, 191];
    const dImages = finiteDifference((x) => loss(x, alpha), images, grads[0]!.dataSync() as Float32Array, probes, 3e-3);
    expect(relativeError(dImages)).toBeLessThan(1e-2);
    const dAlpha = finiteDifference((a) => loss(images, a), alpha, grads[1]!.dataSync() as Float32Array, [0], 1e-3);
    expect(relativeError(dAlpha)).toBeLessThan(1e-2);
    // The steps matter: the image gradient is not that of one step.
    const one = tf.grad((x: tf.Tensor) => trajectoryLoss(net, start, s, t, x as tf.Tensor4D, labels, alpha, 1))(images);
    expect(tf.max(tf.abs(tf.sub(one, grads[0]!))).dataSync()[0]).toBeGreaterThan(1e-4);
    disposeConvNet(start);
    disposeConvNet(target);
    tf.dispose([images, labels, alpha, one, ...grads, ...t]);
  });
});

describe('MTT memory estimate', () => {
  it('is within 25% of the peak bytes tf.profile measures for an iteration (cpu)', async () => {
    await useBackend('cpu');
    const data = mnistSubset(10);
    const net: ConvNetShape = { input: [28, 28, 1], classes: 10, width: 8, depth: 3 };
    const cfg: MttConfig = { ...MTT_DEFAULTS, ipc: 2, syntheticSteps: 2, batchSyn: 10, experts: 1, maxStartEpoch: 0, expertEpochs: 1, expertImagesPerEpoch: 50 };
    const traj = await trainExperts(net, data, cfg, new Rng(1), 'k');
    const syn = createSyntheticState(initReal(data, cfg.ipc, new Rng(1)).pixels, 20, [28, 28, 1]);
    const mtt = new MttMethod(net, traj, syn, cfg, new Rng(3));
    // peakBytes is the engine's absolute peak during the step (the resident images and trajectories included).
    const prof = await tf.profile(() => mtt.step());
    const measured = prof.peakBytes;
    const estimate = estimateMttBytes(net, { syntheticSteps: 2, batch: 10, experts: 1, snapshots: 2 });
    expect(estimate / measured).toBeGreaterThan(0.8);
    expect(estimate / measured).toBeLessThan(1.25);
    tf.dispose(prof.result as tf.Tensor);
    mtt.dispose();
    disposeSyntheticState(syn);
    disposeTrajectories(traj);
  });
});

describe('MTT on real MNIST (wasm)', () => {
  let data: RealData;
  const net: ConvNetShape = { input: [28, 28, 1], classes: 10, width: 8, depth: 3 };
  const cfg: MttConfig = {
    ...MTT_DEFAULTS,
    ipc: 1,
    syntheticSteps: 4,
    expertEpochs: 2,
    maxStartEpoch: 1,
    experts: 1,
    expertBatch: 100,
    expertImagesPerEpoch: 300,
  };
  beforeAll(async () => {
    await useBackend('wasm');
    data = mnistSubset(40);
  });

  it('experts learn; the loss falls; the step size moves; numTensors stays flat; all is freed', async () => {
    const start = tf.memory().numTensors;
    const progress: string[] = [];
    const traj = await trainExperts(net, data, cfg, new Rng(1), 'k', undefined, (p) => {
      progress.push(`${p.expert}:${p.epoch}/${p.epochs}`);
    });
    expect(progress).toEqual(['0:1/3', '0:2/3', '0:3/3']);
    expect(traj.experts[0]).toHaveLength(4);
    // Training moved the expert away from its initialisation.
    const moved = tf.tidy(() => tf.sum(tf.square(tf.sub(traj.experts[0]![3]![0]!, traj.experts[0]![0]![0]!))).dataSync()[0]!);
    expect(moved).toBeGreaterThan(1e-4);

    const rng = new Rng(2);
    const syn = createSyntheticState(initReal(data, cfg.ipc, rng).pixels, 10, [28, 28, 1]);
    const mtt = new MttMethod(net, traj, syn, cfg, rng);
    // The loss of both start epochs, with the initial step size: what the images are trained to lower.
    const fixedLoss = () =>
      tf.tidy(() => {
        const labels = tf.oneHot(tf.tensor1d(Int32Array.from({ length: 10 }, (_, i) => i), 'int32'), 10) as tf.Tensor2D;
        const e = traj.experts[0]!;
        const ls = [0, 1].map((t) => trajectoryLoss(net, traj.template, e[t]!, e[t + 2]!, syn.images, labels, tf.scalar(cfg.expertLr), cfg.syntheticSteps));
        return tf.mean(tf.stack(ls)).dataSync()[0]!;
      });
    const lossBefore = fixedLoss();
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const l = mtt.step();
      losses.push((await l.data())[0]!);
      l.dispose();
      if (i === 1) expect(tf.memory().numTensors).toBe(before);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(fixedLoss()).toBeLessThan(lossBefore * 0.95);
    expect(mtt.stepSize.dataSync()[0]).not.toBe(cfg.expertLr);
    mtt.dispose();
    disposeSyntheticState(syn);
    disposeTrajectories(traj);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('with a random synthetic mini-batch per student step (IPC 2, 5 images a step) the images get their gradient on wasm', async () => {
    const small = { ...cfg, ipc: 2, batchSyn: 5, syntheticSteps: 2, expertEpochs: 1, maxStartEpoch: 0, expertImagesPerEpoch: 100 };
    const traj = await trainExperts(net, data, small, new Rng(1), 'k');
    const rng = new Rng(2);
    const syn = createSyntheticState(initReal(data, small.ipc, rng).pixels, 20, [28, 28, 1]);
    const before = syn.images.dataSync().slice();
    const mtt = new MttMethod(net, traj, syn, small, rng);
    const l = mtt.step();
    expect(Number.isFinite((await l.data())[0])).toBe(true);
    l.dispose();
    const after = syn.images.dataSync();
    let changed = 0;
    for (let i = 0; i < after.length; i++) if (after[i] !== before[i]) changed++;
    // Two steps of 5 images each touch at most 10 of the 20 images.
    expect(changed).toBeGreaterThan(0);
    expect(changed).toBeLessThanOrEqual(10 * 28 * 28);
    mtt.dispose();
    disposeSyntheticState(syn);
    disposeTrajectories(traj);
  });

  it('selectRows equals tf.gather, and its gradient tf.gather\'s on cpu (wasm cannot differentiate tf.gather)', async () => {
    const x = tf.randomNormal([6, 2, 2, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const idx = Int32Array.from([4, 0, 4, 2]);
    const r = tf.randomNormal([4, 2, 2, 3], 0, 1, 'float32', 5);
    const ours = selectRows(x, idx);
    expect(await ours.data()).toEqual(await tf.gather(x, idx).data());
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(selectRows(v as tf.Tensor4D, idx), r)))(x);
    const gData = await g.data();
    await useBackend('cpu');
    const [xc, rc] = [tf.tensor(await x.data(), x.shape), tf.tensor(await r.data(), r.shape)];
    const ref = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.gather(v, idx), rc)))(xc);
    expect(Array.from(gData)).toEqual(Array.from(await ref.data()));
    tf.dispose([x, r, ours, g, xc, rc, ref]);
    await useBackend('wasm');
  });

  it('cancelling expert training frees what was trained', async () => {
    const start = tf.memory().numTensors;
    const cancel = trainExperts(net, data, { ...cfg, experts: 2 }, new Rng(1), 'k', undefined, (p) => {
      if (p.expert === 1) throw new Error('cancelled');
    });
    await expect(cancel).rejects.toThrow('cancelled');
    expect(tf.memory().numTensors).toBe(start);
  });
});
