/**
 * When a run evaluates its synthetic set while it distils ("evaluate every N iterations"): plain numbers, shared by
 * the worker's driver (which pauses the run for each evaluation) and the page (which shows the planned points).
 */

/** Whether iteration `iteration` of a run of `total` iterations is an evaluation point: the start, every `every`, the end. */
export function isEvalPoint(iteration: number, total: number, every: number): boolean {
  if (!(every >= 1) || iteration < 0 || iteration > total) return false;
  return iteration === 0 || iteration === total || iteration % every === 0;
}

/** Every evaluation point of a run of `total` iterations, in order (none when `every` is 0: off). */
export function evalPoints(total: number, every: number): number[] {
  if (!(every >= 1) || total < 0) return [];
  const out: number[] = [];
  for (let it = 0; it < total; it += Math.floor(every)) out.push(it);
  out.push(total);
  return out;
}

/** What a comparison uses when "evaluate every" is off: five points per run (the start, each quarter, the end). */
export function defaultEvalEvery(total: number): number {
  return Math.max(1, Math.ceil(total / 4));
}

/** The points as a short list for the page: "0, 2, 4, 6, 8, …, 40" (the first `head` and the last). */
export function describePoints(points: readonly number[], head = 5): string {
  const fmt = (n: number) => n.toLocaleString('en-US');
  if (points.length <= head + 1) return points.map(fmt).join(', ');
  return `${points.slice(0, head).map(fmt).join(', ')}, …, ${fmt(points.at(-1)!)}`;
}
