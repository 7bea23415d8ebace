/**
 * Counts what the code asks to cross between host and device: host-to-device uploads and device-to-host reads.
 * On webgl and webgpu these are bus transfers; on cpu and wasm the same calls are copies, so the counts of an
 * iteration's code path can be checked in Node.
 */
import * as tf from '@tensorflow/tfjs';

export interface Transfers {
  uploads: number;
  uploadBytes: number;
  reads: number;
}

type Fn = (...a: unknown[]) => unknown;
const READS = ['data', 'dataSync', 'array', 'arraySync', 'bytes'] as const;

/**
 * Runs `fn` counting uploads (tensors made from JavaScript values: the engine's makeTensor, which tf.tensor, and
 * ops given numbers, go through; kernels' own outputs do not) and reads (a tensor's data, dataSync, array,
 * arraySync); restores both afterwards.
 */
export async function countTransfers<T>(fn: () => Promise<T>): Promise<{ result: T; counts: Transfers }> {
  const engine = tf.engine() as unknown as { makeTensor: Fn };
  const proto = tf.Tensor.prototype as unknown as Record<string, Fn>;
  const makeTensor = engine.makeTensor;
  const reads = Object.fromEntries(READS.map((k) => [k, proto[k]!]));
  const counts: Transfers = { uploads: 0, uploadBytes: 0, reads: 0 };
  // A read inside a read (array calls data) counts once.
  let depth = 0;
  engine.makeTensor = function (this: unknown, ...a: unknown[]) {
    counts.uploads++;
    const values = a[0] as { byteLength?: number; length?: number } | null;
    counts.uploadBytes += values?.byteLength ?? (values?.length ?? 0) * 4;
    return makeTensor.apply(this, a);
  };
  for (const k of READS) {
    proto[k] = function (this: unknown, ...a: unknown[]) {
      if (depth === 0) counts.reads++;
      depth++;
      try {
        const out = reads[k]!.apply(this, a);
        return out instanceof Promise ? out.finally(() => depth--) : (depth--, out);
      } catch (err) {
        depth--;
        throw err;
      }
    };
  }
  try {
    return { result: await fn(), counts };
  } finally {
    engine.makeTensor = makeTensor;
    Object.assign(proto, reads);
  }
}
