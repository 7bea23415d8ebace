import { describe, expect, it } from 'vitest';
import { BACKEND_PREFERENCES, completeConfig, configFromSearch, configToSearch, DATASET_IDS, LIMITS, validateRunConfig } from '../config';
import { METHOD_IDS, methodInfo } from '../methods';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../protocol';
import { defaultText, methodSettings, readSetting, SETTINGS, settingOf, shownFor, writeSetting } from './index';

describe('the settings table', () => {
  it('names each setting, test id and CLI flag once', () => {
    const unique = (xs: (string | undefined)[]) => {
      const ys = xs.filter((x): x is string => x !== undefined);
      expect(new Set(ys).size, ys.join(' ')).toBe(ys.length);
    };
    unique(SETTINGS.map((s) => s.param));
    unique(SETTINGS.map((s) => s.testId));
    unique(SETTINGS.map((s) => s.cli?.flag));
  });

  it("holds every method's own settings and toggles, from its descriptor only", () => {
    for (const id of METHOD_IDS) {
      const d = methodInfo(id);
      const own = methodSettings(id);
      expect(own.map((s) => s.param)).toEqual([...(d.settings?.fields ?? []).map((f) => `${d.settings!.group}.${f.key}`), ...(d.toggles ?? []).map((t) => t.key)]);
      for (const s of own) expect(SETTINGS).toContainEqual(expect.objectContaining({ param: s.param, owner: id, testId: s.testId }));
    }
  });

  it('offers the datasets the schema accepts, and LIMITS are the rows’ limits', () => {
    const dataset = settingOf('dataset');
    expect(dataset.kind === 'choice' && dataset.choices.map(([v]) => v)).toEqual([...DATASET_IDS]);
    const backend = settingOf('backend');
    expect(backend.kind === 'choice' && backend.choices.map(([v]) => v)).toEqual([...BACKEND_PREFERENCES]);
    const ipc = settingOf('ipc');
    expect(ipc.kind === 'number' && ipc.limit).toEqual(LIMITS.ipc);
    const alpha = settingOf('sampler.alpha');
    expect(alpha.kind === 'number' && alpha.limit).toEqual(LIMITS.sampler.alpha);
  });

  it('every control writes a config the schema accepts and reads it back; a link carries it', () => {
    for (const method of METHOD_IDS) {
      let config: RunConfig = { ...DEFAULT_RUN_CONFIG, method, ...methodInfo(method).defaults, init: 'importance', sampler: 'importance' };
      for (const s of SETTINGS.filter((x) => x.path && x.param !== 'method' && x.param !== 'dataset' && shownFor(x, config))) {
        const value = s.kind === 'number' ? (s.maxFor?.(config) ?? s.limit.max) : s.kind === 'choice' ? s.choices[s.choices.length - 1]![0] : s.kind === 'toggle' ? true : false;
        config = { ...config, ...writeSetting(s, config, value) };
        expect(readSetting(s, config), `${method} ${s.param}`).toEqual(value);
        const checked = validateRunConfig(config);
        expect(checked.ok ? [] : checked.errors, `${method} ${s.param}`).toEqual([]);
      }
      const link = configFromSearch(configToSearch(config, { version: '1' }));
      expect(link.errors).toEqual([]);
      expect(link.config).toEqual(completeConfig(config));
    }
  });

  it('a value that means off leaves the field out, and a toggle turned off leaves it out or says off', () => {
    expect(writeSetting(settingOf('factor'), DEFAULT_RUN_CONFIG, 1)).toEqual({ factor: undefined });
    expect(writeSetting(settingOf('factor'), DEFAULT_RUN_CONFIG, 2)).toEqual({ factor: 2 });
    const krr = { ...DEFAULT_RUN_CONFIG, method: 'krr' as const };
    expect(writeSetting(settingOf('learnLabels'), krr, false)).toEqual({ learnLabels: false });
    expect(writeSetting(settingOf('dcNet'), { ...DEFAULT_RUN_CONFIG, method: 'dc' }, false)).toEqual({ dcNet: undefined });
    // Choosing a method brings its paper's learning rate and momentum.
    expect(writeSetting(settingOf('method'), DEFAULT_RUN_CONFIG, 'mtt')).toEqual({ method: 'mtt', ...methodInfo('mtt').defaults });
  });

  it('the page shows a method’s own settings for that method only, and what applies to the init and sampler', () => {
    const shown = (c: RunConfig) => SETTINGS.filter((s) => shownFor(s, c)).map((s) => s.param);
    expect(shown(DEFAULT_RUN_CONFIG)).not.toContain('mtt.experts');
    expect(shown({ ...DEFAULT_RUN_CONFIG, method: 'mtt' })).toContain('mtt.experts');
    expect(shown({ ...DEFAULT_RUN_CONFIG, method: 'mtt' })).not.toContain('factor');
    expect(shown(DEFAULT_RUN_CONFIG)).not.toContain('initPool');
    expect(shown({ ...DEFAULT_RUN_CONFIG, init: 'kmeans' })).toContain('initPool');
    expect(shown({ ...DEFAULT_RUN_CONFIG, sampler: 'importance' })).toEqual(expect.arrayContaining(['sampler.interval', 'sampler.alpha', 'sampler.pool']));
    expect(defaultText(settingOf('lrImages'), { ...DEFAULT_RUN_CONFIG, method: 'mtt' })).toBe('100 for MTT');
  });
});
