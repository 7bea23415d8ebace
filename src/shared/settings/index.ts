/**
 * The one table of settings (issue 14): the general settings (./general.ts) composed with each method's own
 * settings and toggles from its descriptor (src/shared/method-info/<id>.ts), so a new method adds its settings in
 * its descriptor only. From this table the page renders its controls (src/app/components/controls/), the config
 * schema and the link codec validate, read and write (../config.ts), the CLI parses its flags and prints --help
 * (src/cli/args.ts), and README's settings table is generated (`npm run docs:settings`, ./docs.ts).
 */
import { METHOD_IDS, methodInfo, type MethodId } from '../methods';
import type { RunConfig } from '../protocol';
import { GENERAL_SETTINGS, METHOD_SETTINGS_AFTER, METHOD_TOGGLES_AFTER } from './general';
import type { NumberSetting, Setting, ToggleSetting } from './types';

export type { BoolSetting, ChoiceSetting, CliFlag, NumberSetting, Setting, SettingSection, ToggleSetting } from './types';
export { BACKEND_CHOICES, GENERAL_SETTINGS } from './general';

/** A method's own settings (its numeric group, in its descriptor's order), then its toggles, as table rows. */
export function methodSettings(id: MethodId): Setting[] {
  const d = methodInfo(id);
  const rows: Setting[] = [];
  if (d.settings) {
    const group = d.settings.group;
    const when = d.settings.when;
    const defaults = Object.fromEntries(d.settings.fields.map((f) => [f.key, f.default]));
    for (const f of d.settings.fields) {
      const hint = f.hint;
      rows.push({
        param: `${group}.${f.key}`,
        path: [group, f.key],
        section: f.more ? 'more' : 'distillation',
        kind: 'number',
        label: f.label,
        hint: typeof hint === 'function' ? hint(defaults) : hint,
        ...(typeof hint === 'function' ? { pageHint: (c: RunConfig) => hint(groupValues(c, group)) } : {}),
        ...(when ? { shown: when } : {}),
        default: f.default,
        limit: f.limit,
        ...(f.step !== undefined ? { step: f.step } : {}),
        testId: f.testId,
        methods: [id],
        owner: id,
        ...(f.cli ? { cli: { flag: f.cli.flag, arg: 'N', help: f.cli.hint, ...(f.cli.min !== undefined ? { min: f.cli.min } : {}), ...(f.cli.max !== undefined ? { max: f.cli.max } : {}) } } : {}),
      } satisfies NumberSetting);
    }
  }
  for (const t of d.toggles ?? []) {
    rows.push({
      param: t.key,
      path: [t.key],
      section: 'distillation',
      kind: 'toggle',
      label: t.label,
      hint: t.hint,
      default: false,
      defaultText: 'off',
      linkKind: t.kind,
      values: t.values,
      on: t.on,
      off: t.off,
      ...(t.carryOff ? { carryOff: true } : {}),
      only: t.only,
      optional: true,
      testId: t.testId,
      methods: [id],
      owner: id,
      cli: { flag: t.cli.flag, arg: t.cli.values.join('|'), help: t.cli.hint, values: t.cli.values, on: t.cli.on, off: t.cli.off },
    } satisfies ToggleSetting);
  }
  return rows;
}

/**
 * Every setting, in the page's order: the general ones, each method's main settings after the real images per class,
 * its toggles after the SeqMatch subsets (then the settings a toggle turns on), its further settings at the end of
 * "More settings".
 */
function compose(): Setting[] {
  const own = METHOD_IDS.flatMap(methodSettings);
  const out: Setting[] = [];
  for (const s of GENERAL_SETTINGS) {
    if (s.section === 'compute') out.push(...own.filter((o) => o.kind !== 'toggle' && o.section === 'more'));
    out.push(s);
    if (s.param === METHOD_SETTINGS_AFTER) out.push(...own.filter((o) => o.kind !== 'toggle' && o.section === 'distillation' && !o.shown));
    // A method's toggles, then the settings that apply only with one of them on (DM's pool, under its checkbox).
    if (s.param === METHOD_TOGGLES_AFTER) out.push(...own.filter((o) => o.kind === 'toggle'), ...own.filter((o) => o.kind !== 'toggle' && o.section === 'distillation' && o.shown));
  }
  return out;
}

export const SETTINGS: readonly Setting[] = compose();

/** The setting of a link parameter (`ipc`, `sampler.alpha`, `mtt.experts`). */
export function settingOf(param: string): Setting {
  const s = SETTINGS.find((x) => x.param === param);
  if (!s) throw new Error(`no setting '${param}'`);
  return s;
}

/** Whether the page shows the setting's control for `config`. */
export function shownFor(s: Setting, config: RunConfig): boolean {
  return (s.owner === undefined || s.owner === config.method) && (s.shown?.(config) ?? true);
}

/** Whether a run of `method` uses the setting. */
export function usedBy(s: Setting, method: MethodId): boolean {
  return s.methods === 'all' || s.methods.includes(method);
}

/** The values of a nested group (`samplerSettings`, a method's own group) in `config`, defaults filled in. */
export function groupValues(config: RunConfig, group: string): Record<string, number> {
  const given = (config as unknown as Record<string, Record<string, number> | undefined>)[group] ?? {};
  return Object.fromEntries(
    SETTINGS.filter((s): s is NumberSetting => s.kind === 'number' && s.path?.length === 2 && s.path[0] === group).map((s) => [s.path![1]!, given[s.path![1]!] ?? s.default]),
  );
}

/** The defaults of a nested group. */
export function groupDefaults(group: string): Record<string, number> {
  return Object.fromEntries(SETTINGS.filter((s): s is NumberSetting => s.kind === 'number' && s.path?.length === 2 && s.path[0] === group).map((s) => [s.path![1]!, s.default]));
}

/** A setting's value in `config` (its default when the config leaves it out). */
export function readSetting(s: Setting, config: RunConfig): unknown {
  if (!s.path) return s.default;
  if (s.path.length === 2) return groupValues(config, s.path[0])[s.path[1]];
  const v = (config as unknown as Record<string, unknown>)[s.path[0]];
  if (s.kind === 'toggle') return v === s.on;
  if (v !== undefined) return v;
  if (typeof s.absent === 'function') return s.absent(config);
  return s.absent ?? s.default;
}

/** The config patch that sets `s` to `value` (a toggle: checked or not). */
export function writeSetting(s: Setting, config: RunConfig, value: unknown): Partial<RunConfig> {
  if (!s.path) return {};
  if (s.path.length === 2) return { [s.path[0]]: { ...groupValues(config, s.path[0]), [s.path[1]]: value } } as Partial<RunConfig>;
  const key = s.path[0];
  // Off leaves the field out (or says off, for a toggle a complete config always carries).
  if (s.kind === 'toggle') return { [key]: value ? s.on : s.carryOff ? s.off : undefined } as Partial<RunConfig>;
  if (s.kind === 'number' && s.offAt !== undefined && value === s.offAt) return { [key]: undefined } as Partial<RunConfig>;
  return { [key]: value, ...(s.kind === 'choice' && s.alsoSets ? s.alsoSets(value as string) : {}) } as Partial<RunConfig>;
}

/** The default as the page and README print it. */
export function defaultText(s: Setting, config: RunConfig, formatNumber: (n: number) => string = String): string {
  if (typeof s.defaultText === 'function') return s.defaultText(config);
  if (s.defaultText !== undefined) return s.defaultText;
  if (s.kind === 'number') return formatNumber(s.default);
  if (s.kind === 'bool') return s.default ? 'on' : 'off';
  if (s.kind === 'choice') return s.choices.find(([v]) => v === s.default)?.[1] ?? s.default;
  return 'off';
}
