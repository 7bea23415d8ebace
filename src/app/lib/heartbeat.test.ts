import { describe, expect, it } from 'vitest';
import { HangDetector, HEARTBEAT } from './heartbeat';

describe('HangDetector: when a silent worker counts as hung', () => {
  it('waits the first floor until an iteration is timed, then the floor', () => {
    const d = new HangDetector(HEARTBEAT);
    expect(d.isHung(HEARTBEAT.floorMs + 1)).toBe(false);
    expect(d.isHung(HEARTBEAT.firstFloorMs + 1)).toBe(true);
    d.iteration(40);
    expect(d.timeoutMs).toBe(HEARTBEAT.floorMs);
    expect(d.isHung(HEARTBEAT.floorMs - 1)).toBe(false);
    expect(d.isHung(HEARTBEAT.floorMs + 1)).toBe(true);
  });

  it('gives a run with slow iterations (or long silences) several times their length', () => {
    const d = new HangDetector(HEARTBEAT);
    d.iteration(100);
    d.iteration(90_000); // a DC iteration on the cpu backend
    expect(d.timeoutMs).toBe(450_000);
    expect(d.isHung(400_000)).toBe(false);
    const e = new HangDetector(HEARTBEAT);
    e.iteration(10);
    e.answered(30_000);
    expect(e.isHung(120_000)).toBe(false);
    expect(e.isHung(150_001)).toBe(true);
    // A NaN iteration time (a diverged point) changes nothing.
    e.iteration(NaN);
    expect(e.timeoutMs).toBe(150_000);
  });
});
