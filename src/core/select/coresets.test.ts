import { describe, expect, it } from 'vitest';
import { herding, kCenter, type Features } from './coresets';

const rows = (xs: number[][]): Features => ({ data: Float32Array.from(xs.flat()), n: xs.length, d: xs[0]!.length });

describe('coresets', () => {
  it('herding picks the row nearest the mean first, then the one that re-centres the running mean', () => {
    // Mean = 0. Row 2 (0.1) is nearest; then -0.5 brings (0.1 - 0.5)/2 = -0.2 nearer 0 than 1.0 or -1.2 would.
    const f = rows([[1.0], [-1.2], [0.1], [-0.5], [0.5]]);
    expect(Array.from(herding(f, 2))).toEqual([2, 3]);
    expect(new Set(herding(f, 5)).size).toBe(5);
  });

  it('k-center starts at the mean and adds the farthest points', () => {
    const f = rows([[0, 0], [10, 0], [0.1, 0], [-9, 0], [0, 5]]);
    // Mean is (0.22, 1): nearest is row 2 (0.1, 0)? |(0.1,0)-(0.22,1)|² = 1.0144; row 0: 1.0484. So row 2 first.
    const picks = Array.from(kCenter(f, 3));
    expect(picks[0]).toBe(2);
    expect(picks[1]).toBe(1); // farthest from (0.1, 0)
    expect(picks[2]).toBe(3); // farthest from both
  });
});
