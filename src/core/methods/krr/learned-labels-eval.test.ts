import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { RealData } from '../../data/batches';
import { DistillRun, stepTo } from '../../run/run';
import { EVAL_DEFAULTS, evaluateSet } from '../../eval/evaluate';
import { labelDistributions } from '../../eval/soft-labels';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../../shared/protocol';
import { METHODS } from '../../../shared/methods';
import { useBackend } from '../../../testing/tf';
import { loadReal } from '../../../testing/data';

describe("KRR's learned labels, evaluated as soft labels (real MNIST, wasm)", () => {
  let train: RealData;
  let test: RealData;
  beforeAll(async () => {
    await useBackend('wasm');
    ({ train, test } = loadReal('mnist'));
  });

  it('the learned targets, as distributions, are no longer one-hot and train a network far above chance', async () => {
    const cfg: RunConfig = { ...DEFAULT_RUN_CONFIG, method: 'krr', ...METHODS.krr.defaults, learnLabels: true, ipc: 2, width: 16, realPerClass: 10, init: 'real', dsa: false, seed: 4 };
    const run = new DistillRun(train, cfg);
    await run.prepare();
    await stepTo(run, 20);
    const learned = (await run.learnedLabels())!;
    const soft = labelDistributions(learned.values, 10);
    // Every row is a distribution; some carry mass off their class (the learned part).
    for (let r = 0; r < 20; r++) expect(soft.subarray(r * 10, r * 10 + 10).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const offClass = Array.from({ length: 20 }, (_, r) => 1 - soft[r * 10 + Math.floor(r / 2)]!);
    expect(Math.max(...offClass)).toBeGreaterThan(0.01);
    const labels = Int32Array.from({ length: 20 }, (_, i) => Math.floor(i / 2));
    const set = { pixels: await run.pixels(), labels, shape: [28, 28, 1] as const, soft };
    const ev = { ...EVAL_DEFAULTS, epochs: 30, models: 1, width: 16, testLimit: 500, seed: 1, labels: 'soft' as const };
    const before = tf.memory().numTensors;
    const r = await evaluateSet(set, test, ev);
    expect(tf.memory().numTensors).toBe(before);
    // Seen here at KRR's defaults (lrLabels 0.1): 0.66 soft, largest off-class mass 0.22 (chance is 0.1).
    expect(r.mean).toBeGreaterThan(0.4);
    // It is the soft targets that were trained on: the hard-label evaluation of the same set gives other runs.
    const hard = await evaluateSet(set, test, { ...ev, labels: 'hard' });
    expect(hard.runs).not.toEqual(r.runs);
    run.dispose();
  });

  it("learns the labels at lrLabels, and at lrImages when the config has none (a link or record from before it)", async () => {
    const base: RunConfig = { ...DEFAULT_RUN_CONFIG, method: 'krr', ...METHODS.krr.defaults, learnLabels: true, ipc: 1, width: 8, realPerClass: 10, init: 'real', dsa: false, seed: 5 };
    const labelsAfter = async (cfg: RunConfig) => {
      const run = new DistillRun(train, cfg);
      await run.prepare();
      const start = await run.pixels();
      await stepTo(run, 5);
      const out = { labels: (await run.learnedLabels())!.values, moved: (await run.pixels()).some((v, i) => v !== start[i]) };
      run.dispose();
      return out;
    };
    const { lrLabels: _, ...before } = base;
    const frozen = await labelsAfter({ ...base, lrLabels: 0 });
    const absent = await labelsAfter(before);
    const same = await labelsAfter({ ...base, lrLabels: base.lrImages });
    const own = await labelsAfter(base);
    // lrLabels 0: the pixels move, the labels stay the centred one-hot they started as.
    expect(frozen.moved).toBe(true);
    expect(Array.from(frozen.labels)).toEqual(Array.from({ length: 100 }, (_, i) => Math.fround(i % 10 === Math.floor(i / 10) ? 0.9 : -0.1)));
    // No lrLabels: the labels learn at the pixels' rate, byte for byte.
    expect(Array.from(absent.labels)).toEqual(Array.from(same.labels));
    // KRR's default (0.1, below the pixels' 10) moves them, and less than the pixels' rate does.
    const drift = (l: Float32Array) => l.reduce((a, v, i) => a + Math.abs(v - frozen.labels[i]!), 0);
    expect(drift(own.labels)).toBeGreaterThan(0);
    expect(drift(own.labels)).toBeLessThan(drift(same.labels));
  });
});
