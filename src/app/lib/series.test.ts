import { describe, expect, it } from 'vitest';
import type { LossPoint } from '../../shared/protocol';
import { canUseLogScale, downsample, linearTicks, logTicks, lossDomain, median, msPerIteration, nearestIndex } from './series';

const pts = (losses: number[]): LossPoint[] => losses.map((loss, i) => ({ iteration: i + 1, loss, ms: 10 }));

describe('median', () => {
  it('handles odd, even, empty and non-finite input', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
    expect(median([Number.NaN, 5, Infinity])).toBe(5);
  });
});

describe('msPerIteration', () => {
  it('is the median of the recent points, robust to a slow first iteration', () => {
    const points: LossPoint[] = [{ iteration: 1, loss: 1, ms: 5000 }, ...pts([1, 1, 1, 1]).map((p) => ({ ...p, iteration: p.iteration + 1 }))];
    expect(msPerIteration(points)).toBe(10);
    expect(msPerIteration([])).toBeNull();
  });
});

describe('downsample', () => {
  it('keeps short curves as they are', () => {
    expect(downsample(pts([3, 2, 1]), 500)).toEqual([
      { iteration: 1, loss: 3 },
      { iteration: 2, loss: 2 },
      { iteration: 3, loss: 1 },
    ]);
  });

  it('buckets long curves to at most maxPoints, ending at the latest iteration', () => {
    const long = pts(Array.from({ length: 10_000 }, (_, i) => 10_000 - i));
    const out = downsample(long, 500);
    expect(out.length).toBeLessThanOrEqual(500);
    expect(out.length).toBeGreaterThan(490);
    expect(out.at(-1)?.iteration).toBe(10_000);
    for (let i = 1; i < out.length; i++) expect(out[i]!.iteration).toBeGreaterThan(out[i - 1]!.iteration);
    // The mean of each bucket: the first bucket holds losses 10000..9981.
    expect(out[0]!.loss).toBeCloseTo(9990.5);
  });

  it('drops non-finite losses', () => {
    expect(downsample(pts([1, Number.NaN, 2]))).toHaveLength(2);
  });
});

describe('log scale helpers', () => {
  it('needs strictly positive losses', () => {
    expect(canUseLogScale([{ iteration: 1, loss: 0.1 }])).toBe(true);
    expect(canUseLogScale([{ iteration: 1, loss: 0 }])).toBe(false);
    expect(canUseLogScale([])).toBe(false);
  });

  it('pads the domain', () => {
    const [lo, hi] = lossDomain([{ iteration: 1, loss: 1 }, { iteration: 2, loss: 100 }], true);
    expect(lo).toBeLessThan(1);
    expect(hi).toBeGreaterThan(100);
    expect(lossDomain([], false)).toEqual([0, 1]);
  });

  it('puts ticks on powers of ten', () => {
    expect(logTicks(0.5, 2000)).toEqual([1, 10, 100, 1000]);
    expect(logTicks(0.11, 0.9)).toEqual([0.2, 0.3, 0.5, 0.7]);
    expect(logTicks(7.5, 14.6)).toEqual([8, 9, 10]);
    expect(logTicks(3, 40)).toEqual([5, 10, 20]);
    expect(logTicks(0, 1)).toEqual([]);
  });
});

describe('linearTicks', () => {
  it('gives round steps covering the range', () => {
    expect(linearTicks(0, 200)).toEqual([0, 50, 100, 150, 200]);
    expect(linearTicks(0, 1500)).toEqual([0, 500, 1000, 1500]);
    expect(linearTicks(0.12, 0.9, 4)).toEqual([0.2, 0.4, 0.6, 0.8]);
    expect(linearTicks(3, 3)).toEqual([3]);
    expect(linearTicks(5, 1)).toEqual([]);
  });
});

describe('nearestIndex', () => {
  it('finds the point nearest an iteration by bisection', () => {
    const p = [1, 5, 9, 20].map((iteration) => ({ iteration, loss: 1 }));
    expect(nearestIndex(p, 0)).toBe(0);
    expect(nearestIndex(p, 6)).toBe(1);
    expect(nearestIndex(p, 8)).toBe(2);
    expect(nearestIndex(p, 100)).toBe(3);
    expect(nearestIndex([], 3)).toBe(-1);
  });
});

describe('a long run: the chart data stays small', () => {
  it('100,000 points become at most 500, keeping the first bucket and ending at the last iteration', () => {
    const points = Array.from({ length: 100_000 }, (_, i) => ({ iteration: i + 1, loss: 10 / (i + 1) + 1, ms: 5 }));
    const data = downsample(points, 500);
    expect(data.length).toBeLessThanOrEqual(500);
    expect(data.length).toBeGreaterThan(450);
    expect(data.at(-1)!.iteration).toBe(100_000);
    // Decreasing curve, decreasing buckets.
    expect(data.every((p, i) => i === 0 || p.loss <= data[i - 1]!.loss)).toBe(true);
  });
});
