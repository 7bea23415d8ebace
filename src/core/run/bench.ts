/**
 * The page benchmark (`npm run bench:page`, and the device report): ms per iteration of a method on the current
 * backend (median of the timed iterations, warm-up iterations left out) and what each timed iteration moves
 * between host and device (uploads, bytes, reads; src/testing/transfers.ts). An iteration is the driver's: the
 * sampler's refresh, the step, and the read of its loss.
 */
import * as tf from '@tensorflow/tfjs';
import { DistillRun } from './run';
import type { RealData } from '../data/batches';
import type { BenchCase, BenchCaseResult, RunConfig } from '../../shared/protocol';
import { DEFAULT_RUN_CONFIG } from '../../shared/protocol';
import { countTransfers } from '../../testing/transfers';

/** The run config of a bench case: the defaults, the case's settings, and a fixed seed. */
export function benchConfig(c: BenchCase, dataset: RunConfig['dataset']): RunConfig {
  return { ...DEFAULT_RUN_CONFIG, dataset, seed: 0, ...c.config, iterations: c.warmup + c.iterations };
}

/** The median of `xs` (the mean of the middle two for an even count); NaN when empty. */
export function median(xs: readonly number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs one case on the current backend; a failure is reported in the result, not thrown. */
export async function benchCase(data: RealData, c: BenchCase, dataset: RunConfig['dataset']): Promise<BenchCaseResult> {
  const config = benchConfig(c, dataset);
  const base = { name: c.name, backend: tf.getBackend(), config, warmup: c.warmup };
  const tensorsBefore = tf.memory().numTensors;
  let run: DistillRun | null = null;
  try {
    run = new DistillRun(data, config);
    const t0 = performance.now();
    await run.prepare();
    const prepareMs = performance.now() - t0;
    const r = run;
    const iteration = async () => {
      const t = performance.now();
      await r.refresh();
      const loss = r.step();
      await loss.data();
      loss.dispose();
      return performance.now() - t;
    };
    const warmupMs: number[] = [];
    for (let i = 0; i < c.warmup; i++) warmupMs.push(await iteration());
    const ms: number[] = [];
    const { counts } = await countTransfers(async () => {
      for (let i = 0; i < c.iterations; i++) ms.push(await iteration());
    });
    const n = Math.max(1, c.iterations);
    return {
      ...base,
      msPerIteration: median(ms),
      ms: ms.map((x) => Math.round(x * 10) / 10),
      warmupMs: warmupMs.map((x) => Math.round(x)),
      prepareMs: Math.round(prepareMs),
      perIteration: { uploads: counts.uploads / n, uploadBytes: counts.uploadBytes / n, reads: counts.reads / n },
    };
  } catch (err) {
    return { ...base, error: err instanceof Error ? err.message : String(err) };
  } finally {
    run?.dispose();
    // What the case left behind (0 when every tensor was disposed).
    const leaked = tf.memory().numTensors - tensorsBefore;
    if (leaked > 0) console.warn(`bench case ${c.name} left ${leaked} tensors`);
  }
}
