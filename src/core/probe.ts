/**
 * The backend probe: times a short, fixed-size piece of the real workload (DM steps at the run's width and image
 * size, with DSA) on one backend, a warm-up step left out (shader compilation and wasm start-up do not count).
 * `selectBackend` runs it on every backend that passed the smoke test and picks the fastest per iteration.
 */
import * as tf from '@tensorflow/tfjs';
import type { ProbeShape } from '../shared/protocol';
import { PROBE_CLASSES, PROBE_IPC, PROBE_REAL, PROBE_STEPS } from '../shared/probe';
import { prepareRealData } from './data/batches';
import { initReal } from './init';
import { createSyntheticState, disposeSyntheticState, dmStep, DM_DEFAULTS } from './methods/dm/dm';
import { Rng } from './rng';
import { applyDsa, drawDsa, DSA_DEFAULT_STRATEGY } from './augment/dsa';
import type { ConvNetShape } from './nn/convnet';

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

/**
 * Times the probe on the current backend. `stopAfterMs`: give up timing once a step has run past it (the warm-up
 * alone counts then). Returns the mean of the timed steps, or the warm-up's time when no step was timed.
 */
export async function timeProbe(shape: ProbeShape, stopAfterMs = Infinity): Promise<{ msPerIteration: number; warmupMs: number; timed: number }> {
  const data = probeData(shape);
  const net: ConvNetShape = { input: shape.input, classes: PROBE_CLASSES, width: shape.width, depth: shape.depth };
  const rng = new Rng(7);
  const initial = initReal(data, PROBE_IPC, rng);
  const syn = createSyntheticState(initial.pixels, PROBE_CLASSES * PROBE_IPC, shape.input);
  const cfg = { ...DM_DEFAULTS, ipc: PROBE_IPC, realPerClass: PROBE_REAL };
  const [height, width] = shape.input;
  const augment = () => {
    const p = drawDsa(rng, DSA_DEFAULT_STRATEGY, { height, width, flip: shape.input[2] === 3 });
    return (x: tf.Tensor4D) => applyDsa(x, p);
  };
  const step = async () => {
    const t0 = performance.now();
    const loss = dmStep(net, data, syn, cfg, rng, undefined, augment);
    await loss.data();
    loss.dispose();
    return performance.now() - t0;
  };
  try {
    const warmupMs = await step();
    const times: number[] = [];
    let spent = warmupMs;
    while (times.length < PROBE_STEPS && spent < stopAfterMs) {
      const ms = await step();
      times.push(ms);
      spent += ms;
    }
    const msPerIteration = times.length ? times.reduce((a, b) => a + b, 0) / times.length : warmupMs;
    return { msPerIteration, warmupMs, timed: times.length };
  } finally {
    disposeSyntheticState(syn);
  }
}

