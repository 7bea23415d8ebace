/**
 * The method registry (issue 16): every method has a descriptor (src/shared/method-info) and an engine
 * (src/core/methods/<id>/plugin.ts) under the same id; each descriptor's settings and toggles reach the schema,
 * links, completeConfig and the CLI; and the four methods give the bytes they gave before they moved onto the
 * interface (the sha256 values below were printed by bench/method-hashes.ts on the code before the registry).
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { METHOD_IMPLS } from './registry';
import { METHOD_IDS, METHODS, methodInfo, settingValues } from '../../shared/methods';
import { completeConfig, configFromSearch, configToSearch, validateRunConfig } from '../../shared/config';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../shared/protocol';
import { MTT_SETTINGS_DEFAULTS } from '../../shared/methods';
import { checkMethodFlags, methodConfig } from '../../cli/method-flags';
import { DistillRun, stepTo } from '../run/run';
import { pixelsSha256 } from '../data/sha256';
import { mnistSubset } from '../../testing/data';
import { useBackend } from '../../testing/tf';

afterAll(async () => useBackend('cpu'));

describe('the registry', () => {
  it('lists the same methods in src/shared/methods.ts and src/core/methods/registry.ts, with the same descriptors', () => {
    expect(Object.keys(METHOD_IMPLS).sort()).toEqual([...METHOD_IDS].sort());
    for (const id of METHOD_IDS) {
      expect(METHOD_IMPLS[id].info).toBe(METHODS[id]);
      expect(methodInfo(id).id).toBe(id);
    }
  });

  it.each(METHOD_IDS)('%s: settings have defaults within their limits, and a config with every setting and toggle set survives a link', (id) => {
    const d = methodInfo(id);
    const config: RunConfig = { ...DEFAULT_RUN_CONFIG, method: id, ...d.defaults };
    const patch: Record<string, unknown> = {};
    if (d.settings) {
      const values = settingValues(d, config);
      for (const f of d.settings.fields) {
        expect(f.default).toBeGreaterThanOrEqual(f.limit.min);
        expect(f.default).toBeLessThanOrEqual(f.limit.max);
        // A value other than the default, still within the limits.
        values[f.key] = f.default + 1 <= f.limit.max ? f.default + 1 : f.default - 1;
      }
      patch[d.settings.group] = values;
    }
    for (const t of d.toggles ?? []) patch[t.key] = t.on;
    const full = completeConfig({ ...config, ...patch } as RunConfig);
    expect(validateRunConfig(full)).toEqual({ ok: true, config: full });
    for (const [k, v] of Object.entries(patch)) expect((full as unknown as Record<string, unknown>)[k]).toEqual(v);
    const link = configFromSearch(configToSearch(full, { version: 'test' }));
    expect(link.errors).toEqual([]);
    expect(completeConfig(link.config)).toEqual(full);
    // Another method's fields are dropped by completeConfig (a link or record carries only its method's).
    const other = METHOD_IDS.find((x) => x !== id)!;
    const moved = completeConfig({ ...full, method: other });
    for (const k of Object.keys(patch)) {
      const theirs: (string | undefined)[] = [methodInfo(other).settings?.group, ...(methodInfo(other).toggles ?? []).map((t) => t.key)];
      if (!theirs.includes(k)) expect(moved).not.toHaveProperty(k);
    }
  });

  it('the CLI reads each method’s flags from its descriptor, and refuses a toggle for another method', () => {
    expect(methodConfig({ 'syn-steps': 3, experts: 1, 'expert-images': 100 }, 'mtt')).toEqual({
      mtt: { ...MTT_SETTINGS_DEFAULTS, syntheticSteps: 3, experts: 1, expertImagesPerEpoch: 100 },
    });
    expect(methodConfig({ 'learn-labels': 'on' }, 'krr')).toEqual({ learnLabels: true });
    expect(methodConfig({ 'learn-labels': 'off' }, 'krr')).toEqual({ learnLabels: false });
    expect(methodConfig({ 'dc-net': 'synthetic' }, 'dc')).toEqual({});
    expect(methodConfig({ 'dc-net': 'real' }, 'dc')).toEqual({ dcNet: 'real' });
    expect(checkMethodFlags({ 'learn-labels': 'on' }, 'dm', 1, 'hard')).toMatch(/^--learn-labels on needs --method krr/);
    expect(checkMethodFlags({ 'dc-net': 'real' }, 'krr', 1, 'hard')).toMatch(/^--dc-net real needs --method dc/);
    expect(checkMethodFlags({}, 'mtt', 2, 'hard')).toBe('--factor needs --method dm, dc or krr (MTT, SRE2L or MGDD have no multi-formation)');
    expect(checkMethodFlags({ 'learn-labels': 'off' }, 'krr', 1, 'soft')).toMatch(/^--eval-labels soft needs a set with soft labels: --method krr --learn-labels on/);
    expect(checkMethodFlags({ 'learn-labels': 'on' }, 'krr', 2, 'soft')).toBeNull();
  });
});

/**
 * The same bytes as before the registry (wasm, MNIST's first 12 images per class, ConvNet width 4 depth 2, IPC 1,
 * 4 real images per class, 4 iterations, seed 11): bench/method-hashes.ts printed these on commit d694877.
 */
const BEFORE: [string, Partial<RunConfig>, string][] = [
  ['dm', { method: 'dm' }, 'eb9d762975eb52d2b6f3ead386c2c6268d48a281ef9bd6b861f586ac33093e4b'],
  ['dc, factor 2', { method: 'dc', lrImages: 0.1, factor: 2, outerLoop: 1, innerLoop: 1 } as Partial<RunConfig>, 'a6a0a96b3d3c07587550dd2fdd699524eba6eb0092e7cee9b6145b0f80d8427f'],
  ['krr, learned labels', { method: 'krr', lrImages: 0.1, momentum: 0.9, learnLabels: true }, '65e6dbfb1c4348f82b7efe29964dc521c11721daf2da59811ad077dcd2f5a3d4'],
  [
    'mtt, dsa',
    { method: 'mtt', lrImages: 100, dsa: true, mtt: { ...MTT_SETTINGS_DEFAULTS, experts: 1, expertEpochs: 1, maxStartEpoch: 1, syntheticSteps: 2, expertImagesPerEpoch: 30, batchSyn: 0 } },
    '214124db13b933e5db4c4151b7a7fbba24ac3d9632d89f6e689f580ee746f701',
  ],
];

describe('the same bytes as before the registry (wasm)', () => {
  // As a config from before `netDraw` reads (no field: networks drawn in JavaScript), which must keep its bytes.
  const { netDraw: _new, ...before } = DEFAULT_RUN_CONFIG;
  const base: RunConfig = { ...before, ipc: 1, width: 4, depth: 2, realPerClass: 4, iterations: 4, dsa: false, seed: 11 };
  let data: ReturnType<typeof mnistSubset> | null = null;
  it.each(BEFORE)('%s', async (_name, patch, sha) => {
    await useBackend('wasm');
    data ??= mnistSubset(12);
    const before = tf.memory().numTensors;
    const run = new DistillRun(data, { ...base, ...patch } as RunConfig);
    await run.prepare();
    await stepTo(run, base.iterations);
    expect(await pixelsSha256(await run.pixels())).toBe(sha);
    run.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);
});
