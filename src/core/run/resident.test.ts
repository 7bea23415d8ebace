/**
 * The dataset resident on the device (issue 15): batches gathered there by index give the same bytes as batches
 * normalised in JavaScript and uploaded, so a run's synthetic set is bit-identical on both paths, and the seeded
 * random stream is consumed alike. On cpu and wasm (the backends Node has); webgl and webgpu run the same code.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { DistillRun, stepTo } from './run';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../shared/protocol';
import { MTT_SETTINGS_DEFAULTS, SAMPLER_SETTINGS_DEFAULTS, type MethodId, type SamplerId } from '../../shared/methods';
import { chooseResidency } from '../../shared/memory';
import { loadDatasetFromDir } from '../../node/datasets';
import { subsetImageSet } from '../data/load';
import { datasetsDir } from '../../testing/tf';
import { useBackend } from '../../testing/tf';
import { pixelsSha256 } from '../data/sha256';
import { disposeResident, gatherBatch, makeResident, prepareRealData, residentBytes } from '../data/batches';

afterAll(async () => useBackend('cpu'));

/** MNIST's first four classes, 8 training images each (the run, samplers and inits take the class count from the data). */
const data = (() => {
  const d = loadDatasetFromDir('mnist', datasetsDir());
  const spec = { ...d.spec, classes: d.spec.classes.slice(0, 4) };
  const full = prepareRealData(d.train, spec);
  return prepareRealData(subsetImageSet(d.train, full.byClass.flatMap((idx) => Array.from(idx.slice(0, 8)))), spec);
})();

/** A small run; on cpu (plain JS, slow) one conv block and two iterations, so each case stays well under 20 s. */
function config(method: MethodId, sampler: SamplerId = 'uniform', backend: 'cpu' | 'wasm' = 'wasm'): RunConfig {
  const cpu = backend === 'cpu';
  return {
    ...DEFAULT_RUN_CONFIG,
    method,
    sampler,
    ipc: 1,
    width: 4,
    depth: cpu ? 1 : 2,
    realPerClass: cpu ? 4 : 6,
    iterations: cpu ? 2 : 3,
    dsa: true,
    seed: 11,
    ...(sampler !== 'uniform' ? { samplerSettings: { ...SAMPLER_SETTINGS_DEFAULTS, interval: 2, pool: 6, probeSteps: 2 } } : {}),
    mtt: { ...MTT_SETTINGS_DEFAULTS, syntheticSteps: 2, experts: 1, expertEpochs: 1, maxStartEpoch: 1, expertImagesPerEpoch: cpu ? 16 : 30, batchSyn: 0 },
  };
}

/** Runs `iterations` on one path; the synthetic set's sha256, the run's random stream after it, and its residency. */
async function runOn(resident: 'on' | 'off', cfg: RunConfig) {
  const run = new DistillRun(data, cfg, { resident });
  try {
    await run.prepare();
    await stepTo(run, cfg.iterations);
    const cp = await run.checkpoint();
    return { sha: await pixelsSha256(await run.pixels()), rng: cp.rng, draws: Array.from(cp.sampler.draws), resident: run.residency.resident };
  } finally {
    run.dispose();
  }
}

describe.each(['cpu', 'wasm'] as const)('on %s', (backend) => {
  it('gathers the same bytes on the device as on the host: one class, classes in order, classes interleaved', async () => {
    await useBackend(backend);
    const before = tf.memory().numTensors;
    const res = makeResident(data);
    expect(res.resident!.classes).toHaveLength(4);
    const c3 = data.byClass[3]!;
    const batches = [
      [c3[5]!, c3[0]!, c3[2]!],
      [...data.byClass[0]!.slice(0, 3), ...data.byClass[1]!.slice(2, 4)],
      [data.byClass[2]![1]!, data.byClass[1]![0]!, data.byClass[2]![4]!, data.byClass[0]![7]!, data.byClass[1]![3]!],
    ];
    for (const idx of batches) {
      const host = gatherBatch(data, idx);
      const dev = gatherBatch(res, idx);
      expect(dev.shape).toEqual(host.shape);
      expect(Buffer.from((await dev.data()).buffer).equals(Buffer.from((await host.data()).buffer))).toBe(true);
      tf.dispose([host, dev]);
    }
    disposeResident(res);
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each(['dm', 'dc', 'krr', 'mtt'] as const)('%s: the same syntheticSha256 and random stream resident and from the host', async (method) => {
    await useBackend(backend);
    const before = tf.memory().numTensors;
    const host = await runOn('off', config(method, 'uniform', backend));
    const dev = await runOn('on', config(method, 'uniform', backend));
    expect(host.resident).toBe(false);
    expect(dev.resident).toBe(true);
    expect(dev.sha).toBe(host.sha);
    expect(dev.rng).toEqual(host.rng);
    expect(dev.draws).toEqual(host.draws);
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);
});

describe('candidate pools on the resident tensor (wasm)', () => {
  it.each([
    ['dm', 'dream'],
    ['krr', 'importance'],
  ] as const)('%s with the %s sampler: the same syntheticSha256 and draws on both paths', async (method, sampler) => {
    await useBackend('wasm');
    const host = await runOn('off', config(method, sampler));
    const dev = await runOn('on', config(method, sampler));
    expect(dev.resident).toBe(true);
    expect(dev.sha).toBe(host.sha);
    expect(dev.draws).toEqual(host.draws);
  }, 120_000);
});

describe('choosing the path', () => {
  const bytes = residentBytes(data.set);
  it('sizes the resident copy as float32 images', () => {
    expect(bytes).toBe(32 * 28 * 28 * 4);
  });
  it('auto: resident on webgpu and webgl when it fits, host batches on cpu and wasm; on: any backend; off: never', () => {
    expect(chooseResidency('auto', 'webgpu', bytes, null, 2 ** 30).resident).toBe(true);
    expect(chooseResidency('auto', 'webgl', bytes, 1000, 2 ** 30).resident).toBe(true);
    expect(chooseResidency('auto', 'wasm', bytes, null, 2 ** 30)).toMatchObject({ resident: false, reason: expect.stringContaining('default on wasm') });
    expect(chooseResidency('on', 'cpu', bytes, null, 2 ** 30).resident).toBe(true);
    expect(chooseResidency('off', 'webgpu', bytes, null, 2 ** 30).resident).toBe(false);
  });
  it('falls back to host batches when the dataset and the run would not fit, and says so', () => {
    const r = chooseResidency('auto', 'webgl', 200 * 2 ** 20, 900 * 2 ** 20, 2 ** 30);
    expect(r.resident).toBe(false);
    expect(r.reason).toMatch(/^host batches: the dataset on the device \(200 MiB\).*1.1 GiB.*webgl offers about 1.0 GiB/);
  });
  it('a run made on a backend where auto keeps host batches reports it', async () => {
    await useBackend('wasm');
    const run = new DistillRun(data, config('dm'));
    expect(run.residency.resident).toBe(false);
    run.dispose();
  });
});
