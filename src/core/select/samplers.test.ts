import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { createSampler } from './samplers';
import { createSyntheticState, disposeSyntheticState } from '../methods/dm/dm';
import { initReal } from '../init';
import type { RealData } from '../data/batches';
import { DistillRun } from '../run/run';
import { DEFAULT_RUN_CONFIG } from '../../shared/protocol';
import { SAMPLER_SETTINGS_DEFAULTS } from '../../shared/methods';
import { Rng } from '../rng';
import { useBackend } from '../../testing/tf';
import { mnistSubset } from '../../testing/data';

const net = { input: [28, 28, 1] as const, classes: 10, width: 8, depth: 3 };

describe('real-batch samplers on real MNIST (wasm)', () => {
  let data: RealData;
  beforeAll(async () => {
    await useBackend('wasm');
    data = mnistSubset(30);
  });

  async function refreshed(id: 'importance' | 'dream', settings = {}) {
    const syn = createSyntheticState(initReal(data, 2, new Rng(1)).pixels, 20, [28, 28, 1]);
    const s = createSampler(id, data, { ...SAMPLER_SETTINGS_DEFAULTS, pool: 20, probeSteps: 5, ...settings }, new Rng(3), 8);
    const before = tf.memory().numTensors;
    expect(s.due(0)).toBe(true);
    expect(s.due(5)).toBe(false);
    await s.refresh({ synthetic: syn.images, ipc: 2, net });
    expect(tf.memory().numTensors).toBe(before);
    disposeSyntheticState(syn);
    return s;
  }

  it('importance: π = α·ℓ/Σℓ + (1 − α)/n over each class’s candidates, and draws follow π', async () => {
    const alpha = 0.8;
    // A probe trained long enough to tell easy images from hard ones (at 5 steps every loss is ≈ ln 10).
    const s = await refreshed('importance', { alpha, probeSteps: 60 });
    const { candidates, weights: pi } = s.view![3]!;
    expect(candidates).toHaveLength(20);
    candidates.forEach((i) => expect(data.set.labels[i]).toBe(3));
    expect(pi.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    // Every candidate keeps at least the uniform share; the loss term spreads α unevenly.
    expect(Math.min(...pi)).toBeGreaterThanOrEqual((1 - alpha) / 20 - 1e-12);
    expect(Math.max(...pi)).toBeGreaterThan(1.5 / 20);
    // Single draws, many times: frequencies match π.
    const freq = new Map<number, number>();
    const trials = 8000;
    for (let t = 0; t < trials; t++) {
      const i = s.pick(3, 1)[0]!;
      freq.set(i, (freq.get(i) ?? 0) + 1);
    }
    candidates.forEach((i, k) => expect(Math.abs((freq.get(i) ?? 0) / trials - pi[k]!)).toBeLessThan(0.015));
    // The histogram counts every draw.
    expect(s.draws.reduce((a, b) => a + b, 0)).toBe(trials);
    // A batch is distinct images of the class.
    const batch = s.pick(3, 8);
    expect(new Set(batch).size).toBe(8);
  });

  it('dream: the batch is one representative per cluster, reused until the next refresh', async () => {
    const s = await refreshed('dream');
    const a = s.pick(5, 8);
    expect(new Set(a).size).toBe(8);
    a.forEach((i) => expect(data.set.labels[i]).toBe(5));
    expect(Array.from(s.pick(5, 8))).toEqual(Array.from(a));
    // The view lists the representatives with their clusters' sizes, which cover the candidates.
    expect(Array.from(s.view![5]!.candidates)).toEqual(Array.from(a));
    expect(s.view![5]!.weights.reduce((x, y) => x + y, 0)).toBe(20);
  });

  it.each(['dm', 'dc', 'krr'] as const)('%s runs with the importance and DREAM samplers, numTensors flat', async (method) => {
    for (const sampler of ['importance', 'dream'] as const) {
      const config = {
        ...DEFAULT_RUN_CONFIG,
        method,
        sampler,
        samplerSettings: { ...SAMPLER_SETTINGS_DEFAULTS, interval: 2, pool: 16, probeSteps: 3 },
        ipc: 1,
        width: 8,
        realPerClass: 4,
        iterations: 3,
      };
      const run = new DistillRun(data, config);
      await run.prepare();
      let tensors = -1;
      for (let i = 0; i < 3; i++) {
        await run.refresh();
        const loss = run.step();
        expect(Number.isFinite((await loss.data())[0])).toBe(true);
        loss.dispose();
        if (i === 1) tensors = tf.memory().numTensors;
      }
      expect(tf.memory().numTensors).toBe(tensors);
      // Every real image drawn came through the sampler: 10 classes x 4 per draw.
      const drawn = run.sampler!.draws.reduce((a, b) => a + b, 0);
      expect(drawn % 40).toBe(0);
      expect(drawn).toBeGreaterThan(0);
      run.dispose();
    }
  });
});
