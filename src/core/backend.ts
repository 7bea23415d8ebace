/**
 * Backend choice: try the preferred backend, then webgpu -> webgl -> wasm -> cpu, and accept one only
 * after a smoke test of the ops the methods use has run on it and produced finite numbers, so a missing
 * kernel surfaces here and not in the middle of a run.
 */
import * as tf from '@tensorflow/tfjs';
import { BACKEND_ORDER, type BackendName, type BackendPreference, type BackendReport } from '../shared/protocol';
import { embed, initConvNet, logits, disposeConvNet, paramList, type ConvNetShape } from './nn/convnet';

/** Runs the ops of DM (input gradient through ConvNet) and of training (weight gradients); throws on failure. */
export async function smokeTest(): Promise<void> {
  const shape: ConvNetShape = { input: [8, 8, 1], classes: 2, width: 4, depth: 2 };
  const params = initConvNet(shape, 1);
  try {
    const out = tf.tidy(() => {
      const x = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
      const dx = tf.grad((s: tf.Tensor) => tf.sum(tf.square(tf.mean(embed(shape, params, s as tf.Tensor4D), 0))))(x);
      const ps = paramList(params);
      const labels = tf.oneHot(tf.tensor1d([0, 1], 'int32'), 2);
      const dws = tf.grads((...vs: tf.Tensor[]) => {
        const p = { ...params, fcW: vs[vs.length - 2] as tf.Tensor2D, fcB: vs[vs.length - 1] as tf.Tensor1D };
        p.blocks = params.blocks.map((_, i) => ({
          w: vs[i * 4] as tf.Tensor4D,
          b: vs[i * 4 + 1] as tf.Tensor1D,
          gamma: vs[i * 4 + 2] as tf.Tensor1D,
          beta: vs[i * 4 + 3] as tf.Tensor1D,
        }));
        return tf.losses.softmaxCrossEntropy(labels, logits(shape, p, x));
      })(ps);
      return tf.stack([tf.sum(tf.abs(dx)), ...dws.map((g) => tf.sum(tf.abs(g)))]);
    });
    const values = await out.data();
    out.dispose();
    if (!values.every(Number.isFinite)) throw new Error('smoke test produced non-finite gradients');
    if (values[0] === 0) throw new Error('smoke test produced a zero input gradient');
  } finally {
    disposeConvNet(params);
  }
}

/** Environment-specific preparation of a backend (e.g. wasm file paths, the WebGPU module). */
export type PrepareBackend = (name: BackendName) => Promise<string | void>;

/** Picks and initialises a backend; see the module comment. */
export async function selectBackend(preference: BackendPreference, prepare: PrepareBackend): Promise<BackendReport> {
  const order: BackendName[] = preference === 'auto' ? [...BACKEND_ORDER] : [preference, ...BACKEND_ORDER.filter((b) => b !== preference)];
  const skipped: BackendReport['skipped'] = [];
  for (const name of order) {
    const t0 = performance.now();
    try {
      const prepared = await prepare(name);
      const ok = await tf.setBackend(name);
      if (!ok) throw new Error(`${name} failed to initialise`);
      await tf.ready();
      await smokeTest();
      return { backend: name, skipped, smokeMs: Math.round(performance.now() - t0), detail: [prepared, describeBackend(name)].filter(Boolean).join('; ') };
    } catch (err) {
      skipped.push({ backend: name, reason: err instanceof Error ? err.message : String(err) });
    }
  }
  throw new Error(`No TensorFlow.js backend works here: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`);
}

function describeBackend(name: BackendName): string {
  if (name === 'wasm') {
    const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? 'threads' : 'single thread';
    const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD';
    return `${simd}, ${threads}`;
  }
  return '';
}
