/** Pure helpers for the loss curve and timing statistics (no DOM, no React: unit-testable). */
import type { LossPoint } from '../../shared/protocol';

/** Median of a list of numbers; NaN for an empty list. Non-finite values are ignored. */
export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return Number.NaN;
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const hi = sorted[mid] ?? Number.NaN;
  if (sorted.length % 2 === 1) return hi;
  const lo = sorted[mid - 1] ?? hi;
  return (lo + hi) / 2;
}

/** Rolling median of the `ms` of the last `window` points (null when there is nothing to measure). */
export function msPerIteration(points: readonly LossPoint[], window = 50): number | null {
  if (points.length === 0) return null;
  const m = median(points.slice(-window).map((p) => p.ms));
  return Number.isFinite(m) ? m : null;
}

export interface ChartPoint {
  iteration: number;
  loss: number;
}

/**
 * Reduce a loss curve to at most `maxPoints` by bucketing consecutive points and averaging each bucket's loss
 * (plotted at the bucket's last iteration, so the right end of the curve is always the latest point).
 * Non-finite losses are dropped.
 */
export function downsample(points: readonly LossPoint[], maxPoints = 500): ChartPoint[] {
  const finite = points.filter((p) => Number.isFinite(p.loss));
  const n = finite.length;
  if (n <= maxPoints) return finite.map((p) => ({ iteration: p.iteration, loss: p.loss }));
  const out: ChartPoint[] = [];
  const size = n / maxPoints;
  for (let b = 0; b < maxPoints; b++) {
    const start = Math.floor(b * size);
    const end = Math.min(n, Math.floor((b + 1) * size));
    if (end <= start) continue;
    let sum = 0;
    for (let i = start; i < end; i++) sum += finite[i]?.loss ?? 0;
    const last = finite[end - 1];
    if (last) out.push({ iteration: last.iteration, loss: sum / (end - start) });
  }
  return out;
}

/** True when every value is strictly positive and finite, so a log axis can show it. */
export function canUseLogScale(points: readonly ChartPoint[]): boolean {
  return points.length > 0 && points.every((p) => p.loss > 0 && Number.isFinite(p.loss));
}

/** A [min, max] y-domain padded a little (multiplicatively for log axes). */
export function lossDomain(points: readonly ChartPoint[], log: boolean): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const p of points) {
    if (p.loss < min) min = p.loss;
    if (p.loss > max) max = p.loss;
  }
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (log) {
    if (min === max) return [min / 2, max * 2];
    return [min / 1.15, max * 1.15];
  }
  if (min === max) {
    const pad = Math.abs(min) * 0.1 || 1;
    return [min - pad, max + pad];
  }
  const pad = (max - min) * 0.05;
  return [min - pad, max + pad];
}

/** Tick values for a log axis over [min, max]: powers of ten, with 2x, 5x (and finer) steps added until there are at least three. */
export function logTicks(min: number, max: number): number[] {
  if (!(min > 0) || !(max > 0) || min > max) return [];
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const steps = [[1], [1, 2, 5], [1, 2, 3, 5, 7], [1, 2, 3, 4, 5, 6, 7, 8, 9]];
  let ticks: number[] = [];
  for (const multipliers of steps) {
    ticks = [];
    for (let e = lo; e <= hi; e++) {
      for (const m of multipliers) {
        const v = Number((m * 10 ** e).toPrecision(6));
        if (v >= min && v <= max) ticks.push(v);
      }
    }
    if (ticks.length >= 3) break;
  }
  return ticks;
}

/** About `count` round tick values (1, 2 or 5 × a power of ten apart) covering [min, max]. */
export function linearTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max < min) return [];
  if (max === min) return [min];
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power);
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** The index of the point whose iteration is nearest `iteration` (points sorted by iteration); -1 when empty. */
export function nearestIndex(points: readonly ChartPoint[], iteration: number): number {
  if (points.length === 0) return -1;
  let lo = 0;
  let hi = points.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.iteration < iteration) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(points[lo - 1]!.iteration - iteration) <= Math.abs(points[lo]!.iteration - iteration)) return lo - 1;
  return lo;
}
