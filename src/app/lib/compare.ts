/**
 * Pure helpers of the run comparison (no React, no DOM: unit-tested): the one-click pairs, labels that say how
 * compared runs differ, the queue, curves merged onto one x axis, the baselines and the verdict per iteration.
 */
import { completeConfig } from '../../shared/config';
import type { EvalReport, EvalSetName, LossPoint, RunConfig } from '../../shared/protocol';
import type { InitId, MethodId, SamplerId } from '../../shared/methods';

export type PairKind = 'dream-vs-uniform' | 'importance-vs-random';

/** The two configurations a one-click comparison adds: the current settings with only the compared choice changed. */
export function pairFrom(config: RunConfig, kind: PairKind): RunConfig[] {
  if (kind === 'dream-vs-uniform') return [{ ...config, sampler: 'uniform' }, { ...config, sampler: 'dream' }];
  return [{ ...config, init: 'real' }, { ...config, init: 'importance' }];
}

/** JSON with sorted keys, so equal configurations give equal text whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Whether two configurations run the same distillation (settings that do not apply are ignored). */
export function sameConfig(a: RunConfig, b: RunConfig): boolean {
  return canonical(completeConfig(a)) === canonical(completeConfig(b));
}

const METHOD_SHORT: Record<MethodId, string> = { dm: 'DM', dc: 'DC', krr: 'KRR', mtt: 'MTT', sre2l: 'SRe2L', mgdd: 'MGDD' };
const INIT_SHORT: Record<InitId, string> = { real: 'random real init', noise: 'noise init', kmeans: 'k-means init', importance: 'importance init' };
const SAMPLER_SHORT: Record<SamplerId, string> = { uniform: 'uniform sampling', importance: 'importance sampling', dream: 'DREAM sampling' };

/** Each field a label can name, and how. */
const LABEL_PARTS: { key: string; text: (c: RunConfig) => string }[] = [
  { key: 'method', text: (c) => METHOD_SHORT[c.method] },
  { key: 'init', text: (c) => INIT_SHORT[c.init] },
  { key: 'sampler', text: (c) => SAMPLER_SHORT[c.sampler ?? 'uniform'] },
  { key: 'ipc', text: (c) => `${c.ipc}/class` },
  { key: 'iterations', text: (c) => `${c.iterations} it.` },
  { key: 'width', text: (c) => `width ${c.width}` },
  { key: 'depth', text: (c) => `depth ${c.depth}` },
  { key: 'realPerClass', text: (c) => `${c.realPerClass} real/class` },
  { key: 'lrImages', text: (c) => `lr ${c.lrImages}` },
  { key: 'momentum', text: (c) => `momentum ${c.momentum}` },
  { key: 'dsa', text: (c) => (c.dsa ? 'DSA' : 'no DSA') },
  { key: 'seed', text: (c) => `seed ${c.seed}` },
  { key: 'dataset', text: (c) => c.dataset },
];

/**
 * A short label per configuration naming what sets it apart from the others ("DREAM sampling" beside "uniform
 * sampling"); alone, or when nothing named differs, method · init · sampler. Labels that would still be equal
 * get a number.
 */
export function runLabels(configs: readonly RunConfig[]): string[] {
  const differing = LABEL_PARTS.filter((p) => new Set(configs.map(p.text)).size > 1);
  const parts = differing.length ? differing : LABEL_PARTS.slice(0, 3);
  const labels = configs.map((c) => parts.map((p) => p.text(c)).join(' · '));
  const counts = new Map<string, number>();
  return labels.map((l) => {
    if (labels.filter((x) => x === l).length === 1) return l;
    const n = (counts.get(l) ?? 0) + 1;
    counts.set(l, n);
    return `${l} (${n})`;
  });
}

export type CompareStatus = 'queued' | 'running' | 'done' | 'stopped' | 'error';

/** The next entry to run: the first queued one, in the order they were added. */
export function nextQueued<T extends { status: CompareStatus }>(entries: readonly T[]): T | undefined {
  return entries.find((e) => e.status === 'queued');
}

/** Before a new pass over the queue: entries that did not finish go back in line; finished ones keep their results. */
export function requeue<T extends { status: CompareStatus }>(entries: readonly T[]): T[] {
  return entries.map((e) => (e.status === 'stopped' || e.status === 'error' ? { ...e, status: 'queued' } : e));
}

/** A chart row: the x value and, per series index i, `v{i}` (its value) and `b{i}` ([mean − std, mean + std]). */
export type ChartRow = { iteration: number } & Record<string, number | [number, number] | undefined>;

/** Several curves on one x axis: one row per iteration any of them has, each series' values under its own keys. */
export function mergeByIteration(series: readonly (readonly { iteration: number; value: number; std?: number }[])[]): ChartRow[] {
  const rows = new Map<number, ChartRow>();
  series.forEach((points, i) => {
    for (const p of points) {
      if (!Number.isFinite(p.value)) continue;
      let row = rows.get(p.iteration);
      if (!row) {
        row = { iteration: p.iteration };
        rows.set(p.iteration, row);
      }
      row[`v${i}`] = p.value;
      if (p.std !== undefined) row[`b${i}`] = [p.value - p.std, p.value + p.std];
    }
  });
  return [...rows.values()].sort((a, b) => a.iteration - b.iteration);
}

/** A run's accuracy curve: the distilled set's mean and std at each evaluated iteration. */
export function accuracyCurve(evals: readonly EvalReport[]): { iteration: number; value: number; std: number }[] {
  return evals.map((r) => ({ iteration: r.iteration, value: r.results.distilled.mean, std: r.results.distilled.std }));
}

/** A loss curve as chart points. */
export function lossCurve(points: readonly LossPoint[]): { iteration: number; value: number }[] {
  return points.map((p) => ({ iteration: p.iteration, value: p.loss }));
}

export const BASELINE_SETS: readonly { name: Exclude<EvalSetName, 'distilled'>; label: string; dash: string }[] = [
  { name: 'random', label: 'Random real', dash: '2 3' },
  { name: 'herding', label: 'Herding', dash: '6 3' },
  { name: 'kCenter', label: 'k-center', dash: '10 3 2 3' },
];

export interface BaselineRow {
  name: Exclude<EvalSetName, 'distilled'>;
  label: string;
  dash: string;
  mean: number;
  std: number;
  /** What the baseline was computed for, when the compared runs have more than one such setting. */
  scope: string | null;
}

/**
 * The baselines of the compared runs' evaluations: one row per set and per distinct (IPC, width, settings) they
 * were evaluated under (a DREAM-vs-uniform pair shares one of each).
 */
export function baselineRows(evalLists: readonly (readonly EvalReport[])[]): BaselineRow[] {
  const groups = new Map<string, EvalReport>();
  for (const list of evalLists) {
    const r = list[0];
    if (!r) continue;
    const key = JSON.stringify([r.ipc, r.width, r.request, r.testImages, r.results.random, r.results.herding, r.results.kCenter]);
    if (!groups.has(key)) groups.set(key, r);
  }
  const many = groups.size > 1;
  return [...groups.values()].flatMap((r) =>
    BASELINE_SETS.map((b) => ({
      ...b,
      mean: r.results[b.name].mean,
      std: r.results[b.name].std,
      scope: many ? `${r.ipc}/class, width ${r.width}, ${r.request.epochs} epochs × ${r.request.models}` : null,
    })),
  );
}

/** Every iteration at which at least one of the runs was evaluated, in order. */
export function evaluatedIterations(evalLists: readonly (readonly EvalReport[])[]): number[] {
  return [...new Set(evalLists.flatMap((l) => l.map((r) => r.iteration)))].sort((a, b) => a - b);
}

/**
 * Which runs have the highest mean at an iteration (indices; a shared top counts for each), among those evaluated
 * there; none when fewer than two were evaluated or all of them tie (nothing to tell apart).
 */
export function bestAt(evalLists: readonly (readonly EvalReport[])[], iteration: number): number[] {
  return topIndices(evalLists.map((l) => l.find((r) => r.iteration === iteration)?.results.distilled.mean));
}

/**
 * The indices of the highest of `means` (a shared top counts for each; undefined entries are not in the running);
 * none when fewer than two are known or all of them tie: nothing stands out. The Evaluate table's "(best)" too.
 */
export function topIndices(means: readonly (number | undefined)[]): number[] {
  const known = means.filter((m): m is number => m !== undefined);
  const top = Math.max(...known);
  if (known.length < 2 || known.every((m) => m === top)) return [];
  return means.flatMap((m, i) => (m === top ? [i] : []));
}

export interface Verdict {
  iteration: number;
  /** Index of the run with the highest mean, and the next best. */
  best: number;
  runnerUp: number;
  /** Difference of the means, in accuracy (0..1). */
  margin: number;
  /** Whether the difference is larger than both runs' std (a difference the networks' spread does not explain). */
  clear: boolean;
}

/**
 * The comparison read off at the latest iteration every run was evaluated at: who is ahead, by how much, and
 * whether that exceeds one std of either run. Null with fewer than two evaluated runs or no common iteration.
 */
export function verdict(evalLists: readonly (readonly EvalReport[])[]): Verdict | null {
  const evaluated = evalLists.map((l, i) => ({ l, i })).filter(({ l }) => l.length > 0);
  if (evaluated.length < 2) return null;
  const common = evaluatedIterations(evaluated.map((e) => e.l)).filter((it) => evaluated.every(({ l }) => l.some((r) => r.iteration === it)));
  const iteration = common.at(-1);
  if (iteration === undefined) return null;
  const at = evaluated
    .map(({ l, i }) => ({ i, r: l.find((r) => r.iteration === iteration)!.results.distilled }))
    .sort((a, b) => b.r.mean - a.r.mean);
  const [first, second] = [at[0]!, at[1]!];
  const margin = first.r.mean - second.r.mean;
  return { iteration, best: first.i, runnerUp: second.i, margin, clear: margin > Math.max(first.r.std, second.r.std) };
}

/** How a series is drawn: colour, and a dash pattern and marker so that colour is not the only cue. */
export interface SeriesStyle {
  color: string;
  dash: string;
  marker: 'circle' | 'square' | 'triangle' | 'diamond';
}

export const SERIES_STYLES: readonly SeriesStyle[] = [
  { color: '#1d6fd1', dash: '', marker: 'circle' },
  { color: '#c2410c', dash: '7 4', marker: 'square' },
  { color: '#15803d', dash: '2 3', marker: 'triangle' },
  { color: '#7e22ce', dash: '10 3 3 3', marker: 'diamond' },
];

export function seriesStyle(i: number): SeriesStyle {
  return SERIES_STYLES[i % SERIES_STYLES.length]!;
}

/** Ticks for an accuracy axis over `domain` (0..1): 1, 2, 5, 10 or 20 points apart, at most 7 of them. */
export function accuracyTicks([lo, hi]: [number, number]): number[] {
  const span = Math.max(1e-9, hi - lo) * 100;
  const step = [1, 2, 5, 10, 20].find((s) => span / s <= 6) ?? 25;
  const out: number[] = [];
  for (let t = Math.ceil((lo * 100) / step - 1e-9) * step; t <= hi * 100 + 1e-9; t += step) out.push(Math.round(t * 1e6) / 1e8 + 0);
  return out;
}
