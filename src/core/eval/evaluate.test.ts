import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { loadReal } from '../../testing/data';
import { gatherPixels, prepareRealData, type RealData } from '../data/batches';
import { initReal } from '../init';
import { classFeatures, selectCoreset } from '../select/coresets';
import { Rng } from '../rng';
import { EVAL_DEFAULTS, evaluateSet, lrAt, testIndices, type LabelledSet } from './evaluate';
import { useBackend } from '../../testing/tf';
import { oneHotRows } from './soft-labels';
import { disposeConvNet, initConvNet, paramList } from '../nn/convnet';

const labelsFor = (numClasses: number, ipc: number) => Int32Array.from({ length: numClasses * ipc }, (_, i) => Math.floor(i / ipc));
const quick = { ...EVAL_DEFAULTS, epochs: 30, models: 2, width: 16, testLimit: 500, seed: 1 };

describe('evaluation protocol on real MNIST (wasm)', () => {
  let train: RealData;
  let test: RealData;
  beforeAll(async () => {
    await useBackend('wasm');
    ({ train, test } = loadReal('mnist'));
  });

  it('drops the learning rate x0.1 at half the epochs, and balances a limited test set by class', () => {
    expect(lrAt({ lr: 0.01, epochs: 300 }, 149)).toBe(0.01);
    expect(lrAt({ lr: 0.01, epochs: 300 }, 150)).toBeCloseTo(0.001);
    const idx = testIndices(test, 100);
    const counts = new Array(10).fill(0);
    idx.forEach((i) => counts[test.set.labels[i]!]++);
    expect(counts).toEqual(new Array(10).fill(10));
  });

  it("IDC's learning-rate schedule (x0.2 at 2/3 and 5/6 of the epochs) is used when asked, and the networks still learn", async () => {
    const idc = { lr: 0.01, epochs: 1000, lrSchedule: 'idc' as const };
    expect([0, 665, 666, 832, 833, 999].map((e) => lrAt(idc, e))).toEqual([0.01, 0.01, 0.01 * 0.2, 0.01 * 0.2, 0.01 * 0.2 ** 2, 0.01 * 0.2 ** 2]);
    expect(lrAt({ ...idc, epochs: 300 }, 199)).toBe(0.01);
    expect(lrAt({ ...idc, epochs: 300 }, 200)).toBeCloseTo(0.002);
    expect(lrAt({ ...idc, epochs: 300 }, 250)).toBeCloseTo(0.0004);
    expect(lrAt({ lr: 0.01, epochs: 300, lrSchedule: 'half' }, 150)).toBeCloseTo(0.001);
    const real = initReal(train, 10, new Rng(4));
    const set: LabelledSet = { pixels: real.pixels, labels: labelsFor(10, 10), shape: [28, 28, 1] };
    const cfg = { ...quick, models: 1, epochs: 12, testLimit: 300 };
    const half = await evaluateSet(set, test, cfg);
    const withIdc = await evaluateSet(set, test, { ...cfg, lrSchedule: 'idc' });
    // The same seeds and batches; only the rate after epoch 6 differs (half: lr/10 from 6; idc: lr until 8).
    expect(withIdc.runs).not.toEqual(half.runs);
    expect(withIdc.mean).toBeGreaterThan(0.3);
  });

  it('evaluation with DSA: deterministic, differs from without, still learns, no tensors leak', async () => {
    const real = initReal(train, 10, new Rng(4));
    const set: LabelledSet = { pixels: real.pixels, labels: labelsFor(10, 10), shape: [28, 28, 1] };
    const cfg = { ...quick, models: 1, epochs: 12, testLimit: 300, dsa: true, dsaFlip: false };
    const before = tf.memory().numTensors;
    const a = await evaluateSet(set, test, cfg);
    const b = await evaluateSet(set, test, cfg);
    const off = await evaluateSet(set, test, { ...cfg, dsa: false });
    expect(tf.memory().numTensors).toBe(before);
    expect(a.runs).toEqual(b.runs);
    expect(a.runs).not.toEqual(off.runs);
    expect(a.mean).toBeGreaterThan(0.3);
  });

  it('evaluation with CutMix: deterministic, differs from without, learns alone and with DSA (IDC\'s protocol), no tensors leak', async () => {
    const real = initReal(train, 10, new Rng(4));
    const set: LabelledSet = { pixels: real.pixels, labels: labelsFor(10, 10), shape: [28, 28, 1] };
    const cfg = { ...quick, models: 1, epochs: 12, testLimit: 300, cutmix: true };
    const before = tf.memory().numTensors;
    const a = await evaluateSet(set, test, cfg);
    const b = await evaluateSet(set, test, cfg);
    const plain = await evaluateSet(set, test, { ...cfg, cutmix: false });
    const withDsa = await evaluateSet(set, test, { ...cfg, dsa: true, dsaFlip: false });
    expect(tf.memory().numTensors).toBe(before);
    expect(a.runs).toEqual(b.runs);
    expect(a.runs).not.toEqual(plain.runs);
    expect(a.mean).toBeGreaterThan(0.3);
    expect(withDsa.mean).toBeGreaterThan(0.3);
  }, 240_000);

  it('soft labels: one-hot soft labels give exactly the hard-label runs (same seed); other targets differ; no leaks', async () => {
    const real = initReal(train, 2, new Rng(5));
    const labels = labelsFor(10, 2);
    const set: LabelledSet = { pixels: real.pixels, labels, shape: [28, 28, 1] };
    const cfg = { ...quick, models: 1, epochs: 10, testLimit: 300 };
    const before = tf.memory().numTensors;
    const hard = await evaluateSet(set, test, cfg);
    const oneHot = await evaluateSet({ ...set, soft: oneHotRows(labels, 10) }, test, { ...cfg, labels: 'soft' });
    expect(oneHot.runs).toEqual(hard.runs);
    // Uniform targets teach nothing about the classes: chance, unlike the class labels.
    const uniform = await evaluateSet({ ...set, soft: new Float32Array(20 * 10).fill(0.1) }, test, { ...cfg, labels: 'soft' });
    expect(tf.memory().numTensors).toBe(before);
    expect(uniform.runs).not.toEqual(hard.runs);
    expect(uniform.mean).toBeLessThan(0.2);
    expect(hard.mean).toBeGreaterThan(0.3);
    // 'hard' ignores a set's soft labels.
    expect((await evaluateSet({ ...set, soft: new Float32Array(200).fill(0.1) }, test, cfg)).runs).toEqual(hard.runs);
  });

  it('teacher relabelling: each training batch, as augmented, gets the teacher\'s targets, which replace the labels; no leaks', async () => {
    const real = initReal(train, 2, new Rng(6));
    const set: LabelledSet = { pixels: real.pixels, labels: labelsFor(10, 2), shape: [28, 28, 1] };
    const cfg = { ...quick, models: 1, epochs: 6, testLimit: 300, dsa: true, dsaFlip: false };
    const rawSum = real.pixels.reduce((a, b) => a + b, 0);
    const seen: { n: number; sum: number }[] = [];
    // A teacher that calls every image a 3: the networks learn that, whatever the set's labels say.
    const relabel = (x: tf.Tensor4D) => {
      // Its intermediate tensors are the protocol's to dispose (it runs the teacher inside a tidy).
      seen.push({ n: x.shape[0], sum: x.sum().dataSync()[0]! });
      return tf.oneHot(tf.fill([x.shape[0]], 3, 'int32') as tf.Tensor1D, 10).toFloat() as tf.Tensor2D;
    };
    const before = tf.memory().numTensors;
    const taught = await evaluateSet(set, test, { ...cfg, relabel });
    const hard = await evaluateSet(set, test, cfg);
    expect(tf.memory().numTensors).toBe(before);
    // One call per training batch (20 images, batch 256: one a epoch), on the augmented images, not the stored ones.
    expect(seen.map((b) => b.n)).toEqual(new Array(cfg.epochs).fill(20));
    for (const b of seen) expect(Math.abs(b.sum - rawSum)).toBeGreaterThan(1e-3 * Math.abs(rawSum));
    // The balanced test set holds 30 threes of 300.
    expect(taught.mean).toBeCloseTo(0.1, 5);
    expect(hard.mean).toBeGreaterThan(0.2);
  });

  it('10 random real images per class train networks far above chance; noise does not; no tensors leak', async () => {
    const real = initReal(train, 10, new Rng(3));
    const set: LabelledSet = { pixels: real.pixels, labels: labelsFor(10, 10), shape: [28, 28, 1] };
    const before = tf.memory().numTensors;
    const r = await evaluateSet(set, test, quick);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.runs).toHaveLength(2);
    expect(r.mean).toBeGreaterThan(0.5);
    expect(r.std).toBeGreaterThanOrEqual(0);

    const noise = Float32Array.from({ length: real.pixels.length }, (_, i) => Math.sin(i * 12.9898) * 2);
    const n = await evaluateSet({ ...set, pixels: noise }, test, { ...quick, models: 1 });
    expect(n.mean).toBeLessThan(0.3);
  });

  it('an MLP (the cross-architecture check) learns from 10 real images per class too, with its own parameters, no leaks', async () => {
    const real = initReal(train, 10, new Rng(3));
    const set: LabelledSet = { pixels: real.pixels, labels: labelsFor(10, 10), shape: [28, 28, 1] };
    const before = tf.memory().numTensors;
    // An MLP step is cheap: give it the epochs it needs (one batch per epoch for 100 images).
    const mlp = await evaluateSet(set, test, { ...quick, epochs: 150, architecture: 'mlp', width: 64 });
    expect(tf.memory().numTensors).toBe(before);
    expect(mlp.mean).toBeGreaterThan(0.5);
    // Not the ConvNet under another name: dense layers on the flattened pixels.
    const shape = { input: [28, 28, 1] as const, classes: 10, width: 64, depth: 2, architecture: 'mlp' as const };
    const params = initConvNet(shape, 1);
    expect(paramList(params).map((p) => p.shape)).toEqual([[784, 64], [64], [64, 64], [64], [64, 10], [10]]);
    disposeConvNet(params);
  });

  it('coreset baselines pick IPC images per class from that class', async () => {
    const small = prepareRealData(train.set, { classes: Array.from({ length: 10 }, String), mean: train.mean, std: train.std });
    // Restrict to the first 60 images of each class to keep the test quick.
    small.byClass = small.byClass.map((idx) => idx.slice(0, 60));
    const features = await classFeatures(small, { input: [28, 28, 1], classes: 10, width: 8, depth: 3 }, 5);
    for (const method of ['herding', 'kCenter'] as const) {
      const picks = selectCoreset(method, small, features, 3);
      picks.forEach((p, c) => {
        expect(p.length).toBe(3);
        expect(new Set(p).size).toBe(3);
        p.forEach((i) => expect(train.set.labels[i]).toBe(c));
      });
      expect(gatherPixels(small, picks.flatMap((p) => Array.from(p))).length).toBe(30 * 784);
    }
  });
});
