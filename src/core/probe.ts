/**
 * The backend probe: times a short, fixed-size piece of the real workload (steps of the run's method at the run's
 * width and image size, with DSA) on one backend, a warm-up step left out (shader compilation and wasm start-up do
 * not count). `selectBackend` runs it on every backend that passed the smoke test and picks the fastest per iteration.
 */
import type { ProbeShape } from '../shared/protocol';
import { DEFAULT_RUN_CONFIG } from '../shared/protocol';
import { PROBE_CLASSES, PROBE_IPC, PROBE_MTT, PROBE_REAL, PROBE_STEPS } from '../shared/probe';
import { prepareRealData } from './data/batches';
import { DistillRun } from './run/run';

/** Seeded pseudo-random bytes: the probe's images (their values do not matter, their shape does). */
function probeData(shape: ProbeShape) {
  const [h, w, c] = shape.input;
  const n = PROBE_CLASSES * PROBE_REAL;
  const images = new Uint8Array(n * h * w * c);
  for (let i = 0; i < images.length; i++) images[i] = (Math.imul(i + 1, 2654435761) >>> 24) & 255;
  const labels = Uint8Array.from({ length: n }, (_, i) => i % PROBE_CLASSES);
  return prepareRealData(
    { images, labels, count: n, height: h, width: w, channels: c },
    { classes: Array.from({ length: PROBE_CLASSES }, (_, i) => String(i)), mean: Array(c).fill(0.5), std: Array(c).fill(0.25) },
  );
}

export interface ProbeTiming {
  /** Mean of the timed steps, or the warm-up's time when no step was timed. */
  msPerIteration: number;
  warmupMs: number;
  timed: number;
}

/**
 * Times the probe on the current backend: a warm-up step, then up to PROBE_STEPS timed steps. `stopAt`
 * (performance.now() time): no step starts after it (the warm-up always runs). The caller may stop waiting at
 * `stopAt` (a step in flight on a GPU then finishes in the background and everything is disposed after it).
 * `onStep` hears each step's start ('warmup' or 'timed'). At least `minTimed` steps are timed, past `stopAt` too.
 */
export async function timeProbe(shape: ProbeShape, stopAt = Infinity, onStep?: (phase: 'warmup' | 'timed') => void, minTimed = 0): Promise<ProbeTiming> {
  const data = probeData(shape);
  const method = shape.method ?? 'dm';
  const run = new DistillRun(data, {
    ...DEFAULT_RUN_CONFIG,
    method,
    ipc: PROBE_IPC,
    realPerClass: PROBE_REAL,
    width: shape.width,
    depth: shape.depth,
    dsa: true,
    seed: 7,
    mtt: PROBE_MTT,
  });
  const step = async () => {
    const t0 = performance.now();
    await run.refresh();
    const loss = run.step();
    await loss.data();
    loss.dispose();
    return performance.now() - t0;
  };
  try {
    // MTT's experts (on the probe's data, PROBE_MTT) are preparation: not timed.
    await run.prepare();
    onStep?.('warmup');
    const warmupMs = await step();
    const times: number[] = [];
    while (times.length < PROBE_STEPS && (times.length < minTimed || performance.now() < stopAt)) {
      onStep?.('timed');
      times.push(await step());
    }
    const msPerIteration = times.length ? times.reduce((a, b) => a + b, 0) / times.length : warmupMs;
    return { msPerIteration, warmupMs, timed: times.length };
  } finally {
    run.dispose();
  }
}

/** Resolves with `value` at performance.now() time `at` (at once if it has passed); `cancel` stops the timer. */
export function deadline<T>(at: number, value: T): { promise: Promise<T>; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(value), Math.max(0, at - performance.now()));
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

