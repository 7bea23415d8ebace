/**
 * A distillation method as the UI, the config schema, the links and the CLI see it: plain data (and a few pure
 * functions of a config), no TensorFlow.js. The engine's side of the same method is its `MethodImpl` in
 * src/core/methods/<id>/ (see src/core/methods/method.ts); both are listed in one registry each
 * (src/shared/methods.ts METHODS, src/core/methods/registry.ts), and TypeScript checks the two lists match.
 */
import type { Limit } from '../limit';
import type { NetSize } from '../net-size';
import type { InitId, SamplerId } from '../methods';
import type { RunConfig } from '../protocol';

/** One numeric setting of a method's own group (`config[group][key]`, a link's `group.key`). */
export interface MethodSetting {
  key: string;
  /** The control's label and one-line hint (the hint may read the group's current values). */
  label: string;
  hint: string | ((values: Record<string, number>) => string);
  default: number;
  limit: Limit;
  /** The control's step (default 1). */
  step?: number;
  /** The control's data-testid. */
  testId: string;
  /** Whether the control sits under "More settings" rather than beside the method's main settings. */
  more?: boolean;
  /** The CLI flag that sets it (`--flag N`), when the CLI offers it, and its range there (default: `limit`'s). */
  cli?: { flag: string; hint: string; min?: number; max?: number };
}

/**
 * An on/off option of a method, stored as a top-level config field (`learnLabels`, `dcNet`): `on` is the value
 * when checked; off, the field is absent or `off` (both mean off, and links and records leave it out).
 */
export interface MethodToggle {
  key: keyof RunConfig & string;
  /** How the field is read from a link (`bool`: true/false; `enum`: one of `values`). */
  kind: 'bool' | 'enum';
  /** Every value the field may hold (bool: [true, false]). */
  values: readonly [string | boolean, ...(string | boolean)[]];
  on: string | boolean;
  off: string | boolean;
  /** Whether a complete config carries the field when off (as `off`), so links and records name it. */
  carryOff?: boolean;
  label: string;
  hint: string;
  testId: string;
  /** The CLI flag (`--flag VALUE`), its values (in the order the help lists them), when on and off, and its help text. */
  cli: { flag: string; values: readonly [string, ...string[]]; on: string; off: string; hint: string };
  /** The one line a CLI error gives when the flag is set for another method. */
  only: string;
  /** The "What is happening" card's text when it is on. */
  lesson?: TechniqueLesson;
}

/** A method's "What is happening" text: the idea in one sentence, then what one iteration does, step by step. */
export interface MethodLesson {
  title: string;
  /** One sentence: the idea. */
  idea: string;
  /** What one iteration does, step by step: a bold lead word and the sentence after it. */
  steps: readonly (readonly [string, string])[];
}

/** A technique's "What is happening" text (an option such as learned labels). */
export interface TechniqueLesson {
  title: string;
  text: string;
}

export interface MethodDescriptor<Id extends string = string> {
  id: Id;
  label: string;
  /** One line for the picker. */
  hint: string;
  /** What one iteration is, for the iteration control. */
  iteration: string;
  /** The "What is happening" card's text for it. */
  lesson: MethodLesson;
  /** Defaults of the settings that differ between methods (the papers' values); choosing the method sets them. */
  defaults: { lrImages: number; momentum: number; lrLabels?: number };
  /** The method's own numeric settings, grouped under `config[group]` (links: `group.key`). */
  /**
   * `when`: the group applies only to configs it accepts (e.g. DM's pool settings only with `dmNet: 'pool'`): its
   * controls show, and links and records carry it, only then. Absent: whenever the method is chosen.
   */
  settings?: { group: keyof RunConfig & string; fields: readonly MethodSetting[]; when?: (config: RunConfig) => boolean };
  /** Its on/off options (top-level config fields). */
  toggles?: readonly MethodToggle[];
  /** Which samplers and inits it supports (a method that draws no real batches while distilling supports only uniform). */
  samplers: readonly SamplerId[];
  inits: readonly InitId[];
  /** Why the sampler control is disabled, when the method draws no real batches while distilling. */
  noSamplerHint?: string;
  /** The "Real images per class" hint, when the method uses them otherwise than by drawing batches. */
  realPerClassHint?: string;
  /** Whether the method takes IDC's multi-formation factor. */
  multiFormation: boolean;
  /** Whether it draws fresh random networks while distilling (MethodContext.drawNet; the `netDraw` setting says where). */
  drawsNetworks?: boolean;
  /** Whether the method takes SeqMatch's sequential subsets (`seqSubsets`; src/core/methods/seqmatch). */
  sequential?: boolean;
  /** Whether the importance init scores with a kernel's ridge leverage (KRR) instead of the k-means loss. */
  kernelInit?: boolean;
  /** Whether a run of `config` learns soft labels (exported and evaluable beside the class labels). */
  softLabels?: (config: RunConfig) => boolean;
  /**
   * Whether the method trains a teacher that can relabel the evaluation's training batches (Method.relabeler; the
   * evaluation variant `labels: 'teacher'`, SRe2L's protocol).
   */
  teacher?: boolean;
  /**
   * What the page says about the method's readouts of a finished run (Method.readouts, e.g. a per-class diversity),
   * given the dataset's class names; absent when it shows none.
   */
  describeReadouts?: (readouts: Record<string, number>, classes: readonly string[]) => string;
  /**
   * Peak bytes of a run, estimated before it starts; absent (or null for a config) when memory does not grow with the
   * method's settings.
   */
  estimateBytes?: (config: RunConfig, net: NetSize) => number | null;
  /** What to lower when the run does not fit. */
  memoryAdvice?: string;
}

/** A setting group's values with its defaults filled in. */
export function settingValues(d: MethodDescriptor, config: RunConfig): Record<string, number> {
  if (!d.settings || !(d.settings.when?.(config) ?? true)) return {};
  const given = (config as unknown as Record<string, Record<string, number> | undefined>)[d.settings.group] ?? {};
  return Object.fromEntries(d.settings.fields.map((f) => [f.key, given[f.key] ?? f.default]));
}
