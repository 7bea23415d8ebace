import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { RealData } from '../../data/batches';
import { DistillRun } from '../../run/run';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../../shared/protocol';
import { useBackend } from '../../../testing/tf';
import { mnistSubset } from '../../../testing/data';


const small: RunConfig = { ...DEFAULT_RUN_CONFIG, ipc: 2, width: 16, realPerClass: 32, iterations: 20, seed: 3 };

describe('DM on real MNIST (wasm)', () => {
  let data: RealData;
  beforeAll(async () => {
    await useBackend('wasm');
    data = mnistSubset(100);
  });

  it('the loss falls from a noise initialisation', async () => {
    const run = new DistillRun(data, { ...small, init: 'noise' });
    const losses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const loss = run.step();
      losses.push((await loss.data())[0]!);
      loss.dispose();
    }
    run.dispose();
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(losses.every(Number.isFinite)).toBe(true);
    // Each iteration uses a fresh random network, so compare windows rather than single points.
    expect(mean(losses.slice(-5))).toBeLessThan(0.5 * mean(losses.slice(0, 5)));
  });

  it('changes the synthetic images, starting from the real images it chose', async () => {
    const run = new DistillRun(data, { ...small, init: 'real' });
    const before = await run.pixels();
    expect(before).toEqual(run.initial.pixels);
    tf.dispose(run.step());
    const after = await run.pixels();
    let changed = 0;
    for (let i = 0; i < after.length; i++) if (after[i] !== before[i]) changed++;
    expect(changed).toBeGreaterThan(after.length / 2);
    run.dispose();
  });

  it('does not leak tensors: numTensors is the same after iteration 2 and 20, and zero after dispose', () => {
    const start = tf.memory().numTensors;
    const run = new DistillRun(data, small);
    let at2 = -1;
    for (let i = 1; i <= 20; i++) {
      tf.dispose(run.step());
      if (i === 2) at2 = tf.memory().numTensors;
    }
    expect(tf.memory().numTensors).toBe(at2);
    run.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('is deterministic: the same seed gives the same synthetic bytes', async () => {
    const once = async () => {
      const run = new DistillRun(data, { ...small, iterations: 3 });
      for (let i = 0; i < 3; i++) tf.dispose(run.step());
      const px = await run.pixels();
      run.dispose();
      return px;
    };
    expect(await once()).toEqual(await once());
  });
});
