import { describe, expect, it } from 'vitest';
import { errorMessage, formatBytes, formatDateTime, formatDuration, formatInt, formatLoss, formatMs, formatRate } from './format';

describe('formatters', () => {
  it('writes a moment as toLocaleString() does, with one shared formatter', () => {
    for (const ms of [0, 1_764_934_000_000, Date.UTC(2026, 11, 5, 23, 59, 59)]) expect(formatDateTime(ms)).toBe(new Date(ms).toLocaleString());
  });

  it('formats sizes, times and counts', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(12_345_678)).toBe('12.3 MB');
    expect(formatMs(null)).toBe('–');
    expect(formatMs(8.14)).toBe('8.1 ms');
    expect(formatRate(20)).toBe('50.0');
    expect(formatDuration(65_000)).toBe('1:05');
    expect(formatDuration(3_725_000)).toBe('1:02:05');
    expect(formatInt(60000)).toBe('60,000');
    expect(formatLoss(0.012345)).toBe('0.0123');
    expect(formatLoss(0.00001)).toBe('1.00e-5');
    expect(errorMessage(new Error('boom'))).toBe('boom');
  });
});
