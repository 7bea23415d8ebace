/**
 * SeqMatch (sequential subset matching) on DM, DC and MTT, on real MNIST (wasm): each stage changes only its own
 * subset, the earlier ones stay frozen and the later ones keep their initial images; the loss of the active
 * stage falls; a run resumed from a checkpoint across a stage boundary gives the same bytes; nothing leaks. MTT's
 * experts are trained once for all stages.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { DistillRun, type RunCheckpoint } from '../../run/run';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../../shared/protocol';
import { completeConfig, configFromSearch, configToSearch } from '../../../shared/config';
import { runSubsets } from '../../../shared/methods';
import { pixelsSha256 } from '../../data/sha256';
import { mnistSubset } from '../../../testing/data';
import { useBackend } from '../../../testing/tf';
import type { RealData } from '../../data/batches';
import { stageAt, subsetEnds } from './sequential';
import { MTT_SETTINGS_DEFAULTS } from '../../../shared/method-info/mtt';
import type { Cached, MethodCache } from '../method';

/** MTT at test size: one expert of 2 epochs on 16 images per epoch, 2 student steps. */
const MTT_MINI = { ...MTT_SETTINGS_DEFAULTS, experts: 1, expertEpochs: 1, maxStartEpoch: 1, syntheticSteps: 2, expertImagesPerEpoch: 16, batchSyn: 0 };

const base: RunConfig = { ...DEFAULT_RUN_CONFIG, method: 'dm', ipc: 4, width: 8, depth: 2, realPerClass: 8, iterations: 4, dsa: false, seed: 3, seqSubsets: 2 };

/** Per class, whether each of its images changed between two snapshots. */
function changedImages(a: Float32Array, b: Float32Array, classes: number, ipc: number): boolean[][] {
  const per = a.length / (classes * ipc);
  return Array.from({ length: classes }, (_, c) =>
    Array.from({ length: ipc }, (_, i) => {
      const o = (c * ipc + i) * per;
      for (let j = 0; j < per; j++) if (a[o + j] !== b[o + j]) return true;
      return false;
    }),
  );
}

describe('SeqMatch', () => {
  let data: RealData;
  beforeAll(async () => {
    await useBackend('wasm');
    data = mnistSubset(20);
  });

  it('splits IPC into K blocks and the iterations into K equal stages; refuses more subsets than IPC', () => {
    expect(subsetEnds(4, 2)).toEqual([2, 4]);
    expect(subsetEnds(5, 3)).toEqual([2, 3, 5]);
    expect([0, 1, 2, 3, 4, 5].map((i) => stageAt(i, 6, 3))).toEqual([0, 0, 1, 1, 2, 2]);
    expect(() => runSubsets({ method: 'dm', ipc: 2, seqSubsets: 3 })).toThrow(/at most 2 subsets/);
    // Methods whose descriptor does not take it ignore the field (as multi-formation's factor for MTT).
    expect(runSubsets({ method: 'krr', ipc: 2, seqSubsets: 2 })).toBe(1);
  });

  it.each(['dm', 'dc', 'mtt'] as const)('%s: each stage moves only its subset; the loss of a stage falls', async (method) => {
    const config: RunConfig = { ...base, method, iterations: 6, ...(method === 'dc' ? { lrImages: 0.1, outerLoop: 1, innerLoop: 1 } : method === 'mtt' ? { lrImages: 100, mtt: MTT_MINI } : { lrImages: 1 }) } as RunConfig;
    const before = tf.memory().numTensors;
    const run = new DistillRun(data, config);
    await run.prepare();
    const start = (await run.pixels()).slice();
    const losses: number[] = [];
    const step = async () => {
      const l = run.step();
      losses.push((await l.data())[0]!);
      l.dispose();
    };
    for (let i = 0; i < 3; i++) await step();
    const mid = (await run.pixels()).slice();
    // Stage 1: subset 1 (images 0, 1 of each class) moved, subset 2 (2, 3) is still the initial images.
    for (const row of changedImages(start, mid, 10, 4)) expect(row).toEqual([true, true, false, false]);
    for (let i = 0; i < 3; i++) await step();
    const end = await run.pixels();
    // Stage 2: subset 1 frozen, subset 2 moved.
    for (const row of changedImages(mid, end, 10, 4)) expect(row).toEqual([false, false, true, true]);
    if (method === 'dm') {
      // DM's loss with the same random networks would be comparable; with a fresh one per iteration, compare
      // each stage's first loss with its last (the matching improves within the stage).
      expect(losses[2]!).toBeLessThan(losses[0]!);
    }
    run.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it.each(['dm', 'mtt'] as const)('%s: a run resumed from a checkpoint inside and across a stage gives the same bytes', async (method) => {
    const config: RunConfig = { ...base, method, iterations: 6, ...(method === 'mtt' ? { lrImages: 100, mtt: MTT_MINI } : {}) };
    const straight = new DistillRun(data, config);
    await straight.prepare();
    for (let i = 0; i < 6; i++) tf.dispose(straight.step());
    const sha = await pixelsSha256(await straight.pixels());
    straight.dispose();
    // MTT (slower): the cut inside stage 2, whose method takes the checkpoint's step size.
    for (const cut of method === 'mtt' ? [4] : [2, 4]) {
      const a = new DistillRun(data, config);
      await a.prepare();
      for (let i = 0; i < cut; i++) tf.dispose(a.step());
      const cp: RunCheckpoint = structuredClone(await a.checkpoint());
      a.dispose();
      const b = new DistillRun(data, config);
      b.restore(cp);
      await b.prepare();
      while (b.iteration < 6) tf.dispose(b.step());
      expect(await pixelsSha256(await b.pixels())).toBe(sha);
      b.dispose();
    }
  }, 120_000);

  it('mtt: the experts are trained once for every stage (with or without a cache), and each stage learns its own step size', async () => {
    const config: RunConfig = { ...base, method: 'mtt', iterations: 4, lrImages: 100, mtt: MTT_MINI };
    const before = tf.memory().numTensors;
    for (const withCache of [false, true]) {
      const entries = new Map<string, Cached>();
      const cache: MethodCache = { get: (k) => entries.get(k), set: (k, v) => void entries.set(k, v) };
      const run = new DistillRun(data, config);
      const messages: string[] = [];
      await run.prepare(withCache ? cache : undefined, (m) => void messages.push(m));
      // One expert of 2 epochs (maxStartEpoch + expertEpochs): its progress once, not once per stage.
      expect(messages.filter((m) => m.startsWith('training expert 1 of 1: epoch 1'))).toHaveLength(1);
      if (withCache) expect(entries.size).toBe(1);
      const sizes: number[] = [];
      for (let i = 0; i < 4; i++) {
        tf.dispose(run.step());
        sizes.push((await run.readouts())!.stepSize!);
      }
      // Stage 2 starts from the initial step size again (its own variable), then learns.
      expect(sizes[2]).not.toBe(sizes[1]);
      expect(sizes.every(Number.isFinite)).toBe(true);
      run.dispose();
      for (const v of entries.values()) v.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('is carried in links and records only when on, and only for methods that take it', () => {
    const on = completeConfig(base);
    expect(on.seqSubsets).toBe(2);
    expect(completeConfig({ ...base, seqSubsets: 1 })).not.toHaveProperty('seqSubsets');
    expect(completeConfig({ ...base, method: 'krr' })).not.toHaveProperty('seqSubsets');
    expect(completeConfig({ ...base, method: 'mtt' }).seqSubsets).toBe(2);
    const link = configFromSearch(configToSearch(on, { version: 't' }));
    expect(link.errors).toEqual([]);
    expect(link.config.seqSubsets).toBe(2);
  });
});
