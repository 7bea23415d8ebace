/**
 * MGDD (Liu & Wang, NeurIPS 2023) at browser scale: the task loss, the generator's Adam, adaptation to one task,
 * and meta-training over many sampled tasks.
 *
 * Task loss (our choice, following the paper's closed-form, least-squares view of the synthetic set in a feature
 * space): kernel ridge regression with random-ConvNet features, as KRR (../krr) does. The generated set G(x0)
 * with its centred one-hot labels fits, by KRR in the features of `models` freshly drawn random ConvNets, the
 * labels of a real batch; the loss is the fit's squared error. It is first order (one small n×n solve, no
 * gradient of a gradient), cheap at any IPC, and its gradient reaches G's weights through the generated pixels.
 * (The paper also solves the synthetic labels by least squares; here the labels stay the hard class labels, so the
 * sets are evaluated like every other method's: see README.)
 *
 * Meta-training (first-order MAML): each task draws an IPC k in 1..maxIpc and k real images per class as x0; a copy
 * of G takes `innerSteps` Adam steps on the task loss (fresh random networks and a fresh real batch each step);
 * the gradient of the task loss at the adapted copy (again fresh networks and batch) updates G by Adam at `metaLr`.
 * A run then adapts the meta-trained G to its own x0 (its IPC, its init) by the same inner steps: a few suffice.
 */
import * as tf from '@tensorflow/tfjs';
import { disposeConvNet, embedFirstOrder, initConvNet, type ConvNetParams, type ConvNetShape } from '../../nn/convnet';
import { gatherBatch, sampleClass, type RealData } from '../../data/batches';
import type { Rng } from '../../rng';
import type { DrawAugment } from '../dm/dm';
import { krrLossFromFeatures, targets } from '../krr/krr';
import { classPlanes, generate, initGenerator, type GeneratorParams, type GeneratorShape } from './generator';

/** Random-feature KRR's settings for the task loss. */
export interface TaskLossConfig {
  /** Random ConvNets per step whose features make the kernel. */
  models: number;
  /** Ridge relative to the mean diagonal of K_ss (KRR's 0.1). */
  ridge: number;
}

/** Concatenated, scaled random features (as KRR's): differentiable once in x. */
export function randomFeatures(net: ConvNetShape, nets: ConvNetParams[], x: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const phi = tf.concat(
      nets.map((p) => embedFirstOrder(net, p, x)),
      1,
    );
    return tf.div(phi, Math.sqrt(phi.shape[1])) as tf.Tensor2D;
  });
}

/** One task's fixed inputs: the initial images, their class planes and labels. */
export interface TaskInput {
  x0: tf.Tensor4D;
  planes: tf.Tensor4D;
  /** Centred one-hot targets of the generated set [N, classes]. */
  ys: tf.Tensor2D;
}

/** A task's inputs for class-major x0 with `ipc` images per class (owns the tensors it makes, not x0's copy: it clones). */
export function taskInput(x0: tf.Tensor4D, ipc: number, classes: number): TaskInput {
  return tf.tidy(() => {
    const n = x0.shape[0];
    const labels = Array.from({ length: n }, (_, i) => Math.floor(i / ipc));
    return { x0: tf.clone(x0), planes: classPlanes(labels, classes, x0.shape[1], x0.shape[2]), ys: targets(labels, classes) };
  });
}

export function disposeTaskInput(t: TaskInput): void {
  tf.dispose([t.x0, t.planes, t.ys]);
}

/**
 * The task loss of G on a task against a real batch (φ_r: its features under `nets`, computed outside any tape;
 * yr its centred one-hot targets): KRR of yr from (G(x0), ys). `aug` (DSA) is applied to the generated images.
 */
export function taskLoss(
  net: ConvNetShape,
  nets: ConvNetParams[],
  params: GeneratorParams,
  task: TaskInput,
  phiR: tf.Tensor2D,
  yr: tf.Tensor2D,
  ridge: number,
  aug: (x: tf.Tensor4D) => tf.Tensor4D = (x) => x,
): tf.Scalar {
  return tf.tidy(() => {
    const xs = aug(generate(params, task.x0, task.planes));
    return krrLossFromFeatures(phiR, yr, randomFeatures(net, nets, xs), task.ys, ridge);
  });
}

/** Adam's state for G: first and second moments and the step count (bias correction). */
export interface AdamState {
  m: tf.Tensor[];
  v: tf.Tensor[];
  t: number;
}

export function initAdam(params: GeneratorParams): AdamState {
  return { m: params.map((p) => tf.zerosLike(p)), v: params.map((p) => tf.zerosLike(p)), t: 0 };
}

export function disposeAdam(s: AdamState): void {
  tf.dispose([...s.m, ...s.v]);
}

export const ADAM_BETA2 = 0.999;
export const ADAM_EPS = 1e-8;

/** One Adam step: returns G's new parameters and updates `state` in place; frees the old parameters and moments. */
export function adamStep(params: GeneratorParams, grads: tf.Tensor[], state: AdamState, lr: number, beta1: number): GeneratorParams {
  const t = state.t + 1;
  const out = tf.tidy(() => {
    const c1 = 1 - beta1 ** t;
    const c2 = 1 - ADAM_BETA2 ** t;
    const m = grads.map((g, i) => tf.add(tf.mul(state.m[i]!, beta1), tf.mul(g, 1 - beta1)));
    const v = grads.map((g, i) => tf.add(tf.mul(state.v[i]!, ADAM_BETA2), tf.mul(tf.square(g), 1 - ADAM_BETA2)));
    const next = params.map((p, i) => tf.sub(p, tf.mul(tf.div(tf.div(m[i]!, c1), tf.add(tf.sqrt(tf.div(v[i]!, c2)), ADAM_EPS)), lr)));
    return { m, v, next };
  });
  tf.dispose([...params, ...state.m, ...state.v]);
  state.m = out.m;
  state.v = out.v;
  state.t = t;
  return out.next;
}

/** The real batch of one step: `perClass` images of every class, through `pick`, with their features under `nets`. */
function realBatch(
  net: ConvNetShape,
  data: RealData,
  nets: ConvNetParams[],
  perClass: number,
  pick: (c: number, n: number) => ArrayLike<number>,
  aug: (x: tf.Tensor4D) => tf.Tensor4D,
): { phiR: tf.Tensor2D; yr: tf.Tensor2D } {
  const idx: number[] = [];
  const lab: number[] = [];
  for (let c = 0; c < data.numClasses; c++) {
    for (const i of Array.from(pick(c, perClass))) {
      idx.push(i);
      lab.push(c);
    }
  }
  return tf.tidy(() => ({ phiR: randomFeatures(net, nets, aug(gatherBatch(data, idx))), yr: targets(lab, net.classes) }));
}

/** What one adaptation step needs beyond G and the task. */
export interface StepConfig extends TaskLossConfig {
  /** Real images per class in the step's batch. */
  realPerClass: number;
  lr: number;
  beta1: number;
}

/**
 * One adaptation step of G on a task: fresh random networks (seeds from `rng`, drawn first), a real batch through
 * `pick`, the task loss's gradient w.r.t. G's parameters, one Adam step. Returns G's new parameters (the old are
 * freed) and the loss before the step (the caller disposes it).
 */
export function adaptStep(
  net: ConvNetShape,
  data: RealData,
  params: GeneratorParams,
  adam: AdamState,
  task: TaskInput,
  cfg: StepConfig,
  rng: Rng,
  pick: (c: number, n: number) => ArrayLike<number>,
  augment?: DrawAugment,
): { params: GeneratorParams; loss: tf.Scalar } {
  const { loss, grads } = taskGrads(net, data, params, task, cfg, rng, pick, augment);
  const next = adamStep(params, grads, adam, cfg.lr, cfg.beta1);
  tf.dispose(grads);
  return { params: next, loss };
}

/** The task loss and its gradient w.r.t. G's parameters on fresh random networks and a fresh real batch. */
export function taskGrads(
  net: ConvNetShape,
  data: RealData,
  params: GeneratorParams,
  task: TaskInput,
  cfg: TaskLossConfig & { realPerClass: number },
  rng: Rng,
  pick: (c: number, n: number) => ArrayLike<number>,
  augment?: DrawAugment,
): { loss: tf.Scalar; grads: tf.Tensor[] } {
  const nets = Array.from({ length: cfg.models }, () => initConvNet(net, rng.nextSeed()));
  try {
    const aug = augment?.() ?? ((x: tf.Tensor4D) => x);
    const { phiR, yr } = realBatch(net, data, nets, cfg.realPerClass, pick, aug);
    try {
      const { value, grads } = tf.valueAndGrads((...ps: tf.Tensor[]) => taskLoss(net, nets, ps, task, phiR, yr, cfg.ridge, aug))(params);
      return { loss: value as tf.Scalar, grads };
    } finally {
      tf.dispose([phiR, yr]);
    }
  } finally {
    nets.forEach(disposeConvNet);
  }
}

/** Meta-training's settings. */
export interface MetaConfig extends TaskLossConfig {
  /** Tasks (outer updates). */
  tasks: number;
  /** Adaptation steps per task (inner loop). */
  innerSteps: number;
  /** Adam learning rate of the inner loop (and the default of a run's adaptation). */
  innerLr: number;
  /** Adam learning rate of the outer (meta) update. */
  metaLr: number;
  /** Adam β1 of both loops. */
  beta1: number;
  /** A task's IPC is drawn uniformly from 1..maxIpc. */
  maxIpc: number;
  /** Real images per class in every step's batch. */
  realPerClass: number;
  /** G's hidden width. */
  width: number;
}

/** Progress of meta-training: `task` of `tasks` done, and the last task's loss after adaptation. */
export interface MetaProgress {
  task: number;
  tasks: number;
  loss: number;
}

/** A meta-trained generator with what it cost. */
export interface MetaGenerator {
  params: GeneratorParams;
  tasks: number;
  seconds: number;
  /** Mean task loss after adaptation over the first and the last fifth of the tasks (the meta-objective falls). */
  firstLoss: number;
  lastLoss: number;
}

/**
 * Meta-trains G on `data` (tasks drawn from `rng` only, in a fixed order: the task's IPC, its x0, then per step the
 * networks' seeds and the real batch). `onTask` is awaited after each task and may throw to cancel (nothing
 * leaks then).
 */
export async function metaTrain(
  net: ConvNetShape,
  data: RealData,
  cfg: MetaConfig,
  rng: Rng,
  onTask?: (p: MetaProgress) => void | Promise<void>,
): Promise<MetaGenerator> {
  const g: GeneratorShape = { channels: net.input[2], classes: net.classes, width: cfg.width };
  const start = performance.now();
  let params = initGenerator(g, rng.nextSeed());
  const outer = initAdam(params);
  const losses: number[] = [];
  const pick = (c: number, n: number) => sampleClass(data, c, n, rng);
  try {
    for (let t = 0; t < cfg.tasks; t++) {
      const k = 1 + rng.int(cfg.maxIpc);
      const idx: number[] = [];
      for (let c = 0; c < data.numClasses; c++) idx.push(...Array.from(sampleClass(data, c, k, rng)));
      const x0 = gatherBatch(data, idx);
      const task = taskInput(x0, k, net.classes);
      x0.dispose();
      let fast = params.map((p) => tf.clone(p));
      const inner = initAdam(fast);
      try {
        for (let s = 0; s < cfg.innerSteps; s++) {
          const r = adaptStep(net, data, fast, inner, task, { ...cfg, lr: cfg.innerLr }, rng, pick);
          fast = r.params;
          r.loss.dispose();
        }
        const { loss, grads } = taskGrads(net, data, fast, task, cfg, rng, pick);
        losses.push((await loss.data())[0]!);
        loss.dispose();
        params = adamStep(params, grads, outer, cfg.metaLr, cfg.beta1);
        tf.dispose(grads);
      } finally {
        tf.dispose(fast);
        disposeAdam(inner);
        disposeTaskInput(task);
      }
      await onTask?.({ task: t + 1, tasks: cfg.tasks, loss: losses[losses.length - 1]! });
    }
  } catch (err) {
    tf.dispose(params);
    throw err;
  } finally {
    disposeAdam(outer);
  }
  const fifth = Math.max(1, Math.floor(losses.length / 5));
  const mean = (a: number[]) => (a.length ? a.reduce((x, y) => x + y, 0) / a.length : NaN);
  return { params, tasks: cfg.tasks, seconds: (performance.now() - start) / 1000, firstLoss: mean(losses.slice(0, fifth)), lastLoss: mean(losses.slice(-fifth)) };
}
