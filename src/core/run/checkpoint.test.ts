import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { DistillRun, stepTo, type RunCheckpoint } from './run';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../shared/protocol';
import { SAMPLER_SETTINGS_DEFAULTS, MTT_SETTINGS_DEFAULTS, SRE2L_SETTINGS_DEFAULTS, MGDD_SETTINGS_DEFAULTS } from '../../shared/methods';
import { pixelsSha256 } from '../data/sha256';
import { useBackend } from '../../testing/tf';
import { mnistSubset } from '../../testing/data';
import type { RealData } from '../data/batches';
import type { Cached } from '../methods/method';

const base: RunConfig = { ...DEFAULT_RUN_CONFIG, ipc: 1, width: 8, realPerClass: 4, seed: 11 };
const sampler = { ...SAMPLER_SETTINGS_DEFAULTS, interval: 2, pool: 12, probeSteps: 2 };

async function sha(run: DistillRun): Promise<string> {
  const p = await run.pixels();
  return pixelsSha256(p);
}

/** Runs `total` iterations straight, and again with a stop at `cut` (checkpoint, dispose, fresh run, restore). */
async function straightAndResumed(data: RealData, config: RunConfig, cut: number, total: number) {
  const a = new DistillRun(data, config);
  await a.prepare();
  await stepTo(a, total);
  const straight = await sha(a);
  const drawsA = Array.from(a.sampler.draws);
  a.dispose();

  const b = new DistillRun(data, config);
  await b.prepare();
  await stepTo(b, cut);
  // Through structured cloning, as IndexedDB and postMessage store it.
  const cp: RunCheckpoint = structuredClone(await b.checkpoint());
  b.dispose();
  const start = tf.memory().numTensors;
  const c = new DistillRun(data, config);
  c.restore(cp);
  await c.prepare();
  expect(c.iteration).toBe(cut);
  await stepTo(c, total);
  const resumed = await sha(c);
  const drawsC = Array.from(c.sampler.draws);
  c.dispose();
  expect(tf.memory().numTensors).toBe(start);
  return { straight, resumed, drawsA, drawsC };
}

describe('checkpoint and resume give the same bytes as an uninterrupted run', () => {
  let data: RealData;
  beforeAll(async () => {
    await useBackend('wasm');
    data = mnistSubset(20);
  });

  const cases: [string, Partial<RunConfig>][] = [
    ['dm, uniform', { method: 'dm' }],
    ['dm, importance sampler, importance init', { method: 'dm', sampler: 'importance', samplerSettings: sampler, init: 'importance', initPool: 12 }],
    ['dc, dream sampler', { method: 'dc', sampler: 'dream', samplerSettings: sampler, outerLoop: 1, innerLoop: 1 } as Partial<RunConfig>],
    ['krr, noise init', { method: 'krr', init: 'noise' }],
    ['krr, learned labels', { method: 'krr', learnLabels: true }],
    ['mtt', { method: 'mtt', mtt: { ...MTT_SETTINGS_DEFAULTS, experts: 1, expertEpochs: 1, maxStartEpoch: 1, syntheticSteps: 2, expertImagesPerEpoch: 40 } }],
    ['sre2l, DWA', { method: 'sre2l', lrImages: 0.25, dwa: true, sre2l: { ...SRE2L_SETTINGS_DEFAULTS, teacherEpochs: 1, teacherImages: 40, dwaSteps: 2 } }],
    ['mgdd', { method: 'mgdd', lrImages: 0.01, momentum: 0.9, mgdd: { ...MGDD_SETTINGS_DEFAULTS, metaTasks: 2, maxIpc: 2, metaReal: 2, genWidth: 4 } }],
  ];
  for (const [name, patch] of cases) {
    it(name, async () => {
      const r = await straightAndResumed(data, { ...base, ...patch }, 3, 5);
      expect(r.resumed).toBe(r.straight);
      expect(r.drawsC).toEqual(r.drawsA);
    });
  }

  it('MTT: experts taken from the cache give the same set as freshly trained ones (their DSA has its own stream)', async () => {
    const config: RunConfig = { ...base, ...cases.find(([name]) => name === 'mtt')![1] };
    const store = new Map<string, Cached>();
    const cache = { get: (k: string) => store.get(k), set: (k: string, t: Cached) => void store.set(k, t) };
    const shas: string[] = [];
    for (let i = 0; i < 2; i++) {
      const run = new DistillRun(data, config);
      await run.prepare(cache);
      await stepTo(run, 3);
      shas.push(await sha(run));
      run.dispose();
    }
    expect(store.size).toBe(1);
    expect(shas[1]).toBe(shas[0]);
    store.forEach((t) => t.dispose());
  });

  it('the resumed run differs from one that restarts from scratch at the cut (the test can tell)', async () => {
    const config = { ...base, method: 'dm' as const };
    const a = new DistillRun(data, config);
    await a.prepare();
    await stepTo(a, 5);
    const b = new DistillRun(data, config);
    await b.prepare();
    await stepTo(b, 3);
    const cp = await b.checkpoint();
    b.dispose();
    // Same images, another random stream: not what the uninterrupted run did.
    const c = new DistillRun(data, config);
    c.restore({ ...cp, rng: cp.rng + 1 });
    await c.prepare();
    await stepTo(c, 5);
    expect(await sha(c)).not.toBe(await sha(a));
    a.dispose();
    c.dispose();
  });

  it('refuses a checkpoint of another shape, and restore on a run that has started', async () => {
    const a = new DistillRun(data, base);
    await a.prepare();
    const cp = await a.checkpoint();
    const other = new DistillRun(data, { ...base, ipc: 2 });
    expect(() => other.restore(cp)).toThrow(/holds 7840 synthetic values; this run's set has 15680/);
    await stepTo(a, 1);
    expect(() => a.restore(cp)).toThrow(/fresh run/);
    a.dispose();
    other.dispose();
  });
});
