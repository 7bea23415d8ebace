import { describe, expect, it } from 'vitest';
import { defaultEvalEvery, describePoints, evalPoints, isEvalPoint } from './eval-schedule';

describe('evaluation schedule', () => {
  it('evaluates at the start, every N iterations and at the end', () => {
    expect(evalPoints(10, 4)).toEqual([0, 4, 8, 10]);
    expect(evalPoints(8, 4)).toEqual([0, 4, 8]);
    expect(evalPoints(3, 10)).toEqual([0, 3]);
    expect(evalPoints(5, 1)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('is off at 0', () => {
    expect(evalPoints(10, 0)).toEqual([]);
    expect(isEvalPoint(0, 10, 0)).toBe(false);
    expect(isEvalPoint(10, 10, 0)).toBe(false);
  });

  it('agrees with the list of points', () => {
    for (const [total, every] of [[10, 4], [7, 3], [12, 12], [1, 5]] as const) {
      const listed = Array.from({ length: total + 2 }, (_, i) => i).filter((i) => isEvalPoint(i, total, every));
      expect(listed).toEqual(evalPoints(total, every));
    }
  });

  it('gives a comparison five points per run when off', () => {
    expect(evalPoints(20, defaultEvalEvery(20))).toEqual([0, 5, 10, 15, 20]);
    expect(evalPoints(4, defaultEvalEvery(4))).toEqual([0, 1, 2, 3, 4]);
    expect(evalPoints(2, defaultEvalEvery(2))).toEqual([0, 1, 2]);
  });

  it('lists long schedules briefly', () => {
    expect(describePoints(evalPoints(4, 2))).toBe('0, 2, 4');
    expect(describePoints(evalPoints(40, 2))).toBe('0, 2, 4, 6, 8, …, 40');
    expect(describePoints(evalPoints(5000, 1000))).toBe('0, 1,000, 2,000, 3,000, 4,000, 5,000');
  });
});
