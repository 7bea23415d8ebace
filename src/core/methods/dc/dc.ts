/**
 * DC, gradient matching (Zhao, Mopuri & Bilen 2021). One iteration = one outer iteration of the paper:
 * a fresh random ConvNet θ; then `outerLoop` times: for every class c, match the gradient of the
 * cross-entropy w.r.t. θ on 256 real images of c and on the IPC synthetic images of c, with DC's
 * layer-wise distance Σ(1 − cos); one SGD step (lr 0.1, momentum 0.5) on the synthetic images with the
 * summed distance; then, except after the last, `innerLoop` SGD steps (lr 0.01) training θ on the
 * synthetic set. Needs the gradient of a gradient: see nn/ops.ts and nn/losses.ts.
 *
 * `netTraining: 'real'` is IDC's matching network (Kim et al. 2022, algorithms.md §5): the network on which
 * gradients are matched is trained on REAL data, not on the synthetic set, and it outlives the iteration:
 * after every image update it takes `realSteps` SGD steps (lr 0.01, momentum 0.9, weight decay 5e-4, the
 * reference's network optimiser) on random real batches of `realBatch` images of all classes (≈ the
 * reference's n_data = 500 images per inner loop), and it is re-initialised every `reinitEvery` iterations
 * (the reference's 100 inner loops per outer iteration). One of our iterations is one inner loop of the
 * reference. The matching distance is DC's layer-wise Σ(1 − cos) unless `distance` is 'l1', IDC's own: Σ|g_real −
 * g_syn| over the convolutions' weights (no biases, no dense layer), which wants a far smaller image learning rate
 * (its sum runs over every weight). IDC's reproduce settings (misc/reproduce.py, scaled by argument.py's
 * tune_lr_img) use 1e-4 × IPC/10 × (side/base)² on MNIST and Fashion-MNIST: 1e-5 on MNIST at IPC 1.
 */
import * as tf from '@tensorflow/tfjs';
import { initConvNet, logits, paramList, type ConvNetParams, type ConvNetShape } from '../../nn/convnet';
import { crossEntropy, GRADIENT_DISTANCES, type GradientDistanceName } from '../../nn/losses';
import { SgdTrainer, meanCrossEntropyGrads, paramsFromList } from '../../nn/train';
import { gatherBatch, sampleClass, type RealData } from '../../data/batches';
import type { DrawAugment, SyntheticState } from '../dm/dm';
import type { Rng } from '../../rng';
import { decode } from '../idc/multiformation';

/** DC's hyper-parameters. */
export interface DcConfig {
  ipc: number;
  realPerClass: number;
  lrImages: number;
  momentum: number;
  /** Learning rate of the network trained between image updates. */
  lrNet: number;
  /** Image updates per outer iteration, and network training steps between them (0 = by IPC, as the paper). */
  outerLoop: number;
  innerLoop: number;
  /** Multi-formation factor (1 = off): gradients are taken on the decoded images (IDC). */
  factor?: number;
  /** What the matching network is trained on between image updates: the synthetic set (DC, the default) or real batches (IDC). */
  netTraining?: DcNetTraining;
  /** IDC ('real'): SGD steps on real batches after every image update, their size, and how often the network is re-initialised. */
  realSteps?: number;
  realBatch?: number;
  reinitEvery?: number;
  /** The gradient distance: DC's layer-wise Σ(1 − cos) ('cos', the default) or IDC's L1 on the convolutions ('l1'). */
  distance?: GradientDistanceName;
}

export type DcNetTraining = 'synthetic' | 'real';

export const DC_DEFAULTS: DcConfig = { ipc: 10, realPerClass: 256, lrImages: 0.1, momentum: 0.5, lrNet: 0.01, outerLoop: 0, innerLoop: 0 };

import { dcLoops } from '../../../shared/dc-loops';
export { dcLoops };

/** IDC's matching-network schedule ('real'): 8 steps of 64 real images (≈ n_data 500) per image update, a fresh network every 100. */
export const DC_REAL_NET = { realSteps: 8, realBatch: 64, reinitEvery: 100, momentum: 0.9, weightDecay: 5e-4 } as const;


/** Cross-entropy of class-`c` images under parameters given as a flat list (for tf.grads). */
function classLoss(net: ConvNetShape, template: ConvNetParams, x: tf.Tensor4D, c: number) {
  const y = tf.oneHot(tf.fill([x.shape[0]], c, 'int32') as tf.Tensor1D, net.classes) as tf.Tensor2D;
  return (...ps: tf.Tensor[]) => crossEntropy(logits(net, paramsFromList(template, ps), x), y);
}

/** ∇θ CE of a real batch of class c: the matching target, a constant (computed outside any outer gradient). */
export function realGradients(net: ConvNetShape, paramsList: tf.Tensor[], template: ConvNetParams, real: tf.Tensor4D, c: number): tf.Tensor[] {
  return tf.tidy(() => {
    const y = tf.oneHot(tf.fill([real.shape[0]], c, 'int32') as tf.Tensor1D, net.classes) as tf.Tensor2D;
    const { value, grads } = meanCrossEntropyGrads(net, template, paramsList, real, y);
    value.dispose();
    return grads;
  });
}

/**
 * The matching loss of class c for synthetic images `synC`: Σ over weight tensors of the gradient distance
 * (DC's Σ(1 − cos) by default, IDC's L1 with 'l1') between gReal and ∇θ CE(synC). Differentiable w.r.t. synC
 * (a gradient of a gradient).
 */
export function matchingLoss(
  net: ConvNetShape,
  paramsList: tf.Tensor[],
  template: ConvNetParams,
  gReal: tf.Tensor[],
  synC: tf.Tensor4D,
  c: number,
  distance: GradientDistanceName = 'cos',
): tf.Scalar {
  const gSyn = tf.grads(classLoss(net, template, synC, c))(paramsList);
  const dist = GRADIENT_DISTANCES[distance];
  const dists = gReal.map((g, i) => dist(g, gSyn[i]!));
  return tf.sum(tf.stack(dists)) as tf.Scalar;
}

/** A DC run's state: the network of the current outer iteration lives only inside `step`. */
export class DcMethod {
  readonly loops: { outer: number; inner: number };

  constructor(
    private readonly net: ConvNetShape,
    private readonly data: RealData,
    private readonly syn: SyntheticState,
    private readonly cfg: DcConfig,
    private readonly rng: Rng,
    private readonly augment?: DrawAugment,
    /** Chooses class c's real batch of n images (a sampler); uniform without replacement by default. */
    private readonly pickReal: (c: number, n: number) => ArrayLike<number> = (c, n) => sampleClass(data, c, n, rng),
    /** Where each fresh network's weights are drawn (the run's `netDraw`; host by default). */
    private readonly drawNet: (seed: number) => ConvNetParams = (seed) => initConvNet(net, seed),
  ) {
    const paper = dcLoops(cfg.ipc);
    this.loops = { outer: cfg.outerLoop || paper.outer, inner: cfg.innerLoop || paper.inner };
  }

  /** IDC ('real'): the matching network, kept across iterations, and the iterations it has lived. */
  private realNet: SgdTrainer | null = null;
  private realNetAge = 0;
  /** IDC ('real'): how many matching networks have been initialised so far (0 before the first iteration). */
  realNetworks = 0;
  /** IDC ('real'): the mean cross-entropy of the real batches of the last iteration's network training (kept, read lazily). */
  private realLoss: tf.Scalar | null = null;

  /** One outer iteration; returns the mean matching loss over its image updates (caller disposes). */
  step(): tf.Scalar {
    if (this.cfg.netTraining === 'real') return this.stepReal();
    const trainer = new SgdTrainer(this.net, this.drawNet(this.rng.nextSeed()), {
      lr: this.cfg.lrNet,
      momentum: 0,
      weightDecay: 0,
    });
    const losses: tf.Scalar[] = [];
    try {
      for (let ol = 0; ol < this.loops.outer; ol++) {
        losses.push(this.updateImages(trainer));
        if (ol === this.loops.outer - 1) break;
        for (let il = 0; il < this.loops.inner; il++) this.trainOnSynthetic(trainer);
      }
      return tf.tidy(() => tf.mean(tf.stack(losses)) as tf.Scalar);
    } finally {
      tf.dispose(losses);
      trainer.dispose();
    }
  }

  /**
   * IDC: the network (fresh every `reinitEvery` iterations, else the one trained so far) matches gradients for
   * `outer` image updates, each followed by `realSteps` SGD steps on real batches.
   */
  private stepReal(): tf.Scalar {
    const every = this.cfg.reinitEvery ?? DC_REAL_NET.reinitEvery;
    if (!this.realNet || this.realNetAge >= every) {
      this.realNet?.dispose();
      this.realNet = new SgdTrainer(this.net, this.drawNet(this.rng.nextSeed()), {
        lr: this.cfg.lrNet,
        momentum: DC_REAL_NET.momentum,
        weightDecay: DC_REAL_NET.weightDecay,
      });
      this.realNetAge = 0;
      this.realNetworks++;
    }
    const trainer = this.realNet;
    const losses: tf.Scalar[] = [];
    const realLosses: tf.Scalar[] = [];
    try {
      for (let ol = 0; ol < this.loops.outer; ol++) {
        losses.push(this.updateImages(trainer));
        const steps = this.cfg.realSteps ?? DC_REAL_NET.realSteps;
        for (let il = 0; il < steps; il++) realLosses.push(this.trainOnReal(trainer));
      }
      this.realNetAge++;
      this.realLoss?.dispose();
      this.realLoss = realLosses.length ? tf.tidy(() => tf.mean(tf.stack(realLosses)) as tf.Scalar) : null;
      return tf.tidy(() => tf.mean(tf.stack(losses)) as tf.Scalar);
    } finally {
      tf.dispose([...losses, ...realLosses]);
    }
  }

  /** IDC ('real'): the mean cross-entropy of the real batches the network trained on in the last iteration (null before, or without 'real'). */
  async lastRealLoss(): Promise<number | null> {
    return this.realLoss ? (await this.realLoss.data())[0]! : null;
  }

  /** The real-data network's parameters, when IDC's schedule keeps one (for tests). */
  get realNetwork(): ConvNetParams | null {
    return this.realNet?.params ?? null;
  }

  /** Frees the network IDC's schedule keeps between iterations (nothing otherwise). */
  dispose(): void {
    this.realNet?.dispose();
    this.realNet = null;
    this.realLoss?.dispose();
    this.realLoss = null;
  }

  /**
   * One SGD step of the matching network on a real batch of `realBatch` images, spread evenly over the classes
   * (augmented like the matching when DSA is on); returns its cross-entropy (caller disposes).
   */
  private trainOnReal(trainer: SgdTrainer): tf.Scalar {
    const k = this.data.numClasses;
    const n = this.cfg.realBatch ?? DC_REAL_NET.realBatch;
    const idx: number[] = [];
    const labels: number[] = [];
    for (let c = 0; c < k; c++) {
      const m = Math.floor(n / k) + (c < n % k ? 1 : 0);
      for (const i of sampleClass(this.data, c, Math.min(m, this.data.byClass[c]!.length), this.rng)) {
        idx.push(i);
        labels.push(c);
      }
    }
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), this.net.classes) as tf.Tensor2D);
    const x = tf.tidy(() => (this.augment?.() ?? ((t: tf.Tensor4D) => t))(gatherBatch(this.data, idx)));
    const loss = trainer.step(x, y);
    tf.dispose([x, y]);
    return loss;
  }

  /** One SGD-with-momentum step on the synthetic images with the summed per-class matching loss. */
  private updateImages(trainer: SgdTrainer): tf.Scalar {
    const { ipc } = this.cfg;
    const params = paramList(trainer.params);
    const grads: tf.Tensor4D[] = [];
    const losses: tf.Scalar[] = [];
    try {
      for (let c = 0; c < this.data.numClasses; c++) {
        const [loss, grad] = tf.tidy(() => {
          // DSA: one augmentation per class, applied alike to the real and the synthetic batch.
          const aug = this.augment?.() ?? ((x: tf.Tensor4D) => x);
          // The real gradients are constants: computing them outside the outer gradient keeps their
          // activations off its tape (at width 128 that tape would not fit in wasm's memory).
          const gReal = tf.tidy(() => {
            const real = aug(gatherBatch(this.data, this.pickReal(c, this.cfg.realPerClass)));
            return realGradients(this.net, params, trainer.params, real, c);
          });
          const synC0 = tf.slice(this.syn.images, [c * ipc, 0, 0, 0], [ipc, -1, -1, -1]) as tf.Tensor4D;
          const f = (s: tf.Tensor) => matchingLoss(this.net, params, trainer.params, gReal, aug(decode(s as tf.Tensor4D, this.cfg.factor ?? 1)), c, this.cfg.distance);
          const { value, grad } = tf.valueAndGrad(f)(synC0);
          return [value, grad as tf.Tensor4D] as const;
        });
        losses.push(loss);
        grads.push(grad);
      }
      return tf.tidy(() => {
        const v = tf.add(tf.mul(this.syn.velocity, this.cfg.momentum), tf.concat(grads, 0));
        this.syn.velocity.assign(v as tf.Tensor4D);
        this.syn.images.assign(tf.sub(this.syn.images, tf.mul(v, this.cfg.lrImages)) as tf.Tensor4D);
        return tf.sum(tf.stack(losses)) as tf.Scalar;
      });
    } finally {
      tf.dispose([...grads, ...losses]);
    }
  }

  /** One SGD step of the network on the whole (detached) synthetic set. */
  private trainOnSynthetic(trainer: SgdTrainer): void {
    const f = this.cfg.factor ?? 1;
    // Decoded (multi-formation) the set has IPC·f² images per class, class-major.
    const per = this.cfg.ipc * f * f;
    const y = tf.tidy(() => {
      const labels = Int32Array.from({ length: this.data.numClasses * per }, (_, i) => Math.floor(i / per));
      return tf.oneHot(tf.tensor1d(labels, 'int32'), this.net.classes) as tf.Tensor2D;
    });
    // The reference trains the network on augmented synthetic images when DSA is on.
    const x = tf.tidy(() => (this.augment?.() ?? ((t: tf.Tensor4D) => tf.clone(t)))(decode(this.syn.images, f)));
    tf.dispose([trainer.step(x, y), x, y]);
  }
}
