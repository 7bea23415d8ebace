import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { DistillRun, stepTo, type StepPoint } from './run';
import { DivergedError, RunControl, checkpointFinite, drive } from './driver';
import { DEFAULT_RUN_CONFIG, type RunCheckpoint, type RunConfig, type RunEvent } from '../../shared/protocol';
import { SAMPLER_SETTINGS_DEFAULTS } from '../../shared/methods';
import { pixelsSha256 } from '../data/sha256';
import { useBackend } from '../../testing/tf';
import { mnistSubset } from '../../testing/data';
import type { RealData } from '../data/batches';

const config: RunConfig = { ...DEFAULT_RUN_CONFIG, ipc: 1, width: 4, realPerClass: 4, iterations: 5, seed: 3 };

describe('drive with evaluation points (real MNIST, cpu)', () => {
  let data: RealData;
  beforeAll(async () => {
    await useBackend('cpu');
    data = mnistSubset(8);
  });

  it('waits for an evaluation at the start, every N iterations and at the end, after the losses up to there were sent', async () => {
    const run = new DistillRun(data, config);
    await run.prepare();
    const events: RunEvent[] = [];
    const seen: { iteration: number; lossesUpTo: number; imagesAt: number }[] = [];
    await drive(run, {
      control: new RunControl(),
      emit: (e) => void events.push(e),
      evaluateAt: {
        every: 2,
        evaluate: async (iteration) => {
          const losses = events.flatMap((e) => (e.type === 'progress' ? e.points.map((p) => p.iteration) : []));
          const images = events.filter((e) => e.type === 'images').at(-1);
          seen.push({ iteration, lossesUpTo: losses.at(-1) ?? 0, imagesAt: images?.type === 'images' ? images.iteration : -1 });
          expect(run.iteration).toBe(iteration);
          await new Promise((r) => setTimeout(r, 5));
        },
      },
    });
    run.dispose();
    expect(seen.map((s) => s.iteration)).toEqual([0, 2, 4, 5]);
    for (const s of seen) {
      expect(s.lossesUpTo).toBe(s.iteration);
      expect(s.imagesAt).toBe(s.iteration);
    }
  });

  it('stepTo (the CLI, benches and tests) steps as the driver does: a DREAM run, refreshed every 2 iterations, gives the same set and losses; no leaks', async () => {
    const dream: RunConfig = { ...config, method: 'dm', sampler: 'dream', samplerSettings: { ...SAMPLER_SETTINGS_DEFAULTS, interval: 2, pool: 8, probeSteps: 2 } };
    const byDriver = new DistillRun(data, dream);
    await byDriver.prepare();
    const events: RunEvent[] = [];
    await drive(byDriver, { control: new RunControl(), emit: (e) => void events.push(e) });
    const driverLosses = events.flatMap((e) => (e.type === 'progress' ? e.points.map((p) => [p.iteration, p.loss]) : []));
    const driverSha = await pixelsSha256(await byDriver.pixels());
    byDriver.dispose();

    const before = tf.memory().numTensors;
    const run = new DistillRun(data, dream);
    await run.prepare();
    const points: StepPoint[] = [];
    await stepTo(run, dream.iterations, (p) => void points.push(p));
    expect(points.map((p) => [p.iteration, p.loss])).toEqual(driverLosses);
    expect(points.every((p) => p.ms >= 0)).toBe(true);
    expect(await pixelsSha256(await run.pixels())).toBe(driverSha);
    // Without a callback the losses are disposed unread; stepping past the end does nothing.
    await stepTo(run, dream.iterations);
    expect(run.iteration).toBe(dream.iterations);
    run.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a stop during an evaluation ends the run there, with no evaluation after it', async () => {
    const run = new DistillRun(data, config);
    await run.prepare();
    const control = new RunControl();
    const at: number[] = [];
    const reason = await drive(run, {
      control,
      emit: () => {},
      evaluateAt: {
        every: 1,
        evaluate: async (iteration) => {
          at.push(iteration);
          if (iteration === 2) control.stop();
        },
      },
    });
    const iteration = run.iteration;
    run.dispose();
    expect(reason).toBe('stopped');
    expect(at).toEqual([0, 1, 2]);
    expect(iteration).toBe(2);
  });
});

const stepConfig: RunConfig = { ...DEFAULT_RUN_CONFIG, ipc: 1, width: 8, realPerClass: 4, iterations: 4, seed: 5 };

/** Drives a fresh run, recording its events; `waitFor` resolves at the next event that matches. */
function driven(data: RealData, control: RunControl) {
  const events: RunEvent[] = [];
  let waiter: { test: (e: RunEvent) => boolean; resolve: () => void } | null = null;
  const run = new DistillRun(data, stepConfig);
  const done = run.prepare().then(() =>
    drive(run, {
      control,
      emit: (e) => {
        events.push(e);
        if (waiter?.test(e)) {
          waiter.resolve();
          waiter = null;
        }
      },
    }),
  );
  const waitFor = (test: (e: RunEvent) => boolean) => new Promise<void>((resolve) => (waiter = { test, resolve }));
  return { run, events, done, waitFor };
}

const pausedAt = (n: number) => (e: RunEvent) => e.type === 'paused' && e.iteration === n;
const types = (events: RunEvent[]) => events.map((e) => e.type);

describe('drive: step one iteration while paused', () => {
  let data: RealData;
  let straight: string;
  beforeAll(async () => {
    await useBackend('wasm');
    data = mnistSubset(12);
    const run = new DistillRun(data, stepConfig);
    await run.prepare();
    const reason = await drive(run, { control: new RunControl(), emit: () => {} });
    expect(reason).toBe('completed');
    straight = await pixelsSha256(await run.pixels());
    run.dispose();
  });

  it('runs exactly one iteration per step, streams its loss point and images, and stays paused', async () => {
    const start = tf.memory().numTensors;
    const control = new RunControl();
    control.pause();
    const d = driven(data, control);
    // Paused before the first iteration.
    await d.waitFor(pausedAt(0));
    expect(d.run.iteration).toBe(0);

    for (const n of [1, 2]) {
      const from = d.events.length;
      const next = d.waitFor(pausedAt(n));
      control.step();
      await next;
      const mine = d.events.slice(from);
      expect(d.run.iteration).toBe(n);
      // One loss point, for iteration n; the grid of iteration n; paused again, never resumed.
      const progress = mine.filter((e) => e.type === 'progress');
      expect(progress).toHaveLength(1);
      expect(progress[0]!.type === 'progress' && progress[0]!.points.map((p) => p.iteration)).toEqual([n]);
      expect(progress[0]!.type === 'progress' && Number.isFinite(progress[0]!.points[0]!.loss)).toBe(true);
      expect(mine.some((e) => e.type === 'images' && e.iteration === n)).toBe(true);
      expect(types(mine)).not.toContain('resumed');
      expect(types(mine).at(-1)).toBe('paused');
      // Nothing more happens until asked.
      await new Promise((r) => setTimeout(r, 100));
      expect(d.run.iteration).toBe(n);
    }

    // Resume goes on to the end; the steps changed nothing in the result.
    control.resume();
    expect(await d.done).toBe('completed');
    expect(d.run.iteration).toBe(stepConfig.iterations);
    expect(await pixelsSha256(await d.run.pixels())).toBe(straight);
    d.run.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('a run started with a step queued does its first iteration, then pauses; stop ends it from there', async () => {
    const control = new RunControl();
    control.pause();
    control.step();
    const d = driven(data, control);
    await d.waitFor(pausedAt(1));
    // No pause before iteration 1: the first 'paused' is after it.
    expect(d.events.filter((e) => e.type === 'paused').map((e) => e.type === 'paused' && e.iteration)).toEqual([1]);
    control.stop();
    expect(await d.done).toBe('stopped');
    expect(d.run.iteration).toBe(1);
    d.run.dispose();
  });

  it('a step while running is ignored (it does not pause the run)', async () => {
    const control = new RunControl();
    control.step();
    const d = driven(data, control);
    expect(await d.done).toBe('completed');
    expect(types(d.events)).not.toContain('paused');
    d.run.dispose();
  });
});

const finite = (a: Float32Array) => a.every(Number.isFinite);

/** Drives `run` with a checkpoint after every iteration; returns the events and the error it stopped with. */
async function driveToFailure(run: DistillRun, imagesMs = 400): Promise<{ events: RunEvent[]; error: unknown }> {
  const events: RunEvent[] = [];
  let error: unknown = null;
  try {
    await drive(run, { control: new RunControl(), emit: (e) => events.push(e), checkpointMs: 0, imagesMs });
  } catch (err) {
    error = err;
  }
  return { events, error };
}

const checkpoints = (events: RunEvent[]): RunCheckpoint[] =>
  events.flatMap((e) => (e.type === 'checkpoint' ? [e.checkpoint] : []));

describe('a run whose loss or set becomes NaN or Inf stops with a message and keeps its last good checkpoint', () => {
  let data: RealData;
  beforeAll(async () => {
    await useBackend('wasm');
    data = mnistSubset(10);
  });

  it('an absurd image learning rate (DC): stopped at the first bad iteration, every checkpoint sent is finite', async () => {
    // 1e30 is far outside the schema's range (at most 1e4): the run is built directly, as a corrupt config would be.
    const config: RunConfig = { ...DEFAULT_RUN_CONFIG, method: 'dc', ipc: 1, width: 4, realPerClass: 4, iterations: 20, lrImages: 1e30, momentum: 0.9 };
    const start = tf.memory().numTensors;
    const run = new DistillRun(data, config);
    await run.prepare();
    const { events, error } = await driveToFailure(run);
    run.dispose();
    expect(tf.memory().numTensors).toBe(start);

    expect(error).toBeInstanceOf(DivergedError);
    const diverged = error as DivergedError;
    expect(diverged.iteration).toBeLessThan(config.iterations);
    // The message names the iteration and what to lower, with a value to try.
    expect(diverged.message).toContain(`at iteration ${diverged.iteration}`);
    expect(diverged.message).toMatch(/Lower the image learning rate \(now 1e\+30; try 1e\+29\)/);

    // Checkpoints were sent up to the one before the bad iteration, and none holds a bad value.
    const sent = checkpoints(events);
    expect(sent.length).toBeGreaterThan(0);
    for (const cp of sent) {
      expect(finite(cp.images) && finite(cp.velocity)).toBe(true);
      expect(cp.iteration).toBeLessThan(diverged.iteration);
    }
    expect(sent.at(-1)!.iteration).toBe(diverged.iteration - 1);
    // No images of the bad set were drawn either, and the run did not report an end.
    const images = events.flatMap((e) => (e.type === 'images' ? [e.iteration] : []));
    expect(images.every((i) => i < diverged.iteration)).toBe(true);
    expect(events.some((e) => e.type === 'done')).toBe(false);
  }, 120_000);

  it('a NaN in the set (injected between iterations) is caught by the loss, with its value and iteration', async () => {
    const config: RunConfig = { ...DEFAULT_RUN_CONFIG, method: 'dm', ipc: 1, width: 4, realPerClass: 4, iterations: 6 };
    const run = new DistillRun(data, config);
    await run.prepare();
    // The poison before the first iteration (a resumed run's first snapshot would see it before any loss).
    run.injectNonFinite();
    // No image snapshot before the first loss is read: the loss check is the one that fires.
    const { events, error } = await driveToFailure(run, 1e12);
    run.dispose();
    expect(error).toBeInstanceOf(DivergedError);
    const diverged = error as DivergedError;
    expect(diverged.iteration).toBe(1);
    expect(diverged.found).toEqual({ what: 'loss', value: NaN });
    expect(diverged.message).toContain('The run diverged at iteration 1: the loss became NaN, so it was stopped. Lower the image learning rate (now 1; try 0.1) or the momentum (now 0.5), then run again.');
    // The NaN point reached the page's curve, but no checkpoint after the poison was sent.
    const points = events.flatMap((e) => (e.type === 'progress' ? e.points : []));
    expect(points.map((p) => p.iteration)).toEqual([1]);
    expect(checkpoints(events)).toEqual([]);
  }, 120_000);

  it('a checkpoint counts as good only if everything it holds is finite (set, momentum, learned labels, MTT step)', async () => {
    const run = new DistillRun(data, { ...DEFAULT_RUN_CONFIG, method: 'krr', learnLabels: true, ipc: 1, width: 4, realPerClass: 4 });
    await run.prepare();
    tf.dispose(run.step());
    const cp = await run.checkpoint();
    run.dispose();
    expect(cp.labels).toBeDefined();
    expect(checkpointFinite(cp)).toBe(true);
    const labels = { values: cp.labels!.values.slice(), velocity: cp.labels!.velocity };
    labels.values[3] = Infinity;
    expect(checkpointFinite({ ...cp, labels })).toBe(false);
    const velocity = cp.velocity.slice();
    velocity[0] = NaN;
    expect(checkpointFinite({ ...cp, velocity })).toBe(false);
    expect(checkpointFinite({ ...cp, mtt: { stepSize: NaN, stepVelocity: 0 } })).toBe(false);
  }, 120_000);
});
