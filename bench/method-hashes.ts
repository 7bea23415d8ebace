/**
 * The determinism fingerprint of every method and option (issue 16): for small fixed configs on cpu and wasm,
 * the synthetic set's sha256 after a few iterations, the same with a checkpoint and restore half-way, KRR's
 * learned labels and MTT's step size, the run's random stream and the sampler's draws. Run it before and after
 * a change that must not change behaviour and compare the output line for line:
 *
 *   DATASETS_DIR=../shared/datasets npx tsx bench/method-hashes.ts > before.txt   (then after.txt; diff them)
 *
 * Options: --backend cpu|wasm (default both), --only <case name substring>, --net-draw host|device (default: the
 * config's default; host is what every config from before the setting means).
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { DistillRun, stepTo, type RunCheckpoint } from '../src/core/run/run';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../src/shared/protocol';
import { METHODS, MGDD_SETTINGS_DEFAULTS, MTT_SETTINGS_DEFAULTS, SAMPLER_SETTINGS_DEFAULTS, SRE2L_SETTINGS_DEFAULTS } from '../src/shared/methods';
import { pixelsSha256 } from '../src/core/data/sha256';
import { mnistSubset } from '../src/testing/data';
import { useBackend } from '../src/testing/tf';
import type { RealData } from '../src/core/data/batches';

const argv = process.argv.slice(2);
const opt = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const backends = (opt('backend') ? [opt('backend')] : ['cpu', 'wasm']) as ('cpu' | 'wasm')[];
const only = opt('only');
const netDraw = opt('net-draw') as RunConfig['netDraw'] | undefined;

const sampler = { ...SAMPLER_SETTINGS_DEFAULTS, interval: 2, pool: 8, probeSteps: 2 };
const sre2l = { ...SRE2L_SETTINGS_DEFAULTS, teacherEpochs: 1, teacherImages: 24, dwaSteps: 2 };
const mtt = { ...MTT_SETTINGS_DEFAULTS, experts: 1, expertEpochs: 1, maxStartEpoch: 1, syntheticSteps: 2, expertImagesPerEpoch: 30, batchSyn: 0 };
const CASES: [string, Partial<RunConfig>][] = [
  ['dm', { method: 'dm' }],
  ['dm dsa', { method: 'dm', dsa: true }],
  ['dm factor 2', { method: 'dm', factor: 2 }],
  ['dm kmeans init, dream sampler', { method: 'dm', init: 'kmeans', initPool: 8, sampler: 'dream', samplerSettings: sampler }],
  ['dm importance init+sampler', { method: 'dm', init: 'importance', initPool: 8, sampler: 'importance', samplerSettings: sampler }],
  ['dc', { method: 'dc', lrImages: 0.1, outerLoop: 1, innerLoop: 1 } as Partial<RunConfig>],
  ['dc dsa', { method: 'dc', lrImages: 0.1, dsa: true, outerLoop: 1, innerLoop: 1 } as Partial<RunConfig>],
  ['dc real net', { method: 'dc', lrImages: 0.1, dcNet: 'real', outerLoop: 2, innerLoop: 1 } as Partial<RunConfig>],
  ['dc factor 2', { method: 'dc', lrImages: 0.1, factor: 2, outerLoop: 1, innerLoop: 1 } as Partial<RunConfig>],
  ['krr', { method: 'krr', lrImages: 0.1, momentum: 0.9 }],
  ['krr learned labels', { method: 'krr', lrImages: 0.1, momentum: 0.9, learnLabels: true }],
  ['krr importance init (kernel)', { method: 'krr', init: 'importance', initPool: 8 }],
  ['krr noise init, factor 2', { method: 'krr', init: 'noise', factor: 2 }],
  ['mtt', { method: 'mtt', lrImages: 100, mtt }],
  ['mtt dsa', { method: 'mtt', lrImages: 100, dsa: true, mtt }],
  ['mtt factor ignored', { method: 'mtt', lrImages: 100, factor: 2, mtt }],
  ['sre2l', { method: 'sre2l', lrImages: 0.25, sre2l }],
  ['sre2l dwa', { method: 'sre2l', lrImages: 0.25, dwa: true, sre2l }],
  ['mgdd', { method: 'mgdd', ...METHODS.mgdd.defaults, mgdd: { ...MGDD_SETTINGS_DEFAULTS, metaTasks: 2, maxIpc: 2, metaReal: 4, genWidth: 4 } }],
];

const base = (backend: 'cpu' | 'wasm'): RunConfig => ({
  ...DEFAULT_RUN_CONFIG,
  ipc: 1,
  width: 4,
  depth: backend === 'cpu' ? 1 : 2,
  realPerClass: 4,
  iterations: 4,
  dsa: false,
  seed: 11,
  ...(netDraw ? { netDraw } : {}),
});

const hashOf = (x: unknown) => createHash('sha256').update(JSON.stringify(x)).digest('hex').slice(0, 16);

async function steps(run: DistillRun, to: number, losses: number[]): Promise<void> {
  await stepTo(run, to, (p) => void losses.push(p.loss));
}

async function fingerprint(data: RealData, config: RunConfig) {
  const before = tf.memory().numTensors;
  const losses: number[] = [];
  const a = new DistillRun(data, config);
  await a.prepare();
  await steps(a, config.iterations, losses);
  const cpA = await a.checkpoint();
  const straight = await pixelsSha256(await a.pixels());
  const labels = await a.learnedLabels();
  a.dispose();

  const b = new DistillRun(data, config);
  await b.prepare();
  await steps(b, 2, []);
  const cp: RunCheckpoint = structuredClone(await b.checkpoint());
  b.dispose();
  const c = new DistillRun(data, config);
  c.restore(cp);
  await c.prepare();
  await steps(c, config.iterations, []);
  const resumed = await pixelsSha256(await c.pixels());
  c.dispose();
  return {
    sha: straight,
    resumedSame: resumed === straight,
    losses: hashOf(losses),
    rng: hashOf(cpA.rng),
    draws: hashOf(Array.from(cpA.sampler.draws)),
    initial: hashOf(cpA.initial.chosen),
    ...(labels ? { labels: createHash('sha256').update(new Uint8Array(labels.values.buffer)).digest('hex').slice(0, 16) } : {}),
    ...(cpA.mtt ? { mtt: hashOf(cpA.mtt) } : {}),
    leaked: tf.memory().numTensors - before,
  };
}

const data = mnistSubset(12);
for (const backend of backends) {
  await useBackend(backend);
  for (const [name, patch] of CASES) {
    if (only && !name.includes(only)) continue;
    const r = await fingerprint(data, { ...base(backend), ...patch });
    console.log(`${backend} ${name}: ${JSON.stringify(r)}`);
  }
}
