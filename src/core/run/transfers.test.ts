/**
 * What an iteration moves between host and device, per method (the driver's iteration: the sampler's refresh, the
 * step, and the read of its loss). The budgets are today's counts: a change that adds a read or an upload on the
 * iteration path fails here (lower them when a change removes some). Counted on wasm: the same code path as on
 * webgl and webgpu, where these are bus transfers (src/testing/transfers.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { DistillRun } from './run';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../shared/protocol';
import { MTT_SETTINGS_DEFAULTS } from '../../shared/methods';
import { mnistSubset } from '../../testing/data';
import { useBackend } from '../../testing/tf';
import { countTransfers, type Transfers } from '../../testing/transfers';
import type { RealData } from '../data/batches';

/** Per iteration, after the first two: at most this many uploads, bytes uploaded and reads. */
const BUDGET: Record<'dm' | 'dc' | 'krr' | 'mtt', Transfers> = {
  // Issue 15: DSA's scale/rotate warps build their sampling matrix on the device (28 bytes each, was 2 x 2.46 MB).
  dm: { uploads: 307, uploadBytes: 612_258, reads: 1 },
  dc: { uploads: 1217, uploadBytes: 9_335_791, reads: 1 },
  krr: { uploads: 165, uploadBytes: 810_186, reads: 1 },
  mtt: { uploads: 142, uploadBytes: 12_059_320, reads: 1 },
};

let data: RealData;
beforeAll(async () => {
  await useBackend('wasm');
  data = mnistSubset(16);
});
afterAll(async () => useBackend('cpu'));

const measured: Record<string, Transfers> = {};

describe('host-device transfers per iteration', () => {
  it.each(['dm', 'dc', 'krr', 'mtt'] as const)('%s stays within its budget of uploads and reads', async (method) => {
    const config: RunConfig = {
      ...DEFAULT_RUN_CONFIG,
      method,
      ipc: method === 'dc' ? 1 : 2,
      width: 8,
      realPerClass: 16,
      iterations: 100,
      seed: 3,
      mtt: { ...MTT_SETTINGS_DEFAULTS, syntheticSteps: 2, experts: 1, expertEpochs: 1, maxStartEpoch: 1, expertImagesPerEpoch: 40, batchSyn: 0 },
    };
    const run = new DistillRun(data, config);
    try {
      await run.prepare();
      const iteration = async () => {
        await run.refresh();
        const loss = run.step();
        await loss.data();
        loss.dispose();
      };
      // The first iterations may set things up (compile, cache): not counted.
      for (let i = 0; i < 2; i++) await iteration();
      const n = 3;
      const { counts } = await countTransfers(async () => {
        for (let i = 0; i < n; i++) await iteration();
      });
      const per: Transfers = { uploads: counts.uploads / n, uploadBytes: counts.uploadBytes / n, reads: counts.reads / n };
      measured[method] = per;
      console.log(`${method}: per iteration ${per.uploads} uploads, ${per.uploadBytes} bytes, ${per.reads} reads`);
      expect(per.reads).toBeLessThanOrEqual(BUDGET[method].reads);
      expect(per.uploads).toBeLessThanOrEqual(BUDGET[method].uploads);
      expect(per.uploadBytes).toBeLessThanOrEqual(BUDGET[method].uploadBytes);
    } finally {
      run.dispose();
    }
  }, 60_000);

  it('counts what it claims: one upload of a known size and one read', async () => {
    const { counts } = await countTransfers(async () => {
      const t = tf.tensor1d(new Float32Array(1000));
      await t.data();
      t.dispose();
    });
    expect(counts).toEqual({ uploads: 1, uploadBytes: 4000, reads: 1 });
  });
});
