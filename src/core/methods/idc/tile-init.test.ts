import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { gatherPixels, type RealData } from '../../data/batches';
import { DistillRun } from '../../run/run';
import { initImportance, initKmeans, SELECT_INIT_DEFAULTS } from '../../init/select';
import { Rng } from '../../rng';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../../shared/protocol';
import { useBackend } from '../../../testing/tf';
import { mnistSubset } from '../../../testing/data';
import { decodePixels, tilePixels } from './multiformation';

const base: RunConfig = { ...DEFAULT_RUN_CONFIG, method: 'dm', ipc: 1, width: 8, realPerClass: 8, seed: 3, dsa: false, factor: 2 };

describe('tile init: k-means or importance choose the real images of a multi-formation set (real MNIST, wasm)', () => {
  let data: RealData;
  beforeAll(async () => {
    await useBackend('wasm');
    data = mnistSubset(60);
  });

  for (const init of ['kmeans', 'importance'] as const) {
    it(`${init}: IPC·f² images per class, the initialiser's own choice, each downscaled into its tile`, async () => {
      const cfg: RunConfig = { ...base, init, initPool: 0 };
      const run = new DistillRun(data, cfg);
      await run.prepare();
      const chosen = run.initial.chosen;
      expect(chosen.map((c) => c.length)).toEqual(Array(10).fill(4));
      chosen.forEach((idx, c) => {
        expect(new Set(idx).size).toBe(4);
        for (const i of idx) expect(data.set.labels[i]).toBe(c);
      });
      // The same choice as the initialiser asked for IPC·f² = 4 images, from the run's init stream (a fork of its seed).
      const opts = { ...SELECT_INIT_DEFAULTS, pool: 0, kernel: false };
      const own = await (init === 'kmeans' ? initKmeans : initImportance)(data, 4, new Rng(cfg.seed).fork(), run.net, opts);
      expect(chosen.map((c) => Array.from(c))).toEqual(own.chosen.map((c) => Array.from(c)));
      if (init === 'importance') expect(run.initial.importance!.map((ci) => ci.drawn.length)).toEqual(Array(10).fill(4));
      // The stored images are the tiles of those images, and the run starts from them.
      const pixels = await run.pixels();
      expect(pixels).toEqual(tilePixels(data, 1, 2, chosen));
      expect(run.initial.pixels).toEqual(pixels);
      // Decoded, each tile is (an upsampled version of) its chosen real image: it correlates with it.
      const decoded = decodePixels(pixels, [28, 28, 1], 2);
      const real = gatherPixels(data, chosen.flatMap((c) => Array.from(c)));
      for (const k of [0, 7, 21, 38]) {
        const u = decoded.subarray(k * 784, (k + 1) * 784);
        const v = real.subarray(k * 784, (k + 1) * 784);
        expect(correlation(u, v)).toBeGreaterThan(0.8);
      }
      // And it distils from there: one step moves the pixels, leaks nothing.
      const before = tf.memory().numTensors;
      tf.dispose(run.step());
      expect(tf.memory().numTensors).toBe(before);
      expect((await run.pixels()).some((v, j) => v !== pixels[j])).toBe(true);
      run.dispose();
    });
  }
});

function correlation(u: ArrayLike<number>, v: ArrayLike<number>): number {
  const n = u.length;
  let mu = 0;
  let mv = 0;
  for (let p = 0; p < n; p++) {
    mu += u[p]! / n;
    mv += v[p]! / n;
  }
  let uv = 0;
  let uu = 0;
  let vv = 0;
  for (let p = 0; p < n; p++) {
    uv += (u[p]! - mu) * (v[p]! - mv);
    uu += (u[p]! - mu) ** 2;
    vv += (v[p]! - mv) ** 2;
  }
  return uv / Math.sqrt(uu * vv);
}
