/**
 * DM, distribution matching (Zhao & Bilen 2023). Each iteration: a fresh random ConvNet with frozen
 * parameters; for every class c, loss_c = ‖mean embed(real_c) − mean embed(syn_c)‖²; one SGD-with-momentum
 * step on the synthetic pixels with the summed loss. First-order only.
 */
import * as tf from '@tensorflow/tfjs';
import { disposeConvNet, embedFirstOrder, initConvNet, type ConvNetParams, type ConvNetShape } from '../../nn/convnet';
import { crossEntropy } from '../../nn/losses';
import { gatherBatch, sampleClass, type RealData } from '../../data/batches';
import type { Rng } from '../../rng';
import { decode } from '../idc/multiformation';

/** Draws one augmentation and returns it as a function applied alike to the real and the synthetic batch. */
export type DrawAugment = () => (x: tf.Tensor4D) => tf.Tensor4D;

/** DM's hyper-parameters. */
export interface DmConfig {
  ipc: number;
  /** Real images per class per iteration (256 in the paper). */
  realPerClass: number;
  /** Learning rate and momentum of SGD on the images (1.0 and 0.5 in the paper). */
  lrImages: number;
  momentum: number;
  /** Multi-formation factor (1 = off): the loss sees each class's stored images decoded into IPC·f² (IDC). */
  factor?: number;
}

export const DM_DEFAULTS: DmConfig = { ipc: 10, realPerClass: 256, lrImages: 1, momentum: 0.5 };

/** The state DM updates: the synthetic images (class-major) and their momentum buffer. */
export interface SyntheticState {
  images: tf.Variable<tf.Rank.R4>;
  velocity: tf.Variable<tf.Rank.R4>;
}

/** Creates the variables from initial pixels (NHWC, class-major). */
export function createSyntheticState(pixels: Float32Array, n: number, shape: readonly [number, number, number]): SyntheticState {
  // tf.variable shares its initial value's data but not its handle: free the handles.
  const init = tf.tensor4d(pixels, [n, shape[0], shape[1], shape[2]]);
  const zeros = tf.zerosLike(init);
  const state = { images: tf.variable(init, true), velocity: tf.variable(zeros, false) };
  tf.dispose([init, zeros]);
  return state;
}

/** Frees the synthetic state. */
export function disposeSyntheticState(s: SyntheticState): void {
  s.images.dispose();
  s.velocity.dispose();
}

/**
 * IDM (src/core/methods/dm/pool.ts): embed with these (trained) parameters instead of a fresh random network, and
 * add `ceWeight` · CE(logits of the decoded, augmented synthetic images of class c, c) to each class's loss.
 */
export interface DmNetwork {
  params: ConvNetParams;
  /** The cross-entropy term's weight (a scalar tensor: λ times the network's accuracy; the caller owns it), or none. */
  ceWeight?: tf.Scalar;
}

/**
 * One DM iteration. Returns the summed loss as a scalar tensor the caller owns (read it back lazily): the matching
 * loss, also with IDM's CE term (which only the gradient includes).
 * `pickReal(c)` chooses the real batch of class c (a sampler); by default uniform without replacement.
 * `network`: IDM's drawn pool network (not freed here); absent, a fresh random one seeded from `rng` (DM).
 */
export function dmStep(
  net: ConvNetShape,
  data: RealData,
  syn: SyntheticState,
  cfg: DmConfig,
  rng: Rng,
  pickReal: (c: number) => ArrayLike<number> = (c) => sampleClass(data, c, cfg.realPerClass, rng),
  augment?: DrawAugment,
  network?: DmNetwork,
): tf.Scalar {
  const params = network?.params ?? initConvNet(net, rng.nextSeed());
  const ceWeight = network?.ceWeight;
  const grads: tf.Tensor4D[] = [];
  const losses: tf.Scalar[] = [];
  try {
    for (let c = 0; c < data.numClasses; c++) {
      // Per-class tidy: one class's activations at a time (all classes at width 128 would not fit).
      const [loss, grad] = tf.tidy(() => {
        // DSA: one augmentation drawn per class and applied to both batches (siamese).
        const aug = augment?.() ?? ((x: tf.Tensor4D) => x);
        const real = aug(gatherBatch(data, pickReal(c)));
        // The fast path (same numbers as `embed` up to rounding): the real batch needs no gradient and the
        // synthetic one a first-order gradient with respect to its pixels only (not the frozen network's).
        const realMean = tf.mean(embedFirstOrder(net, params, real), 0);
        const synC = tf.slice(syn.images, [c * cfg.ipc, 0, 0, 0], [cfg.ipc, -1, -1, -1]) as tf.Tensor4D;
        // With IDM's CE term the loss reported is the matching term alone (comparable with plain DM's curve); the
        // gradient is the whole objective's.
        let matching = null as tf.Scalar | null;
        const f = (s: tf.Tensor4D) => {
          const e = embedFirstOrder(net, params, aug(decode(s, cfg.factor ?? 1)));
          const mmd = tf.sum(tf.square(tf.sub(realMean, tf.mean(e, 0)))) as tf.Scalar;
          if (!ceWeight) return mmd;
          matching = tf.keep(mmd);
          // IDM's class-aware regulariser: the drawn network should classify each decoded synthetic image as c.
          const z = tf.add(tf.matMul(e, params.fcW), params.fcB) as tf.Tensor2D;
          const y = tf.oneHot(tf.fill([e.shape[0]], c, 'int32') as tf.Tensor1D, net.classes) as tf.Tensor2D;
          return tf.add(mmd, tf.mul(ceWeight, crossEntropy(z, y))) as tf.Scalar;
        };
        const { value, grad } = tf.valueAndGrad(f)(synC);
        return [matching ?? value, grad as tf.Tensor4D] as const;
      });
      losses.push(loss);
      grads.push(grad);
    }
    return tf.tidy(() => {
      const g = tf.concat(grads, 0);
      // PyTorch SGD semantics: v ← μ·v + g; x ← x − lr·v.
      const v = tf.add(tf.mul(syn.velocity, cfg.momentum), g);
      syn.velocity.assign(v as tf.Tensor4D);
      syn.images.assign(tf.sub(syn.images, tf.mul(v, cfg.lrImages)) as tf.Tensor4D);
      // Not tf.addN: on WebGPU it binds one buffer per input and silently fails past 8 (returns 0).
      return tf.sum(tf.stack(losses)) as tf.Scalar;
    });
  } finally {
    tf.dispose([...grads, ...losses]);
    if (!network) disposeConvNet(params);
  }
}
