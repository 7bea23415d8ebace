import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { RealData } from '../../data/batches';
import { DistillRun } from '../../run/run';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../../shared/protocol';
import { METHODS } from '../../../shared/methods';
import { useBackend } from '../../../testing/tf';
import { mnistSubset } from '../../../testing/data';

const small: RunConfig = { ...DEFAULT_RUN_CONFIG, ipc: 1, width: 8, realPerClass: 16, iterations: 3, seed: 5, dsa: true, factor: 2 };

describe('multi-formation in DM, DC and KRR runs (wasm)', () => {
  let data: RealData;
  beforeAll(async () => {
    await useBackend('wasm');
    data = mnistSubset(40);
  });

  for (const method of ['dm', 'dc', 'krr'] as const) {
    it(`${method}: stores IPC images, starts from tiles, decodes to IPC·f² per class, steps with finite losses and leaks nothing`, async () => {
      const cfg: RunConfig = { ...small, method, ...METHODS[method].defaults, ...(method === 'krr' ? { learnLabels: true } : {}) };
      const run = new DistillRun(data, cfg);
      await run.prepare();
      // IDC init: 4 distinct real images of each class in the tiles.
      expect(run.initial.chosen.map((c) => c.length)).toEqual(Array(10).fill(4));
      const before = await run.pixels();
      expect(before.length).toBe(10 * 784);
      const start = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) {
        await run.refresh();
        const loss = run.step();
        expect(Number.isFinite((await loss.data())[0]!)).toBe(true);
        loss.dispose();
      }
      expect(tf.memory().numTensors).toBe(start);
      const after = await run.pixels();
      expect(after.some((v, i) => v !== before[i])).toBe(true);
      expect(run.decoded(after).length).toBe(10 * 4 * 784);
      run.dispose();
    });
  }

  it('factor 1 is the run without multi-formation: the same bytes', async () => {
    const base: RunConfig = { ...small, factor: undefined, ipc: 2 };
    const a = new DistillRun(data, base);
    const b = new DistillRun(data, { ...base, factor: 1 });
    for (const r of [a, b]) for (let i = 0; i < 2; i++) tf.dispose(r.step());
    expect(await b.pixels()).toEqual(await a.pixels());
    a.dispose();
    b.dispose();
  });
});
