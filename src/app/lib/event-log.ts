/**
 * What the run has said, in order: one short entry per event the worker sent (the message of each preparing step,
 * the iteration of each progress, image, pause and done event). A test reads it after the fact
 * (`window.__distillEvents()`), so it never has to catch a message while it is on screen. The worker throttles
 * preparing messages (one per 200 ms, and always the last, at fraction 1): a test may count on the last one only.
 *
 * Bounded: after MAX entries the oldest progress and image entries go first, so every preparing message, start and
 * end of a session stays.
 */
import type { RunEvent } from '../../shared/protocol';

export interface LoggedEvent {
  type: RunEvent['type'];
  /** The iteration the event is about, when it names one. */
  iteration?: number;
  /** The preparing step's or the error's message; the done event's reason. */
  message?: string;
  /** A preparing step's fraction done (0..1). */
  fraction?: number;
  /** Milliseconds since the page loaded. */
  at: number;
}

const MAX = 4000;
const frequent = new Set<RunEvent['type']>(['progress', 'images', 'selection', 'checkpoint', 'evaluating']);

export function summarise(e: RunEvent, at: number): LoggedEvent {
  switch (e.type) {
    case 'preparing':
      return { type: e.type, message: e.message, fraction: e.fraction, at };
    case 'error':
      return { type: e.type, message: e.message, at };
    case 'done':
      return { type: e.type, iteration: e.iteration, message: e.reason, at };
    case 'progress':
    case 'images':
    case 'paused':
    case 'resumed':
    case 'evaluating':
      return { type: e.type, iteration: e.iteration, at };
    case 'checkpoint':
      return { type: e.type, iteration: e.checkpoint.iteration, at };
    case 'evaluation':
      return { type: e.type, iteration: e.report.iteration, at };
    case 'started':
      return { type: e.type, iteration: e.fromIteration, message: e.backend, at };
    case 'selection':
      return { type: e.type, at };
  }
}

/** An append-only log with the bound above. */
export class EventLog {
  private entries: LoggedEvent[] = [];

  record(e: RunEvent, at = typeof performance !== 'undefined' ? performance.now() : Date.now()): void {
    this.entries.push(summarise(e, at));
    if (this.entries.length > MAX) {
      const drop = this.entries.findIndex((x) => frequent.has(x.type));
      this.entries.splice(drop >= 0 ? drop : 0, 1);
    }
  }

  all(): LoggedEvent[] {
    return this.entries.slice();
  }
}

/** The page's one log (the store records into it). */
export const runEventLog = new EventLog();

declare global {
  interface Window {
    /** Every run event so far, summarised (see EventLog); for tests and for anyone debugging in the console. */
    __distillEvents?: () => LoggedEvent[];
  }
}

if (typeof window !== 'undefined') window.__distillEvents = () => runEventLog.all();
