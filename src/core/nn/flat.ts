import type * as tf from '@tensorflow/tfjs';

/** The values of `tensors`, read back and laid end to end in one Float32Array (checkpoints, cache keys). */
export async function readFlat(tensors: readonly tf.Tensor[]): Promise<Float32Array> {
  const parts = await Promise.all(tensors.map((t) => t.data() as Promise<Float32Array>));
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
