/**
 * Drives a DistillRun with pause / resume / stop, reading losses back from the device in batches at a
 * throttled rate (one readback per flush, not per iteration) and emitting plain-data events.
 */
import * as tf from '@tensorflow/tfjs';
import type { LossPoint, RunCheckpoint, RunEvent } from '../../shared/protocol';
import type { DistillRun } from './run';
import { isEvalPoint } from '../../shared/eval-schedule';

/** Pause / resume / step / stop for a running loop. */
export class RunControl {
  private paused = false;
  private stopped = false;
  private stepQueued = false;
  private wake: (() => void) | null = null;

  get isPaused(): boolean {
    return this.paused;
  }
  get isStopped(): boolean {
    return this.stopped;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
    this.wake?.();
  }
  stop(): void {
    this.stopped = true;
    this.wake?.();
  }
  /** While paused: run exactly one more iteration, then stay paused (ignored while running). */
  step(): void {
    if (!this.paused || this.stopped) return;
    this.stepQueued = true;
    this.wake?.();
  }
  /** Whether a step was asked for (and clears the request). */
  takeStep(): boolean {
    const queued = this.stepQueued;
    this.stepQueued = false;
    return queued;
  }
  /** Resolves when resumed, stopped or asked to step. */
  waitWhilePaused(): Promise<void> {
    if (!this.paused || this.stopped || this.stepQueued) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = null;
        resolve();
      };
    });
  }
}

export interface DriveOptions {
  control: RunControl;
  emit: (e: RunEvent) => void;
  /** Minimum milliseconds between progress flushes and between image snapshots. */
  progressMs?: number;
  imagesMs?: number;
  /** Milliseconds between 'checkpoint' events (also sent at each pause and at the end); none when absent. */
  checkpointMs?: number;
  /**
   * Evaluation during the run: `evaluate(iteration)` is awaited at iteration 0 (a fresh run), every `every`
   * iterations and at the last one (isEvalPoint), after the loss points and the images up to there were sent.
   * Its time is not counted in ms per iteration.
   */
  evaluateAt?: { every: number; evaluate: (iteration: number) => Promise<void> };
}

/**
 * The run diverged: a loss or the synthetic set itself became NaN or ±Infinity. `message` says at which
 * iteration and what to try; the driver emitted no checkpoint holding the bad values, so the last
 * 'checkpoint' event (if any) is the last good state.
 */
export class DivergedError extends Error {
  override name = 'DivergedError';
  constructor(
    /** The first iteration whose loss (or whose resulting set) was not finite. */
    readonly iteration: number,
    /** What was found: the loss's value, or the synthetic images. */
    readonly found: { what: 'loss'; value: number } | { what: 'images' },
    config: { method: string; lrImages: number; momentum: number },
  ) {
    const what = found.what === 'loss' ? `the loss became ${found.value}` : 'the synthetic set became NaN or infinite';
    super(
      `The run diverged at iteration ${iteration}: ${what}, so it was stopped. ` +
        `Lower the image learning rate (now ${config.lrImages}; try ${tenth(config.lrImages)}) or the momentum (now ${config.momentum}), then run again.`,
    );
  }
}

/** A tenth of `x`, printed without float noise (0.1, not 0.10000000000000001). */
function tenth(x: number): string {
  return String(Number((x / 10).toPrecision(3)));
}

/** Whether every value is finite (no NaN, no ±Infinity). */
export function allFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return false;
  return true;
}

/** The checkpoint fields the run owns; the others are its method's (learned labels, a step size, …). */
const RUN_FIELDS = new Set(['iteration', 'rng', 'images', 'velocity', 'initial', 'sampler', 'refreshedAt']);

/** Whether every number in a method's checkpoint field (numbers, typed arrays, arrays and objects of them) is finite. */
function finiteDeep(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  if (ArrayBuffer.isView(v)) return v instanceof DataView || allFinite(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return v.every(finiteDeep);
  if (v !== null && typeof v === 'object') return Object.values(v).every(finiteDeep);
  return true;
}

/** Whether a checkpoint can be resumed: every value it holds (set, momentum, and the method's own: learned labels, MTT's step) finite. */
export function checkpointFinite(cp: RunCheckpoint): boolean {
  return allFinite(cp.images) && allFinite(cp.velocity) && Object.entries(cp).every(([k, v]) => RUN_FIELDS.has(k) || finiteDeep(v));
}

/** Lets queued messages (pause, stop) through between iterations. */
const yieldToEvents = () => new Promise<void>((r) => setTimeout(r, 0));

/**
 * Runs `run` until it reaches `run.config.iterations` or is stopped. Progress events carry every loss
 * point; ms per iteration is the wall time of a flush window divided by its iterations, measured after
 * the readback so device work is included. A step while paused runs one iteration, sends its loss point, the
 * images and a checkpoint, and pauses again (a 'paused' event, no 'resumed').
 */
export async function drive(run: DistillRun, opts: DriveOptions): Promise<'completed' | 'stopped'> {
  const { control, emit } = opts;
  const progressMs = opts.progressMs ?? 250;
  const imagesMs = opts.imagesMs ?? 400;
  let pending: { iteration: number; loss: tf.Scalar }[] = [];
  let windowStart = performance.now();
  let lastImages = 0;
  let lastCheckpoint = performance.now();
  const checkpoint = async () => {
    if (opts.checkpointMs === undefined) return;
    lastCheckpoint = performance.now();
    const cp = await run.checkpoint();
    // Never hand out a state that cannot be resumed: the last checkpoint sent stays the last good one.
    if (!checkpointFinite(cp)) throw new DivergedError(cp.iteration, { what: 'images' }, run.config);
    emit({ type: 'checkpoint', checkpoint: cp });
  };

  const flush = async () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    const stacked = tf.stack(batch.map((p) => p.loss));
    const values = await stacked.data();
    stacked.dispose();
    tf.dispose(batch.map((p) => p.loss));
    const now = performance.now();
    const ms = (now - windowStart) / batch.length;
    windowStart = now;
    const points: LossPoint[] = batch.map((p, i) => ({ iteration: p.iteration, loss: values[i]!, ms }));
    const mem = tf.memory();
    emit({ type: 'progress', points, iteration: run.iteration, numTensors: mem.numTensors, numBytes: mem.numBytes });
    const bad = points.find((p) => !Number.isFinite(p.loss));
    if (bad) throw new DivergedError(bad.iteration, { what: 'loss', value: bad.loss }, run.config);
  };

  const snapshot = async () => {
    lastImages = performance.now();
    const pixels = await run.pixels();
    // A set gone NaN would draw as a grey grid: stop with the reason instead.
    if (!allFinite(pixels)) throw new DivergedError(run.iteration, { what: 'images' }, run.config);
    emit({ type: 'images', iteration: run.iteration, grid: run.gridOf(pixels), change: run.changeOf(pixels) });
    // Which real images were chosen and drawn: cheap (a few hundred images and one pass over the counts).
    emit({ type: 'selection', view: run.selectionUpdate() });
  };

  const evalAt = opts.evaluateAt;
  const evaluateNow = async () => {
    if (!evalAt || control.isStopped || !isEvalPoint(run.iteration, run.config.iterations, evalAt.every)) return;
    await flush();
    await snapshot();
    await evalAt.evaluate(run.iteration);
    windowStart = performance.now();
  };

  try {
    // A resumed run shows its checkpoint's set at once, not its initial one until the first snapshot.
    if (run.iteration > 0) await snapshot();
    else emit({ type: 'selection', view: run.selectionUpdate() });
    if (run.iteration === 0) await evaluateNow();
    while (run.iteration < run.config.iterations && !control.isStopped) {
      let stepping = false;
      if (control.isPaused) {
        // A step asked for before the loop got here (a run started with one) needs no 'paused' first.
        stepping = control.takeStep();
        if (!stepping) {
          await flush();
          await snapshot();
          await checkpoint();
          emit({ type: 'paused', iteration: run.iteration });
          await control.waitWhilePaused();
          if (control.isStopped) break;
          stepping = control.takeStep();
          if (!stepping) emit({ type: 'resumed', iteration: run.iteration });
        }
        windowStart = performance.now();
      }
      await run.refresh();
      const loss = run.step();
      pending.push({ iteration: run.iteration, loss });
      if (stepping) {
        // The loss point now; the images, the checkpoint and 'paused' come from the paused branch above
        // (unless a resume came in meanwhile).
        await flush();
        await evaluateNow();
        if (!control.isPaused && !control.isStopped) emit({ type: 'resumed', iteration: run.iteration });
        continue;
      }
      const now = performance.now();
      // A cap on queued iterations keeps pause responsive on GPU backends, where step() only enqueues work.
      if (now - windowStart >= progressMs || pending.length >= 16) await flush();
      if (now - lastImages >= imagesMs) await snapshot();
      await evaluateNow();
      if (opts.checkpointMs !== undefined && now - lastCheckpoint >= opts.checkpointMs) {
        // Loss points first, so a saved run's curve reaches its checkpoint.
        await flush();
        await checkpoint();
      }
      await yieldToEvents();
    }
    await flush();
    await snapshot();
    await checkpoint();
  } finally {
    tf.dispose(pending.map((p) => p.loss));
  }
  return control.isStopped ? 'stopped' : 'completed';
}
