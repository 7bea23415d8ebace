import type { DcRunMethod } from './plugin';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { DcMethod, DC_DEFAULTS } from './dc';
import { createSyntheticState, disposeSyntheticState } from '../dm/dm';
import { logits, type ConvNetShape } from '../../nn/convnet';
import { crossEntropy } from '../../nn/losses';
import { gatherBatch, type RealData } from '../../data/batches';
import { initReal } from '../../init';
import { Rng } from '../../rng';
import { DistillRun } from '../../run/run';
import { pixelsSha256 } from '../../data/sha256';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../../shared/protocol';
import { METHODS } from '../../../shared/methods';
import { completeConfig, configFromSearch, configToSearch } from '../../../shared/config';
import { runRecordSchema } from '../../run/record';
import { useBackend } from '../../../testing/tf';
import { mnistSubset } from '../../../testing/data';

/** wasm and cpu block the event loop for a whole step: let vitest's worker answer its RPCs in between. */
const yieldToLoop = () => new Promise((r) => setTimeout(r, 0));

/** IDC's matching network (DC with netTraining 'real'): trained on real batches, kept across iterations, re-initialised. */
describe('DC with a real-data matching network (IDC)', () => {
  let data: RealData;
  beforeAll(async () => {
    await useBackend('wasm');
    data = mnistSubset(40);
  });

  const net: ConvNetShape = { input: [28, 28, 1], classes: 10, width: 8, depth: 3 };

  it('trains the matching network on real data: its loss on a held real batch and on its training batches falls across iterations', async () => {
    const rng = new Rng(3);
    const syn = createSyntheticState(initReal(data, 1, rng).pixels, 10, [28, 28, 1]);
    // lrNet 0.05 (IDC's is 0.01) only so that a few iterations show the fall.
    const dc = new DcMethod(net, data, syn, { ...DC_DEFAULTS, ipc: 1, realPerClass: 4, lrNet: 0.05, netTraining: 'real', realSteps: 8, realBatch: 40, reinitEvery: 100 }, rng);
    // A fixed real batch of every class (4 each), not drawn by the method's stream.
    const held = gatherBatch(data, data.byClass.flatMap((idx) => Array.from(idx.slice(30, 34))));
    const heldY = tf.oneHot(tf.tensor1d(Array.from({ length: 40 }, (_, i) => Math.floor(i / 4)), 'int32'), 10) as tf.Tensor2D;
    const heldLoss = () => tf.tidy(() => crossEntropy(logits(net, dc.realNetwork!, held), heldY).dataSync()[0]!);
    const trainLoss: number[] = [];
    const heldLosses: number[] = [];
    let start = 0;
    for (let i = 0; i < 5; i++) {
      tf.dispose(dc.step());
      await yieldToLoop();
      if (i === 0) start = tf.memory().numTensors;
      trainLoss.push((await dc.lastRealLoss())!);
      heldLosses.push(heldLoss());
    }
    // The same network all along (no re-init before 100 iterations), and no tensors gained after the first iteration.
    expect(dc.realNetworks).toBe(1);
    expect(tf.memory().numTensors).toBe(start);
    expect(trainLoss.every(Number.isFinite)).toBe(true);
    expect(trainLoss[trainLoss.length - 1]!).toBeLessThan(trainLoss[0]! - 0.2);
    expect(heldLosses[heldLosses.length - 1]!).toBeLessThan(heldLosses[0]! - 0.2);
    dc.dispose();
    expect(dc.realNetwork).toBeNull();
    tf.dispose([held, heldY]);
    disposeSyntheticState(syn);
  });

  it('re-initialises the network every reinitEvery iterations; DC (synthetic) keeps none', async () => {
    const rng = new Rng(4);
    const syn = createSyntheticState(initReal(data, 1, rng).pixels, 10, [28, 28, 1]);
    const cfg = { ...DC_DEFAULTS, ipc: 1, realPerClass: 4, realSteps: 1, realBatch: 10, reinitEvery: 2 };
    const dc = new DcMethod(net, data, syn, { ...cfg, netTraining: 'real' }, rng);
    const nets: number[] = [];
    for (let i = 0; i < 5; i++) {
      tf.dispose(dc.step());
      await yieldToLoop();
      nets.push(dc.realNetworks);
    }
    expect(nets).toEqual([1, 1, 2, 2, 3]);
    dc.dispose();
    const plain = new DcMethod(net, data, syn, cfg, rng);
    tf.dispose(plain.step());
    await yieldToLoop();
    expect(plain.realNetwork).toBeNull();
    expect(await plain.lastRealLoss()).toBeNull();
    disposeSyntheticState(syn);
  });

  it('is deterministic on cpu: the same seed gives the same bytes, and differs from DC', async () => {
    await useBackend('cpu');
    try {
      const tiny: ConvNetShape = { input: [28, 28, 1], classes: 10, width: 2, depth: 2 };
      const bytes = async (netTraining: 'real' | 'synthetic') => {
        const rng = new Rng(9);
        const syn = createSyntheticState(initReal(data, 1, rng).pixels, 10, [28, 28, 1]);
        const dc = new DcMethod(tiny, data, syn, { ...DC_DEFAULTS, ipc: 1, realPerClass: 2, netTraining, realSteps: 1, realBatch: 10, reinitEvery: 100 }, rng);
        for (let i = 0; i < 2; i++) {
          tf.dispose(dc.step());
          await yieldToLoop();
        }
        const out = await pixelsSha256((await syn.images.data()) as Float32Array);
        dc.dispose();
        disposeSyntheticState(syn);
        return out;
      };
      const before = tf.memory().numTensors;
      const a = await bytes('real');
      expect(await bytes('real')).toBe(a);
      expect(await bytes('synthetic')).not.toBe(a);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      await useBackend('wasm');
    }
  }, 120_000);

  it('a run with dcNet real disposes its network with the run (wasm)', async () => {
    const cfg: RunConfig = { ...DEFAULT_RUN_CONFIG, method: 'dc', ...METHODS.dc.defaults, ipc: 1, width: 4, realPerClass: 2, iterations: 1, seed: 9, dsa: true, factor: 2, dcNet: 'real' };
    const before = tf.memory().numTensors;
    const run = new DistillRun(data, cfg);
    await run.prepare();
    await run.refresh();
    tf.dispose(run.step());
    expect((run.method as DcRunMethod).dc.realNetworks).toBe(1);
    run.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the setting is optional in links and records: carried only when real and the method is DC', () => {
    const dc: RunConfig = { ...DEFAULT_RUN_CONFIG, method: 'dc', ...METHODS.dc.defaults };
    expect(completeConfig(dc)).not.toHaveProperty('dcNet');
    expect(completeConfig({ ...dc, dcNet: 'synthetic' })).not.toHaveProperty('dcNet');
    expect(completeConfig({ ...dc, dcNet: 'real' }).dcNet).toBe('real');
    expect(completeConfig({ ...DEFAULT_RUN_CONFIG, dcNet: 'real' })).not.toHaveProperty('dcNet');
    const search = configToSearch({ ...dc, dcNet: 'real' }, { version: '0' });
    expect(search).toContain('dcNet=real');
    const back = configFromSearch(search);
    expect(back.errors).toEqual([]);
    expect(back.config.dcNet).toBe('real');
    // An old link (no dcNet) still loads, as DC.
    const old = configFromSearch(configToSearch(dc, { version: '0' }));
    expect(old.errors).toEqual([]);
    expect(old.config.dcNet).toBeUndefined();
    expect(configFromSearch('?method=dc&dcNet=sometimes').errors[0]).toMatch(/dcNet must be one of synthetic, real/);
    // The run record's config keeps it (its schema strips unknown fields), and reads records without it.
    const configShape = runRecordSchema.shape.config;
    expect(configShape.parse({ ...completeConfig({ ...dc, dcNet: 'real' }) }).dcNet).toBe('real');
    expect(configShape.parse({ ...completeConfig(dc) }).dcNet).toBeUndefined();
  });
});
