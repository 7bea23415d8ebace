/**
 * When a busy worker counts as hung. A worker answers a ping only between two pieces of synchronous work, so a
 * slow iteration (DC on the cpu backend takes minutes) looks like silence: the timeout grows with the longest
 * silence and the slowest iteration seen, and is generous until the run has shown how long an iteration takes.
 */
export interface HeartbeatTimings {
  /** Milliseconds between pings. */
  intervalMs: number;
  /** The least time without an answer that counts as hung, once an iteration has been timed. */
  floorMs: number;
  /** The same before the first timed iteration (shader compilation, expert training, a first long step). */
  firstFloorMs: number;
  /** Hung after `factor` times the longest silence or slowest iteration seen, if that is longer than the floor. */
  factor: number;
}

export const HEARTBEAT: HeartbeatTimings = { intervalMs: 2000, floorMs: 60_000, firstFloorMs: 300_000, factor: 5 };

/**
 * The page's fault tests (`#test-hooks`): the same rule with shorter times, so a killed worker is noticed in
 * seconds (not so short that a first cpu iteration on a busy machine counts as a hang).
 */
export const TEST_HEARTBEAT: HeartbeatTimings = { intervalMs: 500, floorMs: 10_000, firstFloorMs: 20_000, factor: 5 };

export class HangDetector {
  private longestMs = 0;
  private timed = false;

  constructor(readonly timings: HeartbeatTimings) {}

  /** A ping answered after `ms`. */
  answered(ms: number): void {
    this.longestMs = Math.max(this.longestMs, ms);
  }

  /** Iterations of the run took `ms` each (from its progress events). */
  iteration(ms: number): void {
    if (!Number.isFinite(ms)) return;
    this.timed = true;
    this.longestMs = Math.max(this.longestMs, ms);
  }

  /** Milliseconds without an answer after which the worker counts as hung. */
  get timeoutMs(): number {
    const floor = this.timed ? this.timings.floorMs : this.timings.firstFloorMs;
    return Math.max(floor, this.timings.factor * this.longestMs);
  }

  /** Whether a ping unanswered for `waitingMs` means the worker is hung. */
  isHung(waitingMs: number): boolean {
    return waitingMs > this.timeoutMs;
  }
}
