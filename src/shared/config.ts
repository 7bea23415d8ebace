/**
 * The one schema of a run's configuration: its limits (what a browser tab can afford), its validation and its
 * URL encoding. The UI's controls take their ranges from `LIMITS`; links, imports and the CLI validate with
 * `runConfigSchema`. Plain data and zod only: the app, the worker and Node all import it.
 *
 * A link carries the whole configuration, flat and readable:
 *   ?v=0.1.0&dataset=mnist&method=dm&ipc=10&…&sampler.interval=10&mtt.experts=2&backend=wasm&run=1
 * Nested settings use a dotted prefix (`sampler.`, and a method's own group such as `mtt.`). Each method's fields
 * (its settings group and toggles) come from its descriptor (src/shared/method-info/<id>.ts). Unknown parameters and bad values are reported
 * one by one, naming the field and its allowed values; every field that is fine is kept, the rest take
 * their defaults.
 */
import { z } from 'zod';
import { INIT_SETTINGS_DEFAULTS, learnsLabelsAtOwnRate, samplerSettings, METHOD_IDS, methodInfo, settingValues, type MethodDescriptor, type MethodId } from './methods';
import type { Limit } from './limit';
import { GENERAL_SETTINGS, groupDefaults, methodSettings, SETTINGS, settingOf, type Setting } from './settings';
import { DEFAULT_RUN_CONFIG, type BackendPreference, type RunConfig } from './protocol';

/** 'custom' is a dataset uploaded in the page: a config names it with its fingerprint (datasetSha256). */
export const DATASET_IDS = ['mnist', 'fashion-mnist', 'cifar-10', 'custom'] as const;
export const BACKEND_PREFERENCES: readonly [BackendPreference, ...BackendPreference[]] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

export type { Limit } from './limit';

/** The descriptors of every method (for completeConfig). */
const DESCRIPTORS: MethodDescriptor<MethodId>[] = METHOD_IDS.map(methodInfo);

/** A numeric setting's limit, from the settings table. */
function limitOf(param: string): Limit {
  const s = settingOf(param);
  if (s.kind !== 'number') throw new Error(`${param} is not a number`);
  return s.limit;
}

/** Each method's settings group and its limits (e.g. LIMITS.mtt), from the table. */
const METHOD_LIMITS: Record<string, Record<string, Limit>> = {};
for (const s of SETTINGS) {
  if (s.owner && s.kind === 'number' && s.path?.length === 2) (METHOD_LIMITS[s.path[0]] ??= {})[s.path[1]] = s.limit;
}

/** Ranges that protect the browser (and keep links honest), from the settings table (src/shared/settings). */
export const LIMITS = {
  ipc: limitOf('ipc'),
  iterations: limitOf('iterations'),
  width: limitOf('width'),
  depth: limitOf('depth'),
  realPerClass: limitOf('realPerClass'),
  lrImages: limitOf('lrImages'),
  lrLabels: limitOf('lrLabels'),
  momentum: limitOf('momentum'),
  initPool: limitOf('initPool'),
  seed: limitOf('seed'),
  factor: limitOf('factor'),
  seqSubsets: limitOf('seqSubsets'),
  sampler: {
    interval: limitOf('sampler.interval'),
    alpha: limitOf('sampler.alpha'),
    pool: limitOf('sampler.pool'),
    probeSteps: limitOf('sampler.probeSteps'),
  },
  ...METHOD_LIMITS,
} as const;

function num(name: string, l: Limit) {
  const range = `${l.int ? 'a whole number' : 'a number'} from ${l.min} to ${l.max}`;
  let s = z.number({ error: `${name} must be ${range}` });
  if (l.int) s = s.int({ error: `${name} must be ${range}` });
  return s.min(l.min, { error: `${name} must be ${range}` }).max(l.max, { error: `${name} must be ${range}` });
}
function oneOf<T extends string>(name: string, values: readonly [T, ...T[]]) {
  return z.enum(values, { error: `${name} must be one of ${values.join(', ')}` });
}

/** The validator of one setting's value; the messages name its link parameter and what it allows. */
function validator(st: Setting): z.ZodType {
  const name = st.param;
  switch (st.kind) {
    case 'number':
      return num(name, st.limit);
    case 'choice':
      return oneOf(name, st.choices.map(([v]) => v) as [string, ...string[]]);
    case 'bool':
      return z.boolean({ error: `${name} must be true or false` });
    case 'toggle':
      return st.linkKind === 'bool' ? z.boolean({ error: `${name} must be true or false` }) : oneOf(name, st.values.map(String) as [string, ...string[]]);
  }
}

/**
 * The order of a config's fields as the schema has always given them (parsed configs keep it); fields the table
 * adds later follow, then each method's own group and toggles in the registry's order.
 */
const SCHEMA_ORDER = ['dataset', 'datasetSha256', 'method', 'ipc', 'iterations', 'width', 'depth', 'realPerClass', 'lrImages', 'momentum', 'init', 'initFeatures', 'initPool', 'initDraw', 'sampler', 'samplerSettings', 'dsa', 'seed', 'factor', 'seqSubsets'];

/** The schema's fields, from the settings table: a nested group becomes a strict object of its fields. */
function schemaFields(): Record<string, z.ZodType> {
  const tops: string[] = [...SCHEMA_ORDER];
  const byTop = new Map<string, Setting[]>();
  const rows = [...GENERAL_SETTINGS, ...METHOD_IDS.flatMap(methodSettings)];
  for (const st of rows) {
    if (!st.path) continue;
    const top = st.path[0];
    if (!tops.includes(top)) tops.push(top);
    byTop.set(top, [...(byTop.get(top) ?? []), st]);
  }
  const fields: Record<string, z.ZodType> = {};
  for (const top of tops) {
    if (top === 'datasetSha256') {
      fields[top] = z.string({ error: 'datasetSha256 must be 64 lower-case hex digits' }).regex(/^[0-9a-f]{64}$/, { error: 'datasetSha256 must be 64 lower-case hex digits' }).optional();
      continue;
    }
    const sts = byTop.get(top) ?? [];
    const first = sts[0];
    if (!first) continue;
    if (first.path!.length === 2) fields[top] = z.strictObject(Object.fromEntries(sts.map((st) => [st.path![1]!, validator(st)]))).optional();
    else fields[top] = first.optional ? validator(first).optional() : validator(first);
  }
  return fields;
}

/**
 * Determinism: on cpu and wasm the same link gives the same synthetic bytes. GPU backends may sum in another
 * order from one run to the next (on some drivers), so there the promise is the same values within this much
 * (largest absolute difference, in the normalised pixel space); e2e checks it on Chromium's WebGPU.
 */
export const WEBGPU_TOLERANCE = 1e-3;

/** The largest file the page imports (a `.npz` set or a run record); the page checks it before reading the file. */
export const MAX_IMPORT_BYTES = 2 ** 27;

/**
 * The most bytes of dataset files the page reads from the user in one upload (all files together), checked before
 * reading them: 256 MiB, room for the five CIFAR-10 binary batches and the test batch (184 MB).
 */
export const MAX_DATASET_BYTES = 2 ** 28;

/** A whole run configuration (strict: unknown fields are errors), from the settings table. */
export const runConfigSchema = z.strictObject(schemaFields()) as unknown as z.ZodType<RunConfig>;

/**
 * The configuration with every setting that applies filled in with its default, and the settings that do not
 * apply (another method's, another init's, a uniform sampler's) left out: what a link and a record carry.
 */
export function completeConfig(config: RunConfig): RunConfig {
  const { samplerSettings: _s, initFeatures: _f, initPool: _p, initDraw: _d, datasetSha256: _h, factor: _x, seqSubsets: _q, lrLabels: _l, ...rest } = config;
  // Every method's own fields are dropped, then the run's method's put back, complete.
  const base = { ...rest } as Record<string, unknown>;
  for (const d of DESCRIPTORS) {
    if (d.settings) delete base[d.settings.group];
    for (const t of d.toggles ?? []) delete base[t.key];
  }
  const sampler = config.sampler ?? 'uniform';
  const selects = config.init === 'kmeans' || config.init === 'importance';
  const method = methodInfo(config.method);
  const own: Record<string, unknown> = {};
  if (method.settings && (method.settings.when?.(config) ?? true)) own[method.settings.group] = settingValues(method, config);
  for (const t of method.toggles ?? []) {
    const v = (config as unknown as Record<string, unknown>)[t.key];
    // A toggle is carried when on (so links and records of runs without it stay as they were), or always if it says so.
    if (v === t.on) own[t.key] = t.on;
    else if (t.carryOff) own[t.key] = t.off;
  }
  return {
    ...(base as unknown as RunConfig),
    ...(config.dataset === 'custom' && config.datasetSha256 ? { datasetSha256: config.datasetSha256 } : {}),
    sampler,
    ...(sampler !== 'uniform' ? { samplerSettings: samplerSettings(config) } : {}),
    ...(selects
      ? { initFeatures: config.initFeatures ?? INIT_SETTINGS_DEFAULTS.initFeatures, initPool: config.initPool ?? INIT_SETTINGS_DEFAULTS.initPool }
      : {}),
    ...(config.init === 'importance' ? { initDraw: config.initDraw ?? INIT_SETTINGS_DEFAULTS.initDraw } : {}),
    ...own,
    // Multi-formation: carried only when on, so links and records of runs without it stay as they were.
    ...(method.multiFormation && (config.factor ?? 1) > 1 ? { factor: config.factor } : {}),
    // The labels' learning rate (KRR's): only for a run that learns labels, and only when said (absent: the images' rate).
    ...(learnsLabelsAtOwnRate(config) && config.lrLabels !== undefined ? { lrLabels: config.lrLabels } : {}),
    // SeqMatch: carried only when on, likewise.
    ...(method.sequential && (config.seqSubsets ?? 1) > 1 ? { seqSubsets: config.seqSubsets } : {}),
  };
}

/** Validates a configuration; the messages name each bad field and what it allows. */
export function validateRunConfig(value: unknown): { ok: true; config: RunConfig } | { ok: false; errors: string[] } {
  const r = runConfigSchema.safeParse(value);
  if (r.success) return { ok: true, config: r.data };
  return { ok: false, errors: r.error.issues.map(issueMessage) };
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${clip(k)}'`).join(', ')}`;
  return issue.message;
}

/** Echo at most 40 characters of something a link or a file said. */
export function clip(s: string): string {
  const t = Array.from(s, (ch) => (ch.charCodeAt(0) < 32 || ch.charCodeAt(0) === 127 ? '?' : ch)).join('');
  return t.length > 40 ? `${t.slice(0, 40)}…` : t;
}

// ---------------------------------------------------------------------------------------------------------------
// URL codec

/** The query parameters the codec owns besides the config's fields. */
const META_PARAMS = ['v', 'backend', 'run'] as const;

/** Every URL parameter of the config: its path in RunConfig and how its text is read. */
interface Field {
  path: [string] | [string, string];
  kind: 'enum' | 'number' | 'bool';
}
/**
 * The order links have always written their parameters in (a contract: old links are compared as text). `*toggles`:
 * each method's toggles, `*methods`: each method's own settings, in the registry's order; parameters the table
 * adds later go at the end.
 */
const LINK_ORDER = ['dataset', 'datasetSha256', 'method', 'ipc', 'iterations', 'width', 'depth', 'realPerClass', 'lrImages', 'momentum', 'init', 'initFeatures', 'initPool', 'initDraw', 'sampler', 'dsa', '*toggles', 'factor', 'seqSubsets', 'seed', 'sampler.interval', 'sampler.alpha', 'sampler.pool', 'sampler.probeSteps', '*methods'];

/** Every URL parameter of the config, from the settings table, in LINK_ORDER. */
function linkFields(): Record<string, Field> {
  const own = METHOD_IDS.flatMap(methodSettings);
  const field = (st: Setting): [string, Field] => [st.param, { path: st.path as Field['path'], kind: st.kind === 'number' ? 'number' : st.kind === 'bool' ? 'bool' : st.kind === 'toggle' ? st.linkKind : 'enum' }];
  const general = GENERAL_SETTINGS.filter((st) => st.path);
  const entries: [string, Field][] = [];
  for (const name of LINK_ORDER) {
    if (name === 'datasetSha256') entries.push([name, { path: ['datasetSha256'], kind: 'enum' }]);
    else if (name === '*toggles') entries.push(...own.filter((st) => st.kind === 'toggle').map(field));
    else if (name === '*methods') entries.push(...own.filter((st) => st.kind !== 'toggle').map(field));
    else entries.push(field(general.find((st) => st.param === name)!));
  }
  entries.push(...general.filter((st) => !LINK_ORDER.includes(st.param)).map(field));
  return Object.fromEntries(entries);
}
const FIELDS: Record<string, Field> = linkFields();

/** The longest query string a link may carry (a shared link is untrusted input). */
export const MAX_LINK_CHARS = 4096;

export interface LinkState {
  config: RunConfig;
  backend: BackendPreference;
  /** `run=1`: start the run once the dataset is loaded (only when the link had no errors). */
  run: boolean;
  /** The app version the link was made with, if it said. */
  version: string | null;
  /** One message per rejected parameter; empty when the link was clean. */
  errors: string[];
  /** Whether the link said anything about the config at all. */
  present: boolean;
}

/** A URL query string for the whole config (every field, so a later version's new defaults cannot change it). */
export function configToSearch(input: RunConfig, opts: { version: string; backend?: BackendPreference; run?: boolean }): string {
  const config = completeConfig(input);
  const p = new URLSearchParams();
  p.set('v', opts.version);
  for (const [name, f] of Object.entries(FIELDS)) {
    const v = f.path.length === 1 ? (config as unknown as Record<string, unknown>)[f.path[0]] : ((config as unknown as Record<string, Record<string, unknown> | undefined>)[f.path[0]]?.[f.path[1]]);
    if (v === undefined) continue;
    p.set(name, String(v));
  }
  if (opts.backend && opts.backend !== 'auto') p.set('backend', opts.backend);
  if (opts.run) p.set('run', '1');
  return `?${p.toString()}`;
}

/** Reads a link. Never throws: what it cannot use it reports in `errors` and replaces by the default. */
export function configFromSearch(search: string, defaults: RunConfig = DEFAULT_RUN_CONFIG): LinkState {
  const errors: string[] = [];
  const state: LinkState = { config: structuredClone(defaults), backend: 'auto', run: false, version: null, errors, present: false };
  if (search.length > MAX_LINK_CHARS) {
    errors.push(`the link's settings are ${search.length} characters long; at most ${MAX_LINK_CHARS} are read, so all were ignored`);
    return state;
  }
  const params = new URLSearchParams(search);
  const seen = new Set<string>();
  const draft: Record<string, unknown> = structuredClone(defaults) as unknown as Record<string, unknown>;
  const entries: [string, string][] = [];
  params.forEach((text, name) => entries.push([name, text]));
  for (const [name, text] of entries) {
    if (seen.has(name)) {
      errors.push(`'${clip(name)}' appears more than once; the first value is used`);
      continue;
    }
    seen.add(name);
    if ((META_PARAMS as readonly string[]).includes(name)) continue;
    const f = FIELDS[name];
    if (!f) {
      errors.push(`unknown field '${clip(name)}'`);
      continue;
    }
    state.present = true;
    const value = f.kind === 'number' ? parseNumber(text) : f.kind === 'bool' ? parseBool(text) : text;
    // Validate the field alone, in place: a bad field is reported and left at its default.
    const trial = structuredClone(draft);
    if (f.path.length === 1) trial[f.path[0]] = value;
    else {
      const [group, key] = f.path;
      trial[group] = { ...groupDefaults(group), ...(trial[group] as object | undefined), [key]: value };
    }
    const r = runConfigSchema.safeParse(trial);
    const mine = r.success ? [] : r.error.issues.filter((i) => i.path.join('.') === f.path.join('.'));
    if (mine.length) errors.push(`${mine[0]!.message} (got '${clip(text)}')`);
    else Object.assign(draft, trial);
  }
  // A link that sets the config but not a field added later was made before that field existed (by the app, or by
  // hand): the field reads as absent, which means what configs before it did, so the link keeps its bytes.
  if (state.present) {
    for (const st of GENERAL_SETTINGS) {
      if (st.absent !== undefined && st.path?.length === 1 && !seen.has(st.param)) delete draft[st.path[0]];
    }
  }
  const backend = params.get('backend');
  if (backend !== null) {
    const b = backend.trim().toLowerCase();
    if ((BACKEND_PREFERENCES as readonly string[]).includes(b)) state.backend = b as BackendPreference;
    else errors.push(`backend must be one of ${BACKEND_PREFERENCES.join(', ')} (got '${clip(backend)}')`);
  }
  state.version = params.get('v');
  const final = runConfigSchema.safeParse(draft);
  // Each field was checked against the others as they stood; a last check keeps the whole consistent.
  if (final.success) state.config = final.data;
  else errors.push(...final.error.issues.map(issueMessage));
  state.run = params.get('run') === '1' && errors.length === 0;
  return state;
}

function parseNumber(text: string): number | string {
  const t = text.trim();
  if (t === '' || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return text;
  return Number(t);
}

function parseBool(text: string): boolean | string {
  const t = text.trim().toLowerCase();
  if (t === 'true' || t === '1' || t === 'on') return true;
  if (t === 'false' || t === '0' || t === 'off') return false;
  return text;
}
