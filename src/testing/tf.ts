/** Test helpers: backends in Node, finite differences, and the datasets folder. */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import path from 'node:path';
import fs from 'node:fs';

/** Switches to a Node-capable backend ('cpu' or 'wasm'). */
export async function useBackend(name: 'cpu' | 'wasm'): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`backend ${name} failed to initialise`);
  await tf.ready();
}

/** The real datasets folder (DATASETS_DIR or ../shared/datasets); fails loudly when absent. */
export function datasetsDir(): string {
  const dir = path.resolve(process.env.DATASETS_DIR ?? path.join(import.meta.dirname, '../../../shared/datasets'));
  if (!fs.existsSync(path.join(dir, 'mnist'))) {
    throw new Error(`Real datasets not found at ${dir}: set DATASETS_DIR to a folder laid out like ../shared/datasets`);
  }
  return dir;
}

/**
 * Central finite-difference gradient of a scalar function at x, for `probes` random coordinates.
 * Returns [analytic, numeric] pairs so tests can compare them.
 */
export function finiteDifference(
  f: (x: tf.Tensor) => tf.Scalar,
  x: tf.Tensor,
  analytic: Float32Array,
  probes: number[],
  eps: number,
): { analytic: number; numeric: number }[] {
  const base = x.dataSync().slice();
  return probes.map((i) => {
    const plus = base.slice();
    plus[i] = plus[i]! + eps;
    const minus = base.slice();
    minus[i] = minus[i]! - eps;
    const fp = tf.tidy(() => f(tf.tensor(plus, x.shape)).dataSync()[0]!);
    const fm = tf.tidy(() => f(tf.tensor(minus, x.shape)).dataSync()[0]!);
    return { analytic: analytic[i]!, numeric: (fp - fm) / (2 * eps) };
  });
}

/** Relative error of the vector of analytic vs numeric values: ‖a − n‖ / max(‖a‖, ‖n‖). */
export function relativeError(pairs: { analytic: number; numeric: number }[]): number {
  let d = 0;
  let a = 0;
  let n = 0;
  for (const p of pairs) {
    d += (p.analytic - p.numeric) ** 2;
    a += p.analytic ** 2;
    n += p.numeric ** 2;
  }
  return Math.sqrt(d) / Math.max(Math.sqrt(a), Math.sqrt(n), 1e-12);
}
