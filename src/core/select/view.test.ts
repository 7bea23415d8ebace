import { describe, expect, it } from 'vitest';
import { drawHistogram, importanceStrip } from './view';

describe('selection views', () => {
  it('the importance strip sorts by π, always shows the drawn images, and fills with the most important others', () => {
    const strip = importanceStrip(
      [{ candidates: Int32Array.from([10, 11, 12, 13, 14]), pi: Float64Array.from([0.1, 0.4, 0.05, 0.3, 0.15]), drawn: Int32Array.from([2]) }],
      3,
    );
    // Drawn: candidate 2 (π 0.05, the least); room for two more: candidates 1 (0.4) and 3 (0.3).
    expect(strip.indices).toEqual([[11, 13, 12]]);
    expect(strip.marked).toEqual([[false, false, true]]);
    expect(strip.pi).toEqual([[0.4, 0.3, 0.05]]);
  });

  it('the draw histogram bins counts 0, 1, 2, 3–4, 5–8, 9–16, 17–32, 33+', () => {
    const h = drawHistogram(Uint32Array.from([0, 0, 1, 2, 3, 4, 5, 8, 9, 40]));
    expect(h.bins.map((b) => b.label)).toEqual(['0', '1', '2', '3–4', '5–8', '9–16', '17–32', '33+']);
    expect(h.bins.map((b) => b.images)).toEqual([2, 1, 1, 2, 2, 1, 0, 1]);
    expect(h).toMatchObject({ drawnOnce: 8, images: 10, totalDraws: 72 });
  });
});
