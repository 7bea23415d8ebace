import { describe, expect, it } from 'vitest';
import { completeConfig, configFromSearch, configToSearch, LIMITS, MAX_LINK_CHARS, validateRunConfig } from './config';
import { DEFAULT_RUN_CONFIG, type RunConfig } from './protocol';
import { METHODS, MTT_SETTINGS_DEFAULTS, SAMPLER_SETTINGS_DEFAULTS } from './methods';
import { readSetting, settingOf } from './settings';

const custom: RunConfig = {
  ...DEFAULT_RUN_CONFIG,
  dataset: 'fashion-mnist',
  method: 'mtt',
  ipc: 3,
  iterations: 1234,
  width: 16,
  realPerClass: 100,
  lrImages: 0.25,
  momentum: 0.9,
  init: 'importance',
  initPool: 300,
  initDraw: 'coreset',
  sampler: 'dream',
  samplerSettings: { ...SAMPLER_SETTINGS_DEFAULTS, interval: 7, alpha: 0.3 },
  dsa: false,
  seed: 987654,
  mtt: { ...MTT_SETTINGS_DEFAULTS, experts: 3, syntheticSteps: 6 },
};

describe('run config links', () => {
  it('round-trips every field, with the defaults that apply filled in, the backend and run=1', () => {
    const search = configToSearch(custom, { version: '9.9.9', backend: 'wasm', run: true });
    expect(search).toContain('sampler.interval=7');
    expect(search).toContain('mtt.experts=3');
    const s = configFromSearch(search);
    expect(s.errors).toEqual([]);
    expect(s.config).toEqual(completeConfig(custom));
    expect(s.config.initFeatures).toBe('embed');
    expect(s).toMatchObject({ backend: 'wasm', run: true, version: '9.9.9', present: true });
  });

  it('a default config round-trips too, and leaves out what does not apply (no mtt for DM, no sampler settings for uniform)', () => {
    const search = configToSearch({ ...DEFAULT_RUN_CONFIG, mtt: MTT_SETTINGS_DEFAULTS, initDraw: 'coreset' }, { version: '1' });
    expect(search).not.toMatch(/mtt\.|sampler\.|initDraw|backend|run=/);
    const s = configFromSearch(search);
    expect(s.errors).toEqual([]);
    expect(s.config).toEqual(completeConfig(DEFAULT_RUN_CONFIG));
    expect(s.run).toBe(false);
  });

  it('an empty query is the defaults, with no errors and nothing present', () => {
    const s = configFromSearch('');
    expect(s).toMatchObject({ config: DEFAULT_RUN_CONFIG, errors: [], present: false, backend: 'auto', run: false });
  });

  it('rejects bad fields one by one, naming the field and its range, and keeps the good ones', () => {
    const s = configFromSearch('?ipc=500&width=16&method=sorcery&seed=-1&lrImages=NaN&dsa=maybe&sampler.alpha=2&colour=red&run=1');
    expect(s.config.width).toBe(16);
    expect(s.config.ipc).toBe(DEFAULT_RUN_CONFIG.ipc);
    expect(s.config.method).toBe(DEFAULT_RUN_CONFIG.method);
    expect(s.errors).toEqual([
      `ipc must be a whole number from ${LIMITS.ipc.min} to ${LIMITS.ipc.max} (got '500')`,
      "method must be one of dm, dc, krr, mtt, sre2l, mgdd (got 'sorcery')",
      `seed must be a whole number from 0 to ${LIMITS.seed.max} (got '-1')`,
      `lrImages must be a number from ${LIMITS.lrImages.min} to ${LIMITS.lrImages.max} (got 'NaN')`,
      "dsa must be true or false (got 'maybe')",
      "sampler.alpha must be a number from 0 to 1 (got '2')",
      "unknown field 'colour'",
    ]);
    // A link with errors never starts a run by itself.
    expect(s.run).toBe(false);
  });

  it('netDraw: new links carry it; a link without it (made before it existed, by the app or by hand) reads as absent, which means host', () => {
    const now = configToSearch(DEFAULT_RUN_CONFIG, { version: '0.1.0' });
    expect(now).toMatch(/&netDraw=device(&|$)/);
    expect(configFromSearch(now).config.netDraw).toBe('device');
    const old = now.replace('&netDraw=device', '');
    const read = configFromSearch(old);
    expect(read.errors).toEqual([]);
    expect(read.config).not.toHaveProperty('netDraw');
    // An old config writes the old link, text for text.
    expect(configToSearch(read.config, { version: '0.1.0' })).toBe(old);
    expect(configFromSearch(`${old}&netDraw=host`).config.netDraw).toBe('host');
    expect(configFromSearch('?netDraw=sideways').errors).toEqual(["netDraw must be one of device, host (got 'sideways')"]);
    // A hand-written query is a link too: it keeps what it meant. No link at all: the page's defaults (device).
    expect(configFromSearch('?ipc=1&width=8').config).not.toHaveProperty('netDraw');
    expect(configFromSearch('').config.netDraw).toBe('device');
  });

  it("lrLabels: KRR runs that learn labels carry it; a link without it (from before it) reads as absent, the images' rate; other runs never carry it", () => {
    const krr: RunConfig = { ...DEFAULT_RUN_CONFIG, method: 'krr', ...METHODS.krr.defaults, learnLabels: true };
    expect(krr.lrLabels).toBe(0.1);
    const now = configToSearch(krr, { version: '0.1.0' });
    expect(now).toMatch(/&lrLabels=0\.1(&|$)/);
    expect(configFromSearch(now).config.lrLabels).toBe(0.1);
    const old = now.replace('&lrLabels=0.1', '');
    const read = configFromSearch(old);
    expect(read.errors).toEqual([]);
    expect(read.config).not.toHaveProperty('lrLabels');
    expect(readSetting(settingOf('lrLabels'), read.config)).toBe(krr.lrImages);
    // An old config writes the old link, text for text.
    expect(configToSearch(read.config, { version: '0.1.0' })).toBe(old);
    // Without learned labels, or for another method, the field is dropped from links and records.
    expect(completeConfig({ ...krr, learnLabels: false })).not.toHaveProperty('lrLabels');
    expect(configToSearch({ ...krr, method: 'dm' }, { version: '0.1.0' })).not.toMatch(/lrLabels/);
    expect(configFromSearch(`${old}&lrLabels=-1`).errors).toEqual([`lrLabels must be a number from 0 to ${LIMITS.lrLabels.max} (got '-1')`]);
  });

  it('tampered links: scripts, huge values, fractions, repeats, a huge query and a bad backend are refused', () => {
    const script = configFromSearch(`?dataset=${encodeURIComponent('<script>alert(1)</script>')}&iterations=1e308&ipc=2.5&ipc=3&backend=quantum`);
    // The defaults, except that a link without netDraw was made before it existed (see the test above).
    const { netDraw: _, ...beforeNetDraw } = DEFAULT_RUN_CONFIG;
    expect(script.config).toEqual(beforeNetDraw);
    expect(script.errors[0]).toMatch(/^dataset must be one of mnist, fashion-mnist, cifar-10, custom \(got '<script>alert\(1\)<\/script>'\)$/);
    expect(script.errors[1]).toMatch(/^iterations must be a whole number from 1 to 100000/);
    expect(script.errors[2]).toMatch(/^ipc must be a whole number/);
    expect(script.errors[3]).toBe("'ipc' appears more than once; the first value is used");
    expect(script.errors[4]).toMatch(/^backend must be one of auto, webgpu/);
    const long = configFromSearch(`?ipc=${'1'.repeat(MAX_LINK_CHARS)}`);
    expect(long.config).toEqual(DEFAULT_RUN_CONFIG);
    expect(long.errors[0]).toMatch(/at most 4096 are read/);
    // Echoed values are clipped.
    const clipped = configFromSearch(`?method=${'x'.repeat(200)}`);
    expect(clipped.errors[0]!.length).toBeLessThan(120);
  });

  it('validateRunConfig: a whole config object (an imported record) with unknown fields and wrong types', () => {
    expect(validateRunConfig(custom)).toEqual({ ok: true, config: custom });
    const bad = validateRunConfig({ ...custom, ipc: '3', extra: 1, mtt: { ...custom.mtt, experts: 0 } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.errors).toContain("unknown field 'extra'");
      expect(bad.errors.some((e) => e.startsWith('ipc must be a whole number'))).toBe(true);
      expect(bad.errors.some((e) => e.startsWith('mtt.experts must be a whole number from 1 to 20'))).toBe(true);
    }
  });
});

describe('an uploaded dataset in the config', () => {
  const sha = 'ab'.repeat(32);
  const uploaded: RunConfig = { ...DEFAULT_RUN_CONFIG, dataset: 'custom', datasetSha256: sha };

  it('is carried by a link as dataset=custom with its fingerprint', () => {
    const search = configToSearch(uploaded, { version: '1' });
    expect(search).toContain(`dataset=custom&datasetSha256=${sha}`);
    const back = configFromSearch(search);
    expect(back.errors).toEqual([]);
    expect(back.config).toEqual(completeConfig(uploaded));
  });

  it('drops the fingerprint for a built-in dataset and refuses a malformed one', () => {
    expect(completeConfig({ ...uploaded, dataset: 'mnist' })).not.toHaveProperty('datasetSha256');
    expect(configFromSearch('?dataset=custom&datasetSha256=xyz').errors).toEqual(["datasetSha256 must be 64 lower-case hex digits (got 'xyz')"]);
  });
});

describe('multi-formation factor in the config', () => {
  it('is carried by a link only when on, round-trips, and an old link (no factor) reads as off', () => {
    const plain = configToSearch(DEFAULT_RUN_CONFIG, { version: '0.1.0' });
    expect(plain).not.toContain('factor');
    expect(configFromSearch(plain).config.factor).toBeUndefined();
    const on: RunConfig = { ...DEFAULT_RUN_CONFIG, ipc: 1, factor: 2 };
    const link = configToSearch(on, { version: '0.1.0' });
    expect(link).toContain('factor=2');
    const back = configFromSearch(link);
    expect(back.errors).toEqual([]);
    expect(back.config.factor).toBe(2);
    expect(completeConfig({ ...on, factor: 1 }).factor).toBeUndefined();
    // MTT has no multi-formation: the factor is dropped.
    expect(completeConfig({ ...on, method: 'mtt' }).factor).toBeUndefined();
  });

  it('refuses factors outside 1..4 with a message naming the field', () => {
    for (const bad of ['0', '5', '1.5', 'x']) {
      const r = configFromSearch(`?factor=${bad}`);
      expect(r.errors.join(' ')).toContain('factor must be a whole number from 1 to 4');
      expect(r.config.factor).toBeUndefined();
    }
  });
});
