/**
 * `npm run bench:leaks [-- --iterations N --cases dm/uniform,dc/dream,...]`: every method with every real-batch
 * sampler, N iterations (default 1000) through the driver the worker uses (loss readbacks, image snapshots,
 * selection views, checkpoints) on a tiny configuration (MNIST, 10 images per class, IPC 1, width 4, depth 1,
 * wasm). Prints the tensor count the driver reports (the number the page's status bar shows) at iteration 10 and
 * at N for each case, and the seconds each took; exits 1 if any count grew or tensors outlived the run.
 * Too slow for CI on a 2-core machine (about 100 s for DM alone); the per-iteration leak checks in `npm test`
 * run the same loops for a few iterations.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadDatasetFromDir } from '../src/node/datasets';
import { prepareRealData } from '../src/core/data/batches';
import { subsetImageSet } from '../src/core/data/load';
import { DistillRun } from '../src/core/run/run';
import { drive, RunControl } from '../src/core/run/driver';
import { DEFAULT_RUN_CONFIG, type RunConfig, type RunEvent } from '../src/shared/protocol';
import { MTT_SETTINGS_DEFAULTS, SAMPLER_SETTINGS_DEFAULTS, type MethodId, type SamplerId } from '../src/shared/methods';

const ALL = 'dm/uniform,dm/importance,dm/dream,dc/uniform,dc/importance,dc/dream,krr/uniform,krr/importance,krr/dream,mtt/uniform';
const { values: a } = parseArgs({
  args: process.argv.slice(2),
  strict: true,
  options: { iterations: { type: 'string', default: '1000' }, cases: { type: 'string', default: ALL } },
});
const iterations = Number(a.iterations);

await tf.setBackend('wasm');
await tf.ready();
const d = loadDatasetFromDir('mnist', path.resolve(process.env.DATASETS_DIR ?? '../shared/datasets'));
const full = prepareRealData(d.train, d.spec);
const data = prepareRealData(subsetImageSet(d.train, full.byClass.flatMap((idx) => Array.from(idx.slice(0, 10)))), d.spec);

let failed = false;
for (const c of a.cases.split(',')) {
  const [method, sampler] = c.split('/') as [MethodId, SamplerId];
  const config = {
    ...DEFAULT_RUN_CONFIG,
    ipc: 1,
    width: 4,
    depth: 1,
    realPerClass: 2,
    iterations,
    seed: 3,
    dsa: true,
    method,
    sampler,
    ...(sampler !== 'uniform' ? { samplerSettings: { ...SAMPLER_SETTINGS_DEFAULTS, interval: 50, pool: 10, probeSteps: 2 } } : {}),
    ...(method === 'dc' ? { outerLoop: 1, innerLoop: 1 } : {}),
    ...(method === 'mtt' ? { mtt: { ...MTT_SETTINGS_DEFAULTS, experts: 1, expertEpochs: 2, maxStartEpoch: 1, syntheticSteps: 2, batchSyn: 0, expertImagesPerEpoch: 20 } } : {}),
  } as RunConfig;
  const tensors = new Map<number, number>();
  let checkpoints = 0;
  const emit = (e: RunEvent) => {
    if (e.type === 'progress') tensors.set(e.iteration, e.numTensors);
    if (e.type === 'checkpoint') checkpoints++;
  };
  const before = tf.memory().numTensors;
  const t0 = performance.now();
  const run = new DistillRun(data, config);
  await run.prepare();
  await drive(run, { control: new RunControl(), emit, checkpointMs: 2000 });
  run.dispose();
  // The driver flushes every 250 ms: take the first report at or after iteration 10.
  const at10 = [...tensors.entries()].find(([it]) => it >= 10)?.[1];
  const atEnd = tensors.get(iterations);
  const after = tf.memory().numTensors;
  const ok = at10 !== undefined && atEnd === at10 && after === before;
  failed ||= !ok;
  process.stdout.write(
    `${ok ? 'ok  ' : 'LEAK'} ${c}: ${at10} tensors at iteration ≥10, ${atEnd} at ${iterations}; ${after - before} left after dispose; ${checkpoints} checkpoints; ${Math.round((performance.now() - t0) / 1000)} s\n`,
  );
}
process.exitCode = failed ? 1 : 0;
