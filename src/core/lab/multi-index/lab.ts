/**
 * The lab's run: draw a multi-index task and its data, measure the ceiling (networks trained on the whole
 * training set), then for each m distil m points and compare them with m random real points (the very points
 * the distillation started from): subspace fraction and the test accuracy of fresh networks trained on each.
 * Seeded end to end: the same config on the same backend gives the same numbers.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../rng';
import { pixelsSha256 } from '../../data/sha256';
import type { LabAccuracy, LabConfig, LabCurvePoint, LabEvent, LabResult } from '../../../shared/lab';
import { accuracy, disposeNet, initNet, train } from './net';
import { balancedRows, MultiIndexDistillation, type RealPool } from './distill';
import { makeTask, sample, subspaceFraction } from './task';

/** Adam step size of the evaluation networks. */
export const EVAL_LR = 0.01;

export interface LabHooks {
  /** Hears progress (throttled to one 'lab-progress' per `progressMs`). */
  onEvent?: (e: LabEvent) => void;
  /** Polled every iteration: true ends the run after the current step (the result holds the points done). */
  shouldStop?: () => boolean;
  progressMs?: number;
}

function summary(runs: number[]): LabAccuracy {
  const mean = runs.reduce((s, v) => s + v, 0) / runs.length;
  const std = Math.sqrt(runs.reduce((s, v) => s + (v - mean) ** 2, 0) / runs.length);
  return { mean, std, runs };
}

/**
 * Test accuracy of `nets` fresh networks (inits from `seed`) each trained on (x, y) for evalSteps Adam steps:
 * full-batch on a small set, minibatches of `config.batch` rows on a larger one (the whole training set).
 */
async function evaluateSet(x: tf.Tensor2D, y: tf.Tensor1D, test: { x: tf.Tensor2D; y: tf.Tensor1D }, config: LabConfig, seed: number): Promise<LabAccuracy> {
  const rng = new Rng(seed);
  const runs: number[] = [];
  for (let k = 0; k < config.evalNets; k++) {
    const trained = train(initNet(config.d, config.width, rng), x, y, config.evalSteps, EVAL_LR, { size: config.batch, rng });
    runs.push(await accuracy(trained, test.x, test.y));
    disposeNet(trained);
    await yieldToEvents();
  }
  return summary(runs);
}

/** Lets queued messages (a cancel from the page) in between iterations. */
const yieldToEvents = () => new Promise<void>((r) => setTimeout(r, 0));

function rowsOf(x: Float32Array, d: number, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * d);
  rows.forEach((row, i) => out.set(x.subarray(row * d, (row + 1) * d), i * d));
  return out;
}

/** Runs the lab; the config must be valid (labConfigSchema). */
export async function runMultiIndexLab(config: LabConfig, hooks: LabHooks = {}): Promise<LabResult> {
  const started = performance.now();
  const emit = hooks.onEvent ?? (() => {});
  const stop = hooks.shouldStop ?? (() => false);
  const progressMs = hooks.progressMs ?? 250;
  const { d, r } = config;
  const rng = new Rng(config.seed);
  const task = makeTask(rng.fork(), d, r, config.link);
  const trainSet = sample(task, rng.fork(), config.train);
  const testSet = sample(task, rng.fork(), config.test);
  const labels = Array.from(trainSet.y);
  const positive = Int32Array.from(labels.flatMap((v, i) => (v > 0 ? [i] : [])));
  const negative = Int32Array.from(labels.flatMap((v, i) => (v > 0 ? [] : [i])));
  const largest = config.points[config.points.length - 1] ?? 0;
  if (Math.ceil(largest / 2) > Math.min(positive.length, negative.length)) {
    throw new Error(`The training set has ${positive.length} positive and ${negative.length} negative points: too few for ${largest} balanced points.`);
  }
  const pool: RealPool = { x: tf.tensor2d(trainSet.x, [config.train, d]), y: tf.tensor1d(trainSet.y), positive, negative };
  const test = { x: tf.tensor2d(testSet.x, [config.test, d]), y: tf.tensor1d(testSet.y) };
  const evalSeed = rng.nextSeed();
  const curve: LabCurvePoint[] = [];
  let lastSet: Float32Array = new Float32Array(0);
  let stopped = false;
  try {
    const full = await evaluateSet(pool.x, pool.y, test, config, evalSeed);
    const chance = r / d;
    emit({ type: 'lab-started', config, chance, full });
    for (let index = 0; index < config.points.length && !stopped; index++) {
      const m = config.points[index]!;
      const t0 = performance.now();
      const child = rng.fork();
      const rows = balancedRows(pool, m, child);
      const init = rowsOf(trainSet.x, d, rows);
      const run = new MultiIndexDistillation(init, m, d, config.width, config.lr);
      const losses: number[] = [];
      let last = performance.now();
      let lastYield = last;
      try {
        for (let it = 1; it <= config.iterations; it++) {
          losses.push(await run.step(pool, Math.min(config.batch, config.train), child));
          const now = performance.now();
          if (now - lastYield > 50) {
            await yieldToEvents();
            lastYield = performance.now();
          }
          if (stop()) {
            stopped = true;
            break;
          }
          if (now - last > progressMs || it === config.iterations) {
            last = now;
            const fraction = subspaceFraction(task, await run.points());
            emit({ type: 'lab-progress', index, m, iteration: it, iterations: config.iterations, loss: losses[losses.length - 1]!, fraction, fractionDone: (index + it / config.iterations) / config.points.length });
          }
        }
        if (stopped) break;
        emit({ type: 'lab-evaluating', index, m });
        const distilled = await run.points();
        lastSet = distilled;
        const s = run.pointsTensor();
        const randomX = tf.tensor2d(init, [m, d]);
        try {
          // The same evaluation networks (evalSeed) for both sets: a paired comparison.
          const accDistilled = await evaluateSet(s, run.labels, test, config, evalSeed);
          const accRandom = await evaluateSet(randomX, run.labels, test, config, evalSeed);
          const tail = losses.slice(Math.floor(losses.length * 0.9));
          const point: LabCurvePoint = {
            m,
            fraction: { distilled: subspaceFraction(task, distilled), random: subspaceFraction(task, init) },
            accuracy: { distilled: accDistilled, random: accRandom },
            loss: { first: losses[0]!, last: tail.reduce((a, v) => a + v, 0) / tail.length },
            numbers: m * d,
            ms: performance.now() - t0,
          };
          curve.push(point);
          emit({ type: 'lab-point', index, point });
        } finally {
          tf.dispose([s, randomX]);
        }
      } finally {
        run.dispose();
      }
    }
    const result: LabResult = {
      config,
      chance,
      full,
      theoryNumbers: r * r * d + config.width,
      curve,
      lastSetSha256: await pixelsSha256(lastSet),
      ms: performance.now() - started,
    };
    emit({ type: 'lab-done', result, reason: stopped ? 'stopped' : 'completed' });
    return result;
  } finally {
    tf.dispose([pool.x, pool.y, test.x, test.y]);
  }
}
