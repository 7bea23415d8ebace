import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../rng';
import { finiteDifference, relativeError, useBackend } from '../../../testing/tf';
import { LAB_DEFAULTS, labConfigSchema, type LabConfig, type LabEvent } from '../../../shared/lab';
import { gaussian, labelsOf, makeTask, sample, subspaceFraction } from './task';
import { disposeNet, initNet, loss, lossGrads, PARAM_KEYS } from './net';
import { balancedRows, matchingLoss, MultiIndexDistillation, type RealPool } from './distill';
import { runMultiIndexLab } from './lab';

/** A tiny lab run (determinism and memory): seconds, not a learning claim. */
const TINY: LabConfig = { ...LAB_DEFAULTS, d: 8, r: 2, width: 8, points: [2, 4], iterations: 5, train: 128, batch: 32, test: 100, evalSteps: 5, evalNets: 1 };

describe('multi-index task', () => {
  it('has an orthonormal hidden basis, balanced labels, and random points at r/d in the subspace', () => {
    const task = makeTask(new Rng(1), 24, 3, 'norm');
    for (let k = 0; k < 3; k++) {
      for (let l = 0; l < 3; l++) {
        let dot = 0;
        for (let i = 0; i < 24; i++) dot += task.u[i * 3 + k]! * task.u[i * 3 + l]!;
        expect(dot).toBeCloseTo(k === l ? 1 : 0, 10);
      }
    }
    const { x, y } = sample(task, new Rng(2), 4000);
    const positive = y.reduce((s, v) => s + (v > 0 ? 1 : 0), 0) / y.length;
    expect(Math.abs(positive - 0.5)).toBeLessThan(0.04);
    expect(subspaceFraction(task, x)).toBeGreaterThan(0.1);
    expect(subspaceFraction(task, x)).toBeLessThan(0.15);
    // A point inside span U: its whole energy is there, and its label is that of its coordinates.
    const inside = new Float32Array(24);
    for (let i = 0; i < 24; i++) inside[i] = 3 * task.u[i * 3]!;
    expect(subspaceFraction(task, inside)).toBeCloseTo(1, 5);
    expect(labelsOf(task, inside)[0]).toBe(1);
  });

  it('labels follow each link on the hidden coordinates', () => {
    for (const link of ['parity', 'norm', 'relu'] as const) {
      const task = makeTask(new Rng(3), 6, 2, link);
      const { y } = sample(task, new Rng(4), 2000);
      const positive = y.reduce((s, v) => s + (v > 0 ? 1 : 0), 0) / y.length;
      expect(Math.abs(positive - 0.5), link).toBeLessThan(0.05);
    }
    // Parity: flipping the sign of one hidden coordinate flips the label.
    const task = makeTask(new Rng(5), 6, 2, 'parity');
    const p = new Float32Array(6);
    for (let i = 0; i < 6; i++) p[i] = task.u[i * 2]! + task.u[i * 2 + 1]!;
    const q = p.map((_, i) => task.u[i * 2]! - task.u[i * 2 + 1]!);
    expect(labelsOf(task, p)[0]).toBe(1);
    expect(labelsOf(task, q)[0]).toBe(-1);
  });
});

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`multi-index gradients on ${backend}`, () => {
    beforeAll(() => useBackend(backend));

    it('the hand-written parameter gradients equal autodiff of the logistic loss', () => {
      const rng = new Rng(7);
      const net = initNet(5, 6, rng);
      const x = tf.tensor2d(gaussian(rng, 4 * 5), [4, 5]);
      const y = tf.tensor1d([1, -1, -1, 1]);
      const ours = lossGrads(net, x, y);
      const auto = tf.grads((w: tf.Tensor, b: tf.Tensor, a: tf.Tensor) => loss({ w: w as tf.Tensor2D, b: b as tf.Tensor1D, a: a as tf.Tensor1D }, x, y))([net.w, net.b, net.a]);
      PARAM_KEYS.forEach((k, i) => {
        const diff = tf.max(tf.abs(tf.sub(ours[k], auto[i]!))).dataSync()[0]!;
        const scale = tf.max(tf.abs(auto[i]!)).dataSync()[0]!;
        expect(diff / scale, k).toBeLessThan(1e-5);
      });
      tf.dispose([x, y, ...auto]);
      disposeNet(ours);
      disposeNet(net);
    });

    it('the matching loss gradient with respect to the synthetic points matches central finite differences', () => {
      const rng = new Rng(8);
      const d = 6;
      const net = initNet(d, 5, rng);
      const real = tf.tensor2d(gaussian(rng, 32 * d), [32, d]);
      const realY = tf.tensor1d(Array.from({ length: 32 }, (_, i) => (i % 3 === 0 ? 1 : -1)));
      const target = lossGrads(net, real, realY);
      const s = tf.tensor2d(gaussian(rng, 4 * d), [4, d]);
      const ys = tf.tensor1d([1, 1, -1, -1]);
      const f = (p: tf.Tensor) => matchingLoss(net, p as tf.Tensor2D, ys, target);
      const g = tf.grad(f)(s);
      const analytic = g.dataSync() as Float32Array;
      const pairs = finiteDifference(f, s, analytic, Array.from({ length: 4 * d }, (_, i) => i), 1e-2);
      expect(relativeError(pairs)).toBeLessThan(2e-2);
      expect(Math.max(...pairs.map((p) => Math.abs(p.analytic)))).toBeGreaterThan(1e-3);
      tf.dispose([real, realY, s, ys, g]);
      disposeNet(target);
      disposeNet(net);
    });

    it('a distillation step keeps the tensor count constant', async () => {
      const rng = new Rng(9);
      const task = makeTask(rng, 8, 2, 'relu');
      const data = sample(task, rng, 64);
      const labels = Array.from(data.y);
      const pool: RealPool = {
        x: tf.tensor2d(data.x, [64, 8]),
        y: tf.tensor1d(data.y),
        positive: Int32Array.from(labels.flatMap((v, i) => (v > 0 ? [i] : []))),
        negative: Int32Array.from(labels.flatMap((v, i) => (v > 0 ? [] : [i]))),
      };
      const rows = balancedRows(pool, 4, rng);
      const init = new Float32Array(4 * 8);
      rows.forEach((r, i) => init.set(data.x.subarray(r * 8, r * 8 + 8), i * 8));
      const run = new MultiIndexDistillation(init, 4, 8, 6, 0.05);
      await run.step(pool, 16, rng);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) await run.step(pool, 16, rng);
      expect(tf.memory().numTensors).toBe(before);
      run.dispose();
      tf.dispose([pool.x, pool.y]);
    });
  });
}

describe('the multi-index lab run', () => {
  beforeAll(() => useBackend('wasm'));

  it('leaves no tensor behind and gives the same numbers for the same seed', async () => {
    expect(labConfigSchema.safeParse(TINY).success).toBe(true);
    const before = tf.memory().numTensors;
    const a = await runMultiIndexLab(TINY);
    expect(tf.memory().numTensors).toBe(before);
    const b = await runMultiIndexLab(TINY);
    expect(b.lastSetSha256).toBe(a.lastSetSha256);
    expect(b.curve.map((p) => [p.fraction, p.accuracy.distilled.runs, p.loss])).toEqual(a.curve.map((p) => [p.fraction, p.accuracy.distilled.runs, p.loss]));
    const c = await runMultiIndexLab({ ...TINY, seed: 1 });
    expect(c.lastSetSha256).not.toBe(a.lastSetSha256);
  });

  it('stops when asked and says so', async () => {
    const events: LabEvent[] = [];
    let steps = 0;
    const result = await runMultiIndexLab(TINY, { onEvent: (e) => events.push(e), shouldStop: () => ++steps > 3, progressMs: 0 });
    expect(result.curve).toHaveLength(0);
    expect(events.at(-1)).toMatchObject({ type: 'lab-done', reason: 'stopped' });
  });

  it('learns: the distilled points move into the hidden subspace and teach a network better than as many random points', async () => {
    // d = 16, r = 2: random points hold r/d = 12.5 % of their energy in the hidden plane.
    const config: LabConfig = { ...LAB_DEFAULTS, d: 16, r: 2, link: 'relu', width: 32, points: [8], iterations: 150, train: 1024, batch: 256, test: 500, evalSteps: 200, evalNets: 2 };
    const result = await runMultiIndexLab(config);
    const [point] = result.curve;
    expect(result.chance).toBe(0.125);
    expect(point!.fraction.random).toBeLessThan(0.2);
    expect(point!.fraction.distilled).toBeGreaterThan(3 * result.chance);
    expect(point!.loss.last).toBeLessThan(point!.loss.first / 2);
    expect(point!.accuracy.distilled.mean).toBeGreaterThan(point!.accuracy.random.mean + 0.08);
    expect(result.full.mean).toBeGreaterThan(0.9);
  });
});
