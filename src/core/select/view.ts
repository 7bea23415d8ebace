/**
 * What the UI shows of the selection techniques, as plain data: which real images the importance initialiser
 * ranked and drew, which ones DREAM currently matches against, and how often each real image has been drawn.
 * Pure functions (no TensorFlow.js): the worker turns the indices into image grids.
 */
import type { DrawHistogram } from '../../shared/protocol';

/**
 * Per class, `cols` candidates in decreasing π: the drawn ones always included (and flagged), the rest the
 * highest-π candidates not drawn. Returns dataset indices, flags and π, row by row.
 */
export function importanceStrip(
  classes: { candidates: Int32Array; pi: Float64Array; drawn: Int32Array }[],
  cols: number,
): { indices: number[][]; marked: boolean[][]; pi: number[][] } {
  const indices: number[][] = [];
  const marked: boolean[][] = [];
  const pis: number[][] = [];
  for (const ci of classes) {
    const drawn = new Set(ci.drawn);
    const order = Array.from(ci.candidates.keys()).sort((a, b) => ci.pi[b]! - ci.pi[a]!);
    const room = Math.max(0, cols - drawn.size);
    const shown = new Set<number>(drawn);
    for (const p of order) {
      if (shown.size >= drawn.size + room) break;
      shown.add(p);
    }
    const row = order.filter((p) => shown.has(p));
    indices.push(row.map((p) => ci.candidates[p]!));
    marked.push(row.map((p) => drawn.has(p)));
    pis.push(row.map((p) => ci.pi[p]!));
  }
  return { indices, marked, pi: pis };
}

const BIN_EDGES = [0, 1, 2, 3, 5, 9, 17, 33] as const;

/** Histogram of draw counts over all training images: how many were drawn 0, 1, 2, 3–4, 5–8, … times. */
export function drawHistogram(draws: ArrayLike<number>): DrawHistogram {
  const counts = new Array<number>(BIN_EDGES.length).fill(0);
  let drawnOnce = 0;
  let totalDraws = 0;
  for (let i = 0; i < draws.length; i++) {
    const d = draws[i]!;
    totalDraws += d;
    if (d > 0) drawnOnce++;
    let b = BIN_EDGES.length - 1;
    while (d < BIN_EDGES[b]!) b--;
    counts[b]!++;
  }
  const bins = BIN_EDGES.map((lo, b) => {
    const next = BIN_EDGES[b + 1];
    const label = next === undefined ? `${lo}+` : next - lo === 1 ? `${lo}` : `${lo}–${next - 1}`;
    return { label, images: counts[b]! };
  });
  return { bins, drawnOnce, images: draws.length, totalDraws };
}
