/**
 * The CLI's per-method checks, read from the method descriptors (src/shared/method-info/<id>.ts): a toggle set for
 * another method, --factor or --seq-subsets for a method without them. The flags themselves and their help come
 * from the settings table (src/shared/settings, src/cli/args.ts). The CLI itself names no method.
 */
import { METHOD_IDS, methodInfo, methodsWith, teacherMethods, type MethodId, type MethodToggle } from '../shared/methods';
import type { RunConfig } from '../shared/protocol';
import { SETTINGS, shownFor, usedBy } from '../shared/settings';


const all = METHOD_IDS.map((id) => ({ id, d: methodInfo(id) }));

/** Every method's toggles, with their method. */
function toggleFlags(): { id: MethodId; t: MethodToggle }[] {
  return all.flatMap(({ id, d }) => (d.toggles ?? []).map((t) => ({ id, t })));
}

/** A list for messages: "dm, dc or krr". */
function orList(xs: string[]): string {
  return xs.length > 1 ? `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}` : (xs[0] ?? '');
}

/** The flags that give a set soft labels ("--method krr --learn-labels on"), for messages. */
export function softLabelFlags(): string {
  // A method's toggles are named only when they are what turns its soft labels on.
  const needed = (d: ReturnType<typeof methodInfo>) =>
    (d.toggles ?? []).filter((t) => !d.softLabels!({ [t.key]: t.off } as unknown as RunConfig) && d.softLabels!({ [t.key]: t.on } as unknown as RunConfig));
  return orList(methodsWith((d) => d.softLabels !== undefined).map((id) => [`--method ${id}`, ...needed(methodInfo(id)).map((t) => `--${t.cli.flag} ${t.cli.on}`)].join(' ')));
}

/**
 * The per-method checks of `distill run`'s flags: a toggle or --factor given for a method without it, soft-label
 * evaluation of a run that learns none. Returns the first problem's message, or null.
 */
export function checkMethodFlags(args: Record<string, unknown>, method: MethodId, factor: number, evalLabels: string): string | null {
  const d = methodInfo(method);
  for (const { t } of toggleFlags()) {
    if (args[t.cli.flag] === t.cli.on && !(d.toggles ?? []).some((x) => x.key === t.key)) return t.only;
  }
  if (factor > 1 && !d.multiFormation) {
    const without = methodsWith((x) => !x.multiFormation).map((id) => id.toUpperCase());
    return `--factor needs --method ${orList(methodsWith((x) => x.multiFormation))} (${orList(without)} ${without.length > 1 ? 'have' : 'has'} no multi-formation)`;
  }
  if (evalLabels === 'soft' && !(d.softLabels?.(methodConfig(args, method) as RunConfig) ?? false)) {
    return `--eval-labels soft needs a set with soft labels: ${softLabelFlags()} (no other method learns labels)`;
  }
  if (evalLabels === 'teacher' && !d.teacher) return `--eval-labels teacher needs a run with a teacher: ${teacherFlags()}`;
  return null;
}

/** The flags of a run with a teacher to relabel evaluation batches ("--method sre2l"), for messages. */
export function teacherFlags(): string {
  return orList(teacherMethods().map((id) => `--method ${id}`));
}

/** SeqMatch's subsets: only for methods that take them, and at most IPC. Returns the problem's message, or null. */
export function checkSubsets(method: MethodId, k: number, ipc: number): string | null {
  if (k <= 1) return null;
  if (!methodInfo(method).sequential) return `--seq-subsets needs --method ${orList(methodsWith((x) => x.sequential === true))} (SeqMatch applies to the matching methods here)`;
  if (k > ipc) return `--seq-subsets ${k} needs at least ${k} images per class (--ipc ${ipc})`;
  return null;
}

/** The config fields of `method` that its flags set: its settings group (defaults filled in) and its toggles. */
export function methodConfig(args: Record<string, unknown>, method: MethodId): Partial<RunConfig> {
  const d = methodInfo(method);
  const out: Record<string, unknown> = {};
  for (const t of d.toggles ?? []) {
    if (args[t.cli.flag] === t.cli.on) out[t.key] = t.on;
    else if (t.carryOff) out[t.key] = t.off;
  }
  // A group that applies only with some toggle (DM's pool settings) is left out without it.
  if (d.settings && (d.settings.when?.(out as unknown as RunConfig) ?? true)) out[d.settings.group] = Object.fromEntries(d.settings.fields.map((s) => [s.key, s.cli ? (args[s.cli.flag] as number) : s.default]));
  return out as Partial<RunConfig>;
}

/**
 * A setting named on the command line where the run would not use it: a general one its method does not use
 * (`--net-draw` or `--sampler-pool` for MTT), a method's own for another method, or without the toggle it belongs
 * to (`--pool-size` without `--dm-net pool`). Returns the message, or null.
 */
export function checkSettingFlags(given: ReadonlySet<string>, config: RunConfig): string | null {
  for (const s of SETTINGS) {
    if (s.cli && !s.owner && s.methods !== 'all' && given.has(s.cli.flag) && !usedBy(s, config.method)) {
      return `--${s.cli.flag} applies to --method ${orList([...s.methods])} (this run is --method ${config.method})`;
    }
    if (s.cli && s.onlyWhen && given.has(s.cli.flag) && !shownFor(s, config)) return s.onlyWhen;
  }
  for (const s of SETTINGS) {
    if (!s.cli || !s.owner || s.kind === 'toggle' || !given.has(s.cli.flag) || shownFor(s, config)) continue;
    if (s.owner !== config.method) return `--${s.cli.flag} is a setting of --method ${s.owner} (this run is --method ${config.method})`;
    const toggle = (methodInfo(s.owner).toggles ?? []).find((t) => s.shown?.({ ...config, [t.key]: t.on }));
    return `--${s.cli.flag} applies only with ${toggle ? `--${toggle.cli.flag} ${toggle.cli.on}` : 'settings this run does not have'}`;
  }
  return null;
}
