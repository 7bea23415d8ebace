/**
 * Soft labels for the evaluation protocol's variant "labels: soft": each training image carries a target
 * distribution over the classes, and the evaluation networks minimise the softmax cross-entropy against it,
 * −Σ_k t_k log softmax(z)_k (src/core/nn/losses.ts `crossEntropy`, whose gradient is softmax(z) − t). With one-hot
 * targets this is exactly the hard-label protocol.
 *
 * KRR (KIP/RFAD) learns regression targets in the centred one-hot space (one-hot − 1/C), not distributions. We map
 * each learned row y to a distribution by undoing the centring and keeping the non-negative mass:
 * t = max(0, y + 1/C) / Σ max(0, y + 1/C) (a row with no positive mass left becomes uniform). An unlearned row is
 * exactly its one-hot label. Rows that already are distributions (non-negative, summing to 1 within 1e-3: e.g. a
 * teacher's softmax saved with np.savez) are taken as they are.
 * KIP and RFAD train finite networks on their learned labels with an MSE loss; we use cross-entropy, as issue 17
 * asks, so soft and hard evaluations differ only in the targets.
 */

/**
 * Which labels the evaluation networks train on: the class labels (the protocol), the set's soft labels, or a
 * teacher's relabelling of every augmented batch (SRe2L's protocol; EvalConfig.relabel gives the teacher).
 */
export type EvalLabels = 'hard' | 'soft' | 'teacher';
export const EVAL_LABELS: readonly [EvalLabels, ...EvalLabels[]] = ['hard', 'soft', 'teacher'];

/** Whether a row of `classes` values is already a probability distribution (non-negative, sums to 1 ± 1e-3). */
function isDistribution(values: Float32Array, start: number, classes: number): boolean {
  let sum = 0;
  for (let k = 0; k < classes; k++) {
    const v = values[start + k]!;
    if (!(v >= 0)) return false;
    sum += v;
  }
  return Math.abs(sum - 1) <= 1e-3;
}

/**
 * Target distributions [n, classes] from soft labels [n, classes]: distributions are kept, KRR's centred
 * regression targets are un-centred and clipped at 0, then each row is renormalised (see the module comment).
 */
export function labelDistributions(values: Float32Array, classes: number): Float32Array {
  if (classes < 1 || values.length % classes !== 0) throw new Error(`labelDistributions: ${values.length} values are not rows of ${classes} classes`);
  const out = new Float32Array(values.length);
  for (let s = 0; s < values.length; s += classes) {
    if (isDistribution(values, s, classes)) {
      out.set(values.subarray(s, s + classes), s);
      continue;
    }
    let sum = 0;
    for (let k = 0; k < classes; k++) {
      const v = Math.max(0, values[s + k]! + 1 / classes);
      out[s + k] = v;
      sum += v;
    }
    for (let k = 0; k < classes; k++) out[s + k] = sum > 0 ? out[s + k]! / sum : 1 / classes;
  }
  return out;
}

/** One-hot rows [n, classes] of class labels (hard labels written as soft ones). */
export function oneHotRows(labels: ArrayLike<number>, classes: number): Float32Array {
  const out = new Float32Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) out[i * classes + labels[i]!] = 1;
  return out;
}
