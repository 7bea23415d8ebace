import { describe, expect, it } from 'vitest';
import { configFromSearch, configToSearch, completeConfig, validateRunConfig } from './config';
import { PRESETS, presetById, presetOf } from './presets';
import { DEFAULT_RUN_CONFIG } from './protocol';

describe('presets', () => {
  it('each is a valid configuration that survives the link unchanged and is recognised again', () => {
    for (const p of PRESETS) {
      const v = validateRunConfig(p.config);
      expect(v.ok, `${p.id}: ${v.ok ? '' : v.errors.join('; ')}`).toBe(true);
      const link = configFromSearch(configToSearch(p.config, { version: '0.1.0' }));
      expect(link.errors, p.id).toEqual([]);
      expect(completeConfig(link.config), p.id).toEqual(completeConfig(p.config));
      expect(presetOf(link.config)?.id, p.id).toBe(p.id);
    }
  });

  it('have distinct ids, labels and configurations', () => {
    expect(new Set(PRESETS.map((p) => p.id)).size).toBe(PRESETS.length);
    expect(new Set(PRESETS.map((p) => p.label)).size).toBe(PRESETS.length);
    for (const p of PRESETS) expect(presetOf(p.config)?.id).toBe(p.id);
  });

  it('cover the methods and techniques the page teaches', () => {
    const configs = PRESETS.map((p) => completeConfig(p.config));
    for (const m of ['dm', 'dc', 'krr', 'mtt'] as const) expect(configs.some((c) => c.method === m), m).toBe(true);
    expect(configs.some((c) => c.sampler === 'dream')).toBe(true);
    expect(configs.some((c) => c.init === 'importance' && c.ipc === 1)).toBe(true);
  });

  it('DREAM vs uniform: the two presets differ in the sampler only', () => {
    const { sampler: sa, samplerSettings: _a, ...dream } = completeConfig(presetById('dream-dm')!.config);
    const { sampler: sb, samplerSettings: _b, ...uniform } = completeConfig(presetById('uniform-dm')!.config);
    expect([sa, sb]).toEqual(['dream', 'uniform']);
    expect(dream).toEqual(uniform);
  });

  it('the page’s default is the first preset; any change makes it the user’s own', () => {
    expect(presetOf({ ...DEFAULT_RUN_CONFIG, dataset: 'mnist' })?.id).toBe('dm-mnist-10');
    expect(presetOf({ ...DEFAULT_RUN_CONFIG, seed: 1 })).toBeNull();
    expect(presetOf({ ...DEFAULT_RUN_CONFIG, dataset: 'fashion-mnist' })).toBeNull();
    // Settings that do not apply (a uniform sampler's) do not count.
    expect(presetOf({ ...DEFAULT_RUN_CONFIG, samplerSettings: { interval: 3, alpha: 0.1, pool: 5, probeSteps: 1 } })?.id).toBe('dm-mnist-10');
  });
});
