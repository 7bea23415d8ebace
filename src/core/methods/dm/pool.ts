/**
 * IDM's network pool for DM (Zhao et al., "Improved Distribution Matching for Dataset Condensation", CVPR 2023;
 * the reference code's `IDM_cifar10.py`, its names in brackets). Each iteration t:
 *   1. every `interval` iterations [net_generate_interval] a freshly randomised ConvNet joins the pool; when the
 *      pool already holds `size` [net_num], the oldest leaves (the pool starts with 3, as the reference's);
 *   2. one pool network is drawn uniformly [train_net_num = 1]; DM's step embeds with it, and adds to each class's
 *      loss λ·a·CE(its logits of the class's decoded synthetic images, c) [syn_ce, ce_weight], a being the network's
 *      accuracy on the real batches it last trained on (0 before it has trained: a fresh network adds no term);
 *   3. `trainNets` [fetch_net_num] distinct pool networks, drawn uniformly, take `steps` [model_train_steps] SGD
 *      steps each (lr 0.01, momentum 0.9, weight decay 5e-4 [net_decay]) on real batches of `batch` [trained_bs]
 *      images spread over the classes, without augmentation.
 * Differences from the reference, kept small: the images take one SGD step per iteration with the summed loss (as
 * DM here does) where the reference steps after each class; the accuracy weighting a is the mean over the
 * network's last draw (the reference's meter averages since its last evaluation); real batches per step are
 * class-balanced (the reference draws them uniformly from the whole set); the real batch of the matching is the
 * run's `realPerClass` (the reference uses every image of the class at IPC 1). Every draw comes from the run's
 * seeded stream; the pool's weights, momenta and accuracies go into the run's checkpoint.
 */
import { readFlat } from '../../nn/flat';
import * as tf from '@tensorflow/tfjs';
import { disposeConvNet, initConvNet, logits, paramList, type ConvNetParams, type ConvNetShape } from '../../nn/convnet';
import { crossEntropy } from '../../nn/losses';
import { paramsFromList } from '../../nn/train';
import { gatherBatch, sampleClass, type RealData } from '../../data/batches';
import type { Rng } from '../../rng';
import type { DmPoolSettings } from '../../../shared/method-info/dm';
import type { RunCheckpoint } from '../../../shared/protocol';

/** The pool networks' optimiser: the reference's (and the evaluation protocol's) SGD. */
export const POOL_SGD = { lr: 0.01, momentum: 0.9, weightDecay: 5e-4 } as const;
/** Networks the pool starts with (the reference's three). */
export const POOL_START = 3;

/** One pool network: weights, their SGD momentum, and what its last training draw measured on real batches. */
interface PoolNet {
  params: ConvNetParams;
  velocity: tf.Tensor[];
  /** Accuracy (0..1) on the real batches of its last draw; 0 before it trained. */
  accuracy: tf.Scalar;
  /** Mean cross-entropy of the real batches of its last draw (NaN before it trained: a tensor either way, so the count of tensors stays put). */
  loss: tf.Scalar;
  /** SGD steps taken so far (not checkpointed: a readout). */
  steps: number;
}

export type PoolState = NonNullable<RunCheckpoint['dmPool']>;

/**
 * One SGD step of `p` on (x, y), accumulated over chunks of at most 64 images (exact: the mean over the batch is the
 * size-weighted mean over chunks); returns the batch's mean cross-entropy and its accuracy before the step.
 */
function sgdStep(shape: ConvNetShape, p: PoolNet, x: tf.Tensor4D, y: tf.Tensor2D, chunk = 64): { loss: tf.Scalar; accuracy: tf.Scalar } {
  const n = x.shape[0];
  const list = paramList(p.params);
  let value: tf.Tensor = tf.scalar(0);
  let correct: tf.Tensor = tf.scalar(0);
  let grads: tf.Tensor[] = list.map((t) => tf.zerosLike(t));
  for (let s = 0; s < n; s += chunk) {
    const m = Math.min(chunk, n - s);
    const next = tf.tidy(() => {
      const xc = tf.slice(x, [s, 0, 0, 0], [m, -1, -1, -1]);
      const yc = tf.slice(y, [s, 0], [m, -1]);
      let hits: tf.Tensor | null = null;
      const f = (...ps: tf.Tensor[]) => {
        const z = logits(shape, paramsFromList(p.params, ps), xc);
        // Kept out of the gradient's forward scope (which frees everything but its result).
        hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(z, 1), tf.argMax(yc, 1)), 'float32')));
        return crossEntropy(z, yc);
      };
      const r = tf.valueAndGrads(f)(list);
      const w = m / n;
      const out = {
        value: tf.add(value, tf.mul(r.value, w)),
        correct: tf.add(correct, hits!),
        grads: grads.map((g, i) => tf.add(g, tf.mul(r.grads[i]!, w))),
      };
      tf.dispose(hits!);
      return out;
    });
    tf.dispose([value, correct, ...grads]);
    value = next.value;
    correct = next.correct;
    grads = next.grads;
  }
  const { lr, momentum, weightDecay } = POOL_SGD;
  const updated = tf.tidy(() => {
    const next: tf.Tensor[] = [];
    const vel: tf.Tensor[] = [];
    list.forEach((w, i) => {
      // PyTorch SGD: g ← ∇ + wd·w; v ← μ·v + g; w ← w − lr·v.
      const v = tf.add(tf.mul(p.velocity[i]!, momentum), tf.add(grads[i]!, tf.mul(w, weightDecay)));
      vel.push(v);
      next.push(tf.sub(w, tf.mul(v, lr)));
    });
    return { next, vel };
  });
  tf.dispose([...list, ...p.velocity, ...grads]);
  p.params = paramsFromList(p.params, updated.next);
  p.velocity = updated.vel;
  p.steps++;
  const accuracy = tf.tidy(() => tf.div(correct, n) as tf.Scalar);
  correct.dispose();
  return { loss: value as tf.Scalar, accuracy };
}

/** IDM's queue of networks trained on real data (see the file's comment). */
export class NetworkPool {
  private nets: PoolNet[] = [];
  /** Whether the pool has been filled (lazily at the first iteration, or from a checkpoint). */
  private started = false;

  constructor(
    private readonly shape: ConvNetShape,
    private readonly data: RealData,
    private readonly cfg: DmPoolSettings,
    private readonly rng: Rng,
    /** Where a new network's weights are drawn (the run's `netDraw`; host by default). */
    private readonly drawNet: (seed: number) => ConvNetParams = (seed) => initConvNet(shape, seed),
  ) {}

  /** The networks now, oldest first (for tests). */
  get networks(): readonly ConvNetParams[] {
    return this.nets.map((n) => n.params);
  }

  private fresh(): PoolNet {
    const params = this.drawNet(this.rng.nextSeed());
    return { params, velocity: paramList(params).map((t) => tf.zerosLike(t)), accuracy: tf.scalar(0), loss: tf.scalar(NaN), steps: 0 };
  }

  private drop(n: PoolNet): void {
    disposeConvNet(n.params);
    tf.dispose([...n.velocity, n.accuracy, n.loss]);
  }

  /** Step 1 of iteration `t`: fills the pool at the start, lets a new network join every `interval` iterations. */
  advance(t: number): void {
    if (!this.started) {
      for (let i = 0; i < POOL_START; i++) this.nets.push(this.fresh());
      this.started = true;
    }
    if (t % this.cfg.interval === 0) {
      while (this.nets.length >= this.cfg.size) this.drop(this.nets.shift()!);
      this.nets.push(this.fresh());
    }
  }

  /** Step 2: draws the matching network; returns its parameters and the CE weight λ·a (the caller disposes the weight). */
  draw(): { params: ConvNetParams; ceWeight?: tf.Scalar } {
    const n = this.nets[this.rng.int(this.nets.length)]!;
    if (this.cfg.ceWeight <= 0) return { params: n.params };
    return { params: n.params, ceWeight: tf.tidy(() => tf.mul(n.accuracy, this.cfg.ceWeight) as tf.Scalar) };
  }

  /** Step 3: trains `trainNets` distinct pool networks `steps` SGD steps each on class-balanced real batches. */
  train(): void {
    const chosen = this.rng.sampleWithoutReplacement(this.nets.length, this.cfg.trainNets);
    for (const i of chosen) {
      const n = this.nets[i]!;
      if (this.cfg.steps === 0) continue;
      const losses: tf.Scalar[] = [];
      const accs: tf.Scalar[] = [];
      for (let s = 0; s < this.cfg.steps; s++) {
        const { x, y } = this.realBatch();
        const r = sgdStep(this.shape, n, x, y);
        tf.dispose([x, y]);
        losses.push(r.loss);
        accs.push(r.accuracy);
      }
      const [loss, acc] = tf.tidy(() => [tf.mean(tf.stack(losses)) as tf.Scalar, tf.mean(tf.stack(accs)) as tf.Scalar]);
      tf.dispose([...losses, ...accs, n.accuracy, n.loss]);
      n.loss = loss!;
      n.accuracy = acc!;
    }
  }

  /** A real batch of `batch` images spread evenly over the classes (one-hot labels), from the run's stream. */
  private realBatch(): { x: tf.Tensor4D; y: tf.Tensor2D } {
    const k = this.data.numClasses;
    const b = this.cfg.batch;
    const idx: number[] = [];
    const labels: number[] = [];
    for (let c = 0; c < k; c++) {
      const m = Math.floor(b / k) + (c < b % k ? 1 : 0);
      for (const i of sampleClass(this.data, c, Math.min(m, this.data.byClass[c]!.length), this.rng)) {
        idx.push(i);
        labels.push(c);
      }
    }
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), this.shape.classes) as tf.Tensor2D);
    return { x: gatherBatch(this.data, idx), y };
  }

  /** The networks' real-batch cross-entropy and accuracy of their last draw, averaged over those that trained. */
  async readouts(): Promise<Record<string, number>> {
    const out: Record<string, number> = { poolNetworks: this.nets.length };
    const losses = await Promise.all(this.nets.map(async (n) => (await n.loss.data())[0]!));
    const accs = await Promise.all(this.nets.map(async (n) => (await n.accuracy.data())[0]!));
    const trained = losses.map((l, i) => [l, accs[i]!] as const).filter(([l]) => Number.isFinite(l));
    if (trained.length === 0) return out;
    out.poolRealLoss = trained.reduce((a, [l]) => a + l, 0) / trained.length;
    out.poolRealAccuracy = trained.reduce((a, [, x]) => a + x, 0) / trained.length;
    return out;
  }

  /** The per-network real-batch losses of their last draw (NaN: never trained), oldest first, and their steps. */
  async lastLosses(): Promise<{ loss: number; steps: number }[]> {
    return Promise.all(this.nets.map(async (n) => ({ loss: (await n.loss.data())[0]!, steps: n.steps })));
  }

  /** The checkpoint field (empty before the first iteration: a resumed run then fills the pool as a fresh one). */
  async save(): Promise<PoolState | null> {
    if (!this.started) return null;
    const nets = await Promise.all(
      this.nets.map(async (n) => ({ params: await readFlat(paramList(n.params)), velocity: await readFlat(n.velocity), accuracy: (await n.accuracy.data())[0]! })),
    );
    return { nets };
  }

  /** Takes the pool from a checkpoint (on a fresh run); throws when its sizes do not fit this network. */
  load(state: PoolState): void {
    const template = initConvNet(this.shape, 0);
    const shapes = paramList(template).map((t) => t.shape);
    disposeConvNet(template);
    const total = shapes.reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0);
    const split = (flat: Float32Array): tf.Tensor[] => {
      if (flat.length !== total) throw new Error(`The checkpoint's pool network holds ${flat.length} values; this run's network has ${total}.`);
      let o = 0;
      return shapes.map((s) => {
        const n = s.reduce((x, y) => x * y, 1);
        const t = tf.tensor(flat.subarray(o, o + n), s);
        o += n;
        return t;
      });
    };
    this.dispose();
    for (const n of state.nets) {
      const list = split(n.params);
      this.nets.push({ params: paramsFromList(template, list), velocity: split(n.velocity), accuracy: tf.scalar(n.accuracy), loss: tf.scalar(NaN), steps: 0 });
    }
    this.started = true;
  }

  dispose(): void {
    for (const n of this.nets) this.drop(n);
    this.nets = [];
  }
}
