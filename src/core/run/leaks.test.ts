/**
 * Leaks over a long run, in CI: every method with every real-batch sampler (MTT draws no real batches: one case),
 * and one case per method with the dataset resident on the device (its class tensors are part of the count and freed
 * with the run),
 * 80 iterations through the worker's driver (loss readbacks, image snapshots, selection views, checkpoints, four
 * sampler refreshes), with the tensor count the driver reports (the number the page's status bar shows) identical at
 * iteration 10 and at 80, and nothing left after the run is disposed (one leaked tensor per iteration, or per
 * refresh, shows). The configuration is as small as a run gets so the matrix fits in well under a minute on two cores: two MNIST classes of 4 real images each, IPC 1, ConvNet width 4 and depth 1, 2 real
 * images per class per iteration, no DSA (its ops have their own leak test in augment/dsa.test.ts). `npm run
 * bench:leaks` runs the same matrix for 1000 iterations on all ten classes with DSA.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { loadDatasetFromDir } from '../../node/datasets';
import { prepareRealData, type RealData } from '../data/batches';
import { subsetImageSet } from '../data/load';
import { DistillRun } from './run';
import { drive, RunControl } from './driver';
import { DEFAULT_RUN_CONFIG, type RunConfig, type RunEvent } from '../../shared/protocol';
import { MTT_SETTINGS_DEFAULTS, SAMPLER_SETTINGS_DEFAULTS, SRE2L_SETTINGS_DEFAULTS, MGDD_SETTINGS_DEFAULTS, type MethodId, type SamplerId } from '../../shared/methods';
import { datasetsDir, useBackend } from '../../testing/tf';

const ITERATIONS = 80;
const CLASSES = 2;
/** Method, sampler, and where real batches come from: host uploads, or the dataset resident on the device (issue 15). */
const CASES: [MethodId, SamplerId, 'host' | 'resident'][] = [
  ['dm', 'uniform', 'host'],
  ['dm', 'importance', 'host'],
  ['dm', 'dream', 'host'],
  ['dc', 'uniform', 'host'],
  ['dc', 'importance', 'host'],
  ['dc', 'dream', 'host'],
  ['krr', 'uniform', 'host'],
  ['krr', 'importance', 'host'],
  ['krr', 'dream', 'host'],
  ['mtt', 'uniform', 'host'],
  ['sre2l', 'uniform', 'host'],
  ['mgdd', 'uniform', 'host'],
  ['dm', 'dream', 'resident'],
  ['dc', 'importance', 'resident'],
  ['krr', 'uniform', 'resident'],
  ['mtt', 'uniform', 'resident'],
];

let data: RealData;
const lines: string[] = [];
let t0 = 0;
let cpuStart: NodeJS.CpuUsage;

beforeAll(async () => {
  await useBackend('wasm');
  const d = loadDatasetFromDir('mnist', datasetsDir());
  // MNIST's first two classes: the run, the samplers and the grid all take the class count from the data.
  const spec = { ...d.spec, classes: d.spec.classes.slice(0, CLASSES) };
  const full = prepareRealData(d.train, spec);
  data = prepareRealData(subsetImageSet(d.train, full.byClass.flatMap((idx) => Array.from(idx.slice(0, 4)))), spec);
  t0 = performance.now();
  cpuStart = process.cpuUsage();
});

afterAll(() => {
  const cpu = process.cpuUsage(cpuStart);
  lines.push(
    `leaks: ${CASES.length} cases x ${ITERATIONS} iterations in ${Math.round((performance.now() - t0) / 1000)} s ` +
      `(${Math.round((cpu.user + cpu.system) / 1e6)} s of CPU)`,
  );
  console.log(lines.join('\n'));
});

describe(`tensors over ${ITERATIONS} iterations through the driver`, () => {
  it.each(CASES)(`%s with the %s sampler, %s batches: the same count at iteration 10 and ${ITERATIONS}, none left after dispose`, async (method, sampler, path) => {
    const config = {
      ...DEFAULT_RUN_CONFIG,
      method,
      sampler,
      ipc: 1,
      width: 4,
      depth: 1,
      realPerClass: 2,
      iterations: ITERATIONS,
      dsa: false,
      seed: 3,
      ...(sampler !== 'uniform' ? { samplerSettings: { ...SAMPLER_SETTINGS_DEFAULTS, interval: 20, pool: 4, probeSteps: 2 } } : {}),
      ...(method === 'mtt'
        ? { mtt: { ...MTT_SETTINGS_DEFAULTS, experts: 1, expertEpochs: 2, maxStartEpoch: 1, syntheticSteps: 2, batchSyn: 0, expertImagesPerEpoch: 10 } }
        : {}),
      ...(method === 'mgdd' ? { lrImages: 0.01, momentum: 0.9, mgdd: { ...MGDD_SETTINGS_DEFAULTS, metaTasks: 2, maxIpc: 1, metaReal: 2, genWidth: 4 } } : {}),
      ...(method === 'sre2l' ? { lrImages: 0.25, dwa: true, sre2l: { ...SRE2L_SETTINGS_DEFAULTS, teacherEpochs: 1, teacherImages: 8, dwaSteps: 2 } } : {}),
    } satisfies RunConfig;
    const counts = new Map<number, number>();
    let checkpoints = 0;
    let selections = 0;
    const emit = (e: RunEvent) => {
      if (e.type === 'progress') counts.set(e.iteration, e.numTensors);
      if (e.type === 'checkpoint') checkpoints++;
      if (e.type === 'selection') selections++;
    };
    const before = tf.memory().numTensors;
    const start = performance.now();
    const cpu0 = process.cpuUsage();
    const run = new DistillRun(data, config, { resident: path === 'resident' ? 'on' : 'off' });
    await run.prepare();
    // Every event the worker's run sends, at the worker's rates, with a checkpoint every 200 ms (the worker's is longer:
    // a short interval here puts several checkpoints into a run of a second or two).
    const reason = await drive(run, { control: new RunControl(), emit, checkpointMs: 200 });
    run.dispose();
    const after = tf.memory().numTensors;
    // The driver reports every 250 ms or 16 iterations: the first report at or after iteration 10.
    const at10 = [...counts.entries()].find(([it]) => it >= 10);
    const atEnd = counts.get(ITERATIONS);
    const cpu = process.cpuUsage(cpu0);
    const line =
      `${method}/${sampler}/${path}: ${at10?.[1]} tensors at iteration ${at10?.[0]}, ${atEnd} at ${ITERATIONS}; ${after - before} left after dispose; ` +
      `${checkpoints} checkpoints, ${selections} selection views; ${((performance.now() - start) / 1000).toFixed(1)} s ` +
      `(${((cpu.user + cpu.system) / 1e6).toFixed(1)} s of CPU)`;
    lines.push(line);
    console.log(line);
    expect(reason).toBe('completed');
    expect(at10).toBeDefined();
    expect(at10![0]).toBeLessThan(40);
    expect(atEnd).toBe(at10![1]);
    expect(after).toBe(before);
    expect(checkpoints).toBeGreaterThan(0);
  }, 600_000);
});
