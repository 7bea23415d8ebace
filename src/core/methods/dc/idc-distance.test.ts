import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { DistillRun } from '../../run/run';
import type { RealData } from '../../data/batches';
import { pixelsSha256 } from '../../data/sha256';
import { runRecordSchema } from '../../run/record';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../../shared/protocol';
import { METHODS } from '../../../shared/methods';
import { completeConfig, configFromSearch, configToSearch } from '../../../shared/config';
import { configFromFlags, parse, type RunArgs } from '../../../cli/args';
import { useBackend } from '../../../testing/tf';
import { mnistSubset } from '../../../testing/data';

/** IDC's L1 gradient distance (`dcDistance: 'l1'`) as a run setting: the engine uses it, links, records and the CLI carry it. */
describe("DC with IDC's L1 gradient distance", () => {
  let data: RealData;
  beforeAll(async () => {
    await useBackend('wasm');
    data = mnistSubset(40);
  });

  const dc: RunConfig = { ...DEFAULT_RUN_CONFIG, method: 'dc', ...METHODS.dc.defaults, ipc: 1, width: 4, realPerClass: 4, iterations: 2, seed: 3, dsa: false, netDraw: 'host' };

  /** The synthetic pixels' hash after two iterations, and whether the run left tensors behind. */
  async function distil(config: RunConfig): Promise<{ sha: string; leaked: number }> {
    const before = tf.memory().numTensors;
    const run = new DistillRun(data, config);
    await run.prepare();
    for (let i = 0; i < config.iterations; i++) {
      await run.refresh();
      tf.dispose(run.step());
    }
    const sha = await pixelsSha256(await run.pixels());
    run.dispose();
    return { sha, leaked: tf.memory().numTensors - before };
  }

  it('a run with l1 is deterministic, moves the images otherwise than cos, and leaves no tensors (wasm)', async () => {
    const l1 = { ...dc, dcDistance: 'l1' as const, lrImages: 5e-4 };
    const a = await distil(l1);
    const b = await distil(l1);
    const cos = await distil({ ...dc, lrImages: 5e-4 });
    const init = await distil({ ...l1, iterations: 0 });
    expect([a.leaked, b.leaked, cos.leaked]).toEqual([0, 0, 0]);
    expect(b.sha).toBe(a.sha);
    expect(a.sha).not.toBe(cos.sha);
    expect(a.sha).not.toBe(init.sha);
  }, 120_000);

  it('is optional in links, records and the CLI: carried only when l1 and the method is DC', () => {
    expect(completeConfig(dc)).not.toHaveProperty('dcDistance');
    expect(completeConfig({ ...dc, dcDistance: 'cos' })).not.toHaveProperty('dcDistance');
    expect(completeConfig({ ...dc, dcDistance: 'l1' }).dcDistance).toBe('l1');
    expect(completeConfig({ ...DEFAULT_RUN_CONFIG, dcDistance: 'l1' })).not.toHaveProperty('dcDistance');
    const search = configToSearch({ ...dc, dcDistance: 'l1' }, { version: '0' });
    expect(search).toContain('dcDistance=l1');
    const back = configFromSearch(search);
    expect(back.errors).toEqual([]);
    expect(back.config.dcDistance).toBe('l1');
    // A link from before the setting still loads, with DC's distance.
    expect(configFromSearch(configToSearch(dc, { version: '0' })).config.dcDistance).toBeUndefined();
    expect(configFromSearch('?method=dc&dcDistance=l2').errors[0]).toMatch(/dcDistance must be one of cos, l1/);
    const shape = runRecordSchema.shape.config;
    expect(shape.parse(completeConfig({ ...dc, dcDistance: 'l1' })).dcDistance).toBe('l1');
    expect(shape.parse(completeConfig(dc)).dcDistance).toBeUndefined();
    // The CLI: --dc-distance l1 with DC; refused, with one line naming it, for another method.
    const cli = (...more: string[]) => parse(['run', '--dataset', 'mnist', '--data', 'x', ...more]);
    expect(configFromFlags(cli('--method', 'dc', '--dc-distance', 'l1', '--lr-images', '0.0005').args as RunArgs)).toMatchObject({ dcDistance: 'l1', lrImages: 5e-4 });
    expect(configFromFlags(cli('--method', 'dc').args as RunArgs)).not.toHaveProperty('dcDistance');
    expect(() => cli('--method', 'dm', '--dc-distance', 'l1')).toThrow(/--dc-distance/);
  });
});
