/**
 * Text alternatives for the page's pictures (issue 14): what a grid or chart shows, at which iteration, with which
 * loss or accuracy, in the words a screen reader reads out. Pure: no React, no DOM.
 */
import type { EvalReport, LossPoint } from '../../shared/protocol';
import type { BaselineRow } from './compare';
import { formatInt, formatLoss } from './format';

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/** Class names read out in full up to this many; beyond it the first ones and how many more. */
const MAX_NAMED_CLASSES = 10;

/** The loss recorded at `iteration`, else the last one before it (images are sent less often than losses). */
export function lossAt(points: readonly LossPoint[], iteration: number): LossPoint | undefined {
  let found: LossPoint | undefined;
  for (const p of points) {
    if (p.iteration > iteration) break;
    found = p;
  }
  return found;
}

function classList(classes: readonly string[]): string {
  if (classes.length <= MAX_NAMED_CLASSES) return classes.join(', ');
  return `${classes.slice(0, MAX_NAMED_CLASSES).join(', ')} and ${classes.length - MAX_NAMED_CLASSES} more`;
}

export interface GridDescription {
  /** What the images are, e.g. "Synthetic images" or "Synthetic images of DREAM sampling". */
  what: string;
  iteration: number;
  /** The loss at that iteration, when there is one (none before the first iteration). */
  loss?: number;
  /** Images per class (one row per class). */
  ipc: number;
  classes?: readonly string[];
}

/**
 * "Synthetic images at iteration 40, loss 0.0123: 10 rows, one per class (0, 1, …), 1 image per class." The
 * alternative of an image-grid canvas.
 */
export function describeGrid({ what, iteration, loss, ipc, classes }: GridDescription): string {
  const at = `${what} at iteration ${formatInt(iteration)}`;
  const lossText = loss !== undefined ? `, loss ${formatLoss(loss)}` : iteration === 0 ? ', before the first iteration' : '';
  const rows = classes && classes.length > 0 ? `${classes.length} rows, one per class (${classList(classes)})` : 'one row per class';
  return `${at}${lossText}: ${rows}, ${ipc} image${ipc === 1 ? '' : 's'} per class.`;
}

/** One series of a chart: its label and its points. */
export interface Described<T> {
  label: string;
  points: readonly T[];
}

/**
 * "Loss against iteration (log scale), 2 runs. uniform sampling: 0.52 at iteration 1, 0.21 at iteration 4 (4
 * points). DREAM sampling: …" The alternative of a chart of loss curves: each run's first and last point.
 */
export function describeLossSeries(series: readonly Described<LossPoint>[], log = false): string {
  const head = `Loss against iteration${log ? ' (log scale)' : ''}, ${series.length} run${series.length === 1 ? '' : 's'}.`;
  const parts = series.map((s) => {
    const first = s.points[0];
    const last = s.points.at(-1);
    if (!first || !last) return `${s.label}: no points yet.`;
    if (first === last) return `${s.label}: ${formatLoss(last.loss)} at iteration ${formatInt(last.iteration)}.`;
    return `${s.label}: ${formatLoss(first.loss)} at iteration ${formatInt(first.iteration)}, ${formatLoss(last.loss)} at iteration ${formatInt(last.iteration)} (${formatInt(s.points.length)} points).`;
  });
  return [head, ...parts].join(' ');
}

/**
 * "Test accuracy against iteration (mean ± std). This run: 12.0% ± 1.0% at iteration 0, 45.0% ± 2.0% at iteration
 * 4. Baselines (real images): Random real 50.0%, …" The alternative of an accuracy chart: every evaluated point
 * (evaluations are few) and the baselines.
 */
export function describeAccuracySeries(series: readonly Described<EvalReport>[], baselines: readonly BaselineRow[]): string {
  const head = 'Test accuracy against iteration (mean ± std over the networks).';
  const parts = series.map((s) => {
    if (s.points.length === 0) return `${s.label}: not evaluated yet.`;
    const at = s.points.map((r) => `${pct(r.results.distilled.mean)} ± ${pct(r.results.distilled.std)} at iteration ${formatInt(r.iteration)}`);
    return `${s.label}: ${at.join(', ')}.`;
  });
  const base = baselines.length > 0 ? [`Baselines (real images): ${baselines.map((b) => `${b.label}${b.scope ? ` (${b.scope})` : ''} ${pct(b.mean)}`).join(', ')}.`] : [];
  return [head, ...parts, ...base].join(' ');
}
