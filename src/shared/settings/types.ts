/**
 * One row of the settings table (issue 14): everything the page, the config schema and link codec, the CLI and
 * README know about one setting. Plain data and pure functions of a config; no React, no TensorFlow.js.
 */
import type { Limit } from '../limit';
import type { MethodId } from '../methods';
import type { RunConfig } from '../protocol';

/** Where the page shows a setting: a card, or under "More settings" in the Distillation card. */
export type SettingSection = 'data' | 'distillation' | 'more' | 'compute';

/** The CLI flag of a setting (`--flag VALUE`): its name, help, and its range there when it differs from the page's. */
export interface CliFlag {
  flag: string;
  /** The value in the help's flag column (`N`, `A`, `on|off`, `noise|real|…`). */
  arg: string;
  /** The help text (its default is appended unless `help` says it). */
  help: string;
  /** The range the CLI accepts, when wider than the page's (the CLI runs without a browser's limits). */
  min?: number;
  max?: number;
  /** The CLI's error for an out-of-range number says "between MIN and MAX" (default: "at least"/"at most"). */
  between?: boolean;
  /** Its values, when they differ from the setting's (a bool is `on|off`). */
  values?: readonly [string, ...string[]];
  /** The default as the help prints it, when not the setting's (e.g. `embed: a random ConvNet's`). */
  defaultText?: string;
  /** A toggle's flag values for on and off. */
  on?: string;
  off?: string;
}

interface SettingBase {
  /** The setting's id: its link parameter (`ipc`, `sampler.interval`, `mtt.experts`). */
  param: string;
  /** Where it lives in RunConfig: a field, or a field of a nested group (`samplerSettings.interval`). Absent: not in the config (the backend). */
  path?: readonly [string] | readonly [string, string];
  section: SettingSection;
  label: string;
  /** One line: what it does (README, and the page unless `pageHint` says more). */
  hint: string;
  /** The page's hint for the current config, when it depends on it (the method's, the init's). */
  pageHint?: (config: RunConfig) => string;
  /** The default as the page and README print it (default: the value itself). */
  defaultText?: string | ((config: RunConfig) => string);
  /** The control's data-testid (absent: no control on the page; only links, records or the CLI set it). */
  testId?: string;
  /** Which methods use it ('all', or the list). */
  methods: 'all' | readonly MethodId[];
  /** The method whose descriptor defines it (its own settings and toggles); absent for a general setting. */
  owner?: MethodId;
  /** Whether the page shows its control for `config` (a method's own setting shows for that method only; `methods` is for README). */
  shown?: (config: RunConfig) => boolean;
  /** Whether the page shows its control disabled for `config` (besides while a run is active). */
  disabled?: (config: RunConfig) => boolean;
  /** Whether a config may leave it out (optional in the schema). */
  optional?: boolean;
  /**
   * What a config that leaves the field out means, when that is not the default: a field added later, whose absence
   * keeps what configs from before it did. A link that sets the config without this parameter reads as absent.
   */
  absent?: string | ((config: RunConfig) => string | number);
  cli?: CliFlag;
  /** The CLI's message when the flag is given for a config in which the setting is not shown (does not apply). */
  onlyWhen?: string;
}

export interface NumberSetting extends SettingBase {
  kind: 'number';
  default: number;
  limit: Limit;
  /** The control's step (default 1). */
  step?: number;
  /** The page edits it in other units (the sampler's α in %): shown = value × scale, in `limit` scaled. */
  scale?: number;
  /** The control's largest value for `config`, when smaller than the limit (SeqMatch's subsets: at most IPC). */
  maxFor?: (config: RunConfig) => number;
  /** A value that means off: the config then leaves the field out (factor 1, one subset). */
  offAt?: number;
}

export interface ChoiceSetting extends SettingBase {
  kind: 'choice';
  default: string;
  /** The allowed values in display order, with their labels. */
  choices: readonly (readonly [string, string])[];
  /** Choosing a value also sets these (a method brings its paper's learning rate and momentum). */
  alsoSets?: (value: string) => Partial<RunConfig>;
}

export interface BoolSetting extends SettingBase {
  kind: 'bool';
  default: boolean;
}

/**
 * A method's on/off option (MethodToggle): a checkbox; the config field holds `on` when checked, and is left
 * out (or holds `off`, when `carryOff`) otherwise.
 */
export interface ToggleSetting extends SettingBase {
  kind: 'toggle';
  default: false;
  /** How a link's text is read (`bool`: true/false; `enum`: one of `values`). */
  linkKind: 'bool' | 'enum';
  values: readonly [string | boolean, ...(string | boolean)[]];
  on: string | boolean;
  off: string | boolean;
  carryOff?: boolean;
  /** The CLI's message when the flag is set for another method. */
  only: string;
}

export type Setting = NumberSetting | ChoiceSetting | BoolSetting | ToggleSetting;
