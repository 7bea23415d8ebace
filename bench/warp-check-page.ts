/**
 * Browser side of `npm run bench:warp-check`: DSA's device-built scale/rotate warps and their first and second
 * gradients on the page's backend (?backend=webgl|webgpu|wasm) against the cpu backend, on a seeded batch.
 * Publishes the largest absolute differences on `window.benchResult`. Type-checked with the worker's project
 * (it imports src/worker/backends.ts), hence globalThis instead of window.
 */
import * as tf from '@tensorflow/tfjs';
import { prepareBrowserBackend } from '../src/worker/backends';
import { applyDsa, type DsaParams } from '../src/core/augment/dsa';

const WARPS: DsaParams[] = [
  { op: 'scale', sx: 1.13, sy: 0.87 },
  { op: 'rotate', degrees: -11 },
];

/** Output, gradient of Σ r·warp(x), and gradient of Σ (∂/∂x Σ warp(x)²)² for each warp, as plain arrays. */
async function compute(x0: Float32Array, r0: Float32Array): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  const x = tf.tensor4d(x0, [3, 28, 28, 1]);
  const r = tf.tensor4d(r0, [3, 28, 28, 1]);
  for (const p of WARPS) {
    const y = applyDsa(x, p);
    const g1 = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(applyDsa(v as tf.Tensor4D, p), r)) as tf.Scalar)(x);
    const g2 = tf.grad((v: tf.Tensor) => tf.sum(tf.square(tf.grad((z: tf.Tensor) => tf.sum(tf.square(applyDsa(z as tf.Tensor4D, p))))(v))) as tf.Scalar)(x);
    // data(), not dataSync(): webgpu's synchronous read returns zeros on Chromium's software adapter.
    for (const t of [y, g1, g2]) out.push((await t.data()) as Float32Array);
    tf.dispose([y, g1, g2]);
  }
  tf.dispose([x, r]);
  return out;
}

async function main() {
  const backend = new URLSearchParams(location.search).get('backend') ?? 'webgl';
  const n = 3 * 28 * 28;
  const x0 = new Float32Array(n).map((_, i) => Math.sin(i * 0.37) * 1.5);
  const r0 = new Float32Array(n).map((_, i) => Math.cos(i * 0.11));
  await tf.setBackend('cpu');
  const ref = await compute(x0, r0);
  const detail = await prepareBrowserBackend(backend as 'webgl');
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} failed to initialise`);
  await tf.ready();
  const before = tf.memory().numTensors;
  const got = await compute(x0, r0);
  const leaked = tf.memory().numTensors - before;
  const names = WARPS.flatMap((p) => ['output', 'grad', 'grad2'].map((k) => `${p.op} ${k}`));
  const maxAbs = Object.fromEntries(
    names.map((name, k) => {
      let m = 0;
      let scale = 0;
      for (let i = 0; i < ref[k]!.length; i++) {
        m = Math.max(m, Math.abs(ref[k]![i]! - got[k]![i]!));
        scale = Math.max(scale, Math.abs(ref[k]![i]!));
      }
      return [name, { maxAbsDiff: m, maxAbsValue: scale }];
    }),
  );
  const result = { backend: tf.getBackend(), detail, leaked, maxAbs };
  (globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }).document.getElementById('out').textContent =
    JSON.stringify(result, null, 2);
  (globalThis as unknown as { benchResult: unknown }).benchResult = result;
}

main().catch((e: unknown) => {
  (globalThis as unknown as { benchResult: unknown }).benchResult = { error: String(e) };
});
